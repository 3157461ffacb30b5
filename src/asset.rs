//! Static files: copied as they are, except stylesheets, which get a content fingerprint in
//! their name (`style.css` → `style.1a2b3c4d.css`) so hosts can cache them forever. Templates
//! find the fingerprinted names in the `assets` map.

use crate::publish::Output;
use crate::source::StaticFile;
use std::collections::BTreeMap;

/// Static files as outputs, and the map from each fingerprinted file's path to its URL.
pub fn prepare(files: &[StaticFile]) -> (Vec<Output>, BTreeMap<String, String>) {
    let mut assets = BTreeMap::new();
    let mut outputs = Vec::with_capacity(files.len());
    for file in files {
        let path = match file.rel.rsplit_once('.') {
            Some((stem, "css")) => format!("{stem}.{:08x}.css", fnv1a(&file.bytes) as u32),
            _ => file.rel.clone(),
        };
        assets.insert(file.rel.clone(), format!("/{path}"));
        outputs.push(Output {
            path,
            bytes: file.bytes.clone(),
        });
    }
    (outputs, assets)
}

/// The addresses links may point to among the static files: each as written (`style.css`) and
/// as published (`style.1a2b3c4d.css`).
pub fn link_targets(assets: &BTreeMap<String, String>) -> Vec<String> {
    assets
        .keys()
        .map(String::as_str)
        .chain(assets.values().map(|url| url.trim_start_matches('/')))
        .map(str::to_owned)
        .collect()
}

/// FNV-1a: stable across runs, platforms and compiler versions, unlike std's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A fast 64-bit hash of bytes (FNV-style, eight bytes at a time), to tell whether content
/// changed between builds. Stable across runs and platforms.
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_stylesheets_only() {
        let files = vec![
            StaticFile {
                rel: "css/style.css".into(),
                bytes: b"a{}".to_vec(),
            },
            StaticFile {
                rel: "favicon.svg".into(),
                bytes: b"<svg/>".to_vec(),
            },
        ];
        let (outputs, assets) = prepare(&files);
        assert!(outputs[0].path.starts_with("css/style.") && outputs[0].path.ends_with(".css"));
        assert_ne!(outputs[0].path, "css/style.css");
        assert_eq!(assets["css/style.css"], format!("/{}", outputs[0].path));
        assert_eq!(assets["favicon.svg"], "/favicon.svg");
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
