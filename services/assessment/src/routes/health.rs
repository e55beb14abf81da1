use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::ApiResult;
use serde::Serialize;
use utoipa::ToSchema;

use crate::feed::{self, FeedStatus};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Ready {
    pub status: String,
    pub database: String,
    pub redis: String,
    /// The feed consumer's position and lag behind the approval service.
    pub feed: Option<FeedStatus>,
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "process up")))]
pub async fn healthz(_no_query: platform::http::NoQuery) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Readiness: database (and Redis when configured) reachable; the feed's lag is reported.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Ready), (status = 503, body = Ready)))]
pub async fn readyz(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
) -> HttpResponse {
    let database = match platform::db::ping(&state.db).await {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    let redis = match &state.redis {
        None => "not_configured".to_string(),
        Some(c) => match platform::db::redis_ping(c).await {
            Ok(()) => "ok".into(),
            Err(e) => format!("error: {e}"),
        },
    };
    let feed = feed::status(&state.db).await.ok();
    let ok = database == "ok" && (redis == "ok" || redis == "not_configured");
    let body = Ready {
        status: if ok { "ok" } else { "unavailable" }.into(),
        database,
        redis,
        feed,
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics: the feed cursor, head and lag.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "text/plain; version=0.0.4")))]
pub async fn metrics(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
) -> HttpResponse {
    let s = feed::status(&state.db).await.ok();
    let (cursor, head, lag) = s
        .map(|s| (s.cursor, s.head, s.lag_events))
        .unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(format!(
        "# HELP assessment_feed_cursor Last applied event seq.\n# TYPE assessment_feed_cursor gauge\nassessment_feed_cursor {cursor}\n\
         # HELP assessment_feed_head Newest event seq reported by the approval service.\n# TYPE assessment_feed_head gauge\nassessment_feed_head {head}\n\
         # HELP assessment_feed_lag_events Events not yet applied.\n# TYPE assessment_feed_lag_events gauge\nassessment_feed_lag_events {lag}\n"
    ))
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

/// Pull and apply the feed now (admin, assessor), until caught up or 20 pages.
#[utoipa::path(post, path = "/v1/feed/pull", tag = "feed", security(("bearer_auth" = [])), responses((status = 200, body = FeedStatus)))]
pub async fn feed_pull(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<FeedStatus>> {
    user.require(&[Role::Admin, Role::Assessor])?;
    for _ in 0..20 {
        if feed::consume_once(&state, 500).await? < 500 {
            break;
        }
    }
    Ok(web::Json(feed::status(&state.db).await?))
}
