//! The request edge of observability, shared by both services: the root span of each request
//! (tracing-actix-web, with OpenTelemetry context and a `case.no` field the case code fills),
//! and a middleware that counts the request for `/metrics` by route template and status, times
//! it, and answers the trace id in `x-trace-id` (and in problem+json, see
//! [`crate::telemetry::current_trace_id`]).
//!
//! Wrap order in `App` (outermost last): `.wrap_fn(observe::observe)` just inside
//! `.wrap(TracingLogger::<observe::RootSpan>::new())`, so the middleware runs inside the
//! request's span and sees every answer of the inner layers.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web;
use futures_util::future::LocalBoxFuture;
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

use crate::metrics::{Metrics, UNMATCHED};
use crate::telemetry;

/// The response header carrying the request's trace id.
pub const TRACE_HEADER: &str = "x-trace-id";

/// The root span of a request: tracing-actix-web's (method, route, status, `trace_id`,
/// `otel.*` fields, the incoming `traceparent` continued), plus `case.no`.
pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(request, case.no = tracing::field::Empty)
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Put the case number (`case.no`) on the current span (a transaction's or a job's) and on
/// the request's root span; a span without the field ignores it.
pub fn record_case_no(case_no: &str) {
    Span::current().record("case.no", case_no);
    if let Some(root) = telemetry::current_root_span() {
        root.record("case.no", case_no);
    }
}

/// A trace id from an incoming W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), if valid.
fn traceparent_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get("traceparent")?.to_str().ok()?;
    let mut parts = v.split('-');
    let (_version, id) = (parts.next()?, parts.next()?);
    let ok = id.len() == 32
        && id.bytes().all(|b| b.is_ascii_hexdigit())
        && id.bytes().any(|b| b != b'0');
    ok.then(|| id.to_ascii_lowercase())
}

fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>() | 1)
}

/// The `method` label: the standard methods by name, anything else `other` (a client choosing
/// method names must not create series at will).
fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// For `App::wrap_fn`: count and time the request, answer its trace id.
pub fn observe<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> LocalBoxFuture<'static, Result<ServiceResponse<B>, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let trace_id = telemetry::span_trace_id(&Span::current())
        .or_else(|| traceparent_id(&req))
        .unwrap_or_else(random_id);
    let method = method_label(req.method());
    let started = Instant::now();
    let cx = telemetry::RequestContext {
        trace_id: trace_id.clone(),
        root: Span::current(),
    };
    let fut = telemetry::sync_within_request(cx.clone(), || srv.call(req));
    Box::pin(telemetry::within_request(cx, async move {
        let res = fut.await;
        let took = started.elapsed();
        match res {
            Ok(mut res) => {
                if let Some(m) = &metrics {
                    let route = res
                        .request()
                        .match_pattern()
                        .unwrap_or_else(|| UNMATCHED.to_string());
                    m.observe_request(method, &route, res.status().as_u16(), took);
                }
                if let Ok(v) = HeaderValue::from_str(&trace_id) {
                    res.headers_mut()
                        .insert(HeaderName::from_static(TRACE_HEADER), v);
                }
                Ok(res)
            }
            Err(e) => {
                // Refused before routing (a request head over the limits): no route.
                if let Some(m) = &metrics {
                    let status = e.as_response_error().status_code().as_u16();
                    m.observe_request(method, UNMATCHED, status, took);
                }
                Err(e)
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with_traceparent(v: &str) -> ServiceRequest {
        TestRequest::default()
            .insert_header(("traceparent", v))
            .to_srv_request()
    }

    #[test]
    fn a_valid_traceparent_gives_its_trace_id() {
        let r = with_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
        assert_eq!(
            traceparent_id(&r).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }

    #[test]
    fn a_malformed_or_zero_traceparent_is_ignored() {
        for v in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
            "garbage",
        ] {
            assert_eq!(traceparent_id(&with_traceparent(v)), None, "{v}");
        }
        assert_eq!(
            traceparent_id(&TestRequest::default().to_srv_request()),
            None
        );
    }

    #[test]
    fn random_ids_have_the_w3c_shape() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_standard_methods_are_labels() {
        use actix_web::http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
