//! Several replicas for real: two approval replicas and one assessment service against one
//! database (PostgreSQL and Redis in CI). Cases are driven through both replicas, the last
//! approvals race across them, both sweep and deliver at once: no duplicate card, notice or
//! join, and the assessment service counts each exactly once.

use std::sync::Arc;

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_approval_replicas_one_assessment_no_duplicates() {
    let s = spawn().await;
    let settings = approval::state::SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: s.approval_mail_dir.clone(),
        ..Default::default()
    };
    let second = approval::startup::Application::build_with(
        config("approval", &s.approval_db_url),
        settings,
        Arc::new(s.clock.clone()),
    )
    .await
    .expect("second replica");
    let b = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    let a = s.approval.clone();
    let clerk = s.token(Role::Clerk, None);
    let post = |base: String, path: String, token: String, body: Value| {
        let c = s.client.clone();
        async move {
            c.post(format!("{base}{path}"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    let mut cases = Vec::new();
    for n in 0..6 {
        // Submissions alternate between the replicas.
        let base = if n % 2 == 0 { a.clone() } else { b.clone() };
        let c = expect(
            post(base, "/v1/cases".into(), clerk.clone(), case_body()).await,
            StatusCode::CREATED,
        )
        .await;
        cases.push(c);
    }
    for c in &cases {
        let branches = c["branches"].as_array().unwrap().clone();
        // Two branches the ordinary way, on alternating replicas.
        for (i, br) in branches.iter().take(2).enumerate() {
            let base = if i == 0 { a.clone() } else { b.clone() };
            let dept = br["department_id"].as_i64().map(|d| d as i32);
            let path = format!("/v1/branches/{}/commands", br["id"]);
            for (role, body) in [
                (Role::Reviewer, json!({"command": "start_review"})),
                (Role::Reviewer, json!({"command": "review", "opinion": ""})),
                (Role::Approver, json!({"command": "approve", "opinion": ""})),
            ] {
                expect(
                    post(base.clone(), path.clone(), s.token(role, dept), body).await,
                    StatusCode::OK,
                )
                .await;
            }
        }
        // The last two reach 一核, then are approved at the same instant on different replicas.
        for br in branches.iter().skip(2) {
            let dept = br["department_id"].as_i64().map(|d| d as i32);
            let path = format!("/v1/branches/{}/commands", br["id"]);
            expect(
                post(
                    a.clone(),
                    path.clone(),
                    s.token(Role::Reviewer, dept),
                    json!({"command": "start_review"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            expect(
                post(
                    b.clone(),
                    path.clone(),
                    s.token(Role::Reviewer, dept),
                    json!({"command": "review", "opinion": ""}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
        let (x, y) = (&branches[2], &branches[3]);
        let (rx, ry) = tokio::join!(
            post(
                a.clone(),
                format!("/v1/branches/{}/commands", x["id"]),
                s.token(
                    Role::Approver,
                    x["department_id"].as_i64().map(|d| d as i32)
                ),
                json!({"command": "approve", "opinion": ""})
            ),
            post(
                b.clone(),
                format!("/v1/branches/{}/commands", y["id"]),
                s.token(
                    Role::Approver,
                    y["department_id"].as_i64().map(|d| d as i32)
                ),
                json!({"command": "approve", "opinion": ""})
            )
        );
        assert_eq!((rx.status(), ry.status()), (StatusCode::OK, StatusCode::OK));
    }
    // Both replicas sweep at the same minute (one runs), then again a week later, and both
    // deliver notices at once.
    let sup = s.token(Role::Supervisor, None);
    for when in ["2026-03-12T10:00:00+08:00", "2026-03-19T10:00:00+08:00"] {
        s.clock.set(at(when));
        let (x, y) = tokio::join!(
            post(
                a.clone(),
                "/v1/supervision/jobs/sweep/run".into(),
                sup.clone(),
                json!({})
            ),
            post(
                b.clone(),
                "/v1/supervision/jobs/sweep/run".into(),
                sup.clone(),
                json!({})
            )
        );
        let (x, y) = (
            expect(x, StatusCode::OK).await,
            expect(y, StatusCode::OK).await,
        );
        assert_eq!(
            [&x, &y].iter().filter(|r| r["ran"] == true).count(),
            1,
            "{x} {y}"
        );
    }
    let (x, y) = tokio::join!(
        post(
            a.clone(),
            "/v1/supervision/jobs/deliver/run".into(),
            sup.clone(),
            json!({})
        ),
        post(
            b.clone(),
            "/v1/supervision/jobs/deliver/run".into(),
            sup.clone(),
            json!({})
        )
    );
    let (x, y) = (
        expect(x, StatusCode::OK).await,
        expect(y, StatusCode::OK).await,
    );
    // With Redis, the replica that finds the delivery lock taken skips (ran = false).
    let sent: u64 = [&x, &y]
        .iter()
        .filter(|r| r["ran"] == true)
        .map(|r| r["detail"]["sent"].as_u64().unwrap())
        .sum();

    let q = |sql: &'static str| {
        let db = s.approval_db.clone();
        async move {
            use sea_orm::{ConnectionTrait, Statement};
            db.query_one(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    assert_eq!(
        q("SELECT COUNT(*) AS n FROM events WHERE kind = 'case_ready'").await,
        6,
        "exactly one join per case"
    );
    assert_eq!(
        q("SELECT COUNT(*) AS n FROM cases WHERE state = 'ready_for_issuance'").await,
        6
    );
    let cards = q("SELECT COUNT(*) AS n FROM cards").await;
    assert_eq!(q("SELECT COUNT(*) AS n FROM (SELECT DISTINCT subject_kind, subject_id, level FROM cards) AS d").await, cards, "one card per breach");
    let notices = q("SELECT COUNT(*) AS n FROM notices").await;
    assert_eq!(
        q("SELECT COUNT(*) AS n FROM notices WHERE status = 'sent'").await,
        notices
    );
    assert_eq!(
        sent as i64, notices,
        "each notice sent once, by one replica"
    );
    assert_eq!(
        q("SELECT COUNT(*) AS n FROM notice_attempts WHERE ok").await,
        notices
    );
    let files = std::fs::read_dir(&s.approval_mail_dir).unwrap().count() as i64;
    assert_eq!(files, notices, "one mail per notice");
    assert!(cards > 0 && notices >= cards);

    let st = s.pull().await;
    assert_eq!(st["lag_events"], 0);
    assert_eq!(
        s.count("a_cards").await,
        cards,
        "the assessment counts each card once"
    );
    assert_eq!(s.count("a_branches").await, 24);
}
