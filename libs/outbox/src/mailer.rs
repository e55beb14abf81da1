//! The outgoing mail transport: SMTP (plain on loopback, STARTTLS or implicit TLS with rustls)
//! or, when no SMTP server is configured, `.eml` files in a directory (development, demos).
//!
//! Each notice becomes one message whose `Message-ID` is derived from the notice id
//! (`<notice-{id}@parallel-approval.local>`), so a receiver that sees the same notice twice
//! (at-least-once delivery, see `delivery`) can drop the duplicate.

use std::path::Path;
use std::time::Duration;

use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::entity::{notice, notice_attachment};

/// How long one SMTP exchange (connect, each command, the data) may take before it counts as
/// a transient failure.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// The domain part of every notice's `Message-ID`.
pub const MESSAGE_ID_DOMAIN: &str = "parallel-approval.local";

/// Where mail goes.
pub enum Mailer {
    /// An SMTP relay, one connection per message.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message in a directory.
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(t) => f.debug_tuple("Mailer::Smtp").field(t).finish(),
            Mailer::Files(t) => f.debug_tuple("Mailer::Files").field(t).finish(),
        }
    }
}

/// Why a message was not handed over.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// `true` when retrying cannot help: an SMTP 5xx answer, an unparseable address.
    /// `false` for connection failures, timeouts, 4xx answers, I/O errors.
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    pub fn permanent(message: impl Into<String>) -> Self {
        SendError {
            permanent: true,
            message: message.into(),
        }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        SendError {
            permanent: false,
            message: message.into(),
        }
    }
}

/// The `Message-ID` of a notice's message (angle brackets included).
pub fn message_id(notice_id: i32) -> String {
    format!("<notice-{notice_id}@{MESSAGE_ID_DOMAIN}>")
}

/// `X-Notice-Id: {id}`: the notice a message was built from.
#[derive(Debug, Clone)]
struct XNoticeId(String);

impl Header for XNoticeId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Notice-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(XNoticeId(s.trim().to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

impl Mailer {
    /// `smtp_url` (the `SMTP_URL` setting): `smtp://127.0.0.1:2525` (plain; loopback only),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465` (implicit TLS); credentials
    /// as `smtps://user:password@host`. Without one (or an empty one), messages are written as
    /// `.eml` files into `mail_dir`, which is created.
    pub fn from_settings(smtp_url: Option<&str>, mail_dir: &Path) -> Result<Mailer, String> {
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => Mailer::files(mail_dir),
        }
    }

    /// The file transport into `dir` (created when missing).
    pub fn files(dir: &Path) -> Result<Mailer, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("mail directory {}: {e}", dir.display()))?;
        Ok(Mailer::Files(AsyncFileTransport::<Tokio1Executor>::new(
            dir,
        )))
    }

    /// `smtp` or `files`, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "smtp",
            Mailer::Files(_) => "files",
        }
    }

    /// Send one notice: every recipient in `To`, UTF-8 subject, plain-text body (base64 on the
    /// wire, so the message is 7-bit clean whatever the server supports).
    pub async fn send(&self, from: &Mailbox, notice: &notice::Model) -> Result<(), SendError> {
        self.send_with(from, notice, &[]).await
    }

    /// [`Mailer::send`] with files: `multipart/mixed`, the text first, then each file.
    pub async fn send_with(
        &self,
        from: &Mailbox,
        notice: &notice::Model,
        attachments: &[notice_attachment::Model],
    ) -> Result<(), SendError> {
        let message = build_message_with(from, notice, attachments)?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(classify_smtp),
            Mailer::Files(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::transient(format!("writing mail file: {e}"))),
        }
    }
}

/// The message for a notice; errors here are permanent (the row itself is unusable).
pub fn build_message(from: &Mailbox, notice: &notice::Model) -> Result<Message, SendError> {
    build_message_with(from, notice, &[])
}

/// The message for a notice and its files (none: a plain-text message as before).
pub fn build_message_with(
    from: &Mailbox,
    notice: &notice::Model,
    attachments: &[notice_attachment::Model],
) -> Result<Message, SendError> {
    let recipients: Vec<String> = serde_json::from_str(&notice.recipients).map_err(|e| {
        SendError::permanent(format!("recipients are not a JSON array of strings: {e}"))
    })?;
    if recipients.is_empty() {
        return Err(SendError::permanent("no recipient address"));
    }
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(notice.subject.clone())
        .message_id(Some(message_id(notice.id)))
        .header(XNoticeId(notice.id.to_string()));
    for r in &recipients {
        let mailbox: Mailbox = r
            .trim()
            .parse()
            .map_err(|e| SendError::permanent(format!("invalid recipient address {r:?}: {e}")))?;
        builder = builder.to(mailbox);
    }
    let body = Body::new_with_encoding(notice.body.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| SendError::permanent("body cannot be encoded"))?;
    if attachments.is_empty() {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| SendError::permanent(format!("message cannot be built: {e}")));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(body);
    let mut parts = MultiPart::mixed().singlepart(text);
    for a in attachments {
        let content_type = ContentType::parse(&a.content_type).map_err(|e| {
            SendError::permanent(format!(
                "attachment {:?}: content type {:?}: {e}",
                a.filename, a.content_type
            ))
        })?;
        parts = parts
            .singlepart(Attachment::new(a.filename.clone()).body(a.content.clone(), content_type));
    }
    builder
        .multipart(parts)
        .map_err(|e| SendError::permanent(format!("message cannot be built: {e}")))
}

/// 5xx → permanent; 4xx, connection refused, timeouts, TLS and protocol trouble → transient.
fn classify_smtp(e: lettre::transport::smtp::Error) -> SendError {
    let message = describe(&e);
    if e.is_permanent() {
        SendError::permanent(message)
    } else {
        SendError::transient(message)
    }
}

/// The error with its causes (`connection refused` lives in the source chain).
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}
