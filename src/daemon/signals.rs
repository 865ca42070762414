//! The signals an operator (or systemd) sends `veille run`.

use tokio::signal::unix::{Signal as Stream, SignalKind, signal};

/// What a received signal asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM or SIGINT: stop cleanly.
    Stop(&'static str),
    /// SIGHUP: read the configuration again.
    Reload,
}

/// The handlers for SIGINT, SIGTERM and SIGHUP; signals received are
/// queued until [`Signals::next`] reads them.
pub struct Signals {
    interrupt: Stream,
    terminate: Stream,
    hangup: Stream,
}

impl Signals {
    /// Installs the handlers. Do it before anything else starts, so that a
    /// signal sent during start-up is not lost (or, for SIGHUP, fatal: its
    /// default action ends the process).
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal received.
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Stop("SIGINT"),
            _ = self.terminate.recv() => Signal::Stop("SIGTERM"),
            _ = self.hangup.recv() => Signal::Reload,
        }
    }
}
