//! The session check (会话检查) of this service: a token is the approval service's, and so is
//! the session it belongs to. Before a request carrying a valid token — `Authorization:
//! Bearer`, or on `/console` pages the console's cookie — is served, the approval service is
//! asked whether that session is still live (`POST /v1/auth/introspect`, as this service's
//! service account): a deactivation, password, role or department change or a logout there
//! ends the session here too (401 `session_revoked`). The answer is kept per (user, token
//! version) for `SESSION_CACHE_SECONDS` (default 5, as the approval service's own cache; the
//! product's own default), so a busy page costs one question per user every few seconds. When
//! the approval service cannot be asked, a request with a token is refused (503 `unavailable`,
//! `Retry-After`) rather than served on a session nobody can vouch for.
//! Requests without a token, or with one that does not verify, pass on unchanged: the route's
//! own check answers them. A console page on the cookie must also be within the idle time of
//! the last one (`platform::idle`, `CONSOLE_IDLE_MINUTES`), and renews its stamp.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use platform::auth::JwtKeys;
use platform::ApiError;

use crate::state::AppState;

/// Answers kept at most: past this the cache starts over (a flood of distinct tokens cannot
/// grow it without bound).
const MAX_ENTRIES: usize = 10_000;

/// The approval service's answers, per (user id, token version).
pub struct SessionCache {
    ttl: Duration,
    answers: Mutex<HashMap<(String, i32), (bool, Instant)>>,
}

impl SessionCache {
    pub fn new(ttl_seconds: u64) -> Self {
        SessionCache {
            ttl: Duration::from_secs(ttl_seconds),
            answers: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &(String, i32)) -> Option<bool> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(live, _)| *live)
    }

    fn put(&self, key: (String, i32), live: bool) {
        if self.ttl.is_zero() {
            return;
        }
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        if answers.len() >= MAX_ENTRIES {
            answers.clear();
        }
        answers.insert(key, (live, Instant::now()));
    }
}

/// Routes that only replace the console's cookie.
const UNCHECKED: [&str; 2] = ["/console/login", "/console/logout"];

fn is_console(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

fn token_of(req: &ServiceRequest) -> Option<(String, bool)> {
    let bearer = platform::auth::bearer_token(req.headers()).map(|t| (t, false));
    bearer.or_else(|| {
        is_console(req.path())
            .then(|| req.cookie(crate::console::COOKIE))
            .flatten()
            .map(|c| (c.value().to_string(), true))
    })
}

/// Is the session of `token` (whose claims verified) live? Cached.
async fn live(state: &AppState, token: &str, sub: &str, tv: i32) -> Result<bool, ApiError> {
    let key = (sub.to_string(), tv);
    if let Some(live) = state.sessions.get(&key) {
        return Ok(live);
    }
    let live = state.approval.introspect(token).await.map_err(|e| {
        tracing::warn!(error = %e, "session check: the approval service cannot be asked");
        ApiError::Unavailable(
            "the session cannot be checked: the approval service, which keeps the sessions, cannot be asked now; try again shortly".into(),
        )
    })?;
    state.sessions.put(key, live);
    Ok(live)
}

pub async fn guard<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if UNCHECKED.contains(&req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let checked = match (token_of(&req), req.app_data::<web::Data<JwtKeys>>()) {
        (Some((token, cookie)), Some(keys)) => keys.verify(&token).ok().map(|c| (token, c, cookie)),
        _ => None,
    };
    let (Some((token, claims, cookie)), Some(state)) =
        (checked, req.app_data::<web::Data<AppState>>().cloned())
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let response = match live(&state, &token, &claims.sub, claims.tv).await {
        Ok(true) if cookie => {
            // A console page on the cookie: within the idle time of the last one, renewing it.
            use crate::console::{COOKIE_PATH, SEEN_COOKIE};
            let stamp = req.cookie(SEEN_COOKIE).map(|c| c.value().to_string());
            let secure = req.connection_info().scheme() == "https";
            match state
                .idle
                .admit(SEEN_COOKIE, COOKIE_PATH, &token, stamp.as_deref(), secure)
            {
                Err(message) => crate::console::idle_page(&message),
                Ok(renewed) => {
                    let mut res = next.call(req).await?;
                    let _ = res.response_mut().add_cookie(&renewed);
                    return Ok(res.map_into_left_body());
                }
            }
        }
        Ok(true) => return Ok(next.call(req).await?.map_into_left_body()),
        Ok(false) if is_console(req.path()) => crate::console::revoked_page(cookie),
        Ok(false) => revoked().error_response(),
        Err(e) => e.error_response(),
    };
    let (r, _) = req.into_parts();
    Ok(ServiceResponse::new(r, response).map_into_right_body())
}

/// The answer for a session the approval service ended.
pub fn revoked() -> ApiError {
    ApiError::unauthorized(
        "session_revoked",
        "the session was ended at the approval service (deactivation, password, role or department change, or logout): sign in again",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_for_the_ttl_per_user_and_version() {
        let c = SessionCache::new(60);
        let k = ("7".to_string(), 0);
        assert_eq!(c.get(&k), None);
        c.put(k.clone(), true);
        assert_eq!(c.get(&k), Some(true));
        assert_eq!(
            c.get(&("7".to_string(), 1)),
            None,
            "a new version is asked anew"
        );
        let none = SessionCache::new(0);
        none.put(k.clone(), true);
        assert_eq!(none.get(&k), None, "a zero TTL keeps nothing");
    }
}
