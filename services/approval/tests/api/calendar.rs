use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn deadline_path(accepted_local: &str, days: i64) -> String {
    format!(
        "/v1/calendar/deadline?accepted_at={}&days={days}",
        accepted_local.replace('+', "%2B")
    )
}

#[tokio::test]
async fn shipped_years_are_seeded() {
    let app = spawn_app().await;
    let t = app.token(platform::auth::Role::Clerk, None);
    let years = expect_status(app.get("/v1/calendar/years", &t).await, StatusCode::OK).await;
    let ys: Vec<i64> = years
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(ys, vec![2025, 2026]);
    let y = expect_status(app.get("/v1/calendar/years/2026", &t).await, StatusCode::OK).await;
    assert_eq!(y["source"], "builtin");
    let makeup: Vec<&str> = y["makeup_workdays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        makeup.contains(&"2026-02-14") && makeup.contains(&"2026-02-28"),
        "{makeup:?}"
    );
    let settings = expect_status(app.get("/v1/calendar", &t).await, StatusCode::OK).await;
    assert_eq!(settings["time_zone"], "Asia/Shanghai");
    assert_eq!(settings["office_close"], "17:00:00");
    assert_eq!(settings["fallback"], "error");
}

#[tokio::test]
async fn deadlines_follow_the_official_2026_table() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    // Thu 12 Feb 10:00; day 1 = Fri 13, day 2 = Sat 14 (make-up), 15–23 Spring Festival,
    // day 3 = Tue 24, day 4 = Wed 25, day 5 = Thu 26 → 17:00 local.
    let d = expect_status(
        app.get(&deadline_path("2026-02-12T10:00:00+08:00", 5), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_at"], "2026-02-26T09:00:00Z");
    assert_eq!(d["due_local"], "2026-02-26T17:00:00+08:00");
    // National Day: Wed 30 Sep + 1 working day = Thu 8 Oct (1–7 Oct off).
    let d = expect_status(
        app.get(&deadline_path("2026-09-30T10:00:00+08:00", 1), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_local"], "2026-10-08T17:00:00+08:00");
    // 即办件: same day.
    let d = expect_status(
        app.get(&deadline_path("2026-03-03T10:00:00+08:00", 0), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_local"], "2026-03-03T17:00:00+08:00");
    // A deadline reaching into 2027, which has no table yet: an explicit error, never a guess.
    let r = app
        .get(&deadline_path("2026-12-28T10:00:00+08:00", 10), t)
        .await;
    let p = expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "calendar_year_missing",
        None,
    )
    .await;
    assert!(
        p.get("field").is_none(),
        "names no field the client did not send: {p}"
    );
    assert!(p["detail"].as_str().unwrap().contains("2027"), "{p}");
    let r = app
        .get(&deadline_path("2026-12-28T10:00:00+08:00", -1), t)
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("days"),
    )
    .await;
    let r = app
        .get("/v1/calendar/deadline?accepted_at=yesterday&days=1", t)
        .await;
    expect_problem(r, StatusCode::BAD_REQUEST, "invalid_query", None).await;
}

#[tokio::test]
async fn an_admin_adds_a_year_and_deadlines_use_it() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    // A 2027 table (illustrative): 1 Jan off; Sun 3 Jan... is not listed; Sat 9 Jan worked.
    let table = json!({"holidays": ["2027-01-01", "2027-01-04", "2027-01-05"], "makeup_workdays": ["2027-01-09"]});
    let y = expect_status(
        app.put("/v1/calendar/years/2027", t, &table).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(y["source"], "admin");
    assert_eq!(y["updated_by"], "root");
    // Thu 31 Dec 2026 + 3 working days: Fri 1 Jan off, Sat/Sun off, Mon 4 and Tue 5 off,
    // Wed 6 = 1, Thu 7 = 2, Fri 8 = 3.
    let d = expect_status(
        app.get(&deadline_path("2026-12-31T10:00:00+08:00", 3), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_local"], "2027-01-08T17:00:00+08:00");
    // ...and 4 lands on the make-up Saturday.
    let d = expect_status(
        app.get(&deadline_path("2026-12-31T10:00:00+08:00", 4), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_local"], "2027-01-09T17:00:00+08:00");

    // Editing a shipped year records the change and who made it.
    let y2026 = expect_status(app.get("/v1/calendar/years/2026", t).await, StatusCode::OK).await;
    let mut holidays = y2026["holidays"].as_array().unwrap().clone();
    holidays.push(json!("2026-12-31"));
    let edit = json!({"holidays": holidays, "makeup_workdays": y2026["makeup_workdays"]});
    expect_status(
        app.put("/v1/calendar/years/2026", t, &edit).await,
        StatusCode::OK,
    )
    .await;
    let d = expect_status(
        app.get(&deadline_path("2026-12-30T10:00:00+08:00", 1), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["due_local"], "2027-01-06T17:00:00+08:00");
    let audit = expect_status(
        app.get(
            "/v1/audit?entity=holiday_table&entity_id=2026",
            &app.auditor_token(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"][0]["action"], "replace");
    assert_eq!(audit["items"][0]["before"]["source"], "builtin");
}

#[tokio::test]
async fn bad_tables_are_refused_naming_the_date() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let cases = [
        // Overlaps itself: a holiday that is also a make-up day.
        (
            json!({"holidays": ["2027-01-01", "2027-01-09"], "makeup_workdays": ["2027-01-09"]}),
            "2027-01-09",
        ),
        // Listed twice.
        (
            json!({"holidays": ["2027-01-01", "2027-01-01"], "makeup_workdays": []}),
            "2027-01-01",
        ),
        // A make-up day on a Monday.
        (
            json!({"holidays": [], "makeup_workdays": ["2027-01-04"]}),
            "2027-01-04",
        ),
        // Outside the year.
        (
            json!({"holidays": ["2028-01-01"], "makeup_workdays": []}),
            "2028-01-01",
        ),
    ];
    for (body, date) in cases {
        let r = app.put("/v1/calendar/years/2027", t, &body).await;
        let p = expect_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_holiday_table",
            None,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains(date), "{p}");
        assert!(
            p["field"].as_str().unwrap().contains('['),
            "names the position: {p}"
        );
    }
    let r = app
        .put(
            "/v1/calendar/years/2027",
            t,
            &json!({"holidays": ["2027-02-30"], "makeup_workdays": []}),
        )
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        Some("holidays[0]"),
    )
    .await;
    let r = app
        .put(
            "/v1/calendar/years/1900",
            t,
            &json!({"holidays": [], "makeup_workdays": []}),
        )
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("year"),
    )
    .await;
    expect_problem(
        app.get("/v1/calendar/years/2027", t).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}
