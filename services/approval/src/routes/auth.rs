use actix_web::http::header;
use actix_web::{web, HttpResponse};
use platform::auth::{verify_password, AuthUser, JwtKeys, Role};
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::{model::User, store};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    pub role: Role,
    pub department_id: Option<i32>,
}

/// A stand-in hash so an unknown user costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5sDYYHxRmnMlNmk2sgIZ2vJdBp3cPwaCoePpvfc6mCE";

/// Exchange a username and password for an access token.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", request_body = TokenRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "unknown user, wrong password or inactive account", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn token(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let user = store::find_user_by_name(&state.db, &req.username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(DUMMY_HASH);
    let password_ok = verify_password(&req.password, hash);
    let user = match user {
        Some(u) if password_ok && u.active && u.deleted_at.is_none() => u,
        _ => {
            return Err(ApiError::unauthorized(
                "invalid_credentials",
                "unknown user, wrong password or inactive account",
            ))
        }
    };
    let role: Role = user.role.parse().map_err(ApiError::Internal)?;
    let token = keys.issue(
        user.id,
        &user.username,
        role,
        user.department_id,
        state.now(),
    )?;
    // RFC 6749 §5.1: a token response must not be cached.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: keys.ttl_seconds,
            role,
            department_id: user.department_id,
        }))
}

/// The caller's own account.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth", security(("bearer_auth" = [])), responses(
    (status = 200, body = User),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn me(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<User>> {
    let row = store::get_user_row(&state.db, user.id).await?;
    Ok(web::Json(store::user_view(row)?))
}
