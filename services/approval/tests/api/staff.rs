//! The staff register (窗口工作人员): admins write with a history, every role reads, filters by
//! department and day; refusals that name their field; accounts linked once at a time; the
//! `staff_changed` feed event; complaint findings that name the person; the demo's staff.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn staff_body(name: &str, dept: i32) -> Value {
    json!({
        "name": name,
        "department_id": dept,
        "window_no": "A12",
        "post": "clerk",
        "assigned_from": "2025-01-01",
    })
}

/// A user account through the users API; its id.
async fn user(app: &TestApp, username: &str, role: &str, dept: Option<i32>) -> i64 {
    let r = app
        .post(
            "/v1/users",
            &app.sysadmin_token,
            &json!({"username": username, "display_name": username, "role": role,
                    "department_id": dept, "password": "Long-pass-2026"}),
        )
        .await;
    expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

async fn create(app: &TestApp, body: &Value) -> Value {
    expect_status(
        app.post("/v1/staff", &app.sysadmin_token, body).await,
        StatusCode::CREATED,
    )
    .await
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

/// Create, read, list by department and by day, page, replace with `If-Match`, history, audit
/// and one `staff_changed` event per write with the documented payload.
#[tokio::test]
async fn the_staff_register_with_history_filters_and_feed_events() {
    let app = spawn_app().await;
    let a = app.create_department("STF-A").await;
    let b = app.create_department("STF-B").await;
    let uid = user(&app, "wang.li", "reviewer", Some(a)).await;
    let mut body = staff_body(" 王丽 ", a);
    body["post"] = json!("handler");
    body["user_id"] = json!(uid);
    body["reason"] = json!("进驻大厅");
    let r = app.post("/v1/staff", &app.sysadmin_token, &body).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let first = expect_status(r, StatusCode::CREATED).await;
    let id = first["id"].as_i64().unwrap();
    assert_eq!(first["name"], "王丽", "trimmed");
    assert_eq!(
        (
            &first["department_id"],
            &first["window_no"],
            &first["post"],
            &first["assigned_from"],
            &first["assigned_to"],
            &first["user_id"],
            &first["version"]
        ),
        (
            &json!(a),
            &json!("A12"),
            &json!("handler"),
            &json!("2025-01-01"),
            &Value::Null,
            &json!(uid),
            &json!(1)
        )
    );
    let mut second = staff_body("赵强", b);
    second["window_no"] = Value::Null;
    second["post"] = json!("window_lead");
    second["assigned_to"] = json!("2025-03-31");
    let second = create(&app, &second).await;
    let sid = second["id"].as_i64().unwrap();
    assert_eq!(second["window_no"], Value::Null);

    // Every role reads.
    let clerk = app.token(Role::Clerk, None);
    let got = expect_status(
        app.get(&format!("/v1/staff/{id}"), &clerk).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got, first);
    expect_problem(
        app.get("/v1/staff/999999", &clerk).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let all = expect_status(app.get("/v1/staff", &clerk).await, StatusCode::OK).await;
    assert_eq!(ids(&all), [id, sid]);
    let of_b = expect_status(
        app.get(&format!("/v1/staff?department_id={b}"), &clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&of_b), [sid]);
    for (day, want) in [
        ("2024-12-31", vec![]),
        ("2025-01-01", vec![id, sid]),
        ("2025-03-31", vec![id, sid]),
        ("2025-04-01", vec![id]),
    ] {
        let page = expect_status(
            app.get(&format!("/v1/staff?on={day}"), &clerk).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ids(&page), want, "on {day}");
    }
    let on_b = expect_status(
        app.get(
            &format!("/v1/staff?on=2025-04-01&department_id={b}"),
            &clerk,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&on_b), Vec::<i64>::new());
    let p1 = expect_status(app.get("/v1/staff?limit=1", &clerk).await, StatusCode::OK).await;
    assert_eq!(ids(&p1), [id]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = expect_status(
        app.get(&format!("/v1/staff?limit=1&cursor={cursor}"), &clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&p2), [sid]);
    assert_eq!(p2["next_cursor"], Value::Null);

    // Replace: the assignment ends, the window changes.
    let path = format!("/v1/staff/{id}");
    let mut change = body.clone();
    change["window_no"] = json!("B03");
    change["post"] = json!("chief_representative");
    change["assigned_to"] = json!("2025-06-30");
    change["reason"] = json!("调任首席代表");
    let put = |v: &'static str, body: Value| {
        let app = &app;
        let path = path.clone();
        async move {
            app.client
                .put(format!("{}{}", app.address, path))
                .bearer_auth(&app.sysadmin_token)
                .header("If-Match", v)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    expect_problem(
        put("three", change.clone()).await,
        StatusCode::BAD_REQUEST,
        "invalid_if_match",
        Some("If-Match"),
    )
    .await;
    expect_problem(
        put("\"2\"", change.clone()).await,
        StatusCode::CONFLICT,
        "stale_version",
        None,
    )
    .await;
    let r = put("\"1\"", change.clone()).await;
    assert_eq!(r.headers()["etag"], "\"2\"");
    let updated = expect_status(r, StatusCode::OK).await;
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["window_no"], "B03");
    assert_eq!(updated["assigned_to"], "2025-06-30");
    expect_problem(
        put("\"1\"", change.clone()).await,
        StatusCode::CONFLICT,
        "stale_version",
        None,
    )
    .await;
    let on = expect_status(
        app.get("/v1/staff?on=2025-07-01", &clerk).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&on), Vec::<i64>::new(), "ended on 2025-06-30");
    expect_status(
        app.put("/v1/staff/999999", &app.sysadmin_token, &change)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let history = expect_status(
        app.get(&format!("/v1/staff/{id}/history"), &clerk).await,
        StatusCode::OK,
    )
    .await;
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (
            &h[0]["version"],
            &h[0]["reason"],
            &h[0]["snapshot"]["window_no"]
        ),
        (&json!(1), &json!("进驻大厅"), &json!("A12"))
    );
    assert_eq!(
        (&h[1]["version"], &h[1]["reason"], &h[1]["snapshot"]),
        (&json!(2), &json!("调任首席代表"), &updated)
    );
    assert_eq!(h[1]["changed_by"], app.sysadmin_id);
    expect_status(
        app.get("/v1/staff/999999/history", &clerk).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let audit = expect_status(
        app.get(
            &format!("/v1/audit?entity=staff&entity_id={id}"),
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
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 2, "{audit}");
    assert!(actions.contains(&"create") && actions.contains(&"update"));

    let events = feed(&app).await;
    let e = of_kind(&events, "staff_changed");
    assert_eq!(e.len(), 3, "two creates, one update; none for the refusals");
    assert!(e.iter().all(|e| e["case_id"] == 0));
    let last = e[2];
    assert_eq!(
        (&last["from_state"], &last["to_state"]),
        (&json!("1"), &json!("2"))
    );
    let p = &last["payload"];
    let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "assigned_from",
            "assigned_to",
            "at",
            "department_id",
            "name",
            "post",
            "staff_id",
            "type",
            "user_id",
            "version",
            "window_no"
        ]
    );
    assert_eq!(
        p,
        &json!({
            "type": "staff_changed", "staff_id": id, "name": "王丽", "department_id": a,
            "window_no": "B03", "post": "chief_representative", "assigned_from": "2025-01-01",
            "assigned_to": "2025-06-30", "user_id": uid, "version": 2, "at": p["at"],
        })
    );
    assert!(p["at"].is_string());
    let p = &e[1]["payload"];
    assert_eq!(
        (
            &p["staff_id"],
            &p["window_no"],
            &p["assigned_to"],
            &p["user_id"],
            &p["version"]
        ),
        (
            &json!(sid),
            &Value::Null,
            &json!("2025-03-31"),
            &Value::Null,
            &json!(1)
        )
    );
}

/// Bad dates, names, windows and posts, unknown departments and users, an account linked to
/// two overlapping assignments, a reviewer's account in another department: refused, nothing
/// written.
#[tokio::test]
async fn staff_refusals_name_the_field() {
    let app = spawn_app().await;
    let a = app.create_department("STR-A").await;
    let b = app.create_department("STR-B").await;
    let bad = |tweak: fn(&mut Value)| {
        let mut v = staff_body("李娜", a);
        tweak(&mut v);
        v
    };
    for (body, code, field) in [
        (
            bad(|v| v["assigned_to"] = json!("2024-12-31")),
            "validation_failed",
            "assigned_to",
        ),
        (
            bad(|v| v["assigned_from"] = json!("2025-13-01")),
            "invalid_field",
            "assigned_from",
        ),
        (
            bad(|v| v["assigned_from"] = json!("2025-1-1x")),
            "invalid_field",
            "assigned_from",
        ),
        (
            bad(|v| v["assigned_to"] = json!(20250101)),
            "invalid_field",
            "assigned_to",
        ),
        (
            bad(|v| v["assigned_from"] = json!("0001-01-01")),
            "validation_failed",
            "assigned_from",
        ),
        (
            bad(|v| v["assigned_to"] = json!("3000-01-01")),
            "validation_failed",
            "assigned_to",
        ),
        (bad(|v| v["post"] = json!("boss")), "invalid_field", "post"),
        (
            bad(|v| v["name"] = json!("  ")),
            "validation_failed",
            "name",
        ),
        (
            bad(|v| v["name"] = json!("名".repeat(51))),
            "validation_failed",
            "name",
        ),
        (
            bad(|v| v["window_no"] = json!("")),
            "validation_failed",
            "window_no",
        ),
        (
            bad(|v| v["window_no"] = json!("W".repeat(21))),
            "validation_failed",
            "window_no",
        ),
        (
            bad(|v| v["department_id"] = json!(999_999)),
            "validation_failed",
            "department_id",
        ),
        (
            bad(|v| v["user_id"] = json!(999_999)),
            "validation_failed",
            "user_id",
        ),
    ] {
        let r = app.post("/v1/staff", &app.sysadmin_token, &body).await;
        let got = expect_status(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            (got["code"].as_str(), got["field"].as_str()),
            (Some(code), Some(field)),
            "{body} → {got}"
        );
    }
    for body in [
        bad(|v| v["extra"] = json!(1)),
        bad(|v| {
            v.as_object_mut().unwrap().remove("assigned_from");
        }),
        bad(|v| {
            v.as_object_mut().unwrap().remove("post");
        }),
    ] {
        let r = app.post("/v1/staff", &app.sysadmin_token, &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    expect_problem(
        app.get("/v1/staff?on=2025-02-30", &app.sysadmin_token)
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("on"),
    )
    .await;
    for far in ["-262143-01-01", "%2B262142-12-31", "0001-01-01"] {
        expect_problem(
            app.get(&format!("/v1/staff?on={far}"), &app.sysadmin_token)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            Some("on"),
        )
        .await;
    }
    expect_problem(
        app.get("/v1/staff?day=2025-02-01", &app.sysadmin_token)
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("day"),
    )
    .await;
    assert_eq!(app.count_rows("staff").await, 0);

    // A reviewer of department A may be staff of A only; a clerk (not department-scoped) of
    // any department.
    let reviewer = user(&app, "rev.a", "reviewer", Some(a)).await;
    let mut other = staff_body("张伟", b);
    other["user_id"] = json!(reviewer);
    expect_problem(
        app.post("/v1/staff", &app.sysadmin_token, &other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "user_department_mismatch",
        Some("user_id"),
    )
    .await;
    let clerk = user(&app, "clerk.a", "clerk", Some(a)).await;
    let mut clerk_b = staff_body("刘洋", b);
    clerk_b["user_id"] = json!(clerk);
    create(&app, &clerk_b).await;

    // Linked twice: refused while the assignments overlap, also on a replace.
    let mut first = staff_body("张伟", a);
    first["user_id"] = json!(reviewer);
    first["assigned_to"] = json!("2025-06-30");
    let first = create(&app, &first).await;
    let mut twice = staff_body("张伟", a);
    twice["user_id"] = json!(reviewer);
    twice["assigned_from"] = json!("2025-06-30");
    expect_problem(
        app.post("/v1/staff", &app.sysadmin_token, &twice).await,
        StatusCode::CONFLICT,
        "user_already_staff",
        Some("user_id"),
    )
    .await;
    twice["assigned_from"] = json!("2024-01-01");
    twice["assigned_to"] = json!("2025-01-01");
    expect_problem(
        app.post("/v1/staff", &app.sysadmin_token, &twice).await,
        StatusCode::CONFLICT,
        "user_already_staff",
        Some("user_id"),
    )
    .await;
    twice["assigned_from"] = json!("2025-07-01");
    twice["assigned_to"] = Value::Null;
    let later = create(&app, &twice).await;
    let mut back = staff_body("张伟", a);
    back["user_id"] = json!(reviewer);
    back["assigned_to"] = json!("2025-07-01");
    expect_problem(
        app.put(
            &format!("/v1/staff/{}", first["id"]),
            &app.sysadmin_token,
            &back,
        )
        .await,
        StatusCode::CONFLICT,
        "user_already_staff",
        Some("user_id"),
    )
    .await;
    // Replacing a record with its own link is no conflict with itself.
    let mut same = twice.clone();
    same["window_no"] = json!("A13");
    expect_status(
        app.put(
            &format!("/v1/staff/{}", later["id"]),
            &app.sysadmin_token,
            &same,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // A replace is checked like a create.
    let mut bad_put = same.clone();
    bad_put["assigned_to"] = json!("2025-06-01");
    expect_problem(
        app.put(
            &format!("/v1/staff/{}", later["id"]),
            &app.sysadmin_token,
            &bad_put,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("assigned_to"),
    )
    .await;
    // A deleted account cannot be linked.
    let gone = user(&app, "gone.a", "clerk", Some(a)).await;
    expect_status(
        app.delete(&format!("/v1/users/{gone}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let mut ghost = staff_body("鬼", a);
    ghost["user_id"] = json!(gone);
    expect_problem(
        app.post("/v1/staff", &app.sysadmin_token, &ghost).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("user_id"),
    )
    .await;
    assert_eq!(app.count_rows("staff").await, 3);
    assert_eq!(app.count_rows("staff_versions").await, 4);
}

/// Only the system administrator writes the register: 403 for every other role; everyone signed in reads.
#[tokio::test]
async fn only_the_sysadmin_writes_the_staff_register() {
    let app = spawn_app().await;
    let dept = app.create_department("STW").await;
    let made = create(&app, &staff_body("李娜", dept)).await;
    let path = format!("/v1/staff/{}", made["id"]);
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Sysadmin) {
        let d = role.is_department_scoped().then_some(dept);
        let token = app.token(role, d);
        expect_problem(
            app.post("/v1/staff", &token, &staff_body("王芳", dept))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
        expect_problem(
            app.put(&path, &token, &staff_body("王芳", dept)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
        for read in [
            "/v1/staff".to_string(),
            path.clone(),
            format!("{path}/history"),
        ] {
            expect_status(app.get(&read, &token).await, StatusCode::OK).await;
        }
    }
    expect_status(app.get_anon("/v1/staff").await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count_rows("staff").await, 1);
    let again = expect_status(app.get(&path, &app.sysadmin_token).await, StatusCode::OK).await;
    assert_eq!(again["version"], 1);
}

/// 投诉认定 names the person: staff of the assigned department, assigned to the hall on the
/// (Asia/Shanghai) day the complaint was filed; shown on the complaint and on the feed.
#[tokio::test]
async fn a_complaint_finding_names_a_staff_member_of_the_department_on_duty_that_day() {
    let app = spawn_app().await;
    app.clock.set(at("2026-03-09T10:00:00+08:00"));
    let case = app.item_case("CPS-1", 5, 20, |_| {}).await;
    let dept = case["branches"][0]["department_id"].as_i64().unwrap() as i32;
    let other = app.create_department("CPS-OTHER").await;
    // Filed at 00:30 on 10 March in the hall: still 9 March in UTC.
    app.clock.set(at("2026-03-10T00:30:00+08:00"));
    let id = file_complaint(&app, case["case_no"].as_str().unwrap()).await;
    let path = format!("/v1/complaints/{id}/finding");
    let sup = app.token(Role::Supervisor, None);
    let staff = |name: &str, dept: i32, from: &str, to: Option<&str>| {
        let mut v = staff_body(name, dept);
        v["assigned_from"] = json!(from);
        v["assigned_to"] = json!(to);
        v
    };
    let elsewhere = create(&app, &staff("外部门", other, "2025-01-01", None)).await;
    let left = create(
        &app,
        &staff("已离岗", dept, "2025-01-01", Some("2026-03-09")),
    )
    .await;
    let not_yet = create(&app, &staff("未到岗", dept, "2026-03-11", None)).await;
    let on_duty = create(&app, &staff("王丽", dept, "2026-03-10", Some("2026-03-10"))).await;
    let finding = |staff_id: &Value| json!({"finding": "valid", "reason": "经核查，投诉属实", "staff_id": staff_id});

    // Not assigned yet: no department to be staff of.
    expect_problem(
        app.post(&path, &sup, &finding(&on_duty["id"])).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff_department_mismatch",
        Some("staff_id"),
    )
    .await;
    expect_status(
        app.post(
            &format!("/v1/complaints/{id}/assign"),
            &sup,
            &json!({"department_id": dept}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (s, code) in [
        (&elsewhere, "staff_department_mismatch"),
        (&left, "staff_not_assigned"),
        (&not_yet, "staff_not_assigned"),
    ] {
        expect_problem(
            app.post(&path, &sup, &finding(&s["id"])).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some("staff_id"),
        )
        .await;
    }
    for bad in [json!(999_999), json!("one"), json!(1.5)] {
        let got = expect_status(
            app.post(&path, &sup, &finding(&bad)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(got["field"], "staff_id", "{bad}: {got}");
    }
    assert!(of_kind(&feed(&app).await, "complaint_found").is_empty());

    let found = expect_status(
        app.post(&path, &sup, &finding(&on_duty["id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["staff_id"], on_duty["id"]);
    assert_eq!(found["finding"], "valid");
    let list = expect_status(app.get("/v1/complaints", &sup).await, StatusCode::OK).await;
    assert_eq!(list["items"][0]["staff_id"], on_duty["id"]);
    let events = feed(&app).await;
    let e = of_kind(&events, "complaint_found");
    assert_eq!(e.len(), 1);
    let p = &e[0]["payload"];
    assert_eq!(
        (
            &p["staff_id"],
            &p["department_id"],
            &p["complaint_id"],
            &p["finding"]
        ),
        (&on_duty["id"], &json!(dept), &json!(id), &json!("valid"))
    );
    let audit = expect_status(
        app.get(
            &format!("/v1/audit?entity=complaint&entity_id={id}"),
            &app.auditor_token(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        audit["items"][0]["after"]["staff_id"], on_duty["id"],
        "{audit}"
    );
}

/// The demo: a staff record linked to every demo clerk, reviewer and approver, in the
/// account's department, and an inspector (督察) account that signs in; seeding twice adds
/// nothing.
#[tokio::test]
async fn the_demo_has_staff_linked_to_its_users_and_an_inspector() {
    let app = spawn_app().await;
    approval::demo::seed(&app.db, chrono::Utc::now())
        .await
        .expect("demo data");
    approval::demo::seed(&app.db, chrono::Utc::now())
        .await
        .expect("demo data again");
    let users = expect_status(
        app.get("/v1/users?limit=200", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await;
    let users = users["items"].as_array().unwrap().clone();
    let staff = expect_status(
        app.get("/v1/staff?limit=200&on=2025-01-01", &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let staff = staff["items"].as_array().unwrap().clone();
    let clerks_and_deciders: Vec<&Value> = users
        .iter()
        .filter(|u| ["clerk", "reviewer", "approver"].contains(&u["role"].as_str().unwrap()))
        .collect();
    assert_eq!(clerks_and_deciders.len(), 11, "{users:?}");
    assert_eq!(staff.len(), 11);
    for u in clerks_and_deciders {
        let s = staff
            .iter()
            .find(|s| s["user_id"] == u["id"])
            .unwrap_or_else(|| panic!("no staff record for {u}"));
        let post = match u["role"].as_str().unwrap() {
            "clerk" => "clerk",
            "reviewer" => "handler",
            _ => "chief_representative",
        };
        assert_eq!(s["post"], post, "{s}");
        assert_eq!(s["department_id"], u["department_id"], "{s}");
        assert_eq!(s["assigned_from"], "2025-01-01");
        assert_eq!(s["assigned_to"], Value::Null);
        let w = s["window_no"].as_str().unwrap();
        assert!(w.len() == 3 && w.starts_with('A'), "{w}");
        let name = s["name"].as_str().unwrap();
        assert!(
            (2..=4).contains(&name.chars().count()) && !name.is_ascii(),
            "{name}"
        );
    }
    assert_eq!(
        of_kind(&feed(&app).await, "staff_changed").len(),
        11,
        "seeded once"
    );
    let r = app
        .client
        .post(format!("{}/v1/auth/token", app.address))
        .json(&json!({"username": "inspector", "password": approval::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = expect_status(r, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = expect_status(app.get("/v1/auth/me", &token).await, StatusCode::OK).await;
    assert_eq!(me["role"], "inspector");
    expect_status(app.get("/v1/staff", &token).await, StatusCode::OK).await;
    expect_status(
        app.post("/v1/staff", &token, &staff_body("X", 1)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

/// Migration 7 undone and done again on a database with staff and a finding that names one.
#[tokio::test]
async fn migration_7_goes_down_and_up_again() {
    use migration::MigratorTrait;
    let app = spawn_app().await;
    let case = app.item_case("MIG7-I", 5, 20, |_| {}).await;
    let dept = case["branches"][0]["department_id"].as_i64().unwrap() as i32;
    let s = create(&app, &staff_body("王丽", dept)).await;
    let id = file_complaint(&app, case["case_no"].as_str().unwrap()).await;
    let sup = app.token(Role::Supervisor, None);
    expect_status(
        app.post(
            &format!("/v1/complaints/{id}/assign"),
            &sup,
            &json!({"department_id": dept}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.post(
            &format!("/v1/complaints/{id}/finding"),
            &sup,
            &json!({"finding": "invalid", "reason": "不属实", "staff_id": s["id"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    migrate_down_through(&app.db, "m20261202_000007_staff").await;
    migration::Migrator::up(&app.db, None).await.unwrap();
    let page = expect_status(
        app.get("/v1/staff", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"], json!([]));
    let list = expect_status(app.get("/v1/complaints", &sup).await, StatusCode::OK).await;
    assert_eq!(list["items"][0]["staff_id"], Value::Null);
    assert_eq!(list["items"][0]["finding"], "invalid");
}
