#!/usr/bin/env python3
"""INFLESZ readability (Szigriszt-Pazos index) for the Spanish translations.

    index = 206.835 - 62.3 * syllables/words - words/sentences

Prose only: the YAML front matter, headings, tables, code, HTML comments,
alert markers (`> [!WARNING]`), link targets and citation links
(`[1](#ref-1)`) are removed before counting. A word is a token that contains
a letter; bare numbers ("50", "2006", "7") are left out of both counts
(`--numbers` counts each as a two-syllable word instead, as a check).
Sentences end at `.`, `!`, `?` or `…`, and at the end of each list item,
table-free paragraph or alert line group.

Syllables by rule: a syllable is a group of vowels (a e i o u á é í ó ú ü, and
`y` when no vowel follows it); inside a group, two strong vowels (a e o, or an
accented í ú, which breaks a diphthong) start a new syllable. `h` separates
groups. Self-test: `inflesz.py --test`.

Usage: inflesz.py [--numbers] FILE.md...
"""
import re
import statistics
import sys

VOWELS = set("aeiouáéíóúü")
STRONG = set("aeoáéóíú")  # accented í/ú behave as strong: they break a diphthong


def syllables(word):
    w = word.lower()
    count = 0
    i = 0
    n = len(w)
    while i < n:
        c = w[i]
        is_vowel = c in VOWELS or (c == "y" and (i + 1 == n or w[i + 1] not in VOWELS) and i > 0)
        if c == "y" and n == 1:
            is_vowel = True
        if not is_vowel:
            i += 1
            continue
        # a vowel group starts here
        group = [c]
        i += 1
        while i < n:
            d = w[i]
            d_vowel = d in VOWELS or (d == "y" and (i + 1 == n or w[i + 1] not in VOWELS))
            if not d_vowel:
                break
            group.append(d)
            i += 1
        syl = 1
        for a, b in zip(group, group[1:]):
            if a in STRONG and b in STRONG:
                syl += 1
            elif a == b:  # chiita, duunviro
                syl += 1
        count += syl
    return max(count, 1)


def prose(text):
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4:] if end != -1 else text
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    units = []
    para = []

    def flush():
        if para:
            units.append(" ".join(para))
            para.clear()

    for raw in text.splitlines():
        line = raw.strip()
        line = re.sub(r"^>\s?", "", line)
        line = line.strip()
        if not line:
            flush()
            continue
        if line.startswith("#") or line.startswith("|") or re.match(r"^\[!\w+\]$", line):
            flush()
            continue
        m = re.match(r"^([-*+]|\d+\.)\s+(.*)$", line)
        if m:
            flush()
            para.append(m.group(2))
            continue
        para.append(line)
    flush()
    cleaned = []
    for u in units:
        u = re.sub(r"\[\d+\]\(#ref-\d+\)", " ", u)          # citations
        u = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", u)      # links -> text
        u = re.sub(r"[*_`]", "", u)                          # emphasis
        u = u.replace("EE. UU.", "EEUU")
        cleaned.append(u)
    return cleaned


WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ0-9]+(?:[-:'’][A-Za-zÁÉÍÓÚÜÑáéíóúüñ0-9]+)*")


def measure(text, numbers=False):
    sentences = 0
    words = 0
    syl = 0
    for unit in prose(text):
        parts = [p for p in re.split(r"(?<=[.!?…])\s+|(?<=[.!?…])$", unit) if p and p.strip()]
        for part in parts:
            toks = WORD.findall(part)
            n_words = 0
            for t in toks:
                if re.search(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]", t):
                    for piece in re.split(r"[-:'’]", t):
                        if re.search(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]", piece):
                            syl += syllables(re.sub(r"[0-9]", "", piece))
                    n_words += 1
                elif numbers:
                    syl += 2
                    n_words += 1
            if n_words:
                sentences += 1
                words += n_words
    if not words:
        return None
    return 206.835 - 62.3 * syl / words - words / sentences, words, sentences, syl


def test():
    cases = {"día": 2, "país": 2, "ciudad": 2, "guerra": 2, "pingüino": 3, "ley": 1,
             "y": 1, "naltrexona": 4, "opioides": 3, "reyes": 2, "ahora": 3,
             "quien": 1, "medicamento": 5, "abstinencia": 4, "muy": 1, "oír": 2,
             "reúne": 3, "búho": 2, "caer": 2, "poeta": 3}
    bad = {w: (syllables(w), n) for w, n in cases.items() if syllables(w) != n}
    for w, (got, want) in bad.items():
        print(f"FAIL {w}: {got} != {want}")
    print("ok" if not bad else f"{len(bad)} failures")
    return not bad


def main(argv):
    if "--test" in argv:
        return 0 if test() else 1
    numbers = "--numbers" in argv
    files = [a for a in argv if not a.startswith("--")]
    scores = []
    for f in files:
        r = measure(open(f, encoding="utf-8").read(), numbers)
        if r is None:
            continue
        idx, w, s, sy = r
        scores.append(idx)
        print(f"{idx:6.1f}  words={w:5d} sentences={s:4d} syl/word={sy / w:.2f} words/sentence={w / s:5.1f}  {f}")
    if scores:
        print(f"median {statistics.median(scores):.1f}  min {min(scores):.1f}  files {len(scores)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
