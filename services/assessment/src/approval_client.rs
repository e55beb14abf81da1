//! The approval service, seen only through its documented API: the event feed
//! (`GET /v1/events`), the department list and the working-day calendar (`GET /v1/calendar`,
//! `GET /v1/calendar/years`). Authenticated as a service account: its client credentials
//! (`APPROVAL_CLIENT_ID` / `APPROVAL_CLIENT_SECRET`) are exchanged at
//! `POST /v1/auth/client-token` for a short token, kept until a minute before it ends and
//! asked for again after a 401. The service never signs a token of its own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
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

/// How the client proves who it is.
#[derive(Clone)]
pub enum Credentials {
    /// `APPROVAL_TOKEN`, as it is.
    Fixed(String),
    /// A service account's client credentials.
    Client { id: String, secret: String },
    /// Neither is configured: every call fails with the reason.
    Missing,
}

#[derive(Debug, Deserialize)]
struct ClientToken {
    access_token: String,
    expires_in: u64,
}

#[derive(Clone)]
pub struct ApprovalClient {
    http: reqwest::Client,
    base: String,
    credentials: Credentials,
    /// The service account's current token and when to ask for the next one.
    cached: Arc<tokio::sync::Mutex<Option<(String, Instant)>>>,
}

/// The stable code of a problem+json answer — shown by the public `/readyz`, so only a
/// code-shaped value, never the raw body.
fn problem_code(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_string))
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
}

/// Why a call failed: a refused token (worth one retry with a new one) or anything else.
enum GetError {
    Unauthorized(String),
    Other(String),
}

impl GetError {
    fn into_message(self) -> String {
        match self {
            GetError::Unauthorized(m) | GetError::Other(m) => m,
        }
    }
}

/// Ask for the next token this long before the current one ends.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

impl ApprovalClient {
    pub fn new(base: &str, credentials: Credentials) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        ApprovalClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            credentials,
            cached: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// From the settings: `APPROVAL_TOKEN`, else the client credentials.
    pub fn from_settings(s: &crate::state::AssessmentSettings) -> Self {
        let credentials = match (&s.approval_token, &s.approval_client_secret) {
            (Some(t), _) => Credentials::Fixed(t.clone()),
            (None, Some(secret)) => Credentials::Client {
                id: s.approval_client_id.clone(),
                secret: secret.clone(),
            },
            (None, None) => Credentials::Missing,
        };
        Self::new(&s.approval_url, credentials)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The token to send: the fixed one, or the service account's (asked for when there is
    /// none yet or it is about to end).
    async fn bearer(&self) -> Result<String, String> {
        let (id, secret) = match &self.credentials {
            Credentials::Fixed(t) => return Ok(t.clone()),
            Credentials::Missing => {
                return Err(
                    "no credentials for the approval service: set APPROVAL_CLIENT_SECRET (or APPROVAL_TOKEN)"
                        .into(),
                )
            }
            Credentials::Client { id, secret } => (id, secret),
        };
        let mut cached = self.cached.lock().await;
        if let Some((token, renew_at)) = cached.as_ref() {
            if Instant::now() < *renew_at {
                return Ok(token.clone());
            }
        }
        let r = self
            .http
            .post(format!("{}/v1/auth/client-token", self.base))
            .json(&serde_json::json!({"client_id": id, "client_secret": secret}))
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "approval service unreachable");
                "approval service unreachable".to_string()
            })?;
        let status = r.status();
        if !status.is_success() {
            let code = problem_code(&r.text().await.unwrap_or_default());
            tracing::warn!(%status, client_id = %id, code, "the approval service refused the client credentials");
            return Err(format!(
                "approval service refused the client credentials of `{id}`: {status} ({})",
                code.unwrap_or_default()
            ));
        }
        let t: ClientToken = r
            .json()
            .await
            .map_err(|_| "approval service answered an unreadable token".to_string())?;
        let renew_at = Instant::now()
            + Duration::from_secs(t.expires_in)
                .checked_sub(RENEW_MARGIN)
                .unwrap_or_default();
        *cached = Some((t.access_token.clone(), renew_at));
        Ok(t.access_token)
    }

    /// Forget the service account's token (the approval service refused it).
    async fn forget_token(&self) {
        *self.cached.lock().await = None;
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, String> {
        self.call(path, None).await
    }

    /// `GET path`, or `POST path` with `body`; a refused token (expired early, the account's
    /// sessions ended) is replaced once.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, String> {
        match self.call_once(path, body).await {
            Err(GetError::Unauthorized(_))
                if matches!(self.credentials, Credentials::Client { .. }) =>
            {
                self.forget_token().await;
                self.call_once(path, body)
                    .await
                    .map_err(GetError::into_message)
            }
            r => r.map_err(GetError::into_message),
        }
    }

    async fn call_once<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, GetError> {
        let token = self.bearer().await.map_err(GetError::Other)?;
        let url = format!("{}{}", self.base, path);
        let request = match body {
            Some(b) => self.http.post(url).json(b),
            None => self.http.get(url),
        };
        let r = request.bearer_auth(token).send().await.map_err(|e| {
            // The detail (address, OS error) goes to the log; the message, shown by the
            // public `/readyz`, only says what failed.
            tracing::warn!(error = %e, path, "approval service unreachable");
            GetError::Other("approval service unreachable".to_string())
        })?;
        let status = r.status();
        if !status.is_success() {
            let body = r.text().await.unwrap_or_default();
            tracing::warn!(%status, body = %body, path, "approval service refused a request");
            let code = problem_code(&body);
            let message = match code {
                Some(c) => format!("approval service answered {status} ({c})"),
                None => format!("approval service answered {status}"),
            };
            return Err(if status == reqwest::StatusCode::UNAUTHORIZED {
                GetError::Unauthorized(message)
            } else {
                GetError::Other(message)
            });
        }
        r.json().await.map_err(|e| {
            tracing::warn!(error = %e, path, "approval service answered unreadable JSON");
            GetError::Other("approval service answered unreadable JSON".to_string())
        })
    }

    /// Is the session of `token` still live at the approval service (`POST /v1/auth/introspect`)?
    pub async fn introspect(&self, token: &str) -> Result<bool, String> {
        #[derive(Deserialize)]
        struct Answer {
            active: bool,
        }
        let a: Answer = self
            .call(
                "/v1/auth/introspect",
                Some(&serde_json::json!({ "token": token })),
            )
            .await?;
        Ok(a.active)
    }

    /// The issuer's published keys (`JWT_JWKS_URL`, public: no token).
    pub async fn jwks(&self, url: &str) -> Result<platform::keys::JwkSet, String> {
        let r = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(error = %e, url, "issuer's JWKS unreachable");
            "issuer's JWKS unreachable".to_string()
        })?;
        if !r.status().is_success() {
            return Err(format!("issuer's JWKS answered {}", r.status()));
        }
        r.json()
            .await
            .map_err(|_| "issuer's JWKS is not a key set".to_string())
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
