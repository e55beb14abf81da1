//! The administrators' second factor (TOTP, RFC 6238; GB/T 22239-2019 8.1.4.1 d): enrolment,
//! confirmation, sign-in with and without the code, a replayed code, lockout on wrong codes
//! and the security administrator's reset. Codes are computed from the secret at the
//! service's injected clock, as the authenticator app would.

use approval::login::totp::code_at;
use chrono::Duration;
use platform::auth::Role;
use platform::clock::Clock;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

const PASSWORD: &str = "Second-pass-2026";

fn now_unix(app: &TestApp) -> u64 {
    u64::try_from(app.clock.now().timestamp()).unwrap()
}

/// The code the app shows now.
fn code(app: &TestApp, secret: &str) -> String {
    code_at(secret, now_unix(app)).unwrap()
}

/// A six-digit code that is right for none of the steps the service accepts now.
fn wrong_code(app: &TestApp, secret: &str) -> String {
    let t = now_unix(app);
    let near: Vec<String> = [t - 30, t, t + 30]
        .iter()
        .map(|s| code_at(secret, *s).unwrap())
        .collect();
    (0..10u32)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn sign_in(app: &TestApp, username: &str, totp: Option<&str>) -> reqwest::Response {
    let mut body = json!({"username": username, "password": PASSWORD});
    if let Some(t) = totp {
        body["totp"] = json!(t);
    }
    app.post("/v1/auth/token", "", &body).await
}

async fn token_of(r: reqwest::Response) -> String {
    expect_status(r, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A system administrator made by the security administrator, signed in; (id, token).
async fn administrator(app: &TestApp, username: &str) -> (i64, String) {
    let made = expect_status(
        app.post(
            "/v1/users",
            &app.secadmin_token(),
            &json!({"username": username, "display_name": username, "role": "sysadmin",
                    "password": PASSWORD}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let token = token_of(sign_in(app, username, None).await).await;
    (made["id"].as_i64().unwrap(), token)
}

/// Enrol and confirm; the secret.
async fn enrol(app: &TestApp, token: &str) -> String {
    let e = expect_status(
        app.post("/v1/auth/totp", token, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let secret = e["secret"].as_str().unwrap().to_string();
    let url = e["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/"), "{url}");
    assert!(url.contains(&format!("secret={secret}")), "{url}");
    let on = expect_status(
        app.post(
            "/v1/auth/totp/confirm",
            token,
            &json!({"code": code(app, &secret)}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(on["enabled"], true);
    secret
}

async fn session_actions(app: &TestApp, username: &str) -> Vec<String> {
    let page = expect_status(
        app.get("/v1/audit?entity=session&limit=200", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"] == username)
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// Until it is confirmed a started enrolment changes nothing; once on, a sign-in needs the
/// current code, a code is good once, and each step is audited.
#[tokio::test]
async fn an_enrolled_administrator_signs_in_with_the_current_code_once() {
    let app = spawn_app().await;
    let (_, token) = administrator(&app, "sys2").await;
    expect_problem(
        app.post("/v1/auth/totp/confirm", &token, &json!({"code": "123456"}))
            .await,
        StatusCode::CONFLICT,
        "totp_not_started",
        None,
    )
    .await;
    // Started but not confirmed: the password alone still signs in; a wrong code confirms
    // nothing (422 naming `code`).
    let started = expect_status(
        app.post("/v1/auth/totp", &token, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let secret = started["secret"].as_str().unwrap().to_string();
    token_of(sign_in(&app, "sys2", None).await).await;
    expect_problem(
        app.post(
            "/v1/auth/totp/confirm",
            &token,
            &json!({"code": wrong_code(&app, &secret)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "totp_invalid",
        Some("code"),
    )
    .await;
    let secret = enrol(&app, &token).await;
    expect_problem(
        app.post("/v1/auth/totp", &token, &json!({})).await,
        StatusCode::CONFLICT,
        "totp_enabled",
        None,
    )
    .await;
    // At rest the secret is sealed (`cases::vault`), never the value the app holds.
    let stored = stored_secret(&app, "sys2").await;
    assert!(stored.starts_with("v1:"), "{stored}");
    assert!(!stored.contains(&secret), "{stored}");

    expect_problem(
        sign_in(&app, "sys2", None).await,
        StatusCode::UNAUTHORIZED,
        "totp_required",
        None,
    )
    .await;
    expect_problem(
        sign_in(&app, "sys2", Some(&wrong_code(&app, &secret))).await,
        StatusCode::UNAUTHORIZED,
        "totp_invalid",
        None,
    )
    .await;
    // The confirmation used this step's code: the next step's signs in, once.
    app.clock.advance(Duration::seconds(30));
    let now_code = code(&app, &secret);
    let t = token_of(sign_in(&app, "sys2", Some(&now_code)).await).await;
    let me = expect_status(app.get("/v1/auth/me", &t).await, StatusCode::OK).await;
    assert_eq!(me["username"], "sys2");
    expect_problem(
        sign_in(&app, "sys2", Some(&now_code)).await,
        StatusCode::UNAUTHORIZED,
        "totp_invalid",
        None,
    )
    .await;
    let actions = session_actions(&app, "sys2").await;
    for a in [
        "totp_enrolment_started",
        "totp_enabled",
        "login_refused_totp_missing",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not in {actions:?}");
    }
}

/// Wrong codes count as failed sign-ins: the fifth locks the account, the right password and
/// code included, until the security administrator unlocks it; a lost phone is the security
/// administrator's reset (not the system administrator's), after which the password alone
/// signs in again.
#[tokio::test]
async fn wrong_codes_lock_the_account_and_the_security_administrator_resets_the_factor() {
    let app = spawn_app().await;
    let (id, token) = administrator(&app, "sys3").await;
    let secret = enrol(&app, &token).await;
    app.clock.advance(Duration::seconds(30));
    for _ in 0..5 {
        expect_problem(
            sign_in(&app, "sys3", Some(&wrong_code(&app, &secret))).await,
            StatusCode::UNAUTHORIZED,
            "totp_invalid",
            None,
        )
        .await;
    }
    expect_problem(
        sign_in(&app, "sys3", Some(&code(&app, &secret))).await,
        StatusCode::TOO_MANY_REQUESTS,
        "login_locked",
        None,
    )
    .await;

    let path = format!("/v1/users/{id}/totp");
    expect_problem(
        app.delete(&path, &app.sysadmin_token).await,
        StatusCode::FORBIDDEN,
        "separation_of_duties",
        None,
    )
    .await;
    expect_problem(
        app.delete("/v1/users/999999/totp", &app.secadmin_token())
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let off = expect_status(
        app.delete(&path, &app.secadmin_token()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(off["enabled"], false);
    expect_status(
        app.post(
            &format!("/v1/users/{id}/unlock"),
            &app.secadmin_token(),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    token_of(sign_in(&app, "sys3", None).await).await;
    assert!(session_actions(&app, "sys3")
        .await
        .iter()
        .any(|a| a == "totp_reset"));
}

/// The second factor is the administrators': other roles get 403 and nothing is stored.
#[tokio::test]
async fn only_administrators_enrol_a_second_factor() {
    let app = spawn_app().await;
    for role in [Role::Clerk, Role::Supervisor, Role::Service] {
        expect_problem(
            app.post("/v1/auth/totp", &app.token(role, None), &json!({}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    assert_eq!(
        count_where(&app, "users", "totp_secret IS NOT NULL").await,
        0
    );
}

async fn stored_secret(app: &TestApp, username: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT totp_secret FROM users WHERE username = '{username}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<String>("", "totp_secret").unwrap()
}

async fn count_where(app: &TestApp, table: &str, cond: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table} WHERE {cond}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
