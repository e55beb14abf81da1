//! Years without a published holiday table: a deadline running into one is computed from the
//! statutory rules and flagged `provisional`; the window never refuses the case. Publishing
//! the year's table re-plans the open clocks: one `deadline_replanned` event per branch, and a
//! card that no longer holds is closed, then reissued (the same card) when its moment comes.

use platform::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::*;

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

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
    let dept = app.create_department("PROV").await;
    let mut item = item_body("PROV-30", dept);
    item["promised_limit_days"] = json!(30);
    item["statutory_limit_days"] = json!(45);
    expect_status(
        app.post("/v1/items", &app.admin_token, &item).await,
        StatusCode::CREATED,
    )
    .await;
    let clerk = app.token(Role::Clerk, None);
    let body = json!({
        "item_code": "PROV-30",
        "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
        "materials": [
            {"item_code": "PROV-30", "material_code": "M01"},
            {"item_code": "PROV-30", "material_code": "M02"}
        ]
    });
    let case = expect_status(
        app.post("/v1/cases", &clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let branch = case["branches"][0].clone();
    // 22 working days left in December 2026; provisional 2027: 1 Jan off, then 4–8 and 11–13
    // January: due Wed 13 Jan 2027 17:00.
    assert_eq!(branch["due_at"], "2027-01-13T09:00:00Z", "{branch}");
    assert_eq!(branch["provisional"], true);
    assert_eq!(case["provisional"], true);
    let opened = expect_status(
        app.get("/v1/events?after=0&limit=100", &app.admin_token)
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
        app.put("/v1/calendar/years/2027", &app.admin_token, &table)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["replan"]["replanned"], 1, "{published}");
    assert_eq!(published["replan"]["cards_closed"], 1, "{published}");
    let id = branch["id"].as_i64().unwrap();
    let b: Value = expect_status(
        app.get(&format!("/v1/branches/{id}"), &app.admin_token)
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
        app.put("/v1/calendar/years/2027", &app.admin_token, &table)
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
            &app.admin_token,
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
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["provisional"], true, "{d}");
}
