//! Readability of prose: the Flesch-Kincaid grade for English, the Szigriszt-Pazos index on
//! the INFLESZ scale for Spanish. Both languages count sentences, words and syllables into one
//! [`Counts`], and each formula reads it; which pages get which, and what score is too hard, is
//! `lint.rs`'s business.
//!
//! ## English
//!
//! grade = 0.39 × (words ÷ sentences) + 11.8 × (syllables ÷ words) − 15.59
//!
//! * Sentences end at `.`, `!` or `?` followed by a space or the end of the text, and at every
//!   line break (the Markdown stage puts each paragraph and list item on its own line, so a list
//!   item without a full stop is still a sentence). Full stops inside numbers (`9.8`) and
//!   abbreviations written without spaces (`e.g.`, `U.S.`) do not end sentences.
//! * Words are whitespace-separated tokens containing a letter or digit.
//! * Syllables are counted by rule, not dictionary: groups of vowels (`a e i o u y`) count one
//!   each; a silent final `e` is dropped (but not `-le` after a consonant: `peo-ple`); a final
//!   `-es` or `-ed` is silent unless after `t`/`d` (`wanted`) or a sibilant (`buses`); every
//!   word has at least one. A token of digits counts as one syllable per digit group.
//!   This is the same family of heuristics as textstat's fallback; on ordinary English prose
//!   it lands within about half a grade of dictionary-based counts.
//!
//! ## Spanish
//!
//! index = 206.835 − 62.3 × (syllables ÷ words) − (words ÷ sentences), read on the INFLESZ
//! scale ([`Inflesz`]; Barrio-Cantalejo et al., 2008). Counted by [`count_es`]:
//!
//! * Words are runs of letters (`á é í ó ú ü ñ` and their capitals included); anything else
//!   separates them. Numbers are not words: `1-800-662-4357` or `50 mg` would otherwise score
//!   as words of whatever length we guessed, and a dose is no harder to read for having digits.
//!   `anti-inflamatorio` is two words.
//! * Sentences end at a token ending in `.`, `!`, `?` or `…` (closing quotes and brackets
//!   aside), and at every line break, as in English. `¡` and `¿` open sentences and never end
//!   one. A full stop followed by a word in lower case or a number is an abbreviation's
//!   (`p. ej. el hígado`, `aprox. 50 mg`); so is one after a title, which a name follows
//!   (`Dr.`, `Dra.`, `Sr.`, `Sra.`, `Ud.`…), and after the `EE.` of `EE. UU.` A sentence
//!   needs a word: `¿?` is none.
//! * Syllables are vowel nuclei, by the rules of the RAE's *Ortografía* (2010), not by
//!   dictionary. Accents decide hiatus, so they are read, never folded away:
//!   - `a e o` (and `á é ó`) are strong: each is a nucleus, so two are a hiatus (`a-é-re-o`).
//!   - unstressed `i u ü` are weak: they join a strong neighbour (diphthong `tra-ta-mien-to`,
//!     triphthong `U-ru-guay`, `o-pioi-des`), and weak with weak is one nucleus (`ciu-dad`).
//!   - a written `í` or `ú` is a nucleus of its own and parts from a strong neighbour (`dí-a`,
//!     `pa-ís`, `re-ú-ne`), but not from a weak one (`ca-suís-ti-ca`): `rio` is 1, `río` 2.
//!   - `y` is a weak vowel when no vowel follows it (`ley`, `muy`, `y`) and a consonant before
//!     one (`in-yec-ción`, `re-yes`).
//!   - `u` is silent in `que qui gue gui` (`gue-rra`); `ü` is heard (`pin-güi-no`).
//!   - `h` is mute and stands between vowels as if absent: it neither prevents a diphthong
//!     (`prohi-bir` 2, `ahu-ma-do` 3: the RAE writes `prohíbe`, `rehúso`, `búho` with an accent
//!     precisely because without one the vowels across the `h` would join) nor makes one
//!     (`al-co-hol`, `a-hí`). But `h` before an unstressed `i` or `u` and another vowel starts a
//!     syllable, because that `i` or `u` is a consonant-like glide (`chi-hua-hua`, `vi-hue-la`).
//!   - every word has at least one syllable (`mg`); letters outside Spanish count as consonants;
//!     accents typed as combining marks (decomposed text) count like the composed letters.

/// Counts for a piece of prose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counts {
    /// Sentences.
    pub sentences: usize,
    /// Words.
    pub words: usize,
    /// Syllables.
    pub syllables: usize,
}

impl Counts {
    /// The Flesch-Kincaid grade, or `None` for text without words.
    pub fn grade(&self) -> Option<f64> {
        if self.words == 0 {
            return None;
        }
        let sentences = self.sentences.max(1) as f64;
        let words = self.words as f64;
        Some(0.39 * (words / sentences) + 11.8 * (self.syllables as f64 / words) - 15.59)
    }

    /// The Szigriszt-Pazos index of Spanish text, higher is easier (read it with
    /// [`Inflesz::of`]), or `None` for text without words or sentences.
    pub fn szigriszt(&self) -> Option<f64> {
        if self.words == 0 || self.sentences == 0 {
            return None;
        }
        let words = self.words as f64;
        Some(206.835 - 62.3 * (self.syllables as f64 / words) - words / self.sentences as f64)
    }
}

/// Counts sentences, words and syllables in `text`.
pub fn count(text: &str) -> Counts {
    let mut counts = Counts {
        sentences: 0,
        words: 0,
        syllables: 0,
    };
    for line in text.lines() {
        let mut open = false;
        for token in line.split_whitespace() {
            let word: String = token.chars().filter(|c| c.is_alphanumeric()).collect();
            if word.is_empty() {
                continue;
            }
            counts.words += 1;
            counts.syllables += syllables(&word);
            open = true;
            let end = token.trim_end_matches(['"', '\'', ')', ']', '”', '’', '*', '_']);
            if end.ends_with(['.', '!', '?']) && !is_abbreviation(end) {
                counts.sentences += 1;
                open = false;
            }
        }
        if open {
            counts.sentences += 1;
        }
    }
    counts
}

fn is_abbreviation(token: &str) -> bool {
    let inner = token.trim_end_matches(['.', '!', '?']);
    inner.contains('.') && inner.chars().filter(|c| c.is_alphabetic()).count() <= 3
}

/// Syllables in one word, by rule.
pub fn syllables(word: &str) -> usize {
    let word = word.to_lowercase();
    if word.chars().all(|c| c.is_ascii_digit()) {
        return 1;
    }
    // Words this site uses constantly whose vowel groups mislead the rules (o-pi-oid).
    if let Some(&(_, n)) = EXCEPTIONS.iter().find(|(w, _)| *w == word) {
        return n;
    }
    let chars: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    if chars.is_empty() {
        return 1;
    }
    let is_vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'é' | 'ä' | 'ö' | 'ü');
    let mut groups = 0;
    let mut previous = false;
    for (i, &c) in chars.iter().enumerate() {
        // A leading `y` (yes, you) is a consonant.
        let vowel = is_vowel(c) && !(c == 'y' && i == 0);
        if vowel && !previous {
            groups += 1;
        }
        previous = vowel;
    }
    let n = chars.len();
    let ends = |suffix: &str| word.ends_with(suffix);
    let silent_e = n > 2 && ends("e") && !ends("le") && !ends("ee") && !ends("ie") && !ends("ye");
    let silent_le = n > 3 && ends("le") && is_vowel(chars[n - 3]);
    if (silent_e || silent_le) && groups > 1 {
        groups -= 1;
    }
    if n > 3 && (ends("es") || ends("ed")) && groups > 1 {
        let before = chars[n - 3];
        let sounded = if ends("ed") {
            matches!(before, 't' | 'd')
        } else {
            matches!(before, 's' | 'x' | 'z' | 'c' | 'g' | 'h')
        };
        if !sounded && !is_vowel(before) {
            groups -= 1;
        }
    }
    groups.max(1)
}

const EXCEPTIONS: &[(&str, usize)] = &[
    ("opioid", 3),
    ("opioids", 3),
    ("naloxone", 3),
    ("being", 2),
    ("science", 2),
    ("area", 3),
    ("idea", 3),
    ("create", 2),
    ("created", 3),
    ("period", 3),
    ("serious", 3),
    ("previous", 3),
    ("anxious", 2),
];

/// Counts sentences, words and syllables in Spanish `text`, by the rules in the module notes.
pub fn count_es(text: &str) -> Counts {
    let mut counts = Counts {
        sentences: 0,
        words: 0,
        syllables: 0,
    };
    for line in text.lines() {
        let mut open = false;
        let mut tokens = line.split_whitespace().peekable();
        while let Some(token) = tokens.next() {
            let words = token
                .split(|c: char| !is_letter_es(c))
                .filter(|w| w.chars().any(char::is_alphabetic));
            for word in words {
                counts.words += 1;
                counts.syllables += syllables_es(word);
                open = true;
            }
            if open && ends_sentence_es(token, tokens.peek().copied()) {
                counts.sentences += 1;
                open = false;
            }
        }
        if open {
            counts.sentences += 1;
        }
    }
    counts
}

/// A letter of a Spanish word, or an accent typed as a combining mark after one. The ordinal
/// indicators of `1.ª` and `2.º` are letters to Unicode but not words.
fn is_letter_es(c: char) -> bool {
    (c.is_alphabetic() && !matches!(c, 'ª' | 'º')) || is_combining(c)
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Abbreviations a capital follows, so their full stop ends no sentence: titles before a name
/// (`Dr. Pérez`) and the first half of `EE. UU.`
const BEFORE_CAPITALS_ES: &[&str] = &[
    "dr", "dra", "dres", "sr", "sra", "srta", "sres", "ud", "uds", "dña", "lic", "prof", "ee",
];

/// Whether `token`, followed on its line by `next`, ends a sentence.
fn ends_sentence_es(token: &str, next: Option<&str>) -> bool {
    let end = token.trim_end_matches(['"', '\'', ')', ']', '»', '”', '’', '*', '_']);
    if end.ends_with(['!', '?']) {
        return true;
    }
    if !end.ends_with(['.', '…']) {
        return false;
    }
    let stem = end
        .trim_end_matches(['.', '…'])
        .trim_start_matches(|c: char| !c.is_alphabetic())
        .to_lowercase();
    if BEFORE_CAPITALS_ES.contains(&stem.as_str()) {
        return false;
    }
    let first = next.and_then(|t| t.chars().find(|c| c.is_alphanumeric()));
    !first.is_some_and(|c| c.is_lowercase() || c.is_numeric())
}

/// What a letter is worth in the syllable count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sound {
    /// Separates vowels.
    Consonant,
    /// Not there at all: the `u` of `que`, an `h` between vowels.
    Silent,
    /// Always a nucleus: a strong vowel, or a weak one with its accent.
    Peak,
    /// Joins a neighbouring vowel; a nucleus only among other glides (`muy`, `ciu-`).
    Glide,
}

/// Syllables in one Spanish word, by the rules in the module notes.
pub fn syllables_es(word: &str) -> usize {
    let letters = letters_es(word);
    let sounds: Vec<Sound> = (0..letters.len())
        .map(|i| sound_es(&letters, i))
        .filter(|s| *s != Sound::Silent)
        .collect();
    let nuclei: usize = sounds
        .split(|s| *s == Sound::Consonant)
        .filter(|vowels| !vowels.is_empty())
        .map(|vowels| vowels.iter().filter(|s| **s == Sound::Peak).count().max(1))
        .sum();
    nuclei.max(1)
}

/// `word` in lower case, with accents typed as combining marks put on their letters.
fn letters_es(word: &str) -> Vec<char> {
    let mut letters: Vec<char> = Vec::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        if !is_combining(c) {
            letters.push(c);
        } else if let Some(last) = letters.last_mut() {
            *last = match (*last, c) {
                ('a', '\u{301}') => 'á',
                ('e', '\u{301}') => 'é',
                ('i', '\u{301}') => 'í',
                ('o', '\u{301}') => 'ó',
                ('u', '\u{301}') => 'ú',
                ('u', '\u{308}') => 'ü',
                ('n', '\u{303}') => 'ñ',
                (base, _) => base,
            };
        }
    }
    letters
}

fn is_vowel_es(c: char) -> bool {
    matches!(
        c,
        'a' | 'e' | 'i' | 'o' | 'u' | 'á' | 'é' | 'í' | 'ó' | 'ú' | 'ü'
    )
}

/// The sound of `letters[i]`, which depends on its neighbours for `u`, `y` and `h`.
fn sound_es(letters: &[char], i: usize) -> Sound {
    let previous = i.checked_sub(1).and_then(|j| letters.get(j)).copied();
    let next = letters.get(i + 1).copied();
    let after = letters.get(i + 2).copied();
    match letters[i] {
        'a' | 'e' | 'o' | 'á' | 'é' | 'ó' | 'í' | 'ú' => Sound::Peak,
        'u' if matches!(previous, Some('q' | 'g'))
            && matches!(next, Some('e' | 'i' | 'é' | 'í')) =>
        {
            Sound::Silent
        }
        'i' | 'u' | 'ü' => Sound::Glide,
        'y' if next.is_some_and(is_vowel_es) => Sound::Consonant,
        'y' => Sound::Glide,
        'h' if matches!(next, Some('i' | 'u')) && after.is_some_and(is_vowel_es) => {
            Sound::Consonant
        }
        'h' => Sound::Silent,
        _ => Sound::Consonant,
    }
}

/// A band of the INFLESZ scale, on which Szigriszt-Pazos scores are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inflesz {
    /// Below 40: "muy difícil".
    VeryHard,
    /// 40 up to 55: "algo difícil".
    SomewhatHard,
    /// 55 up to 65: "normal".
    Normal,
    /// 65 to 80 inclusive: "bastante fácil".
    FairlyEasy,
    /// Above 80: "muy fácil".
    VeryEasy,
}

impl Inflesz {
    /// The band of a Szigriszt-Pazos `score`. The scale says "below 40" and "above 80", so 40
    /// is algo difícil and 80 bastante fácil; at 55 and 65 a score takes the easier band, as
    /// issue 16 reads them (a floor of 55 passes a page at 55; "65 or more, bastante fácil").
    /// NaN, which no count gives, is muy difícil.
    pub fn of(score: f64) -> Self {
        if score > 80.0 {
            Self::VeryEasy
        } else if score >= 65.0 {
            Self::FairlyEasy
        } else if score >= 55.0 {
            Self::Normal
        } else if score >= 40.0 {
            Self::SomewhatHard
        } else {
            Self::VeryHard
        }
    }

    /// The band's name on the scale, in Spanish, for Spanish readers and writers.
    pub fn label(self) -> &'static str {
        match self {
            Self::VeryHard => "muy difícil",
            Self::SomewhatHard => "algo difícil",
            Self::Normal => "normal",
            Self::FairlyEasy => "bastante fácil",
            Self::VeryEasy => "muy fácil",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_syllables_of_known_words() {
        for (word, expected) in [
            ("cat", 1),
            ("the", 1),
            ("people", 2),
            ("naltrexone", 3),
            ("medicine", 3),
            ("table", 2),
            ("wanted", 2),
            ("jumped", 1),
            ("buses", 2),
            ("makes", 1),
            ("yes", 1),
            ("alcohol", 3),
            ("opioid", 3),
            ("prescriber", 3),
            ("injection", 3),
            ("free", 1),
            ("2026", 1),
        ] {
            assert_eq!(syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn grades_known_sentences() {
        // 6 words, 6 syllables, 1 sentence: 0.39*6 + 11.8*1 - 15.59 = -1.45
        let g = count("The cat sat on the mat.").grade().unwrap_or(f64::NAN);
        assert!((g - -1.45).abs() < 0.01, "{g}");
        // The classic Flesch example sits near grade 8 with textstat.
        let text = "Naltrexone is a medicine that blocks the effects of opioids. It can also help people drink less alcohol. Talk to your prescriber before you start or stop it.";
        let c = count(text);
        assert_eq!(c.sentences, 3);
        assert_eq!(c.words, 28);
        let g = c.grade().unwrap_or(f64::NAN);
        assert!((5.0..8.0).contains(&g), "{g}");
        // Long words and one long sentence: college level.
        let hard = "Pharmacological antagonism of endogenous opioidergic neurotransmission attenuates the reinforcing properties of ethanol consumption in individuals with moderate-to-severe alcohol use disorder.";
        let g = count(hard).grade().unwrap_or(f64::NAN);
        assert!(g > 16.0, "{g}");
    }

    #[test]
    fn does_not_split_numbers_or_abbreviations() {
        let c = count("Nausea was 9.8% in one study, e.g. in the U.S. trial.\nA list item");
        assert_eq!(c.sentences, 2);
        assert_eq!(count("").grade(), None);
    }
    fn assert_syllables_es(cases: &[(&str, usize)]) {
        for &(word, expected) in cases {
            assert_eq!(syllables_es(word), expected, "{word}");
        }
    }

    #[test]
    fn spanish_counts_syllables_of_known_words() {
        assert_syllables_es(&[
            ("día", 2),
            ("país", 2),
            ("ciudad", 2),
            ("guerra", 2),
            ("pingüino", 3),
            ("ley", 1),
            ("naltrexona", 4),
            ("medicamento", 5),
            // o-pioi-des: i-o-i is weak, strong, weak, a triphthong like U-ru-guay's u-a-y. The
            // RAE counts such vowels as one syllable whatever the speaker's pace (it writes
            // `guion` as one), so 3, not the 4 of a careful o-pio-i-des.
            ("opioides", 3),
            ("sobredosis", 4),
            ("inyección", 3),
            ("hígado", 3),
            ("alcohol", 3),
            ("tratamiento", 4),
            ("prescriptor", 3),
            ("embarazo", 4),
            ("efectos", 3),
            ("bastante", 3),
            ("fácil", 2),
            ("murciélago", 4),
            ("aéreo", 4),
            ("Uruguay", 3),
            ("ahí", 2),
            ("baúl", 2),
            ("oído", 3),
            ("cacahuete", 4),
        ]);
    }

    #[test]
    fn spanish_written_accent_breaks_a_diphthong_only_beside_a_strong_vowel() {
        assert_syllables_es(&[
            ("rio", 1),
            ("río", 2),
            ("reúne", 3),
            ("reune", 2),
            ("ruido", 2),
            ("casuística", 4),
            ("canción", 2),
        ]);
    }

    #[test]
    fn spanish_y_is_a_vowel_unless_a_vowel_follows() {
        assert_syllables_es(&[
            ("y", 1),
            ("muy", 1),
            ("hay", 1),
            ("hoy", 1),
            ("buey", 1),
            ("reyes", 2),
            ("ayuda", 3),
            ("yo", 1),
        ]);
    }

    #[test]
    fn spanish_u_is_silent_in_que_qui_gue_gui_but_not_as_u_with_diaeresis() {
        assert_syllables_es(&[
            ("queso", 2),
            ("quién", 1),
            ("guiso", 2),
            ("guion", 1),
            ("agua", 2),
            ("cuánto", 2),
            ("vergüenza", 3),
            ("argüir", 2),
        ]);
    }

    #[test]
    fn spanish_h_between_vowels_neither_makes_nor_breaks_a_diphthong() {
        assert_syllables_es(&[
            ("prohibir", 2),
            ("ahumado", 3),
            ("rehusar", 2),
            ("prohíbe", 3),
            ("rehúso", 3),
            ("búho", 2),
            ("zanahoria", 4),
            ("vehículo", 4),
            // h before an unstressed i or u and a vowel starts a syllable.
            ("chihuahua", 3),
            ("vihuela", 3),
            ("huevo", 2),
            ("deshielo", 3),
        ]);
    }

    #[test]
    fn spanish_folds_case_and_reads_decomposed_accents() {
        assert_syllables_es(&[
            ("DÍA", 2),
            ("PINGÜINO", 3),
            ("Ahí", 2),
            ("di\u{301}a", 2),
            ("pingu\u{308}ino", 3),
            ("mg", 1),
        ]);
        assert_eq!(count_es("di\u{301}a").words, 1);
    }

    fn assert_score(text: &str, expected: f64) {
        let score = count_es(text).szigriszt().unwrap_or(f64::NAN);
        assert!((score - expected).abs() < 0.001, "{score} for {text}");
    }

    #[test]
    fn spanish_scores_hand_counted_texts() {
        // El(1) hí-ga-do(3) lim-pia(2) la(1) san-gre(2): 5 words, 9 syllables, 1 sentence.
        // 206.835 - 62.3 * 9/5 - 5/1 = 206.835 - 112.14 - 5 = 89.695
        let easy = "El hígado limpia la sangre.";
        assert_eq!(
            count_es(easy),
            Counts {
                sentences: 1,
                words: 5,
                syllables: 9
            }
        );
        assert_score(easy, 89.695);
        assert_eq!(Inflesz::of(89.695), Inflesz::VeryEasy);

        // El(1) Dr(1) Pé-rez(2) re-ce-ta(3) mg(1) de(1) nal-tre-xo-na(4), 50 not a word, the
        // title's full stop no end: 7 words, 13 syllables. ¡Tó-me-la(3) ca-da(2) dí-a(2)!:
        // 3 words, 7 syllables. 10 words, 20 syllables, 2 sentences.
        // 206.835 - 62.3 * 20/10 - 10/2 = 206.835 - 124.6 - 5 = 77.235
        let text = "El Dr. Pérez receta 50 mg de naltrexona. ¡Tómela cada día!";
        assert_eq!(
            count_es(text),
            Counts {
                sentences: 2,
                words: 10,
                syllables: 20
            }
        );
        assert_score(text, 77.235);
        assert_eq!(Inflesz::of(77.235), Inflesz::FairlyEasy);

        // La(1) far-ma-co-ci-né-ti-ca(7) de(1) la(1) nal-tre-xo-na(4) in-tra-mus-cu-lar(5)
        // de(1) li-be-ra-ción(4) pro-lon-ga-da(4) pre-sen-ta(3) con-cen-tra-cio-nes(5)
        // plas-má-ti-cas(4) sos-te-ni-das(4) du-ran-te(3) a-pro-xi-ma-da-men-te(7)
        // trein-ta(2) dí-as(2): 17 words, 58 syllables, 1 sentence.
        // 206.835 - 62.3 * 58/17 - 17/1 = 206.835 - 212.5529 - 17 = -22.7179 (the index has
        // no floor at 0)
        let hard = "La farmacocinética de la naltrexona intramuscular de liberación prolongada presenta concentraciones plasmáticas sostenidas durante aproximadamente treinta días.";
        assert_eq!(
            count_es(hard),
            Counts {
                sentences: 1,
                words: 17,
                syllables: 58
            }
        );
        assert_score(hard, 206.835 - 62.3 * 58.0 / 17.0 - 17.0);
        assert_score(hard, -22.7179);
        assert_eq!(Inflesz::of(-22.7179), Inflesz::VeryHard);
    }

    #[test]
    fn spanish_sentences_open_with_inverted_marks_and_skip_abbreviations() {
        let sentences = |text: &str| count_es(text).sentences;
        // ¿ and ¡ open; ? and ! end.
        assert_eq!(sentences("¿Qué es la naltrexona? ¡Un medicamento!"), 2);
        // Followed by lower case or a number, a full stop is an abbreviation's.
        assert_eq!(sentences("Es útil, p. ej. para el alcohol."), 1);
        assert_eq!(sentences("Tome aprox. 50 mg al día."), 1);
        assert_eq!(sentences("Vive en EE. UU. desde 2020."), 1);
        // Followed by a capital, it ends a sentence, except after a title.
        assert_eq!(sentences("Vive en EE. UU. Allí trabaja."), 2);
        assert_eq!(sentences("Pregunte a la Dra. López. Ella sabe."), 2);
        assert_eq!(sentences("Espere… Luego hable."), 2);
        // Closing quotes and brackets do not hide an end; every line is a sentence.
        assert_eq!(sentences("Dijo «basta.» Y se fue.\nUna lista sin punto"), 3);
        // A sentence needs a word; numbers are not words.
        let c = count_es("Llame al 1-800-662-4357. ¿? 988.");
        assert_eq!((c.sentences, c.words), (1, 2));
        assert_eq!(count_es("anti-inflamatorio 1.ª dosis").words, 3);
    }

    #[test]
    fn inflesz_boundaries_fall_in_the_documented_band() {
        for (score, band, label) in [
            (39.99, Inflesz::VeryHard, "muy difícil"),
            (40.0, Inflesz::SomewhatHard, "algo difícil"),
            (54.99, Inflesz::SomewhatHard, "algo difícil"),
            (55.0, Inflesz::Normal, "normal"),
            (64.99, Inflesz::Normal, "normal"),
            (65.0, Inflesz::FairlyEasy, "bastante fácil"),
            (80.0, Inflesz::FairlyEasy, "bastante fácil"),
            (80.01, Inflesz::VeryEasy, "muy fácil"),
            (-500.0, Inflesz::VeryHard, "muy difícil"),
            (f64::INFINITY, Inflesz::VeryEasy, "muy fácil"),
            (f64::NAN, Inflesz::VeryHard, "muy difícil"),
        ] {
            assert_eq!(Inflesz::of(score), band, "{score}");
            assert_eq!(band.label(), label);
        }
    }

    #[test]
    fn spanish_survives_any_input() {
        for text in [
            "",
            "   \n\n",
            "12345 678.9",
            "¿?",
            "¡!",
            "...",
            "😀 🎉.",
            "\u{301}\u{308}",
        ] {
            let c = count_es(text);
            assert_eq!((c.words, c.sentences), (0, 0), "{text:?}");
            assert_eq!(c.szigriszt(), None, "{text:?}");
        }
        assert_eq!(syllables_es(""), 1);
        assert_eq!(syllables_es("😀"), 1);
        assert_eq!(syllables_es(&"a".repeat(10_000)), 10_000);
        assert_eq!(syllables_es(&"ui".repeat(5_000)), 1);
        assert_eq!(syllables_es(&"b".repeat(10_000)), 1);
        assert_eq!(syllables_es(&"ha".repeat(5_000)), 5_000);
        let long = "ñ".repeat(10_000) + ".";
        let c = count_es(&long);
        assert_eq!((c.words, c.sentences, c.syllables), (1, 1, 1));
        assert!(c.szigriszt().is_some_and(f64::is_finite));
        let zero = Counts {
            sentences: 0,
            words: 3,
            syllables: 3,
        };
        assert_eq!(zero.szigriszt(), None);
    }
}
