//! The approval service, seen only through its documented API: the event feed
//! (`GET /v1/events`), the department list and the working-day calendar (`GET /v1/calendar`,
//! `GET /v1/calendar/years`). Authenticated as a service account.

use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::{JwtKeys, Role};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct FeedEvent {
    pub seq: i64,
    pub case_id: i32,
    pub branch_id: Option<i32>,
    pub kind: String,
    #[serde(default)]
    pub actor_id: i32,
    #[serde(default)]
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub from_state: String,
    pub to_state: String,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeedPage {
    pub events: Vec<FeedEvent>,
    pub next_after: i64,
    #[serde(default)]
    pub head_seq: i64,
    /// The feed's identity (absent from approval services older than migration 5).
    #[serde(default)]
    pub epoch: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Department {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub head_email: Option<String>,
    pub window_email: Option<String>,
}

/// A year's holiday table as the approval service publishes it (`GET /v1/calendar/years`).
#[derive(Debug, Clone, Deserialize)]
pub struct HolidayYear {
    pub year: i32,
    /// Public holidays (days off).
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休上班, a worked Saturday or Sunday).
    pub makeup_workdays: Vec<NaiveDate>,
    /// `builtin` or `admin`.
    #[serde(default)]
    pub source: String,
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_by: String,
}

/// The approval service's calendar settings (`GET /v1/calendar`).
#[derive(Debug, Clone, Deserialize)]
pub struct CalendarSettings {
    pub time_zone: String,
    /// Local opening time, `HH:MM:SS`.
    pub office_open: String,
    /// Local closing time, `HH:MM:SS`.
    pub office_close: String,
    /// `provisional`, `error` or `weekends_only`.
    pub fallback: String,
    #[serde(default)]
    pub covered_years: Vec<i32>,
}

#[derive(Debug, Deserialize)]
struct DepartmentPage {
    items: Vec<Department>,
    next_cursor: Option<String>,
}

#[derive(Clone)]
pub struct ApprovalClient {
    http: reqwest::Client,
    base: String,
    /// A fixed token (`APPROVAL_TOKEN`), or keys to mint short-lived service tokens with the
    /// platform's shared `JWT_SECRET`.
    token: Option<String>,
    keys: JwtKeys,
}

impl ApprovalClient {
    pub fn new(base: &str, token: Option<String>, keys: JwtKeys) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        ApprovalClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            keys,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn bearer(&self) -> Result<String, String> {
        match &self.token {
            Some(t) => Ok(t.clone()),
            None => self
                .keys
                .issue(0, "assessment-service", Role::Service, None, Utc::now())
                .map_err(|e| e.to_string()),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .bearer_auth(self.bearer()?)
            .send()
            .await
            .map_err(|e| {
                // The detail (address, OS error) goes to the log; the message, shown by the
                // public `/readyz`, only says what failed.
                tracing::warn!(error = %e, path, "approval service unreachable");
                "approval service unreachable".to_string()
            })?;
        let status = r.status();
        if !status.is_success() {
            let body = r.text().await.unwrap_or_default();
            tracing::warn!(%status, body = %body, path, "approval service refused a request");
            // Only the problem's stable code, never the raw body.
            let code = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
                .filter(|c| {
                    c.len() <= 64 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                });
            return Err(match code {
                Some(c) => format!("approval service answered {status} ({c})"),
                None => format!("approval service answered {status}"),
            });
        }
        r.json().await.map_err(|e| {
            tracing::warn!(error = %e, path, "approval service answered unreadable JSON");
            "approval service answered unreadable JSON".to_string()
        })
    }

    pub async fn events(&self, after: i64, limit: u32) -> Result<FeedPage, String> {
        self.get(&format!("/v1/events?after={after}&limit={limit}"))
            .await
    }

    pub async fn departments(&self) -> Result<Vec<Department>, String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/departments?limit=200&include_deleted=true&cursor={c}"),
                None => "/v1/departments?limit=200&include_deleted=true".to_string(),
            };
            let page: DepartmentPage = self.get(&path).await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Calendar settings: time zone, office hours, fallback, covered years.
    pub async fn calendar_settings(&self) -> Result<CalendarSettings, String> {
        self.get("/v1/calendar").await
    }

    /// Every published holiday table, ascending by year.
    pub async fn calendar_years(&self) -> Result<Vec<HolidayYear>, String> {
        self.get("/v1/calendar/years").await
    }
}
