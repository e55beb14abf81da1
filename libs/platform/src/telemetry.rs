//! Structured logs and traces with tracing: logs as JSON when `LOG_FORMAT=json`, human-readable
//! otherwise; traces through OpenTelemetry (`tracing-opentelemetry`), exported over OTLP/HTTP
//! (protobuf) **only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set** (the standard OpenTelemetry
//! variables apply: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_SERVICE_NAME`, `OTEL_BSP_SCHEDULE_DELAY` …).
//!
//! Spans are made either way, so every request has a W3C trace id: an incoming `traceparent`
//! is continued, else a new trace starts. The id is answered in the `x-trace-id` header and
//! in problem+json (`trace_id`) whether or not it is exported, so a client's report can be
//! found in the logs (the request's log lines carry `trace_id` too). Where no subscriber is
//! installed (a library test), [`crate::observe`] makes a random id of the same shape.

use std::sync::OnceLock;

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer, Registry};

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Which spans become OpenTelemetry spans: the services' own at info and above (requests,
/// transactions, job runs), not the HTTP and database client crates' internals.
const SPAN_FILTER: &str =
    "info,sqlx=warn,sea_orm=warn,hyper=off,hyper_util=off,h2=off,reqwest=off,tower=off";

/// The variable that switches the export on.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Logs (and traces, without a service name of its own): for tests and tools.
pub fn init(default_filter: &str) {
    init_service("parallel-approval", default_filter);
}

/// Install the subscriber for `service` (the OTLP `service.name` unless `OTEL_SERVICE_NAME`
/// says otherwise). A second call (tests) keeps the first subscriber.
pub fn init_service(service: &str, default_filter: &str) {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    let fmt_layer: Box<dyn Layer<Registry> + Send + Sync> = if json {
        fmt::layer()
            .json()
            .with_target(false)
            .with_filter(filter())
            .boxed()
    } else {
        fmt::layer()
            .with_target(false)
            .with_filter(filter())
            .boxed()
    };
    let provider = match tracer_provider(service) {
        Ok(p) => p,
        Err(e) => {
            // A malformed endpoint must not keep the service from starting: log, go on
            // without export.
            eprintln!("OpenTelemetry: {e}; traces are not exported");
            base_provider(service).build()
        }
    };
    let tracer = provider.tracer(service.to_string());
    // Spans at info and above whatever RUST_LOG says (a quiet log must not lose the trace ids),
    // never the HTTP client's own (the exporter's requests would trace themselves).
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(EnvFilter::new(SPAN_FILTER))
        .boxed();
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    if tracing_subscriber::registry()
        .with(vec![fmt_layer, otel_layer])
        .try_init()
        .is_ok()
    {
        let _ = PROVIDER.set(provider);
    }
}

fn base_provider(service: &str) -> opentelemetry_sdk::trace::TracerProviderBuilder {
    let name = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| service.to_string());
    SdkTracerProvider::builder().with_resource(
        opentelemetry_sdk::Resource::builder()
            .with_service_name(name)
            .build(),
    )
}

/// Whether traces are exported: `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-only variable)
/// set and not empty.
pub fn export_enabled() -> bool {
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ENDPOINT_VAR]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

fn tracer_provider(service: &str) -> Result<SdkTracerProvider, String> {
    let builder = base_provider(service);
    if !export_enabled() {
        return Ok(builder.build());
    }
    // The builder reads the endpoint (appending `/v1/traces`), headers and timeout from the
    // standard variables.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()
        .map_err(|e| format!("OTLP exporter: {e}"))?;
    Ok(builder.with_batch_exporter(exporter).build())
}

/// Send the spans still buffered (blocking: call it off the async runtime's threads).
pub fn flush() {
    if let Some(p) = PROVIDER.get() {
        if let Err(e) = p.force_flush() {
            tracing::warn!(error = %e, "OpenTelemetry: flush failed");
        }
    }
}

/// Flush and stop the exporter at the end of the process (blocking).
pub fn shutdown() {
    if let Some(p) = PROVIDER.get() {
        let _ = p.shutdown();
    }
}

/// The W3C trace id of `span` (32 lowercase hex digits), when it has one: a subscriber with
/// the OpenTelemetry layer is installed.
pub fn span_trace_id(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// What the code answering a request knows of it: its trace id and its root span.
#[derive(Clone)]
pub struct RequestContext {
    pub trace_id: String,
    pub root: tracing::Span,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// Run `f` as part of the request `cx` ([`current_trace_id`], [`current_root_span`]).
pub async fn within_request<F: std::future::Future>(cx: RequestContext, f: F) -> F::Output {
    REQUEST.scope(cx, f).await
}

/// [`within_request`] for synchronous code.
pub fn sync_within_request<R>(cx: RequestContext, f: impl FnOnce() -> R) -> R {
    REQUEST.sync_scope(cx, f)
}

/// The trace id of the request being answered, if any.
pub fn current_trace_id() -> Option<String> {
    REQUEST.try_with(|cx| cx.trace_id.clone()).ok()
}

/// The root span of the request being answered, if any.
pub fn current_root_span() -> Option<tracing::Span> {
    REQUEST.try_with(|cx| cx.root.clone()).ok()
}
