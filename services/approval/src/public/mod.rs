//! What the public sees (政务公开), without any login: the service guide (办事指南) of every
//! active item and bundle, the case progress lookup (办件查询) and the published results
//! (结果公开), as server-rendered pages under `/public` and as JSON twins under `/v1/public`
//! (`routes::public`).
//!
//! - `GET /public/guide` (search by `q`, `department_id`, `category`),
//!   `GET /public/guide/items/{code}` (一表一图: every element and the flow as inline SVG, A4
//!   print stylesheet, the guide's version and its other versions),
//!   `GET /public/guide/items/{code}/v/{n}` (the stable page of version n, exactly as published),
//!   `GET /public/guide/bundles/{code}`.
//! - `GET /public/lookup` (the form) and `POST /public/lookup` (form-urlencoded `case_no`,
//!   `check`): the result, or the one not-found page for a wrong check code and an unknown
//!   number alike.
//! - `GET /public/decisions` (filters `item_code`, `from`, `to`).
//!
//! The pages set no cookie, carry the headers of every answer plus the console's (no-store,
//! no framing, no script, no referrer — the result page holds the check code in its rating
//! links), and are pure renderings ([`render`]) of what the queries load.

pub mod decisions;
pub mod flow;
pub mod guide;
pub mod lookup;
pub mod render;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use platform::pagination::PageRequest;
use platform::ApiError;
use serde::Deserialize;

use crate::catalogue::model::ItemCategory;
use crate::console::html::respond;
use crate::state::AppState;
use decisions::DecisionFilter;
use guide::GuideFilter;
use lookup::LookupInput;
use render::SearchEcho;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/public", web::get().to(index))
        .route("/public/", web::get().to(index))
        .route("/public/guide", web::get().to(guide_page))
        .route("/public/guide/items/{code}", web::get().to(item_page))
        .route(
            "/public/guide/items/{code}/v/{version}",
            web::get().to(item_version_page),
        )
        .route("/public/guide/bundles/{code}", web::get().to(bundle_page))
        .route("/public/lookup", web::get().to(lookup_form))
        .route("/public/lookup", web::post().to(lookup_submit))
        .route("/public/decisions", web::get().to(decisions_page));
}

async fn index() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/public/guide"))
        .finish()
}

/// An error as a page: the status of the problem, its message in the page, `Retry-After`
/// kept for a rate limit. A database fault stays a problem (logged), never a panic.
fn error_page(title: &str, e: &ApiError) -> HttpResponse {
    use actix_web::ResponseError;
    let status = e.status_code();
    let message = match e {
        ApiError::NotFound { resource, .. } => match *resource {
            "item" => "未找到该事项，或该事项已停止办理 / no such item, or it is no longer handled".to_string(),
            "item version" => "未找到该版本的办事指南 / no such version of this guide".to_string(),
            "bundle" => "未找到该套餐，或该套餐已停止办理 / no such bundle, or it is no longer handled".to_string(),
            _ => "未找到 / not found".to_string(),
        },
        ApiError::TooManyRequests { retry_after } => format!(
            "查询过于频繁，请 {retry_after} 秒后再试 / too many lookups, try again in {retry_after} s"
        ),
        ApiError::Internal(_) | ApiError::Unavailable(_) => {
            if let ApiError::Internal(cause) = e {
                tracing::error!(%cause, "internal error on a public page");
            }
            "服务暂时不可用，请稍后再试 / the service is unavailable, try again later".to_string()
        }
        other => other.to_string(),
    };
    let mut res = respond(status, render::message_page(title, &message));
    if let ApiError::TooManyRequests { retry_after } = e {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&retry_after.to_string()) {
            res.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
    }
    res
}

/// The guide's query: all text, so a bad value is a page that says so, not a bare 400.
#[derive(Debug, Default, Deserialize)]
pub struct GuideQuery {
    pub q: Option<String>,
    pub department_id: Option<String>,
    pub category: Option<String>,
    pub cursor: Option<String>,
}

fn parse_guide(q: &GuideQuery) -> Result<(GuideFilter, SearchEcho), ApiError> {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let department_id = match blank(&q.department_id) {
        None => None,
        Some(v) => Some(v.parse::<i32>().map_err(|_| {
            ApiError::validation("department_id", "办理部门无效 / not a department")
        })?),
    };
    let category = match blank(&q.category) {
        None => None,
        Some(v) => Some(
            serde_json::from_value::<ItemCategory>(serde_json::Value::String(v))
                .map_err(|_| ApiError::validation("category", "事项分类无效 / not a category"))?,
        ),
    };
    let f = GuideFilter {
        q: blank(&q.q),
        department_id,
        category,
    }
    .checked()?;
    let echo = SearchEcho {
        q: f.q.clone().unwrap_or_default(),
        department_id,
        category: category.map(|c| c.as_str().to_string()),
    };
    Ok((f, echo))
}

async fn guide_page(state: web::Data<AppState>, q: web::Query<GuideQuery>) -> HttpResponse {
    let run = async {
        let (f, echo) = parse_guide(&q)?;
        let page = PageRequest::parse(None, q.cursor.as_deref())?;
        let items = guide::search_items(&state.db, &f, page).await?;
        // Bundles are few: listed on the first page only.
        let bundles = if page.after_id.is_none() {
            guide::search_bundles(&state.db, &f).await?
        } else {
            Vec::new()
        };
        let departments = guide::active_departments(&state.db).await?;
        Ok::<_, ApiError>(render::guide_page(
            &echo,
            &departments,
            &items.items,
            &bundles,
            items.next_cursor,
        ))
    };
    match run.await {
        Ok(html) => respond(StatusCode::OK, html),
        Err(e) => error_page("办事指南", &e),
    }
}

async fn item_page(state: web::Data<AppState>, code: web::Path<String>) -> HttpResponse {
    let run = async {
        let i = guide::item_by_code(&state.db, &code).await?;
        let versions = guide::item_versions(&state.db, &code).await?;
        Ok::<_, ApiError>(render::item_page(&i, &versions))
    };
    match run.await {
        Ok(html) => respond(StatusCode::OK, html),
        Err(e) => error_page("未找到事项", &e),
    }
}

/// One guide version's stable page; a version that is not a number reads like an unknown one.
async fn item_version_page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (code, version) = path.into_inner();
    let run = async {
        let Ok(v) = version.parse::<i32>() else {
            return Err(ApiError::not_found(
                "item version",
                format!("{code} v{version}"),
            ));
        };
        let i = guide::item_version_by_code(&state.db, &code, v).await?;
        let versions = guide::item_versions(&state.db, &code).await?;
        Ok::<_, ApiError>(render::item_page(&i, &versions))
    };
    match run.await {
        Ok(html) => respond(StatusCode::OK, html),
        Err(e) => error_page("未找到事项", &e),
    }
}

async fn bundle_page(state: web::Data<AppState>, code: web::Path<String>) -> HttpResponse {
    match guide::bundle_by_code(&state.db, &code).await {
        Ok(b) => respond(StatusCode::OK, render::bundle_page(&b)),
        Err(e) => error_page("未找到套餐", &e),
    }
}

async fn lookup_form() -> HttpResponse {
    respond(StatusCode::OK, render::lookup_form(None, ""))
}

/// The posted form; a missing field is an empty one (refused with the form again).
#[derive(Debug, Default, Deserialize)]
pub struct LookupFormBody {
    #[serde(default)]
    pub case_no: String,
    #[serde(default)]
    pub check: String,
}

async fn lookup_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LookupFormBody>,
) -> HttpResponse {
    let form = form.into_inner();
    let input = LookupInput {
        case_no: form.case_no,
        check: form.check,
    };
    let address = crate::routes::public::client_address(&req);
    match lookup::lookup(&state, &address, &input).await {
        Ok(r) => respond(
            StatusCode::OK,
            render::lookup_page(&r, input.check.trim(), &state.public.assessment_public_url),
        ),
        // One page for every miss: nothing typed is echoed, so it cannot differ.
        Err(ApiError::NoMatch { message, .. }) => respond(
            StatusCode::NOT_FOUND,
            render::lookup_form(Some(&message), ""),
        ),
        Err(ApiError::Validation { errors, .. }) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            render::lookup_form(
                errors.first().map(|e| e.message.as_str()),
                input.case_no.trim(),
            ),
        ),
        Err(e) => error_page("办件查询", &e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionsQuery {
    pub item_code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
}

fn date_field(v: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::validation(field, "日期格式为 YYYY-MM-DD / a date is YYYY-MM-DD")
            }),
    }
}

async fn decisions_page(state: web::Data<AppState>, q: web::Query<DecisionsQuery>) -> HttpResponse {
    let run = async {
        let f = DecisionFilter {
            item_code: q.item_code.clone(),
            from: date_field(&q.from, "from")?,
            to: date_field(&q.to, "to")?,
        };
        let page = PageRequest::parse(None, q.cursor.as_deref())?;
        let rows = decisions::list(&state.db, &f, page).await?;
        Ok::<_, ApiError>(render::decisions_page(
            q.item_code.as_deref().unwrap_or_default().trim(),
            &f.from.map(|d| d.to_string()).unwrap_or_default(),
            &f.to.map(|d| d.to_string()).unwrap_or_default(),
            &rows.items,
            rows.next_cursor,
        ))
    };
    match run.await {
        Ok(html) => respond(StatusCode::OK, html),
        Err(e) => error_page("结果公开", &e),
    }
}
