//! Words as the search index sees them, per language: folding (lower case, accents off),
//! splitting into words, stop words, and a light suffix stemmer. Everything here is data plus
//! one small rule, and the manifest hands the same data to `static/search.js`, which applies
//! the same rule to a query: the browser cannot stem a word differently from the index, because
//! there is only one list of suffixes and stop words, and it is this file.
//!
//! Why not Snowball (`rust-stemmers`)? The query side would then need a JavaScript port of the
//! English and Spanish Snowball stemmers (some 20 KB of code the reader downloads, kept in step
//! by hand with the Rust one). The light stemmer below finds what the site needs (`beber`,
//! `bebe` and `bebida` share `beb`; `embarazo` and `embarazada` share `embaraz`; `drinking`
//! and `drinks` share `drink`), and `search.js` adds prefix matching on top, which covers most
//! of what Snowball's longer rules would.

/// What one language's words go through: its stop words and its suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// The language's code (`en`, `es`), as the manifest names it.
    pub code: &'static str,
    /// Words left out of the index and of queries, folded, sorted (for `binary_search`).
    pub stop: &'static [&'static str],
    /// The stop words as [`key`]s, in the same order: what [`Language::is_stop`] searches.
    stop_keys: &'static [u64],
    /// Suffixes and what replaces them: the first whose removal leaves at least
    /// [`MIN_STEM`] characters applies, and only that one; a suffix replaced by itself (`ss`)
    /// ends the search whatever the word's length, keeping the word whole.
    pub suffixes: &'static [(&'static str, &'static str)],
    /// For each byte, the suffixes that end with it (bit `i` for `suffixes[i]`): a word is
    /// tried only against the suffixes that end with its last letter.
    suffixes_ending: &'static [u64; 256],
}

/// The fewest characters a suffix may leave of a word.
pub const MIN_STEM: usize = 3;
/// Longer "words" (a hash, a URL without spaces) are not indexed.
pub const MAX_WORD: usize = 40;

/// Letters with diacritics (lower case) and the letter each folds to, position by position.
/// Decomposed text (a letter followed by a combining accent, U+0300-U+036F) folds the same way:
/// the accent is dropped.
pub const FOLD_FROM: &str =
    "àáâãäåāăąçćĉċčďđèéêëēĕėęěĝğġģĥħìíîïĩīĭįıĵķĺļľŀłñńņňòóôõöøōŏőŕŗřśŝşšţťŧùúûüũūŭůűųŵýÿŷźżž";
/// See [`FOLD_FROM`].
pub const FOLD_TO: &str =
    "aaaaaaaaacccccddeeeeeeeeegggghhiiiiiiiiijklllllnnnnooooooooorrrsssstttuuuuuuuuuuwyyyzzz";

/// English stop words, folded and sorted.
const ENGLISH_STOP: &[&str] = &[
    "a", "about", "after", "am", "an", "and", "are", "as", "at", "be", "before", "but", "by",
    "can", "could", "do", "does", "for", "from", "get", "go", "has", "have", "how", "i", "if",
    "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "should", "so",
    "that", "the", "their", "them", "then", "there", "this", "to", "up", "was", "we", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

/// English: plurals, `-ing`, `-ed` and a final `e`, so `drink`, `drinks` and `drinking` meet,
/// and `take`, `takes`, `taking` (`tak`). `ss`, `us` and `is` are kept whole.
pub const ENGLISH: Language = Language {
    code: "en",
    stop: ENGLISH_STOP,
    stop_keys: &keys::<{ ENGLISH_STOP.len() }>(ENGLISH_STOP),
    suffixes: ENGLISH_SUFFIXES,
    suffixes_ending: &ending(ENGLISH_SUFFIXES),
};

/// See [`ENGLISH`].
const ENGLISH_SUFFIXES: &[(&str, &str)] = &[
    ("sses", "ss"),
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ss", "ss"),
    ("us", "us"),
    ("is", "is"),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
];

/// Spanish stop words, folded and sorted.
const SPANISH_STOP: &[&str] = &[
    "a", "al", "algo", "ante", "antes", "como", "con", "contra", "cual", "cuando", "de", "del",
    "desde", "donde", "durante", "e", "el", "ella", "ellas", "ellos", "en", "entre", "era", "es",
    "esa", "esas", "ese", "eso", "esos", "esta", "estas", "este", "esto", "estos", "fue", "ha",
    "hay", "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis", "muy", "ni", "no",
    "nos", "o", "para", "pero", "por", "porque", "que", "quien", "se", "segun", "ser", "si", "sin",
    "sobre", "su", "sus", "tambien", "te", "tu", "tus", "u", "un", "una", "uno", "unos", "y", "ya",
    "yo",
];

/// Spanish: plurals, gender, the common verb endings (infinitive, gerund, participles,
/// imperfect), `-iones` to `-ion`: `beber`, `bebe`, `bebida`, `bebiendo` meet at `beb`,
/// `embarazo`, `embarazada` at `embaraz`, `inyecciones` and `inyección` at `inyeccion`.
pub const SPANISH: Language = Language {
    code: "es",
    stop: SPANISH_STOP,
    stop_keys: &keys::<{ SPANISH_STOP.len() }>(SPANISH_STOP),
    suffixes: SPANISH_SUFFIXES,
    suffixes_ending: &ending(SPANISH_SUFFIXES),
};

/// See [`SPANISH`].
const SPANISH_SUFFIXES: &[(&str, &str)] = &[
    ("amientos", ""),
    ("imientos", ""),
    ("amiento", ""),
    ("imiento", ""),
    ("iendo", ""),
    ("ieron", ""),
    ("iones", "ion"),
    ("ando", ""),
    ("aron", ""),
    ("adas", ""),
    ("idas", ""),
    ("ados", ""),
    ("idos", ""),
    ("amos", ""),
    ("emos", ""),
    ("imos", ""),
    ("aba", ""),
    ("ada", ""),
    ("ida", ""),
    ("ado", ""),
    ("ido", ""),
    ("ias", ""),
    ("ia", ""),
    ("ar", ""),
    ("er", ""),
    ("ir", ""),
    ("es", ""),
    ("os", ""),
    ("as", ""),
    ("an", ""),
    ("en", ""),
    ("o", ""),
    ("a", ""),
    ("e", ""),
    ("s", ""),
];

/// A word's first eight bytes as a number that sorts as they do (zeroes after a shorter word,
/// which sorts before every longer one it begins): stop words are compared as numbers, and the
/// index sorts terms on it first, so that most never need their text compared.
pub const fn key(word: &[u8]) -> u64 {
    if let Some(first) = word.first_chunk::<8>() {
        return u64::from_be_bytes(*first);
    }
    let n = word.len();
    if n >= 4 {
        // The first four bytes and the last four (which overlap them where the word is shorter
        // than eight), each in its place: two loads instead of a byte at a time.
        let first = u32::from_be_bytes([word[0], word[1], word[2], word[3]]) as u64;
        let last = u32::from_be_bytes([word[n - 4], word[n - 3], word[n - 2], word[n - 1]]) as u64;
        return first << 32 | last << (8 * (8 - n));
    }
    let mut key = 0u64;
    let mut i = 0;
    while i < word.len() {
        key |= (word[i] as u64) << (56 - 8 * i);
        i += 1;
    }
    key
}

/// The [`key`]s of `words`, each of at most eight bytes (the build fails otherwise).
pub const fn keys<const N: usize>(words: &[&str]) -> [u64; N] {
    let mut keys = [0u64; N];
    let mut i = 0;
    while i < N {
        assert!(words[i].len() <= 8, "a stop word longer than eight bytes");
        keys[i] = key(words[i].as_bytes());
        i += 1;
    }
    keys
}

/// Whether `word` is one of the words whose [`keys`] are `keys` (sorted): each of those has
/// at most eight bytes, so a longer word is not one, and a shorter one is compared as a
/// number.
pub fn among(keys: &[u64], word: &str) -> bool {
    word.len() <= 8 && keys.binary_search(&key(word.as_bytes())).is_ok()
}

/// For each byte, the suffixes of `suffixes` (at most 64) whose last byte it is.
const fn ending(suffixes: &[(&str, &str)]) -> [u64; 256] {
    assert!(suffixes.len() <= 64, "more than 64 suffixes");
    let mut masks = [0u64; 256];
    let mut i = 0;
    while i < suffixes.len() {
        let suffix = suffixes[i].0.as_bytes();
        assert!(!suffix.is_empty(), "an empty suffix");
        masks[suffix[suffix.len() - 1] as usize] |= 1 << i;
        i += 1;
    }
    masks
}

impl Language {
    /// The rules for a language code (`en`, `es`, `es-MX`); English for any other, since the
    /// folding and splitting suit every Latin-script language and English stop words do no harm.
    pub fn of(code: &str) -> Language {
        let primary = code.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("es") {
            SPANISH
        } else {
            ENGLISH
        }
    }

    /// Whether a folded word is one of the stop words.
    pub fn is_stop(&self, word: &str) -> bool {
        // The index asks this of every distinct word of every page.
        among(self.stop_keys, word)
    }

    /// A folded word's stem: the first suffix whose removal leaves [`MIN_STEM`] characters,
    /// replaced; the word itself when none does or a suffix kept as it is comes first.
    pub fn stem<'w>(&self, word: &'w str) -> std::borrow::Cow<'w, str> {
        let Some(&last) = word.as_bytes().last() else {
            return word.into();
        };
        // Most suffixes differ from the word in its last letter: only the others are tried,
        // in their order.
        let mut ending = self.suffixes_ending[usize::from(last)];
        while ending != 0 {
            let i = ending.trailing_zeros() as usize;
            ending &= ending - 1;
            let Some(&(suffix, replacement)) = self.suffixes.get(i) else {
                break;
            };
            if !ends_with(word, suffix) {
                continue;
            }
            if suffix == replacement {
                // A suffix kept as it is (`ss`) protects the word from the shorter ones.
                return word.into();
            }
            let stem = &word[..word.len() - suffix.len()];
            // At least `MIN_STEM` characters left: the first of them are all that is counted.
            if stem.chars().nth(MIN_STEM - 1).is_some() {
                return if replacement.is_empty() {
                    stem.into()
                } else {
                    format!("{stem}{replacement}").into()
                };
            }
        }
        word.into()
    }

    /// The stems of the words of `text` that are not stop words, in order (what the index
    /// does word by word, for tests).
    #[cfg(test)]
    pub fn terms(&self, text: &str) -> Vec<String> {
        words(&fold(text))
            .filter(|w| !self.is_stop(w))
            .map(|w| self.stem(w).into_owned())
            .collect()
    }
}

/// Whether `word` ends with `suffix`, compared from the last byte back: most suffixes differ
/// from a word in its last letter, and `str::ends_with` calls `memcmp` for every suffix tried.
fn ends_with(word: &str, suffix: &str) -> bool {
    let (word, suffix) = (word.as_bytes(), suffix.as_bytes());
    word.len() >= suffix.len()
        && word
            .iter()
            .rev()
            .zip(suffix.iter().rev())
            .all(|(a, b)| a == b)
}

/// `text` in lower case with the accents of [`FOLD_FROM`] and combining accents dropped.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let lower = text.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if ('\u{300}'..='\u{36f}').contains(&c) {
            // A combining accent of decomposed text: dropped, like the precomposed ones.
        } else if let Some(i) = FOLD_FROM.chars().position(|f| f == c) {
            out.extend(FOLD_TO.chars().nth(i));
        } else {
            out.push(c);
        }
    }
    out
}

/// The words of folded text: runs of letters and digits (what `search.js` matches with
/// `/[\p{Alphabetic}\p{N}]+/gu`), at most [`MAX_WORD`] characters long.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    // A word of at most `MAX_WORD` bytes has at most as many characters: only longer ones are
    // counted.
    Words {
        text: folded,
        at: 0,
    }
    .filter(|w| w.len() <= MAX_WORD || w.chars().count() <= MAX_WORD)
}

/// The runs of letters and digits of a text, read a byte at a time where the text is ASCII
/// (most of it, in English and in Spanish) and a character at a time elsewhere.
struct Words<'a> {
    text: &'a str,
    /// Where the next run is looked for, in bytes.
    at: usize,
}

/// What each byte is to [`Words`]: [`LETTER`] (an ASCII letter or digit), [`OTHER`] (any other
/// ASCII character), or [`WIDE`] (part of a character beyond ASCII, looked at whole).
const BYTE_CLASS: [u8; 256] = {
    let mut table = [WIDE; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = if (b as u8).is_ascii_alphanumeric() {
            LETTER
        } else {
            OTHER
        };
        b += 1;
    }
    table
};
/// See [`BYTE_CLASS`].
const LETTER: u8 = 1;
/// See [`BYTE_CLASS`].
const OTHER: u8 = 0;
/// See [`BYTE_CLASS`].
const WIDE: u8 = 2;

impl Words<'_> {
    /// Whether the character beyond ASCII at byte `at` is a letter or a digit, and its length
    /// in bytes. Kept out of line: most text never comes here.
    #[cold]
    #[inline(never)]
    fn wide(&self, at: usize) -> (bool, usize) {
        match self.text.get(at..).and_then(|rest| rest.chars().next()) {
            Some(c) => (c.is_alphabetic() || c.is_numeric(), c.len_utf8()),
            None => (false, 1),
        }
    }

    /// Where the run of characters at byte `at` that are (`letters`) or are not letters and
    /// digits ends.
    #[inline(always)]
    fn end_of_run(&self, mut at: usize, letters: bool) -> usize {
        let bytes = self.text.as_bytes();
        let want = if letters { LETTER } else { OTHER };
        while let Some(&b) = bytes.get(at) {
            match BYTE_CLASS[usize::from(b)] {
                class if class == want => at += 1,
                WIDE => {
                    let (letter, len) = self.wide(at);
                    if letter != letters {
                        return at;
                    }
                    at += len;
                }
                _ => return at,
            }
        }
        at
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = self.end_of_run(self.at, false);
        if start >= self.text.len() {
            self.at = start;
            return None;
        }
        self.at = self.end_of_run(start, true);
        self.text.get(start..self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fold_table_pairs_every_letter() {
        assert_eq!(FOLD_FROM.chars().count(), FOLD_TO.chars().count());
        assert!(FOLD_TO.is_ascii());
        assert_eq!(fold("Inyección ÑANDÚ Über"), "inyeccion nandu uber");
        // Decomposed: e + U+0301.
        assert_eq!(fold("inyecci\u{f3}n"), fold("inyeccio\u{301}n"));
    }

    #[test]
    fn keys_sort_as_their_words_do() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abd",
            "b",
            "ba",
            "zzzzzzz",
            "zzzzzzzz",
            "é",
            "éa",
        ];
        for a in words {
            let expected: Vec<u8> = a.bytes().chain([0; 8]).take(8).collect();
            assert_eq!(key(a.as_bytes()).to_be_bytes().as_slice(), expected, "{a}");
            for b in words {
                let (ka, kb) = (key(a.as_bytes()), key(b.as_bytes()));
                let (pa, pb) = (
                    &a.as_bytes()[..a.len().min(8)],
                    &b.as_bytes()[..b.len().min(8)],
                );
                assert_eq!(ka.cmp(&kb), pa.cmp(pb), "{a} {b}");
            }
        }
    }

    #[test]
    fn stop_words_are_found_as_numbers_as_in_the_list() {
        for lang in [ENGLISH, SPANISH] {
            assert!(
                lang.stop_keys.windows(2).all(|w| w[0] < w[1]),
                "{}",
                lang.code
            );
            for word in lang.stop {
                assert!(lang.is_stop(word), "{word}");
                for longer in [
                    format!("{word}s"),
                    format!("{word}zzzzzzzz"),
                    format!("a{word}"),
                ] {
                    assert_eq!(lang.is_stop(&longer), lang.stop.contains(&longer.as_str()));
                }
                assert_eq!(lang.is_stop(&word[1..]), lang.stop.contains(&&word[1..]));
            }
        }
    }

    #[test]
    fn stop_words_are_sorted_folded_and_unstemmed() {
        for lang in [ENGLISH, SPANISH] {
            assert!(lang.stop.windows(2).all(|w| w[0] < w[1]), "{}", lang.code);
            assert!(lang.stop.iter().all(|w| fold(w) == *w));
        }
        assert!(SPANISH.is_stop("que") && !SPANISH.is_stop("beber"));
        assert_eq!(SPANISH.terms("¿Qué pasa si bebo?"), ["pas", "beb"]);
    }

    #[test]
    fn no_suffix_is_hidden_behind_a_shorter_one() {
        for lang in [ENGLISH, SPANISH] {
            for (i, (earlier, _)) in lang.suffixes.iter().enumerate() {
                for (later, _) in &lang.suffixes[i + 1..] {
                    assert!(!later.ends_with(earlier), "{later} after {earlier}");
                }
            }
        }
    }

    #[test]
    fn words_of_one_family_share_a_stem() {
        let family = |lang: Language, words: &[&str]| {
            let stems: Vec<String> = words.iter().map(|w| lang.stem(&fold(w)).into()).collect();
            assert!(stems.windows(2).all(|s| s[0] == s[1]), "{stems:?}");
            stems[0].clone()
        };
        assert_eq!(
            family(
                SPANISH,
                &["beber", "bebe", "bebida", "bebidas", "bebiendo", "bebo"]
            ),
            "beb"
        );
        assert_eq!(
            family(
                SPANISH,
                &["embarazo", "embarazada", "embarazadas", "embarazos"]
            ),
            "embaraz"
        );
        assert_eq!(
            family(SPANISH, &["inyección", "inyeccion", "inyecciones"]),
            "inyeccion"
        );
        assert_eq!(
            family(SPANISH, &["naltrexona"]),
            family(ENGLISH, &["naltrexone"])
        );
        assert_eq!(family(ENGLISH, &["drink", "drinks", "drinking"]), "drink");
        assert_eq!(family(ENGLISH, &["stress", "stresses"]), "stress");
        assert_eq!(ENGLISH.stem("less"), "less");
        assert_eq!(family(ENGLISH, &["pregnancies", "pregnancy"]), "pregnancy");
        // Short words keep their letters.
        assert_eq!(SPANISH.stem("mes"), "mes");
        assert_eq!(ENGLISH.stem("use"), "use");
    }

    #[test]
    fn words_split_on_anything_but_letters_and_digits() {
        let got: Vec<&str> = words("1-800-662-4357, naltrexone’s día").collect();
        assert_eq!(got, ["1", "800", "662", "4357", "naltrexone", "s", "día"]);
        let long = "x".repeat(MAX_WORD + 1);
        assert_eq!(words(&long).count(), 0);
    }

    /// The byte-at-a-time reader finds what splitting on every character that is neither a
    /// letter nor a digit finds (the rule `search.js` applies to a query).
    #[test]
    fn words_are_what_a_split_on_characters_gives() {
        let by_char = |text: &str| -> Vec<String> {
            text.split(|c: char| !(c.is_alphabetic() || c.is_numeric()))
                .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD)
                .map(str::to_owned)
                .collect()
        };
        let accented_long = "é".repeat(MAX_WORD);
        let texts = [
            String::new(),
            "   ".to_owned(),
            "word".to_owned(),
            " lead and trail ".to_owned(),
            "naïve café—“quoted” ‘single’ and ñandú, 12½ ٣٤ Ⅻ 一二 x²".to_owned(),
            "inyecci\u{301}on de\u{301}cada".to_owned(),
            format!("{accented_long} {accented_long}é ok"),
            format!("{} {}", "a".repeat(MAX_WORD), "b".repeat(MAX_WORD + 1)),
            "tabs\tand\nnew lines;semi:colons/slashes_underscores".to_owned(),
        ];
        for text in &texts {
            let got: Vec<String> = words(text).map(str::to_owned).collect();
            assert_eq!(got, by_char(text), "{text:?}");
        }
    }

    #[test]
    fn languages_by_code() {
        assert_eq!(Language::of("es-MX"), SPANISH);
        assert_eq!(Language::of("en"), ENGLISH);
        assert_eq!(Language::of("fr"), ENGLISH);
    }
}
