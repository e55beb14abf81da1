//! This service verifies, never issues: with `JWT_JWKS_URL` it checks every token against the
//! approval service's published Ed25519 keys and its own audience, and it reads the feed as a
//! service account with client credentials.

use std::sync::Arc;

use chrono::Utc;
use platform::auth::{JwtKeys, Role};
use platform::clock::ManualClock;
use platform::keys::SigningKey;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn tokens_are_checked_with_the_issuer_s_published_keys_and_audience() {
    platform::telemetry::init("error");
    let clock = ManualClock::new(at("2026-03-09T10:00:00+08:00"));
    let key = SigningKey::generate();
    let key_path = std::env::temp_dir().join(format!("assessment-issuer-{}.pem", suffix()));
    std::fs::write(&key_path, key.to_pem()).unwrap();

    // The approval service, signing with its Ed25519 key.
    let mut cfg = config("approval", &fresh_db("approval").await);
    cfg.demo_data = true;
    cfg.jwt.signing_key_file = Some(key_path.display().to_string());
    let supervision = approval::state::SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: std::env::temp_dir()
            .join(format!("approval-mail-{}", suffix()))
            .display()
            .to_string(),
        ..Default::default()
    };
    let approval =
        approval::startup::Application::build_with(cfg, supervision, Arc::new(clock.clone()))
            .await
            .expect("approval starts");
    let approval_url = format!("http://127.0.0.1:{}", approval.port());
    let issuer = approval.state.jwt.clone();
    service_account(&approval.state.db).await;
    tokio::spawn(approval.run_until_stopped());

    // This service, reading the issuer's keys.
    let settings = assessment::state::AssessmentSettings {
        approval_url: approval_url.clone(),
        approval_client_secret: Some(CLIENT_SECRET.into()),
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: std::env::temp_dir()
            .join(format!("assessment-mail-{}", suffix()))
            .display()
            .to_string(),
        ..Default::default()
    };
    let mut cfg = config("assessment", &fresh_db("assessment").await);
    cfg.jwt.jwks_url = Some(format!("{approval_url}/.well-known/jwks.json"));
    let app = assessment::startup::Application::build_with(cfg, settings, Arc::new(clock.clone()))
        .await
        .expect("assessment starts");
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let get =
        |path: &str, token: &str| client.get(format!("{url}{path}")).bearer_auth(token).send();

    let ready: Value = expect(
        client.get(format!("{url}/readyz")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["status"], "ok", "{ready}");

    // A person's token from the issuer: accepted here.
    let person = issuer
        .issue(1, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    expect(
        get("/v1/feed/status", &person).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    // The feed, read with this service's client credentials under the issuer's keys.
    let pulled = expect(
        client
            .post(format!("{url}/v1/feed/pull"))
            .bearer_auth(&person)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(pulled["cursor"].as_i64().unwrap() > 0, "{pulled}");
    assert!(pulled["last_error"].is_null(), "{pulled}");

    // A service account's token is for the approval service only.
    let client_token: Value = expect(
        client
            .post(format!("{approval_url}/v1/auth/client-token"))
            .json(&json!({"client_id": "assessment", "client_secret": CLIENT_SECRET}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    problem(
        get(
            "/v1/feed/status",
            client_token["access_token"].as_str().unwrap(),
        )
        .await
        .unwrap(),
        StatusCode::UNAUTHORIZED,
        "token_audience",
        None,
    )
    .await;

    // The shared secret signs nothing here, and neither does a key the issuer never published.
    let shared = JwtKeys::hs256(SECRET.as_bytes(), 600)
        .issue(1, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    problem(
        get("/v1/feed/status", &shared).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
    let stranger = JwtKeys::ed25519(&SigningKey::generate(), &[], 600)
        .issue(1, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    problem(
        get("/v1/feed/status", &stranger).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "token_key_unknown",
        None,
    )
    .await;
}

/// The service refuses to start with a signing key of its own: only the approval service
/// issues tokens.
#[tokio::test]
async fn this_service_never_signs() {
    let key_path = std::env::temp_dir().join(format!("assessment-own-{}.pem", suffix()));
    std::fs::write(&key_path, SigningKey::generate().to_pem()).unwrap();
    let mut cfg = config("assessment", &fresh_db("assessment").await);
    cfg.jwt.signing_key_file = Some(key_path.display().to_string());
    let settings = assessment::state::AssessmentSettings {
        feed_consumer: false,
        scheduler_enabled: false,
        ..Default::default()
    };
    let clock = ManualClock::new(Utc::now());
    let err = assessment::startup::Application::build_with(cfg, settings, Arc::new(clock))
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("only the approval service issues"), "{err}");
}

/// A session ended at the approval service (here: its owner logs out) ends here at the next
/// request; with the approval service out of reach a token is not served on trust.
#[tokio::test]
async fn a_session_ended_at_the_approval_service_ends_here() {
    let s = spawn().await;
    let settings = assessment::state::AssessmentSettings {
        approval_url: s.approval.clone(),
        approval_client_secret: Some(CLIENT_SECRET.into()),
        session_cache_seconds: 0,
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: s.mail_dir.display().to_string(),
        ..Default::default()
    };
    let app = assessment::startup::Application::build_with(
        config("assessment", &fresh_db("assessment").await),
        settings,
        Arc::new(s.clock.clone()),
    )
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    // A real sign-in of the demo assessor at the approval service.
    let answer = expect(
        s.client
            .post(format!("{}/v1/auth/token", s.approval))
            .json(&json!({"username": "assessor", "password": "Demo-pass-2026"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let token = answer["access_token"].as_str().unwrap().to_string();
    let status = |token: String| {
        let (client, url) = (s.client.clone(), url.clone());
        async move {
            client
                .get(format!("{url}/v1/feed/status"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    expect(status(token.clone()).await, StatusCode::OK).await;
    let r = s
        .client
        .post(format!("{}/v1/auth/logout", s.approval))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    problem(
        status(token.clone()).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    )
    .await;

    // The same kind of token, with nobody to ask: 503, not served.
    let settings = assessment::state::AssessmentSettings {
        approval_url: "http://127.0.0.1:1".into(),
        approval_client_secret: Some(CLIENT_SECRET.into()),
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: s.mail_dir.display().to_string(),
        ..Default::default()
    };
    let lonely = assessment::startup::Application::build_with(
        config("assessment", &fresh_db("assessment").await),
        settings,
        Arc::new(s.clock.clone()),
    )
    .await
    .unwrap();
    let lonely_url = format!("http://127.0.0.1:{}", lonely.port());
    tokio::spawn(lonely.run_until_stopped());
    let r = s
        .client
        .get(format!("{lonely_url}/v1/feed/status"))
        .bearer_auth(s.token(Role::Assessor, None))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    problem(r, StatusCode::SERVICE_UNAVAILABLE, "unavailable", None).await;
}

/// The console's idle timeout here too: a page after more than `CONSOLE_IDLE_MINUTES` since
/// the last one (a stamp as the service signs it, backdated) gets the sign-in page, both
/// cookies removed; a fresh stamp passes and is renewed.
#[tokio::test]
async fn an_idle_console_signs_the_browser_out_here_too() {
    let s = spawn().await;
    let org = s.token(Role::OrgDept, None);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/console/login", s.assessment))
        .form(&[("token", org.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = |cookies: String| {
        client
            .get(format!("{}/console", s.assessment))
            .header(reqwest::header::COOKIE, cookies)
            .send()
    };
    let r = page(jar_of(&r)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(jar_of(&r).starts_with("assessment_console_seen="));
    // The key is the service account's secret (CLIENT_SECRET in these tests); 15 minutes.
    let stamps = platform::idle::IdleStamps::new(CLIENT_SECRET.as_bytes(), 900);
    let now = Utc::now().timestamp();
    let with = |at: i64| {
        format!(
            "assessment_console_token={org}; assessment_console_seen={}",
            stamps.stamp(&org, at)
        )
    };
    assert_eq!(
        page(with(now - 800)).await.unwrap().status(),
        StatusCode::OK
    );
    let r = page(with(now - 1000)).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let cleared = jar_of(&r);
    assert!(
        cleared.contains("assessment_console_token=")
            && cleared.contains("assessment_console_seen="),
        "{cleared}"
    );
    assert!(r.text().await.unwrap().contains("15 minutes"));
}
