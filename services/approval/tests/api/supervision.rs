//! E-supervision through HTTP: the injected clock moves across the National Day holiday and
//! warnings and cards appear exactly once; paused clocks issue nothing; cards are acknowledged
//! and revoked; claims (审管互动); complaints (投诉); statistics; digests; two replicas.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cases::{branch_of, hohhot, Hohhot};
use crate::helpers::*;

async fn run_job(h: &Hohhot, job: &str) -> Value {
    let sup = h.app.token(Role::Supervisor, None);
    expect_status(
        h.app
            .post(&format!("/v1/supervision/jobs/{job}/run"), &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await
}

async fn sweep_at(h: &Hohhot, when: &str) -> Value {
    h.app.clock.set(at(when));
    let r = run_job(h, "sweep").await;
    assert_eq!(r["ran"], true, "{r}");
    r["detail"].clone()
}

async fn cards(h: &Hohhot, query: &str) -> Vec<Value> {
    let sup = h.app.token(Role::Supervisor, None);
    let page = expect_status(
        h.app
            .get(&format!("/v1/cards?limit=200&{query}"), &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// Accepted Wed 30 Sep 2026 10:00, just before National Day (1–7 Oct off, Sat 10 Oct worked).
/// Working days after acceptance: Thu 8 (1), Fri 9 (2), Sat 10 (3), Mon 12 (4), Tue 13, Wed 14.
/// - 印章 (GAJ, 1 day): warn Oct 8 14:20, due Oct 8 17:00, red Oct 12 17:00
/// - 代码 (ZJJ, 2 days): warn Oct 9 11:40, due Oct 9 17:00, red Oct 13 17:00
/// - 执照/税务 (SCJG, SWJ, 3 days): warn Oct 9 17:00, due Oct 10 17:00, red Oct 14 17:00
#[tokio::test]
async fn across_national_day_each_alert_appears_exactly_once() {
    let h = hohhot().await;
    h.app.clock.set(at("2026-09-30T10:00:00+08:00"));
    let mut body = crate::cases::bundle_case();
    body["materials"][3]["promised_by"] = json!("2026-10-15");
    let case = expect_status(
        h.app.post("/v1/cases", &h.clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let gaj = branch_of(&case, h.dept_of["HHHT-GAJ-001"]).clone();
    assert_eq!(gaj["warn_at"], "2026-10-08T06:20:00Z");
    assert_eq!(gaj["due_at"], "2026-10-08T09:00:00Z");

    let zero = json!({"warnings": 0, "yellow_cards": 0, "red_cards": 0, "statutory_breaches": 0, "pauses_overdue": 0, "case_cards": 0, "issuance_overdue": 0, "unclaimed": 0});
    assert_eq!(
        sweep_at(&h, "2026-10-05T12:00:00+08:00").await,
        zero,
        "the holiday counts for nothing"
    );
    assert_eq!(sweep_at(&h, "2026-10-08T14:19:00+08:00").await, zero);
    assert_eq!(
        sweep_at(&h, "2026-10-08T15:00:00+08:00").await["warnings"],
        1
    );
    // The same minute again: the job ledger says it ran; a minute later the sweep finds nothing new.
    assert_eq!(run_job(&h, "sweep").await["ran"], false);
    assert_eq!(sweep_at(&h, "2026-10-08T15:01:00+08:00").await, zero);
    assert_eq!(
        sweep_at(&h, "2026-10-08T17:30:00+08:00").await["yellow_cards"],
        1
    );
    let r = sweep_at(&h, "2026-10-09T17:30:00+08:00").await;
    assert_eq!(
        (r["warnings"].as_i64(), r["yellow_cards"].as_i64()),
        (Some(3), Some(1)),
        "{r}"
    );
    let r = sweep_at(&h, "2026-10-12T17:30:00+08:00").await;
    assert_eq!(
        (r["yellow_cards"].as_i64(), r["red_cards"].as_i64()),
        (Some(2), Some(1)),
        "{r}"
    );
    // A late sweep catches up without repeating anything.
    let r = sweep_at(&h, "2026-10-20T09:00:00+08:00").await;
    assert_eq!(
        (
            r["warnings"].as_i64(),
            r["yellow_cards"].as_i64(),
            r["red_cards"].as_i64()
        ),
        (Some(0), Some(0), Some(3)),
        "{r}"
    );
    assert_eq!(sweep_at(&h, "2026-10-21T09:00:00+08:00").await, zero);

    let all = cards(&h, "").await;
    let count = |kind: &str, level: &str| {
        all.iter()
            .filter(|c| c["subject_kind"] == kind && c["level"] == level)
            .count()
    };
    assert_eq!(
        (
            count("branch", "warning"),
            count("branch", "yellow"),
            count("branch", "red")
        ),
        (4, 4, 4)
    );
    // The bundle's own promise (5 working days) passed too: one yellow and one red on the case.
    assert_eq!((count("case", "yellow"), count("case", "red")), (1, 1));
    let red_gaj: Vec<&Value> = all
        .iter()
        .filter(|c| c["level"] == "red" && c["subject_id"] == gaj["id"])
        .collect();
    assert_eq!(red_gaj.len(), 1);
    assert_eq!(red_gaj[0]["issued_at"], "2026-10-12T09:30:00Z");
    let notified: Vec<&str> = red_gaj[0]["notified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        notified,
        vec![
            "window.hhht-gaj@hohhot.gov.example",
            "head.hhht-gaj@hohhot.gov.example"
        ]
    );
    // One notice per card, and one card_issued event per card in the feed.
    let admin = &h.app.sysadmin_token;
    let notices = expect_status(
        h.app.get("/v1/notices?limit=200", admin).await,
        StatusCode::OK,
    )
    .await;
    let card_notices = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| ["warning", "yellow_card", "red_card"].contains(&n["kind"].as_str().unwrap()))
        .count();
    assert_eq!(
        card_notices,
        12 + 2,
        "12 branch cards and the case's yellow and red"
    );
    let timeline = expect_status(
        h.app
            .get(&format!("/v1/cases/{}/timeline", case["id"]), admin)
            .await,
        StatusCode::OK,
    )
    .await;
    let issued: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "card_issued")
        .map(|e| e["to_state"].as_str().unwrap())
        .collect();
    assert_eq!(
        issued.iter().filter(|l| **l != "statutory_breach").count(),
        12 + 2,
        "{issued:?}"
    );
    // The statutory limits of the two 5-day items (HHHT-ZJJ-001, HHHT-GAJ-001) passed too,
    // each carded once on its own level.
    assert_eq!(
        issued.iter().filter(|l| **l == "statutory_breach").count(),
        2,
        "{issued:?}"
    );
    // Department staff see their own department's cards only.
    let own = h.app.token(Role::Reviewer, Some(h.dept_of["HHHT-GAJ-001"]));
    let page = expect_status(h.app.get("/v1/cards", &own).await, StatusCode::OK).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_paused_clock_issues_nothing_and_resuming_recomputes() {
    let h = hohhot().await;
    let case = h.submit().await; // Mon 9 Mar 2026 10:00
    let gaj_dept = h.dept_of["HHHT-GAJ-001"];
    let gaj = branch_of(&case, gaj_dept).clone(); // 1 day: warn Tue 10 14:20, due Tue 10 17:00
    expect_status(
        h.command(
            &gaj,
            &h.reviewer(gaj_dept),
            json!({"command": "start_review"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        h.command(
            &gaj,
            &h.reviewer(gaj_dept),
            json!({"command": "suspend", "procedure": "expert_review", "note": "专家评审", "expected_end": "2026-03-20", "notice_ref": "专家评审告知书〔2026〕1号"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    sweep_at(&h, "2026-03-13T12:00:00+08:00").await;
    assert!(
        cards(&h, &format!("department_id={gaj_dept}"))
            .await
            .is_empty(),
        "no card while the clock is stopped"
    );
    // Resumed Fri 13 Mar 12:00: the whole working day is left → due Fri 13 + 8 working hours = Mon 16 12:00.
    let c = expect_status(
        h.command(&gaj, &h.reviewer(gaj_dept), json!({"command": "resume"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(branch_of(&c, gaj_dept)["due_at"], "2026-03-16T04:00:00Z");
    // Warning at 2/3 of the 8 working hours left: Fri 12:00–17:00 (5 h) + Mon 09:00–09:20.
    assert_eq!(
        sweep_at(&h, "2026-03-16T09:10:00+08:00").await["warnings"],
        0
    );
    assert_eq!(
        sweep_at(&h, "2026-03-16T09:30:00+08:00").await["warnings"],
        1
    );
    let r = sweep_at(&h, "2026-03-16T12:30:00+08:00").await;
    assert_eq!(r["yellow_cards"], 1, "{r}");
    let mine = cards(&h, &format!("department_id={gaj_dept}")).await;
    assert_eq!(
        mine.iter()
            .map(|c| c["level"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["warning", "yellow"]
    );
}

#[tokio::test]
async fn cards_are_acknowledged_once_revoked_by_level_and_closed_when_finished() {
    let h = hohhot().await;
    let case = h.submit().await;
    sweep_at(&h, "2026-03-11T09:00:00+08:00").await; // GAJ (due Tue 10 17:00) has warning + yellow
    let gaj_dept = h.dept_of["HHHT-GAJ-001"];
    let mine = cards(&h, &format!("department_id={gaj_dept}")).await;
    assert_eq!(mine.len(), 2);
    let (warning, yellow) = (&mine[0], &mine[1]);
    let yid = yellow["id"].as_i64().unwrap();
    let other = h.app.token(Role::Approver, Some(h.dept_of["HHHT-SWJ-001"]));
    expect_problem(
        h.app
            .post(&format!("/v1/cards/{yid}/acknowledge"), &other, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let own = h.approver(gaj_dept);
    let acked = expect_status(
        h.app
            .post(&format!("/v1/cards/{yid}/acknowledge"), &own, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(acked["acknowledged_at"].is_string());
    expect_problem(
        h.app
            .post(&format!("/v1/cards/{yid}/acknowledge"), &own, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "already_acknowledged",
        None,
    )
    .await;

    let sup = h.app.token(Role::Supervisor, None);
    let wid = warning["id"].as_i64().unwrap();
    expect_problem(
        h.app
            .post(
                &format!("/v1/cards/{wid}/revoke"),
                &own,
                &json!({"level": "warning", "reason": "x"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let r = h
        .app
        .post(
            &format!("/v1/cards/{wid}/revoke"),
            &sup,
            &json!({"level": "red", "reason": "x"}),
        )
        .await;
    expect_problem(r, StatusCode::CONFLICT, "level_mismatch", Some("level")).await;
    let revoked = expect_status(
        h.app
            .post(
                &format!("/v1/cards/{wid}/revoke"),
                &sup,
                &json!({"level": "warning", "reason": "专家论证延误属合法"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(revoked["closed_how"], "revoked");
    expect_problem(
        h.app
            .post(
                &format!("/v1/cards/{wid}/revoke"),
                &sup,
                &json!({"level": "warning", "reason": "again"}),
            )
            .await,
        StatusCode::CONFLICT,
        "card_closed",
        None,
    )
    .await;

    // Finishing the branch late closes its yellow card as finished_late.
    h.approve(branch_of(&case, gaj_dept)).await;
    let closed = cards(&h, &format!("department_id={gaj_dept}&open=false")).await;
    let y = closed.iter().find(|c| c["id"] == yid).unwrap();
    assert_eq!(y["closed_how"], "finished_late");
    assert!(cards(&h, &format!("department_id={gaj_dept}&open=true"))
        .await
        .is_empty());
}

#[tokio::test]
async fn approved_results_are_pushed_for_claiming_and_unclaimed_ones_flagged() {
    let h = hohhot().await;
    let case = h.submit().await; // Mon 9 Mar 10:00
    let sgb = {
        let list = expect_status(
            h.app
                .get("/v1/departments?limit=200", &h.app.sysadmin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "HHHT-SGB")
            .unwrap()["id"]
            .as_i64()
            .unwrap() as i32
    };
    h.approve(branch_of(&case, h.dept_of["HHHT-GAJ-001"])).await;
    h.app.clock.set(monday_plus_hours(1));
    h.approve(branch_of(&case, h.dept_of["HHHT-ZJJ-001"])).await;
    let staff = h.app.token(Role::Reviewer, Some(sgb));
    let claims = expect_status(
        h.app.get("/v1/claims?open=true", &staff).await,
        StatusCode::OK,
    )
    .await;
    let claims = claims["items"].as_array().unwrap().clone();
    assert_eq!(claims.len(), 2);
    // Pushed Mon 9 Mar; 5 working days to claim → Mon 16 Mar 17:00.
    assert_eq!(claims[0]["due_at"], "2026-03-16T09:00:00Z");
    let first = claims[0]["id"].as_i64().unwrap();
    expect_problem(
        h.app
            .post(
                &format!("/v1/claims/{first}/claim"),
                &h.reviewer(h.dept_of["HHHT-GAJ-001"]),
                &json!({}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect_status(
        h.app
            .post(&format!("/v1/claims/{first}/claim"), &staff, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        h.app
            .post(&format!("/v1/claims/{first}/claim"), &staff, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "already_claimed",
        None,
    )
    .await;

    let r = sweep_at(&h, "2026-03-17T09:00:00+08:00").await;
    assert_eq!(r["unclaimed"], 1, "only the unclaimed one is flagged: {r}");
    assert_eq!(
        sweep_at(&h, "2026-03-17T09:05:00+08:00").await["unclaimed"],
        0
    );
    let flagged = cards(&h, "level=unclaimed").await;
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["department_id"], sgb);
    // A late claim closes the card.
    let second = claims[1]["id"].as_i64().unwrap();
    expect_status(
        h.app
            .post(&format!("/v1/claims/{second}/claim"), &staff, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        cards(&h, "level=unclaimed").await[0]["closed_how"],
        "claimed"
    );
}

fn monday_plus_hours(h: i64) -> DateTime<Utc> {
    crate::cases::monday_morning() + chrono::Duration::hours(h)
}

#[tokio::test]
async fn complaints_from_filing_to_closing() {
    let h = hohhot().await;
    let case = h.submit().await;
    let case_no = case["case_no"].as_str().unwrap();
    let id = file_complaint(&h.app, case_no).await;
    let filed = newest_complaint(&h.app, case_no).await.unwrap();
    assert_eq!(filed["status"], "open");
    // An unknown number gets the same answer, and files nothing.
    let bad = json!({"case_no": "NOPE", "check": "ABCDEF", "complainant": "x", "contact": "x", "content": "x"});
    expect_status(post_complaint(&h.app, &bad).await, StatusCode::ACCEPTED).await;
    assert_eq!(h.app.count_rows("complaints").await, 1);

    let sup = h.app.token(Role::Supervisor, None);
    let dept = h.dept_of["HHHT-SWJ-001"];
    expect_problem(
        h.app
            .post(
                &format!("/v1/complaints/{id}/answer"),
                &sup,
                &json!({"answer": "x"}),
            )
            .await,
        StatusCode::CONFLICT,
        "complaint_status",
        None,
    )
    .await;
    expect_problem(
        h.app
            .post(
                &format!("/v1/complaints/{id}/assign"),
                &h.clerk,
                &json!({"department_id": dept}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let assigned = expect_status(
        h.app
            .post(
                &format!("/v1/complaints/{id}/assign"),
                &sup,
                &json!({"department_id": dept, "limit_days": 3}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    // Mon 9 Mar + 3 working days → Thu 12 Mar 17:00.
    assert_eq!(assigned["due_at"], "2026-03-12T09:00:00Z");
    let notices = expect_status(
        h.app
            .get("/v1/notices?kind=complaint_assigned", &h.app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        notices["items"][0]["recipients"],
        json!([
            "window.hhht-swj@hohhot.gov.example",
            "head.hhht-swj@hohhot.gov.example"
        ])
    );
    let mine = expect_status(
        h.app.get("/v1/complaints", &h.reviewer(dept)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let elsewhere = expect_status(
        h.app
            .get("/v1/complaints", &h.reviewer(h.dept_of["HHHT-GAJ-001"]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(elsewhere["items"].as_array().unwrap().is_empty());
    h.app.clock.set(at("2026-03-13T10:00:00+08:00"));
    let answered = expect_status(
        h.app
            .post(
                &format!("/v1/complaints/{id}/answer"),
                &h.approver(dept),
                &json!({"answer": "已约谈窗口人员并整改"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answered["late"], true, "answered after the due moment");
    let closed = expect_status(
        h.app
            .post(&format!("/v1/complaints/{id}/close"), &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let timeline = expect_status(
        h.app
            .get(&format!("/v1/cases/{}/timeline", case["id"]), &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| k.starts_with("complaint"))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "complaint_filed",
            "complaint_assigned",
            "complaint_answered",
            "complaint_closed"
        ]
    );
}

#[tokio::test]
async fn statistics_count_rates_over_finished_branches() {
    let h = hohhot().await;
    let case = h.submit().await; // Mon 9 Mar 10:00
    let gaj = h.dept_of["HHHT-GAJ-001"];
    let scjg = h.dept_of["HHHT-SCJG-001"];
    h.approve(branch_of(&case, gaj)).await; // same day, before its due day: early
    h.app.clock.set(at("2026-03-13T10:00:00+08:00"));
    h.approve(branch_of(&case, scjg)).await; // due Thu 12 17:00: late
    let sup = h.app.token(Role::Supervisor, None);
    let s = expect_status(
        h.app
            .get("/v1/statistics?from=2026-03-01&to=2026-03-31", &sup)
            .await,
        StatusCode::OK,
    )
    .await;
    let row = |d: i32| {
        s["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["department_id"] == d)
            .unwrap()
            .clone()
    };
    let g = row(gaj);
    assert_eq!(
        (
            g["received"].as_i64(),
            g["finished"].as_i64(),
            g["same_day_rate"].as_f64(),
            g["on_time_rate"].as_f64()
        ),
        (Some(1), Some(1), Some(1.0), Some(1.0))
    );
    let c = row(scjg);
    assert_eq!(
        (
            c["finished"].as_i64(),
            c["finished_late"].as_i64(),
            c["on_time_rate"].as_f64()
        ),
        (Some(1), Some(1), Some(0.0))
    );
    let z = row(h.dept_of["HHHT-ZJJ-001"]);
    assert_eq!(
        (z["finished"].as_i64(), z["open_overdue"].as_i64()),
        (Some(0), Some(1))
    );
    assert!(z["on_time_rate"].is_null());
    expect_problem(
        h.app
            .get("/v1/statistics?from=2026-03-31&to=2026-03-01", &sup)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("to"),
    )
    .await;
    expect_problem(
        h.app
            .get("/v1/statistics?from=2026-03-01&to=2026-03-31", &h.clerk)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}

#[tokio::test]
async fn digests_are_queued_once_per_period() {
    let h = hohhot().await;
    h.submit().await;
    h.app.clock.set(at("2026-03-10T08:00:00+08:00"));
    let r = run_job(&h, "daily_digest").await;
    assert_eq!(r["detail"]["queued"], 4, "{r}");
    h.app.clock.set(at("2026-03-10T08:01:00+08:00"));
    assert_eq!(
        run_job(&h, "daily_digest").await["detail"]["queued"],
        0,
        "same day: deduplicated"
    );
    h.app.clock.set(at("2026-03-16T08:30:00+08:00"));
    let r = run_job(&h, "weekly_notice").await;
    assert_eq!(r["detail"]["queued"], 1);
    let n = expect_status(
        h.app
            .get("/v1/notices?kind=weekly_notice", &h.app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        n["items"][0]["recipients"],
        json!(["supervisor@hohhot.gov.example"])
    );
    assert!(n["items"][0]["subject"]
        .as_str()
        .unwrap()
        .contains("2026-W11"));
}

#[tokio::test]
async fn notices_reach_the_mail_folder() {
    let h = hohhot().await;
    h.submit().await;
    sweep_at(&h, "2026-03-10T15:00:00+08:00").await; // GAJ's warning
    let r = run_job(&h, "deliver").await;
    assert_eq!(r["detail"]["sent"], 1, "{r}");
    let n = expect_status(
        h.app
            .get("/v1/notices?status=sent", &h.app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(n["items"].as_array().unwrap().len(), 1);
}

/// Two replicas of the service against one database (and Redis when configured): one job run
/// per tick, one card per breach.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_issue_one_card_per_breach() {
    let h = hohhot().await;
    for _ in 0..3 {
        h.submit().await;
    }
    let second = approval::startup::Application::build_with(
        platform::config::Config {
            service: "approval".into(),
            database_url: h.app.database_url.clone(),
            redis_url: std::env::var("TEST_REDIS_URL")
                .ok()
                .filter(|s| !s.is_empty()),
            jwt_secret: SECRET.into(),
            jwt_secret_generated: false,
            bind: "127.0.0.1:0".into(),
            token_ttl_seconds: 3600,
            body_limit_bytes: 65536,
            demo_data: false,
            office_hours: "09:00-17:00".into(),
            calendar_fallback: "error".into(),
            bootstrap_admin: None,
            trusted_proxies: Default::default(),
            jwt: Default::default(),
            console_idle_seconds: platform::idle::DEFAULT_IDLE_SECONDS,
        },
        test_supervision(),
        Arc::new(h.app.clock.clone()),
    )
    .await
    .expect("second replica");
    let second_url = format!("http://127.0.0.1:{}", second.port());
    let second_state = second.state.clone();
    tokio::spawn(second.run_until_stopped());
    // Tue 10 Mar 15:00: only the three 印章 branches are due a warning.
    h.app.clock.set(at("2026-03-10T15:00:00+08:00"));
    let sup = h.app.token(Role::Supervisor, None);
    let empty = json!({});
    let second_run = format!("{second_url}/v1/supervision/jobs/sweep/run");
    let (a, b) = tokio::join!(
        h.app.post("/v1/supervision/jobs/sweep/run", &sup, &empty),
        h.app
            .client
            .post(&second_run)
            .bearer_auth(&sup)
            .json(&empty)
            .send()
    );
    let a = expect_status(a, StatusCode::OK).await;
    let b = expect_status(b.unwrap(), StatusCode::OK).await;
    let ran: Vec<&Value> = [&a, &b].into_iter().filter(|r| r["ran"] == true).collect();
    assert_eq!(ran.len(), 1, "one run per tick across replicas: {a} {b}");
    assert_eq!(ran[0]["detail"]["warnings"], 3);
    // Both replicas sweeping at once, straight through the function (no ledger): every card
    // that came due by Fri 27 Mar is issued by exactly one of them.
    let now = at("2026-03-27T10:00:00+08:00");
    let (t1, t2) = (h.app.clock.clone(), second_state.timing());
    t1.set(now);
    let t_first = second_state.timing();
    let (x, y) = tokio::join!(
        approval::supervision::sweep::sweep(&h.app.db, &t_first, now),
        approval::supervision::sweep::sweep(&second_state.db, &t2, now)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let issued =
        x.warnings + y.warnings + x.yellow_cards + y.yellow_cards + x.red_cards + y.red_cards;
    assert_eq!(issued, 33, "{x:?} {y:?}");
    // The two demo items with a 5-day statutory limit (HHHT-ZJJ-001, HHHT-GAJ-001) are past it too.
    assert_eq!(
        x.statutory_breaches + y.statutory_breaches,
        6,
        "{x:?} {y:?}"
    );
    // Each bundle case's own promise (5 working days) passed too: yellow and red on the case.
    assert_eq!(x.case_cards + y.case_cards, 6, "{x:?} {y:?}");
    let all = cards(&h, "").await;
    // 3 cases × 4 branches × (warning, yellow, red), 3 × 2 statutory breaches, 3 × 2 case cards.
    assert_eq!(all.len(), 48);
    let mut keys: Vec<(String, i64, String)> = all
        .iter()
        .map(|c| {
            (
                c["subject_kind"].as_str().unwrap().to_string(),
                c["subject_id"].as_i64().unwrap(),
                c["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 48, "no breach carded twice");
}

/// Redis down: readiness says so (503, `scheduling: ledger`), and scheduled jobs still run
/// once per tick through the database ledger.
#[tokio::test]
async fn with_redis_down_jobs_fall_back_to_the_ledger_and_readyz_says_so() {
    let h = hohhot().await;
    let mut cfg = platform::config::Config::from_lookup("approval", 0, |_| None).unwrap();
    cfg.database_url = h.app.database_url.clone();
    cfg.redis_url = Some("redis://127.0.0.1:1".into());
    cfg.jwt_secret = SECRET.into();
    cfg.bind = "127.0.0.1:0".into();
    let app = approval::startup::Application::build_with(
        cfg,
        test_supervision(),
        Arc::new(h.app.clock.clone()),
    )
    .await
    .expect("starts without Redis");
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let r = h
        .app
        .client
        .get(format!("{url}/readyz"))
        .send()
        .await
        .unwrap();
    let ready = expect_status(r, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(ready["redis"] == "error: unreachable", "{ready}");
    assert_eq!(ready["scheduling"], "ledger");
    h.submit().await;
    h.app.clock.set(at("2026-03-10T15:00:00+08:00"));
    let sup = h.app.token(Role::Supervisor, None);
    let run = |u: String| {
        let c = h.app.client.clone();
        let t = sup.clone();
        async move {
            c.post(format!("{u}/v1/supervision/jobs/sweep/run"))
                .bearer_auth(t)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
        }
    };
    let first = expect_status(run(url.clone()).await, StatusCode::OK).await;
    assert_eq!(
        (first["ran"].as_bool(), first["detail"]["warnings"].as_i64()),
        (Some(true), Some(1))
    );
    let again = expect_status(run(h.app.address.clone()).await, StatusCode::OK).await;
    assert_eq!(
        again["ran"], false,
        "the other replica sees the tick taken: no job runs twice"
    );
}

/// The public complaint form answers alike for an unknown case, a wrong check code and a
/// filed complaint (status and body); only the matching pair files one, and a case number is
/// rate-limited.
#[tokio::test]
async fn the_complaint_form_answers_alike_and_needs_the_check_code() {
    let h = hohhot().await;
    let case = h.submit().await;
    let case_no = case["case_no"].as_str().unwrap();
    let check = check_of_case(&h.app, case_no).await;
    let wrong = if check == "000000" {
        "111111"
    } else {
        "000000"
    };
    let form = |no: &str, check: &str| json!({"case_no": no, "check": check, "complainant": "张先生", "contact": "13800000000", "content": "窗口推诿"});
    let mut answers = Vec::new();
    for body in [
        form("NO-SUCH-CASE", &check),
        form(case_no, wrong),
        form(case_no, &check.to_ascii_lowercase()),
    ] {
        let r = post_complaint(&h.app, &body).await;
        let status = r.status();
        let mut v: Value = r.json().await.unwrap();
        v.as_object_mut().unwrap().remove("trace_id");
        answers.push((status, v));
    }
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    assert_eq!(answers[0].1["status"], "received");
    // Only the right pair (case-insensitive) filed a complaint.
    let sup = h.app.token(Role::Supervisor, None);
    let list = expect_status(h.app.get("/v1/complaints", &sup).await, StatusCode::OK).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["case_no"], case_no);
    // A malformed check code is a 422 naming the field, as any bad field.
    expect_problem(
        post_complaint(&h.app, &form(case_no, "12345")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("check"),
    )
    .await;
    // Per case number: 5 per ten minutes (PUBLIC_COMPLAINT_PER_CASE), whoever files: two
    // used above, three more answer, the sixth is refused.
    for _ in 0..3 {
        expect_status(
            post_complaint(&h.app, &form(case_no, wrong)).await,
            StatusCode::ACCEPTED,
        )
        .await;
    }
    let r = post_complaint(&h.app, &form(case_no, &check)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(h.app.count_rows("complaints").await, 1);
    // The next window opens again.
    h.app.clock.advance(chrono::Duration::minutes(10));
    expect_status(
        post_complaint(&h.app, &form(case_no, &check)).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(h.app.count_rows("complaints").await, 2);
}
