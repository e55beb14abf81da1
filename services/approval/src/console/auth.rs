//! Who may see a console page: the JWT of the JSON API, carried by a browser in an `HttpOnly`
//! cookie (see the module documentation of `console` for the whole scheme).

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use platform::auth::{AuthUser, Claims, JwtKeys, Role};
use platform::ApiError;

use super::html::{escape, page, respond};

/// The cookie holding the token. Named per service: cookies are per host, not per port, so
/// the approval and assessment consoles on one host must not overwrite each other's.
pub const COOKIE: &str = "approval_console_token";
/// Where the cookie is sent: the console only, never the JSON API.
pub const COOKIE_PATH: &str = "/console";
/// The activity stamp beside the token's cookie: the console's idle timeout
/// (`platform::idle`, `CONSOLE_IDLE_MINUTES`).
pub const SEEN_COOKIE: &str = "approval_console_seen";

/// The login page: paste a token (from `POST /v1/auth/token`); the form posts it, so it stays
/// out of the address bar and the access log.
pub fn render_login(heading: &str, message: Option<&str>) -> String {
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"login\"><h1>{}</h1>{message}\
<p class=\"muted\">Sign in with an access token of the platform (<code>POST /v1/auth/token</code>).</p>\
<form method=\"post\" action=\"/console/login\"><label for=\"token\">Access token</label>\
<textarea id=\"token\" name=\"token\" rows=\"5\" required autocomplete=\"off\"></textarea>\
<button type=\"submit\">Sign in</button></form></div>",
        escape(heading)
    );
    page(&format!("{heading} · sign in"), None, &body)
}

/// The page for a signed-in user whose role may not see the console.
pub fn render_forbidden(heading: &str, user: &AuthUser, allowed: &[Role]) -> String {
    let allowed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
    let body = format!(
        "<div class=\"login\"><h1>{}</h1><p class=\"error\" role=\"alert\">Your role <b>{}</b> may not see this page; \
it is for {}.</p><form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form></div>",
        escape(heading),
        escape(user.role.as_str()),
        escape(&allowed.join(", "))
    );
    page(&format!("{heading} · forbidden"), None, &body)
}

fn user_of(claims: Claims) -> Result<AuthUser, ApiError> {
    let id = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized("token_invalid", "token subject is not a user id"))?;
    Ok(AuthUser {
        id,
        name: claims.name,
        role: claims.role,
        department_id: claims.dept,
    })
}

fn keys(req: &HttpRequest) -> Option<&JwtKeys> {
    req.app_data::<web::Data<JwtKeys>>().map(|k| k.get_ref())
}

/// The token a request carries: `Authorization: Bearer` first (scripts, tests), else the cookie.
fn token_of(req: &HttpRequest) -> Option<String> {
    let bearer = platform::auth::bearer_token(req.headers());
    bearer.or_else(|| req.cookie(COOKIE).map(|c| c.value().to_string()))
}

/// The removal of the cookie (an expired, forged or unwanted token).
pub fn clear_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    c.make_removal();
    c
}

/// The signed-in viewer with one of `roles`, or the page that refuses: 401 with the login
/// form when there is no valid token (an invalid cookie is cleared), 403 for another role.
pub fn viewer(
    req: &HttpRequest,
    heading: &str,
    roles: &[Role],
) -> Result<AuthUser, Box<HttpResponse>> {
    let Some(keys) = keys(req) else {
        return Err(Box::new(respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            page(heading, None, "<p>JwtKeys not configured</p>"),
        )));
    };
    let Some(token) = token_of(req) else {
        return Err(Box::new(unauthorized(heading, None, false)));
    };
    match keys.verify(&token).and_then(user_of) {
        Err(e) => Err(Box::new(unauthorized(
            heading,
            Some(&e.to_string()),
            req.cookie(COOKIE).is_some(),
        ))),
        Ok(user) if !roles.contains(&user.role) => Err(Box::new(respond(
            StatusCode::FORBIDDEN,
            render_forbidden(heading, &user, roles),
        ))),
        Ok(user) => Ok(user),
    }
}

/// The sign-in page for a token whose session has ended (see `crate::sessions::guard`); the
/// cookie is removed when it carried the token.
pub fn revoked_page(clear: bool) -> HttpResponse {
    unauthorized(
        super::HEADING,
        Some("the session was ended by a change to the account: sign in again"),
        clear,
    )
}

fn unauthorized(heading: &str, message: Option<&str>, clear: bool) -> HttpResponse {
    let mut r = respond(StatusCode::UNAUTHORIZED, render_login(heading, message));
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    if clear {
        let _ = r.add_cookie(&clear_cookie());
        let _ = r.add_cookie(&platform::idle::removal(SEEN_COOKIE, COOKIE_PATH));
    }
    r
}

/// The sign-in page after an idle console (both cookies removed).
pub fn idle_page(message: &str) -> HttpResponse {
    unauthorized(super::HEADING, Some(message), true)
}

/// Sign in with `token`: checked (signature, expiry, role) before anything is stored; on
/// success the token goes into the `HttpOnly` cookie, valid as long as the token, and the
/// browser is sent to `/console`.
pub fn sign_in(req: &HttpRequest, heading: &str, roles: &[Role], token: &str) -> HttpResponse {
    let token = token.trim();
    let Some(keys) = keys(req) else {
        return respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            page(heading, None, "<p>JwtKeys not configured</p>"),
        );
    };
    let claims = match keys.verify(token) {
        Ok(c) => c,
        Err(e) => return unauthorized(heading, Some(&e.to_string()), false),
    };
    let exp = claims.exp;
    let user = match user_of(claims) {
        Ok(u) => u,
        Err(e) => return unauthorized(heading, Some(&e.to_string()), false),
    };
    if !roles.contains(&user.role) {
        return respond(
            StatusCode::FORBIDDEN,
            render_forbidden(heading, &user, roles),
        );
    }
    let lifetime = (exp - chrono::Utc::now().timestamp()).max(0);
    let secure = req.connection_info().scheme() == "https";
    let stamp = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|s| s.idle.renewed(SEEN_COOKIE, COOKIE_PATH, token, secure));
    let cookie = Cookie::build(COOKIE, token.to_string())
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .max_age(time::Duration::seconds(lifetime))
        .finish();
    let mut r = HttpResponse::SeeOther();
    r.insert_header((header::LOCATION, "/console"))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .cookie(cookie);
    if let Some(stamp) = stamp {
        r.cookie(stamp);
    }
    r.finish()
}

/// Sign out: the cookie is removed and the login page shown.
pub fn sign_out() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/console/login"))
        .cookie(clear_cookie())
        .cookie(platform::idle::removal(SEEN_COOKIE, COOKIE_PATH))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_page_posts_the_token_and_escapes_the_message() {
        let p = render_login("Console", Some("bad <token>"));
        assert!(p.contains("<form method=\"post\" action=\"/console/login\">"));
        assert!(p.contains("name=\"token\""));
        assert!(p.contains("bad &lt;token&gt;"));
        assert!(!p.contains("<token>"));
    }

    #[test]
    fn the_forbidden_page_names_the_role_and_who_may() {
        let u = AuthUser {
            id: 1,
            name: "x".into(),
            role: Role::Clerk,
            department_id: None,
        };
        let p = render_forbidden("Console", &u, &[Role::Supervisor, Role::Assessor]);
        assert!(p.contains("<b>clerk</b>"));
        assert!(p.contains("supervisor, assessor"));
    }

    #[test]
    fn the_cleared_cookie_keeps_its_path_and_expires() {
        let c = clear_cookie();
        assert_eq!(
            (c.name(), c.value(), c.path()),
            (COOKIE, "", Some(COOKIE_PATH))
        );
        assert_eq!(c.max_age(), Some(time::Duration::ZERO));
    }
}
