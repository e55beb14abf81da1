//! Defects found by testing from outside (issue 11), one test each; each failed before its fix.

use std::sync::Arc;

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// A second approval service on a fresh database: a different feed.
async fn fresh_approval(s: &Services) -> String {
    let url = fresh_db("approval").await;
    let settings = approval::state::SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: std::env::temp_dir()
            .join(format!("approval-mail-{}", suffix()))
            .display()
            .to_string(),
        ..Default::default()
    };
    let mut cfg = config("approval", &url);
    cfg.demo_data = true;
    let app = approval::startup::Application::build_with(cfg, settings, Arc::new(s.clock.clone()))
        .await
        .expect("second approval service");
    service_account(&app.state.db).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    base
}

/// 4. A manual score for a department that does not exist is refused; scores can be
/// withdrawn (audited) while the quarter is open, so a quarter can always be computed.
#[tokio::test]
async fn manual_scores_need_a_real_department_and_can_be_withdrawn() {
    let s = spawn().await;
    let case = s.submit_case().await;
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let score = |dept: i32| json!({"department_id": dept, "year": 2026, "quarter": 1, "category": "integrity", "points": 4.5, "evidence": ["廉政检查 03"]});
    problem(
        s.put("/v1/manual-scores", &assessor, &score(987_654)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;
    let adj = json!({"department_id": 987_654, "year": 2026, "quarter": 1, "kind": "bonus", "points": 1, "reason": "创新"});
    problem(
        s.post("/v1/adjustments", &assessor, &adj).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;
    assert_eq!(
        s.count("manual_scores").await + s.count("adjustments").await,
        0
    );
    let gaj = s.d("HHHT-GAJ");
    expect(
        s.put("/v1/manual-scores", &assessor, &score(gaj)).await,
        StatusCode::OK,
    )
    .await;
    let mut corrected = score(gaj);
    corrected["points"] = json!(4.0);
    expect(
        s.put("/v1/manual-scores", &assessor, &corrected).await,
        StatusCode::OK,
    )
    .await;
    let key =
        format!("/v1/manual-scores?department_id={gaj}&year=2026&quarter=1&category=integrity");
    let r = s
        .call(
            reqwest::Method::DELETE,
            format!("{}{key}", s.assessment),
            &assessor,
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s
        .call(
            reqwest::Method::DELETE,
            format!("{}{key}", s.assessment),
            &assessor,
            None,
        )
        .await;
    problem(r, StatusCode::NOT_FOUND, "not_found", None).await;
    // Entered, corrected, withdrawn: three audit rows, the last one keeping the 4.00.
    assert_eq!(
        s.count("a_audit_log WHERE entity = 'manual_score'").await,
        3
    );
    // With every real department scored, the quarter computes: no stray score blocks it.
    for code in ["HHHT-SCJG", "HHHT-ZJJ", "HHHT-SWJ", "HHHT-GAJ"] {
        crate::flow::manual(&s, s.d(code), [15.0, 10.0, 10.0, 5.0]).await;
        crate::flow::onsite(&s, case["id"].as_i64().unwrap(), s.d(code), "satisfied").await;
    }
    expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Only assessors withdraw.
    let r = s
        .call(
            reqwest::Method::DELETE,
            format!("{}{key}", s.assessment),
            &s.token(Role::OrgDept, None),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// 5. When the approval feed starts over (a new database), the consumer stops instead of
/// skipping: it applies nothing, `/readyz` and `/metrics` say so, and an admin reset starts
/// it again on the new feed.
#[tokio::test]
async fn a_feed_that_starts_over_halts_the_consumer_until_reset() {
    let s = spawn().await;
    s.submit_case().await;
    let st = s.pull().await;
    assert!(st["cursor"].as_i64().unwrap() > 0);
    assert!(st["epoch"].is_string(), "{st}");
    let cases_before = s.count("a_cases").await;
    // The same assessment database now pointed at another approval service.
    let other = fresh_approval(&s).await;
    let app = start_assessment(&other, &s.assessment_db_url, &s.clock, &s.mail_dir).await;
    let state = app.state.clone();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let sysadmin = s.token(Role::Sysadmin, None);
    let r = s
        .call(
            reqwest::Method::POST,
            format!("{url}/v1/feed/pull"),
            &sysadmin,
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(s.count("a_cases").await, cases_before, "nothing applied");
    let ready = s.client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = ready.json().await.unwrap();
    assert!(body["reason"].as_str().unwrap().contains("epoch"), "{body}");
    let metrics = s
        .client
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("assessment_feed_halted 1"), "{metrics}");
    // The operator resets it onto the new feed's epoch.
    let page: Value = s
        .client
        .get(format!("{other}/v1/events?after=0&limit=1"))
        .bearer_auth(s.token(Role::Service, None))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let epoch = page["epoch"].as_str().unwrap().to_string();
    let reset = expect(
        s.call(
            reqwest::Method::POST,
            format!("{url}/v1/feed/reset"),
            &sysadmin,
            Some(&json!({"epoch": epoch})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(reset["cursor"], 0);
    assert!(reset["halted"].is_null());
    assert!(assessment::feed::consume_once(&state, 500).await.is_ok());
    assert_eq!(
        s.count("a_cases").await,
        0,
        "the old feed's facts were discarded"
    );
    assert_eq!(s.count("a_audit_log WHERE action = 'feed_reset'").await, 1);
}

/// 6. With a wrong client secret every poll is refused (401 `invalid_client`): `/readyz`
/// turns 503 with the reason once the failures last longer than `FEED_FAILURE_SECONDS`
/// (default 60).
#[tokio::test]
async fn a_feed_that_keeps_failing_makes_the_service_unready() {
    let s = spawn().await;
    // No background consumer: the test polls by hand, on the injected clock.
    let settings = assessment::state::AssessmentSettings {
        approval_url: s.approval.clone(),
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: s.mail_dir.display().to_string(),
        approval_client_secret: Some("a-different-secret-a-different-secret".into()),
        ..Default::default()
    };
    let cfg = config("assessment", &fresh_db("assessment").await);
    let app =
        assessment::startup::Application::build_with(cfg, settings, Arc::new(s.clock.clone()))
            .await
            .unwrap();
    let state = app.state.clone();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let err = assessment::feed::consume_once(&state, 500)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");
    // Within the grace period the service is still ready.
    let ready = s.client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    s.clock.advance(chrono::Duration::seconds(61));
    assert!(assessment::feed::consume_once(&state, 500).await.is_err());
    let ready = s.client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = ready.json().await.unwrap();
    assert!(body["reason"].as_str().unwrap().contains("401"), "{body}");
    // The probe is public: the approval service's problem is named by its code, its raw
    // body (detail, trace id) stays in the log.
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("(invalid_client)"),
        "{body}"
    );
    assert!(!body.to_string().contains("trace_id"), "{body}");
}

/// An unreachable approval service is reported without its address or the OS error.
#[tokio::test]
async fn an_unreachable_feed_is_reported_without_internal_detail() {
    let s = spawn().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let settings = assessment::state::AssessmentSettings {
        approval_url: format!("http://127.0.0.1:{port}"),
        approval_client_secret: Some(CLIENT_SECRET.into()),
        feed_consumer: false,
        scheduler_enabled: false,
        mail_dir: s.mail_dir.display().to_string(),
        ..Default::default()
    };
    let cfg = config("assessment", &fresh_db("assessment").await);
    let app =
        assessment::startup::Application::build_with(cfg, settings, Arc::new(s.clock.clone()))
            .await
            .unwrap();
    let state = app.state.clone();
    let err = assessment::feed::consume_once(&state, 500)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("approval service unreachable"), "{err}");
    assert!(!err.contains(&port.to_string()), "{err}");
    let status = assessment::feed::status(&state.db).await.unwrap();
    let shown = status.last_error.unwrap();
    assert!(!shown.contains("127.0.0.1"), "{shown}");
}

/// A card revoked in the approval service (issued in error) leaves the assessment service's
/// facts on the next feed page, so it never counts against the department or its staff.
#[tokio::test]
async fn a_revoked_card_leaves_the_assessment_facts() {
    let s = spawn().await;
    s.submit_case().await;
    // Tue 10 Mar 15:00: warnings are due on the short branches.
    s.clock.set(at("2026-03-10T15:00:00+08:00"));
    let sup = s.token(Role::Supervisor, None);
    expect(
        s.approval_post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    let before = s.count("a_cards").await;
    assert!(before > 0);
    let cards: Value = s
        .client
        .get(format!("{}/v1/cards?level=warning", s.approval))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = cards["items"][0]["id"].as_i64().unwrap();
    expect(
        s.approval_post(
            &format!("/v1/cards/{id}/revoke"),
            &sup,
            &json!({"level": "warning", "reason": "系统时钟误差"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    assert_eq!(s.count("a_cards").await, before - 1);
}
