//! Front matter: any text through `split` and the strict parse into every front-matter type
//! (and `site.yaml`'s), then every diagnostic displayed. Nothing may panic, whatever the YAML.

#![no_main]

use libfuzzer_sys::fuzz_target;
use naltrexone_site::internals::config::Config;
use naltrexone_site::internals::front_matter::{self, ArticleFront, SectionFront, TagFront};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = "content/care/x.md";
    let split = match front_matter::split(file, text) {
        Ok(split) => split,
        Err(d) => {
            let _ = d.to_string();
            return;
        }
    };
    // The body is where the file says it is.
    assert_eq!(&text[split.body_offset..], split.body);
    match front_matter::parse::<ArticleFront>(file, text, split.yaml, 2) {
        Ok((front, keys)) => {
            let _ = keys.line("title");
            for reference in &front.references {
                let _ = reference.href();
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a failed parse says why");
            for d in &errors {
                let _ = d.to_string();
                let _ = d.github();
            }
        }
    }
    if let Err(errors) = front_matter::parse::<SectionFront>(file, text, split.yaml, 2) {
        errors.iter().for_each(|d| drop(d.to_string()));
    }
    if let Err(errors) = front_matter::parse::<TagFront>(file, text, split.yaml, 2) {
        errors.iter().for_each(|d| drop(d.to_string()));
    }
    // `site.yaml` goes through the same parser with the whole text as the block.
    if let Err(errors) = Config::parse(text, None) {
        errors.iter().for_each(|d| drop(d.to_string()));
    }
});
