//! A pause is never a hiding place: a branch waiting for supplement longer than
//! `SUPPLEMENT_WAIT_DAYS` working days, or suspended past the expected end of its special
//! procedure, raises a `pause_overdue` alert to its department (once per pause); resuming
//! closes it. A suspension names its expected end and the written notice to the applicant.

use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{branch_of, hohhot};
use crate::helpers::*;

#[tokio::test]
async fn pauses_that_wait_too_long_raise_an_alert() {
    let h = hohhot().await; // Mon 9 Mar 2026 10:00
    let case = h.submit().await;
    let sup = h.app.token(platform::auth::Role::Supervisor, None);
    let empty = json!({});
    let sweep = |t: &str| {
        h.app.clock.set(at(t));
        h.app.post("/v1/supervision/jobs/sweep/run", &sup, &empty)
    };
    let pause_cards = |dept: i32| {
        let app = &h.app;
        async move {
            app.count_rows(&format!(
                "cards WHERE level = 'pause_overdue' AND department_id = {dept} AND closed_at IS NULL"
            ))
            .await
        }
    };

    // 补正 on the tax branch: 10 working days of waiting → Mon 23 Mar 17:00.
    let tax_dept = h.dept_of["HHHT-SWJ-001"];
    let tax = branch_of(&case, tax_dept).clone();
    let reviewer = h.reviewer(tax_dept);
    for body in [
        json!({"command": "start_review"}),
        json!({"command": "request_supplement", "missing": ["M03"], "note": ""}),
    ] {
        expect_status(h.command(&tax, &reviewer, body).await, StatusCode::OK).await;
    }
    // A suspension without its expected end or notice, or ending in the past, is refused.
    let gaj_dept = h.dept_of["HHHT-GAJ-001"];
    let gaj = branch_of(&case, gaj_dept).clone();
    let gaj_reviewer = h.reviewer(gaj_dept);
    expect_status(
        h.command(&gaj, &gaj_reviewer, json!({"command": "start_review"}))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        h.command(
            &gaj,
            &gaj_reviewer,
            json!({"command": "suspend", "procedure": "testing", "note": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        Some("expected_end"),
    )
    .await;
    expect_problem(
        h.command(
            &gaj,
            &gaj_reviewer,
            json!({"command": "suspend", "procedure": "testing", "note": "", "expected_end": "2026-03-06", "notice_ref": "检测告知书 7"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "expected_end_in_past",
        Some("expected_end"),
    )
    .await;
    expect_status(
        h.command(
            &gaj,
            &gaj_reviewer,
            json!({"command": "suspend", "procedure": "testing", "note": "", "expected_end": "2026-03-16", "notice_ref": "检测告知书 7"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Mon 16 Mar evening: the test is past its expected end; the supplement not yet overdue.
    let r = expect_status(sweep("2026-03-16T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(r["detail"]["pauses_overdue"], 1, "{r}");
    assert_eq!(pause_cards(gaj_dept).await, 1);
    assert_eq!(pause_cards(tax_dept).await, 0);
    // Once per pause.
    expect_status(sweep("2026-03-17T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(
        h.app
            .count_rows("cards WHERE level = 'pause_overdue'")
            .await,
        1
    );
    // Mon 23 Mar evening: ten working days of waiting for supplement.
    expect_status(sweep("2026-03-23T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(pause_cards(tax_dept).await, 1);
    // Resuming closes the alert.
    expect_status(
        h.command(&gaj, &gaj_reviewer, json!({"command": "resume"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(pause_cards(gaj_dept).await, 0);
    assert_eq!(
        h.app
            .count_rows("cards WHERE level = 'pause_overdue' AND closed_how = 'resumed'")
            .await,
        1
    );
}
