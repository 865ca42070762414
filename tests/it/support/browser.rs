//! Headless Chromium for tests that must see a page as a reader's browser
//! does: scripts run under the page's Content-Security-Policy, escaped text
//! stays text, links and forms really navigate, and a screenshot shows what a
//! person would see.
//!
//! The browser is Debian's `chromium`, driven through its `chromedriver` with
//! the `fantoccini` WebDriver client, so the protocol is the field's code, not
//! ours. The tests are plain `#[test]` functions, so every call here blocks on
//! a small current-thread runtime that the `Browser` owns; do not use it from
//! inside an async runtime.
//!
//! Every call is bounded in time and every failure panics with what was being
//! done or waited for, because a hung or silent browser is the usual way such
//! tests go wrong. Chromium only ever reaches loopback: everything else is
//! sent to a dead proxy.

// A toolbox: each test uses the few calls it needs, and CI's clippy denies
// warnings.
#![allow(dead_code)]

use std::fmt::Display;
use std::future::Future;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element as WdElement;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Debian's launcher script: it `exec`s the real binary, so the process
/// chromedriver watches is Chromium itself.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What every wait and command gets unless told otherwise: long enough for a
/// loaded two-core CI machine, short enough that a hang fails the test fast.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Starting Chromium cold (fresh profile, fonts, first renderer) on a busy
/// two-core machine has been seen to take seconds; it gets more room than a
/// page command.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The window every session gets, so screenshots compare across runs.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 900;

/// A full-page screenshot taller than this is cut: a runaway page should not
/// make a gigabyte bitmap.
const MAX_SCREENSHOT_HEIGHT: u32 = 16_384;

/// One headless Chromium session. Dropping it ends the session and kills
/// chromedriver and every Chromium process it started.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    /// Chromium's profile and chromedriver's log; removed after the processes
    /// are gone so nothing writes into a deleted directory.
    dir: tempfile::TempDir,
    timeout: Duration,
}

/// An element found by a CSS selector; the selector is kept for messages.
pub struct Element<'b> {
    browser: &'b Browser,
    inner: WdElement,
    css: String,
}

impl Browser {
    /// Starts a session whose `Accept-Language` is `lang` (`"fr"`,
    /// `"fr-FR"`, `"ar,fr"`): the languages a reader's browser would send,
    /// first one preferred.
    pub fn start(lang: &str) -> Browser {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).exists(),
                "browser: {binary} is missing; install it with \
                 `apt-get install -y chromium chromium-driver`"
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("browser: a tokio runtime");
        let dir = tempfile::Builder::new()
            .prefix("veille-chromium-")
            .tempdir()
            .expect("browser: a temporary profile directory");
        let log = dir.path().join("chromedriver.log");
        let (driver, port) = spawn_driver(&log);
        let mut browser = Browser {
            rt,
            client: None,
            driver,
            dir,
            timeout: TIMEOUT,
        };
        let caps = capabilities(lang, &browser.dir.path().join("profile"));
        let url = format!("http://127.0.0.1:{port}");
        let connect = async {
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&url)
                .await
        };
        match browser
            .rt
            .block_on(async { tokio::time::timeout(START_TIMEOUT, connect).await })
        {
            Ok(Ok(client)) => browser.client = Some(client),
            Ok(Err(error)) => panic!(
                "browser: starting Chromium through chromedriver: {error}\n{}",
                browser.driver_log()
            ),
            Err(_) => panic!(
                "browser: Chromium did not start within {START_TIMEOUT:?}\n{}",
                browser.driver_log()
            ),
        }
        browser.size_viewport();
        browser
    }

    /// `--window-size` sizes the window, and headless Chromium still keeps
    /// room in it for the toolbars it does not draw (1280x900 leaves a
    /// 1280x757 page); the window is grown by that much so pages lay out at
    /// exactly WIDTH x HEIGHT.
    fn size_viewport(&self) {
        let frame = self.eval(
            "return [window.outerWidth - window.innerWidth, \
                     window.outerHeight - window.innerHeight];",
        );
        let extra = |i: usize| frame[i].as_u64().unwrap_or(0) as u32;
        self.run(
            "sizing the window",
            self.client()
                .set_window_size(WIDTH + extra(0), HEIGHT + extra(1)),
        );
    }

    /// Changes the bound on every later wait and command.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Loads `url` and waits for its `load` event.
    pub fn goto(&self, url: &str) {
        self.run(format!("loading {url}"), self.client().goto(url));
    }

    pub fn url(&self) -> String {
        self.run("reading the page's URL", self.client().current_url())
            .to_string()
    }

    pub fn title(&self) -> String {
        self.run("reading the page's title", self.client().title())
    }

    /// The first element matching `css`, which must be there now: pages here
    /// are server-rendered, so after `goto` or a navigation it is there or it
    /// never will be. Use [`Browser::wait_for`] for what scripts add later.
    pub fn find(&self, css: &str) -> Element<'_> {
        let found = self.try_run(
            format!("finding `{css}`"),
            self.client().find(Locator::Css(css)),
        );
        match found {
            Ok(inner) => self.element(inner, css),
            Err(error) => panic!("browser: no element `{css}` on {}: {error}", self.here()),
        }
    }

    /// Every element matching `css`, perhaps none.
    pub fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        self.run(
            format!("finding all `{css}`"),
            self.client().find_all(Locator::Css(css)),
        )
        .into_iter()
        .map(|inner| self.element(inner, css))
        .collect()
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element<'_> {
        let wait = self
            .client()
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css));
        // The outer bound only catches a driver that stops answering; the
        // wait's own timeout is the one that should report.
        let limit = timeout + Duration::from_secs(5);
        match self.try_run_for(format!("waiting for `{css}`"), limit, wait) {
            Ok(inner) => self.element(inner, css),
            Err(error) => panic!(
                "browser: waited {timeout:?} for `{css}` on {}: {error}",
                self.here()
            ),
        }
    }

    /// Runs `js` as a function body in the page and returns what it returns,
    /// as JSON: write `return ...`. WebDriver runs it outside the page's CSP,
    /// so it can inspect a page whose own inline scripts are blocked.
    pub fn eval(&self, js: &str) -> Value {
        self.run(format!("running `{js}`"), self.client().execute(js, vec![]))
    }

    /// Waits up to `timeout` for `js` (a function body) to return something
    /// truthy. Errors while the page is being replaced count as "not yet".
    pub fn wait_until(&self, js: &str, timeout: Duration) {
        self.wait_until_for(&format!("`{js}` to hold"), js, timeout);
    }

    fn wait_until_for(&self, what: &str, js: &str, timeout: Duration) {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < timeout {
            let remaining = timeout.saturating_sub(started.elapsed());
            match self.try_run_for(
                format!("running `{js}`"),
                remaining.max(Duration::from_millis(100)),
                self.client().execute(js, vec![]),
            ) {
                Ok(value) if truthy(&value) => return,
                Ok(value) => last = format!("it returned {value}"),
                Err(error) => last = format!("it failed: {error}"),
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "browser: waited {timeout:?} for {what} on {}; {last}",
            self.here()
        );
    }

    /// Saves a PNG of the whole page (up to a height cap), not just the
    /// window, so a review sees everything the page shows. The viewport is
    /// stretched for the shot and put back, so a page sized in `vh` is drawn
    /// at the stretched height.
    pub fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let size = self.eval(
            "const d = document.documentElement, b = document.body;
             return [window.innerWidth,
                     Math.max(d.scrollHeight, b ? b.scrollHeight : 0, window.innerHeight)];",
        );
        let width = size[0].as_u64().unwrap_or(WIDTH.into()) as u32;
        let height = (size[1].as_u64().unwrap_or(HEIGHT.into()) as u32).min(MAX_SCREENSHOT_HEIGHT);
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        let png = self.try_run("taking a screenshot", self.client().screenshot());
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
        let png = png.unwrap_or_else(|error| {
            panic!("browser: taking a screenshot of {}: {error}", self.here())
        });
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|error| panic!("browser: creating {}: {error}", parent.display()));
        }
        std::fs::write(path, png)
            .unwrap_or_else(|error| panic!("browser: writing {}: {error}", path.display()));
    }

    /// What the page wrote to the console and the errors it raised, including
    /// CSP refusals, oldest first, each as `LEVEL message`. Reading drains
    /// them: a second call returns only what came after the first.
    pub fn console(&self) -> Vec<String> {
        let entries = self.raw(
            "reading the console",
            http::Method::POST,
            "se/log",
            json!({"type": "browser"}),
        );
        entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        format!(
                            "{} {}",
                            entry["level"].as_str().unwrap_or("?"),
                            entry["message"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver, for what
    /// WebDriver has no word for.
    pub fn cdp(&self, command: &str, params: Value) -> Value {
        self.raw(
            &format!("DevTools {command}"),
            http::Method::POST,
            "goog/cdp/execute",
            json!({"cmd": command, "params": params}),
        )
    }

    /// Runs `action`, which must make the page navigate, then waits for the
    /// new document to finish loading. A marker on the old document tells the
    /// two apart; comparing URLs would not, for a form posted back to its
    /// own URL, and would return before the new page had loaded.
    pub fn expect_navigation<T>(&self, what: &str, action: impl FnOnce() -> T) -> T {
        self.eval("window.__veilleOldDocument = true; return null;");
        let result = action();
        self.wait_until_for(
            &format!("a new page to load after {what}"),
            "return window.__veilleOldDocument === undefined \
             && document.readyState === 'complete';",
            self.timeout,
        );
        result
    }

    fn element(&self, inner: WdElement, css: &str) -> Element<'_> {
        Element {
            browser: self,
            inner,
            css: css.to_owned(),
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("browser: the session is open")
    }

    /// The current URL for a failure message, or why it is unknown; never
    /// panics, since it runs while reporting another failure.
    fn here(&self) -> String {
        match self.try_run_for(
            "reading the URL",
            Duration::from_secs(2),
            self.client().current_url(),
        ) {
            Ok(url) => url.to_string(),
            Err(error) => format!("(an unknown page: {error})"),
        }
    }

    /// Runs a command, panicking with what it was and on which page; the
    /// page is asked for only then, to spare every command a round trip.
    fn run<T, E: Display>(&self, what: impl Display, fut: impl Future<Output = Result<T, E>>) -> T {
        let what = what.to_string();
        self.try_run(&what, fut)
            .unwrap_or_else(|error| panic!("browser: {what} on {}: {error}", self.here()))
    }

    fn try_run<T, E: Display>(
        &self,
        what: impl Display,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        self.try_run_for(what, self.timeout, fut)
    }

    /// The one place that waits on the browser; the bound covers a
    /// chromedriver that stops answering, which WebDriver's own timeouts do
    /// not.
    fn try_run_for<T, E: Display>(
        &self,
        what: impl Display,
        limit: Duration,
        fut: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        match self
            .rt
            .block_on(async { tokio::time::timeout(limit, fut).await })
        {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("{what}: no answer within {limit:?}")),
        }
    }

    fn raw(&self, what: &str, method: http::Method, path: &'static str, body: Value) -> Value {
        self.run(
            what,
            self.client().issue_cmd(Raw {
                method,
                path,
                body: Some(body.to_string()),
            }),
        )
    }

    fn driver_log(&self) -> String {
        let path = self.dir.path().join("chromedriver.log");
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "chromedriver's log ({}) ends:\n{}",
            path.display(),
            tail.join("\n")
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session lets chromedriver close Chromium cleanly; the
        // kills below are for when it cannot, and must not panic during a
        // test's unwinding.
        if let Some(client) = self.client.take() {
            let _ = self.rt.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), client.close()).await
            });
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Chromium's helpers can outlive the group kill if any moved to a
        // group of their own; each names our profile on its command line.
        kill_processes_mentioning(self.dir.path());
    }
}

impl Element<'_> {
    /// The rendered text, as a reader sees it (CSS-hidden text excluded).
    pub fn text(&self) -> String {
        self.browser.run(
            format!("reading the text of `{}`", self.css),
            self.inner.text(),
        )
    }

    /// The attribute's value, `None` when absent.
    pub fn attr(&self, name: &str) -> Option<String> {
        self.browser.run(
            format!("reading `{name}` of `{}`", self.css),
            self.inner.attr(name),
        )
    }

    /// The element's markup, for when text hides what matters (escaping).
    pub fn html(&self) -> String {
        self.browser.run(
            format!("reading the HTML of `{}`", self.css),
            self.inner.html(false),
        )
    }

    /// A real click (scrolled into view, hit-tested), not a synthetic event;
    /// returns without waiting for anything it may start.
    pub fn click(&self) {
        self.browser
            .run(format!("clicking `{}`", self.css), self.inner.click());
    }

    /// Clicks and waits for the page it leads to to load.
    pub fn click_and_wait(&self) {
        self.browser
            .expect_navigation(&format!("clicking `{}`", self.css), || self.click());
    }

    /// Types `text` into the element as key presses.
    pub fn type_text(&self, text: &str) {
        self.browser.run(
            format!("typing into `{}`", self.css),
            self.inner.send_keys(text),
        );
    }

    /// Empties an input before typing, as a reader would select and delete.
    pub fn clear(&self) {
        self.browser
            .run(format!("clearing `{}`", self.css), self.inner.clear());
    }

    /// Submits the form this element is (or is in) as a reader pressing its
    /// submit button would (`requestSubmit`: validation and `submit`
    /// handlers run), and waits for the answer page to load.
    pub fn submit(&self) {
        let what = format!("submitting the form of `{}`", self.css);
        self.browser.expect_navigation(&what, || {
            let script = "const e = arguments[0]; const f = e.form || e.closest('form');
                          if (!f) { throw new Error('not in a form'); }
                          f.requestSubmit(); return null;";
            let arg = serde_json::to_value(&self.inner).expect("an element as JSON");
            self.browser.run(
                what.as_str(),
                self.browser.client().execute(script, vec![arg]),
            );
        });
    }
}

/// A WebDriver command fantoccini has no method for, on the current session.
#[derive(Debug)]
struct Raw {
    method: http::Method,
    path: &'static str,
    body: Option<String>,
}

impl WebDriverCompatibleCommand for Raw {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/{}",
            session.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (self.method.clone(), self.body.clone())
    }
}

/// Spawns chromedriver on a free loopback port and waits until it listens.
/// The port is found by binding port 0 and letting go, so another process
/// can take it in between; chromedriver then exits, and a new port is tried.
fn spawn_driver(log: &Path) -> (Child, u16) {
    let mut last = String::new();
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("browser: a free loopback port")
            .port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Its own process group, so one kill on drop reaches Chromium too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("browser: spawning {CHROMEDRIVER}: {error}"));
        let started = Instant::now();
        while started.elapsed() < TIMEOUT {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return (driver, port);
            }
            if let Ok(Some(status)) = driver.try_wait() {
                last = format!("chromedriver exited ({status}) on port {port}");
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if last.is_empty() {
            last = format!("chromedriver did not listen on port {port} within {TIMEOUT:?}");
        }
        let _ = driver.kill();
        let _ = driver.wait();
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("browser: {last}; its log:\n{log}");
}

/// Chromium's switches and the session's settings. The launcher script adds
/// `--disable-dev-shm-usage` only when it measures /dev/shm as small, and its
/// measurement can fail; containers give /dev/shm 64 MB, where Chromium
/// crashes, so it is always set here.
fn capabilities(lang: &str, profile: &Path) -> serde_json::Map<String, Value> {
    let first = lang.split(',').next().unwrap_or(lang).trim();
    let mut args = vec![
        "--headless".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        format!("--window-size={WIDTH},{HEIGHT}"),
        format!("--user-data-dir={}", profile.display()),
        // The pref below sets Accept-Language; this sets what scripts see
        // (`navigator.language`, `Intl`), so both tell the same story.
        format!("--lang={first}"),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        "--disable-extensions".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--disable-default-apps".to_owned(),
        "--disable-features=Translate,OptimizationHints,MediaRouter".to_owned(),
        // Everything not on loopback goes to a port nothing listens on, and
        // through a proxy Chromium resolves no names itself. The switches
        // above are not enough: Chromium 156 still reaches for
        // clients2.google.com, update.googleapis.com, accounts.google.com,
        // content-autofill.googleapis.com and start.duckduckgo.com within
        // seconds of starting. Loopback addresses are never proxied.
        "--proxy-server=http://127.0.0.1:9".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--force-color-profile=srgb".to_owned(),
    ];
    // Chromium refuses to start as root with its sandbox on; elsewhere the
    // sandbox stays, as a reader's browser has it.
    if running_as_root() {
        args.push("--no-sandbox".to_owned());
    }
    let caps = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": {
            "pageLoad": TIMEOUT.as_millis() as u64,
            "script": TIMEOUT.as_millis() as u64,
            "implicit": 0,
        },
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": {"intl.accept_languages": lang},
        },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// `/proc/self` belongs to the effective user, which spares a libc call.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Kills, by pid, the processes whose command line names `dir`: only ours do.
fn kill_processes_mentioning(dir: &Path) {
    let needle = dir.as_os_str().as_encoded_bytes();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline: PathBuf = entry.path().join("cmdline");
        let Ok(cmdline) = std::fs::read(cmdline) else {
            continue;
        };
        if cmdline.windows(needle.len()).any(|w| w == needle) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}
