//! Hands a rendered digest to its targets: the outbox folder, a mail
//! server, a webhook.
//!
//! Each target reports success only once the other side accepted the
//! digest (the file renamed into place, the server's 250, a 2xx). Every
//! digest carries a stable identity (its `Message-ID`, the webhook's
//! `Idempotency-Key`, the outbox file name), so if veille dies between the
//! acceptance and recording it, the one copy sent again can be recognised
//! by the receiver, and the outbox simply rewrites the same file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::digest::{DigestView, Rendered};
use crate::config::alerts::{SecretSource, SmtpTls, Targets};
use crate::config::{AlertsConfig, SmtpConfig};

/// Folder of the outbox inside the storage directory.
pub const OUTBOX_DIR: &str = "outbox";

/// Time allowed for a webhook call.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);

/// A target that did not accept a digest.
#[derive(Debug, thiserror::Error)]
#[error("{target}: {message}")]
pub struct DeliveryError {
    /// Which target refused: `email`, `webhook` or `outbox`, or `config` for
    /// a target name veille does not know.
    pub target: &'static str,
    /// What went wrong, with no secret in it (a webhook is named by its host
    /// only).
    pub message: String,
}

fn failed(target: &'static str, message: impl std::fmt::Display) -> DeliveryError {
    DeliveryError {
        target,
        message: message.to_string(),
    }
}

/// Sends a rendered digest to each of a rule's targets; one per process, shared
/// by every rule.
pub struct Deliverer {
    outbox: PathBuf,
    from: Mailbox,
    smtp: Option<SmtpConfig>,
    http: reqwest::Client,
}

impl Deliverer {
    /// A deliverer writing its outbox under `storage_dir` and sending as
    /// `[alerts] from`; `smtp` is `None` when no mail server is configured.
    pub fn new(
        storage_dir: &Path,
        alerts: &AlertsConfig,
        smtp: Option<SmtpConfig>,
        user_agent: &str,
    ) -> Deliverer {
        Deliverer {
            outbox: storage_dir.join(OUTBOX_DIR),
            // Checked when the config was loaded.
            from: alerts
                .from
                .parse()
                .unwrap_or_else(|_| "veille <veille@localhost>".parse().expect("valid")),
            smtp,
            http: reqwest::Client::builder()
                .user_agent(user_agent)
                .timeout(WEBHOOK_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// Where outbox files go.
    pub fn outbox(&self) -> &Path {
        &self.outbox
    }

    /// Sends to one target (`outbox`, `email` or `webhook`).
    pub async fn deliver(
        &self,
        target: &str,
        targets: &Targets,
        view: &DigestView,
        rendered: &Rendered,
    ) -> Result<(), DeliveryError> {
        match target {
            "outbox" => self.to_outbox(targets, view, rendered).await,
            "email" => self.by_email(targets, view, rendered).await,
            "webhook" => self.to_webhook(targets, view, rendered).await,
            other => Err(failed("config", format!("unknown target {other}"))),
        }
    }

    /// The email for a digest, as sent and as written to the outbox.
    pub fn message(
        &self,
        targets: &Targets,
        view: &DigestView,
        rendered: &Rendered,
    ) -> Result<Message, DeliveryError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(rendered.subject.clone())
            .message_id(Some(message_id(view, &self.from)));
        let recipients: Vec<Mailbox> = targets
            .email
            .iter()
            .filter_map(|address| address.parse().ok())
            .collect();
        if recipients.is_empty() {
            builder = builder.to(self.from.clone());
        }
        for recipient in recipients {
            builder = builder.to(recipient);
        }
        if let Ok(created) = chrono::DateTime::parse_from_rfc3339(&view.created) {
            builder = builder.date(created.into());
        }
        builder
            .header(lettre::message::header::UserAgent::from(format!(
                "veille/{}",
                env!("CARGO_PKG_VERSION")
            )))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text.clone(),
                rendered.html.clone(),
            ))
            .map_err(|error| failed("email", error))
    }

    async fn to_outbox(
        &self,
        targets: &Targets,
        view: &DigestView,
        rendered: &Rendered,
    ) -> Result<(), DeliveryError> {
        let message = self.message(targets, view, rendered)?;
        let name = format!(
            "{}-{}-{}.eml",
            view.created.replace([':', '-'], ""),
            view.rule.id,
            view.digest_id.unwrap_or_default()
        );
        let path = self.outbox.join(name);
        let partial = path.with_extension("eml.partial");
        let write = async {
            tokio::fs::create_dir_all(&self.outbox).await?;
            tokio::fs::write(&partial, message.formatted()).await?;
            // A file in the outbox is always whole: readers never see
            // half a digest, and a retry rewrites the same name.
            tokio::fs::rename(&partial, &path).await
        };
        // The path goes to the log only: the error is also shown by the
        // API, which must not reveal the server's folders.
        write.await.map_err(|error| {
            tracing::warn!(path = %path.display(), %error, "cannot write to the outbox");
            failed("outbox", format!("cannot write the digest file: {error}"))
        })
    }

    async fn by_email(
        &self,
        targets: &Targets,
        view: &DigestView,
        rendered: &Rendered,
    ) -> Result<(), DeliveryError> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or_else(|| failed("email", "no [smtp] section"))?;
        let message = self.message(targets, view, rendered)?;
        let builder = match smtp.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                .map_err(|error| failed("email", error))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|error| failed("email", error))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        };
        let mut builder = builder.port(smtp.port()).timeout(Some(smtp.timeout));
        if let Some(user) = &smtp.user {
            let password =
                SecretSource::from_keys(smtp.password_env.as_ref(), smtp.password_file.as_ref())
                    .map(|source| source.read())
                    .transpose()
                    .map_err(|error| failed("email", format!("SMTP password: {error}")))?
                    .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let transport = builder.build();
        transport
            .send(message)
            .await
            .map_err(|error| failed("email", format!("{}:{}: {error}", smtp.host, smtp.port())))?;
        Ok(())
    }

    async fn to_webhook(
        &self,
        targets: &Targets,
        view: &DigestView,
        rendered: &Rendered,
    ) -> Result<(), DeliveryError> {
        let webhook = targets
            .webhook
            .as_ref()
            .ok_or_else(|| failed("webhook", "no webhook URL"))?;
        let body = serde_json::to_vec(&serde_json::json!({
            "subject": rendered.subject,
            "digest": view,
        }))
        .map_err(|error| failed("webhook", error))?;
        let mut request = self
            .http
            .post(webhook.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                "Idempotency-Key",
                format!("veille-digest-{}", view.digest_id.unwrap_or_default()),
            );
        if let Some(secret) = &webhook.secret {
            let secret = secret
                .read()
                .map_err(|error| failed("webhook", format!("secret: {error}")))?;
            request = request.header("X-Veille-Signature", signature(secret.as_bytes(), &body));
        }
        // Webhook URLs often carry their token (Slack, Teams): errors,
        // which reach logs and the API, name the host only.
        let host = webhook.url.host_str().unwrap_or("the webhook").to_owned();
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|error| failed("webhook", format!("{host}: {}", error.without_url())))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(failed("webhook", format!("{host} answered {status}")))
        }
    }
}

/// `sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs its webhooks.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .fold(String::from("sha256="), |mut signature, byte| {
            write!(signature, "{byte:02x}").expect("writing to a String cannot fail");
            signature
        })
}

/// A Message-ID that is the same on every attempt at one digest.
fn message_id(view: &DigestView, from: &Mailbox) -> String {
    format!(
        "<veille-digest-{}-{}@{}>",
        view.digest_id.unwrap_or_default(),
        view.rule.id,
        from.email.domain()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
