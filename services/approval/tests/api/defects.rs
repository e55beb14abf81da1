//! Defects found by testing the service from outside (issue 11), one test each; every one of
//! them failed on the code before its fix.

use platform::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::cases::{branch_of, hohhot};
use crate::helpers::*;

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// 1. A bundle, an item and a department that a case names are soft-deleted, the case still
/// reads and issues, and the database itself refuses to remove the rows.
#[tokio::test]
async fn referenced_catalogue_rows_are_kept_and_the_case_still_works() {
    let h = hohhot().await;
    let case = h.submit().await;
    let case_id = id(&case);
    let bundle_id = case["bundle_id"].as_i64().unwrap();
    let licence = branch_of(&case, h.dept_of["HHHT-SCJG-001"]).clone();
    let item_id = licence["item_id"].as_i64().unwrap();
    let dept_id = licence["department_id"].as_i64().unwrap();
    let admin = &h.app.sysadmin_token;
    for path in [
        format!("/v1/bundles/{bundle_id}"),
        format!("/v1/items/{item_id}"),
        format!("/v1/departments/{dept_id}"),
    ] {
        let d = expect_status(h.app.delete(&path, admin).await, StatusCode::OK).await;
        assert_eq!(d["mode"], "soft", "{path}: {d}");
    }
    let read = expect_status(
        h.app.get(&format!("/v1/cases/{case_id}"), admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["branches"].as_array().unwrap().len(), 4);
    expect_status(
        h.app
            .get(&format!("/v1/cases/{case_id}/timeline"), admin)
            .await,
        StatusCode::OK,
    )
    .await;
    // The case still runs to issuance on its (soft-deleted) catalogue.
    for b in read["branches"].as_array().unwrap().clone() {
        h.approve(&b).await;
    }
    let paid = json!({"amount_cents": read["fee_total_cents"], "reference": "POS-1"});
    expect_status(
        h.app
            .post(&format!("/v1/cases/{case_id}/payment"), &h.clerk, &paid)
            .await,
        StatusCode::OK,
    )
    .await;
    let issued = expect_status(
        h.app
            .post(&format!("/v1/cases/{case_id}/issue"), &h.clerk, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(issued["state"], "issued", "{issued}");
    // The database refuses the hard delete on its own.
    for (table, row) in [
        ("bundles", bundle_id),
        ("items", item_id),
        ("departments", dept_id),
    ] {
        let r = h
            .app
            .db
            .execute(Statement::from_string(
                h.app.db.get_database_backend(),
                format!("DELETE FROM {table} WHERE id = {row}"),
            ))
            .await;
        assert!(r.is_err(), "DELETE FROM {table} must be refused");
    }
    // Rows nothing references are still removed for good.
    let dept = h.app.create_department("SPARE").await;
    let item = h.app.create_item("SPARE-1", dept).await;
    let d = expect_status(
        h.app.delete(&format!("/v1/items/{item}"), admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["mode"], "hard");
}

/// 2. NUL, other control characters and bidi overrides are 422 naming the field, on both
/// databases (PostgreSQL answered 500 for U+0000).
#[tokio::test]
async fn control_characters_are_refused_naming_the_field() {
    let h = hohhot().await;
    let app = &h.app;
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.address))
        .json(&json!({"username": "admin\u{0}", "password": "x"}))
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_characters",
        Some("username"),
    )
    .await;
    let mut body = department_body("BIDI");
    body["name"] = json!("市场监督\u{202e}管理局");
    let r = app
        .post("/v1/departments", &app.sysadmin_token, &body)
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_characters",
        Some("name"),
    )
    .await;
    let r = app
        .get("/v1/cases?applicant=%00", &app.sysadmin_token)
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_characters",
        Some("applicant"),
    )
    .await;
    let case = h.submit().await;
    let check = check_of_case(app, case["case_no"].as_str().unwrap()).await;
    let complaint = json!({"case_no": case["case_no"], "check": check, "complainant": "张先生", "contact": "13800000000", "content": "窗口\u{1b}推诿"});
    let r = app
        .client
        .post(format!("{}/v1/complaints", app.address))
        .json(&complaint)
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_characters",
        Some("content"),
    )
    .await;
    // Line breaks in long texts stay allowed.
    let mut ok = complaint.clone();
    ok["content"] = json!("第一行\n第二行");
    let r = app
        .client
        .post(format!("{}/v1/complaints", app.address))
        .json(&ok)
        .send()
        .await
        .unwrap();
    expect_status(r, StatusCode::ACCEPTED).await;
    assert_eq!(app.count_rows("departments WHERE code = 'BIDI'").await, 0);
}

/// 3. A supplement request names only the item's materials; a delivery only what was
/// requested and is still outstanding; the clock resumes when the last one is in.
#[tokio::test]
async fn a_supplement_accepts_only_requested_materials() {
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
    let r = h
        .command(
            &tax,
            &reviewer,
            json!({"command": "request_supplement", "missing": ["M02", "NOPE"], "note": ""}),
        )
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_material",
        Some("missing[1]"),
    )
    .await;
    let c = expect_status(
        h.command(
            &tax,
            &reviewer,
            json!({"command": "request_supplement", "missing": ["M02", "M03"], "note": "一次性告知"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        branch_of(&c, dept)["pending_materials"],
        json!(["M02", "M03"])
    );
    for (received, field) in [
        (json!(["NOPE"]), "received[0]"),
        (json!(["M03", "M01"]), "received[1]"),
    ] {
        let r = h
            .command(
                &tax,
                &h.clerk,
                json!({"command": "supplement", "received": received}),
            )
            .await;
        expect_problem(
            r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "material_not_requested",
            Some(field),
        )
        .await;
    }
    let c = expect_status(
        h.command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M02"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let b = branch_of(&c, dept);
    assert_eq!(b["state"], "awaiting_supplement", "M03 is still missing");
    assert_eq!(b["paused"], true);
    assert_eq!(b["pending_materials"], json!(["M03"]));
    // The clerk cannot waive the rest; the department can, with a reason.
    let r = h
        .command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M03"], "resume_reason": "x"}),
        )
        .await;
    expect_status(r, StatusCode::FORBIDDEN).await;
    let c = expect_status(
        h.command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M03"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let b = branch_of(&c, dept);
    assert_eq!(b["state"], "reviewing");
    assert_eq!(b["paused"], false);
    assert_eq!(b["pending_materials"], json!([]));
}

/// 7. A 19-working-day item accepted on Wed 2 Dec 2026 is due Tue 29 Dec 2026; its red-card
/// moment runs into 2027, which has no table yet. The case is accepted; the red card comes
/// once the 2027 table is published.
#[tokio::test]
async fn a_red_moment_in_an_unpublished_year_does_not_refuse_the_case() {
    let app = spawn_app().await;
    app.clock.set(at("2026-12-02T10:00:00+08:00"));
    let case = app.item_case("LONG-19", 19, 40, |_| {}).await;
    let branch = &case["branches"][0];
    assert_eq!(branch["due_at"], "2026-12-29T09:00:00Z");
    let sup = app.token(Role::Supervisor, None);
    let empty = json!({});
    let sweep = |at_: &str| {
        app.clock.set(at(at_));
        app.post("/v1/supervision/jobs/sweep/run", &sup, &empty)
    };
    expect_status(sweep("2026-12-29T18:00:00+08:00").await, StatusCode::OK).await;
    // Mon 4 Jan 2027 evening: still no 2027 table, so no red card yet (and nothing guessed).
    expect_status(sweep("2027-01-04T18:00:00+08:00").await, StatusCode::OK).await;
    let cards = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let rows = db
                .query_all(Statement::from_string(
                    db.get_database_backend(),
                    "SELECT level FROM cards ORDER BY id".to_string(),
                ))
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.try_get::<String>("", "level").unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(cards(&app).await, vec!["warning", "yellow"]);
    // The 2027 notice arrives: 1 Jan off. Red = 30 Dec, 31 Dec, Mon 4 Jan 17:00.
    let table = json!({"holidays": ["2027-01-01"], "makeup_workdays": []});
    expect_status(
        app.put("/v1/calendar/years/2027", &app.sysadmin_token, &table)
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(sweep("2027-01-05T18:00:00+08:00").await, StatusCode::OK).await;
    assert_eq!(cards(&app).await, vec!["warning", "yellow", "red"]);
}

/// 8. Protocol details: 405 with problem+json and `Allow`, 431 as a problem, trailing
/// garbage refused, unknown query parameters refused everywhere, `field` on every input
/// error, and a token answer that is never cached.
#[tokio::test]
async fn protocol_answers_are_problems_that_name_their_field() {
    let app = spawn_app().await;
    let t = &app.sysadmin_token;
    for (method, path) in [
        ("TRACE", "/v1/calendar"),
        ("PATCH", "/v1/items"),
        ("DELETE", "/v1/calendar"),
    ] {
        let r = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", app.address),
            )
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        let allow = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        expect_problem(
            r,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        )
        .await;
        assert!(allow.is_some_and(|a| a.contains("GET")), "{method} {path}");
    }
    // A literal path beside a template (`/webhooks/run` beside `/webhooks/{id}`): its own
    // 405, never the template's 400 on the id (found by Schemathesis).
    for method in ["GET", "PATCH", "DELETE"] {
        let r = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}/v1/webhooks/run", app.address),
            )
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        let allow = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_string());
        expect_problem(
            r,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        )
        .await;
        assert_eq!(allow.as_deref(), Some("POST"), "{method} /v1/webhooks/run");
    }
    let r = app
        .client
        .get(format!("{}/v1/calendar", app.address))
        .bearer_auth(t)
        .header("x-padding", "a".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
        None,
    )
    .await;
    let r = app
        .post_raw("/v1/departments", t, r#"{"code":"X1","name":"x"} trailing"#)
        .await;
    expect_problem(r, StatusCode::BAD_REQUEST, "malformed_json", None).await;
    for path in ["/v1/calendar?colour=red", "/v1/cases/1?colour=red"] {
        expect_problem(
            app.get(path, t).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            Some("colour"),
        )
        .await;
    }
    expect_problem(
        app.get("/v1/items?limit=-1", t).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("limit"),
    )
    .await;
    expect_problem(
        app.get("/v1/items/abc", t).await,
        StatusCode::BAD_REQUEST,
        "invalid_path",
        Some("id"),
    )
    .await;
    let clerk = app.token(Role::Clerk, None);
    let r = app
        .client
        .post(format!("{}/v1/cases", app.address))
        .bearer_auth(&clerk)
        .header("Idempotency-Key", "has space")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::BAD_REQUEST,
        "invalid_idempotency_key",
        Some("Idempotency-Key"),
    )
    .await;
    let r = app
        .client
        .post(format!("{}/v1/branches/1/commands", app.address))
        .bearer_auth(app.token(Role::Reviewer, Some(1)))
        .header("If-Match", "\"three\"")
        .json(&json!({"command": "start_review"}))
        .send()
        .await
        .unwrap();
    expect_problem(
        r,
        StatusCode::BAD_REQUEST,
        "invalid_if_match",
        Some("If-Match"),
    )
    .await;
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.address))
        .json(&json!({"username": "root", "password": "root-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    // Security headers on every answer, HTML and JSON.
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    expect_status(r, StatusCode::OK).await;
    let page = app.get_anon("/console/login").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
}

/// Migration 5 undone and done again on a database with cases: the down migration works, and
/// the rows from before it are brought along (statutory extra days from the item, the case's
/// lead department), on SQLite and PostgreSQL.
#[tokio::test]
async fn migration_5_brings_existing_rows_along() {
    use migration::MigratorTrait;
    let app = spawn_app().await;
    app.clock.set(at("2026-03-09T10:00:00+08:00"));
    let case = app.item_case("OLD-1", 5, 20, |_| {}).await;
    let lead = case["lead_department_id"].as_i64().unwrap();
    // Migration 5 and every later one.
    migrate_down_through(&app.db, "m20261201_000005_references").await;
    migration::Migrator::up(&app.db, None).await.unwrap();
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT b.statutory_extra_days AS extra, c.lead_department_id AS lead \
             FROM branches b JOIN cases c ON c.id = b.case_id"
                .to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i32>("", "extra").unwrap(), 15);
    assert_eq!(i64::from(row.try_get::<i32>("", "lead").unwrap()), lead);
}
