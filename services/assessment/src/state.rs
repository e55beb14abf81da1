//! What every handler and job can reach.

use std::sync::{Arc, RwLock};

use calendar::WorkCalendar;
use platform::clock::SharedClock;
use platform::config::Config;
use sea_orm::DatabaseConnection;

use crate::approval_client::ApprovalClient;
use crate::calendar_sync::CalendarVersion;

/// Assessment settings from the environment (documented in the README). `Debug` redacts the
/// secrets (the fixed token, the client secret, the SMTP password).
#[derive(Clone, PartialEq, Eq)]
pub struct AssessmentSettings {
    /// `APPROVAL_URL`, default `http://127.0.0.1:8080`.
    pub approval_url: String,
    /// `APPROVAL_TOKEN`: a fixed token for the approval service (an operator's choice; it
    /// ends when it expires). Unset, the client credentials below are used.
    pub approval_token: Option<String>,
    /// `APPROVAL_CLIENT_ID` (default `assessment`): this service's service account at the
    /// approval service (`POST /v1/auth/client-token`).
    pub approval_client_id: String,
    /// `APPROVAL_CLIENT_SECRET`: its secret. Without it (and without `APPROVAL_TOKEN`) the
    /// feed is not read and `/readyz` says why.
    pub approval_client_secret: Option<String>,
    /// `SESSION_CACHE_SECONDS`: how long the approval service's answer on a session is kept
    /// (default 5, as the approval service's own cache; the product's own default).
    pub session_cache_seconds: u64,
    /// `FEED_POLL_MS`: how often to poll the feed when nothing wakes the consumer (default 2000).
    pub feed_poll_ms: u64,
    /// `CALENDAR_REFRESH_SECONDS`: how often to re-read the approval service's holiday tables
    /// (default 300; the product's own default, no source fixes it; 0 = only at start-up).
    pub calendar_refresh_seconds: u64,
    /// `FEED_FAILURE_SECONDS`: `/readyz` answers 503 once the feed has failed for longer than
    /// this (default 60; the product's own default, no source fixes it).
    pub feed_failure_seconds: u64,
    /// `FEED_CONSUMER=off` disables the background consumer (tests drive it by hand).
    pub feed_consumer: bool,
    /// `SCHEDULER=off` disables the scheduled jobs.
    pub scheduler_enabled: bool,
    /// `SUPERVISION_EMAIL`: where rectification escalations go.
    pub supervision_email: String,
    /// Working days before a rectification's deadline when the reminder goes out (default 3).
    pub reminder_days: u32,
    /// `CADRE_RATE_LIMIT`: requests per minute per client on the cadre API (default 120).
    pub cadre_rate_limit: u64,
    /// Day of the quarter's next month by which results are published (Fenghua: 上旬, the
    /// first ten days → 10).
    pub publication_due_day: u32,
    /// Days before that due moment the assessment office is reminded (product default 3).
    pub publication_reminder_days: u32,
    /// Requests per minute per client address on the public pages (product default 30).
    pub public_rate_limit: u64,
    pub smtp_url: Option<String>,
    pub mail_dir: String,
    pub mail_from: String,
}

impl Default for AssessmentSettings {
    fn default() -> Self {
        AssessmentSettings {
            approval_url: "http://127.0.0.1:8080".into(),
            approval_token: None,
            approval_client_id: "assessment".into(),
            approval_client_secret: None,
            session_cache_seconds: 5,
            feed_poll_ms: 2000,
            calendar_refresh_seconds: 300,
            feed_failure_seconds: 60,
            feed_consumer: true,
            scheduler_enabled: true,
            supervision_email: "supervision@parallel-approval.local".into(),
            reminder_days: 3,
            cadre_rate_limit: 120,
            publication_due_day: crate::results::PUBLICATION_DUE_DAY,
            publication_reminder_days: 3,
            public_rate_limit: 30,
            smtp_url: None,
            mail_dir: "./var/mail-assessment".into(),
            mail_from: "绩效评估 <assessment@parallel-approval.local>".into(),
        }
    }
}

impl std::fmt::Debug for AssessmentSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use platform::secret::{redact_opt_url, REDACTED};
        let hidden = |v: &Option<String>| v.as_ref().map(|_| REDACTED);
        f.debug_struct("AssessmentSettings")
            .field("approval_url", &self.approval_url)
            .field("approval_token", &hidden(&self.approval_token))
            .field("approval_client_id", &self.approval_client_id)
            .field(
                "approval_client_secret",
                &hidden(&self.approval_client_secret),
            )
            .field("session_cache_seconds", &self.session_cache_seconds)
            .field("feed_poll_ms", &self.feed_poll_ms)
            .field("calendar_refresh_seconds", &self.calendar_refresh_seconds)
            .field("feed_failure_seconds", &self.feed_failure_seconds)
            .field("feed_consumer", &self.feed_consumer)
            .field("scheduler_enabled", &self.scheduler_enabled)
            .field("supervision_email", &self.supervision_email)
            .field("reminder_days", &self.reminder_days)
            .field("cadre_rate_limit", &self.cadre_rate_limit)
            .field("publication_due_day", &self.publication_due_day)
            .field("publication_reminder_days", &self.publication_reminder_days)
            .field("public_rate_limit", &self.public_rate_limit)
            .field("smtp_url", &redact_opt_url(&self.smtp_url))
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

impl AssessmentSettings {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = AssessmentSettings::default();
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let off = |k: &str| matches!(get(k).as_deref(), Some("off") | Some("false") | Some("0"));
        let num = |k: &str, default: u64, max: u64| -> Result<u64, String> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| format!("{k}: expected a whole number 0–{max}, got `{v}`")),
            }
        };
        Ok(AssessmentSettings {
            approval_url: get("APPROVAL_URL").unwrap_or(d.approval_url),
            approval_token: get("APPROVAL_TOKEN"),
            approval_client_id: get("APPROVAL_CLIENT_ID").unwrap_or(d.approval_client_id),
            approval_client_secret: get("APPROVAL_CLIENT_SECRET"),
            session_cache_seconds: num("SESSION_CACHE_SECONDS", d.session_cache_seconds, 300)?,
            feed_poll_ms: num("FEED_POLL_MS", d.feed_poll_ms, 600_000)?.max(50),
            calendar_refresh_seconds: num(
                "CALENDAR_REFRESH_SECONDS",
                d.calendar_refresh_seconds,
                86_400,
            )?,
            feed_failure_seconds: num("FEED_FAILURE_SECONDS", d.feed_failure_seconds, 86_400)?,
            feed_consumer: !off("FEED_CONSUMER"),
            scheduler_enabled: !off("SCHEDULER"),
            supervision_email: get("SUPERVISION_EMAIL").unwrap_or(d.supervision_email),
            reminder_days: num(
                "RECTIFICATION_REMINDER_DAYS",
                u64::from(d.reminder_days),
                15,
            )? as u32,
            cadre_rate_limit: num("CADRE_RATE_LIMIT", d.cadre_rate_limit, 1_000_000)?.max(1),
            publication_due_day: num("PUBLICATION_DUE_DAY", u64::from(d.publication_due_day), 28)?
                .max(1) as u32,
            publication_reminder_days: num(
                "PUBLICATION_REMINDER_DAYS",
                u64::from(d.publication_reminder_days),
                28,
            )? as u32,
            public_rate_limit: num("PUBLIC_RATE_LIMIT", d.public_rate_limit, 1_000_000)?.max(1),
            smtp_url: get("SMTP_URL"),
            mail_dir: get("MAIL_DIR").unwrap_or(d.mail_dir),
            mail_from: get("MAIL_FROM").unwrap_or(d.mail_from),
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// Working days for rectification deadlines: the approval service's holiday tables,
    /// refreshed by [`crate::calendar_sync`] (the built-in ones until it is reached).
    pub calendar: Arc<RwLock<WorkCalendar>>,
    /// Which calendar [`AppState::calendar`] holds; replaced together with it.
    pub calendar_version: Arc<RwLock<CalendarVersion>>,
    pub approval: ApprovalClient,
    pub redis: Option<redis::Client>,
    pub config: Config,
    pub settings: AssessmentSettings,
    pub mailer: Arc<outbox::mailer::Mailer>,
    pub mail_from: lettre::message::Mailbox,
    /// The figures of `/metrics` (one registry per application).
    pub metrics: Arc<crate::metrics::AssessmentMetrics>,
    /// The keys tokens are verified with: the issuer's JWKS (`JWT_JWKS_URL`, refreshed by
    /// [`crate::jwks`]) or the shared secret of the embedded default.
    pub jwt: platform::auth::JwtKeys,
    /// The approval service's answers on sessions ([`crate::sessions`]).
    pub sessions: Arc<crate::sessions::SessionCache>,
    /// The console's activity stamps (idle timeout, `CONSOLE_IDLE_MINUTES`), keyed with the
    /// service account's secret (every replica has it) or, without one, `JWT_SECRET`.
    pub idle: platform::idle::IdleStamps,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The calendar in use (a cheap clone: the tables are shared).
    pub fn calendar(&self) -> WorkCalendar {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Which calendar is in use.
    pub fn calendar_version(&self) -> CalendarVersion {
        self.calendar_version
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_carries_no_secret() {
        let s = AssessmentSettings::from_lookup(|k| {
            match k {
                "APPROVAL_TOKEN" => Some("fixed-token-xyz"),
                "APPROVAL_CLIENT_SECRET" => Some("client-secret-abc"),
                "SMTP_URL" => Some("smtps://mailer:smtp-pass-1@smtp.example:465"),
                _ => None,
            }
            .map(str::to_string)
        })
        .unwrap();
        let shown = format!("{s:?}");
        for secret in ["fixed-token-xyz", "client-secret-abc", "smtp-pass-1"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("smtp.example") && shown.contains("assessment"),
            "{shown}"
        );
    }
}
