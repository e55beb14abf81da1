//! Traces exported over OTLP/HTTP (protobuf) to a receiver inside the test: with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, a request's span arrives at `POST /v1/traces` under the
//! trace id the service answered in `x-trace-id` (and in problem+json `trace_id`), continuing
//! the caller's `traceparent`; a case command's transaction span carries `case.no`.
//!
//! Its own test binary: the tracing subscriber is global to a process, and this one must be
//! installed with the exporter before anything else logs.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use platform::auth::Role;
use prost::Message;
use reqwest::StatusCode;
use serde_json::json;

type Received = Arc<Mutex<Vec<(Vec<u8>, Span)>>>;

/// A minimal OTLP/HTTP receiver: decodes each export and keeps its spans with their trace id.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let store = got.clone();
    let server = HttpServer::new(move || {
        let store = store.clone();
        App::new().route(
            "/v1/traces",
            web::post().to(move |body: web::Bytes, req: actix_web::HttpRequest| {
                let store = store.clone();
                async move {
                    assert_eq!(
                        req.headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok()),
                        Some("application/x-protobuf"),
                        "OTLP/HTTP protobuf"
                    );
                    let export = ExportTraceServiceRequest::decode(body.as_ref())
                        .expect("an OTLP trace export");
                    let mut spans = store.lock().unwrap();
                    for rs in export.resource_spans {
                        for ss in rs.scope_spans {
                            for s in ss.spans {
                                spans.push((s.trace_id.clone(), s));
                            }
                        }
                    }
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    (format!("http://{addr}"), got)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attr(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|a| a.key == key).and_then(|a| {
        match a.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(s) => Some(s.clone()),
            AnyValue::IntValue(i) => Some(i.to_string()),
            other => Some(format!("{other:?}")),
        }
    })
}

/// Flush the exporter (blocking, off the runtime) and wait until `want` holds.
async fn until(got: &Received, want: impl Fn(&[(Vec<u8>, Span)]) -> bool) {
    for _ in 0..50 {
        tokio::task::spawn_blocking(platform::telemetry::flush)
            .await
            .unwrap();
        if want(&got.lock().unwrap()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let names: Vec<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, s)| s.name.clone())
        .collect();
    panic!("the spans wanted never arrived; got {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_spans_reach_the_otlp_receiver_under_the_answered_trace_id() {
    let (endpoint, got) = receiver().await;
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
    std::env::set_var("OTEL_SERVICE_NAME", "approval-test");
    assert!(platform::telemetry::export_enabled());
    platform::telemetry::init_service("approval", "info");
    let app = helpers::spawn_app().await;

    // A problem: its trace id in the header and the body, and the request's span exported
    // under that id with the route template as its name.
    let r = app.get("/v1/cases/424242", &app.sysadmin_token).await;
    let trace_id = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let problem = helpers::expect_status(r, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["trace_id"], trace_id.as_str(), "{problem}");
    until(&got, |spans| spans.iter().any(|(t, _)| hex(t) == trace_id)).await;
    {
        let spans = got.lock().unwrap();
        let (_, span) = spans.iter().find(|(t, _)| hex(t) == trace_id).unwrap();
        assert_eq!(span.name, "GET /v1/cases/{id}", "{span:?}");
        assert_eq!(attr(span, "http.route").as_deref(), Some("/v1/cases/{id}"));
        assert_eq!(attr(span, "http.status_code").as_deref(), Some("404"));
    }

    // A caller's traceparent is continued: same trace id, answered and exported.
    let upstream = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("traceparent", format!("00-{upstream}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-trace-id"], upstream);
    until(&got, |spans| spans.iter().any(|(t, _)| hex(t) == upstream)).await;

    // A case submitted: the transaction's span and the request's span carry `case.no`.
    let dept = app.create_department("OT").await;
    let r = app
        .post(
            "/v1/items",
            &app.sysadmin_token,
            &helpers::item_body("OT-1", dept),
        )
        .await;
    let item_trace = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    helpers::expect_status(r, StatusCode::CREATED).await;
    // Every write's transaction has its span, here the catalogue's, under the request's.
    let in_item_trace = |spans: &[(Vec<u8>, Span)], name: &str| {
        spans
            .iter()
            .find(|(t, s)| hex(t) == item_trace && s.name == name)
            .map(|(_, s)| s.clone())
    };
    until(&got, |spans| {
        in_item_trace(spans, "db.transaction catalogue.create_item").is_some()
            && in_item_trace(spans, "POST /v1/items").is_some()
    })
    .await;
    {
        let spans = got.lock().unwrap();
        let tx = in_item_trace(&spans, "db.transaction catalogue.create_item").unwrap();
        let root = in_item_trace(&spans, "POST /v1/items").unwrap();
        assert_eq!(tx.parent_span_id, root.span_id);
        assert_eq!(
            attr(&tx, "db.operation").as_deref(),
            Some("catalogue.create_item")
        );
    }
    let clerk = app.token(Role::Clerk, None);
    let r = app
        .post(
            "/v1/cases",
            &clerk,
            &json!({
                "item_code": "OT-1",
                "applicant": {"kind": "person", "name": "张三", "id_number": "11010519491231002X"},
                "materials": [
                    {"item_code": "OT-1", "material_code": "M01"},
                    {"item_code": "OT-1", "material_code": "M02"}
                ]
            }),
        )
        .await;
    let trace_id = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let case = helpers::expect_status(r, StatusCode::CREATED).await;
    let case_no = case["case_no"].as_str().unwrap().to_string();
    let has = |spans: &[(Vec<u8>, Span)], name: &str| {
        spans.iter().any(|(t, s)| {
            hex(t) == trace_id && s.name == name && attr(s, "case.no").as_deref() == Some(&case_no)
        })
    };
    until(&got, |spans| {
        has(spans, "db.transaction case.submit") && has(spans, "POST /v1/cases")
    })
    .await;
    // The transaction is a child of the request's span.
    {
        let spans = got.lock().unwrap();
        let root = spans
            .iter()
            .find(|(t, s)| hex(t) == trace_id && s.name == "POST /v1/cases")
            .unwrap();
        let tx = spans
            .iter()
            .find(|(t, s)| hex(t) == trace_id && s.name == "db.transaction case.submit")
            .unwrap();
        assert_eq!(tx.1.parent_span_id, root.1.span_id);
    }

    // A job run on demand: its span, a child of the request's, with the job and the outcome.
    let sup = app.token(Role::Supervisor, None);
    let r = app
        .post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
        .await;
    let trace_id = r.headers()["x-trace-id"].to_str().unwrap().to_string();
    helpers::expect_status(r, StatusCode::OK).await;
    let named = |spans: &[(Vec<u8>, Span)], name: &str| {
        spans
            .iter()
            .find(|(t, s)| hex(t) == trace_id && s.name == name)
            .map(|(_, s)| s.clone())
    };
    let route = "POST /v1/supervision/jobs/{job}/run";
    until(&got, |spans| {
        named(spans, "job sweep").is_some() && named(spans, route).is_some()
    })
    .await;
    let spans = got.lock().unwrap();
    let (job, request) = (
        named(&spans, "job sweep").unwrap(),
        named(&spans, route).unwrap(),
    );
    assert_eq!(attr(&job, "job").as_deref(), Some("sweep"));
    assert_eq!(attr(&job, "outcome").as_deref(), Some("ran"));
    assert_eq!(job.parent_span_id, request.span_id);
}
