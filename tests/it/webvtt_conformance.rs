//! Conformance of the WebVTT cue parser against the vtt.js test suite.
//!
//! vtt.js is what many web players used before browsers shipped WebVTT, and
//! its fixtures cover the malformed files real encoders produce. Each
//! manifest entry pairs an input with the cues vtt.js yields; the cue list
//! (count, id, times, raw text) is compared, the rest (settings, regions)
//! is layout this crate deliberately ignores. Every entry must agree:
//! where vtt.js and the current W3C text differ, the parser follows vtt.js.

use std::path::{Path, PathBuf};

use serde_json::Value;
use veille::sources::transcript::vtt::{Cue, parse_cues};

use crate::support::shared_data;

fn corpus() -> PathBuf {
    shared_data().join("webvtt-vttjs")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Describes how our cues differ from vtt.js's, or `None` when they agree.
fn disagreement(ours: &[Cue], expected: &[Value]) -> Option<String> {
    if ours.len() != expected.len() {
        let ours: Vec<_> = ours.iter().map(|c| (c.start, c.end, &c.text)).collect();
        return Some(format!(
            "{} cues instead of {}: {ours:?}",
            ours.len(),
            expected.len()
        ));
    }
    for (index, (cue, want)) in ours.iter().zip(expected).enumerate() {
        let start = want["startTime"].as_f64();
        let end = want["endTime"].as_f64();
        let text = want["text"].as_str();
        let id = want["id"].as_str();
        let same = start.is_some_and(|s| (s - cue.start).abs() < 1e-6)
            && end.is_some_and(|e| (e - cue.end).abs() < 1e-6)
            && text == Some(cue.text.as_str())
            && id == Some(cue.id.as_str());
        if !same {
            return Some(format!(
                "cue {index}: got ({:?}, {}, {}, {:?}), expected ({id:?}, {start:?}, {end:?}, {text:?})",
                cue.id, cue.start, cue.end, cue.text
            ));
        }
    }
    None
}

#[test]
fn agrees_with_vttjs_on_cues() {
    let root = corpus();
    let Value::Array(entries) = read_json(&root.join("manifest.json")) else {
        panic!("manifest.json is not an array");
    };
    let mut compared = 0;
    let mut with_cues = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for entry in &entries {
        let input = entry["input"].as_str().expect("entry without input");
        let expected_path = entry["expected"].as_str().expect("entry without expected");
        let expected = read_json(&root.join(expected_path));
        // Every fixture describes the parser's cue list; one that did not
        // (a processed DOM tree, say) would have nothing to compare.
        let Some(cues) = expected["cues"].as_array() else {
            skipped.push(format!("{input}: expectation has no cue list"));
            continue;
        };
        let keyed = cues.iter().all(|cue| {
            ["id", "startTime", "endTime", "text"]
                .iter()
                .all(|key| cue.get(key).is_some())
        });
        if !keyed {
            skipped.push(format!("{input}: expected cues lack id/times/text"));
            continue;
        }
        let bytes = std::fs::read(root.join(input)).expect("unreadable input");
        let text = String::from_utf8_lossy(&bytes);
        // A file vtt.js rejects outright yields no cues, as does ours.
        let ours = parse_cues(&text).unwrap_or_default();
        compared += 1;
        with_cues += usize::from(!cues.is_empty());
        if let Some(problem) = disagreement(&ours, cues) {
            failures.push(format!("{input} ({expected_path}): {problem}"));
        }
    }
    eprintln!(
        "vtt.js conformance: {compared} entries compared ({with_cues} expecting cues), {} agree, {} disagreements, {} skipped",
        compared - failures.len(),
        failures.len(),
        skipped.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagreements with vtt.js:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(skipped.len() <= 5, "too many skipped: {skipped:#?}");
    assert!(compared >= 230, "only {compared} entries compared");
}
