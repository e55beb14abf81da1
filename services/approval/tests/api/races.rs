//! Read-modify-write of complaints and cards is guarded in the `UPDATE` itself (version and
//! status): of many concurrent identical requests exactly one changes the row, the others are
//! 409 — on PostgreSQL, where they really run at once, as on SQLite.

use futures_util::future::join_all;
use platform::auth::Role;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::cases::hohhot;
use crate::helpers::*;

#[tokio::test]
async fn concurrent_complaint_steps_and_card_revocations_change_the_row_once() {
    let h = hohhot().await;
    let case = h.submit().await;
    let id = file_complaint(&h.app, case["case_no"].as_str().unwrap()).await;
    let sup = h.app.token(Role::Supervisor, None);
    let dept = h.dept_of["HHHT-SWJ-001"];
    let many = |path: String, body: serde_json::Value, token: String| {
        let app = &h.app;
        async move {
            let calls = (0..8).map(|_| app.post(&path, &token, &body));
            join_all(calls)
                .await
                .into_iter()
                .map(|r| r.status())
                .collect::<Vec<_>>()
        }
    };
    let ok = |v: &[StatusCode]| v.iter().filter(|s| **s == StatusCode::OK).count();
    let assigned = many(
        format!("/v1/complaints/{id}/assign"),
        json!({"department_id": dept}),
        sup.clone(),
    )
    .await;
    assert_eq!(ok(&assigned), 1, "{assigned:?}");
    assert!(assigned
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT));
    let answered = many(
        format!("/v1/complaints/{id}/answer"),
        json!({"answer": "已核实并整改"}),
        h.reviewer(dept),
    )
    .await;
    assert_eq!(ok(&answered), 1, "{answered:?}");
    let closed = many(format!("/v1/complaints/{id}/close"), json!({}), sup.clone()).await;
    assert_eq!(ok(&closed), 1, "{closed:?}");
    assert_eq!(
        h.app
            .count_rows(&format!(
                "events WHERE kind = 'complaint_closed' AND case_id = {}",
                case["id"]
            ))
            .await,
        1
    );

    // A warning card, revoked by eight supervisors at once.
    h.app.clock.set(at("2026-03-10T15:00:00+08:00"));
    expect_status(
        h.app
            .post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let cards = expect_status(
        h.app.get("/v1/cards?level=warning", &sup).await,
        StatusCode::OK,
    )
    .await;
    let wid = cards["items"][0]["id"].as_i64().expect("a warning card");
    let warnings = || async {
        let s = expect_status(
            h.app
                .get("/v1/statistics?from=2026-03-01&to=2026-03-31", &sup)
                .await,
            StatusCode::OK,
        )
        .await;
        s["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["warnings"].as_i64().unwrap())
            .sum::<i64>()
    };
    let before = warnings().await;
    let revoked = many(
        format!("/v1/cards/{wid}/revoke"),
        json!({"level": "warning", "reason": "系统时钟误差"}),
        sup.clone(),
    )
    .await;
    assert_eq!(ok(&revoked), 1, "{revoked:?}");
    // A revoked card counts nowhere, and the revocation is on the record and the feed.
    assert_eq!(warnings().await, before - 1);
    assert_eq!(
        h.app.count_rows("events WHERE kind = 'card_revoked'").await,
        1
    );
    assert_eq!(
        h.app
            .count_rows("audit_log WHERE action = 'revoke' AND entity = 'card'")
            .await,
        1
    );
}

/// Every database connection of the service terminated, three times, while clients read and
/// write: no answer is a 500 (a lost connection is 503 with `Retry-After`, or recovered).
/// On SQLite there is no server to terminate connections on; the requests still must pass.
#[tokio::test]
async fn terminated_database_connections_are_never_500() {
    let h = hohhot().await;
    let backend = h.app.db.get_database_backend();
    let admin = match backend {
        sea_orm::DatabaseBackend::Postgres => Some(
            sea_orm::Database::connect(std::env::var("TEST_DATABASE_URL").unwrap())
                .await
                .unwrap(),
        ),
        _ => None,
    };
    let name = h.app.database_url.rsplit('/').next().unwrap().to_string();
    let mut statuses = Vec::new();
    for round in 0..3 {
        // Terminate the service's connections while the requests are in flight.
        let terminate = async {
            if let Some(admin) = &admin {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                admin
                    .execute(sea_orm::Statement::from_string(
                        sea_orm::DatabaseBackend::Postgres,
                        format!(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                        ),
                    ))
                    .await
                    .unwrap();
            }
        };
        let calls = (0..20).map(|i| {
            let app = &h.app;
            let clerk = h.clerk.clone();
            async move {
                if i % 2 == 0 {
                    app.get("/v1/cases?limit=5", &app.sysadmin_token)
                        .await
                        .status()
                } else {
                    app.post("/v1/cases", &clerk, &crate::cases::bundle_case())
                        .await
                        .status()
                }
            }
        });
        let (done, ()) = tokio::join!(join_all(calls), terminate);
        statuses.extend(done);
        assert!(
            statuses
                .iter()
                .all(|s| !s.is_server_error() || *s == StatusCode::SERVICE_UNAVAILABLE),
            "round {round}: {statuses:?}"
        );
    }
    assert!(statuses.iter().any(|s| s.is_success()), "{statuses:?}");
}
