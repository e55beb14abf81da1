//! `/metrics` scraped like Prometheus does, after a case's life: requests counted by route
//! template (never the raw path) and status, latency histograms, the sweep's figures, the
//! outbox's depth and age on the injected clock, job runs by outcome; the text parses strictly
//! as the exposition format ([`crate::exposition`]). Every answer carries `x-trace-id`, and a problem the same `trace_id`.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::hohhot;
use crate::exposition::scrape;
use crate::helpers::*;

fn is_trace_id(v: &str) -> bool {
    v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) && v != "0".repeat(32)
}

#[tokio::test]
async fn metrics_after_a_case_lifecycle_count_by_route_template_and_show_sweep_and_outbox() {
    let h = hohhot().await;
    let app = &h.app;
    let before = scrape(&app.client, &app.address).await;
    let case_route = [
        ("method", "GET"),
        ("route", "/v1/cases/{id}"),
        ("status", "200"),
    ];
    assert_eq!(before.value("http_requests_total", &case_route), 0.0);
    // Every job is exported before its first run, at 0.
    assert_eq!(
        before.value("job_runs_total", &[("job", "sweep"), ("outcome", "ran")]),
        0.0
    );
    assert!(before
        .text
        .contains("job_runs_total{job=\"sweep\",outcome=\"ran\"} 0"));

    let case = h.submit().await;
    let id = case["id"].as_i64().unwrap();
    for _ in 0..2 {
        let r = app
            .get(&format!("/v1/cases/{id}"), &app.sysadmin_token)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(is_trace_id(r.headers()["x-trace-id"].to_str().unwrap()));
    }
    // A problem carries the trace id of its answer.
    let r = app.get("/v1/cases/999999", &app.sysadmin_token).await;
    let header = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let problem = expect_status(r, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["trace_id"], header.as_str(), "{problem}");
    assert!(is_trace_id(&header));
    // A path no route matches is counted as `unmatched`, not by its path.
    let r = app.get_anon("/v1/no-such-thing/12345").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A method of the client's invention is counted as `other`, not under its name.
    let r = app
        .client
        .request(
            reqwest::Method::from_bytes(b"BREW").unwrap(),
            format!("{}/v1/cases", app.address),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // Late enough that the sweep issues warnings and cards (and queues their notices).
    app.clock.advance(chrono::Duration::days(10));
    let sup = app.token(Role::Supervisor, None);
    let run = expect_status(
        app.post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["ran"], true, "{run}");
    let skipped = expect_status(
        app.post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(skipped["ran"], false, "{skipped}");
    let issued = &run["detail"];
    let kinds = [
        ("warning", "warnings"),
        ("yellow_card", "yellow_cards"),
        ("red_card", "red_cards"),
        ("statutory_breach", "statutory_breaches"),
        ("pause_overdue", "pauses_overdue"),
        ("case_card", "case_cards"),
        ("issuance_overdue", "issuance_overdue"),
        ("unclaimed", "unclaimed"),
    ];
    let total: f64 = kinds
        .iter()
        .map(|(_, field)| issued[field].as_f64().unwrap())
        .sum();
    assert!(total > 0.0, "{issued}");

    // Ten minutes later (the injected clock), nothing delivered yet.
    app.clock.advance(chrono::Duration::minutes(10));
    let after = scrape(&app.client, &app.address).await;
    assert_eq!(
        after.value("http_requests_total", &case_route),
        2.0,
        "{}",
        after.text
    );
    assert_eq!(
        after.value(
            "http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/v1/cases/{id}"),
                ("status", "404")
            ]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/v1/cases"),
                ("status", "201")
            ]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    let methods = after.label_values("http_requests_total", "method");
    assert!(methods.iter().any(|m| m == "other"), "{methods:?}");
    assert!(!methods.iter().any(|m| m == "BREW"), "{methods:?}");
    let routes = after.label_values("http_requests_total", "route");
    assert!(
        routes.iter().all(|r| r
            .split('/')
            .all(|seg| seg != id.to_string() && seg != "12345")),
        "a raw path became a label: {routes:?}"
    );
    // The latency histogram has its buckets, counted like the requests.
    let buckets = after.buckets(
        "http_request_duration_seconds",
        &[("method", "GET"), ("route", "/v1/cases/{id}")],
    );
    assert!(buckets.len() >= 10, "{buckets:?}");
    assert!(buckets
        .windows(2)
        .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    assert_eq!(
        buckets.last(),
        Some(&(f64::INFINITY, 3.0)),
        "two 200s and one 404"
    );
    assert!(after
        .text
        .contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/cases/{id}\",le=\"0.005\"}"));
    // The sweep: one run timed, what it issued by kind, the job runs by outcome.
    assert!(
        after
            .text
            .contains("approval_sweep_duration_seconds_count 1"),
        "{}",
        after.text
    );
    for (kind, field) in kinds {
        assert_eq!(
            after.value("approval_sweep_alerts_total", &[("kind", kind)]),
            issued[field].as_f64().unwrap(),
            "{kind}"
        );
    }
    assert_eq!(
        after.value("job_runs_total", &[("job", "sweep"), ("outcome", "ran")]),
        1.0
    );
    assert_eq!(
        after.value(
            "job_runs_total",
            &[("job", "sweep"), ("outcome", "skipped")]
        ),
        1.0
    );
    assert!(after
        .text
        .contains("job_run_duration_seconds_count{job=\"sweep\"} 1"));
    // The outbox: the cards' notices wait, the oldest for the ten minutes of the clock.
    let depth = after.value("outbox_queue_depth", &[]);
    let queued = app
        .count_rows("notices WHERE status IN ('pending', 'sending')")
        .await;
    assert!(depth > 0.0);
    assert_eq!(depth, queued as f64);
    assert_eq!(after.value("outbox_oldest_pending_age_seconds", &[]), 600.0);
    assert_eq!(
        after.value("outbox_delivery_failures_total", &[("kind", "transient")]),
        0.0
    );
    assert!(after.value("db_pool_connections", &[]) >= 1.0);
    assert!(after.value("db_pool_max_connections", &[]) >= 1.0);

    // Delivered (to the mail folder), the queue is empty again.
    let run = expect_status(
        app.post("/v1/supervision/jobs/deliver/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(run["detail"]["sent"].as_f64().unwrap() > 0.0, "{run}");
    let last = scrape(&app.client, &app.address).await;
    assert_eq!(last.value("outbox_queue_depth", &[]), 0.0);
    assert_eq!(last.value("outbox_oldest_pending_age_seconds", &[]), 0.0);
    assert_eq!(
        last.value("job_runs_total", &[("job", "deliver"), ("outcome", "ran")]),
        1.0
    );
    // The scrapes themselves are requests too, under their own template.
    assert_eq!(
        last.value(
            "http_requests_total",
            &[("method", "GET"), ("route", "/metrics"), ("status", "200")]
        ),
        2.0
    );
}

#[tokio::test]
async fn metrics_take_no_query_and_no_token() {
    let app = spawn_app().await;
    let r = app.get_anon("/metrics").await;
    assert_eq!(r.status(), StatusCode::OK);
    expect_problem(
        app.get_anon("/metrics?x=1").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        Some("x"),
    )
    .await;
}
