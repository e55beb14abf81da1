//! Webhook subscriptions (system administrator only): CRUD, the delivery log, redelivery, and an on-demand
//! delivery round.

use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::state::AppState;
use crate::webhooks::delivery::{self, RoundReport};
use crate::webhooks::{
    self, RedeliverInput, Webhook, WebhookCreated, WebhookDeleted, WebhookDelivery, WebhookInput,
    WebhookPatch,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List webhook subscriptions (system administrator).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<Webhook>),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin])?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    Ok(HttpResponse::Ok().json(webhooks::list(&state.db, page).await?))
}

/// Subscribe a system to the feed (system administrator). It is sent the events appended from now on; the
/// answer carries the signing secret, shown this once.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", request_body = WebhookInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = WebhookCreated),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "`invalid_webhook_url` (field `url`), `unknown_event_kind` (field `event_kinds[i]`), `invalid_webhook_secret`, an unknown `department_id`", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<WebhookInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin])?;
    let w = webhooks::create(&state.db, &user, state.now(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(w))
}

/// One subscription (system administrator), with its delivery state.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer_auth" = [])), responses(
    (status = 200, body = Webhook),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Webhook>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(webhooks::get(&state.db, id.into_inner()).await?))
}

/// Change a subscription (system administrator): only the fields given.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookPatch, security(("bearer_auth" = [])), responses(
    (status = 200, body = Webhook),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<WebhookPatch>,
) -> ApiResult<web::Json<Webhook>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        webhooks::update(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}

/// Delete a subscription and its delivery log (system administrator).
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer_auth" = [])), responses(
    (status = 200, body = WebhookDeleted),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<WebhookDeleted>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        webhooks::delete(&state.db, &user, state.now(), id.into_inner()).await?,
    ))
}

/// The delivery log of a subscription (system administrator), oldest first: every attempt with the event,
/// the attempt number, the status code or error, and the duration.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<WebhookDelivery>),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin])?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    Ok(HttpResponse::Ok().json(webhooks::deliveries(&state.db, id.into_inner(), page).await?))
}

/// Revive a subscription (system administrator): clear its failures, deliver again now, optionally from a
/// given feed `seq`. 409 `webhook_busy` while a delivery for it is running.
#[utoipa::path(post, path = "/v1/webhooks/{id}/redeliver", tag = "webhooks", request_body(content = RedeliverInput, description = "optional"), security(("bearer_auth" = [])), responses(
    (status = 200, body = Webhook),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn redeliver(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: Option<ValidJson<RedeliverInput>>,
) -> ApiResult<web::Json<Webhook>> {
    user.require(&[Role::Sysadmin])?;
    let input = body.map(ValidJson::into_inner).unwrap_or_default();
    Ok(web::Json(
        webhooks::redeliver(&state.db, &user, state.now(), id.into_inner(), input).await?,
    ))
}

/// Run one delivery round now (system administrator) and wait for it: what the background worker does every
/// `WEBHOOK_INTERVAL_SECONDS`. For operators and tests.
#[utoipa::path(post, path = "/v1/webhooks/run", tag = "webhooks", security(("bearer_auth" = [])), responses(
    (status = 200, body = RoundReport),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn run(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<RoundReport>> {
    user.require(&[Role::Sysadmin])?;
    Ok(web::Json(
        delivery::run_round(&state, state.now(), true).await?,
    ))
}
