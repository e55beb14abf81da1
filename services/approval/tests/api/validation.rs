//! Bad input: each a 4xx problem+json naming the field, and nothing written.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_unknown_missing_and_mistyped_bodies() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;

    let r = app.post_raw("/v1/items", t, r#"{"code": "X", "#).await;
    expect_problem(r, StatusCode::BAD_REQUEST, "malformed_json", None).await;

    let mut unknown = item_body("X-1", dept);
    unknown["colour"] = json!("red");
    expect_problem(
        app.post("/v1/items", t, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_field",
        Some("colour"),
    )
    .await;

    let mut nested_unknown = item_body("X-1", dept);
    nested_unknown["materials"][0]["weight"] = json!(1);
    expect_problem(
        app.post("/v1/items", t, &nested_unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_field",
        Some("materials[0].weight"),
    )
    .await;

    let mut missing = item_body("X-1", dept);
    missing.as_object_mut().unwrap().remove("legal_basis");
    expect_problem(
        app.post("/v1/items", t, &missing).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        Some("legal_basis"),
    )
    .await;

    let mut mistyped = item_body("X-1", dept);
    mistyped["materials"][1]["required"] = json!("yes");
    expect_problem(
        app.post("/v1/items", t, &mistyped).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        Some("materials[1].required"),
    )
    .await;

    let mut bad_enum = item_body("X-1", dept);
    bad_enum["category"] = json!("astrology");
    expect_problem(
        app.post("/v1/items", t, &bad_enum).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        Some("category"),
    )
    .await;

    let r = app
        .client
        .post(format!("{}/v1/items", app.address))
        .bearer_auth(t)
        .header("content-type", "text/plain")
        .body(item_body("X-1", dept).to_string())
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    )
    .await;

    assert_eq!(app.count_rows("items").await, 0);
}

#[tokio::test]
async fn limits_must_be_sane() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    for (field, value, expect_field) in [
        ("statutory_limit_days", json!(-5), "statutory_limit_days"),
        (
            "statutory_limit_days",
            json!(100000),
            "statutory_limit_days",
        ),
        ("promised_limit_days", json!(-1), "promised_limit_days"),
        ("promised_limit_days", json!(30), "promised_limit_days"), // above the statutory 20
        ("fee_amount_cents", json!(-100), "fee_amount_cents"),
        ("statutory_limit_days", json!(1e40), "statutory_limit_days"),
    ] {
        let mut b = item_body("X-1", dept);
        b[field] = value;
        let r = app.post("/v1/items", t, &b).await;
        let code = if expect_field == "statutory_limit_days" && b[field].is_f64() {
            "invalid_field"
        } else {
            "validation_failed"
        };
        expect_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some(expect_field),
        )
        .await;
    }
    assert_eq!(app.count_rows("items").await, 0);
}

#[tokio::test]
async fn unknown_references_and_duplicates() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    expect_problem(
        app.post("/v1/items", t, &item_body("X-1", 4242)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;
    let mut b = item_body("X-1", dept);
    b["post_approval_department_id"] = json!(4243);
    expect_problem(
        app.post("/v1/items", t, &b).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("post_approval_department_id"),
    )
    .await;
    app.create_item("X-1", dept).await;
    expect_problem(
        app.post("/v1/items", t, &item_body("X-1", dept)).await,
        StatusCode::CONFLICT,
        "duplicate_code",
        Some("code"),
    )
    .await;
    assert_eq!(app.count_rows("items").await, 1);
    // The audit trail holds only what happened: the test admin, the department, the item.
    assert_eq!(app.count_rows("audit_log").await, 3);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    let mut b = item_body("X-1", dept);
    b["legal_basis"] = json!("法".repeat(40_000)); // ~120 KB, over the test limit of 64 KiB
    expect_problem(
        app.post("/v1/items", t, &b).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
    )
    .await;
    assert_eq!(app.count_rows("items").await, 0);
}

#[tokio::test]
async fn unknown_routes_and_bad_ids_are_problems_too() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    expect_problem(
        app.get("/v1/nothing-here", t).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    expect_problem(
        app.get("/v1/items/abc", t).await,
        StatusCode::BAD_REQUEST,
        "invalid_path",
        None,
    )
    .await;
    expect_problem(
        app.get("/v1/items/99", t).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn health_probes() {
    let app = spawn_app().await;
    let r = app.get_anon("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let ready = expect_status(app.get_anon("/readyz").await, StatusCode::OK).await;
    assert_eq!(ready["database"], "ok");
    let expected_redis = if std::env::var("TEST_REDIS_URL").is_ok_and(|v| !v.is_empty()) {
        "ok"
    } else {
        "not_configured"
    };
    assert_eq!(ready["redis"], expected_redis);
}
