//! Public pages and JSON of the assessment service (no login): the applicant's rating page
//! (`/public/rate`) and its JSON twin, and the published quarterly ranking (`/public/results`,
//! `/v1/public/results`). Every answer counts against the client address's rate limit
//! (`PUBLIC_RATE_LIMIT` per minute); the pages set no cookie.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use platform::json::ValidJson;
use platform::{ApiError, ApiResult};
use serde::Deserialize;

use crate::cache::RateLimiter;
use crate::console::{escape, page, respond};
use crate::public::{self, CaseCheck, CaseRatings, PublicRatingInput, PublicResult};
use crate::state::AppState;

/// The public pages' own limiter (per client address), apart from the cadre API's.
#[derive(Clone)]
pub struct PublicLimiter(pub RateLimiter);

async fn limit(state: &AppState, limiter: &PublicLimiter, req: &HttpRequest) -> ApiResult<()> {
    // Behind a trusted proxy (`TRUSTED_PROXIES`), the address it forwarded.
    let addr = state.config.trusted_proxies.client_of(req);
    let ns = platform::db::namespace(&state.config.database_url);
    let now = state.now().timestamp().max(0) as u64;
    limiter
        .0
        .check(state.redis.as_ref(), &format!("{ns}:public:{addr}"), now)
        .await
}

/// The applicant's departments of a case: decided or not, their rating and its reply.
#[utoipa::path(post, path = "/v1/public/ratings/status", tag = "public", request_body = CaseCheck, responses(
    (status = 200, body = CaseRatings),
    (status = 404, description = "no case with this number and check code (the same answer for both)", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn status(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
    body: ValidJson<CaseCheck>,
) -> ApiResult<HttpResponse> {
    limit(&state, &limiter, &req).await?;
    Ok(HttpResponse::Ok().json(public::status(&state.db, &body.into_inner()).await?))
}

/// The applicant rates one department of their case (好差评, once per department, after its
/// decision); a 差评 opens verification and rectification, whose answer the status shows.
#[utoipa::path(post, path = "/v1/public/ratings", tag = "public", request_body = PublicRatingInput, responses(
    (status = 201, body = crate::inputs::HaochaResult),
    (status = 404, description = "no case with this number and check code", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, description = "rated already, or not decided yet", body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn rate(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
    body: ValidJson<PublicRatingInput>,
) -> ApiResult<HttpResponse> {
    limit(&state, &limiter, &req).await?;
    Ok(HttpResponse::Created()
        .json(public::rate(&state.db, &state.calendar(), state.now(), body.into_inner()).await?))
}

/// Published quarterly rankings, newest first (结果公开).
#[utoipa::path(get, path = "/v1/public/results", tag = "public", responses(
    (status = 200, body = Vec<PublicResult>),
    (status = 429, description = "over the rate limit; see Retry-After", body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn results(
    _no_query: platform::http::NoQuery,
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
) -> ApiResult<HttpResponse> {
    limit(&state, &limiter, &req).await?;
    Ok(HttpResponse::Ok().json(public::results(&state.db).await?))
}

const LEVELS: [(&str, &str); 5] = [
    ("very_satisfied", "非常满意"),
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("dissatisfied", "不满意"),
    ("very_dissatisfied", "非常不满意"),
];

fn level_zh(l: &str) -> &str {
    LEVELS
        .iter()
        .find(|(k, _)| *k == l)
        .map(|(_, v)| *v)
        .unwrap_or(l)
}

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn check_form(message: Option<&str>) -> String {
    let msg = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<main class=\"login\"><h1>办件评价（好差评）</h1>{msg}\
<form method=\"get\" action=\"/public/rate\">\
<p><label for=\"case_no\">受理编号</label><br><input id=\"case_no\" name=\"case_no\" required maxlength=\"64\"></p>\
<p><label for=\"check\">校验码（身份证号或统一社会信用代码后 6 位）</label><br><input id=\"check\" name=\"check\" required maxlength=\"32\" autocomplete=\"off\"></p>\
<button type=\"submit\">查询</button></form></main>"
    )
}

fn ratings_page(r: &CaseRatings, check: &str, message: Option<&str>) -> String {
    let mut rows = String::new();
    for d in &r.departments {
        let name = escape(d.department_name.as_deref().unwrap_or("部门"));
        let state = match d.outcome.as_deref() {
            Some("approved") => "已办结（准予许可）",
            Some("rejected") => "已办结（不予许可）",
            _ => "办理中",
        };
        let rating = match (&d.rating, d.outcome.is_some()) {
            (Some(l), _) => format!(
                "已评价：{}{}",
                escape(level_zh(l)),
                d.rated_at
                    .map(|t| format!("（{}）", local(t)))
                    .unwrap_or_default()
            ),
            (None, true) => {
                let options: String = LEVELS
                    .iter()
                    .map(|(k, v)| format!("<option value=\"{k}\">{v}</option>"))
                    .collect();
                format!(
                    "<form method=\"post\" action=\"/public/rate\">\
<input type=\"hidden\" name=\"case_no\" value=\"{}\"><input type=\"hidden\" name=\"check\" value=\"{}\">\
<input type=\"hidden\" name=\"department_id\" value=\"{}\">\
<label for=\"level-{id}\">评价</label> <select id=\"level-{id}\" name=\"level\">{options}</select> \
<label for=\"comment-{id}\">意见</label> <input id=\"comment-{id}\" name=\"comment\" maxlength=\"500\"> \
<button type=\"submit\">提交评价</button></form>",
                    escape(&r.case_no),
                    escape(check),
                    d.department_id,
                    id = d.department_id
                )
            }
            (None, false) => "办结后可评价".to_string(),
        };
        let reply = match &d.reply {
            Some(rep) => format!(
                "整改反馈：{}{}",
                escape(match rep.status.as_str() {
                    "open" => "核实整改中",
                    "submitted" => "已提交整改报告，待审核",
                    "accepted" => "整改已通过审核",
                    "returned" => "整改被退回，重新整改中",
                    "escalated" => "逾期未整改，已上报",
                    _ => "已办结",
                }),
                rep.answer
                    .as_deref()
                    .map(|a| format!("。部门答复：{}", escape(a)))
                    .unwrap_or_default()
            ),
            None => String::new(),
        };
        rows.push_str(&format!(
            "<tr><td>{name}</td><td>{state}</td><td>{rating}</td><td>{reply}</td></tr>"
        ));
    }
    let msg = message
        .map(|m| format!("<p role=\"status\">{}</p>", escape(m)))
        .unwrap_or_default();
    format!(
        "<main><h1>办件评价：{}</h1>{msg}<table><thead><tr><th>部门</th><th>办理状态</th><th>评价</th><th>整改反馈</th></tr></thead><tbody>{rows}</tbody></table>\
<p><a href=\"/public/results\">绩效考核结果公开</a></p></main>",
        escape(&r.case_no)
    )
}

#[derive(Debug, Deserialize)]
pub struct RateQuery {
    pub case_no: Option<String>,
    pub check: Option<String>,
    #[allow(dead_code)]
    pub department_id: Option<i32>,
}

/// The rating page: a form for the case number and check code, then each department of the
/// case with its state, the rating form once decided, and the answer to a 差评.
pub async fn rate_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
) -> HttpResponse {
    if let Err(e) = limit(&state, &limiter, &req).await {
        return respond(
            StatusCode::TOO_MANY_REQUESTS,
            page("请稍后再试", &check_form(Some(&e.to_string()))),
        );
    }
    let q: RateQuery = web::Query::<RateQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or(RateQuery {
            case_no: None,
            check: None,
            department_id: None,
        });
    let (Some(case_no), Some(check)) = (q.case_no, q.check) else {
        return respond(StatusCode::OK, page("办件评价", &check_form(None)));
    };
    match public::status(
        &state.db,
        &CaseCheck {
            case_no,
            check: check.clone(),
        },
    )
    .await
    {
        Ok(r) => respond(
            StatusCode::OK,
            page("办件评价", &ratings_page(&r, &check, None)),
        ),
        Err(ApiError::NotFound { .. }) => respond(
            StatusCode::NOT_FOUND,
            page(
                "办件评价",
                &check_form(Some("没有与该受理编号和校验码匹配的办件，请核对后重试。")),
            ),
        ),
        Err(e) => respond(
            StatusCode::SERVICE_UNAVAILABLE,
            page("办件评价", &check_form(Some(&public::first_error(&e)))),
        ),
    }
}

#[derive(Debug, Deserialize)]
pub struct RateForm {
    pub case_no: String,
    pub check: String,
    pub department_id: i32,
    pub level: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The rating form's submission: the rating page again with the outcome.
pub async fn rate_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
    form: web::Form<RateForm>,
) -> HttpResponse {
    if let Err(e) = limit(&state, &limiter, &req).await {
        return respond(
            StatusCode::TOO_MANY_REQUESTS,
            page("请稍后再试", &check_form(Some(&e.to_string()))),
        );
    }
    let f = form.into_inner();
    let check = f.check.clone();
    let outcome = public::rate(
        &state.db,
        &state.calendar(),
        state.now(),
        PublicRatingInput {
            case_no: f.case_no.clone(),
            check: f.check.clone(),
            department_id: f.department_id,
            level: f.level,
            comment: f.comment,
        },
    )
    .await;
    let (status, message) = match &outcome {
        Ok(r) if r.rectification_ids.is_empty() => {
            (StatusCode::CREATED, "感谢您的评价。".to_string())
        }
        Ok(_) => (
            StatusCode::CREATED,
            "感谢您的评价。您的差评已转交核实整改，整改情况将在此页反馈。".to_string(),
        ),
        Err(ApiError::NotFound { .. }) => {
            return respond(
                StatusCode::NOT_FOUND,
                page(
                    "办件评价",
                    &check_form(Some("没有与该受理编号和校验码匹配的办件，请核对后重试。")),
                ),
            )
        }
        Err(e) => (
            StatusCode::from_u16(e.status_code().as_u16()).unwrap_or(StatusCode::BAD_REQUEST),
            format!("未能提交：{}", public::first_error(e)),
        ),
    };
    match public::status(
        &state.db,
        &CaseCheck {
            case_no: f.case_no,
            check: check.clone(),
        },
    )
    .await
    {
        Ok(r) => respond(
            status,
            page("办件评价", &ratings_page(&r, &check, Some(&message))),
        ),
        Err(_) => respond(status, page("办件评价", &check_form(Some(&message)))),
    }
}

/// The published ranking page (结果公开).
pub async fn results_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    limiter: web::Data<PublicLimiter>,
) -> HttpResponse {
    if let Err(e) = limit(&state, &limiter, &req).await {
        return respond(
            StatusCode::TOO_MANY_REQUESTS,
            page("请稍后再试", &escape(&e.to_string())),
        );
    }
    let results = match public::results(&state.db).await {
        Ok(r) => r,
        Err(_) => {
            return respond(
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    "绩效考核结果公开",
                    "<main><p>暂时无法读取，请稍后再试。</p></main>",
                ),
            )
        }
    };
    let mut body = String::from("<main><h1>政务服务绩效考核结果公开</h1>");
    if results.is_empty() {
        body.push_str("<p>尚无已公布的考核结果。</p>");
    }
    for r in &results {
        body.push_str(&format!(
            "<section><h2>{}年第{}季度（第{}版，公布于 {}）</h2><table><thead><tr><th>名次</th><th>部门</th><th>得分</th><th>等次</th></tr></thead><tbody>",
            r.year,
            r.quarter,
            r.revision,
            r.published_at.map(local).unwrap_or_default()
        ));
        for row in &r.ranking {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
                row.rank,
                escape(row.department_name.as_deref().unwrap_or("部门")),
                row.total,
                escape(&row.grade)
            ));
        }
        body.push_str("</tbody></table></section>");
    }
    body.push_str("</main>");
    respond(StatusCode::OK, page("绩效考核结果公开", &body))
}
