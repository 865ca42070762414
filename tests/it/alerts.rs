//! Alert rules end to end: real feeds on loopback, a real SMTP server, a
//! webhook receiver, the daemon killed mid-delivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::support::daemon::{Daemon, wait_until};
use crate::support::smtp::{SmtpServer, free_port};
use crate::support::{FAST_FETCH, Reply, Setup, TestServer, long_text, rss, text};

const BLOCKADE_NIORO: &str = "Fuel blockade tightens on Nioro du Sahel";
const BLOCKADE_DIBOLI: &str = "Tankers stuck at Diboli as the blockade holds";
const HARVEST: &str = "Millet harvest is good around Kita";
const TANKER_FIRE: &str = "Blockade: three tankers burnt on the RN1";
const MILLET_PRICES: &str = "Millet prices double at the Nioro market";

/// A feed of `items` (titles), each with a text about its title, served at
/// `/feed.xml`; `/hook` accepts webhook calls. The items can be changed
/// while the server runs.
fn feed_server(items: &[&str]) -> (TestServer, Arc<Mutex<Vec<String>>>) {
    let titles = Arc::new(Mutex::new(
        items
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>(),
    ));
    let served = titles.clone();
    let server = TestServer::start(move |request| match request.path.as_str() {
        "/feed.xml" => {
            let titles = served.lock().unwrap().clone();
            let entries: Vec<(String, String, String, String)> = titles
                .iter()
                .enumerate()
                .map(|(i, title)| {
                    (
                        format!("item-{i}"),
                        title.clone(),
                        format!("https://news.example/{i}"),
                        long_text(title),
                    )
                })
                .collect();
            let borrowed: Vec<(&str, &str, &str, &str)> = entries
                .iter()
                .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
                .collect();
            Reply::ok("application/rss+xml", rss("Test news", &borrowed))
        }
        "/hook" => Reply::status(204),
        _ => Reply::status(404),
    });
    (server, titles)
}

/// A config with one feed from `server` and `extra` (sections, rules).
fn setup_with(server: &TestServer, extra: &str) -> Setup {
    let text = format!(
        "{FAST_FETCH}\n[storage]\ncommit_interval = \"200ms\"\n[alerts]\nretry_initial = \"300ms\"\nretry_max = \"1s\"\n{extra}\n\n[[feed]]\nid = \"test-news\"\nname = \"Test News\"\nurl = \"{}\"\nlanguage = \"en\"\n",
        server.url("/feed.xml")
    );
    Setup::new(&text)
}

fn smtp_section(port: u16) -> String {
    format!("[smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout = \"5s\"\n")
}

/// Immediate, but waiting for both matching stories, which are stored in
/// separate transactions and could otherwise fall into two digests.
const EMAIL_RULE: &str = "[[alert]]\nid = \"blockade\"\nname = \"Blockade watch\"\nquery = \"blockade\"\nmode = \"immediate\"\nmin_matches = 2\nemail = [\"desk@example.org\"]\n";

fn rule_state(daemon: &Daemon) -> serde_json::Value {
    daemon.json("/api/alerts", 200)["rules"][0].clone()
}

#[test]
fn an_email_digest_arrives_multipart_with_the_matches_and_nothing_else() {
    let smtp = SmtpServer::start();
    let (server, _) = feed_server(&[BLOCKADE_NIORO, HARVEST, BLOCKADE_DIBOLI]);
    let gazetteer = crate::support::project_root().join("entities.toml");
    let extra = format!(
        "[enrich]\ngazetteer = [{:?}]\n{}\n{EMAIL_RULE}",
        gazetteer.display().to_string(),
        smtp_section(smtp.port)
    );
    let setup = setup_with(&server, &extra);
    let daemon = Daemon::start(&setup);

    let mails = smtp.wait_for(1, Duration::from_secs(40));
    assert_eq!(mails.len(), 1, "log:\n{}", daemon.log());
    let mail = &mails[0];
    assert_eq!(mail.content_type, "multipart/alternative");
    assert_eq!(mail.rcpt_tos, vec!["desk@example.org".to_owned()]);
    assert!(mail.subject.contains("Blockade watch"), "{}", mail.subject);
    assert!(mail.subject.contains("2 new items"), "{}", mail.subject);
    assert!(
        mail.message_id.contains("veille-digest-"),
        "{}",
        mail.message_id
    );
    for part in [&mail.text, &mail.html] {
        assert!(part.contains(BLOCKADE_NIORO), "{part}");
        assert!(part.contains(BLOCKADE_DIBOLI), "{part}");
        assert!(!part.contains(HARVEST), "{part}");
        assert!(part.contains("Test News"), "{part}");
    }
    assert!(mail.html.contains("<mark>"), "{}", mail.html);
    // Entity chips from the gazetteer.
    assert!(mail.text.contains("Entities: Diboli"), "{}", mail.text);
    assert!(
        mail.html.contains(">Nioro du Sahel</span>"),
        "{}",
        mail.html
    );

    // The API tells what happened.
    assert!(wait_until(
        Duration::from_secs(5),
        || rule_state(&daemon)["delivered"] == 2
    ));
    let state = rule_state(&daemon);
    assert_eq!(state["id"], "blockade");
    assert_eq!(state["pending"], 0);
    assert_eq!(state["undelivered_digests"], 0);
    assert_eq!(state["targets"], serde_json::json!(["email"]));
    let matches = daemon.json("/api/alerts/blockade/matches", 200);
    assert_eq!(matches["total"], 2);
    for entry in matches["matches"].as_array().unwrap() {
        assert_eq!(entry["terms"], serde_json::json!(["blockade"]));
        assert!(entry["delivered"].is_string(), "{entry}");
        assert!(entry["title"].as_str().unwrap().contains("lockade"));
    }
    assert_eq!(
        daemon.json("/api/alerts/nope/matches", 404)["error"],
        "no alert rule \"nope\""
    );
    assert!(daemon.stop().success());
    assert_eq!(smtp.messages().len(), 1);
}

#[test]
fn a_scheduled_webhook_digest_is_signed() {
    let (server, _) = feed_server(&[BLOCKADE_NIORO, HARVEST]);
    let hook = server.url("/hook");
    let setup = setup_with(
        &server,
        &format!(
            "[[alert]]\nid = \"hooked\"\nquery = \"blockade\"\nschedule = \"*/10 * * * * *\"\nwebhook = \"{hook}\"\nwebhook_secret_file = \"hook-secret\"\n"
        ),
    );
    std::fs::write(setup.dir.path().join("hook-secret"), "s3cret\n").unwrap();
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(40), || !server
            .requests_for("/hook")
            .is_empty()),
        "no webhook call; log:\n{}",
        daemon.log()
    );
    let call = server.requests_for("/hook").remove(0);
    assert_eq!(call.header("content-type"), Some("application/json"));
    assert!(
        call.header("idempotency-key")
            .unwrap()
            .starts_with("veille-digest-")
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(&call.body);
    let expected = veille::sources::text::hex(&mac.finalize().into_bytes());
    assert_eq!(
        call.header("x-veille-signature"),
        Some(format!("sha256={expected}").as_str())
    );
    let body: serde_json::Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(body["digest"]["rule"]["id"], "hooked");
    let items = body["digest"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["title"], BLOCKADE_NIORO);
    assert_eq!(items[0]["source"]["name"], "Test News");
    assert!(
        items[0]["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
    assert!(daemon.stop().success());
}

#[test]
fn a_digest_waits_out_a_dead_mail_server_and_is_delivered_once() {
    let port = free_port();
    let (server, _) = feed_server(&[BLOCKADE_NIORO, BLOCKADE_DIBOLI]);
    let setup = setup_with(&server, &format!("{}\n{EMAIL_RULE}", smtp_section(port)));
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(40), || {
            rule_state(&daemon)["last_error"].is_string()
        }),
        "no delivery failure reported; log:\n{}",
        daemon.log()
    );
    let state = rule_state(&daemon);
    assert_eq!(state["undelivered_digests"], 1, "{state}");
    assert!(
        state["last_error"].as_str().unwrap().contains("email"),
        "{state}"
    );

    let smtp = SmtpServer::start_on(port, false);
    let mails = smtp.wait_for(1, Duration::from_secs(20));
    assert_eq!(mails.len(), 1, "log:\n{}", daemon.log());
    // Retries come every second at most; a second copy would be here by now.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(smtp.messages().len(), 1);
    let state = rule_state(&daemon);
    assert_eq!(state["undelivered_digests"], 0, "{state}");
    assert!(state["last_error"].is_null(), "{state}");
    assert_eq!(state["delivered"], 2);
    assert!(daemon.stop().success());
}

#[test]
fn a_daemon_killed_mid_delivery_delivers_every_match_once_after_restart() {
    let smtp = SmtpServer::start_on(free_port(), true);
    let (server, _) = feed_server(&[BLOCKADE_NIORO, HARVEST, BLOCKADE_DIBOLI]);
    let setup = setup_with(
        &server,
        &format!("{}\n{EMAIL_RULE}", smtp_section(smtp.port)),
    );
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(40), || smtp.holding()),
        "the digest never reached the mail server; log:\n{}",
        daemon.log()
    );
    daemon.kill_9();
    smtp.release();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        smtp.messages().is_empty(),
        "nothing was accepted before the kill"
    );

    let daemon = Daemon::start(&setup);
    let mails = smtp.wait_for(1, Duration::from_secs(40));
    assert_eq!(mails.len(), 1, "log:\n{}", daemon.log());
    std::thread::sleep(Duration::from_secs(3));
    let mails = smtp.messages();
    assert_eq!(mails.len(), 1);
    // Each story is one numbered item, once.
    for title in [BLOCKADE_NIORO, BLOCKADE_DIBOLI] {
        let items = mails[0]
            .text
            .lines()
            .filter(|line| line.split_once(". ").is_some_and(|(_, rest)| rest == title))
            .count();
        assert_eq!(items, 1, "{}", mails[0].text);
    }
    assert!(!mails[0].text.contains(HARVEST));
    let state = rule_state(&daemon);
    assert_eq!(state["delivered"], 2, "{state}");
    assert_eq!(state["pending"], 0, "{state}");
    assert!(daemon.stop().success());
}

fn outbox_files(setup: &Setup) -> Vec<String> {
    let dir = setup.dir.path().join("index/outbox");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

#[test]
fn the_cli_previews_and_delivers_and_an_edited_rule_does_not_resend() {
    let (server, titles) = feed_server(&[BLOCKADE_NIORO, HARVEST]);
    let rule = |query: &str| {
        format!("[[alert]]\nid = \"blockade\"\nquery = \"{query}\"\nschedule = \"0 7 * * *\"\n")
    };
    let setup = setup_with(&server, &rule("blockade"));
    let fetch = setup.veille(&["fetch"]);
    assert!(fetch.status.success(), "{}", text(&fetch.stderr));

    let preview = setup.veille(&["digest", "--rule", "blockade", "--dry-run"]);
    assert!(preview.status.success(), "{}", text(&preview.stderr));
    let preview = text(&preview.stdout);
    assert!(
        preview.starts_with("Subject: [veille] blockade: 1 new item"),
        "{preview}"
    );
    assert!(
        preview.contains(BLOCKADE_NIORO) && !preview.contains(HARVEST),
        "{preview}"
    );
    assert!(
        outbox_files(&setup).is_empty(),
        "a dry run delivers nothing"
    );

    let sent = setup.veille(&["digest", "--rule", "blockade", "--now"]);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(text(&sent.stdout).contains("delivered to outbox"));
    let files = outbox_files(&setup);
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("Content-Type: multipart/alternative"));
    assert!(
        files[0].contains("Fuel blockade tightens on Nioro"),
        "{}",
        files[0]
    );

    // Edit the rule so that it also matches an old story (the harvest); the
    // feed brings a new story only the edited rule matches.
    let edited = std::fs::read_to_string(&setup.config_path)
        .unwrap()
        .replace("query = \"blockade\"", "query = \"blockade OR millet\"");
    std::fs::write(&setup.config_path, edited).unwrap();
    titles.lock().unwrap().push(MILLET_PRICES.to_owned());
    assert!(setup.veille(&["fetch"]).status.success());
    let sent = setup.veille(&["digest", "--rule", "blockade", "--now"]);
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let files = outbox_files(&setup);
    assert_eq!(files.len(), 2);
    assert!(files[1].contains("Millet prices double"), "{}", files[1]);
    assert!(
        !files[1].contains("Fuel blockade tightens"),
        "resent: {}",
        files[1]
    );
    assert!(
        !files[1].contains("Millet harvest"),
        "old story sent: {}",
        files[1]
    );

    let again = setup.veille(&["digest", "--rule", "blockade", "--now"]);
    assert!(again.status.success());
    assert!(text(&again.stderr).contains("nothing waiting"));
    assert_eq!(outbox_files(&setup).len(), 2);

    let listed = text(&setup.veille(&["alerts", "list"]).stdout);
    let row = listed
        .lines()
        .find(|line| line.starts_with("blockade"))
        .unwrap();
    let columns: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    // ID, MODE, SCHEDULE, WAITING, DELIVERED, LAST RUN, LAST ERROR
    assert_eq!(
        columns[..5],
        ["blockade", "digest", "0 7 * * * (UTC)", "0", "2"],
        "{listed}"
    );
}

#[test]
fn a_backtest_shows_what_a_new_rule_would_have_caught() {
    let (server, _) = feed_server(&[BLOCKADE_NIORO, HARVEST, TANKER_FIRE]);
    let setup = setup_with(&server, "");
    assert!(setup.veille(&["fetch"]).status.success());
    let mut config = std::fs::read_to_string(&setup.config_path).unwrap();
    config.push_str("\n[[alert]]\nid = \"tankers\"\nterms = { tankers = 2, rn1 = 2, millet = -5 }\nthreshold = 3\n");
    std::fs::write(&setup.config_path, config).unwrap();

    let output = setup.veille(&["alerts", "backtest", "tankers", "--since", "7d"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains(TANKER_FIRE), "{stdout}");
    assert!(
        !stdout.contains(BLOCKADE_NIORO) && !stdout.contains(HARVEST),
        "{stdout}"
    );
    assert!(
        stdout.contains("[tankers, rn1]") || stdout.contains("[rn1, tankers]"),
        "{stdout}"
    );
    assert!(
        text(&output.stderr).contains("1 of 3 documents"),
        "{}",
        text(&output.stderr)
    );

    let unknown = setup.veille(&["alerts", "backtest", "nope"]);
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("rules: tankers"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn invalid_rules_are_rejected_at_check_with_the_rule_and_the_reason() {
    let setup = Setup::new(
        "[[feed]]\nid = \"a\"\nurl = \"https://a.example/rss\"\n\n[[alert]]\nid = \"bad-entity\"\nquery = \"blocus AND entity:atlantis\"\n\n[[alert]]\nid = \"bad-syntax\"\nquery = \"(blocus OR carburant\"\n\n[[alert]]\nid = \"bad-source\"\nquery = \"blocus\"\nsources = [\"nowhere\"]\n\n[[alert]]\nid = \"bad-date\"\nquery = \"blocus since:7d\"\n",
    );
    let output = setup.veille(&["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    // The source is checked with the config; queries against the gazetteer.
    assert!(stderr.contains("feeds.toml:16:"), "{stderr}");
    assert!(stderr.contains("unknown feed \"nowhere\""), "{stderr}");
    let fixed = std::fs::read_to_string(&setup.config_path)
        .unwrap()
        .replace("sources = [\"nowhere\"]", "sources = [\"a\"]");
    std::fs::write(&setup.config_path, fixed).unwrap();
    let stderr = text(&setup.veille(&["check"]).stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let entity = lines
        .iter()
        .find(|line| line.contains("bad-entity"))
        .expect(&stderr);
    assert!(entity.contains("feeds.toml:7:"), "{entity}");
    assert!(
        entity.contains("query") && entity.contains("atlantis"),
        "{entity}"
    );
    let syntax = lines
        .iter()
        .find(|line| line.contains("bad-syntax"))
        .expect(&stderr);
    assert!(syntax.contains("feeds.toml:11:"), "{syntax}");
    assert!(syntax.contains("column"), "{syntax}");
    let date = lines
        .iter()
        .find(|line| line.contains("bad-date"))
        .expect(&stderr);
    assert!(
        date.contains("feeds.toml:20:") && date.contains("relative dates"),
        "{date}"
    );
}

#[test]
fn a_source_health_rule_reports_a_feed_that_keeps_failing() {
    let dead = TestServer::start(|_| Reply::status(503));
    let text = format!(
        "{FAST_FETCH}retries = 0\n[storage]\ncommit_interval = \"200ms\"\n\n[[feed]]\nid = \"dead-feed\"\nurl = \"{}\"\nschedule = \"every 10s\"\n\n[[alert]]\nid = \"dark\"\nhealth = {{ failing_for = \"1s\" }}\n",
        dead.url("/rss")
    );
    let setup = Setup::new(&text);
    let daemon = Daemon::start(&setup);
    assert!(
        wait_until(Duration::from_secs(40), || !outbox_files(&setup).is_empty()),
        "no health digest; log:\n{}",
        daemon.log()
    );
    let digest = &outbox_files(&setup)[0];
    assert!(digest.contains("dead-feed"), "{digest}");
    assert!(digest.contains("failing since"), "{digest}");
    assert!(digest.contains("1 source problem"), "{digest}");
    assert!(daemon.stop().success());
}
