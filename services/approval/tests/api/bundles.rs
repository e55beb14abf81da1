use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_staged_bundle_round_trips_in_order() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let lead = app.create_department("SCJG").await;
    let other = app.create_department("SWJ").await;
    for code in ["PRE-1", "A-1", "A-2"] {
        app.create_item(code, if code == "A-2" { other } else { lead })
            .await;
    }
    let body = json!({
        "code": "STAGED",
        "name": "前置审批 + 并联",
        "lead_department_id": lead,
        "promised_limit_days": 10,
        "stages": [["PRE-1"], ["A-2", "A-1"]]
    });
    let b = expect_status(app.post("/v1/bundles", t, &body).await, StatusCode::CREATED).await;
    assert_eq!(b["join_policy"], "all_must_approve");
    assert_eq!(b["stages"][0]["stage"], 1);
    assert_eq!(b["stages"][0]["items"][0]["code"], "PRE-1");
    assert_eq!(b["stages"][1]["stage"], 2);
    let stage2: Vec<&str> = b["stages"][1]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        stage2,
        vec!["A-2", "A-1"],
        "position within a stage is kept"
    );
    assert_eq!(b["stages"][1]["items"][0]["department_id"], other);

    // Replace: one stage only.
    let id = b["id"].as_i64().unwrap();
    let replaced = json!({"code": "STAGED", "name": "并联", "lead_department_id": lead, "promised_limit_days": 5, "join_policy": "all_must_approve_wait_all", "stages": [["A-1", "A-2", "PRE-1"]]});
    let b = expect_status(
        app.put(&format!("/v1/bundles/{id}"), t, &replaced).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(b["stages"].as_array().unwrap().len(), 1);
    assert_eq!(b["join_policy"], "all_must_approve_wait_all");
    assert_eq!(app.count_rows("bundle_items").await, 3);

    let list = expect_status(
        app.get(&format!("/v1/bundles?lead_department_id={lead}"), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    expect_status(
        app.delete(&format!("/v1/bundles/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.count_rows("bundle_items").await, 0);
}

#[tokio::test]
async fn bundle_validation_names_the_stage_position() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let lead = app.create_department("SCJG").await;
    app.create_item("A-1", lead).await; // statutory 20 days
    let cases = [
        (
            json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": 5, "stages": [["A-1", "NOPE"]]}),
            "stages[0][1]",
        ),
        (
            json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": 5, "stages": [["A-1"], ["A-1"]]}),
            "stages[1][0]",
        ),
        (
            json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": 5, "stages": []}),
            "stages",
        ),
        (
            json!({"code": "B", "name": "b", "lead_department_id": 999, "promised_limit_days": 5, "stages": [["A-1"]]}),
            "lead_department_id",
        ),
        (
            json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": 21, "stages": [["A-1"]]}),
            "promised_limit_days",
        ),
        (
            json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": -1, "stages": [["A-1"]]}),
            "promised_limit_days",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/v1/bundles", t, &body).await;
        expect_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            Some(field),
        )
        .await;
    }
    let r = app.post("/v1/bundles", t, &json!({"code": "B", "name": "b", "lead_department_id": lead, "promised_limit_days": 5, "stages": [["A-1"]], "policy": "x"})).await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_field",
        Some("policy"),
    )
    .await;
    assert_eq!(app.count_rows("bundles").await, 0);
    assert_eq!(app.count_rows("bundle_items").await, 0);
}
