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
    assert_eq!(body["role"], "admin");
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
            &app.admin_token,
            &json!({"username": "temp", "display_name": "Temp", "role": "supervisor", "password": "temp-password"}),
        )
        .await;
    let id = expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    expect_status(
        app.delete(&format!("/v1/users/{id}"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": "temp", "password": "temp-password"}),
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
            app.admin_id,
            "root",
            Role::Admin,
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
        .issue(app.admin_id, "root", Role::Admin, None, Utc::now())
        .unwrap();
    expect_problem(
        app.get("/v1/items", &forged).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;

    let claims = Claims {
        sub: app.admin_id.to_string(),
        name: "root".into(),
        role: Role::Admin,
        dept: None,
        iat: Utc::now().timestamp(),
        exp: Utc::now().timestamp() + 600,
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
        let admin = role == Role::Admin;
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

        // Items: an admin, or the approver of the item's own department.
        let may_item = admin || role == Role::Approver;
        let r = app
            .post("/v1/items", &t, &item_body(&format!("I-{role}"), dept))
            .await;
        assert_eq!(
            r.status(),
            expect(may_item, StatusCode::CREATED),
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

        let user = serde_json::json!({"username": format!("u-{role}"), "display_name": "x", "role": "clerk", "password": "long-password"});
        let r = app.post("/v1/users", &t, &user).await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::CREATED),
            "{role} POST /v1/users"
        );
        let r = app.get("/v1/users", &t).await;
        assert_eq!(
            r.status(),
            expect(admin, StatusCode::OK),
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
            expect(admin || role == Role::Supervisor, StatusCode::OK),
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
    // Exactly the admin's and the approver's creations exist.
    assert_eq!(app.count_rows("departments").await, 3);
    assert_eq!(app.count_rows("items").await, 3);
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
    let r = app
        .post("/v1/items", &approver, &item_body("SCJG-1", mine))
        .await;
    let id = expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
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
