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

/// An item whose rules restart the limit after a supplement (重新计时): the whole promised
/// limit counts again from the day the last material arrived.
#[tokio::test]
async fn an_item_with_the_restart_policy_counts_its_limit_again() {
    let app = spawn_app().await;
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    app.clock.set(at("2026-03-09T10:00:00+08:00"));
    let dept = app.create_department("RST").await;
    let mut item = item_body("RST-1", dept);
    item["supplement_policy"] = json!("restart");
    let created = expect_status(
        app.post("/v1/items", &app.sysadmin_token, &item).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["supplement_policy"], "restart");
    let body = json!({
        "item_code": "RST-1",
        "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
        "materials": [
            {"item_code": "RST-1", "material_code": "M01"},
            {"item_code": "RST-1", "material_code": "M02"}
        ]
    });
    let clerk = app.token(Role::Clerk, None);
    let case = expect_status(
        app.post("/v1/cases", &clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = case["branches"][0]["id"].as_i64().unwrap();
    assert_eq!(case["branches"][0]["due_at"], "2026-03-16T09:00:00Z");
    let reviewer = app.token(Role::Reviewer, Some(dept));
    let path = format!("/v1/branches/{id}/commands");
    let app = &app;
    let cmd = |token: &str, body: serde_json::Value| {
        let token = token.to_string();
        let path = path.clone();
        async move { app.post(&path, &token, &body).await }
    };
    for body in [
        json!({"command": "start_review"}),
        json!({"command": "request_supplement", "missing": ["M03"], "note": ""}),
    ] {
        expect_status(cmd(&reviewer, body).await, StatusCode::OK).await;
    }
    app.clock.set(at("2026-03-12T10:00:00+08:00"));
    let c = expect_status(
        cmd(
            &clerk,
            json!({"command": "supplement", "received": ["M03"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Five full working days from Thu 12 Mar: Thu 19 Mar 17:00 (a resume would have kept
    // Mon 16 Mar plus the few hours the pause covered).
    assert_eq!(c["branches"][0]["due_at"], "2026-03-19T09:00:00Z");
}
