//! 补正 once (行政许可法 第三十二条: every missing material at once): a second request on the
//! same branch is refused unless a supervisor allows it, with a reason, audited.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{branch_of, hohhot};
use crate::helpers::*;

#[tokio::test]
async fn a_second_supplement_request_needs_a_supervisors_allowance() {
    let h = hohhot().await;
    let case = h.submit().await;
    let dept = h.dept_of["HHHT-SWJ-001"];
    let tax = branch_of(&case, dept).clone();
    let reviewer = h.reviewer(dept);
    let request = |m: &str| json!({"command": "request_supplement", "missing": [m], "note": ""});
    for body in [json!({"command": "start_review"}), request("M03")] {
        expect_status(h.command(&tax, &reviewer, body).await, StatusCode::OK).await;
    }
    expect_status(
        h.command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M03"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let p = expect_problem(
        h.command(&tax, &reviewer, request("M02")).await,
        StatusCode::CONFLICT,
        "supplement_already_requested",
        None,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("第三十二条"), "{p}");
    let id = tax["id"].as_i64().unwrap();
    let path = format!("/v1/branches/{id}/supplement-allowance");
    let sup = h.app.token(Role::Supervisor, None);
    expect_status(
        h.app.post(&path, &reviewer, &json!({"reason": "x"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    expect_problem(
        h.app.post(&path, &sup, &json!({"reason": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("reason"),
    )
    .await;
    let audits_before = h.app.count_rows("audit_log").await;
    let b = expect_status(
        h.app
            .post(&path, &sup, &json!({"reason": "补交材料中发现新的缺失"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(b["supplement_allowed"], true);
    assert_eq!(h.app.count_rows("audit_log").await, audits_before + 1);
    // Allowed once: the second request goes through, a third does not.
    let c = expect_status(
        h.command(&tax, &reviewer, request("M02")).await,
        StatusCode::OK,
    )
    .await;
    let b = branch_of(&c, dept);
    assert_eq!(b["supplement_requests"], 2);
    assert_eq!(b["supplement_allowed"], false);
    expect_status(
        h.command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M02"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        h.command(&tax, &reviewer, request("M01")).await,
        StatusCode::CONFLICT,
        "supplement_already_requested",
        None,
    )
    .await;
}
