//! One calendar for both services: a holiday table an admin publishes in the approval service
//! reaches the assessment service's calendar on refresh, and the quarterly results scored
//! afterwards record the new calendar version. Without the approval service at start-up, the
//! assessment service starts on its built-in tables.

use assessment::calendar_sync;
use chrono::NaiveDate;
use platform::auth::Role;
use platform::clock::ManualClock;
use platform::ApiError;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_published_table_reaches_the_assessment_calendar_and_its_results() {
    let s = spawn().await;
    let assessor = s.token(Role::Assessor, None);

    // At start the assessment service read the approval service's tables (2025, 2026; the
    // test configuration's fallback is `error`).
    let before = s.state.calendar_version();
    assert_eq!(before.source, "approval", "{before:?}");
    assert_eq!(before.years, vec![2025, 2026]);
    assert!(before.fetched_at.is_some());
    assert!(s
        .state
        .calendar()
        .is_working_day(day("2027-01-04"))
        .is_err());
    let ready = expect(
        s.client
            .get(format!("{}/readyz", s.assessment))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["calendar"]["version"], before.version.as_str());
    assert_eq!(ready["calendar"]["source"], "approval");

    // A result scored now records that version.
    let first = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        first["calendar_version"],
        before.version.as_str(),
        "{first}"
    );

    // The system administrator publishes 2027 in the approval service.
    let sysadmin = s.token(Role::Sysadmin, None);
    expect(
        s.approval_put(
            "/v1/calendar/years/2027",
            &sysadmin,
            &json!({"holidays": ["2027-01-01", "2027-01-04"], "makeup_workdays": []}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Not seen before the refresh…
    assert_eq!(s.state.calendar_version(), before);

    // …and seen after it.
    let after = calendar_sync::refresh(&s.state).await.expect("refresh");
    assert_eq!(after.source, "approval");
    assert_eq!(after.years, vec![2025, 2026, 2027]);
    assert_eq!(after.fetched_at, Some(s.state.now()));
    assert_ne!(after.version, before.version);
    assert_eq!(s.state.calendar_version(), after);
    let cal = s.state.calendar();
    assert_eq!(cal.covered_years(), vec![2025, 2026, 2027]);
    assert_eq!(cal.is_working_day(day("2027-01-04")), Ok(false));
    assert_eq!(cal.is_working_day(day("2027-01-05")), Ok(true));
    // One working day after Thu 31 Dec 2026: Fri 1 Jan off, the weekend, Mon 4 Jan off → Tue 5.
    assert_eq!(
        cal.deadline(at("2026-12-31T10:00:00+08:00"), 1).unwrap(),
        at("2027-01-05T17:00:00+08:00")
    );
    // A second refresh of the same tables keeps the version.
    assert_eq!(
        calendar_sync::refresh(&s.state).await.unwrap().version,
        after.version
    );

    // The draft recomputed afterwards carries the new version, in the API as stored.
    let again = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["calendar_version"], after.version.as_str(), "{again}");
    let shown = expect(
        s.get(&format!("/v1/results/{}", again["id"]), &assessor)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["calendar_version"], after.version.as_str());
    let ready = expect(
        s.client
            .get(format!("{}/readyz", s.assessment))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["calendar"]["version"], after.version.as_str());
    assert_eq!(ready["calendar"]["years"], json!([2025, 2026, 2027]));
}

#[tokio::test]
async fn without_the_approval_service_it_starts_on_the_builtin_tables() {
    platform::telemetry::init("error");
    let clock = ManualClock::new(at("2026-03-09T10:00:00+08:00"));
    let db_url = fresh_db("assessment").await;
    let mail_dir = std::env::temp_dir().join(format!("assessment-mail-{}", suffix()));
    // Nothing listens on port 1: every call to the approval service is refused.
    let app = start_assessment("http://127.0.0.1:1", &db_url, &clock, &mail_dir).await;
    let state = app.state.clone();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let v = state.calendar_version();
    assert_eq!(v.source, "builtin");
    assert_eq!(v.years, vec![2025, 2026]);
    assert_eq!(v.fetched_at, None);
    let cal = state.calendar();
    assert_eq!(cal.fallback(), ::calendar::Fallback::Provisional);
    // 2027 has no table: computed from the statutory rules, flagged provisional.
    assert!(cal.is_provisional(2027));
    assert_eq!(cal.is_working_day(day("2027-01-01")), Ok(false));

    // A refresh fails as unavailable and keeps the built-in calendar.
    let e = calendar_sync::refresh(&state).await.unwrap_err();
    assert!(matches!(e, ApiError::Unavailable(_)), "{e:?}");
    assert_eq!(state.calendar_version(), v);

    // The service serves and reports the calendar it uses.
    let ready: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["calendar"]["source"], "builtin", "{ready}");
    assert_eq!(ready["calendar"]["version"], v.version.as_str());
}
