//! `veille run` as a child process, with its API address and its log.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use super::{Setup, veille_command};

pub struct Daemon {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub api: String,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts the daemon and waits (up to 60 s) until it listens.
    pub fn start(setup: &Setup) -> Daemon {
        Daemon::start_with_env(setup, &[])
    }

    /// Starts the daemon with extra environment variables.
    pub fn start_with_env(setup: &Setup, env: &[(&str, &str)]) -> Daemon {
        let mut command = run_command(setup);
        command.envs(env.iter().copied());
        let mut child = command.spawn().expect("spawn veille run");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (address_sender, address) = mpsc::channel();
        let kept = log.clone();
        // Drains stderr for the daemon's whole life, so it never blocks on
        // a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("api=") {
                    let address: String = line[at + 4..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = address_sender.send(address);
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        match address.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => Daemon {
                child,
                api: format!("http://{address}"),
                log,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "the daemon did not start listening; it said:\n{}",
                    log.lock().unwrap()
                );
            }
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// GETs `path` from the API: (status, content type, body).
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let (status, headers, body) = self.request(path, &[]);
        let content_type = headers.get("content-type").cloned().unwrap_or_default();
        (status, content_type, body)
    }

    /// GETs `path` with extra request headers: (status, response headers
    /// with lower-case names, body).
    pub fn request(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, std::collections::HashMap<String, String>, String) {
        call("GET", &format!("{}{path}", self.api), headers, None)
    }

    /// GETs `path` and parses the JSON answer, which must have `status`.
    pub fn json(&self, path: &str, status: u16) -> serde_json::Value {
        let (got, _, body) = self.get(path);
        assert_eq!(got, status, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("GET {path}: {error}: {body}"))
    }

    /// Sends a signal by name (`"HUP"`, `"TERM"`) without waiting.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// The daemon's peak resident memory so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the daemon's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits up to 30 s for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!(
            "the daemon did not stop within 30 s; it said:\n{}",
            self.log()
        );
    }
}

/// One HTTP request, redirects not followed (a test sees where it is
/// sent), a form body when given: (status, headers with lower-case names,
/// body).
pub fn call(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    form: Option<&[(&str, &str)]>,
) -> (u16, std::collections::HashMap<String, String>, String) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .unwrap();
            let mut request = client.request(method.parse().unwrap(), url);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if let Some(form) = form {
                let body: String = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish();
                request = request
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body);
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|error| panic!("{method} {url}: {error}"));
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = value.to_str().unwrap_or_default().to_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect();
            (status, headers, response.text().await.unwrap())
        })
}

/// `veille run` on `setup`, its stderr piped (read it, or it may fill).
pub fn spawn_run(setup: &Setup) -> Child {
    run_command(setup).spawn().expect("spawn veille run")
}

fn run_command(setup: &Setup) -> std::process::Command {
    let mut command = veille_command();
    command
        .arg("--config")
        .arg(&setup.config_path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to `limit` for `check` to hold, polling every 100 ms.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    check()
}
