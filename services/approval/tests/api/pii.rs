//! 个人信息保护: the applicant's ID number and phone masked for everyone but the window clerk
//! and the case's own departments on the case page (that read audited), sealed at rest with a
//! keyed hash for search, and never in full in the answers kept for idempotent replays.

use approval::cases::vault::{self, PiiVault};
use platform::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::cases::{bundle_case, hohhot};
use crate::helpers::*;

/// The Hohhot case's applicant (`cases::bundle_case`).
const CREDIT_CODE: &str = "91350100M000100Y43";
const PHONE: &str = "0471-0000000";
const CREDIT_MASKED: &str = "913501********0Y43";
const PHONE_MASKED: &str = "047*****0000";

async fn one_text(app: &TestApp, sql: &str) -> Option<String> {
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<Option<String>>("", "v").unwrap()
}

/// Post the Hohhot case with an `Idempotency-Key`.
async fn post_with_key(app: &TestApp, clerk: &str, key: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/cases"))
        .bearer_auth(clerk)
        .header("Idempotency-Key", key)
        .json(&bundle_case())
        .send()
        .await
        .unwrap()
}

/// The Hohhot case submitted with an `Idempotency-Key`; the answer.
async fn submit_with_key(app: &TestApp, clerk: &str, key: &str) -> Value {
    expect_status(post_with_key(app, clerk, key).await, StatusCode::CREATED).await
}

/// What the database holds in `column` of case `id`.
async fn stored(app: &TestApp, column: &str, id: i64) -> String {
    one_text(
        app,
        &format!("SELECT {column} AS v FROM cases WHERE id = {id}"),
    )
    .await
    .unwrap()
}

async fn pii_reads(app: &TestApp, case_id: i64) -> Vec<Value> {
    let page = expect_status(
        app.get(
            &format!("/v1/audit?entity=case&entity_id={case_id}&limit=200"),
            &app.auditor_token(),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "read_pii")
        .cloned()
        .collect()
}

fn applicant(case: &Value) -> (String, String) {
    (
        case["applicant"]["id_number"].as_str().unwrap().to_string(),
        case["applicant"]["phone"].as_str().unwrap().to_string(),
    )
}

/// In full on the case page for the clerk and the staff of a branch's department, each such
/// read audited; masked for the supervisor, the inspector and the administrators (not
/// audited: nothing personal was shown), in every list and in the command's own answer.
#[tokio::test]
async fn only_the_clerk_and_the_case_s_departments_read_it_in_full() {
    let h = hohhot().await;
    let app = &h.app;
    let created = h.submit().await;
    assert_eq!(
        applicant(&created),
        (CREDIT_MASKED.into(), PHONE_MASKED.into()),
        "the submission's answer is masked"
    );
    assert_eq!(created["applicant"]["name"], "呼和浩特示范科技有限公司");
    let id = created["id"].as_i64().unwrap();
    let path = format!("/v1/cases/{id}");
    let dept = created["branches"][0]["department_id"].as_i64().unwrap() as i32;

    for token in [h.clerk.clone(), h.reviewer(dept), h.approver(dept)] {
        let case = expect_status(app.get(&path, &token).await, StatusCode::OK).await;
        assert_eq!(applicant(&case), (CREDIT_CODE.into(), PHONE.into()));
    }
    assert_eq!(pii_reads(app, id).await.len(), 3);

    for token in [
        app.token(Role::Supervisor, None),
        app.token(Role::Inspector, None),
    ] {
        let case = expect_status(app.get(&path, &token).await, StatusCode::OK).await;
        assert_eq!(
            applicant(&case),
            (CREDIT_MASKED.into(), PHONE_MASKED.into())
        );
    }
    assert_eq!(
        pii_reads(app, id).await.len(),
        3,
        "masked reads are not PII reads"
    );

    let list = expect_status(app.get("/v1/cases", &h.clerk).await, StatusCode::OK).await;
    assert_eq!(
        applicant(&list["items"][0]),
        (CREDIT_MASKED.into(), PHONE_MASKED.into())
    );
    // A command's answer is masked too, even for the department that may read it in full.
    let branch = &created["branches"][0];
    let answer = expect_status(
        h.command(
            branch,
            &h.reviewer(dept),
            json!({"command": "start_review"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        applicant(&answer),
        (CREDIT_MASKED.into(), PHONE_MASKED.into())
    );
}

/// At rest the columns hold ciphertext bound to their column; the search by ID number goes
/// through the keyed hash (any case of the letters); the answer kept for an idempotent replay
/// holds neither value in full, and a replay answers the same masked body.
#[tokio::test]
async fn at_rest_it_is_sealed_searchable_and_absent_from_idempotency_rows() {
    let h = hohhot().await;
    let app = &h.app;
    let first = submit_with_key(app, &h.clerk, "pii-1").await;
    let id = first["id"].as_i64().unwrap();
    let stored_id = stored(app, "applicant_id_number", id).await;
    let stored_phone = stored(app, "applicant_phone", id).await;
    for (stored, plain) in [(&stored_id, CREDIT_CODE), (&stored_phone, PHONE)] {
        assert!(stored.starts_with("v1:"), "{stored}");
        assert!(
            !stored.contains(plain) && !stored.contains(&plain[..8]),
            "{stored}"
        );
    }
    let v = PiiVault::derived_from(SECRET);
    assert_eq!(v.open(vault::ID_NUMBER, &stored_id).unwrap(), CREDIT_CODE);
    assert!(
        v.open(vault::PHONE, &stored_id).is_err(),
        "bound to its column"
    );
    let hash = stored(app, "applicant_id_hash", id).await;
    assert_eq!(hash, v.search_hash(CREDIT_CODE));

    let lower = CREDIT_CODE.to_ascii_lowercase();
    for q in [CREDIT_CODE, lower.as_str(), "呼和浩特示范科技有限公司"] {
        let found = expect_status(
            app.get(&format!("/v1/cases?applicant={q}"), &h.clerk).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{q}");
    }
    let none = expect_status(
        app.get("/v1/cases?applicant=110105194912310021", &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["items"], json!([]));

    let kept = one_text(
        app,
        "SELECT body AS v FROM idempotency_keys WHERE key = 'pii-1'",
    )
    .await
    .unwrap();
    assert!(
        !kept.contains(CREDIT_CODE) && !kept.contains(PHONE),
        "{kept}"
    );
    assert!(kept.contains(CREDIT_MASKED), "{kept}");
    let replay = submit_with_key(app, &h.clerk, "pii-1").await;
    assert_eq!(replay, first);
    // The row tells a retry from a reused key by a keyed fingerprint, not a plain hash of the
    // body (which holds the ID number).
    let body = serde_json::to_vec(&bundle_case()).unwrap();
    let fingerprint = one_text(
        app,
        "SELECT fingerprint AS v FROM idempotency_keys WHERE key = 'pii-1'",
    )
    .await
    .unwrap();
    assert_eq!(
        fingerprint,
        v.request_fingerprint("POST", "/v1/cases", &body)
    );
    assert_ne!(
        fingerprint,
        PiiVault::derived_from("another-secret").request_fingerprint("POST", "/v1/cases", &body)
    );
    // A row from before keyed fingerprints (FNV-1a, 16 hex digits) still replays its answer
    // while it lives, and still tells another request apart.
    let legacy = approval::cases::idempotency::legacy_fingerprint("POST", "/v1/cases", &body);
    app.db
        .execute_unprepared(&format!(
            "UPDATE idempotency_keys SET fingerprint = '{legacy}' WHERE key = 'pii-1'"
        ))
        .await
        .unwrap();
    assert_eq!(submit_with_key(app, &h.clerk, "pii-1").await, first);
    app.db
        .execute_unprepared(
            "UPDATE idempotency_keys SET fingerprint = '0123456789abcdef' WHERE key = 'pii-1'",
        )
        .await
        .unwrap();
    expect_problem(
        post_with_key(app, &h.clerk, "pii-1").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        None,
    )
    .await;
}

/// A row written before encryption reads as it is, and the start-up pass seals it once (it
/// is then searchable by its hash and still reads the same); the public lookup and the
/// complaint form still match the applicant's check code.
#[tokio::test]
async fn rows_from_before_encryption_are_sealed_by_the_start_up_pass() {
    let h = hohhot().await;
    let app = &h.app;
    let id = h.submit().await["id"].as_i64().unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE cases SET applicant_id_number = '{CREDIT_CODE}', applicant_phone = '{PHONE}', applicant_id_hash = NULL WHERE id = {id}"
        ))
        .await
        .unwrap();
    let path = format!("/v1/cases/{id}");
    let before = expect_status(app.get(&path, &h.clerk).await, StatusCode::OK).await;
    assert_eq!(applicant(&before), (CREDIT_CODE.into(), PHONE.into()));

    let v = PiiVault::derived_from(SECRET);
    let sealed = approval::cases::store::seal_plaintext_applicants(&app.db, &v)
        .await
        .unwrap();
    assert_eq!(sealed, 1);
    assert_eq!(
        approval::cases::store::seal_plaintext_applicants(&app.db, &v)
            .await
            .unwrap(),
        0,
        "once"
    );
    let stored = stored(app, "applicant_id_number", id).await;
    assert!(stored.starts_with("v1:"), "{stored}");
    let after = expect_status(app.get(&path, &h.clerk).await, StatusCode::OK).await;
    assert_eq!(applicant(&after), (CREDIT_CODE.into(), PHONE.into()));
    let found = expect_status(
        app.get(&format!("/v1/cases?applicant={CREDIT_CODE}"), &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
}
