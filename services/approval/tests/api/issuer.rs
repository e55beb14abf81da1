//! The one issuer (签发方): Ed25519 keys with key ids and their JWKS, `iss`/`aud` and the
//! maximum lifetime on every token, and service accounts that authenticate with client
//! credentials instead of minting their own tokens.

use chrono::Utc;
use platform::auth::{JwtKeys, Role, AUD_APPROVAL};
use platform::keys::SigningKey;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::cases::hohhot;
use crate::helpers::*;

const SERVICE_SECRET: &str = "Kaohe-client-secret-2026-x";

/// A key written to a temporary PEM file, as an operator provides it.
fn key_file(key: &SigningKey, private: bool) -> String {
    let path = std::env::temp_dir().join(format!(
        "jwt-{}-{}.pem",
        key.public.kid.replace(['-', '_'], ""),
        if private { "key" } else { "pub" }
    ));
    let text = if private {
        key.to_pem()
    } else {
        key.public.to_pem()
    };
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The header of a JWT, decoded.
fn header_of(token: &str) -> Value {
    use base64::Engine;
    let head = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The claims of a JWT, decoded without checking it.
fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let body = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The test's system administrator signs in with the password: the access token.
async fn root_signs_in(app: &TestApp) -> String {
    let r = app
        .post(
            "/v1/auth/token",
            "",
            &json!({"username": "root", "password": "root-password"}),
        )
        .await;
    expect_status(r, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The actions of the sign-in audit trail (`entity=session`), as the auditor reads them.
async fn session_audit_actions(app: &TestApp) -> Vec<String> {
    let audit = expect_status(
        app.get("/v1/audit?entity=session&limit=200", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn service_account(app: &TestApp, name: &str) -> i64 {
    let r = app
        .post(
            "/v1/users",
            &app.secadmin_token(),
            &json!({"username": name, "display_name": "考核系统", "role": "service",
                    "password": SERVICE_SECRET}),
        )
        .await;
    expect_status(r, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap()
}

async fn client_token(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    app.post(
        "/v1/auth/client-token",
        "",
        &json!({"client_id": id, "client_secret": secret}),
    )
    .await
}

/// With `JWT_SIGNING_KEY_FILE` the service signs EdDSA with the key's thumbprint as `kid`,
/// publishes it (and the rotation's other key) at the JWKS endpoint, accepts tokens of both
/// keys and refuses a shared-secret token and a key it does not publish.
#[tokio::test]
async fn an_ed25519_issuer_publishes_its_keys_and_accepts_only_them() {
    let current = SigningKey::generate();
    let previous = SigningKey::generate();
    let (key_path, prev_path) = (key_file(&current, true), key_file(&previous, false));
    let app = spawn_app_with(|c| {
        c.jwt.signing_key_file = Some(key_path);
        c.jwt.verify_key_files = vec![prev_path];
    })
    .await;
    let jwks = expect_status(app.get("/.well-known/jwks.json", "").await, StatusCode::OK).await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        vec![current.public.kid.as_str(), previous.public.kid.as_str()]
    );
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert_eq!(jwks["keys"][0]["alg"], "EdDSA");
    assert!(
        jwks["keys"][0].get("d").is_none(),
        "no private part: {jwks}"
    );

    // A real sign-in: EdDSA, the current key's id, the issuer and both audiences.
    let token = root_signs_in(&app).await;
    let header = header_of(&token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], current.public.kid.as_str());
    let claims = claims_of(&token);
    assert_eq!(claims["iss"], "approval");
    assert_eq!(claims["aud"], json!(["approval", "assessment"]));
    expect_status(app.get("/v1/auth/me", &token).await, StatusCode::OK).await;

    // The previous key's tokens still pass until they expire.
    let by_previous = JwtKeys::ed25519(&previous, &[], 600)
        .issue(app.sysadmin_id, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    expect_status(app.get("/v1/auth/me", &by_previous).await, StatusCode::OK).await;

    // A key the issuer does not publish, and the shared secret of the embedded default.
    let stranger = JwtKeys::ed25519(&SigningKey::generate(), &[], 600)
        .issue(app.sysadmin_id, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    expect_problem(
        app.get("/v1/auth/me", &stranger).await,
        StatusCode::UNAUTHORIZED,
        "token_key_unknown",
        None,
    )
    .await;
    let shared = JwtKeys::hs256(SECRET.as_bytes(), 600)
        .issue(app.sysadmin_id, "root", Role::Sysadmin, None, Utc::now())
        .unwrap();
    expect_problem(
        app.get("/v1/auth/me", &shared).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
}

/// The embedded default (HS256) publishes no key: its secret is never in the JWKS.
#[tokio::test]
async fn the_shared_secret_is_never_published() {
    let app = spawn_app().await;
    let jwks = expect_status(app.get("/.well-known/jwks.json", "").await, StatusCode::OK).await;
    assert_eq!(jwks, json!({"keys": []}));
}

/// A token for another service, of another issuer or living longer than allowed: 401 with
/// its own code, nothing served.
#[tokio::test]
async fn audience_issuer_and_lifetime_are_checked() {
    let app = spawn_app().await;
    let keys = JwtKeys::hs256(SECRET.as_bytes(), 600);
    let now = Utc::now();
    let mut claims = keys.claims(app.sysadmin_id, "root", Role::Sysadmin, None, 0, None, now);
    claims.aud = vec!["cadre-system".into()];
    let other_audience = keys.issue_claims(&claims).unwrap();
    expect_problem(
        app.get("/v1/users", &other_audience).await,
        StatusCode::UNAUTHORIZED,
        "token_audience",
        None,
    )
    .await;

    let mut claims = keys.claims(app.sysadmin_id, "root", Role::Sysadmin, None, 0, None, now);
    claims.iss = "somebody-else".into();
    let other_issuer = keys.issue_claims(&claims).unwrap();
    expect_problem(
        app.get("/v1/users", &other_issuer).await,
        StatusCode::UNAUTHORIZED,
        "token_issuer",
        None,
    )
    .await;

    // Signed with the right secret, but for a week: more than TOKEN_MAX_LIFETIME_SECONDS.
    let mut claims = keys.claims(app.sysadmin_id, "root", Role::Sysadmin, None, 0, None, now);
    claims.exp = claims.iat + 7 * 86_400;
    let long_lived = keys.issue_claims(&claims).unwrap();
    let p = expect_problem(
        app.get("/v1/users", &long_lived).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("longer"), "{p}");

    // A token of the format before issuers and audiences (and `aud` as one string, which
    // RFC 7519 allows, is read).
    let raw = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    let t = now.timestamp();
    let base = json!({"sub": app.sysadmin_id.to_string(), "name": "root", "role": "sysadmin",
                      "iat": t, "exp": t + 600});
    let p = expect_problem(
        app.get("/v1/users", &raw(base.clone())).await,
        StatusCode::UNAUTHORIZED,
        "token_invalid",
        None,
    )
    .await;
    // Which of the two missing claims is named first is jsonwebtoken's choice.
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("`iss`") || detail.contains("`aud`"), "{p}");
    let mut one = base;
    one["iss"] = json!("approval");
    one["aud"] = json!("approval");
    expect_status(app.get("/v1/users", &raw(one)).await, StatusCode::OK).await;
}

/// A service account (role `service`, managed by the security administrator) exchanges its
/// client credentials for a token for the approval service only; it reads the feed and sees
/// applicants' data masked; wrong secrets and people's accounts are `invalid_client`; every
/// exchange is audited; retiring the account ends its token at once.
#[tokio::test]
async fn a_service_account_uses_client_credentials_and_reads_no_personal_data() {
    let h = hohhot().await;
    let app = &h.app;
    let case = h.submit().await;
    let case_id = case["id"].as_i64().unwrap();
    let full = expect_status(
        app.get(&format!("/v1/cases/{case_id}"), &h.clerk).await,
        StatusCode::OK,
    )
    .await;
    let id_number = full["applicant"]["id_number"].as_str().unwrap().to_string();
    let account = service_account(app, "assessment").await;
    // Tokens are checked against the real time: the case was filed on the Monday of the demo.
    app.clock.set(Utc::now());

    let answer = expect_status(
        client_token(app, "assessment", SERVICE_SECRET).await,
        StatusCode::OK,
    )
    .await;
    assert!(answer.get("refresh_token").is_none(), "{answer}");
    let token = answer["access_token"].as_str().unwrap().to_string();
    let claims = claims_of(&token);
    assert_eq!(claims["role"], "service");
    assert_eq!(claims["aud"], json!([AUD_APPROVAL]));
    assert_eq!(claims["sub"], account.to_string());

    let feed = app
        .get("/v1/events?after=0&limit=200", &token)
        .await
        .text()
        .await
        .unwrap();
    assert!(feed.contains("case_accepted"), "{feed}");
    assert!(!feed.contains(&id_number), "no ID number in the feed");
    let seen = expect_status(
        app.get(&format!("/v1/cases/{case_id}"), &token).await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(seen["applicant"]["id_number"], id_number.as_str());
    assert!(seen["applicant"]["id_number"]
        .as_str()
        .unwrap()
        .contains('*'));

    // Wrong secret; a person's account with its right password.
    expect_problem(
        client_token(app, "assessment", "Wrong-secret-2026-x").await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        None,
    )
    .await;
    expect_problem(
        client_token(app, "root", "root-password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        None,
    )
    .await;
    let actions = session_audit_actions(app).await;
    for a in ["login_client", "login_failed", "login_refused_not_client"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }

    // Retired by the security administrator: the live token ends with the next request.
    expect_status(
        app.delete(&format!("/v1/users/{account}"), &app.secadmin_token())
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get("/v1/events?after=0&limit=1", &token).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    )
    .await;
}

/// The identity services once minted for themselves (user 0, role `service`, no account row)
/// is refused: every token needs a live account.
#[tokio::test]
async fn a_self_minted_service_identity_is_refused() {
    let app = spawn_app().await;
    let minted = app
        .keys
        .issue(0, "assessment-service", Role::Service, None, Utc::now())
        .unwrap();
    expect_problem(
        app.get("/v1/events?after=0&limit=1", &minted).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    )
    .await;
}

/// Introspection (RFC 7662) tells a service account whether a token's session is live; a
/// person may not ask.
#[tokio::test]
async fn introspection_answers_service_accounts_only() {
    let app = spawn_app().await;
    service_account(&app, "assessment").await;
    let service = expect_status(
        client_token(&app, "assessment", SERVICE_SECRET).await,
        StatusCode::OK,
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let person = root_signs_in(&app).await;
    async fn ask(app: &TestApp, service: &str, token: &str) -> reqwest::Response {
        app.post("/v1/auth/introspect", service, &json!({ "token": token }))
            .await
    }
    let live = expect_status(ask(&app, &service, &person).await, StatusCode::OK).await;
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(live["sub"], app.sysadmin_id.to_string());
    let forged = expect_status(ask(&app, &service, "not.a.token").await, StatusCode::OK).await;
    assert_eq!(forged, json!({"active": false}));
    expect_problem(
        app.post("/v1/auth/introspect", &person, &json!({ "token": person }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let r = app.post("/v1/auth/logout", &person, &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let ended = expect_status(ask(&app, &service, &person).await, StatusCode::OK).await;
    assert_eq!(ended, json!({"active": false}));
}

/// A stand-in identity provider: its key set served over HTTP, as a provider's `jwks_uri`.
async fn identity_provider(keys: &[&SigningKey]) -> String {
    let set = json!({"keys": keys.iter().map(|k| k.public.jwk()).collect::<Vec<_>>()});
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let set = set.clone();
        actix_web::App::new().route(
            "/jwks",
            actix_web::web::get().to(move || {
                let set = set.clone();
                async move { actix_web::HttpResponse::Ok().json(set) }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}/jwks")
}

/// The provider's token for `username`, signed by `key`, with these claims changed.
fn provider_token(key: &SigningKey, username: &str, change: impl FnOnce(&mut Value)) -> String {
    let now = Utc::now().timestamp();
    let mut claims = json!({"iss": "https://sso.example.gov.cn", "aud": "parallel-approval",
        "sub": "u-4711", "iat": now, "exp": now + 300, "preferred_username": username});
    change(&mut claims);
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(key.public.kid.clone());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(&key.pkcs8),
    )
    .unwrap()
}

/// 统一身份认证: the external provider's token becomes a session of the account it names;
/// another audience, an unknown key, a shared-secret signature and a user without an account
/// here are refused, each with its reason; every attempt is audited.
#[tokio::test]
async fn an_identity_provider_s_token_signs_in_the_account_it_names() {
    let idp = SigningKey::generate();
    let jwks_url = identity_provider(&[&idp]).await;
    let app = spawn_app_with(|c| {
        c.jwt.oidc = Some(platform::config::OidcSettings {
            issuer: "https://sso.example.gov.cn".into(),
            jwks_url,
            audience: "parallel-approval".into(),
            username_claim: "preferred_username".into(),
        })
    })
    .await;
    let exchange = |token: String| {
        let body = json!({ "token": token });
        let app = &app;
        async move { app.post("/v1/auth/oidc", "", &body).await }
    };

    let answer = expect_status(
        exchange(provider_token(&idp, "root", |_| {})).await,
        StatusCode::OK,
    )
    .await;
    assert!(answer["refresh_token"].is_string(), "{answer}");
    let me = expect_status(
        app.get("/v1/auth/me", answer["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("root"), Some("sysadmin"))
    );

    let refused = [
        (
            provider_token(&idp, "root", |c| c["aud"] = json!("another-client")),
            "not for",
        ),
        (
            provider_token(&idp, "root", |c| c["iss"] = json!("https://evil.example")),
            "not issued by",
        ),
        (
            provider_token(&idp, "root", |c| {
                c["exp"] = json!(Utc::now().timestamp() - 600)
            }),
            "expired",
        ),
        (
            provider_token(&SigningKey::generate(), "root", |_| {}),
            "does not publish",
        ),
        (
            jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                &json!({"iss": "https://sso.example.gov.cn", "aud": "parallel-approval", "sub": "x",
                        "exp": Utc::now().timestamp() + 300, "preferred_username": "root"}),
                &jsonwebtoken::EncodingKey::from_secret(b"guessable"),
            )
            .unwrap(),
            "HS256",
        ),
    ];
    for (token, why) in refused {
        let p = expect_problem(
            exchange(token).await,
            StatusCode::UNAUTHORIZED,
            "oidc_token_invalid",
            None,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains(why), "{why}: {p}");
    }
    expect_problem(
        exchange(provider_token(&idp, "nobody-here", |_| {})).await,
        StatusCode::UNAUTHORIZED,
        "oidc_unknown_account",
        None,
    )
    .await;

    let actions = session_audit_actions(&app).await;
    for a in ["login_oidc", "login_oidc_failed", "login_oidc_refused"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

/// Without a provider configured the exchange says so (404 `oidc_not_configured`: nothing is
/// down, the deployment has no such sign-in).
#[tokio::test]
async fn without_an_identity_provider_the_exchange_is_not_configured() {
    let app = spawn_app().await;
    expect_problem(
        app.post("/v1/auth/oidc", "", &json!({"token": "x.y.z"}))
            .await,
        StatusCode::NOT_FOUND,
        "oidc_not_configured",
        None,
    )
    .await;
}

/// `SERVICE_ACCOUNTS` at start: the account is created; a changed secret replaces the stored
/// one and ends the tokens of the old one; a person's account name is refused.
#[tokio::test]
async fn provisioned_service_accounts_rotate_their_secret() {
    let app = spawn_app().await;
    let (first, second) = (
        "first-secret-0123456789abcdef",
        "second-secret-0123456789abcdef",
    );
    let provision = |secret: &str| {
        let accounts = [("kaohe".to_string(), secret.to_string())];
        let db = app.db.clone();
        async move { approval::startup::provision_service_accounts(&db, &accounts, Utc::now()).await }
    };
    provision(first).await.unwrap();
    let old = expect_status(client_token(&app, "kaohe", first).await, StatusCode::OK).await
        ["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The same secret again (every restart) changes nothing; another one rotates it. (No
    // request with the old token before: the session check's per-user cache stays empty.)
    provision(first).await.unwrap();
    provision(second).await.unwrap();
    expect_problem(
        app.get("/v1/events?after=0&limit=1", &old).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    )
    .await;
    expect_problem(
        client_token(&app, "kaohe", first).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        None,
    )
    .await;
    expect_status(client_token(&app, "kaohe", second).await, StatusCode::OK).await;
    let rotations = session_audit_actions(&app)
        .await
        .into_iter()
        .filter(|a| a == "service_secret_rotated")
        .count();
    assert_eq!(rotations, 1, "the unchanged secret rotated nothing");
    let err = approval::startup::provision_service_accounts(
        &app.db,
        &[("root".to_string(), second.to_string())],
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not a service account"), "{err}");
}
