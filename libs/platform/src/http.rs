//! actix-web glue shared by the services: query/path errors and unknown routes as problems.

use actix_web::{HttpRequest, HttpResponse};

use crate::error::ApiError;

/// A query string that does not parse: 400 `invalid_query`, naming the field when serde does.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let msg = err.to_string();
    let field = msg.split('`').nth(1).map(str::to_string);
    ApiError::BadRequest {
        code: "invalid_query",
        message: format!("query string: {msg}"),
        field,
    }
    .into()
}

/// A path segment that does not parse (e.g. `/items/abc`): 400 `invalid_path`.
/// The segment to blame is the first one that is not a whole number (every typed path
/// segment of the services is an integer id or a year), else the only one.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    let segments: Vec<(String, String)> = req
        .match_info()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let field = segments
        .iter()
        .find(|(_, v)| v.parse::<i64>().is_err())
        .or(if segments.len() == 1 {
            segments.first()
        } else {
            None
        })
        .map(|(k, _)| k.clone());
    let message = match &field {
        Some(f) => format!("path segment `{f}`: {err}"),
        None => format!("path: {err}"),
    };
    ApiError::BadRequest {
        code: "invalid_path",
        message,
        field,
    }
    .into()
}

/// Unknown routes answer with a problem too: 405 (with `Allow`) when the path is one the
/// service documents under other methods ([`RouteTable`] as app data), else 404.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let table = req.app_data::<actix_web::web::Data<RouteTable>>();
    if let Some(allowed) = table.and_then(|t| t.allowed(req.path())) {
        let err = ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().to_string(),
        };
        let mut res = actix_web::ResponseError::error_response(&err);
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
            res.headers_mut().insert(actix_web::http::header::ALLOW, v);
        }
        return Ok(res);
    }
    Err(ApiError::NotFound {
        resource: "route",
        id: format!("{} {}", req.method(), req.path()),
    })
}

/// The documented paths and their methods, read from the service's OpenAPI document, so a
/// known path asked with another method (TRACE, PATCH …) is 405, not 404.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(|seg| (!seg.starts_with('{')).then(|| seg.to_string()))
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("TRACE", item.trace.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods documented for `path`, when some route matches it. A literal segment
    /// beats a template (`/webhooks/run` is not `/webhooks/{id}`), as in the router.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(pattern, _)| {
                pattern.len() == segs.len()
                    && pattern
                        .iter()
                        .zip(&segs)
                        .all(|(p, s)| p.as_deref().is_none_or(|p| p == *s) && !s.is_empty())
            })
            .max_by_key(|(pattern, _)| pattern.iter().filter(|p| p.is_some()).count())
            .map(|(_, methods)| methods.clone())
    }
}

/// A query string deserialised like a JSON body: the error names the parameter
/// (`limit`, `from`), unknown parameters are refused where the type says
/// `deny_unknown_fields`, and no value may carry a control or bidi-override character.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T> ValidQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ValidQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Parse a raw query string into `T`, naming the parameter on every error.
pub fn parse_query<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
        crate::text::check(&name, &name)?;
        crate::text::check(&name, &value)?;
        crate::limits::check_text(&name, &value)?;
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.into_inner().to_string();
        let named = msg.split('`').nth(1).map(str::to_string);
        let field = if msg.starts_with("unknown field") || msg.starts_with("missing field") {
            named
        } else if path != "." && !path.is_empty() {
            Some(path)
        } else {
            named
        };
        let message = match &field {
            Some(f) => format!("query parameter `{f}`: {msg}"),
            None => format!("query string: {msg}"),
        };
        ApiError::BadRequest {
            code: "invalid_query",
            message,
            field,
        }
    })
}

impl<T: serde::de::DeserializeOwned> actix_web::FromRequest for ValidQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ValidQuery))
    }
}

/// For routes that take no query parameters: any parameter is refused (400 `invalid_query`
/// naming it), as the list routes refuse unknown ones.
#[derive(Debug, Clone, Copy)]
pub struct NoQuery;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

impl actix_web::FromRequest for NoQuery {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(parse_query::<Nothing>(req.query_string()).map(|_| NoQuery))
    }
}

/// The largest request head (request line and headers) the services read, bytes, and the most
/// header lines. The product's own defaults, below the HTTP layer's hard limits (128 KiB and
/// 96 headers, where actix-http closes the connection with a bare 431 the application never
/// sees).
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
pub const MAX_HEADERS: usize = 64;

/// 431 as problem+json when the head is over [`MAX_HEAD_BYTES`] or [`MAX_HEADERS`].
pub fn head_too_large(req: &actix_web::dev::ServiceRequest) -> Option<ApiError> {
    let headers = req.headers();
    let count = headers.len();
    let bytes: usize = req.uri().to_string().len()
        + headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.as_bytes().len() + 4)
            .sum::<usize>();
    if count > MAX_HEADERS || bytes > MAX_HEAD_BYTES {
        Some(ApiError::HeadersTooLarge {
            limit: MAX_HEAD_BYTES,
            max_headers: MAX_HEADERS,
        })
    } else {
        None
    }
}

/// Turn the bodyless answers of the HTTP layer (405 from a route's method guard, 404 from a
/// resource without a matching route) into problem+json. An answer a handler wrote with a
/// content type of its own (a problem already, or an HTML page saying 404) is left as it is.
/// Used with `actix_web::middleware::ErrorHandlers`.
pub fn bodyless_to_problem<B: actix_web::body::MessageBody + 'static>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::http::header;
    let status = res.status();
    // actix answers a body over `web::PayloadConfig`'s limit in plain text: that one is
    // turned into a problem too.
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let has_body_of_its_own = if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        is_problem
    } else {
        res.headers().contains_key(header::CONTENT_TYPE)
    };
    if has_body_of_its_own {
        return Ok(actix_web::middleware::ErrorHandlerResponse::Response(
            res.map_into_left_body(),
        ));
    }
    let (req, old) = res.into_parts();
    let err = match status {
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().to_string(),
        },
        actix_web::http::StatusCode::NOT_FOUND => ApiError::NotFound {
            resource: "route",
            id: format!("{} {}", req.method(), req.path()),
        },
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: req
                .app_data::<actix_web::web::Data<crate::json::BodyLimit>>()
                .map_or_else(|| crate::json::BodyLimit::default().0, |l| l.0),
        },
        _ => {
            return Ok(actix_web::middleware::ErrorHandlerResponse::Response(
                actix_web::dev::ServiceResponse::new(req, old).map_into_left_body(),
            ))
        }
    };
    let mut new = actix_web::ResponseError::error_response(&err);
    if let Some(allow) = old.headers().get(header::ALLOW) {
        new.headers_mut().insert(header::ALLOW, allow.clone());
    }
    Ok(actix_web::middleware::ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// The edge middleware both services wrap their app in, innermost first: bodyless 404/405
/// answers turned into problems.
pub fn problem_handlers<B: actix_web::body::MessageBody + 'static>(
) -> actix_web::middleware::ErrorHandlers<B> {
    actix_web::middleware::ErrorHandlers::new()
        .handler(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            bodyless_to_problem,
        )
        .handler(actix_web::http::StatusCode::NOT_FOUND, bodyless_to_problem)
        .handler(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            bodyless_to_problem,
        )
}

/// For `App::wrap_fn`: a request head over the limits is answered 431 before the app.
pub fn head_guard<S, B>(
    req: actix_web::dev::ServiceRequest,
    srv: &S,
) -> futures_util::future::Either<
    std::future::Ready<Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>>,
    S::Future,
>
where
    S: actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
{
    use futures_util::future::Either;
    match head_too_large(&req) {
        Some(e) => Either::Left(std::future::ready(Err(e.into()))),
        None => Either::Right(srv.call(req)),
    }
}

/// Security headers on every answer (HTML consoles and JSON alike).
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
}
