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
    /// The length in bytes of the longest stop word: no longer word needs looking up.
    pub longest_stop: usize,
    /// Suffixes and what replaces them: the first whose removal leaves at least
    /// [`MIN_STEM`] characters applies, and only that one; a suffix replaced by itself (`ss`)
    /// ends the search whatever the word's length, keeping the word whole.
    pub suffixes: &'static [(&'static str, &'static str)],
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
    longest_stop: longest(ENGLISH_STOP),
    suffixes: &[
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
    ],
};

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
    longest_stop: longest(SPANISH_STOP),
    suffixes: &[
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
    ],
};

/// The length in bytes of the longest of `words`.
const fn longest(words: &[&str]) -> usize {
    let (mut i, mut most) = (0, 0);
    while i < words.len() {
        if words[i].len() > most {
            most = words[i].len();
        }
        i += 1;
    }
    most
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
        if word.len() > self.longest_stop {
            return false;
        }
        // Compared byte by byte: the index asks this of every distinct word of every page, and
        // `memcmp` calls for words this short cost more than the comparison.
        self.stop
            .binary_search_by(|stop| stop.bytes().cmp(word.bytes()))
            .is_ok()
    }

    /// A folded word's stem: the first suffix whose removal leaves [`MIN_STEM`] characters,
    /// replaced; the word itself when none does or a suffix kept as it is comes first.
    pub fn stem<'w>(&self, word: &'w str) -> std::borrow::Cow<'w, str> {
        let Some(&last) = word.as_bytes().last() else {
            return word.into();
        };
        for &(suffix, replacement) in self.suffixes {
            // Most suffixes differ from the word in its last letter.
            if suffix.as_bytes().last() != Some(&last) || !ends_with(word, suffix) {
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

impl Words<'_> {
    /// Whether the character at byte `at` is a letter or a digit, and its length in bytes.
    fn class(&self, at: usize) -> (bool, usize) {
        match self.text.as_bytes().get(at) {
            Some(&b) if b.is_ascii() => (b.is_ascii_alphanumeric(), 1),
            _ => match self.text.get(at..).and_then(|rest| rest.chars().next()) {
                Some(c) => (c.is_alphabetic() || c.is_numeric(), c.len_utf8()),
                None => (false, 1),
            },
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let end = self.text.len();
        loop {
            if self.at >= end {
                return None;
            }
            let (letter, len) = self.class(self.at);
            if letter {
                break;
            }
            self.at += len;
        }
        let start = self.at;
        while self.at < end {
            let (letter, len) = self.class(self.at);
            if !letter {
                break;
            }
            self.at += len;
        }
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
