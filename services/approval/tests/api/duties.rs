//! 三权分立 (GB/T 22239-2019 8.1.4.2): the system administrator, the security administrator
//! and the security auditor each hold one duty, none can do another's work and nobody changes
//! their own role; an item's time limits are the supervising office's (审管办) alone.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const PASSWORD: &str = "Duty-pass-2026";

fn account(username: &str, role: &str, dept: Option<i32>) -> Value {
    json!({"username": username, "display_name": username, "role": role,
           "department_id": dept, "password": PASSWORD})
}

async fn created(r: reqwest::Response) -> i64 {
    expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

/// The user as stored, for a PUT that changes `changes` only.
async fn put_body(app: &TestApp, id: i64, changes: Value) -> Value {
    let u = expect_status(
        app.get(&format!("/v1/users/{id}"), &app.secadmin_token())
            .await,
        StatusCode::OK,
    )
    .await;
    let mut body = json!({"display_name": u["display_name"], "email": u["email"],
        "role": u["role"], "department_id": u["department_id"], "active": u["active"]});
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn refused(r: reqwest::Response, needle: &str) {
    let p = expect_problem(r, StatusCode::FORBIDDEN, "separation_of_duties", None).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains(needle), "{detail}");
    assert!(detail.contains("GB/T 22239-2019 8.1.4.2"), "{detail}");
}

/// Who creates which account: the system administrator the business roles, the security
/// administrator the administrators and service accounts; each refusal writes nothing.
#[tokio::test]
async fn each_administrator_creates_only_the_accounts_of_their_duty() {
    let app = spawn_app().await;
    let sys = &app.sysadmin_token;
    let sec = app.secadmin_token();
    let users_before = app.count_rows("users").await;

    created(
        app.post("/v1/users", sys, &account("clerk1", "clerk", None))
            .await,
    )
    .await;
    refused(
        app.post("/v1/users", &sec, &account("clerk2", "clerk", None))
            .await,
        "role clerk are created by the system administrator",
    )
    .await;
    for role in ["sysadmin", "secadmin", "auditor", "service"] {
        refused(
            app.post("/v1/users", sys, &account(&format!("x-{role}"), role, None))
                .await,
            "the security administrator (secadmin)",
        )
        .await;
    }
    created(
        app.post("/v1/users", &sec, &account("auditor1", "auditor", None))
            .await,
    )
    .await;
    // The auditor manages no accounts at all.
    let auditor = app.auditor_token();
    expect_problem(
        app.post("/v1/users", &auditor, &account("clerk3", "clerk", None))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect_problem(
        app.get("/v1/users", &auditor).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(app.count_rows("users").await, users_before + 2);
}

/// A role change is the security administrator's alone, and changes nothing but the role (and
/// the department it places the user in); the other fields are the account manager's.
#[tokio::test]
async fn only_the_security_administrator_changes_a_role() {
    let app = spawn_app().await;
    let dept = app.create_department("DUTY").await;
    let sys = &app.sysadmin_token;
    let sec = app.secadmin_token();
    let id = created(
        app.post("/v1/users", sys, &account("clerk1", "clerk", None))
            .await,
    )
    .await;
    let path = format!("/v1/users/{id}");

    let promote = put_body(&app, id, json!({"role": "reviewer", "department_id": dept})).await;
    refused(
        app.put(&path, sys, &promote).await,
        "roles are assigned by the security administrator",
    )
    .await;
    let mixed = put_body(
        &app,
        id,
        json!({"role": "reviewer", "department_id": dept, "display_name": "改名"}),
    )
    .await;
    refused(
        app.put(&path, &sec, &mixed).await,
        "a role change changes nothing else",
    )
    .await;
    // Nothing was written by either refusal.
    let u = expect_status(app.get(&path, sys).await, StatusCode::OK).await;
    assert_eq!(
        (&u["role"], &u["display_name"]),
        (&json!("clerk"), &json!("clerk1"))
    );

    let u = expect_status(app.put(&path, &sec, &promote).await, StatusCode::OK).await;
    assert_eq!(
        (&u["role"], &u["department_id"]),
        (&json!("reviewer"), &json!(dept))
    );
    // The name of a business account is the system administrator's, not the security
    // administrator's.
    let rename = put_body(&app, id, json!({"display_name": "张三"})).await;
    refused(
        app.put(&path, &sec, &rename).await,
        "managed by the system administrator",
    )
    .await;
    let u = expect_status(app.put(&path, sys, &rename).await, StatusCode::OK).await;
    assert_eq!(u["display_name"], "张三");
    // Retiring: the manager of the account only.
    refused(
        app.delete(&path, &sec).await,
        "retired by the system administrator",
    )
    .await;
    expect_status(app.delete(&path, sys).await, StatusCode::OK).await;
}

/// Nobody changes their own role or retires themselves, not even the security administrator.
#[tokio::test]
async fn a_security_administrator_cannot_change_their_own_role() {
    let app = spawn_app().await;
    let sec = app.secadmin_token();
    let id = created(
        app.post("/v1/users", &sec, &account("sec2", "secadmin", None))
            .await,
    )
    .await;
    let login = expect_status(
        app.post(
            "/v1/auth/token",
            "",
            &json!({"username": "sec2", "password": PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let own = login["access_token"].as_str().unwrap().to_string();
    let path = format!("/v1/users/{id}");
    let body = put_body(&app, id, json!({"role": "sysadmin"})).await;
    expect_problem(
        app.put(&path, &own, &body).await,
        StatusCode::CONFLICT,
        "self_lockout",
        None,
    )
    .await;
    expect_problem(
        app.delete(&path, &own).await,
        StatusCode::CONFLICT,
        "self_lockout",
        None,
    )
    .await;
    let u = expect_status(app.get(&path, &own).await, StatusCode::OK).await;
    assert_eq!(
        (&u["role"], &u["active"]),
        (&json!("secadmin"), &json!(true))
    );
}

/// The audit trail is the auditor's (and the supervisor's, reading): neither administrator
/// reads the record of their own changes.
#[tokio::test]
async fn only_the_auditor_and_the_supervisor_read_the_audit_trail() {
    let app = spawn_app().await;
    app.create_department("AUD").await;
    for role in [Role::Sysadmin, Role::Secadmin] {
        expect_problem(
            app.get("/v1/audit", &app.token(role, None)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    let page = expect_status(
        app.get("/v1/audit?entity=department", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"][0]["action"], "create");
    let v = expect_status(
        app.get("/v1/audit/verify", &app.auditor_token()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["ok"], true);
}

const OFFICE: &str = "SGB";

async fn office_app() -> TestApp {
    spawn_app_with_office(OFFICE).await
}

async fn reserved(r: reqwest::Response, field: &str) {
    let p = expect_problem(r, StatusCode::FORBIDDEN, "time_limit_reserved", None).await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("field `{field}`")), "{detail}");
    assert!(
        detail.contains(&format!("department `{OFFICE}`")),
        "{detail}"
    );
}

/// An item's time limits are set by the supervising office's approver only: not by the
/// approver of the item's own department, not by the system administrator; the department
/// still edits everything else.
#[tokio::test]
async fn only_the_supervising_office_changes_an_items_time_limits() {
    let app = office_app().await;
    let dept = app.create_department("SCJG").await;
    let office = app.create_department(OFFICE).await;
    let id = app.create_item("SCJG-1", dept).await;
    let path = format!("/v1/items/{id}");
    let own_approver = app.token(Role::Approver, Some(dept));
    let office_approver = app.token(Role::Approver, Some(office));
    let office_reviewer = app.token(Role::Reviewer, Some(office));

    let mut shorter = item_body("SCJG-1", dept);
    shorter["statutory_limit_days"] = json!(15);
    reserved(
        app.put(&path, &own_approver, &shorter).await,
        "statutory_limit_days",
    )
    .await;
    reserved(
        app.put(&path, &app.sysadmin_token, &shorter).await,
        "statutory_limit_days",
    )
    .await;
    let mut promised = item_body("SCJG-1", dept);
    promised["promised_limit_days"] = json!(3);
    reserved(
        app.put(&path, &own_approver, &promised).await,
        "promised_limit_days",
    )
    .await;
    // The office's reviewer is not the office's chief representative.
    expect_problem(
        app.put(&path, &office_reviewer, &shorter).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let item = expect_status(app.get(&path, &app.sysadmin_token).await, StatusCode::OK).await;
    assert_eq!(
        (&item["statutory_limit_days"], &item["promised_limit_days"]),
        (&json!(20), &json!(5)),
        "nothing written by the refusals"
    );

    // The department edits the rest, limits as they are.
    let mut renamed = item_body("SCJG-1", dept);
    renamed["location"] = json!("Hall B, window 7");
    let item = expect_status(
        app.put(&path, &own_approver, &renamed).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(item["location"], "Hall B, window 7");
    // The office changes the limit; the audit trail names the office's approver.
    let mut by_office = renamed.clone();
    by_office["statutory_limit_days"] = json!(15);
    let item = expect_status(
        app.put(&path, &office_approver, &by_office).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(item["statutory_limit_days"], 15);
    let audit = expect_status(
        app.get(
            &format!("/v1/audit?entity=item&entity_id={id}"),
            &app.auditor_token(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let last = audit["items"].as_array().unwrap().last().unwrap();
    assert_eq!(last["after"]["statutory_limit_days"], 15);
    assert_eq!(last["before"]["statutory_limit_days"], 20);
}

/// Registering an item: the system administrator or the office; a department's approver may
/// not bring its own item with limits it chose.
#[tokio::test]
async fn a_department_does_not_register_its_own_item() {
    let app = office_app().await;
    let dept = app.create_department("SCJG").await;
    let office = app.create_department(OFFICE).await;
    reserved(
        app.post(
            "/v1/items",
            &app.token(Role::Approver, Some(dept)),
            &item_body("SCJG-9", dept),
        )
        .await,
        "statutory_limit_days",
    )
    .await;
    assert_eq!(app.count_rows("items").await, 0);
    expect_status(
        app.post(
            "/v1/items",
            &app.token(Role::Approver, Some(office)),
            &item_body("SCJG-9", dept),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(app.count_rows("items").await, 1);
}

/// Without a configured office nobody changes a limit once the item exists, and the refusal
/// says which setting is missing.
#[tokio::test]
async fn without_an_office_no_limit_changes() {
    let app = spawn_app().await;
    let dept = app.create_department("SCJG").await;
    let id = app.create_item("SCJG-1", dept).await;
    let mut shorter = item_body("SCJG-1", dept);
    shorter["statutory_limit_days"] = json!(15);
    let p = expect_problem(
        app.put(&format!("/v1/items/{id}"), &app.sysadmin_token, &shorter)
            .await,
        StatusCode::FORBIDDEN,
        "time_limit_reserved",
        None,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("SUPERVISING_OFFICE_CODE"),
        "{p}"
    );
}

/// The migration: every `admin` becomes a `sysadmin` and its token version rises (its tokens,
/// which say `admin`, end); other accounts are untouched. Its `down` folds the three roles
/// back into `admin`.
#[tokio::test]
async fn the_migration_turns_every_admin_into_a_system_administrator() {
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Statement};
    let app = spawn_app().await;
    expect_status(
        app.post(
            "/v1/users",
            &app.sysadmin_token,
            &account("clerk1", "clerk", None),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let row = |sql: &str| Statement::from_string(app.db.get_database_backend(), sql.to_string());
    let role_and_version = |name: &'static str| {
        let db = app.db.clone();
        let stmt = row(&format!(
            "SELECT role, token_version FROM users WHERE username = '{name}'"
        ));
        async move {
            let r = db.query_one(stmt).await.unwrap().unwrap();
            (
                r.try_get::<String>("", "role").unwrap(),
                r.try_get::<i32>("", "token_version").unwrap(),
            )
        }
    };
    migrate_down_through(&app.db, "m20261205_000012_separation_of_duties").await;
    assert_eq!(role_and_version("root").await, ("admin".to_string(), 0));
    migration::Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(role_and_version("root").await, ("sysadmin".to_string(), 1));
    assert_eq!(role_and_version("clerk1").await, ("clerk".to_string(), 0));
    let t = expect_status(
        app.post(
            "/v1/auth/token",
            "",
            &json!({"username": "root", "password": "root-password"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(t["role"], "sysadmin");
}

/// The first account of an empty system (`BOOTSTRAP_ADMIN_*`) is a security administrator:
/// it creates the system administrator and the auditor, not the business accounts.
#[tokio::test]
async fn the_bootstrap_account_is_a_security_administrator() {
    let app = spawn_app_with(|c| {
        c.bootstrap_admin = Some(("first".into(), "Opening-pass-2026".into()));
    })
    .await;
    let t = expect_status(
        app.post(
            "/v1/auth/token",
            "",
            &json!({"username": "first", "password": "Opening-pass-2026"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(t["role"], "secadmin");
    let first = t["access_token"].as_str().unwrap();
    created(
        app.post("/v1/users", first, &account("ops", "sysadmin", None))
            .await,
    )
    .await;
    refused(
        app.post("/v1/users", first, &account("clerk1", "clerk", None))
            .await,
        "created by the system administrator",
    )
    .await;
}
