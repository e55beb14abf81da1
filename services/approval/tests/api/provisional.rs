//! Years without a published holiday table: a deadline running into one is computed from the
//! statutory rules and flagged `provisional`; the window never refuses the case. Publishing
//! the year's table re-plans the open clocks: one `deadline_replanned` event per branch, and a
//! card that no longer holds is closed, then reissued (the same card) when its moment comes.

use platform::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::*;

async fn rows(app: &TestApp, sql: &str) -> Vec<String> {
    app.db
        .query_all(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "v").unwrap())
        .collect()
}

#[tokio::test]
async fn a_thirty_day_case_accepted_on_1_december_runs_on_a_provisional_2027() {
    let app = spawn_app_with(|c| c.calendar_fallback = "provisional".into()).await;
    app.clock.set(at("2026-12-01T10:00:00+08:00"));
    let case = app.item_case("PROV-30", 30, 45, |_| {}).await;
    let branch = case["branches"][0].clone();
    // 22 working days left in December 2026; provisional 2027: 1 Jan off, then 4–8 and 11–13
    // January: due Wed 13 Jan 2027 17:00.
    assert_eq!(branch["due_at"], "2027-01-13T09:00:00Z", "{branch}");
    assert_eq!(branch["provisional"], true);
    assert_eq!(case["provisional"], true);
    let opened = expect_status(
        app.get(
            "/v1/events?after=0&limit=100",
            &app.token(Role::Service, None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        opened["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "branch_opened" && e["payload"]["provisional"] == true),
        "the feed says so too"
    );

    // The provisional due moment passes: a warning and a yellow card.
    let sup = app.token(Role::Supervisor, None);
    app.clock.set(at("2027-01-13T18:00:00+08:00"));
    expect_status(
        app.post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let open_cards = "SELECT level AS v FROM cards WHERE closed_at IS NULL ORDER BY level";
    assert_eq!(rows(&app, open_cards).await, vec!["warning", "yellow"]);

    // The notice for 2027 arrives with a holiday the rules did not know (4 January): the due
    // moment moves a day later, so the yellow card no longer holds.
    let table = json!({"holidays": ["2027-01-01", "2027-01-04"], "makeup_workdays": []});
    let published = expect_status(
        app.put("/v1/calendar/years/2027", &app.sysadmin_token, &table)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["replan"]["replanned"], 1, "{published}");
    assert_eq!(published["replan"]["cards_closed"], 1, "{published}");
    let id = branch["id"].as_i64().unwrap();
    let b: Value = expect_status(
        app.get(&format!("/v1/branches/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(b["due_at"], "2027-01-14T09:00:00Z");
    assert_eq!(b["provisional"], false);
    assert_eq!(
        rows(
            &app,
            "SELECT kind AS v FROM events WHERE kind = 'deadline_replanned'"
        )
        .await
        .len(),
        1
    );
    assert_eq!(
        rows(
            &app,
            "SELECT closed_how AS v FROM cards WHERE level = 'yellow'"
        )
        .await,
        vec!["calendar_corrected"]
    );
    // Publishing the same table again re-plans nothing.
    let again = expect_status(
        app.put("/v1/calendar/years/2027", &app.sysadmin_token, &table)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["replan"]["replanned"], 0);

    // The corrected due moment passes: the same yellow card is reissued, not a second one.
    app.clock.set(at("2027-01-14T18:00:00+08:00"));
    expect_status(
        app.post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        rows(&app, "SELECT level AS v FROM cards ORDER BY level").await,
        vec!["warning", "yellow"],
        "one card per branch and level"
    );
    assert_eq!(rows(&app, open_cards).await, vec!["warning", "yellow"]);
}

#[tokio::test]
async fn refusing_a_missing_year_stays_available() {
    let app = spawn_app_with(|c| c.calendar_fallback = "error".into()).await;
    let r = app
        .get(
            "/v1/calendar/deadline?accepted_at=2026-12-28T10:00:00%2B08:00&days=10",
            &app.sysadmin_token,
        )
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "calendar_year_missing",
        None,
    )
    .await;
    let app = spawn_app_with(|c| c.calendar_fallback = "provisional".into()).await;
    let d = expect_status(
        app.get(
            "/v1/calendar/deadline?accepted_at=2026-12-28T10:00:00%2B08:00&days=10",
            &app.sysadmin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["provisional"], true, "{d}");
}

/// A correction may not rewrite the past of closed cases: changing a day that has passed, which
/// a decided branch ran over, is refused; a day still to come may change.
#[tokio::test]
async fn a_table_that_would_re_plan_a_closed_case_is_refused() {
    let h = crate::cases::hohhot().await; // Mon 9 Mar 2026 10:00
    let case = h.submit().await;
    // Decide the public-security branch on Wed 11 Mar.
    let gaj = crate::cases::branch_of(&case, h.dept_of["HHHT-GAJ-001"]).clone();
    h.app.clock.set(at("2026-03-11T10:00:00+08:00"));
    h.approve(&gaj).await;
    h.app.clock.set(at("2026-03-20T10:00:00+08:00"));
    let admin = &h.app.sysadmin_token;
    let current = expect_status(
        h.app.get("/v1/calendar/years/2026", admin).await,
        StatusCode::OK,
    )
    .await;
    let with = |day: &str| {
        let mut holidays: Vec<Value> = current["holidays"].as_array().unwrap().clone();
        holidays.push(json!(day));
        json!({"holidays": holidays, "makeup_workdays": current["makeup_workdays"]})
    };
    let p = expect_problem(
        h.app
            .put("/v1/calendar/years/2026", admin, &with("2026-03-10"))
            .await,
        StatusCode::CONFLICT,
        "calendar_closed_cases",
        Some("holidays"),
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("2026-03-10"), "{p}");
    // An ad-hoc holiday still to come is fine.
    expect_status(
        h.app
            .put("/v1/calendar/years/2026", admin, &with("2026-03-25"))
            .await,
        StatusCode::OK,
    )
    .await;
}

/// Publishing a table re-plans 10,000 open branches in bounded batches (500 each, one short
/// transaction per batch), each branch once.
#[tokio::test]
async fn ten_thousand_open_branches_are_re_planned_in_bounded_batches() {
    let app = spawn_app_with(|c| c.calendar_fallback = "provisional".into()).await;
    app.clock.set(at("2026-12-01T10:00:00+08:00"));
    let case = app.item_case("MANY-30", 30, 45, |_| {}).await;
    let id = case["branches"][0]["id"].as_i64().unwrap();
    let case_id = case["id"].as_i64().unwrap();
    // 9,999 more cases with an open branch like it, written straight into the tables.
    let case_cols = "bundle_id, item_id, applicant_kind, applicant_name, applicant_id_number, \
        applicant_phone, materials, state, stage_count, join_policy, accepted_at, accepted_by, \
        due_at, fee_total_cents, paid_cents, payment_ref, paid_at, issued_at, closed_reason, \
        version, updated_at, provisional, lead_department_id, alert_level, next_alert_at, \
        decided_at, issuance_due_at";
    let cols = "item_id, department_id, stage, state, extension_used, decision_note, \
        clock, due_at, warn_at, opened_at, decided_at, version, updated_at, red_at, \
        next_alert_at, alert_level, pending_materials, provisional, supplement_requests, \
        supplement_allowed, statutory_extra_days, statutory_due_at, statutory_breached, \
        pause_alert_at, pause_alerted";
    let backend = app.db.get_database_backend();
    for sql in [
        format!(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 9999) \
             INSERT INTO cases (case_no, {case_cols}) \
             SELECT 'COPY-' || CAST(n AS TEXT), {case_cols} FROM cases, g WHERE id = {case_id}"
        ),
        format!(
            "INSERT INTO branches (case_id, {cols}) \
             SELECT c.id, {b_cols} FROM cases c, branches b \
             WHERE c.case_no LIKE 'COPY-%' AND b.id = {id}",
            b_cols = cols
                .split(',')
                .map(|c| format!("b.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ] {
        app.db
            .execute(Statement::from_string(backend, sql))
            .await
            .unwrap();
    }
    assert_eq!(app.count_rows("branches WHERE provisional").await, 10_000);
    let started = std::time::Instant::now();
    let published = expect_status(
        app.put(
            "/v1/calendar/years/2027",
            &app.sysadmin_token,
            &json!({"holidays": ["2027-01-01", "2027-01-04"], "makeup_workdays": []}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    println!(
        "re-planned 10,000 branches in {:.0} ms ({})",
        started.elapsed().as_secs_f64() * 1000.0,
        published["replan"]
    );
    assert_eq!(published["replan"]["examined"], 10_000);
    assert_eq!(published["replan"]["replanned"], 10_000);
    assert_eq!(
        published["replan"]["batches"], 20,
        "500 branches per transaction"
    );
    assert_eq!(
        app.count_rows("events WHERE kind = 'deadline_replanned'")
            .await,
        10_000
    );
    assert_eq!(app.count_rows("branches WHERE provisional").await, 0);
}
