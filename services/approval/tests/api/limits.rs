//! Length limits at the edge (issue 18, hardening): every text field and list of a request
//! body is bounded (`platform::limits`), and every route honours `BODY_LIMIT_BYTES`, so an
//! over-long value is a 422 naming the field, never a database error, and nothing is written.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::{branch_of, hohhot};
use crate::helpers::*;

#[tokio::test]
async fn branch_command_texts_and_missing_lists_are_bounded_and_nothing_is_written() {
    let h = hohhot().await;
    let case = h.submit().await;
    let dept = h.dept_of["HHHT-SWJ-001"];
    let tax = branch_of(&case, dept).clone();
    let reviewer = h.reviewer(dept);
    expect_status(
        h.command(&tax, &reviewer, json!({"command": "start_review"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let events = h.app.count_rows("events").await;
    // An opinion of 2,001 characters (the product's default limit for a text is 2,000).
    let p = expect_problem(
        h.command(
            &tax,
            &reviewer,
            json!({"command": "review", "opinion": "意".repeat(2001)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("opinion"),
    )
    .await;
    assert!(
        p.to_string().contains("at most 2000 characters (has 2001)"),
        "{p}"
    );
    // 1,001 missing materials.
    let missing: Vec<String> = (0..1001).map(|i| format!("M{i}")).collect();
    expect_problem(
        h.command(
            &tax,
            &reviewer,
            json!({"command": "request_supplement", "missing": missing, "note": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("missing"),
    )
    .await;
    // One over-long material code inside the list names its index.
    expect_problem(
        h.command(
            &tax,
            &reviewer,
            json!({"command": "request_supplement", "missing": ["M03", "M".repeat(65)], "note": ""}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("missing[1]"),
    )
    .await;
    assert_eq!(h.app.count_rows("events").await, events, "nothing written");
    // Exactly at the limit is accepted.
    expect_status(
        h.command(
            &tax,
            &reviewer,
            json!({"command": "review", "opinion": "意".repeat(2000)}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

/// Bounded columns: a value longer than its column is refused at the edge on every backend
/// (PostgreSQL would refuse the `VARCHAR(n)` insert with an error, SQLite would store it).
#[tokio::test]
async fn values_longer_than_their_column_are_422_on_every_backend() {
    let app = spawn_app().await;
    let mut dept = department_body("LEN-1");
    dept["name"] = json!("局".repeat(201));
    expect_problem(
        app.post("/v1/departments", &app.sysadmin_token, &dept)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("name"),
    )
    .await;
    let dept_id = app.create_department("LEN-2").await;
    let mut item = item_body("LEN-ITEM", dept_id);
    item["code"] = json!("C".repeat(65));
    expect_problem(
        app.post("/v1/items", &app.sysadmin_token, &item).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("code"),
    )
    .await;
    app.create_item("LEN-ITEM", dept_id).await;
    let clerk = app.token(Role::Clerk, None);
    let case = json!({
        "item_code": "LEN-ITEM",
        "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X",
                      "phone": "1".repeat(33)},
        "materials": [
            {"item_code": "LEN-ITEM", "material_code": "M01"},
            {"item_code": "LEN-ITEM", "material_code": "M02"}
        ]
    });
    expect_problem(
        app.post("/v1/cases", &clerk, &case).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("applicant.phone"),
    )
    .await;
    assert_eq!(app.count_rows("cases").await, 0);
    // A password long enough to make argon2 work for nothing is refused before hashing.
    let r = app
        .client
        .post(app.url("/v1/auth/token"))
        .json(&json!({"username": "admin", "password": "p".repeat(129)}))
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("password"),
    )
    .await;
}

/// Query strings are bounded like bodies.
#[tokio::test]
async fn an_over_long_query_value_is_422() {
    let app = spawn_app().await;
    let clerk = app.token(Role::Clerk, None);
    expect_problem(
        app.get(&format!("/v1/cases?applicant={}", "a".repeat(2001)), &clerk)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("applicant"),
    )
    .await;
}

/// `BODY_LIMIT_BYTES` holds for the routes that read raw bytes (case acceptance, payment,
/// withdrawal, issuance, branch commands) as for the others: before, those read up to
/// actix's fixed 256 KiB whatever the setting said, and an overflow was plain text.
#[tokio::test]
async fn every_route_honours_the_configured_body_limit_with_a_problem() {
    let app = spawn_app_with(|c| c.body_limit_bytes = 4096).await;
    let clerk = app.token(Role::Clerk, None);
    let big = json!({"item_code": "X", "applicant": {"kind": "person", "name": "张三",
        "id_number": "11010519491231002X"}, "materials": [], "pad": "x".repeat(8000)});
    let r = app
        .client
        .post(app.url("/v1/cases"))
        .bearer_auth(&clerk)
        .header("content-type", "application/json")
        .body(big.to_string())
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None).await;
    assert!(p.to_string().contains("4096"), "{p}");
    // A JSON route through the extractor answers the same.
    let r = app
        .post(
            "/v1/departments",
            &app.sysadmin_token,
            &json!({"code": "BIG", "name": "x".repeat(8000)}),
        )
        .await;
    expect_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None).await;
}
