//! A broken config names every broken line.

use veille::store::{FeedAttempt, Store};

use crate::support::{Setup, text};

#[test]
fn three_mistakes_are_all_reported_with_file_and_line() {
    let setup = Setup::new(
        r#"[fetch]
timeout = "30s"
concurency = 4

[[feed]]
id = "studio-tamani"
url = "https://www.studiotamani.org/feed/"
schedule = "61 7 * * *"

[[feed]]
id = "journal-du-mali"
url = "https://www.journaldumali.com/feed/"
timezone = "Africa/Bamakoo"
"#,
    );
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    let file = setup.config_path.display().to_string();
    for (line, key) in [(3, "concurency"), (8, "schedule"), (13, "timezone")] {
        let expected = format!("{file}:{line}:");
        let found = stderr.lines().find(|l| l.contains(&expected));
        let found = found.unwrap_or_else(|| panic!("no error at line {line} in:\n{stderr}"));
        assert!(
            found.contains(key),
            "line {line} should name `{key}`: {found}"
        );
    }
    assert!(stderr.contains("3 errors in"), "{stderr}");
}

#[test]
fn check_lists_feeds_with_their_next_run() {
    let setup = Setup::new(
        r#"[[feed]]
id = "rfi-afrique"
url = "https://www.rfi.fr/fr/afrique/rss"
schedule = "CRON_TZ=Africa/Dakar 0 7 * * *"

[[feed]]
id = "sample"
url = "file:samples/x.xml"
schedule = "every 15m"
enabled = false
"#,
    );
    let output = setup.veille(&["check"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    let rfi = stdout.lines().find(|l| l.contains("rfi-afrique")).unwrap();
    assert!(rfi.contains("on start (never fetched)"), "{rfi}");
    let sample = stdout.lines().find(|l| l.contains("sample")).unwrap();
    assert!(sample.contains("disabled"), "{sample}");
    let resolved = format!("file://{}/samples/x.xml", setup.dir.path().display());
    assert!(sample.contains(&resolved), "{sample}");

    // Once fetched, the next run follows the schedule in its time zone.
    let store = Store::open(&setup.dir.path().join("index")).unwrap();
    let attempt = FeedAttempt {
        at: chrono::Utc::now(),
        ..FeedAttempt::default()
    };
    store.record_attempt("rfi-afrique", &attempt).unwrap();
    let stdout = text(&setup.veille(&["check"]).stdout);
    let rfi = stdout.lines().find(|l| l.contains("rfi-afrique")).unwrap();
    assert!(rfi.contains("07:00 GMT (07:00 UTC)"), "{rfi}");
}
