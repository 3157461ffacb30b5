//! The synthetic sites the benchmark builds and the tests edit. [`Kind::Simple`] (what the
//! tests edit): N articles of about 1,000 words of prose from a list of 63 words in 10
//! sections, with headings, a list, a table, a footnote, 3-6 links to other articles and 2-5
//! tags out of 40 (each with a tag page). [`Kind::Realistic`] (what the benchmark measures,
//! `realistic.rs`): articles shaped like the bundled ones, words from a Zipf distribution over
//! a vocabulary that grows with the corpus. Nothing about either is random between runs: a
//! fixed-seed generator makes every byte, and the same generator ([`Rng`]) drives the tests'
//! random edits. Always compiled (hidden from the docs) because tests use it; the measuring is
//! `bench.rs`, behind the `bench` feature.

use crate::date::Date;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

mod realistic;

const SECTIONS: usize = 10;
const TAGS: usize = 40;
/// The version of the corpus the generators write: change it whenever they change, so corpora
/// kept with `--dir` are made again.
pub const GENERATOR: u32 = 2;

/// Which corpus to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A small vocabulary and one reference per article: what the tests edit.
    Simple,
    /// Articles like the bundled ones: Zipf words, five or six full references, named tags.
    Realistic,
}

/// Writes a corpus of `kind` with `n` articles and minimal templates into `root`.
pub fn generate_kind(root: &Path, n: usize, kind: Kind) -> std::io::Result<()> {
    match kind {
        Kind::Simple => generate(root, n),
        Kind::Realistic => {
            realistic::generate(root, n)?;
            minimal_templates(root)
        }
    }
}
const WORDS: &[&str] = &[
    "naltrexone",
    "alcohol",
    "craving",
    "prescriber",
    "recovery",
    "support",
    "treatment",
    "blocks",
    "opioid",
    "reward",
    "brain",
    "family",
    "dose",
    "monthly",
    "tablet",
    "injection",
    "liver",
    "sleep",
    "nausea",
    "headache",
    "study",
    "people",
    "helps",
    "reduce",
    "heavy",
    "drinking",
    "days",
    "safe",
    "risk",
    "overdose",
    "tolerance",
    "plan",
    "counseling",
    "goal",
    "week",
    "month",
    "start",
    "stop",
    "talk",
    "with",
    "your",
    "the",
    "a",
    "and",
    "to",
    "of",
    "is",
    "can",
    "may",
    "for",
    "in",
    "it",
    "when",
    "some",
    "many",
    "most",
    "not",
    "this",
    "that",
    "after",
    "before",
    "often",
    "also",
];

/// A tiny fixed-seed generator (xorshift64*): the same corpus on every machine, and the same
/// random edits in every test run.
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed` (not zero).
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n` (which must not be zero).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn sentence(&mut self, out: &mut String) {
        let n = 8 + self.below(10);
        for i in 0..n {
            let w = WORDS[self.below(WORDS.len())];
            if i == 0 {
                let mut c = w.chars();
                if let Some(first) = c.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(c.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(w);
            }
        }
        out.push_str(". ");
    }
}

/// Where article `i` is, under `content/`.
pub fn article_path(i: usize) -> String {
    format!("s{}/article-{i}.md", i % SECTIONS)
}

/// Writes a synthetic site of `n` articles into `root` (our format).
pub fn generate(root: &Path, n: usize) -> std::io::Result<()> {
    generate_with(root, n, TAGS)
}

/// [`generate`] with `tags` tags instead of the usual 40.
pub fn generate_with(root: &Path, n: usize, tags: usize) -> std::io::Result<()> {
    let content = root.join("content");
    fs::create_dir_all(content.join("tags"))?;
    fs::write(root.join("site.yaml"), "title: Bench Site\nbase_url: https://bench.example.org\ndescription: A synthetic site for measuring build speed; every byte is generated.\npaginate_by: 20\n")?;
    fs::write(content.join("_index.md"), "---\ntitle: Bench home\ndescription: The home page of the generated benchmark site, with a short intro.\n---\nWelcome.\n")?;
    for s in 0..SECTIONS {
        fs::create_dir_all(content.join(format!("s{s}")))?;
        fs::write(content.join(format!("s{s}/_index.md")), format!("---\ntitle: Section {s}\ndescription: Section {s} of the generated benchmark site, holding a tenth of the articles.\nweight: {s}\n---\nIntro.\n"))?;
    }
    for t in 0..tags {
        fs::write(content.join(format!("tags/tag-{t}.md")), format!("---\ntitle: Tag {t}\ndescription: Tag {t} of the generated benchmark site; its page lists every article with it.\n---\nArticles about topic {t}.\n"))?;
    }
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    for i in 0..n {
        let mut text = String::with_capacity(8_000);
        let ntags = 2 + rng.below(4);
        let mut chosen: Vec<usize> = (0..ntags).map(|_| rng.below(tags)).collect();
        chosen.sort_unstable();
        chosen.dedup();
        let chosen = chosen
            .iter()
            .map(|t| format!("tag-{t}"))
            .collect::<Vec<_>>()
            .join(", ");
        let day = Date::from_days(19_000 + (i % 1_500) as i64);
        let _ = write!(
            text,
            "---\ntitle: Generated article number {i}\ndescription: Generated article {i} of the benchmark corpus, about one thousand words long.\ndate: {day}\nreviewed: {day}\ntags: [{chosen}]\nreferences:\n  - title: \"A source\"\n    url: https://example.org/source/{i}\n---\n"
        );
        for h in 0..6 {
            let _ = write!(text, "\n## Part {h} of article {i}\n\n");
            for _ in 0..3 {
                for _ in 0..3 {
                    rng.sentence(&mut text);
                }
                text.push_str("\n\n");
            }
            if h == 1 {
                text.push_str(
                    "- first point to remember\n- second point to remember\n- third point\n\n",
                );
            }
            if h == 2 {
                text.push_str("| Medicine | How often |\n|---|---|\n| tablet | daily |\n| injection | monthly |\n\n");
            }
            if h == 3 {
                text.push_str("A claim with a source.[^1]\n\n[^1]: The footnote.\n\n");
            }
        }
        let links = 3 + rng.below(4);
        text.push_str("\n## Read next\n\n");
        for _ in 0..links {
            let j = rng.below(n);
            let _ = writeln!(text, "- [Article {j}](../{})", article_path(j));
        }
        fs::write(content.join(article_path(i)), text)?;
    }
    minimal_templates(root)
}

/// The minimal templates (the same markup as the bench's Hugo layouts) into `root/templates`.
fn minimal_templates(root: &Path) -> std::io::Result<()> {
    let templates = root.join("templates");
    fs::create_dir_all(&templates)?;
    let page = "<!doctype html><html lang=\"{{ config.language }}\"><head><meta charset=\"utf-8\"><title>{% block title %}{{ config.title }}{% endblock %}</title></head><body><nav>{% for n in nav %}<a href=\"{{ n.url }}\">{{ n.title }}</a>{% endfor %}</nav>{% block main %}{% endblock %}</body></html>";
    fs::write(templates.join("base.html"), page)?;
    fs::write(templates.join("page.html"), "{% extends \"base.html\" %}{% block title %}{{ page.title }}{% endblock %}{% block main %}<h1>{{ page.title }}</h1><ol>{% for h in page.toc %}<li><a href=\"#{{ h.id }}\">{{ h.title }}</a></li>{% endfor %}</ol>{{ page.content | safe }}<ul>{% for t in page.tags %}<li><a href=\"{{ t.url }}\">{{ t.title }}</a></li>{% endfor %}</ul><ul>{% for r in page.related %}<li><a href=\"{{ r.url }}\">{{ r.title }}</a></li>{% endfor %}</ul>{% endblock %}")?;
    fs::write(templates.join("index.html"), "{% extends \"base.html\" %}{% block main %}{% for c in recent %}<a href=\"{{ c.url }}\">{{ c.title }}</a>{% endfor %}{% endblock %}")?;
    fs::write(templates.join("section.html"), "{% extends \"base.html\" %}{% block main %}{% for c in section.pages %}<a href=\"{{ c.url }}\">{{ c.title }}</a>{% endfor %}{% endblock %}")?;
    fs::write(templates.join("tag.html"), "{% extends \"base.html\" %}{% block main %}{{ tag.content | safe }}{% for c in paginator.pages %}<a href=\"{{ c.url }}\">{{ c.title }}</a>{% endfor %}{% if paginator.next %}<a href=\"{{ paginator.next }}\">next</a>{% endif %}{% endblock %}")?;
    fs::write(templates.join("tags.html"), "{% extends \"base.html\" %}{% block main %}{% for t in tags %}<a href=\"{{ t.url }}\">{{ t.title }} {{ t.count }}</a>{% endfor %}{% endblock %}")?;
    fs::write(
        templates.join("404.html"),
        "{% extends \"base.html\" %}{% block main %}Not found{% endblock %}",
    )?;
    Ok(())
}
