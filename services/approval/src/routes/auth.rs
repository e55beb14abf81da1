use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::{AuthUser, JwtKeys, Role};
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::{model::User, store};
use crate::login;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// The second factor's current code, for an account that has one (the administrators may
    /// enrol one: `POST /v1/auth/totp`).
    #[serde(default)]
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds (`TOKEN_TTL_SECONDS`, default 900).
    pub expires_in: i64,
    /// Opaque, single-use: exchange it at `POST /v1/auth/refresh` for the next pair. Using it
    /// twice ends the session.
    pub refresh_token: String,
    /// Lifetime of the refresh token in seconds (`REFRESH_TOKEN_TTL_SECONDS`, default 28800).
    pub refresh_expires_in: i64,
    pub role: Role,
    pub department_id: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The `refresh_token` of the last token answer.
    pub refresh_token: String,
}

/// A token answer: never cached (RFC 6749 §5.1).
fn token_answer(
    state: &AppState,
    keys: &JwtKeys,
    pair: crate::sessions::TokenPair,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: pair.access_token,
            token_type: "Bearer".into(),
            expires_in: keys.ttl_seconds,
            refresh_token: pair.refresh_token,
            refresh_expires_in: state.sessions.settings.refresh_ttl_seconds,
            role: pair.role,
            department_id: pair.department_id,
        })
}

/// Check a username and password as a sign-in does: a locked account name or address is
/// refused first (429, audited); the password is checked on the bounded pool; a wrong one (or
/// an unknown or inactive account) is counted and audited (401); a right one clears the
/// account's count — only once the second factor, where the account has one, is right too
/// (`routes::totp::check_at_sign_in`). Used by the token and the password change alike.
async fn authenticate(
    state: &AppState,
    address: &str,
    (username, password, totp): (&str, &str, Option<&str>),
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::entities::user::Model, ApiError> {
    let account = login::account_key(username);
    let address_key = login::address_key(address, &state.config.jwt_secret);
    if let Err(locked) = login::check_open(&state.db, &[&account, &address_key], now).await {
        login::audit(
            &state.db,
            now,
            (None, username),
            "login_refused_locked",
            username,
            address,
        )
        .await?;
        return Err(locked);
    }
    let user = store::find_user_by_name(&state.db, username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = state.login.verify(password.to_string(), hash).await?;
    match user {
        Some(u) if ok && u.active && u.deleted_at.is_none() => {
            crate::routes::totp::check_at_sign_in(state, &u, totp, address, now).await?;
            login::clear(&state.db, &account).await?;
            Ok(u)
        }
        _ => {
            login::record_failure(
                &state.db,
                &state.login,
                now,
                username,
                &account,
                &address_key,
                address,
            )
            .await?;
            Err(ApiError::unauthorized(
                "invalid_credentials",
                "unknown user, wrong password or inactive account",
            ))
        }
    }
}

/// A stand-in hash so an unknown user costs as much time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5sDYYHxRmnMlNmk2sgIZ2vJdBp3cPwaCoePpvfc6mCE";

/// Exchange a username and password for an access token and a refresh token (a new session).
/// Failed attempts are counted per account name and per client address; past the limit both
/// are locked for a while (429 `login_locked`), whether or not the account exists. Every
/// sign-in, failure and lockout is in the audit trail with the client address.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", request_body = TokenRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "`invalid_credentials`: unknown user, wrong password or inactive account (counted: see 429); `totp_required`: the account has a second factor and no `totp` was sent; `totp_invalid`: a wrong or used code (counted)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, description = "`password_expired`: the password is older than `PASSWORD_MAX_AGE_DAYS` (default 90; product default): change it with `POST /v1/auth/password`", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "`login_locked`: too many failed sign-ins of this account name (default 5 in 15 minutes) or from this address (20), locked for 15 minutes (product defaults; 登录失败处理, GB/T 22239-2019 8.1.4.1 b)", body = platform::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "seconds until the lockout ends"))),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn token(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let now = state.now();
    let address = crate::routes::public::client_address(&req_http);
    let user = authenticate(
        &state,
        &address,
        (&req.username, &req.password, req.totp.as_deref()),
        now,
    )
    .await?;
    // The right password, but too old: only a change opens the account again.
    if login::password_expired(&state.login, &user, now) {
        login::audit_user(&state.db, now, &user, "login_refused_expired", &address).await?;
        return Err(ApiError::Forbidden {
            code: "password_expired",
            message: format!(
                "the password is older than {} days: change it with POST /v1/auth/password (口令定期更换, GB/T 22239-2019 8.1.4.1 a)",
                state.login.settings.password.max_age_days
            ),
        });
    }
    let pair = crate::sessions::start(
        &state.db,
        &keys,
        &state.sessions.settings,
        &user,
        now,
        &address,
    )
    .await?;
    Ok(token_answer(&state, &keys, pair))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientTokenRequest {
    /// The service account's name (a user of role `service`).
    #[schema(min_length = 1, max_length = 64)]
    pub client_id: String,
    /// Its secret (the account's password; `SERVICE_ACCOUNTS` provisions it).
    #[schema(min_length = 1, max_length = 128)]
    pub client_secret: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientTokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`; its audience is only the
    /// approval service, its role `service`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds (`TOKEN_TTL_SECONDS`, default 900); ask again before it ends.
    pub expires_in: i64,
}

/// A service account's token (client credentials, RFC 6749 §4.4): another system — the
/// assessment service first — authenticates as a user of role `service`, which reads the event
/// feed, the departments, the calendar and statistics, and no applicant's personal data. No
/// refresh token: the client asks again. Throttled, locked and audited as a sign-in is
/// (`login_client`); a person's account is refused as `invalid_client`, like a wrong secret.
#[utoipa::path(post, path = "/v1/auth/client-token", tag = "auth", request_body = ClientTokenRequest, responses(
    (status = 200, body = ClientTokenResponse, headers(("Cache-Control" = String, description = "`no-store`"))),
    (status = 401, description = "`invalid_client`: unknown service account, wrong secret, inactive, or not a service account (counted, as a sign-in is)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "`login_locked`: too many failures of this account name or address (as at `POST /v1/auth/token`)", body = platform::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "seconds until the lockout ends"))),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn client_token(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: ValidJson<ClientTokenRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let now = state.now();
    let address = crate::routes::public::client_address(&req_http);
    let refused = || {
        ApiError::unauthorized(
            "invalid_client",
            "unknown service account, wrong secret, inactive account or not a service account",
        )
    };
    let user = authenticate(
        &state,
        &address,
        (&req.client_id, &req.client_secret, None),
        now,
    )
    .await
    .map_err(|e| match e.code() {
        "invalid_credentials" | "totp_required" | "totp_invalid" => refused(),
        _ => e,
    })?;
    if user.role != Role::Service.as_str() {
        login::audit_user(&state.db, now, &user, "login_refused_not_client", &address).await?;
        return Err(refused());
    }
    // Signed with the system clock, which is what every verifier checks `exp` against (the
    // service's own clock may be set to another day: the demo, the tests).
    let mut claims = keys.claims(
        user.id,
        &user.username,
        Role::Service,
        None,
        user.token_version,
        None,
        chrono::Utc::now(),
    );
    claims.aud = vec![platform::auth::AUD_APPROVAL.to_string()];
    let access_token = keys.issue_claims(&claims)?;
    login::audit_user(&state.db, now, &user, "login_client", &address).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(ClientTokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: keys.ttl_seconds,
        }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcRequest {
    /// The identity provider's token (an ID token, or an access token that is a JWT).
    #[schema(min_length = 1, max_length = 8000)]
    pub token: String,
}

/// Sign in through the external identity provider (统一身份认证, OpenID Connect; `OIDC_*`):
/// its token, checked against the provider's published keys, issuer and this platform's
/// client id, is exchanged for an ordinary session (access and refresh token) of the active
/// account its username claim names. Roles and departments are this platform's. Audited as
/// `login_oidc`, refusals as `login_oidc_failed` / `login_oidc_refused`, with the address.
#[utoipa::path(post, path = "/v1/auth/oidc", tag = "auth", request_body = OidcRequest, responses(
    (status = 200, body = TokenResponse, headers(("Cache-Control" = String, description = "`no-store`"))),
    (status = 401, description = "`oidc_token_invalid` (signature, key, issuer, audience, expiry or username claim; the reason in `detail`) or `oidc_unknown_account` (no active account of that username here)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, description = "`oidc_not_configured`: this deployment has no identity provider", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 503, description = "`unavailable`: the identity provider's keys cannot be read now", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn oidc(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: ValidJson<OidcRequest>,
) -> ApiResult<HttpResponse> {
    let Some(provider) = state.oidc.clone() else {
        // 404, not 503: nothing is down, this deployment has no such sign-in.
        return Err(ApiError::NoMatch {
            code: "oidc_not_configured",
            message: "no external identity provider is configured (OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE)".into(),
        });
    };
    let now = state.now();
    let address = crate::routes::public::client_address(&req_http);
    let username = match provider.username_of(body.into_inner().token.trim()).await {
        Ok(u) => u,
        Err(e) => {
            if e.code() == "oidc_token_invalid" {
                login::audit(
                    &state.db,
                    now,
                    (None, "oidc"),
                    "login_oidc_failed",
                    &provider.settings.issuer,
                    &address,
                )
                .await?;
            }
            return Err(e);
        }
    };
    let user = store::find_user_by_name(&state.db, &username)
        .await?
        .filter(|u| u.active && u.deleted_at.is_none());
    let Some(user) = user else {
        login::audit(
            &state.db,
            now,
            (None, &username),
            "login_oidc_refused",
            &username,
            &address,
        )
        .await?;
        return Err(ApiError::unauthorized(
            "oidc_unknown_account",
            format!("the identity provider's user `{username}` has no active account here: ask the security administrator"),
        ));
    };
    let pair = crate::sessions::start_audited(
        &state.db,
        &keys,
        &state.sessions.settings,
        &user,
        now,
        &address,
        "login_oidc",
    )
    .await?;
    Ok(token_answer(&state, &keys, pair))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectRequest {
    /// The access token another service was shown.
    #[schema(min_length = 1, max_length = 8000)]
    pub token: String,
}

/// Whether a token is still good (RFC 7662 §2.2): only `active` when it is not.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntrospectResponse {
    /// Signed by this issuer, unexpired, and its account active at the token's version.
    pub active: bool,
    /// The user id, when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The token version it was issued at, when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tv: Option<i32>,
    /// When it expires (seconds since 1970), when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// Token introspection for the platform's other services (RFC 7662), service accounts only:
/// is the session of this token still live — its account active and at the same token
/// version (no deactivation, password, role or department change or logout since)? The
/// assessment service asks before it serves a person (cached for `SESSION_CACHE_SECONDS`),
/// so a session ended here ends there too.
#[utoipa::path(post, path = "/v1/auth/introspect", tag = "auth", request_body = IntrospectRequest, security(("bearer_auth" = [])), responses(
    (status = 200, body = IntrospectResponse, headers(("Cache-Control" = String, description = "`no-store`"))),
    (status = 401, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 403, description = "not a service account", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn introspect(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    caller: AuthUser,
    body: ValidJson<IntrospectRequest>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Service])?;
    let answer = match keys.verify(body.into_inner().token.trim()) {
        Ok(claims) if !crate::sessions::guard::has_ended(&state, &claims).await? => {
            IntrospectResponse {
                active: true,
                sub: Some(claims.sub),
                tv: Some(claims.tv),
                exp: Some(claims.exp),
            }
        }
        _ => IntrospectResponse {
            active: false,
            sub: None,
            tv: None,
            exp: None,
        },
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(answer))
}

/// The issuer's public keys (JWKS, RFC 7517): every key a service should accept for this
/// issuer's tokens — the signing key and the keys of a rotation (`JWT_VERIFY_KEY_FILES`), each
/// by its `kid`. Empty for the embedded default, whose HS256 secret is never published.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth", responses(
    (status = 200, body = platform::keys::JwkSet, headers(("Cache-Control" = String, description = "`public, max-age=300`: verifiers fetch again at least every five minutes, and at once on an unknown `kid`"))),
))]
pub async fn jwks(_no_query: platform::http::NoQuery, keys: web::Data<JwtKeys>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(keys.jwks())
}

/// Exchange a refresh token for a new access token and refresh token of the same session; the
/// one presented is used up. Presenting a used one again revokes the whole session (every
/// refresh token of its family, the newest too) and is audited with the client address.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse, headers(("Cache-Control" = String, description = "`no-store`"))),
    (status = 401, description = "`refresh_invalid` (unknown token), `refresh_expired` (older than `REFRESH_TOKEN_TTL_SECONDS`, default 8 h; product default), `session_expired` (the session is older than `SESSION_MAX_AGE_SECONDS`, default 12 h; product default), `refresh_reused` (already used: the session is revoked), `refresh_revoked` (its session was revoked or logged out) or `session_revoked` (the account changed, or is inactive, since the token was issued)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn refresh(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let address = crate::routes::public::client_address(&req_http);
    let pair = crate::sessions::refresh(
        &state.db,
        &keys,
        &state.sessions.settings,
        &req.refresh_token,
        state.now(),
        &address,
    )
    .await?;
    Ok(token_answer(&state, &keys, pair))
}

/// End the caller's sessions: the session's refresh tokens are revoked and the account's token
/// version raised, so every access and refresh token of the user (all sessions, on every
/// device) is refused from the next request on. Audited with the client address.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", security(("bearer_auth" = [])), responses(
    (status = 204, description = "logged out"),
    (status = 401, description = "no valid token, or `session_revoked`: the session had already ended", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn logout(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<JwtKeys>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    // The extractor checked the token; its session id is in the claims.
    let sid = req_http
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(7..))
        .and_then(|t| keys.verify(t.trim()).ok())
        .and_then(|c| c.sid);
    let address = crate::routes::public::client_address(&req_http);
    let r = crate::sessions::logout(
        &state.db,
        user.id,
        &user.name,
        sid.as_deref(),
        state.now(),
        &address,
    )
    .await;
    state.sessions.cache.invalidate(user.id);
    r?;
    Ok(HttpResponse::NoContent().finish())
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub username: String,
    pub current_password: String,
    /// The new password; the password rule applies (see `POST /v1/users`) and it may not be
    /// the current one or one of the last `PASSWORD_HISTORY` (default 5).
    pub new_password: String,
    /// The second factor's current code, for an account that has one.
    #[serde(default)]
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub totp: Option<String>,
}

/// Change one's own password with the current one (no token needed: an expired password can
/// be changed here). A wrong current password counts as a failed sign-in (and locks alike);
/// the change is audited with the client address. It ends every session of the account
/// (their tokens answer 401 `session_revoked`): sign in again with the new password.
#[utoipa::path(post, path = "/v1/auth/password", tag = "auth", request_body = PasswordChange, responses(
    (status = 204, description = "changed"),
    (status = 401, description = "unknown user, wrong current password or inactive account", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, description = "`weak_password`, `password_reused` or an invalid body", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "`login_locked`", body = platform::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "seconds until the lockout ends"))),
))]
pub async fn change_password(
    _no_query: platform::http::NoQuery,
    req_http: HttpRequest,
    state: web::Data<AppState>,
    body: ValidJson<PasswordChange>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let now = state.now();
    let address = crate::routes::public::client_address(&req_http);
    let user = authenticate(
        &state,
        &address,
        (&req.username, &req.current_password, req.totp.as_deref()),
        now,
    )
    .await?;
    login::check_new_password(
        &state.db,
        &state.login,
        Some(&user),
        &user.username,
        &req.new_password,
        "new_password",
    )
    .await?;
    let set = store::set_password(&state.db, &user, now, &req.new_password).await;
    state.sessions.cache.invalidate(user.id);
    set?;
    login::audit_user(&state.db, now, &user, "password_changed", &address).await?;
    Ok(HttpResponse::NoContent().finish())
}
