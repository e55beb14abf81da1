//! `/metrics` of the assessment service scraped like Prometheus does: the feed figures keep
//! their names and meaning (`assessment_feed_*`), beside the shared kit's requests by route
//! template, latency buckets, job runs by outcome and the outbox; the text parses strictly.
//! Answers carry `x-trace-id`, problems the same `trace_id`.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::exposition::scrape;
use crate::helpers::*;

#[tokio::test]
async fn feed_figures_unchanged_beside_requests_jobs_and_outbox() {
    let s = spawn().await;
    s.submit_case().await;
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let run = expect(
        s.post("/v1/jobs/deliver/run", &assessor, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["ran"], true, "{run}");
    let r = s.get("/v1/results/999999", &assessor).await;
    let header = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let body = problem(r, StatusCode::NOT_FOUND, "not_found", None).await;
    assert_eq!(body["trace_id"], header.as_str(), "{body}");
    assert_eq!(header.len(), 32);

    let m = scrape(&s.client, &s.assessment).await;
    // The feed: the same names as ever, caught up.
    let cursor = m.value("assessment_feed_cursor", &[]);
    assert!(cursor > 0.0, "{}", m.text);
    assert_eq!(m.value("assessment_feed_head", &[]), cursor);
    assert_eq!(m.value("assessment_feed_lag_events", &[]), 0.0);
    assert_eq!(m.value("assessment_feed_halted", &[]), 0.0);
    assert_eq!(m.value("assessment_feed_failing_seconds", &[]), 0.0);
    for family in [
        "assessment_feed_cursor",
        "assessment_feed_head",
        "assessment_feed_lag_events",
        "assessment_feed_halted",
        "assessment_feed_failing_seconds",
    ] {
        assert_eq!(m.types[family], "gauge", "{family}");
    }
    // Requests by route template and status, with their latency buckets.
    assert_eq!(
        m.value(
            "http_requests_total",
            &[
                ("method", "POST"),
                ("route", "/v1/feed/pull"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/v1/results/{id}"),
                ("status", "404")
            ]
        ),
        1.0,
        "{}",
        m.text
    );
    let routes = m.label_values("http_requests_total", "route");
    assert!(
        routes.iter().all(|r| !r.contains("999999")),
        "a raw path became a label: {routes:?}"
    );
    let buckets = m.buckets(
        "http_request_duration_seconds",
        &[("method", "POST"), ("route", "/v1/feed/pull")],
    );
    assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1.0)));
    // Job runs by outcome; every job exported from the start.
    assert_eq!(
        m.value("job_runs_total", &[("job", "deliver"), ("outcome", "ran")]),
        1.0
    );
    assert!(m
        .find(
            "job_runs_total",
            &[("job", "quarterly_run"), ("outcome", "failed")]
        )
        .is_some());
    // The outbox, as its rows say.
    let queued = s
        .count("notices WHERE status IN ('pending', 'sending')")
        .await;
    assert_eq!(m.value("outbox_queue_depth", &[]), queued as f64);
    assert!(m.find("outbox_oldest_pending_age_seconds", &[]).is_some());
    assert!(m.value("db_pool_connections", &[]) >= 1.0);
}
