//! Content identity: the one hash behind every "is this the same as last time?" the tool asks:
//! the stylesheet fingerprint in its file name, the build record's per-file hashes (which decide
//! whether a file is rewritten), rendered bodies, serve's fingerprints and search entries, and
//! the inputs of the related lists. It also keys the word maps of `related` and the maps the
//! model is checked with (link targets, anchors).
//!
//! XXH3 (64-bit), from `xxhash-rust`: its output is specified, so it is the same on every run,
//! platform and compiler version (std's `DefaultHasher` promises none of that), it passes the
//! SMHasher suite, and it is fast on the few-byte words `related` counts as on whole pages.
//! Nothing here is a defence against someone crafting collisions; content identity on one's
//! own site does not need one.

use std::hash::{BuildHasherDefault, Hash};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// The hash of a byte string.
pub fn bytes(data: &[u8]) -> u64 {
    xxh3_64(data)
}

/// The hash of anything `Hash`: what it feeds a [`Hasher`], in order.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = Hasher::default();
    value.hash(&mut h);
    std::hash::Hasher::finish(&h)
}

/// A [`std::hash::Hasher`] over XXH3: each write is hashed whole, seeded with the state so far,
/// so a value's parts are chained in order. One-shot XXH3 on each write keeps short keys (the
/// words of `related`) as cheap as they were with FNV, and long ones (bodies) far cheaper.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hasher(u64);

impl std::hash::Hasher for Hasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }
}

/// A `HashMap` keyed through [`Hasher`]: deterministic, and fast on short keys.
pub type Map<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Hasher>>;

/// A `HashSet` through [`Hasher`].
pub type Set<T> = std::collections::HashSet<T, BuildHasherDefault<Hasher>>;

/// A map keyed by a single string (a word, a term): its hasher hashes the key's bytes with
/// XXH3 as [`Hasher`] does, and mixes in the end marker that `str`'s `Hash` writes after them
/// with a multiply instead of a second XXH3 call (a page's search entry looks up each of its
/// thousand words). Its values are not [`of`]'s: use it only to look things up in memory.
pub type WordMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// See [`WordMap`]: [`Hasher`] but for the single bytes.
#[derive(Debug, Default, Clone, Copy)]
pub struct WordHasher(Hasher);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    fn write_u8(&mut self, byte: u8) {
        let Hasher(state) = &mut self.0;
        *state = (*state ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A map keyed by a number that already tells its keys apart (a short word's bytes, for
/// instance): [`NumberHasher`] spreads it with one multiply. Only for looking things up in
/// memory.
pub type NumberMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<NumberHasher>>;

/// See [`NumberMap`]: a number is multiplied by a large odd constant and the two halves of
/// the 128-bit product folded together, so every bit of the key reaches the high bits the map
/// takes its control byte from and the low bits it takes its bucket from. Anything other than
/// whole numbers goes through [`Hasher`].
#[derive(Debug, Default, Clone, Copy)]
pub struct NumberHasher(Hasher);

impl std::hash::Hasher for NumberHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        let Hasher(state) = &mut self.0;
        let product = u128::from(n ^ *state) * u128::from(0x9e37_79b9_7f4a_7c15_u64);
        *state = (product as u64) ^ ((product >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_the_specified_xxh3() {
        // Reference values of XXH3-64 with seed 0 (the xxHash reference implementation's value).
        assert_eq!(bytes(b""), 0x2d06_8005_38d3_94c2);
    }

    #[test]
    fn short_word_keys_spread_over_low_and_high_bits() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        // Keys of short words have their low bytes zero: the hash must not.
        let build = BuildHasherDefault::<NumberHasher>::default();
        let words: Vec<u64> = (0..4096u64)
            .map(|i| {
                (b'a' as u64 + i % 26) << 56 | (b'a' as u64 + i / 26 % 26) << 48 | (i / 676) << 40
            })
            .collect();
        let hashes: Vec<u64> = words.iter().map(|w| build.hash_one(w)).collect();
        let low: Set<u64> = hashes.iter().map(|h| h & 0xfff).collect();
        let high: Set<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 2000, "{} of 4096 buckets", low.len());
        assert!(high.len() > 100, "{} of 128 control bytes", high.len());
    }

    #[test]
    fn chains_parts_in_order() {
        assert_ne!(of(&("ab", "c")), of(&("a", "bc")));
        assert_ne!(of(&(1u64, 2u64)), of(&(2u64, 1u64)));
        assert_eq!(of(&("ab", 3usize)), of(&("ab", 3usize)));
        assert_ne!(of(&0u64), of(&1u64));
    }
}
