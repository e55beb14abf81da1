//! `/metrics` scraped like Prometheus does, after a case's life: requests counted by route
//! template (never the raw path) and status, latency histograms, the sweep's figures, the
//! outbox's depth and age on the injected clock, job runs by outcome; the text parses strictly
//! as the exposition format (a parser here: `prometheus-parse` 0.2 silently drops samples whose
//! label values hold `{`, as route templates do). Every answer carries `x-trace-id`, and a problem the same `trace_id`.

use std::collections::HashMap;

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cases::hohhot;
use crate::helpers::*;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub labels: HashMap<String, String>,
    pub value: f64,
}

/// One scrape, parsed strictly ([`parse_exposition`]).
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
    /// `# TYPE` of each family.
    pub types: HashMap<String, String>,
}

impl Scrape {
    /// The value of the first sample of `name` with these labels, 0 when there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels).map(|s| s.value).unwrap_or(0.0)
    }

    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&Sample> {
        self.samples.iter().find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
        })
    }

    /// The label values of `label` over every sample of `name`.
    pub fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| s.labels.get(label).cloned())
            .collect()
    }

    /// A histogram's buckets (`le` → cumulative count) for these labels, in order.
    pub fn buckets(&self, family: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        assert_eq!(
            self.types.get(family).map(String::as_str),
            Some("histogram")
        );
        let name = format!("{family}_bucket");
        self.samples
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
            })
            .map(|s| {
                let le = &s.labels["le"];
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                (le, s.value)
            })
            .collect()
    }
}

fn name_ok(n: &str) -> bool {
    n.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{a="x",b="y\"z"}` → labels; strict about quoting and escapes (a label value may hold any
/// character, `{` and `}` of a route template included).
fn parse_labels<'a>(line: &str, mut rest: &'a str) -> (HashMap<String, String>, &'a str) {
    let mut labels = HashMap::new();
    rest = rest.strip_prefix('{').unwrap();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let (name, r) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad label in: {line}"));
        assert!(name_ok(name), "bad label name in: {line}");
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    _ => panic!("bad escape in: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in: {line}"),
            }
        };
        assert!(
            labels.insert(name.to_string(), value).is_none(),
            "label twice in: {line}"
        );
        rest = &r[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// A strict parse of the text exposition format (0.0.4): every line is a `# HELP`, a `# TYPE`
/// with a known type given before the family's samples, or `name{labels} value` with valid
/// names, quoted label values and a number.
pub fn parse_exposition(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            assert!(name_ok(name), "bad HELP line: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            assert!(name_ok(name), "bad TYPE line: {line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "bad TYPE line: {line}"
            );
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "TYPE twice: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment line: {line}");
        let end = line
            .find(|c: char| c == '{' || c == ' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..end];
        assert!(name_ok(name), "bad metric name: {line}");
        let (labels, rest) = if line[end..].starts_with('{') {
            parse_labels(line, &line[end..])
        } else {
            (HashMap::new(), &line[end..])
        };
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample without a TYPE: {line}");
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    (samples, types)
}

pub async fn scrape(client: &reqwest::Client, base: &str) -> Scrape {
    let r = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = r.text().await.unwrap();
    let (samples, types) = parse_exposition(&text);
    Scrape {
        text,
        samples,
        types,
    }
}

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
        let r = app.get(&format!("/v1/cases/{id}"), &app.admin_token).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert!(is_trace_id(r.headers()["x-trace-id"].to_str().unwrap()));
    }
    // A problem carries the trace id of its answer.
    let r = app.get("/v1/cases/999999", &app.admin_token).await;
    let header = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let problem = expect_status(r, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["trace_id"], header.as_str(), "{problem}");
    assert!(is_trace_id(&header));
    // A path no route matches is counted as `unmatched`, not by its path.
    let r = app.get_anon("/v1/no-such-thing/12345").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

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
