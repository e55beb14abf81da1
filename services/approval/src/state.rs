//! What every handler can reach.

use std::sync::{Arc, RwLock};

use calendar::WorkCalendar;
use platform::clock::SharedClock;
use platform::config::Config;
use sea_orm::DatabaseConnection;

/// The Redis channel on which the approval service announces new feed events.
pub const EVENTS_CHANNEL: &str = "pa:events";

/// What the clock rules need: the calendar and the e-supervision thresholds.
#[derive(Clone, Debug)]
pub struct Timing {
    pub cal: WorkCalendar,
    /// A red card (红牌) when overdue by more than this many working days (`RED_CARD_DAYS`, default 3).
    pub red_card_days: u32,
    /// Working days a supervising department has to claim an approved result (`CLAIM_LIMIT_DAYS`, default 5).
    pub claim_limit_days: u32,
    /// Working days a department has to answer an assigned complaint (`COMPLAINT_LIMIT_DAYS`, default 5).
    pub complaint_limit_days: u32,
    /// Working days a branch may wait for supplement before it raises an alert.
    pub supplement_wait_days: u32,
    /// Most working days of one extension, single item / handled jointly (第四十二条).
    pub extension_max_days: u32,
    pub joint_extension_max_days: u32,
    /// Working days from the decision to issuance (第四十四条).
    pub issuance_limit_days: u32,
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// The working-day calendar, rebuilt from the holiday tables when they change.
    pub calendar: Arc<RwLock<WorkCalendar>>,
    pub redis: Option<redis::Client>,
    pub config: Config,
    pub supervision: SupervisionSettings,
    /// SMTP or files (`SMTP_URL` / `MAIL_DIR`).
    pub mailer: Arc<crate::notices::mailer::Mailer>,
    pub mail_from: lettre::message::Mailbox,
    /// The public pages' settings and the lookup's rate limits.
    pub public: PublicSettings,
    pub lookup_limits: LookupLimits,
    /// The audit trail's retention and sealing interval.
    pub audit: crate::audit::AuditSettings,
    /// Sign-in failure handling and the bounded password-check pool.
    pub login: std::sync::Arc<crate::login::LoginGuard>,
    /// Session settings and the cache of users' token versions.
    pub sessions: Arc<crate::sessions::Sessions>,
    /// The figures of `/metrics` (one registry per application).
    pub metrics: Arc<crate::metrics::ApprovalMetrics>,
    /// The keys of the applicant data at rest (`PII_KEY`; `cases::vault`).
    pub pii: Arc<crate::cases::vault::PiiVault>,
    /// The token issuer's keys (`JWT_SIGNING_KEY_FILE`, or HS256 for the embedded default).
    pub jwt: platform::auth::JwtKeys,
    /// The consoles' activity stamps (idle timeout, `CONSOLE_IDLE_MINUTES`).
    pub idle: platform::idle::IdleStamps,
    /// The external identity provider, when one is configured (`OIDC_*`).
    pub oidc: Option<Arc<crate::login::oidc::OidcVerifier>>,
}

/// How long one window of the public lookup's rate limits runs: ten minutes (product default,
/// not from the sources).
pub const LOOKUP_WINDOW_SECS: u64 = 600;

/// Settings of the pages the public sees (办事指南, 办件查询, 结果公开), from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicSettings {
    /// `ASSESSMENT_PUBLIC_URL`: where the public rates a department (评价), the assessment
    /// service's address as a browser reaches it (default `http://127.0.0.1:8081`).
    pub assessment_public_url: String,
    /// `PUBLIC_LOOKUP_PER_ADDRESS`: lookups per client address per ten minutes (default 20;
    /// product default, not from the sources).
    pub lookup_per_address: u64,
    /// `PUBLIC_LOOKUP_PER_CASE`: lookups of one case number per ten minutes, whoever asks
    /// (default 10; product default, not from the sources): guessing a check code is slow.
    pub lookup_per_case: u64,
    /// `PUBLIC_COMPLAINT_PER_ADDRESS`: complaints filed per client address per ten minutes
    /// (default 10; the product's own default, not from the sources).
    pub complaint_per_address: u64,
    /// `PUBLIC_COMPLAINT_PER_CASE`: complaints filed on one case number per ten minutes,
    /// whoever files them (default 5; the product's own default): guessing the second factor
    /// is slow.
    pub complaint_per_case: u64,
}

impl Default for PublicSettings {
    fn default() -> Self {
        PublicSettings {
            assessment_public_url: "http://127.0.0.1:8081".into(),
            lookup_per_address: 20,
            lookup_per_case: 10,
            complaint_per_address: 10,
            complaint_per_case: 5,
        }
    }
}

impl PublicSettings {
    /// Read from variables through `get`; a bad value names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = PublicSettings::default();
        let num = |name: &str, default: u64| -> Result<u64, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number 1–1000000, got `{v}`"
                    )),
                },
            }
        };
        let url = match get("ASSESSMENT_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
            None => d.assessment_public_url,
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_string();
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(format!(
                        "ASSESSMENT_PUBLIC_URL: expected an http:// or https:// address, got `{v}`"
                    ));
                }
                v
            }
        };
        Ok(PublicSettings {
            assessment_public_url: url,
            lookup_per_address: num("PUBLIC_LOOKUP_PER_ADDRESS", d.lookup_per_address)?,
            lookup_per_case: num("PUBLIC_LOOKUP_PER_CASE", d.lookup_per_case)?,
            complaint_per_address: num("PUBLIC_COMPLAINT_PER_ADDRESS", d.complaint_per_address)?,
            complaint_per_case: num("PUBLIC_COMPLAINT_PER_CASE", d.complaint_per_case)?,
        })
    }
}

/// The public lookup's two limits (per client address, per case number), and the public
/// complaint form's two, one window each of [`LOOKUP_WINDOW_SECS`].
#[derive(Clone)]
pub struct LookupLimits {
    pub per_address: platform::ratelimit::RateLimiter,
    pub per_case: platform::ratelimit::RateLimiter,
    pub complaint_per_address: platform::ratelimit::RateLimiter,
    pub complaint_per_case: platform::ratelimit::RateLimiter,
}

impl LookupLimits {
    pub fn new(s: &PublicSettings) -> Self {
        LookupLimits {
            per_address: platform::ratelimit::RateLimiter::per_window(
                s.lookup_per_address,
                LOOKUP_WINDOW_SECS,
            ),
            per_case: platform::ratelimit::RateLimiter::per_window(
                s.lookup_per_case,
                LOOKUP_WINDOW_SECS,
            ),
            complaint_per_address: platform::ratelimit::RateLimiter::per_window(
                s.complaint_per_address,
                LOOKUP_WINDOW_SECS,
            ),
            complaint_per_case: platform::ratelimit::RateLimiter::per_window(
                s.complaint_per_case,
                LOOKUP_WINDOW_SECS,
            ),
        }
    }
}

/// E-supervision settings, from the environment (documented in the README). `Debug`
/// redacts the credentials of `SMTP_URL`.
#[derive(Clone, PartialEq, Eq)]
pub struct SupervisionSettings {
    pub red_card_days: u32,
    pub claim_limit_days: u32,
    pub complaint_limit_days: u32,
    /// `SUPPLEMENT_WAIT_DAYS`: working days a branch may wait for supplement (补正) before it
    /// raises a `pause_overdue` alert (default 10: the product's own default; the law sets no
    /// period for the applicant).
    pub supplement_wait_days: u32,
    /// `EXTENSION_MAX_DAYS`: most working days one extension adds (default 10: 行政许可法
    /// 第四十二条 第一款, 可以延长十日).
    pub extension_max_days: u32,
    /// `JOINT_EXTENSION_MAX_DAYS`: the same for a branch of a bundle, handled jointly (default
    /// 15: 第四十二条 第二款, 可以延长十五日).
    pub joint_extension_max_days: u32,
    /// `ISSUANCE_LIMIT_DAYS`: working days from the decision to issuance (default 10: 行政许可法
    /// 第四十四条, 自作出决定之日起十日内).
    pub issuance_limit_days: u32,
    /// Cron (with seconds) of the sweep, Asia/Shanghai; `SWEEP_CRON`, default every minute.
    pub sweep_cron: String,
    /// Seconds between notice deliveries; `DELIVERY_INTERVAL_SECONDS`, default 15.
    pub delivery_interval_secs: u32,
    /// Run the scheduler (sweep, delivery, digests); `SCHEDULER=off` disables it (tests, one-off commands).
    pub scheduler_enabled: bool,
    /// `SMTP_URL`: unset → mail is written as files into `MAIL_DIR` (default `./var/mail`).
    pub smtp_url: Option<String>,
    pub mail_dir: String,
    pub mail_from: String,
    /// `PDF_FONT`: the CJK TrueType/OpenType font (`.ttf`, `.otf`, `.ttc`: the first face) that
    /// PDF reports embed as a subset; unset → the usual Debian paths of fonts-wqy-zenhei,
    /// fonts-wqy-microhei and fonts-noto-cjk (product default). No font → PDF requests answer
    /// 503 `pdf_font_missing` and the monthly mail goes without its PDF.
    pub pdf_font: Option<String>,
    /// `REPORT_MAX_DAYS`: the longest period (days between `from` and `to`) statistics and their
    /// exports cover (default 366: the product's own default, a year).
    pub report_max_days: u32,
    /// `SUPERVISING_OFFICE_CODE`: the code of the department that is the supervising office
    /// (审管办), which alone sets items' time limits (`catalogue::office`). Unset by default
    /// (then no limit changes once an item exists); the demo data sets `HHHT-SGB`.
    pub supervising_office_code: Option<String>,
    /// Webhook delivery (`WEBHOOK_*`).
    pub webhooks: WebhookSettings,
    /// `IDEMPOTENCY_TTL_HOURS`: how long an `Idempotency-Key` and the answer it stored are
    /// kept (default 24, at most 720: the product's own default, a day of retries).
    pub idempotency_ttl_hours: u32,
}

impl std::fmt::Debug for SupervisionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupervisionSettings")
            .field("red_card_days", &self.red_card_days)
            .field("claim_limit_days", &self.claim_limit_days)
            .field("complaint_limit_days", &self.complaint_limit_days)
            .field("supplement_wait_days", &self.supplement_wait_days)
            .field("extension_max_days", &self.extension_max_days)
            .field("joint_extension_max_days", &self.joint_extension_max_days)
            .field("issuance_limit_days", &self.issuance_limit_days)
            .field("sweep_cron", &self.sweep_cron)
            .field("delivery_interval_secs", &self.delivery_interval_secs)
            .field("scheduler_enabled", &self.scheduler_enabled)
            .field(
                "smtp_url",
                &platform::secret::redact_opt_url(&self.smtp_url),
            )
            .field("mail_dir", &self.mail_dir)
            .field("mail_from", &self.mail_from)
            .field("pdf_font", &self.pdf_font)
            .field("report_max_days", &self.report_max_days)
            .field("supervising_office_code", &self.supervising_office_code)
            .field("webhooks", &self.webhooks)
            .field("idempotency_ttl_hours", &self.idempotency_ttl_hours)
            .finish()
    }
}

/// Webhook delivery settings, all the product's own defaults (no source fixes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// `WEBHOOK_TIMEOUT_SECONDS`: how long one POST may take, connect to last byte (default 10).
    pub timeout_secs: u32,
    /// `WEBHOOK_BACKOFF_BASE_SECONDS`: the wait after the first failure, doubled after each
    /// further consecutive one (default 30).
    pub backoff_base_secs: u32,
    /// `WEBHOOK_BACKOFF_MAX_SECONDS`: the longest wait between attempts (default 3600).
    pub backoff_max_secs: u32,
    /// `WEBHOOK_MAX_FAILURES`: consecutive failures after which a subscription is `dead`
    /// (default 10; 30 s doubling reaches the hour cap at the 8th, so about 4 hours).
    pub max_failures: u32,
    /// `WEBHOOK_INTERVAL_SECONDS`: how often the worker looks for work (default 5).
    pub interval_secs: u32,
    /// `WEBHOOK_LEASE_SECONDS`: how long a replica owns a subscription it delivers for
    /// (default 300); a batch stops taking new events after half of it.
    pub lease_secs: u32,
    /// `WEBHOOK_BATCH`: events one claim delivers at most (default 100).
    pub batch: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            timeout_secs: 10,
            backoff_base_secs: 30,
            backoff_max_secs: 3600,
            max_failures: 10,
            interval_secs: 5,
            lease_secs: 300,
            batch: 100,
        }
    }
}

impl WebhookSettings {
    /// Read from variables through `get`; a bad number names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = WebhookSettings::default();
        let num = |name: &str, default: u32, max: u32| -> Result<u32, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number 1–{max}, got `{v}`"
                    )),
                },
            }
        };
        let s = WebhookSettings {
            timeout_secs: num("WEBHOOK_TIMEOUT_SECONDS", d.timeout_secs, 300)?,
            backoff_base_secs: num("WEBHOOK_BACKOFF_BASE_SECONDS", d.backoff_base_secs, 86_400)?,
            backoff_max_secs: num(
                "WEBHOOK_BACKOFF_MAX_SECONDS",
                d.backoff_max_secs,
                7 * 86_400,
            )?,
            max_failures: num("WEBHOOK_MAX_FAILURES", d.max_failures, 1000)?,
            interval_secs: num("WEBHOOK_INTERVAL_SECONDS", d.interval_secs, 3600)?,
            lease_secs: num("WEBHOOK_LEASE_SECONDS", d.lease_secs, 86_400)?,
            batch: num("WEBHOOK_BATCH", d.batch, 1000)?,
        };
        if s.backoff_max_secs < s.backoff_base_secs {
            return Err(
                "WEBHOOK_BACKOFF_MAX_SECONDS: must not be below WEBHOOK_BACKOFF_BASE_SECONDS"
                    .into(),
            );
        }
        if u64::from(s.lease_secs) < 2 * u64::from(s.timeout_secs) {
            return Err(
                "WEBHOOK_LEASE_SECONDS: must be at least twice WEBHOOK_TIMEOUT_SECONDS".into(),
            );
        }
        Ok(s)
    }
}

impl Default for SupervisionSettings {
    fn default() -> Self {
        SupervisionSettings {
            red_card_days: 3,
            claim_limit_days: 5,
            complaint_limit_days: 5,
            supplement_wait_days: 10,
            extension_max_days: workflow::MAX_EXTENSION_DAYS,
            joint_extension_max_days: workflow::MAX_JOINT_EXTENSION_DAYS,
            issuance_limit_days: crate::cases::store::ISSUANCE_LIMIT_DAYS,
            sweep_cron: "0 * * * * *".into(),
            delivery_interval_secs: 15,
            scheduler_enabled: true,
            smtp_url: None,
            mail_dir: "./var/mail".into(),
            mail_from: "电子监察 <supervision@parallel-approval.local>".into(),
            pdf_font: None,
            report_max_days: 366,
            supervising_office_code: None,
            idempotency_ttl_hours: 24,
            webhooks: WebhookSettings::default(),
        }
    }
}

impl SupervisionSettings {
    /// Read from variables through `get`; bad numbers name the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = SupervisionSettings::default();
        let num = |name: &str, default: u32, max: u32| -> Result<u32, String> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => match v.trim().parse::<u32>() {
                    Ok(n) if n <= max => Ok(n),
                    _ => Err(format!(
                        "{name}: expected a whole number 0–{max}, got `{v}`"
                    )),
                },
            }
        };
        Ok(SupervisionSettings {
            red_card_days: num("RED_CARD_DAYS", d.red_card_days, 60)?,
            claim_limit_days: num("CLAIM_LIMIT_DAYS", d.claim_limit_days, 60)?,
            complaint_limit_days: num("COMPLAINT_LIMIT_DAYS", d.complaint_limit_days, 60)?,
            supplement_wait_days: num("SUPPLEMENT_WAIT_DAYS", d.supplement_wait_days, 365)?,
            extension_max_days: num("EXTENSION_MAX_DAYS", d.extension_max_days, 60)?,
            joint_extension_max_days: num(
                "JOINT_EXTENSION_MAX_DAYS",
                d.joint_extension_max_days,
                60,
            )?,
            issuance_limit_days: num("ISSUANCE_LIMIT_DAYS", d.issuance_limit_days, 365)?,
            sweep_cron: get("SWEEP_CRON")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(d.sweep_cron),
            delivery_interval_secs: num(
                "DELIVERY_INTERVAL_SECONDS",
                d.delivery_interval_secs,
                3600,
            )?
            .max(1),
            scheduler_enabled: !matches!(
                get("SCHEDULER").as_deref(),
                Some("off") | Some("false") | Some("0")
            ),
            smtp_url: get("SMTP_URL").filter(|v| !v.trim().is_empty()),
            mail_dir: get("MAIL_DIR")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(d.mail_dir),
            mail_from: get("MAIL_FROM")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(d.mail_from),
            pdf_font: get("PDF_FONT").filter(|v| !v.trim().is_empty()),
            report_max_days: num("REPORT_MAX_DAYS", d.report_max_days, 3660)?.max(1),
            supervising_office_code: get("SUPERVISING_OFFICE_CODE")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty()),
            idempotency_ttl_hours: num("IDEMPOTENCY_TTL_HOURS", d.idempotency_ttl_hours, 720)?
                .max(1),
            webhooks: WebhookSettings::from_lookup(&get)?,
        })
    }
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Idempotency keys stored before this moment have expired (`IDEMPOTENCY_TTL_HOURS`).
    pub fn idempotency_horizon(&self) -> chrono::DateTime<chrono::Utc> {
        self.now() - chrono::Duration::hours(i64::from(self.supervision.idempotency_ttl_hours))
    }

    /// Who the supervising office (审管办) is now (`SUPERVISING_OFFICE_CODE`).
    pub async fn time_limit_guard(
        &self,
    ) -> Result<crate::catalogue::office::TimeLimitGuard, platform::ApiError> {
        crate::catalogue::office::TimeLimitGuard::load(
            &self.db,
            self.supervision.supervising_office_code.as_deref(),
        )
        .await
    }

    pub fn calendar(&self) -> WorkCalendar {
        self.calendar
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Tell feed readers (over Redis pub/sub, when configured) that new events are committed.
    /// Fire and forget: readers poll anyway, this only wakes them sooner.
    pub fn announce_events(&self) {
        if let Some(client) = self.redis.clone() {
            tokio::spawn(async move {
                if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
                    let _: redis::RedisResult<i64> = redis::cmd("PUBLISH")
                        .arg(EVENTS_CHANNEL)
                        .arg("1")
                        .query_async(&mut conn)
                        .await;
                }
            });
        }
    }

    pub fn timing(&self) -> Timing {
        Timing {
            cal: self.calendar(),
            red_card_days: self.supervision.red_card_days,
            claim_limit_days: self.supervision.claim_limit_days,
            complaint_limit_days: self.supervision.complaint_limit_days,
            supplement_wait_days: self.supervision.supplement_wait_days,
            extension_max_days: self.supervision.extension_max_days,
            joint_extension_max_days: self.supervision.joint_extension_max_days,
            issuance_limit_days: self.supervision.issuance_limit_days,
        }
    }
}

#[cfg(test)]
mod public_settings_tests {
    use super::PublicSettings;

    #[test]
    fn defaults_and_bad_values_name_the_variable() {
        assert_eq!(
            PublicSettings::from_lookup(|_| None).unwrap(),
            PublicSettings::default()
        );
        let s = PublicSettings::from_lookup(|k| match k {
            "PUBLIC_LOOKUP_PER_CASE" => Some("3".into()),
            "ASSESSMENT_PUBLIC_URL" => Some("https://rate.example.gov.cn/".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.lookup_per_case, 3);
        assert_eq!(s.assessment_public_url, "https://rate.example.gov.cn");
        let e = PublicSettings::from_lookup(|k| {
            (k == "PUBLIC_LOOKUP_PER_ADDRESS").then(|| "0".to_string())
        })
        .unwrap_err();
        assert!(e.contains("PUBLIC_LOOKUP_PER_ADDRESS"), "{e}");
        let e = PublicSettings::from_lookup(|k| {
            (k == "ASSESSMENT_PUBLIC_URL").then(|| "javascript:alert(1)".to_string())
        })
        .unwrap_err();
        assert!(e.contains("ASSESSMENT_PUBLIC_URL"), "{e}");
    }
}

#[cfg(test)]
mod webhook_settings_tests {
    use super::WebhookSettings;

    #[test]
    fn defaults_and_bad_values_name_the_variable() {
        assert_eq!(
            WebhookSettings::from_lookup(|_| None).unwrap(),
            WebhookSettings::default()
        );
        let s = WebhookSettings::from_lookup(|k| {
            (k == "WEBHOOK_MAX_FAILURES").then(|| "3".to_string())
        })
        .unwrap();
        assert_eq!(s.max_failures, 3);
        for (k, v) in [
            ("WEBHOOK_TIMEOUT_SECONDS", "0"),
            ("WEBHOOK_BATCH", "lots"),
            ("WEBHOOK_BACKOFF_MAX_SECONDS", "5"),
            ("WEBHOOK_LEASE_SECONDS", "15"),
        ] {
            let e = WebhookSettings::from_lookup(|q| (q == k).then(|| v.to_string())).unwrap_err();
            assert!(e.contains(k), "{e}");
        }
    }

    #[test]
    fn settings_debug_hides_the_smtp_password() {
        let s = super::SupervisionSettings::from_lookup(|k| {
            (k == "SMTP_URL").then(|| "smtp://mailer:smtp-pass-9@smtp.example.gov.cn:587".into())
        })
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("smtp-pass-9"), "{shown}");
        assert!(shown.contains("smtp.example.gov.cn:587"), "{shown}");
    }
}
