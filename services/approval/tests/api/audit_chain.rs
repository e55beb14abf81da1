//! The hash-chained audit trail: verify after changes, an edited row and a deleted row
//! reported with their place and reason, the append-only trigger on both backends, rows of a
//! running transaction left unsealed (PostgreSQL), the retention purge, and the start-up
//! refusal of a retention below six months.

use std::sync::Arc;

use approval::startup::Application;
use platform::clock::ManualClock;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};
use serde_json::{json, Value};

use crate::helpers::*;

fn pg(app: &TestApp) -> bool {
    app.db.get_database_backend() == DatabaseBackend::Postgres
}

/// PostgreSQL: wait until every committed audit row is sealable, i.e. no transaction of the
/// cluster (other tests' databases included) that began before it still runs; the snapshot's
/// `xmin` is cluster-wide. Up to a minute: on a loaded CI machine another test's transaction
/// may run for seconds; the wait ends as soon as it does.
async fn settle(app: &TestApp) {
    if !pg(app) {
        return;
    }
    for _ in 0..1200 {
        if app
            .count_rows(
                "audit_log WHERE hash IS NULL AND \
                 xid >= (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint",
            )
            .await
            == 0
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Verify once every row written so far can be sealed.
async fn verify(app: &TestApp) -> Value {
    settle(app).await;
    verify_now(app).await
}

/// Verify as things stand.
async fn verify_now(app: &TestApp) -> Value {
    expect_status(
        app.get("/v1/audit/verify", &app.auditor_token()).await,
        StatusCode::OK,
    )
    .await
}

/// A few admin changes: departments created and one renamed.
async fn changes(app: &TestApp) {
    let d = app.create_department("AUD-1").await;
    app.create_department("AUD-2").await;
    let mut body = department_body("AUD-1");
    body["name"] = json!("审计一处");
    expect_status(
        app.put(&format!("/v1/departments/{d}"), &app.sysadmin_token, &body)
            .await,
        StatusCode::OK,
    )
    .await;
}

/// What an attacker with database access does first: switch the append-only trigger off.
async fn bypass_trigger(app: &TestApp) {
    let sql = if pg(app) {
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
    } else {
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
    };
    app.db.execute_unprepared(sql).await.unwrap();
}

async fn id_at(app: &TestApp, seq: i64) -> i64 {
    let row = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT id FROM audit_log WHERE chain_seq = {seq}"),
        ))
        .await
        .unwrap()
        .unwrap();
    i64::from(row.try_get::<i32>("", "id").unwrap())
}

#[tokio::test]
async fn the_chain_verifies_after_admin_changes() {
    let app = spawn_app().await;
    changes(&app).await;
    let v = verify(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["sealed"].as_u64().unwrap() >= 4, "{v}");
    assert_eq!(v["pending"], 0);
    assert_eq!(v["first_broken"], Value::Null);
    // More changes are sealed after the earlier ones, and the chain still holds.
    app.create_department("AUD-3").await;
    let again = verify(&app).await;
    assert_eq!(again["ok"], true);
    assert_eq!(
        again["sealed"].as_u64().unwrap(),
        v["sealed"].as_u64().unwrap() + 1
    );
    // Only the security auditor verifies (三权分立): not the supervisor, not the system or
    // the security administrator, whose own changes the trail records.
    for role in [
        platform::auth::Role::Supervisor,
        platform::auth::Role::Sysadmin,
        platform::auth::Role::Secadmin,
    ] {
        expect_problem(
            app.get("/v1/audit/verify", &app.token(role, None)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
}

/// A verified chain, then `sql` run as an attacker with database access would (the trigger
/// bypassed); the verification that follows.
async fn tamper(sql: &str) -> (TestApp, Value) {
    let app = spawn_app().await;
    changes(&app).await;
    assert_eq!(verify(&app).await["ok"], true);
    bypass_trigger(&app).await;
    app.db.execute_unprepared(sql).await.unwrap();
    let v = verify(&app).await;
    (app, v)
}

#[tokio::test]
async fn an_edited_row_is_reported_with_its_place() {
    let (app, v) = tamper("UPDATE audit_log SET actor_name = 'mallory' WHERE chain_seq = 2").await;
    let id = id_at(&app, 2).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(
        v["first_broken"],
        json!({"chain_seq": 2, "id": id, "reason": "row_content_changed"})
    );
}

#[tokio::test]
async fn a_deleted_row_is_reported_missing() {
    let (_app, v) = tamper("DELETE FROM audit_log WHERE chain_seq = 2").await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(
        v["first_broken"],
        json!({"chain_seq": 2, "id": null, "reason": "row_missing"})
    );
}

#[tokio::test]
async fn update_and_delete_through_sql_are_refused() {
    let app = spawn_app().await;
    changes(&app).await;
    // One row left unsealed: its content cannot be changed either.
    let before = verify(&app).await;
    app.create_department("AUD-9").await;
    let count = app.count_rows("audit_log").await;
    for sql in [
        "UPDATE audit_log SET actor_name = 'mallory' WHERE chain_seq = 1",
        "UPDATE audit_log SET actor_name = 'mallory' WHERE hash IS NULL",
        "UPDATE audit_log SET hash = NULL WHERE chain_seq = 1",
        "DELETE FROM audit_log WHERE chain_seq = 1",
        "DELETE FROM audit_log",
    ] {
        let e = app
            .db
            .execute_unprepared(sql)
            .await
            .expect_err(sql)
            .to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    if pg(&app) {
        let e = app
            .db
            .execute_unprepared("TRUNCATE audit_log")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    assert_eq!(app.count_rows("audit_log").await, count);
    assert_eq!(
        app.count_rows("audit_log WHERE actor_name = 'mallory'")
            .await,
        0
    );
    let v = verify(&app).await;
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["sealed"].as_u64().unwrap(),
        before["sealed"].as_u64().unwrap() + 1
    );
}

/// PostgreSQL: while a transaction that wrote an audit row is still running, rows committed
/// after it began stay unsealed; once it ends, its row is sealed before them.
#[tokio::test]
async fn rows_of_a_running_transaction_are_not_sealed_yet() {
    let app = spawn_app().await;
    if !pg(&app) {
        return;
    }
    assert_eq!(verify(&app).await["pending"], 0);
    let other = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let txn = other.begin().await.unwrap();
    txn.execute_unprepared(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id) \
         VALUES (now(), NULL, 'slow-writer', 'create', 'department', '0')",
    )
    .await
    .unwrap();
    // Committed after the slow transaction began.
    app.create_department("AUD-LATE").await;
    let v = verify_now(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["pending"], 1, "{v}");
    assert_eq!(
        app.count_rows(
            "audit_log WHERE entity_id <> '0' AND hash IS NULL AND entity = 'department'"
        )
        .await,
        1
    );
    txn.commit().await.unwrap();
    let v = verify(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["pending"], 0, "{v}");
    // The slow writer's row came first (lower id), and is chained first.
    assert_eq!(
        app.count_rows(
            "audit_log a, audit_log b WHERE a.actor_name = 'slow-writer' \
             AND b.entity = 'department' AND b.entity_id <> '0' AND a.chain_seq < b.chain_seq"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_retention_purge_keeps_the_chain_verifiable() {
    let app = spawn_app().await;
    // Three rows from 200 days ago, written before anything else (lower ids: rows of a
    // database that has run for months), then today's changes.
    let old = (chrono::Utc::now() - chrono::Duration::days(200))
        .format("%Y-%m-%d %H:%M:%S%.6f+00:00")
        .to_string();
    for id in [-3, -2, -1] {
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO audit_log (id, at, actor_id, actor_name, action, entity, entity_id) \
                 VALUES ({id}, '{old}', NULL, 'old', 'create', 'department', '{id}')"
            ))
            .await
            .unwrap();
    }
    changes(&app).await;
    let before = verify(&app).await;
    assert_eq!(before["ok"], true, "{before}");
    let run = expect_status(
        app.post(
            "/v1/supervision/jobs/audit_purge/run",
            &app.sysadmin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        run["detail"],
        json!({"purged": 3, "anchor_seq": 3}),
        "{run}"
    );
    assert_eq!(
        app.count_rows("audit_log WHERE actor_name = 'old'").await,
        0
    );
    let v = verify(&app).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["anchor_seq"], 3);
    assert_eq!(
        v["sealed"].as_u64().unwrap(),
        before["sealed"].as_u64().unwrap() - 3
    );
    // Rows within the retention stay, whatever the trigger is asked.
    let e = app
        .db
        .execute_unprepared("DELETE FROM audit_log WHERE chain_seq = 4")
        .await;
    assert!(e.is_err());
}

#[tokio::test]
async fn startup_refuses_a_retention_below_six_months() {
    let config = test_config().await;
    let audit = approval::audit::AuditSettings {
        retention_days: 179,
        ..Default::default()
    };
    let err = Application::build_audited(
        config,
        test_supervision(),
        approval::state::PublicSettings::default(),
        audit,
        Arc::new(ManualClock::new(chrono::Utc::now())),
    )
    .await
    .err()
    .expect("refused")
    .to_string();
    assert!(
        err.contains("AUDIT_RETENTION_DAYS") && err.contains("180"),
        "{err}"
    );
}

/// Reading a case's applicant data in full and exporting a report leave audit rows with the
/// reader and the client address; the JSON figures do not count as an export.
#[tokio::test]
async fn full_case_reads_and_exports_are_audited() {
    let h = crate::cases::hohhot().await;
    let app = &h.app;
    let case = h.submit().await;
    let id = case["id"].as_i64().unwrap();
    let sup = app.token(platform::auth::Role::Supervisor, None);
    // The clerk reads the applicant's data in full (the supervisor's read is masked and is
    // not a PII read: `pii.rs`).
    expect_status(
        app.get(&format!("/v1/cases/{id}"), &h.clerk).await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.get(&format!("/v1/cases/{id}"), &sup).await,
        StatusCode::OK,
    )
    .await;
    let q = "/v1/statistics?from=2026-06-01&to=2027-03-01";
    expect_status(app.get(q, &sup).await, StatusCode::OK).await;
    let r = app.get(&format!("{q}&format=csv"), &sup).await;
    assert_eq!(r.status(), StatusCode::OK);
    let list = expect_status(
        app.get("/v1/audit?entity=case", &app.auditor_token()).await,
        StatusCode::OK,
    )
    .await;
    let reads: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "read_pii")
        .collect();
    assert_eq!(reads.len(), 1, "{list}");
    assert_eq!(reads[0]["entity_id"], id.to_string());
    assert_eq!(reads[0]["actor_name"], "test-clerk");
    assert_eq!(reads[0]["source"], "127.0.0.1");
    let exports = expect_status(
        app.get("/v1/audit?entity=statistics", &app.auditor_token())
            .await,
        StatusCode::OK,
    )
    .await;
    let items = exports["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{exports}");
    assert_eq!(items[0]["action"], "export");
    assert_eq!(items[0]["entity_id"], "2026-06-01..2027-03-01 csv");
    // They are chained like every other row.
    assert_eq!(verify(app).await["ok"], true);
}
