//! The realistic corpus ([`super::Kind::Realistic`]): articles shaped like the bundled ones.
//! 680-1,010 words of prose, 5-6 full references (title, publisher, year, url, sometimes a
//! note), 2-5 of 40 named tags, an intro, five to seven headings (some with `{#id}`), a list with
//! bold leads, a table, a callout, citations `[n](#ref-n)` and links to other articles, some to
//! an anchor. Words are drawn from a Zipf distribution over a vocabulary that grows with the
//! corpus (Heaps' law: about 1,700 words for 30 articles, as the bundled site has, and tens of
//! thousands at 10,000): a base list of real words first, then pseudo-words spelled from the
//! word's rank, so every corpus of the same size is the same bytes.

use super::Rng;
use crate::date::Date;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const SECTIONS: usize = 10;
/// Prose words of an article, before the reference list and the "read next" links.
const PROSE: (usize, usize) = (680, 1_010);
/// Tag names, like the bundled site's.
const TAGS: [&str; 40] = [
    "naltrexone",
    "alcohol-use-disorder",
    "opioid-use-disorder",
    "safety",
    "side-effects",
    "liver",
    "pregnancy",
    "overdose-prevention",
    "comparisons",
    "acamprosate",
    "disulfiram",
    "buprenorphine",
    "methadone",
    "vivitrol",
    "getting-started",
    "families",
    "daily-life",
    "pain",
    "surgery",
    "interactions",
    "low-dose",
    "research",
    "guidelines",
    "history",
    "counseling",
    "detox",
    "withdrawal",
    "relapse",
    "cravings",
    "sleep",
    "mental-health",
    "young-adults",
    "older-adults",
    "costs",
    "insurance",
    "telehealth",
    "primary-care",
    "harm-reduction",
    "stigma",
    "faq",
];
const PUBLISHERS: [&str; 16] = [
    "U.S. National Library of Medicine, DailyMed",
    "Alkermes / U.S. Food and Drug Administration, via DailyMed",
    "JAMA",
    "The Lancet",
    "Substance Abuse and Mental Health Services Administration (SAMHSA)",
    "National Institute on Alcohol Abuse and Alcoholism (NIAAA)",
    "Cochrane Database of Systematic Reviews",
    "American Society of Addiction Medicine (ASAM)",
    "American Psychiatric Association",
    "BMC Medicine",
    "Addiction",
    "JAMA Network Open",
    "National Institute on Drug Abuse (NIDA)",
    "World Health Organization",
    "NCBI Bookshelf",
    "The New England Journal of Medicine",
];
/// The most frequent words first, as in English text: the head of the Zipf distribution.
const BASE: &str = "the of and to a in is that it for you as with on are be this not or can \
    your by at from have if they but more some when may people who one about their which all \
    will do what so there has also been most other than how many these after before take like \
    them its only would should could help each any into over such even less time day days \
    week weeks month months year years often need first much very well way because two three \
    while both those same most without between still every during under back own make made \
    naltrexone alcohol opioid opioids drinking treatment medicine medicines dose doses tablet \
    tablets shot injection prescriber doctor liver craving cravings recovery support family \
    risk overdose tolerance withdrawal block blocks receptor receptors brain reward study \
    studies trial trials label side effects nausea headache sleep dizzy tired pain surgery \
    emergency hospital heavy drink drinks stop start stopping starting taking safe safety \
    plan goal counseling therapy care health disorder use used using works work working \
    effect effective evidence research review reviews guideline guidelines patients adults \
    women men pregnancy baby blood test tests monthly daily weekly common rare serious mild \
    severe symptoms sign signs reaction reactions common helpful harmful lower higher higher \
    amount amounts level levels body system change changes choice choices talk ask tell know \
    feel feels feeling life home job friends partner group groups program programs clinic \
    pharmacy cost costs insurance approved approval years later early late long short weeks";
/// Syllables the pseudo-words are spelled with (all two letters, so a spelling is unique).
const SYLLABLES: [&str; 40] = [
    "ba", "be", "bi", "bo", "da", "de", "di", "do", "fa", "fe", "ka", "ke", "ki", "ko", "la", "le",
    "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "no", "pa", "pe", "ra", "re", "ri", "ro",
    "sa", "se", "si", "so", "ta", "te", "ti", "to",
];

/// The vocabulary for a corpus of `n` articles, most frequent first, with the Zipf
/// distribution's cumulative weights.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(n: usize) -> Self {
        // Heaps' law, V = K * tokens^0.5, fitted to the bundled site (30 articles of about 900
        // words use about 1,700 distinct words); the Zipf tail leaves some of it unused.
        let tokens = (n.max(1) * 900) as f64;
        let size = ((12.0 * tokens.sqrt()) as usize).max(400);
        let mut words: Vec<String> = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        for w in BASE.split_whitespace() {
            if seen.insert(w) {
                words.push(w.to_owned());
            }
        }
        let mut k = 0usize;
        while words.len() < size {
            let w = pseudo_word(k);
            k += 1;
            if !seen.contains(w.as_str()) {
                words.push(w);
            }
        }
        words.truncate(size);
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self.cumulative.partition_point(|&c| c < x);
        &self.words[i.min(self.words.len() - 1)]
    }
}

/// The `k`-th pseudo-word: two to four syllables, its spelling the bijective base-40 digits of
/// `k` (after the 1,600 two-syllable words come the three-syllable ones...).
fn pseudo_word(k: usize) -> String {
    let mut k = k + SYLLABLES.len() + 1;
    let mut word = String::new();
    while k > 0 {
        k -= 1;
        word.insert_str(0, SYLLABLES[k % SYLLABLES.len()]);
        k /= SYLLABLES.len();
    }
    word
}

/// Text written from the vocabulary.
struct Writer<'a> {
    rng: Rng,
    vocabulary: &'a Vocabulary,
    /// Prose words written in the current article.
    words: usize,
}

impl Writer<'_> {
    /// `n` words, the first capitalised when `capital`.
    fn words(&mut self, out: &mut String, n: usize, capital: bool) {
        for i in 0..n {
            let w = self.vocabulary.word(&mut self.rng);
            if i > 0 {
                out.push(' ');
            }
            if i == 0 && capital {
                capitalise(out, w);
            } else {
                out.push_str(w);
            }
        }
        self.words += n;
    }

    /// [`Self::words`] of `least` words and up to `more` more.
    fn some(&mut self, out: &mut String, least: usize, more: usize, capital: bool) {
        let n = least + self.rng.below(more);
        self.words(out, n, capital);
    }

    fn sentence(&mut self, out: &mut String) {
        let n = 6 + self.rng.below(15);
        let comma = if n > 12 { self.rng.below(n - 4) + 2 } else { n };
        self.words(out, comma.min(n), true);
        if comma < n {
            out.push_str(", ");
            self.words(out, n - comma, false);
        }
        out.push_str(". ");
    }

    fn paragraph(&mut self, out: &mut String, links: &mut Vec<String>, refs: usize) {
        let n = 2 + self.rng.below(4);
        for s in 0..n {
            self.sentence(out);
            if s == 0 && self.rng.below(3) == 0 {
                if let Some(link) = links.pop() {
                    out.push_str("See ");
                    out.push_str(&link);
                    out.push_str(". ");
                    self.words += 3;
                }
            }
            if s + 1 == n && refs > 0 && self.rng.below(2) == 0 {
                // A citation of the front matter's references, as the bundled articles write it.
                out.pop();
                let r = 1 + self.rng.below(refs);
                let _ = write!(out, " [{r}](#ref-{r}) ");
            }
        }
        out.pop();
        out.push_str("\n\n");
    }
}

fn capitalise(out: &mut String, w: &str) {
    let mut c = w.chars();
    if let Some(first) = c.next() {
        out.extend(first.to_uppercase());
        out.push_str(c.as_str());
    }
}

/// A title of `least` words and up to `more` more, not counted as prose.
fn title(writer: &mut Writer, least: usize, more: usize) -> String {
    let words = least + writer.rng.below(more.max(1));
    let mut t = String::new();
    writer.words(&mut t, words, true);
    writer.words -= words;
    t
}

/// Where article `i` is, under `content/`.
fn article_path(i: usize) -> String {
    super::article_path(i)
}

/// Writes the realistic corpus of `n` articles into `root`, with the minimal templates.
pub(super) fn generate(root: &Path, n: usize) -> std::io::Result<()> {
    let content = root.join("content");
    fs::create_dir_all(content.join("tags"))?;
    fs::write(root.join("site.yaml"), "title: Bench Site\nbase_url: https://bench.example.org\ndescription: A synthetic site for measuring build speed; every byte is generated.\nlanguage: en\npaginate_by: 10\nfeed_limit: 20\nmedical: true\nabout:\n  type: Drug\n  name: Naltrexone\n")?;
    let vocabulary = Vocabulary::new(n);
    let mut w = Writer {
        rng: Rng::new(0x517c_c1b7_2722_0a95),
        vocabulary: &vocabulary,
        words: 0,
    };
    let mut text = String::new();
    text.push_str("---\ntitle: Bench home\ndescription: The home page of the generated benchmark site, with a short intro.\n---\n");
    w.paragraph(&mut text, &mut Vec::new(), 0);
    fs::write(content.join("_index.md"), &text)?;
    for s in 0..SECTIONS {
        fs::create_dir_all(content.join(format!("s{s}")))?;
        text.clear();
        let _ = write!(text, "---\ntitle: Section {s}\ndescription: \"Section {s} of the generated benchmark site: {}.\"\nweight: {s}\n---\n", title(&mut w, 10, 1));
        w.paragraph(&mut text, &mut Vec::new(), 0);
        fs::write(content.join(format!("s{s}/_index.md")), &text)?;
    }
    for tag in TAGS {
        text.clear();
        let _ = write!(
            text,
            "---\ntitle: {}\ndescription: \"{}.\"\n---\n",
            tag.replace('-', " "),
            title(&mut w, 18, 1)
        );
        w.paragraph(&mut text, &mut Vec::new(), 0);
        w.paragraph(&mut text, &mut Vec::new(), 0);
        fs::write(content.join(format!("tags/{tag}.md")), &text)?;
    }
    for i in 0..n {
        text.clear();
        article(&mut w, &mut text, i, n);
        fs::write(content.join(article_path(i)), &text)?;
    }
    Ok(())
}

/// Article `i` of `n`.
fn article(w: &mut Writer, text: &mut String, i: usize, n: usize) {
    w.words = 0;
    let prose = PROSE.0 + w.rng.below(PROSE.1 - PROSE.0 + 1);
    let ntags = 2 + w.rng.below(4);
    let mut tags: Vec<usize> = Vec::new();
    while tags.len() < ntags {
        // Tags are not equally common either: the first ones are on many more articles.
        let t = (w.rng.below(TAGS.len()) * w.rng.below(TAGS.len())) / (TAGS.len() - 1);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let tags = tags.iter().map(|&t| TAGS[t]).collect::<Vec<_>>().join(", ");
    let day = Date::from_days(19_000 + (i % 1_500) as i64);
    let reviewed = Date::from_days(19_000 + (i % 1_500) as i64 + w.rng.below(200) as i64);
    let name = title(w, 4, 6);
    let description = title(w, 18, 10);
    let _ = write!(
        text,
        "---\ntitle: \"{name} ({i})\"\ndescription: \"{description}.\"\ndate: {day}\nreviewed: {reviewed}\ntags: [{tags}]\nreferences:\n"
    );
    let refs = 5 + w.rng.below(2);
    for r in 0..refs {
        let t = title(w, 6, 9);
        let publisher = PUBLISHERS[w.rng.below(PUBLISHERS.len())];
        let year = 1995 + w.rng.below(31);
        let _ = write!(
            text,
            "  - title: \"{t}\"\n    publisher: \"{publisher}\"\n    year: {year}\n    url: https://doi.org/10.{}/{i}.{r}\n",
            1000 + w.rng.below(9000)
        );
        if w.rng.below(4) == 0 {
            let note = title(w, 10, 10);
            let _ = writeln!(text, "    note: \"{note}.\"");
        }
    }
    text.push_str("---\n\n");
    // Links to other articles; every article's first heading has the id `short-answer`.
    let mut links: Vec<String> = (0..3 + w.rng.below(4))
        .map(|_| {
            let j = w.rng.below(n);
            let anchor = if w.rng.below(3) == 0 {
                "#short-answer"
            } else {
                ""
            };
            format!(
                "[{}](../{}{anchor})",
                title(w, 2, 4).to_lowercase(),
                article_path(j)
            )
        })
        .collect();
    w.paragraph(text, &mut Vec::new(), refs);
    let headings = 5 + w.rng.below(3);
    let per_section = prose.saturating_sub(w.words) / headings;
    for h in 0..headings {
        text.push_str("## ");
        text.push_str(&title(w, 3, 6));
        text.push('?');
        if h == 0 {
            text.push_str(" {#short-answer}");
        } else if w.rng.below(3) == 0 {
            let _ = write!(text, " {{#part-{h}}}");
        }
        text.push_str("\n\n");
        let end = w.words + per_section;
        if h == 0 {
            for _ in 0..3 + w.rng.below(3) {
                text.push_str("- **");
                w.some(text, 2, 4, true);
                text.push_str(".** ");
                w.sentence(text);
                text.pop();
                text.push('\n');
            }
            text.push('\n');
        }
        if h == 2 {
            text.push_str("| Medicine | How it is taken | What to know |\n|---|---|---|\n");
            for _ in 0..3 + w.rng.below(3) {
                text.push_str("| ");
                w.some(text, 1, 2, true);
                text.push_str(" | ");
                w.some(text, 2, 3, true);
                text.push_str(" | ");
                w.some(text, 4, 6, true);
                text.push_str(" |\n");
            }
            text.push('\n');
        }
        if h == 3 {
            text.push_str("> [!NOTE]\n> ");
            w.sentence(text);
            w.sentence(text);
            text.pop();
            text.push_str("\n\n");
        }
        while w.words < end {
            w.paragraph(text, &mut links, refs);
        }
    }
    if !links.is_empty() {
        text.push_str("## Read next\n\n");
        for link in links {
            let _ = writeln!(text, "- {link}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_words_are_unique() {
        let words: std::collections::HashSet<String> = (0..5_000).map(pseudo_word).collect();
        assert_eq!(words.len(), 5_000);
    }

    #[test]
    fn the_vocabulary_grows_with_the_corpus() {
        let count = |n| {
            let vocabulary = Vocabulary::new(n);
            let mut w = Writer {
                rng: Rng::new(7),
                vocabulary: &vocabulary,
                words: 0,
            };
            let mut text = String::new();
            let mut seen = std::collections::HashSet::new();
            for i in 0..n {
                text.clear();
                article(&mut w, &mut text, i, n);
                seen.extend(text.split_whitespace().map(str::to_owned));
            }
            (vocabulary.words.len(), seen.len())
        };
        let (size, _) = count(30);
        assert!((1_000..3_000).contains(&size), "{size}");
        assert!(count(300).0 > 3 * size);
    }
}
