//! A document's terms and their scores as the index keeps them between rebuilds: sorted, and
//! held in two allocations (the terms' text back to back, and where each ends with its
//! score) instead of one string per term. A 10,000-article site has about five million
//! (document, term) pairs; one allocation each was most of the index's build time, its
//! memory and the time to free it.

use std::hash::{Hash, Hasher};

/// Terms sorted by their text, each with a score.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    /// Every term's text, in order, with nothing between them.
    text: Box<str>,
    /// Where each term's text ends in `text`, and its score.
    ends: Box<[(u32, u8)]>,
}

impl Terms {
    /// The terms of `sorted`, which must be sorted by term and hold each term once.
    pub fn from_sorted<'a>(sorted: impl IntoIterator<Item = (&'a str, u8)>) -> Self {
        let mut text = String::new();
        let mut ends = Vec::new();
        for (term, score) in sorted {
            text.push_str(term);
            ends.push((u32::try_from(text.len()).unwrap_or(u32::MAX), score));
        }
        Self {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// Each term and its score, in term order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u8)> + Clone + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&(end, score)| {
            let end = end as usize;
            let term = self.text.get(start..end).unwrap_or_default();
            start = end;
            (term, score)
        })
    }

    /// How many terms there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Hashed as the list of `(term, score)` pairs it stands for, so an entry's hash (and the
/// manifest's stamp made from it) does not depend on how the terms are stored.
impl Hash for Terms {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for (term, score) in self.iter() {
            term.hash(state);
            score.hash(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_its_terms_and_hashes_as_their_list() {
        let list: Vec<(Box<str>, u8)> = vec![("a".into(), 3), ("bb".into(), 1), ("ç".into(), 9)];
        let terms = Terms::from_sorted(list.iter().map(|(t, s)| (&**t, *s)));
        let back: Vec<(&str, u8)> = terms.iter().collect();
        assert_eq!(back, [("a", 3), ("bb", 1), ("ç", 9)]);
        assert_eq!(terms.len(), 3);
        assert_eq!(crate::hash::of(&terms), crate::hash::of(&list));
        assert_eq!(Terms::default().iter().count(), 0);
        assert_eq!(
            crate::hash::of(&Terms::default()),
            crate::hash::of(&Vec::<(Box<str>, u8)>::new())
        );
    }
}
