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
        let sorted = sorted.into_iter();
        // Room for the most terms there can be, at about eight bytes each: the entry of a
        // page's few hundred terms is made in one or two allocations instead of a dozen.
        let most = sorted.size_hint().1.unwrap_or(0);
        let mut text = String::with_capacity(most * 8);
        let mut ends = Vec::with_capacity(most);
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

/// Hashed as it is stored: the number of terms, their text back to back, then where each ends
/// and its score. Equal lists are stored alike, so they hash alike, and the ends keep `a`, `bb`
/// apart from `ab`, `b`. Hashing the text at once, not term by term, took a page's entry hash
/// from about a twelfth of the cost of making the entry to next to nothing.
impl Hash for Terms {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        state.write(self.text.as_bytes());
        let mut ends = Vec::with_capacity(self.ends.len() * 5);
        for &(end, score) in &*self.ends {
            ends.extend_from_slice(&end.to_le_bytes());
            ends.push(score);
        }
        state.write(&ends);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_its_terms_and_hashes_each_list_apart() {
        let list: Vec<(Box<str>, u8)> = vec![("a".into(), 3), ("bb".into(), 1), ("ç".into(), 9)];
        let terms = Terms::from_sorted(list.iter().map(|(t, s)| (&**t, *s)));
        let back: Vec<(&str, u8)> = terms.iter().collect();
        assert_eq!(back, [("a", 3), ("bb", 1), ("ç", 9)]);
        assert_eq!(terms.len(), 3);
        assert_eq!(Terms::default().iter().count(), 0);
        let of = |list: &[(&str, u8)]| crate::hash::of(&Terms::from_sorted(list.iter().copied()));
        assert_eq!(
            crate::hash::of(&terms),
            of(&[("a", 3), ("bb", 1), ("ç", 9)])
        );
        assert_ne!(of(&[("a", 1), ("bb", 1)]), of(&[("ab", 1), ("b", 1)]));
        assert_ne!(of(&[("a", 1)]), of(&[("a", 2)]));
        assert_ne!(of(&[]), of(&[("", 0)]));
    }
}
