use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn department_crud_with_audit() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    // The service's "now" is the injected clock, not the wall clock.
    let fixed = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    app.clock.set(fixed);
    let parent = app.create_department("HALL").await;
    let mut body = department_body("SCJG");
    body["parent_id"] = json!(parent);
    let created = expect_status(
        app.post("/v1/departments", t, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["parent_id"], parent);
    assert_eq!(created["window_email"], "window.scjg@example.gov.cn");
    assert_eq!(created["created_at"], "2026-03-02T01:30:00Z");

    body["name"] = json!("市场监督管理局");
    let updated = expect_status(
        app.put(&format!("/v1/departments/{id}"), t, &body).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["name"], "市场监督管理局");
    let got = expect_status(
        app.get(&format!("/v1/departments/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got["name"], "市场监督管理局");

    let children = expect_status(
        app.get(&format!("/v1/departments?parent_id={parent}"), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(children["items"].as_array().unwrap().len(), 1);

    // Nothing references it: a hard delete.
    let del = expect_status(
        app.delete(&format!("/v1/departments/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "hard");
    expect_problem(
        app.get(&format!("/v1/departments/{id}"), t).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;

    let audit = expect_status(
        app.get(
            &format!("/v1/audit?entity=department&entity_id={id}"),
            &app.auditor_token(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["create", "update", "delete"]);
    assert_eq!(audit["items"][1]["before"]["name"], "Department SCJG");
    assert_eq!(audit["items"][1]["after"]["name"], "市场监督管理局");
    assert_eq!(audit["items"][1]["actor_name"], "root");
}

#[tokio::test]
async fn referenced_departments_are_soft_deleted_and_parents_with_children_refused() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let hall = app.create_department("HALL").await;
    let mut child = department_body("CHILD");
    child["parent_id"] = json!(hall);
    let child_id = expect_status(
        app.post("/v1/departments", t, &child).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    expect_problem(
        app.delete(&format!("/v1/departments/{hall}"), t).await,
        StatusCode::CONFLICT,
        "in_use",
        None,
    )
    .await;

    app.create_item("CHILD-1", child_id as i32).await;
    let del = expect_status(
        app.delete(&format!("/v1/departments/{child_id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "soft");
    // Still readable, hidden from lists, unusable for new items.
    let got = expect_status(
        app.get(&format!("/v1/departments/{child_id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert!(got["deleted_at"].is_string());
    let list = expect_status(app.get("/v1/departments", t).await, StatusCode::OK).await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["id"] != child_id));
    let all = expect_status(
        app.get("/v1/departments?include_deleted=true", t).await,
        StatusCode::OK,
    )
    .await;
    assert!(all["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == child_id));
    let r = app
        .post("/v1/items", t, &item_body("CHILD-2", child_id as i32))
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;
    // Now the hall has no live child: deleting it is a soft delete (the child row still names it).
    let del = expect_status(
        app.delete(&format!("/v1/departments/{hall}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "soft");
}

#[tokio::test]
async fn department_validation_and_conflicts() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let id = app.create_department("SCJG").await;
    let r = app
        .post("/v1/departments", t, &department_body("SCJG"))
        .await;
    expect_problem(r, StatusCode::CONFLICT, "duplicate_code", Some("code")).await;
    let mut bad = department_body("X1");
    bad["window_email"] = json!("window at hall");
    expect_problem(
        app.post("/v1/departments", t, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("window_email"),
    )
    .await;
    let mut bad = department_body("X2");
    bad["parent_id"] = json!(999);
    expect_problem(
        app.post("/v1/departments", t, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("parent_id"),
    )
    .await;
    // A department cannot become its own ancestor.
    let mut child = department_body("CHILD");
    child["parent_id"] = json!(id);
    let child_id = expect_status(
        app.post("/v1/departments", t, &child).await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let mut cyc = department_body("SCJG");
    cyc["parent_id"] = json!(child_id);
    expect_problem(
        app.put(&format!("/v1/departments/{id}"), t, &cyc).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("parent_id"),
    )
    .await;
    assert_eq!(app.count_rows("departments").await, 2);
}

#[tokio::test]
async fn pagination_walks_every_row_once() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    for n in 0..7 {
        app.create_department(&format!("D{n}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/departments?limit=3&cursor={c}"),
            None => "/v1/departments?limit=3".to_string(),
        };
        let page = expect_status(app.get(&path, t).await, StatusCode::OK).await;
        pages += 1;
        for d in page["items"].as_array().unwrap() {
            seen.push(d["code"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (0..7).map(|n| format!("D{n}")).collect::<Vec<_>>());
    expect_problem(
        app.get("/v1/departments?limit=0", t).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("limit"),
    )
    .await;
    expect_problem(
        app.get("/v1/departments?limit=500", t).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("limit"),
    )
    .await;
    expect_problem(
        app.get("/v1/departments?cursor=bogus", t).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("cursor"),
    )
    .await;
    expect_problem(
        app.get("/v1/departments?limit=ten", t).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        None,
    )
    .await;
}
