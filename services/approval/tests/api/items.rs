use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn item_crud_keeps_every_element() {
    let app = spawn_app_with_office("SGB").await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    let sup = app.create_department("SGB").await;
    let mut body = item_body("SCJG-001", dept);
    body["post_approval_department_id"] = json!(sup);
    body["fee_amount_cents"] = json!(10800);
    body["flow_steps"] = json!([
        {"name": "受理审查", "role": "reviewer"},
        {"name": "一审", "role": "reviewer"},
        {"name": "一核", "role": "approver"}
    ]);
    let created = expect_status(app.post("/v1/items", t, &body).await, StatusCode::CREATED).await;
    let id = created["id"].as_i64().unwrap();
    let got = expect_status(app.get(&format!("/v1/items/{id}"), t).await, StatusCode::OK).await;
    for key in [
        "code",
        "category",
        "name",
        "legal_basis",
        "department_id",
        "statutory_limit_days",
        "promised_limit_days",
        "location",
        "supervision_method",
        "fee_standard",
        "fee_basis",
        "fee_amount_cents",
        "kind",
        "completion_method",
        "post_approval_department_id",
        "flow_steps",
    ] {
        assert_eq!(got[key], body[key], "element {key}");
    }
    assert_eq!(got["limit_unit"], "working_days");
    assert_eq!(got["materials"][1]["tolerance_allowed"], true);
    assert_eq!(
        got["materials"][2]["tolerance_allowed"], false,
        "defaults to false"
    );

    // A limit is the supervising office's to change (its approver).
    body["promised_limit_days"] = json!(3);
    let office = app.token(platform::auth::Role::Approver, Some(sup));
    let updated = expect_status(
        app.put(&format!("/v1/items/{id}"), &office, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["promised_limit_days"], 3);

    let del = expect_status(
        app.delete(&format!("/v1/items/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "hard");
    expect_problem(
        app.get(&format!("/v1/items/{id}"), t).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn items_filter_by_department_category_and_kind() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let a = app.create_department("A").await;
    let b = app.create_department("B").await;
    app.create_item("A-1", a).await;
    app.create_item("A-2", a).await;
    let mut instant = item_body("B-1", b);
    instant["kind"] = json!("instant");
    instant["promised_limit_days"] = json!(0);
    instant["category"] = json!("public_service");
    expect_status(
        app.post("/v1/items", t, &instant).await,
        StatusCode::CREATED,
    )
    .await;

    let codes = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_string())
            .collect()
    };
    let r = expect_status(
        app.get(&format!("/v1/items?department_id={a}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(codes(r), vec!["A-1", "A-2"]);
    let r = expect_status(
        app.get("/v1/items?category=public_service", t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(codes(r), vec!["B-1"]);
    let r = expect_status(
        app.get(&format!("/v1/items?kind=promised&department_id={b}"), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(codes(r).is_empty());
    let r = app.get("/v1/items?category=astrology", t).await;
    expect_problem(r, StatusCode::BAD_REQUEST, "invalid_query", None).await;
    let r = app.get("/v1/items?colour=red", t).await;
    expect_problem(r, StatusCode::BAD_REQUEST, "invalid_query", None).await;
}

#[tokio::test]
async fn an_item_in_a_bundle_cannot_vanish() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    let id = app.create_item("SCJG-001", dept).await;
    let bundle = json!({"code": "B1", "name": "b", "lead_department_id": dept, "promised_limit_days": 5, "stages": [["SCJG-001"]]});
    let bundle_id = expect_status(
        app.post("/v1/bundles", t, &bundle).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let del = expect_status(
        app.delete(&format!("/v1/items/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "soft");
    let got = expect_status(app.get(&format!("/v1/items/{id}"), t).await, StatusCode::OK).await;
    assert!(got["deleted_at"].is_string());
    // The bundle still shows it; a new bundle cannot use it; the item cannot be edited.
    let b = expect_status(
        app.get(&format!("/v1/bundles/{bundle_id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(b["stages"][0]["items"][0]["code"], "SCJG-001");
    let again = json!({"code": "B2", "name": "b", "lead_department_id": dept, "promised_limit_days": 5, "stages": [["SCJG-001"]]});
    expect_problem(
        app.post("/v1/bundles", t, &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("stages[0][0]"),
    )
    .await;
    expect_problem(
        app.put(&format!("/v1/items/{id}"), t, &item_body("SCJG-001", dept))
            .await,
        StatusCode::CONFLICT,
        "deleted",
        None,
    )
    .await;
    // Its code stays taken.
    expect_problem(
        app.post("/v1/items", t, &item_body("SCJG-001", dept)).await,
        StatusCode::CONFLICT,
        "duplicate_code",
        Some("code"),
    )
    .await;
}
