//! One source for configuration defaults: the README's configuration tables
//! are generated from the config structs' doc comments (`src/config/`), and
//! every default those state as a value is checked against what loading a
//! file gives.
//!
//! The rule, for every field of a config struct: the first paragraph of its
//! doc comment is the user's reference. Its `Default: …` sentence (or, for a
//! key that must be written, a sentence starting with `Required`) fills the
//! table's default column; the rest of the paragraph is the meaning column.
//! Later paragraphs are notes for rustdoc readers only. After editing a doc
//! comment, `VEILLE_UPDATE_README=1 cargo test --test it config_reference::`
//! rewrites the tables.

use std::path::Path;

use crate::support::project_root;

/// One section's table: the struct that defines it, the README heading it
/// sits under, and the smallest valid file that has the section, to which a
/// key is added to check its default.
struct Section {
    file: &'static str,
    strukt: &'static str,
    heading: &'static str,
    context: &'static str,
}

const SECTIONS: &[Section] = &[
    Section {
        file: "src/config/mod.rs",
        strukt: "StorageConfig",
        heading: "[storage]",
        context: "[storage]\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "ServerConfig",
        heading: "[server]",
        context: "[server]\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "FetchConfig",
        heading: "[fetch]",
        context: "[fetch]\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "EnrichConfig",
        heading: "[enrich]",
        context: "[enrich]\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "FeedDefaults",
        heading: "[defaults]",
        context: "[defaults]\n",
    },
    Section {
        file: "src/config/alerts.rs",
        strukt: "AlertsConfig",
        heading: "[alerts]",
        context: "[alerts]\n",
    },
    Section {
        file: "src/config/alerts.rs",
        strukt: "SmtpConfig",
        heading: "[smtp]",
        context: "[smtp]\nhost = \"localhost\"\n",
    },
    Section {
        file: "src/config/alerts.rs",
        strukt: "AlertConfig",
        heading: "[[alert]]",
        context: "[[alert]]\nid = \"rule\"\nquery = \"jnim\"\n",
    },
    Section {
        file: "src/config/alerts.rs",
        strukt: "HealthConfig",
        heading: "health",
        context: "[[alert]]\nid = \"rule\"\n[alert.health]\nfailing_for = \"6h\"\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "FeedConfig",
        heading: "[[feed]]",
        context: "[[feed]]\nid = \"source\"\nurl = \"https://example.org/rss\"\n",
    },
    Section {
        file: "src/config/mod.rs",
        strukt: "ListingConfig",
        heading: "listing",
        context: "[[feed]]\nid = \"source\"\nurl = \"https://example.org/news\"\nkind = \"html\"\n\
                  [feed.listing]\nitem = \"article\"\n",
    },
];

/// Keys whose default only shows in a context the section's own lacks.
const KEY_CONTEXTS: &[(&str, &str, &str)] = &[(
    "[[feed]]",
    "min_age",
    "[[feed]]\nid = \"source\"\nkind = \"transcript\"\nfolder = \"drop\"\n",
)];

/// A field of a config struct, as its source declares and documents it.
struct Field {
    key: String,
    /// The first paragraph of its doc comment, on one line.
    reference: String,
}

/// The fields of `pub struct NAME { … }` in a source file, with their doc
/// comments. The struct's body is read line by line: `///` lines gather the
/// doc (an empty one ends a paragraph), attributes (one or several lines,
/// told by their brackets) are skipped, and `pub key: Type,` ends a field.
fn fields(source: &str, name: &str) -> Vec<Field> {
    let start = format!("pub struct {name} {{");
    let mut lines = source
        .lines()
        .skip_while(|line| line.trim() != start)
        .skip(1);
    let mut fields = Vec::new();
    let (mut paragraphs, mut depth) = (vec![String::new()], 0i32);
    for line in lines.by_ref().take_while(|line| *line != "}") {
        let line = line.trim();
        if depth > 0 || line.starts_with("#[") {
            depth += line.matches(['(', '[']).count() as i32;
            depth -= line.matches([')', ']']).count() as i32;
        } else if let Some(doc) = line.strip_prefix("///") {
            let doc = doc.trim();
            let paragraph = paragraphs.last_mut().expect("one paragraph at least");
            if doc.is_empty() {
                paragraphs.push(String::new());
            } else {
                if !paragraph.is_empty() {
                    paragraph.push(' ');
                }
                paragraph.push_str(doc);
            }
        } else if let Some(declaration) = line.strip_prefix("pub ") {
            let (key, _) = declaration.split_once(':').expect("pub key: Type");
            fields.push(Field {
                key: key.to_owned(),
                reference: std::mem::take(&mut paragraphs[0]),
            });
            paragraphs = vec![String::new()];
        }
    }
    assert!(!fields.is_empty(), "no fields found in struct {name}");
    fields
}

/// Where the sentence starting at `start` ends: after the first full stop
/// followed by a space or the end, outside backquoted code (where `.` is
/// part of a file name or a value).
fn sentence_end(text: &str, start: usize) -> usize {
    let mut in_code = false;
    for (at, c) in text[start..].char_indices() {
        let at = start + at;
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code && text[at + 1..].chars().next().is_none_or(|c| c == ' ') => {
                return at + 1;
            }
            _ => {}
        }
    }
    text.len()
}

/// A field's reference split into (default, meaning).
fn default_and_meaning(field: &Field, strukt: &str) -> (String, String) {
    let text = &field.reference;
    let (start, default) = if let Some(start) = text.find("Default: ") {
        let end = sentence_end(text, start);
        let default = text[start + "Default: ".len()..end].trim_end_matches('.');
        (start, default.to_owned())
    } else if let Some(start) = text
        .match_indices("Required")
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text[..at].ends_with(". "))
    {
        let end = sentence_end(text, start);
        let required = text[start..end].trim_end_matches('.');
        (start, required.replacen("Required", "required", 1))
    } else {
        panic!(
            "{strukt}::{}: its doc comment's first paragraph needs a `Default: …` \
             sentence, or a `Required…` one",
            field.key
        );
    };
    let end = sentence_end(text, start);
    let meaning = format!("{} {}", &text[..start], &text[end..]);
    let meaning = meaning.split_whitespace().collect::<Vec<_>>().join(" ");
    (default, meaning)
}

fn table(fields: &[Field], strukt: &str) -> String {
    let mut table = "| key | default | meaning |\n| --- | --- | --- |\n".to_owned();
    for field in fields {
        let (default, meaning) = default_and_meaning(field, strukt);
        let cell = |text: &str| text.replace('|', "\\|");
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            field.key,
            cell(&default),
            cell(&meaning)
        ));
    }
    table
}

/// The byte range of the table under the README heading `### `HEADING``.
fn table_in_readme(readme: &str, heading: &str) -> std::ops::Range<usize> {
    let title = format!("### `{heading}`");
    let at = readme
        .match_indices(&title)
        .map(|(at, _)| at)
        .find(|&at| at == 0 || readme[..at].ends_with('\n'))
        .unwrap_or_else(|| panic!("README.md has no heading {title}"));
    let start = at
        + readme[at..]
            .find("\n| key |")
            .expect("a table under the heading")
        + 1;
    let mut end = start;
    for line in readme[start..].split_inclusive('\n') {
        if !line.starts_with('|') {
            break;
        }
        end += line.len();
    }
    start..end
}

#[test]
fn the_readme_tables_are_the_config_doc_comments() {
    let root = project_root();
    let readme_path = root.join("README.md");
    let mut readme = std::fs::read_to_string(&readme_path).unwrap();
    let mut stale = Vec::new();
    for section in SECTIONS {
        let source = std::fs::read_to_string(root.join(section.file)).unwrap();
        let expected = table(&fields(&source, section.strukt), section.strukt);
        let range = table_in_readme(&readme, section.heading);
        if readme[range.clone()] != expected {
            stale.push(format!("### `{}`\n\n{expected}", section.heading));
            readme.replace_range(range, &expected);
        }
    }
    if stale.is_empty() {
        return;
    }
    if std::env::var_os("VEILLE_UPDATE_README").is_some() {
        std::fs::write(&readme_path, &readme).unwrap();
        return;
    }
    panic!(
        "README.md's configuration tables differ from the doc comments in src/config/; \
         `VEILLE_UPDATE_README=1 cargo test --test it config_reference::` rewrites them. \
         Expected:\n\n{}",
        stale.join("\n")
    );
}

/// The validated configuration `text` gives, for comparison.
fn loaded(text: &str) -> String {
    let config = veille::config::load_str(text, Path::new("/srv/veille/feeds.toml"))
        .unwrap_or_else(|error| panic!("{text}\n{error}"));
    format!("{config:?}")
}

/// The value a default cell states, when it is one TOML value in
/// backquotes (optionally followed by a remark in parentheses), else
/// `None`: defaults such as "the id" are described, not written.
fn stated_value(default: &str) -> Option<String> {
    let inner = default.strip_prefix('`')?;
    let (value, rest) = inner.split_once('`')?;
    if !(rest.is_empty() || rest.starts_with(" (") && rest.ends_with(')')) {
        return None;
    }
    let value = value.replace("<version>", env!("CARGO_PKG_VERSION"));
    toml::from_str::<toml::Table>(&format!("value = {value}"))
        .ok()
        .map(|_| value)
}

#[test]
fn writing_a_documented_default_changes_nothing() {
    let root = project_root();
    let defaults_source = std::fs::read_to_string(root.join("src/config/mod.rs")).unwrap();
    let feed_defaults = fields(&defaults_source, "FeedDefaults");
    let mut checked = Vec::new();
    for section in SECTIONS {
        let source = std::fs::read_to_string(root.join(section.file)).unwrap();
        for field in fields(&source, section.strukt) {
            let (mut default, _) = default_and_meaning(&field, section.strukt);
            // "`[defaults] schedule`": the default is that key's default.
            if let Some(key) = default
                .strip_prefix("`[defaults] ")
                .and_then(|rest| rest.strip_suffix('`'))
            {
                let inherited = feed_defaults
                    .iter()
                    .find(|field| field.key == key)
                    .unwrap_or_else(|| panic!("no [defaults] {key}"));
                default = default_and_meaning(inherited, "FeedDefaults").0;
            }
            let Some(value) = stated_value(&default) else {
                continue;
            };
            let context = KEY_CONTEXTS
                .iter()
                .find(|(heading, key, _)| *heading == section.heading && *key == field.key)
                .map_or(section.context, |(_, _, context)| context);
            let written = format!("{context}{} = {value}\n", field.key);
            assert_eq!(
                loaded(context),
                loaded(&written),
                "{} {}: the documented default {value} is not what leaving the key out gives",
                section.heading,
                field.key
            );
            checked.push(format!("{} {}", section.heading, field.key));
        }
    }
    // The check is only worth something if it reached the literal defaults:
    // durations, numbers, flags, lists and inherited ones.
    for expected in [
        "[storage] commit_interval",
        "[fetch] user_agent",
        "[fetch] max_body_bytes",
        "[fetch] respect_robots",
        "[fetch] allow_private",
        "[smtp] tls",
        "[[alert]] min_matches",
        "health feeds",
        "[[feed]] schedule",
        "[[feed]] min_age",
        "listing max_pages",
    ] {
        assert!(
            checked.iter().any(|key| key == expected),
            "{expected} unchecked: {checked:?}"
        );
    }
}

#[test]
fn a_section_left_out_is_the_section_written_empty() {
    // The `Default` impls used for absent sections agree with the serde
    // defaults used for the keys of a written one.
    let empty_sections = "[storage]\n[server]\n[fetch]\n[enrich]\n[defaults]\n[alerts]\n";
    assert_eq!(loaded(""), loaded(empty_sections));
}
