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
        let mut child = spawn_run(setup);
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
        let url = format!("{}{path}", self.api);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .no_proxy()
                    .build()
                    .unwrap();
                let response = client
                    .get(&url)
                    .send()
                    .await
                    .unwrap_or_else(|error| panic!("GET {url}: {error}"));
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                (status, content_type, response.text().await.unwrap())
            })
    }

    /// GETs `path` and parses the JSON answer, which must have `status`.
    pub fn json(&self, path: &str, status: u16) -> serde_json::Value {
        let (got, _, body) = self.get(path);
        assert_eq!(got, status, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("GET {path}: {error}: {body}"))
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

/// `veille run` on `setup`, its stderr piped (read it, or it may fill).
pub fn spawn_run(setup: &Setup) -> Child {
    veille_command()
        .arg("--config")
        .arg(&setup.config_path)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn veille run")
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
