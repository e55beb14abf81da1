use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::ApiResult;
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar_sync::CalendarVersion;
use crate::feed::{self, FeedStatus};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Ready {
    pub status: String,
    pub database: String,
    pub redis: String,
    /// Why the feed makes the service unready (halted, or failing too long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The feed consumer's position and lag behind the approval service.
    pub feed: Option<FeedStatus>,
    /// The working-day calendar in use: `source` is `approval` once the approval service's
    /// holiday tables are read, `builtin` until then (not a reason to be unready).
    pub calendar: CalendarVersion,
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "process up")))]
pub async fn healthz(_no_query: platform::http::NoQuery) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Readiness: database (and Redis when configured) reachable; reports the feed's lag and the calendar.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Ready), (status = 503, body = Ready)))]
pub async fn readyz(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
) -> HttpResponse {
    let database = match platform::db::ping(&state.db).await {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            // The probe is public: the cause goes to the log, not to the answer.
            tracing::warn!(error = %e, "readiness: database unreachable");
            "error: unreachable".to_string()
        }
    };
    let redis = match &state.redis {
        None => "not_configured".to_string(),
        Some(c) => match platform::db::redis_ping(c).await {
            Ok(()) => "ok".into(),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: Redis unreachable");
                "error: unreachable".to_string()
            }
        },
    };
    let feed = feed::status(&state.db).await.ok();
    // The feed is this service's input: halted, or failing for longer than
    // FEED_FAILURE_SECONDS (e.g. a wrong JWT_SECRET: 401 on every poll), it is not ready.
    let feed_problem = feed
        .as_ref()
        .and_then(|f| f.unhealthy(state.now(), state.settings.feed_failure_seconds))
        // Verifying with the issuer's JWKS and none read yet: no token can be checked.
        .or_else(|| {
            (state.config.jwt.jwks_url.is_some() && state.jwt.jwks().keys.is_empty())
                .then(|| "the issuer's keys (JWT_JWKS_URL) have not been read yet".to_string())
        });
    let ok =
        database == "ok" && (redis == "ok" || redis == "not_configured") && feed_problem.is_none();
    let body = Ready {
        status: if ok { "ok" } else { "unavailable" }.into(),
        database,
        redis,
        reason: feed_problem,
        feed,
        calendar: state.calendar_version(),
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics (text exposition format 0.0.4): the feed cursor, head, lag, halt and
/// failing time (`assessment_feed_*`), HTTP requests by route template and status, latency
/// histograms, the database pool, job runs by outcome, the mail outbox. Unauthenticated like
/// the probes: serve it on the cluster network only.
#[utoipa::path(get, path = "/metrics", tag = "health", responses(
    (status = 200, description = "the metrics in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
))]
pub async fn metrics(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = state.metrics.render(&state.db, state.now()).await;
    HttpResponse::Ok()
        .content_type(platform::metrics::CONTENT_TYPE)
        .body(body)
}

/// The feed consumer's position.
#[utoipa::path(get, path = "/v1/feed/status", tag = "feed", security(("bearer_auth" = [])), responses((status = 200, body = FeedStatus)))]
pub async fn feed_status(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<web::Json<FeedStatus>> {
    Ok(web::Json(feed::status(&state.db).await?))
}

/// Pull and apply the feed now (system administrator, assessor), until caught up or 20 pages.
#[utoipa::path(post, path = "/v1/feed/pull", tag = "feed", security(("bearer_auth" = [])), responses((status = 200, body = FeedStatus)))]
pub async fn feed_pull(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<FeedStatus>> {
    user.require(&[Role::Sysadmin, Role::Assessor])?;
    for _ in 0..20 {
        if feed::consume_once(&state, 500).await? < 500 {
            break;
        }
    }
    Ok(web::Json(feed::status(&state.db).await?))
}

/// Start over on the approval feed after a halt (system administrator).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedReset {
    /// The epoch the approval service reports now (`GET /v1/events` → `epoch`): the cursor
    /// restarts at 0 under it.
    pub epoch: String,
}

/// Reset the feed consumer after it halted on a different approval feed (system administrator): the facts
/// read from the old feed are discarded, the cursor restarts at 0 under the new epoch,
/// audited. Results already computed and published are kept.
#[utoipa::path(post, path = "/v1/feed/reset", tag = "feed", request_body = FeedReset, security(("bearer_auth" = [])), responses((status = 200, body = FeedStatus)))]
pub async fn feed_reset(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: platform::json::ValidJson<FeedReset>,
) -> ApiResult<web::Json<FeedStatus>> {
    user.require(&[Role::Sysadmin])?;
    let body = body.into_inner();
    let epoch = body.epoch.trim();
    if epoch.is_empty() || epoch.len() > 64 {
        return Err(platform::ApiError::validation(
            "epoch",
            "must be the approval feed's epoch (1–64 characters)",
        ));
    }
    Ok(web::Json(feed::reset(&state, &user, epoch).await?))
}
