//! A real SMTP server (Python's aiosmtpd) on loopback, one per test.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A message as the server's email parser read it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub rcpt_tos: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
    hold: PathBuf,
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port(), false)
    }

    /// Starts the server on `port`; with `held`, it holds clients at RCPT
    /// TO until [`SmtpServer::release`].
    pub fn start_on(port: u16, held: bool) -> SmtpServer {
        let maildir = tempfile::tempdir().expect("maildir");
        let hold = maildir.path().join("hold");
        if held {
            std::fs::write(&hold, "").expect("hold file");
        }
        let script = super::project_root().join("tests/it/support/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--maildir")
            .arg(maildir.path())
            .arg("--hold")
            .arg(&hold)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (the README's test command installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server output");
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        SmtpServer {
            child,
            port,
            maildir,
            hold,
        }
    }

    /// Whether a client is being held at RCPT TO.
    pub fn holding(&self) -> bool {
        self.hold.with_extension("held").exists()
    }

    pub fn release(&self) {
        let _ = std::fs::remove_file(&self.hold);
    }

    /// Messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.maildir.path())
            .expect("maildir")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| {
                serde_json::from_str(&std::fs::read_to_string(path).expect("mail"))
                    .expect("mail JSON")
            })
            .collect()
    }

    /// Waits up to `timeout` for at least `count` messages.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count || start.elapsed() > timeout {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
