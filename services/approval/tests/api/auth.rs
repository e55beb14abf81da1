use chrono::{Duration, Utc};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use platform::auth::{Claims, JwtKeys, Role};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn login_issues_a_token_that_opens_the_api() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": "root", "password": "root-password"}),
        )
        .await;
    let body = expect_status(r, StatusCode::OK).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["role"], "sysadmin");
    let token = body["access_token"].as_str().unwrap();
    let me = expect_status(app.get("/v1/auth/me", token).await, StatusCode::OK).await;
    assert_eq!(me["username"], "root");
    assert!(
        me.get("password_hash").is_none(),
        "never leaks the hash: {me}"
    );
}

#[tokio::test]
async fn wrong_password_unknown_user_and_inactive_account_get_401() {
    let app = spawn_app().await;
    for (u, p) in [("root", "wrong-password"), ("nobody", "root-password")] {
        let r = app
            .post("/v1/auth/token", "", &json!({"username": u, "password": p}))
            .await;
        expect_problem(r, StatusCode::UNAUTHORIZED, "invalid_credentials", None).await;
    }
    let r = app
        .post(
            "/v1/users",
            &app.sysadmin_token,
            &json!({"username": "temp", "display_name": "Temp", "role": "supervisor", "password": "Secret-pass-2026"}),
        )
        .await;
    let id = expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    expect_status(
        app.delete(&format!("/v1/users/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": "temp", "password": "Secret-pass-2026"}),
        )
        .await;
    expect_problem(r, StatusCode::UNAUTHORIZED, "invalid_credentials", None).await;
}

#[tokio::test]
async fn missing_expired_forged_and_wrong_algorithm_tokens_get_401() {
    let app = spawn_app().await;
    let r = app.get_anon("/v1/items").await;
    expect_problem(r, StatusCode::UNAUTHORIZED, "token_missing", None).await;

    let expired = app
        .keys
        .issue(
            app.sysadmin_id,
            "root",
            Role::Sysadmin,
            None,
            Utc::now() - Duration::hours(2),
        )
        .unwrap();
    expect_problem(
        app.get("/v1/items", &expired).await,
        StatusCode::UNAUTHORIZED,
        "token_expired",
        None,
    )
    .await;

    let forged = JwtKeys::hs256(b"another-secret-another-secret", 3600)
        .issue(app.sysadmin_id, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    expect_problem(
        app.get("/v1/items", &forged).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;

    let claims = Claims {
        sub: app.sysadmin_id.to_string(),
        name: "root".into(),
        role: Role::Sysadmin,
        dept: None,
        iat: Utc::now().timestamp(),
        exp: Utc::now().timestamp() + 600,
        tv: 0,
        sid: None,
        iss: "approval".into(),
        aud: vec!["approval".into()],
    };
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    expect_problem(
        app.get("/v1/items", &hs512).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;

    // "alg": "none" with no signature.
    let none = format!(
        "{}.{}.",
        base64url(r#"{"alg":"none","typ":"JWT"}"#),
        base64url(&serde_json::to_string(&claims).unwrap())
    );
    expect_problem(
        app.get("/v1/items", &none).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
    expect_problem(
        app.get("/v1/items", "garbage").await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
}

fn base64url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// Every write route × every role: only the roles the policy names get through the door;
/// everyone else gets 403 and nothing is written.
#[tokio::test]
async fn role_matrix_for_writes() {
    let app = spawn_app().await;
    let dept = app.create_department("SCJG").await;
    let other = app.create_department("GAJ").await;
    let item = app.create_item("ITEM-1", dept).await;

    for role in Role::ALL {
        let own = if role.is_department_scoped() {
            Some(dept)
        } else {
            None
        };
        let t = app.token(role, own);
        // 三权分立: configuration is the system administrator's; accounts are managed by the
        // system and the security administrator (who may not create a clerk); the audit
        // trail is read by the auditor (and the supervisor, for the office's oversight).
        let admin = role == Role::Sysadmin;
        let account_manager = admin || role == Role::Secadmin;
        let expect =
            |ok: bool, success: StatusCode| if ok { success } else { StatusCode::FORBIDDEN };

        let r = app
            .post(
                "/v1/departments",
                &t,
                &department_body(&format!("D-{role}")),
            )
            .await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::CREATED),
            "{role} POST /v1/departments"
        );

        let r = app
            .put(
                &format!("/v1/departments/{other}"),
                &t,
                &department_body("GAJ"),
            )
            .await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::OK),
            "{role} PUT department"
        );

        // Items: the system administrator registers them (with their limits); the approver
        // of the item's own department edits them, limits unchanged.
        let may_item = admin || role == Role::Approver;
        let r = app
            .post("/v1/items", &t, &item_body(&format!("I-{role}"), dept))
            .await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::CREATED),
            "{role} POST /v1/items"
        );
        let r = app
            .put(&format!("/v1/items/{item}"), &t, &item_body("ITEM-1", dept))
            .await;
        assert_eq!(
            r.status(),
            expect(may_item, StatusCode::OK),
            "{role} PUT item"
        );

        let bundle = serde_json::json!({"code": format!("B-{role}"), "name": "b", "lead_department_id": dept, "promised_limit_days": 5, "stages": [["ITEM-1"]]});
        let r = app.post("/v1/bundles", &t, &bundle).await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::CREATED),
            "{role} POST /v1/bundles"
        );

        let user = serde_json::json!({"username": format!("u-{role}"), "display_name": "x", "role": "clerk", "password": "Long-pass-2026"});
        let r = app.post("/v1/users", &t, &user).await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::CREATED),
            "{role} POST /v1/users"
        );
        let r = app.get("/v1/users", &t).await;
        assert_eq!(
            r.status(),
            expect(account_manager, StatusCode::OK),
            "{role} GET /v1/users"
        );

        let table = serde_json::json!({"holidays": ["2027-01-01"], "makeup_workdays": []});
        let r = app.put("/v1/calendar/years/2027", &t, &table).await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::OK),
            "{role} PUT calendar"
        );

        let r = app.get("/v1/audit", &t).await;
        assert_eq!(
            r.status(),
            expect(
                role == Role::Auditor || role == Role::Supervisor,
                StatusCode::OK
            ),
            "{role} GET /v1/audit"
        );

        // Reading the catalogue is open to every signed-in role.
        for path in [
            "/v1/departments",
            "/v1/items",
            "/v1/bundles",
            "/v1/calendar/years",
        ] {
            assert_eq!(
                app.get(path, &t).await.status(),
                StatusCode::OK,
                "{role} GET {path}"
            );
        }
    }
    // Exactly the system administrator's creations exist.
    assert_eq!(app.count_rows("departments").await, 3);
    assert_eq!(app.count_rows("items").await, 2);
    assert_eq!(app.count_rows("bundles").await, 1);
}

#[tokio::test]
async fn an_approver_writes_only_items_of_their_own_department() {
    let app = spawn_app().await;
    let mine = app.create_department("SCJG").await;
    let theirs = app.create_department("SWJ").await;
    let their_item = app.create_item("SWJ-1", theirs).await;
    let approver = app.token(Role::Approver, Some(mine));

    let r = app
        .post("/v1/items", &approver, &item_body("SWJ-2", theirs))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    let r = app
        .put(
            &format!("/v1/items/{their_item}"),
            &approver,
            &item_body("SWJ-1", theirs),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Its own department's item comes from the catalogue with limits the office set: the
    // approver may not register one, but edits it with the limits unchanged.
    let r = app
        .post("/v1/items", &approver, &item_body("SCJG-2", mine))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "time_limit_reserved", None).await;
    let id = app.create_item("SCJG-1", mine).await;
    let r = app
        .put(
            &format!("/v1/items/{id}"),
            &approver,
            &item_body("SCJG-1", mine),
        )
        .await;
    expect_status(r, StatusCode::OK).await;
    // ...and cannot move its own item to another department.
    let r = app
        .put(
            &format!("/v1/items/{id}"),
            &approver,
            &item_body("SCJG-1", theirs),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    assert_eq!(app.count_rows("items").await, 2);
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.post(
        "/v1/auth/token",
        "",
        &json!({"username": username, "password": password}),
    )
    .await
}

async fn session_audit(app: &TestApp) -> Vec<serde_json::Value> {
    let page = expect_status(
        app.get("/v1/audit?entity=session&limit=200", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// 登录失败处理 (GB/T 22239-2019 8.1.4.1 b): the fifth wrong password within 15 minutes locks
/// the account for 15 minutes (product defaults); while locked even the right password is
/// refused with 429 `login_locked` and `Retry-After`; then it works again. Every step is in
/// the audit trail with the client address.
#[tokio::test]
async fn five_failed_sign_ins_lock_the_account_until_the_lockout_runs_out() {
    let app = spawn_app().await;
    for k in 0..5 {
        let r = sign_in(&app, "root", "wrong-password").await;
        expect_problem(r, StatusCode::UNAUTHORIZED, "invalid_credentials", None).await;
        app.clock.advance(Duration::minutes(1));
        let _ = k;
    }
    let r = sign_in(&app, "root", "root-password").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Locked at the fifth failure (minute 4) for 15 minutes; now is minute 5.
    assert_eq!(retry, 14 * 60);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["code"], "login_locked");
    assert!(p["detail"].as_str().unwrap().contains("8.1.4.1"), "{p}");
    app.clock.advance(Duration::minutes(14));
    expect_status(sign_in(&app, "root", "root-password").await, StatusCode::OK).await;

    let audit = session_audit(&app).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let count = |a: &str| actions.iter().filter(|x| **x == a).count();
    assert_eq!(count("login_failed"), 5, "{actions:?}");
    assert_eq!(count("lockout_account"), 1, "{actions:?}");
    assert_eq!(count("login_refused_locked"), 1, "{actions:?}");
    assert_eq!(count("login"), 1, "{actions:?}");
    for e in &audit {
        assert_eq!(e["entity_id"], "root");
        assert_eq!(e["source"], "127.0.0.1", "{e}");
    }
}

/// An unknown account name is counted and locked like a known one: the answers never tell
/// which names exist. A success resets the account's count.
#[tokio::test]
async fn unknown_names_lock_alike_and_a_success_resets_the_count() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for name in ["root", "no-such-user"] {
        for _ in 0..5 {
            let r = sign_in(&app, name, "wrong-password").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let r = sign_in(&app, name, "wrong-password").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let mut p: serde_json::Value = r.json().await.unwrap();
        // The per-request trace id differs by design; everything else must not.
        p.as_object_mut().unwrap().remove("trace_id");
        answers.push(p);
    }
    assert_eq!(
        answers[0], answers[1],
        "a locked unknown name reads like a locked user"
    );

    let app = spawn_app().await;
    for _ in 0..4 {
        sign_in(&app, "root", "wrong-password").await;
    }
    expect_status(sign_in(&app, "root", "root-password").await, StatusCode::OK).await;
    for _ in 0..4 {
        let r = sign_in(&app, "root", "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the count restarted");
    }
    expect_status(sign_in(&app, "root", "root-password").await, StatusCode::OK).await;
}

/// The security administrator lifts a lockout at once (audited); nobody else may, not even
/// the system administrator (三权分立).
#[tokio::test]
async fn the_security_administrator_unlocks_a_locked_account() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/v1/users",
            &app.sysadmin_token,
            &json!({"username": "clerk1", "display_name": "窗口一", "role": "clerk", "password": "Clerk-pass-2026"}),
        )
        .await;
    let id = expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    for _ in 0..5 {
        sign_in(&app, "clerk1", "wrong-password").await;
    }
    assert_eq!(
        sign_in(&app, "clerk1", "Clerk-pass-2026").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let supervisor = app.token(Role::Supervisor, None);
    expect_problem(
        app.post(&format!("/v1/users/{id}/unlock"), &supervisor, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect_problem(
        app.post(
            &format!("/v1/users/{id}/unlock"),
            &app.sysadmin_token,
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "separation_of_duties",
        None,
    )
    .await;
    assert_eq!(
        sign_in(&app, "clerk1", "Clerk-pass-2026").await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the refused unlock left the lockout in place"
    );
    let u = expect_status(
        app.post(
            &format!("/v1/users/{id}/unlock"),
            &app.secadmin_token(),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(u["username"], "clerk1");
    assert_eq!(u["had_failures"], true);
    expect_status(
        sign_in(&app, "clerk1", "Clerk-pass-2026").await,
        StatusCode::OK,
    )
    .await;
    let audit = session_audit(&app).await;
    assert!(audit
        .iter()
        .any(|e| e["action"] == "unlock_account" && e["entity_id"] == "clerk1"));
    expect_problem(
        app.post("/v1/users/999999/unlock", &app.secadmin_token(), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

/// One address trying many names is locked after 20 failures (product default), whatever
/// names it tries.
#[tokio::test]
async fn one_address_guessing_many_names_is_locked() {
    let app = spawn_app().await;
    for k in 0..20 {
        let r = sign_in(&app, &format!("guess{k}"), "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {k}");
    }
    let r = sign_in(&app, "root", "root-password").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let audit = session_audit(&app).await;
    assert!(audit.iter().any(|e| e["action"] == "lockout_address"));
}

async fn create_user(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.post(
        "/v1/users",
        &app.sysadmin_token,
        &json!({"username": username, "display_name": "窗口人员", "role": "supervisor", "password": password}),
    )
    .await
}

async fn change_password(
    app: &TestApp,
    username: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.post(
        "/v1/auth/password",
        "",
        &json!({"username": username, "current_password": current, "new_password": new}),
    )
    .await
}

/// 口令复杂度 (GB/T 22239-2019 8.1.4.1 a): a password from fewer than 3 character classes, or
/// containing the username, is refused with the rule, and nothing is written.
#[tokio::test]
async fn weak_passwords_are_refused_with_the_rule() {
    let app = spawn_app().await;
    let before = app.count_rows("users").await;
    for (name, password, says) in [
        ("weak1", "only-lower-case", "at least 3 of"),
        ("zhangsan", "Zhangsan-2026", "must not contain the username"),
    ] {
        let p = expect_problem(
            create_user(&app, name, password).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            Some("password"),
        )
        .await;
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains(says) && detail.contains("8.1.4.1"),
            "{detail}"
        );
    }
    assert_eq!(app.count_rows("users").await, before, "nothing written");
    expect_status(
        create_user(&app, "good1", "Good-pass-2026").await,
        StatusCode::CREATED,
    )
    .await;
}

/// A password may not come back: not the current one, not one of the last five — neither set
/// by an admin nor changed by the user; the user changes their own with the current one.
#[tokio::test]
async fn a_password_may_not_be_reused_and_its_owner_changes_it() {
    let app = spawn_app().await;
    let id = expect_status(
        create_user(&app, "user1", "First-pass-2026").await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let put = |password: &str| json!({"display_name": "窗口人员", "role": "supervisor", "active": true, "password": password});
    expect_problem(
        app.put(
            &format!("/v1/users/{id}"),
            &app.sysadmin_token,
            &put("First-pass-2026"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "password_reused",
        Some("password"),
    )
    .await;
    expect_status(
        change_password(&app, "user1", "First-pass-2026", "Second-pass-2026").await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_problem(
        change_password(&app, "user1", "Second-pass-2026", "First-pass-2026").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "password_reused",
        Some("new_password"),
    )
    .await;
    expect_problem(
        change_password(&app, "user1", "Second-pass-2026", "weak").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "weak_password",
        Some("new_password"),
    )
    .await;
    assert_eq!(
        sign_in(&app, "user1", "First-pass-2026").await.status(),
        StatusCode::UNAUTHORIZED
    );
    expect_status(
        sign_in(&app, "user1", "Second-pass-2026").await,
        StatusCode::OK,
    )
    .await;
    let audit = session_audit(&app).await;
    assert!(audit
        .iter()
        .any(|e| e["action"] == "password_changed" && e["entity_id"] == "user1"));
}

/// 口令定期更换: after 90 days (product default) the right password is refused with 403
/// `password_expired`; changing it opens the account again.
#[tokio::test]
async fn an_expired_password_must_be_changed_first() {
    let app = spawn_app().await;
    expect_status(
        create_user(&app, "user2", "Old-pass-2026").await,
        StatusCode::CREATED,
    )
    .await;
    app.clock.advance(Duration::days(89));
    expect_status(
        sign_in(&app, "user2", "Old-pass-2026").await,
        StatusCode::OK,
    )
    .await;
    app.clock.advance(Duration::days(1));
    let p = expect_problem(
        sign_in(&app, "user2", "Old-pass-2026").await,
        StatusCode::FORBIDDEN,
        "password_expired",
        None,
    )
    .await;
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("POST /v1/auth/password"));
    // A wrong current password is a failed sign-in like any other.
    assert_eq!(
        change_password(&app, "user2", "not-it", "New-pass-2026")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    expect_status(
        change_password(&app, "user2", "Old-pass-2026", "New-pass-2026").await,
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_status(
        sign_in(&app, "user2", "New-pass-2026").await,
        StatusCode::OK,
    )
    .await;
    let audit = session_audit(&app).await;
    let actions: Vec<&str> = audit
        .iter()
        .filter(|e| e["entity_id"] == "user2")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "login_refused_expired",
        "login_failed",
        "password_changed",
        "login",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
