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
            Some((stem, "css")) => {
                format!("{stem}.{:08x}.css", crate::hash::bytes(&file.bytes) as u32)
            }
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
    }
}
