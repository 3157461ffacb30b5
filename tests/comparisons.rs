//! The bundled site's medication facts have one source, `data/medications.yaml`: a comparison
//! article (tagged `comparisons`) that types one of its fact labels into a Markdown table
//! again, instead of placing the row with `{{ compare(...) }}`, fails here.

use std::fs;
use std::path::Path;

/// Every fact label of the data file (`facts.<id>.en`, and `es` where written), lower-cased.
fn labels(repo: &Path) -> Vec<String> {
    let text =
        fs::read_to_string(repo.join("data/medications.yaml")).expect("data/medications.yaml");
    let sheet: serde_yaml::Value = serde_yaml::from_str(&text).expect("valid YAML");
    let facts = sheet
        .get("facts")
        .and_then(|f| f.as_mapping())
        .expect("a `facts:` mapping");
    let mut labels = Vec::new();
    for (_, label) in facts {
        for lang in ["en", "es"] {
            if let Some(text) = label.get(lang).and_then(|t| t.as_str()) {
                labels.push(normalize(text));
            }
        }
    }
    assert!(labels.len() >= 10, "the fact labels are found: {labels:?}");
    labels
}

fn normalize(cell: &str) -> String {
    cell.trim().trim_matches('*').trim().to_lowercase()
}

/// The comparison articles: tagged `comparisons`.
fn comparison_articles(repo: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(repo.join("content")) {
        let entry = entry.expect("walk content");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = fs::read_to_string(path).expect("read article");
        let tagged = text
            .lines()
            .take_while(|l| !l.is_empty())
            .any(|l| l.starts_with("tags:") && l.contains("comparisons"));
        if tagged {
            let rel = path
                .strip_prefix(repo)
                .expect("inside")
                .display()
                .to_string();
            found.push((rel, text));
        }
    }
    found.sort();
    found
}

#[test]
fn no_comparison_table_types_a_medication_fact_by_hand() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let labels = labels(repo);
    let articles = comparison_articles(repo);
    assert!(articles.len() >= 5, "the comparison articles are found");
    let mut typed = Vec::new();
    for (file, text) in &articles {
        for (n, line) in text.lines().enumerate() {
            let Some(row) = line.trim_start().strip_prefix('|') else {
                continue;
            };
            let first = row.split('|').next().unwrap_or_default();
            if first.trim().chars().all(|c| c == '-' || c == ':') {
                continue; // the header's separator row
            }
            if labels.contains(&normalize(first)) {
                typed.push(format!("{file}:{}: `{}`", n + 1, first.trim()));
            }
        }
    }
    assert!(
        typed.is_empty(),
        "medication facts typed into Markdown tables; place them with \
         {{{{ compare(drugs=\"...\", facts=\"...\", caption=\"...\") }}}} from data/medications.yaml:\n{}",
        typed.join("\n")
    );
}

#[test]
fn the_articles_that_compare_medicines_use_the_data_file() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "content/alcohol/naltrexone-vs-acamprosate.md",
        "content/alcohol/naltrexone-vs-disulfiram.md",
        "content/opioids/naltrexone-vs-buprenorphine.md",
        "content/opioids/naltrexone-vs-methadone.md",
        "content/treatment/pills-or-the-shot.md",
    ] {
        let text = fs::read_to_string(repo.join(file)).expect("read");
        assert!(
            text.contains("{{ compare("),
            "{file} places its table with `compare`"
        );
    }
}
