//! `veille tag`: language and entities of a text, as a document would get.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use veille::enrich::{Explained, Gazetteer, Tagger, detect_language};

#[derive(clap::Args)]
pub(crate) struct TagArgs {
    /// The text file to tag; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Gazetteer file (repeatable). Default: the config's `[enrich] gazetteer`.
    #[arg(long, value_name = "PATH")]
    gazetteer: Vec<PathBuf>,
    /// Language to fall back on when detection is unsure (ISO 639-1).
    #[arg(long, value_name = "LANG")]
    hint: Option<String>,
    /// Print JSON instead of text. Mentions of ambiguous spellings carry the
    /// evidence that tagged them (`"evidence": "cue:région de"`).
    #[arg(long)]
    json: bool,
    /// Also list the spellings found but not tagged, with the rule that
    /// refused each (`"rejected": "first-name"`).
    #[arg(long)]
    explain: bool,
}

pub(crate) fn tag(config_path: &Path, args: TagArgs) -> anyhow::Result<ExitCode> {
    let gazetteer = if args.gazetteer.is_empty() {
        let config = super::load_config(config_path)
            .context("no --gazetteer given, and the config naming one could not be read")?;
        Gazetteer::for_config(&config)?
    } else {
        Gazetteer::load(&args.gazetteer)?
    };
    let tagger = Tagger::new(gazetteer)?;
    let text = match args.file.as_deref() {
        None => read_stdin()?,
        Some(path) if path == Path::new("-") => read_stdin()?,
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    };
    let language = detect_language(&text, args.hint.as_deref());
    let Explained { entities, rejected } = tagger.explain(&text);
    if args.json {
        let mut output = serde_json::json!({
            "lang": language.code,
            "confidence": (language.confidence * 1000.0).round() / 1000.0,
            "decided_by": language.source,
            "entities": entities,
        });
        if args.explain {
            output["rejected"] = serde_json::to_value(&rejected)?;
        }
        println!("{}", serde_json::to_string_pretty(&output)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "language  {} (confidence {:.2}, decided by {})",
        language.code.as_deref().unwrap_or("unknown"),
        language.confidence,
        language.source.as_str()
    );
    if entities.is_empty() {
        println!("entities  none");
    }
    let width = entities.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for entity in &entities {
        let mentions: Vec<String> = entity
            .mentions
            .iter()
            .map(|m| match &m.evidence {
                Some(evidence) => format!("{:?}@{}..{} ({evidence})", m.text, m.start, m.end),
                None => format!("{:?}@{}..{}", m.text, m.start, m.end),
            })
            .collect();
        println!(
            "  {:width$}  {:14}  {}",
            entity.id,
            entity.kind.as_str(),
            mentions.join(", ")
        );
    }
    if args.explain {
        if rejected.is_empty() {
            println!("rejected  none");
        }
        for rejection in &rejected {
            println!(
                "  rejected {:width$}  {:?}@{}..{}  {}",
                rejection.id, rejection.text, rejection.start, rejection.end, rejection.rejected
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read standard input")?;
    Ok(text)
}
