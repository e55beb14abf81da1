//! Extensions (延期, 行政许可法 第四十二条) as the law grants them: once, while the clock runs,
//! before the limit passes, at most 10 working days (15 for a bundle, handled jointly), with
//! the reason and a real 负责人 of the department; filed with the supervisors (报备).

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{branch_of, hohhot};
use crate::helpers::*;

#[tokio::test]
async fn extensions_follow_article_42() {
    let h = hohhot().await;
    let case = h.submit().await;
    let dept = h.dept_of["HHHT-SWJ-001"];
    let tax = branch_of(&case, dept).clone();
    let admin = &h.app.sysadmin_token;
    let user = |name: &str, role: &str| json!({"username": name, "display_name": name, "role": role, "department_id": dept, "password": "Long-enough-2026"});
    let chief = expect_status(
        h.app
            .post("/v1/users", admin, &user("tax.chief", "approver"))
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let clerk_like = expect_status(
        h.app
            .post("/v1/users", admin, &user("tax.reviewer", "reviewer"))
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let approver = h.approver(dept);
    let extend = |days: u32, approver_id: i64| json!({"command": "extend", "days": days, "reason": "需核查纳税人历史申报", "approver_id": approver_id});
    // The 负责人 must be an approver of this department, not any user.
    expect_problem(
        h.command(&tax, &approver, extend(5, clerk_like)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_approver",
        Some("approver_id"),
    )
    .await;
    // A bundle is handled jointly: 15 working days at most.
    let p = expect_problem(
        h.command(&tax, &approver, extend(16, chief)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_days",
        Some("days"),
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("第四十二条"), "{p}");
    // Not while the clock is stopped for supplement.
    let reviewer = h.reviewer(dept);
    for body in [
        json!({"command": "start_review"}),
        json!({"command": "request_supplement", "missing": ["M03"], "note": ""}),
    ] {
        expect_status(h.command(&tax, &reviewer, body).await, StatusCode::OK).await;
    }
    expect_problem(
        h.command(&tax, &approver, extend(5, chief)).await,
        StatusCode::CONFLICT,
        "not_allowed_in_state",
        None,
    )
    .await;
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
    let before = h.case(case["id"].as_i64().unwrap()).await;
    let due_before = branch_of(&before, dept)["due_at"]
        .as_str()
        .unwrap()
        .to_string();
    let after = expect_status(
        h.command(&tax, &approver, extend(15, chief)).await,
        StatusCode::OK,
    )
    .await;
    let b = branch_of(&after, dept);
    assert_eq!(b["extension_used"], true);
    assert!(b["due_at"].as_str().unwrap() > due_before.as_str());
    expect_problem(
        h.command(&tax, &approver, extend(1, chief)).await,
        StatusCode::CONFLICT,
        "extension_already_used",
        None,
    )
    .await;
    // 告知延期理由: a notice to the applicant; this one left no e-mail address, so it is
    // recorded as undeliverable for the window to hand over.
    assert_eq!(
        h.app
            .count_rows("notices WHERE kind = 'extension_notice' AND status = 'failed'")
            .await,
        1
    );
    // Filed with the supervisors; department staff see their own only.
    let sup = h.app.token(Role::Supervisor, None);
    let list = expect_status(h.app.get("/v1/extensions", &sup).await, StatusCode::OK).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["days"], 15);
    assert_eq!(items[0]["approver_id"], chief);
    assert_eq!(items[0]["reason"], "需核查纳税人历史申报");
    let other = h.reviewer(h.dept_of["HHHT-GAJ-001"]);
    let own = expect_status(h.app.get("/v1/extensions", &other).await, StatusCode::OK).await;
    assert_eq!(own["items"].as_array().unwrap().len(), 0);
    expect_status(
        h.app
            .get(&format!("/v1/extensions?department_id={dept}"), &other)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn no_extension_after_the_limit_has_passed() {
    let h = hohhot().await;
    let case = h.submit().await;
    let dept = h.dept_of["HHHT-GAJ-001"]; // promised 1 working day: due Tue 10 Mar 17:00
    let gaj = branch_of(&case, dept).clone();
    let chief = expect_status(
        h.app
            .post(
                "/v1/users",
                &h.app.sysadmin_token,
                &json!({"username": "gaj.chief", "display_name": "负责人", "role": "approver", "department_id": dept, "password": "Long-enough-2026"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    h.app
        .clock
        .set(crate::cases::monday_morning() + chrono::Duration::days(2));
    let p = expect_problem(
        h.command(
            &gaj,
            &h.approver(dept),
            json!({"command": "extend", "days": 3, "reason": "迟到的延期", "approver_id": chief}),
        )
        .await,
        StatusCode::CONFLICT,
        "extension_after_expiry",
        None,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("第四十二条"));
}

/// The applicant's contact is checked at the window: an e-mail address that is not one, or a
/// phone number longer than the column (PostgreSQL answered 500 for it), is a 422 naming it.
#[tokio::test]
async fn the_applicants_contact_is_checked() {
    let h = hohhot().await;
    for (field, value) in [
        ("email", json!("not-an-address")),
        ("phone", json!("0".repeat(40))),
    ] {
        let mut body = crate::cases::bundle_case();
        body["applicant"][field] = value;
        expect_problem(
            h.app.post("/v1/cases", &h.clerk, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            Some(&format!("applicant.{field}")),
        )
        .await;
    }
    let mut body = crate::cases::bundle_case();
    body["applicant"]["email"] = json!("zhang.san@example.com");
    let case = expect_status(
        h.app.post("/v1/cases", &h.clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(case["applicant"]["email"], "zhang.san@example.com");
}
