//! The session check on every request (会话检查): an actix middleware in front of all routes.
//!
//! A request carrying a valid access token — `Authorization: Bearer`, or on `/console` pages
//! the console's cookie — passes only when the token's `tv` is the user's current
//! `token_version` and the account is active; otherwise 401 `session_revoked` (problem+json;
//! on console pages the sign-in page, with the cookie removed). A missing, expired or forged
//! token passes on unchanged: the route's own check answers it (`token_missing`,
//! `token_expired`, `token_invalid`). A console page on the cookie must also come within the
//! idle time of the last one (`platform::idle`, `CONSOLE_IDLE_MINUTES`, default 15 minutes)
//! and renews the signed activity stamp; past it, the sign-in page, both cookies removed. The routes that authenticate otherwise (sign-in, refresh,
//! password change, the console's sign-in and sign-out) are not checked, so a stale header
//! never stops anyone from signing in again.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use platform::auth::{Claims, JwtKeys};
use platform::ApiError;

use crate::state::AppState;

/// Routes that take no access token (or only replace the console's cookie).
const UNCHECKED: [&str; 7] = [
    "/v1/auth/token",
    "/v1/auth/client-token",
    "/v1/auth/oidc",
    "/v1/auth/refresh",
    "/v1/auth/password",
    "/console/login",
    "/console/logout",
];

fn is_console(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// The token a request carries, and whether it came from the console's cookie.
fn token_of(req: &ServiceRequest) -> Option<(String, bool)> {
    let bearer = platform::auth::bearer_token(req.headers()).map(|t| (t, false));
    bearer.or_else(|| {
        is_console(req.path())
            .then(|| req.cookie(crate::console::auth::COOKIE))
            .flatten()
            .map(|c| (c.value().to_string(), true))
    })
}

/// Has the session of `claims` ended: the account changed (or is gone) since the token was
/// issued? Every token has an account, service accounts too (client credentials; the identity
/// without a user row that services once minted for themselves is gone). Also used by the
/// console's sign-in, which reads its token from a form this middleware does not see.
pub(crate) async fn has_ended(state: &AppState, claims: &Claims) -> Result<bool, ApiError> {
    let Ok(id) = claims.sub.parse::<i32>() else {
        return Ok(true);
    };
    let user = state.sessions.user_state(&state.db, id).await?;
    Ok(!super::policy::access_current(claims.tv, user))
}

pub async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if UNCHECKED.contains(&req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let claims = match (token_of(&req), req.app_data::<web::Data<JwtKeys>>()) {
        (Some((token, cookie)), Some(keys)) => keys.verify(&token).ok().map(|c| (c, token, cookie)),
        _ => None,
    };
    let Some((claims, token, cookie)) = claims else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let current = match has_ended(&state, &claims).await {
        Ok(ended) => !ended,
        Err(e) => {
            let (r, _) = req.into_parts();
            return Ok(ServiceResponse::new(r, e.error_response()).map_into_right_body());
        }
    };
    if current && cookie {
        // A console page on the cookie: within the idle time of the last one, and renewing it.
        use crate::console::auth::{COOKIE_PATH, SEEN_COOKIE};
        let stamp = req.cookie(SEEN_COOKIE).map(|c| c.value().to_string());
        let secure = req.connection_info().scheme() == "https";
        let admitted = state
            .idle
            .admit(SEEN_COOKIE, COOKIE_PATH, &token, stamp.as_deref(), secure);
        let renewed = match admitted {
            Ok(cookie) => cookie,
            Err(message) => {
                let response = crate::console::auth::idle_page(&message);
                let (r, _) = req.into_parts();
                return Ok(ServiceResponse::new(r, response).map_into_right_body());
            }
        };
        let mut res = next.call(req).await?;
        let _ = res.response_mut().add_cookie(&renewed);
        return Ok(res.map_into_left_body());
    }
    if current {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let response = if is_console(req.path()) {
        crate::console::auth::revoked_page(cookie)
    } else {
        super::revoked().error_response()
    };
    let (r, _) = req.into_parts();
    Ok(ServiceResponse::new(r, response).map_into_right_body())
}
