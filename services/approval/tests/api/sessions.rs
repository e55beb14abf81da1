//! Sessions that can be ended (会话管理): the token version checked on every request, rotating
//! refresh tokens with reuse detection, logout, and the console's cookie.

use chrono::{Duration, Utc};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use platform::auth::Role;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Secret-pass-2026";

/// A user made by the system administrator; its id.
async fn user(app: &TestApp, username: &str, role: &str, dept: Option<i32>) -> i64 {
    let r = app
        .post(
            "/v1/users",
            &app.sysadmin_token,
            &json!({"username": username, "display_name": username, "role": role,
                    "department_id": dept, "password": PASSWORD}),
        )
        .await;
    expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

/// Sign in: the token answer.
async fn login(app: &TestApp, username: &str, password: &str) -> Value {
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": username, "password": password}),
        )
        .await;
    expect_status(r, StatusCode::OK).await
}

fn access(t: &Value) -> String {
    t["access_token"].as_str().unwrap().to_string()
}

fn refresh_of(t: &Value) -> String {
    t["refresh_token"].as_str().unwrap().to_string()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post("/v1/auth/refresh", "", &json!({"refresh_token": token}))
        .await
}

/// A PUT of a user with these changes over its current fields: a role change by the security
/// administrator, anything else by the system administrator (三权分立).
async fn change(app: &TestApp, id: i64, changes: Value) {
    let by = if changes.get("role").is_some() {
        app.secadmin_token()
    } else {
        app.sysadmin_token.clone()
    };
    let mut u = expect_status(
        app.get(&format!("/v1/users/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let mut body = json!({"display_name": u["display_name"], "email": u["email"],
        "role": u["role"], "department_id": u["department_id"], "active": u["active"]});
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    u = expect_status(
        app.put(&format!("/v1/users/{id}"), &by, &body).await,
        StatusCode::OK,
    )
    .await;
    let _ = u;
}

async fn revoked(r: reqwest::Response) {
    let p = expect_problem(r, StatusCode::UNAUTHORIZED, "session_revoked", None).await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("ended by a change to the account"),
        "{p}"
    );
}

async fn session_audit(app: &TestApp) -> Vec<Value> {
    let page = expect_status(
        app.get("/v1/audit?entity=session&limit=200", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn deactivation_ends_a_live_session_within_one_request() {
    let app = spawn_app().await;
    let id = user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    assert_eq!(t["expires_in"], 3600, "the configured TOKEN_TTL_SECONDS");
    assert_eq!(t["refresh_expires_in"], 28_800);
    let token = access(&t);
    // Warm the cache: the check must not serve the old state after the change.
    for _ in 0..2 {
        expect_status(app.get("/v1/auth/me", &token).await, StatusCode::OK).await;
    }
    change(&app, id, json!({"active": false})).await;
    revoked(app.get("/v1/auth/me", &token).await).await;
    revoked(refresh(&app, &refresh_of(&t)).await).await;

    // Deletion alike.
    let id = user(&app, "sup2", "supervisor", None).await;
    let token = access(&login(&app, "sup2", PASSWORD).await);
    expect_status(app.get("/v1/auth/me", &token).await, StatusCode::OK).await;
    expect_status(
        app.delete(&format!("/v1/users/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    revoked(app.get("/v1/auth/me", &token).await).await;
}

#[tokio::test]
async fn a_moved_reviewer_loses_the_old_department_at_once() {
    let app = spawn_app().await;
    let a = app.create_department("SA").await;
    let b = app.create_department("SB").await;
    let id = user(&app, "rev1", "reviewer", Some(a)).await;
    let old = access(&login(&app, "rev1", PASSWORD).await);
    let me = expect_status(app.get("/v1/auth/me", &old).await, StatusCode::OK).await;
    assert_eq!(me["department_id"], a);
    change(&app, id, json!({"department_id": b})).await;
    revoked(app.get("/v1/auth/me", &old).await).await;
    let t = login(&app, "rev1", PASSWORD).await;
    assert_eq!(t["department_id"], b);
    let claims = app.keys.verify(&access(&t)).unwrap();
    assert_eq!(claims.dept, Some(b as i32));
    assert_eq!(claims.tv, 1, "one change so far");
    // A change of role ends the new session too; a change of the display name does not.
    let fresh = access(&t);
    change(&app, id, json!({"display_name": "Reviewer One"})).await;
    expect_status(app.get("/v1/auth/me", &fresh).await, StatusCode::OK).await;
    change(&app, id, json!({"role": "approver"})).await;
    revoked(app.get("/v1/auth/me", &fresh).await).await;
}

#[tokio::test]
async fn a_password_change_ends_every_session() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let one = login(&app, "sup1", PASSWORD).await;
    let two = login(&app, "sup1", PASSWORD).await;
    for t in [&one, &two] {
        expect_status(app.get("/v1/auth/me", &access(t)).await, StatusCode::OK).await;
    }
    let r = app
        .post(
            "/v1/auth/password",
            &access(&one),
            &json!({"username": "sup1", "current_password": PASSWORD,
                    "new_password": "Another-pass-2027"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    for t in [&one, &two] {
        revoked(app.get("/v1/auth/me", &access(t)).await).await;
        revoked(refresh(&app, &refresh_of(t)).await).await;
    }
    let t = login(&app, "sup1", "Another-pass-2027").await;
    expect_status(app.get("/v1/auth/me", &access(&t)).await, StatusCode::OK).await;

    // An admin's reset alike.
    let id = app.keys.verify(&access(&t)).unwrap().sub;
    change(
        &app,
        id.parse().unwrap(),
        json!({"password": "Third-pass-2028"}),
    )
    .await;
    revoked(app.get("/v1/auth/me", &access(&t)).await).await;
}

#[tokio::test]
async fn logout_ends_the_session_and_its_refresh_token() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    let token = access(&t);
    let r = app.post("/v1/auth/logout", &token, &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    revoked(app.get("/v1/auth/me", &token).await).await;
    expect_problem(
        refresh(&app, &refresh_of(&t)).await,
        StatusCode::UNAUTHORIZED,
        "refresh_revoked",
        None,
    )
    .await;
    // Logging out again with the dead token is refused; without one, 401 too.
    revoked(app.post("/v1/auth/logout", &token, &json!({})).await).await;
    expect_problem(
        app.post("/v1/auth/logout", "", &json!({})).await,
        StatusCode::UNAUTHORIZED,
        "token_missing",
        None,
    )
    .await;
    let audit = session_audit(&app).await;
    let logout: Vec<&Value> = audit.iter().filter(|e| e["action"] == "logout").collect();
    assert_eq!(logout.len(), 1, "{audit:?}");
    assert_eq!(logout[0]["entity_id"], "sup1");
    assert_eq!(logout[0]["source"], "127.0.0.1");
}

#[tokio::test]
async fn refresh_rotates_within_the_session() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    let r = refresh(&app, &refresh_of(&t)).await;
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    let n = expect_status(r, StatusCode::OK).await;
    assert_ne!(refresh_of(&n), refresh_of(&t));
    assert_eq!(
        (n["token_type"].as_str(), n["role"].as_str()),
        (Some("Bearer"), Some("supervisor"))
    );
    let (old, new) = (
        app.keys.verify(&access(&t)).unwrap(),
        app.keys.verify(&access(&n)).unwrap(),
    );
    assert!(old.sid.is_some());
    assert_eq!(old.sid, new.sid, "the same session");
    expect_status(app.get("/v1/auth/me", &access(&n)).await, StatusCode::OK).await;
    // And again from the new one.
    expect_status(refresh(&app, &refresh_of(&n)).await, StatusCode::OK).await;
    // Only hashes are stored.
    let stored = app.count_rows("refresh_tokens").await;
    assert_eq!(stored, 3);
    expect_problem(
        refresh(&app, "not-a-token").await,
        StatusCode::UNAUTHORIZED,
        "refresh_invalid",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_family_and_is_audited() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    let other = login(&app, "sup1", PASSWORD).await;
    let n = expect_status(refresh(&app, &refresh_of(&t)).await, StatusCode::OK).await;
    // The old token again (a thief, or the holder's replay): the session is revoked.
    expect_problem(
        refresh(&app, &refresh_of(&t)).await,
        StatusCode::UNAUTHORIZED,
        "refresh_reused",
        None,
    )
    .await;
    // The rightful holder's newer token is refused too.
    expect_problem(
        refresh(&app, &refresh_of(&n)).await,
        StatusCode::UNAUTHORIZED,
        "refresh_revoked",
        None,
    )
    .await;
    // Another session of the user is not touched.
    expect_status(refresh(&app, &refresh_of(&other)).await, StatusCode::OK).await;
    let audit = session_audit(&app).await;
    let reused: Vec<&Value> = audit
        .iter()
        .filter(|e| e["action"] == "refresh_reused")
        .collect();
    assert_eq!(reused.len(), 1, "{audit:?}");
    assert_eq!(reused[0]["entity_id"], "sup1");
    assert_eq!(reused[0]["source"], "127.0.0.1");
    assert_eq!(
        audit.iter().filter(|e| e["action"] == "login").count(),
        2,
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_refresh_token_past_its_lifetime_is_refused() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    app.clock.advance(Duration::hours(3));
    let n = expect_status(refresh(&app, &refresh_of(&t)).await, StatusCode::OK).await;
    // Its 8 hours are up at 11 h, before the session's 12.
    app.clock.advance(Duration::hours(8));
    expect_problem(
        refresh(&app, &refresh_of(&n)).await,
        StatusCode::UNAUTHORIZED,
        "refresh_expired",
        None,
    )
    .await;
}

/// However often it is refreshed, a session ends `SESSION_MAX_AGE_SECONDS` (12 h, product
/// default) after its sign-in: the fresh refresh token of a 14-hour-old session is refused.
#[tokio::test]
async fn a_session_ends_at_its_maximum_age_however_often_it_is_refreshed() {
    let app = spawn_app().await;
    user(&app, "sup1", "supervisor", None).await;
    let t = login(&app, "sup1", PASSWORD).await;
    app.clock.advance(Duration::hours(7));
    let n = expect_status(refresh(&app, &refresh_of(&t)).await, StatusCode::OK).await;
    app.clock.advance(Duration::hours(5) - Duration::seconds(1));
    let n = expect_status(refresh(&app, &refresh_of(&n)).await, StatusCode::OK).await;
    app.clock.advance(Duration::seconds(1));
    expect_problem(
        refresh(&app, &refresh_of(&n)).await,
        StatusCode::UNAUTHORIZED,
        "session_expired",
        None,
    )
    .await;
    // A new sign-in starts a new session.
    let again = login(&app, "sup1", PASSWORD).await;
    let live = expect_status(refresh(&app, &refresh_of(&again)).await, StatusCode::OK).await;
    // An hour on, housekeeping deletes the ended session's three tokens and keeps the live
    // one's two.
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.count_rows("refresh_tokens").await, 5);
    let run = expect_status(
        app.post(
            "/v1/supervision/jobs/housekeeping/run",
            &app.sysadmin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["detail"]["refresh_tokens_deleted"], 3, "{run}");
    assert_eq!(app.count_rows("refresh_tokens").await, 2);
    expect_status(refresh(&app, &refresh_of(&live)).await, StatusCode::OK).await;
}

/// A token of the format before versions (no `tv`) counts as version 0: it works until the
/// account's first change.
#[tokio::test]
async fn a_token_without_a_version_counts_as_version_zero() {
    let app = spawn_app().await;
    let id = user(&app, "sup1", "supervisor", None).await;
    let now = Utc::now().timestamp();
    let legacy = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": id.to_string(), "name": "sup1", "role": "supervisor",
                "iat": now, "exp": now + 600, "iss": "approval", "aud": "approval"}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_status(app.get("/v1/auth/me", &legacy).await, StatusCode::OK).await;
    change(&app, id, json!({"role": "assessor"})).await;
    revoked(app.get("/v1/auth/me", &legacy).await).await;
    // A token for a user id without a row is refused the same way.
    let ghost = app
        .keys
        .issue(123_456, "ghost", Role::Sysadmin, None, Utc::now())
        .unwrap();
    revoked(app.get("/v1/users", &ghost).await).await;
}

/// Post `token` to the console's sign-in form with a client that does not follow redirects;
/// the client is returned for the pages that follow.
async fn console_sign_in(app: &TestApp, token: &str) -> (reqwest::Client, reqwest::Response) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/console/login", app.address))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    (client, r)
}

#[tokio::test]
async fn the_console_cookie_dies_with_the_session() {
    let app = spawn_app().await;
    let id = user(&app, "sup1", "supervisor", None).await;
    let token = access(&login(&app, "sup1", PASSWORD).await);
    let (client, r) = console_sign_in(&app, &token).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let jar = jar_of(&r);
    let board = || {
        client
            .get(format!("{}/console", app.address))
            .header(header::COOKIE, &jar)
            .send()
    };
    assert_eq!(board().await.unwrap().status(), StatusCode::OK);
    change(&app, id, json!({"active": false})).await;
    let r = board().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("Max-Age=0"), "cleared: {cookie}");
    assert!(r
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = r.text().await.unwrap();
    assert!(body.contains("session was ended"), "{body}");
}

/// A token whose session has already ended does not sign in to the console: the sign-in page
/// answers 401 and sets no cookie (before, it set one that the next page then refused).
#[tokio::test]
async fn the_console_refuses_to_sign_in_with_an_ended_session() {
    let app = spawn_app().await;
    let id = user(&app, "sup2", "supervisor", None).await;
    let token = access(&login(&app, "sup2", PASSWORD).await);
    change(&app, id, json!({"active": false})).await;
    let (_, r) = console_sign_in(&app, &token).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(header::SET_COOKIE).is_none());
    let body = r.text().await.unwrap();
    assert!(body.contains("session was ended"), "{body}");
}

/// The console's idle timeout (超时自动退出): every page renews a signed activity stamp; a
/// page asked for after more than `CONSOLE_IDLE_MINUTES` since the last one — or with a stamp
/// that is missing, forged or another token's — gets the sign-in page and both cookies go.
#[tokio::test]
async fn an_idle_console_signs_the_browser_out() {
    let app = spawn_app_with(|c| c.console_idle_seconds = 120).await;
    user(&app, "sup3", "supervisor", None).await;
    let token = access(&login(&app, "sup3", PASSWORD).await);
    let (client, r) = console_sign_in(&app, &token).await;
    let jar = jar_of(&r);
    let page = |cookies: String| {
        client
            .get(format!("{}/console", app.address))
            .header(header::COOKIE, cookies)
            .send()
    };
    let r = page(jar.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        jar_of(&r).starts_with("approval_console_seen="),
        "each page renews the stamp: {}",
        jar_of(&r)
    );

    // The last page three minutes ago (a stamp as the service signs it, backdated).
    let stamps = platform::idle::IdleStamps::new(SECRET.as_bytes(), 120);
    let now = Utc::now().timestamp();
    let with_stamp =
        |stamp: String| format!("approval_console_token={token}; approval_console_seen={stamp}");
    let r = page(with_stamp(stamps.stamp(&token, now - 180)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let cleared = jar_of(&r);
    assert!(
        cleared.contains("approval_console_token=") && cleared.contains("approval_console_seen="),
        "{cleared}"
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains("2 minutes") && body.contains("超时自动退出"),
        "{body}"
    );
    // Within the idle time it passes.
    let r = page(with_stamp(stamps.stamp(&token, now - 60)))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another service's key, another token's stamp, no stamp at all.
    let foreign = platform::idle::IdleStamps::new(b"another-secret-another-secret", 120);
    for cookies in [
        with_stamp(foreign.stamp(&token, now)),
        with_stamp(stamps.stamp("another-token", now)),
        format!("approval_console_token={token}"),
    ] {
        let r = page(cookies.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{cookies}");
    }
    // The JSON API is not a console page: a bearer token has no idle stamp to keep.
    let r = app.get("/v1/auth/me", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
}
