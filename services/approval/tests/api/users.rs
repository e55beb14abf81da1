use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn user_lifecycle_and_rules() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    let dept = app.create_department("SCJG").await;
    let body = json!({"username": "li.wei", "display_name": "李伟", "email": "li.wei@example.gov.cn", "role": "reviewer", "department_id": dept, "password": "Reviewer-pass-2026"});
    let u = expect_status(app.post("/v1/users", t, &body).await, StatusCode::CREATED).await;
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let id = u["id"].as_i64().unwrap();

    // The new user can log in, and the token carries role and department.
    let tok = expect_status(
        app.post(
            "/v1/auth/token",
            "",
            &json!({"username": "li.wei", "password": "Reviewer-pass-2026"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tok["role"], "reviewer");
    assert_eq!(tok["department_id"], dept);

    expect_problem(
        app.post("/v1/users", t, &body).await,
        StatusCode::CONFLICT,
        "duplicate_username",
        Some("username"),
    )
    .await;
    let mut no_dept = body.clone();
    no_dept["username"] = json!("other");
    no_dept["department_id"] = json!(null);
    expect_problem(
        app.post("/v1/users", t, &no_dept).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;
    let mut short = body.clone();
    short["username"] = json!("other");
    short["password"] = json!("short");
    expect_problem(
        app.post("/v1/users", t, &short).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("password"),
    )
    .await;
    let mut bad_role = body.clone();
    bad_role["username"] = json!("other");
    bad_role["role"] = json!("emperor");
    expect_problem(
        app.post("/v1/users", t, &bad_role).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        Some("role"),
    )
    .await;

    // Promote to approver (the security administrator's), then a new password (the system
    // administrator's).
    let promote = json!({"display_name": "李伟", "email": "li.wei@example.gov.cn", "role": "approver", "department_id": dept, "active": true});
    let u = expect_status(
        app.put(&format!("/v1/users/{id}"), &app.secadmin_token(), &promote)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(u["role"], "approver");
    let upd = json!({"display_name": "李伟", "email": "li.wei@example.gov.cn", "role": "approver", "department_id": dept, "active": true, "password": "Approver-pass-2026"});
    expect_status(
        app.put(&format!("/v1/users/{id}"), t, &upd).await,
        StatusCode::OK,
    )
    .await;
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": "li.wei", "password": "Reviewer-pass-2026"}),
        )
        .await;
    expect_problem(r, StatusCode::UNAUTHORIZED, "invalid_credentials", None).await;
    expect_status(
        app.post(
            "/v1/auth/token",
            "",
            &json!({"username": "li.wei", "password": "Approver-pass-2026"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let list = expect_status(
        app.get(&format!("/v1/users?role=approver&department_id={dept}"), t)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The system administrator cannot lock themselves out.
    let me = json!({"display_name": "x", "role": "clerk", "active": true});
    expect_problem(
        app.put(&format!("/v1/users/{}", app.sysadmin_id), t, &me)
            .await,
        StatusCode::CONFLICT,
        "self_lockout",
        None,
    )
    .await;
    expect_problem(
        app.delete(&format!("/v1/users/{}", app.sysadmin_id), t)
            .await,
        StatusCode::CONFLICT,
        "self_lockout",
        None,
    )
    .await;

    let del = expect_status(
        app.delete(&format!("/v1/users/{id}"), t).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(del["mode"], "soft");
    let u = expect_status(app.get(&format!("/v1/users/{id}"), t).await, StatusCode::OK).await;
    assert_eq!(u["active"], false);
}
