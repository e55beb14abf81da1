use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::cases::model::EventPage;
use crate::cases::store;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Return events with `seq` greater than this (0 = from the beginning).
    #[serde(default)]
    pub after: i64,
    /// At most this many, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// The event feed: every change, in commit order, with no gaps a reader could skip past.
/// Store `next_after` and ask again; apply events idempotently by `seq`.
/// For assessors, admins and service accounts.
#[utoipa::path(get, path = "/v1/events", tag = "events", params(FeedQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = EventPage),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn feed(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<FeedQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Assessor, Role::Service])?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 1000"));
    }
    if q.after < 0 {
        return Err(ApiError::validation("after", "must not be negative"));
    }
    Ok(HttpResponse::Ok().json(store::feed(&state.db, q.after, limit).await?))
}
