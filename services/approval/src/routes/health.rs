use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency fails.
    pub status: String,
    /// Database check: `ok` or the error.
    pub database: String,
    /// Redis check: `ok`, the error, or `not_configured` (in-process fallback).
    pub redis: String,
    /// How scheduled jobs are kept to one run per tick: `redis_lock+ledger`, or `ledger`
    /// (the database's job ledger alone: no Redis configured, or Redis unreachable).
    pub scheduling: String,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "process up")))]
pub async fn healthz(_no_query: platform::http::NoQuery) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers, and Redis too when configured.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready", body = Health),
    (status = 503, description = "a dependency is down", body = Health),
))]
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
            Ok(()) => "ok".to_string(),
            Err(e) => {
                tracing::warn!(error = %e, "readiness: Redis unreachable");
                "error: unreachable".to_string()
            }
        },
    };
    let ok = database == "ok" && (redis == "ok" || redis == "not_configured");
    let scheduling = if redis == "ok" {
        "redis_lock+ledger"
    } else {
        "ledger"
    }
    .to_string();
    let body = Health {
        status: if ok { "ok" } else { "unavailable" }.into(),
        database,
        redis,
        scheduling,
    };
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus metrics (text exposition format 0.0.4): HTTP requests by route template and
/// status, latency histograms, the database pool, job runs by outcome, the sweep, the mail
/// outbox. Unauthenticated like the probes: serve it on the cluster network only (the
/// Kubernetes manifests scrape the pod port; no Ingress routes it).
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
