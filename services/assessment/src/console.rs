//! The assessment page (绩效评估) at `GET /console`: the latest published quarter's ranking,
//! every department's points per indicator category as a table, and each department's trend
//! of published totals over the quarters as an inline SVG line. Server-rendered HTML with an
//! inline stylesheet: no script, no assets, no build step.
//!
//! Rendering is pure ([`render_assessment`] over [`AssessmentPage`], [`line_chart`],
//! [`escape`]); the handler only loads the figures (with `results::get` and `results::trend`)
//! and calls it.
//!
//! # Signing in
//!
//! The page uses the platform's JWTs, issued by the approval service (checked with [`JwtKeys::verify`]: the issuer's published keys, or the embedded default's HS256 secret), carried by the
//! browser in an **`HttpOnly` cookie**, exactly as the approval service's console does:
//!
//! - `GET /console/login` shows a plain form that `POST`s the token (field `token`) to
//!   `/console/login`; a valid token of an allowed role is stored in the cookie
//!   `assessment_console_token` (`HttpOnly`, `SameSite=Strict`, `Path=/console`, `Secure`
//!   behind https, lifetime = the token's) and the browser is sent (303) to `/console`.
//! - `GET /console/login?token=<jwt>` does the same in one step, for scripts and headless
//!   browsers (the token is then in the URL, so in access logs: people should use the form).
//! - `GET /console` also accepts `Authorization: Bearer <jwt>`.
//! - `POST /console/logout` removes the cookie.
//!
//! No token, or an expired or forged one: **401** with the login page (a bad cookie is
//! cleared). Another role: **403**. The page is for **assessor, admin, org_dept and
//! supervisor**. The cookie is never sent to `/v1` and the API never reads it. (The cookie's
//! name differs from the approval console's: cookies are per host, not per port.)
//!
//! The small HTML kit here (escape, page, chart, sign-in) mirrors `approval::console`; the
//! services do not depend on each other.

use std::collections::BTreeMap;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Claims, JwtKeys, Role};
use platform::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::Value;

use crate::entities::quarter_result;
use crate::results;
use crate::state::AppState;

/// Who may see the page.
pub const ROLES: [Role; 3] = [Role::Assessor, Role::OrgDept, Role::Supervisor];
/// The cookie holding the token (see the module documentation).
pub const COOKIE: &str = "assessment_console_token";
pub const COOKIE_PATH: &str = "/console";
/// The activity stamp beside the token's cookie: the console's idle timeout
/// (`platform::idle`, `CONSOLE_IDLE_MINUTES`).
pub const SEEN_COOKIE: &str = "assessment_console_seen";
const HEADING: &str = "绩效评估 Assessment";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(assessment_page))
        .route("/console/", web::get().to(assessment_page))
        .route("/console/login", web::get().to(login_page))
        .route("/console/login", web::post().to(login_form))
        .route("/console/logout", web::post().to(logout));
}

// ---- HTML ---------------------------------------------------------------------------------

/// Escape text for an HTML element or a quoted attribute value. Every value from data goes
/// through here.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','WenQuanYi Zen Hei',sans-serif;color:#1d2733;background:#f3f5f8}\
header{display:flex;align-items:center;justify-content:space-between;padding:12px 24px;background:#2a3f2f;color:#fff}\
header h1{font-size:18px;margin:0;font-weight:600}\
header .who{font-size:13px;opacity:.9;display:flex;gap:12px;align-items:center}\
header form{margin:0}\
header button{font:inherit;font-size:12px;padding:3px 10px;border:1px solid #9bb5a0;border-radius:4px;background:transparent;color:#fff;cursor:pointer}\
main{padding:16px 24px;display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:16px}\
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 16px;min-width:0}\
section.wide{grid-column:1/-1}\
h2{font-size:15px;margin:0 0 8px}\
table{border-collapse:collapse;width:100%}\
th,td{padding:5px 8px;border-bottom:1px solid #e8ecf1;text-align:left;vertical-align:top}\
th{font-size:12px;color:#5a6b7d;font-weight:600;background:#f7f9fb}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
td.total{font-weight:700}\
#breakdown th,#breakdown td{font-size:12px;padding:4px 6px}\
#breakdown td.name{white-space:nowrap}\
#breakdown th .muted{font-weight:400;font-size:11px}\
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}\
.badge.fail{background:#d64545;color:#fff}.badge.pass{background:#dfe6ee;color:#334}\
.badge.good{background:#cdebd6;color:#1d5a2e}.badge.excellent{background:#2e8b57;color:#fff}\
.muted{color:#6b7a89;font-size:12px}\
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px 16px}\
figure{margin:0}\
figcaption{font-size:12px;color:#5a6b7d;margin-bottom:2px}\
svg.chart{display:block;max-width:100%;height:auto}\
.login{max-width:460px;margin:80px auto;background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:24px}\
.login textarea{width:100%;font:12px monospace;padding:6px}\
.login button{margin-top:8px;padding:6px 16px;font:inherit}\
.error{color:#b00020}\
";

/// A complete page; `title` is escaped here, `body` is built from escaped parts.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(title)
    )
}

/// An HTML answer: not cached, not framed, no script, no referrer.
pub fn respond(status: StatusCode, html: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-frame-options", "DENY"))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"))
        .insert_header((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(html)
}

// ---- chart --------------------------------------------------------------------------------

const LEFT: f64 = 36.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

/// Where the `i`-th of `n` values lands in a `w`×`h` chart: spaced evenly across the plot (one
/// value: centred), 0 at the bottom, 100 at the top, clamped.
pub fn point(i: usize, n: usize, value: f64, w: u32, h: u32) -> (f64, f64) {
    let (x0, x1) = (LEFT, f64::from(w) - RIGHT);
    let (y0, y1) = (TOP, f64::from(h) - BOTTOM);
    let x = if n <= 1 {
        (x0 + x1) / 2.0
    } else {
        x0 + i as f64 * (x1 - x0) / (n - 1) as f64
    };
    let v = if value.is_finite() {
        value.clamp(0.0, 100.0)
    } else {
        0.0
    };
    (x, y1 - v / 100.0 * (y1 - y0))
}

/// An SVG line chart (y from 0 to 100) of `series`: a dot with a tooltip per value, one
/// polyline through them when there are two or more, each label under its position.
pub fn line_chart(series: &[(String, f64)], w: u32, h: u32, title: &str) -> String {
    let n = series.len();
    let (x0, x1) = (LEFT, f64::from(w) - RIGHT);
    let (y0, y1) = (TOP, f64::from(h) - BOTTOM);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{w}\" height=\"{h}\" \
viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">\
<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fbfcfd\"/>",
        escape(title),
        x1 - x0,
        y1 - y0
    );
    for tick in [0.0, 60.0, 80.0, 100.0] {
        // The grade boundaries: 60 合格, 80 良好.
        let y = y1 - tick / 100.0 * (y1 - y0);
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"#e1e6ec\" stroke-width=\"1\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#6b7a89\" text-anchor=\"end\">{tick}</text>",
            x0 - 4.0,
            y + 3.5
        ));
    }
    let room = (x1 - x0) / n.max(1) as f64;
    let every = if room >= 40.0 {
        1
    } else {
        (40.0 / room).ceil() as usize
    };
    for (i, (label, _)) in series.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            let (x, _) = point(i, n, 0.0, w, h);
            svg.push_str(&format!(
                "<text class=\"xl\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#5a6b7d\" text-anchor=\"middle\">{}</text>",
                y1 + 15.0,
                escape(label)
            ));
        }
    }
    if n > 1 {
        let pts: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, (_, v))| {
                let (x, y) = point(i, n, *v, w, h);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        svg.push_str(&format!(
            "<polyline class=\"line\" fill=\"none\" stroke=\"#2e8b57\" stroke-width=\"2\" points=\"{}\"/>",
            pts.join(" ")
        ));
    }
    for (i, (label, v)) in series.iter().enumerate() {
        let (x, y) = point(i, n, *v, w, h);
        svg.push_str(&format!(
            "<circle class=\"pt\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#2e8b57\"><title>{}: {v:.2}</title></circle>",
            escape(label)
        ));
    }
    if n == 0 {
        svg.push_str(&format!(
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#8a97a5\" text-anchor=\"middle\">no published quarter</text>",
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

// ---- the page -----------------------------------------------------------------------------

/// One category's points for one department.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CategoryCell {
    pub key: String,
    pub name: String,
    pub points: f64,
    pub max_points: f64,
}

/// One department of the published result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DepartmentView {
    pub department_id: i32,
    pub name: String,
    pub rank: usize,
    pub total: f64,
    /// `fail`, `pass`, `good`, `excellent`.
    pub grade: String,
    pub categories: Vec<CategoryCell>,
    /// Bonus and deduction counted (after their caps).
    pub bonus: f64,
    pub deduction: f64,
    /// Published totals over the quarters, oldest first: (`2026Q1`, total).
    pub trend: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Published {
    pub result_id: i32,
    pub year: i32,
    pub quarter: i32,
    pub revision: i32,
    /// Local time (Asia/Shanghai).
    pub published_at: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssessmentPage {
    pub viewer: String,
    pub role: String,
    /// The latest published result; `None` before the first publication.
    pub published: Option<Published>,
    /// Ranked, best first.
    pub departments: Vec<DepartmentView>,
}

fn grade_label(grade: &str) -> &'static str {
    match grade {
        "excellent" => "优秀 excellent",
        "good" => "良好 good",
        "pass" => "合格 pass",
        "fail" => "不合格 fail",
        _ => "–",
    }
}

/// The categories in the order they first appear (the indicator system's order).
fn columns(departments: &[DepartmentView]) -> Vec<(String, String, f64)> {
    let mut cols: Vec<(String, String, f64)> = Vec::new();
    for d in departments {
        for c in &d.categories {
            if !cols.iter().any(|(k, _, _)| *k == c.key) {
                cols.push((c.key.clone(), c.name.clone(), c.max_points));
            }
        }
    }
    cols
}

/// A bonus or deduction: `0.00` when none, else with its sign.
fn signed(sign: char, v: f64) -> String {
    if v == 0.0 {
        "0.00".into()
    } else {
        format!("{sign}{v:.2}")
    }
}

pub fn render_assessment(p: &AssessmentPage) -> String {
    let mut html = String::with_capacity(16 * 1024);
    let head = match &p.published {
        Some(r) => format!(
            "{}Q{} · revision {} · published {}",
            r.year, r.quarter, r.revision, r.published_at
        ),
        None => "no published result".into(),
    };
    html.push_str(&format!(
        "<header><h1>{}</h1><div class=\"who\"><span>{} · {} ({})</span>\
<form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form></div></header><main>",
        escape(HEADING),
        escape(&head),
        escape(&p.viewer),
        escape(&p.role)
    ));
    if p.published.is_none() {
        html.push_str(
            "<section class=\"wide\" id=\"ranking\"><h2>Ranking</h2>\
<p class=\"muted\">No quarter has been published yet.</p></section></main>",
        );
        return page(HEADING, &html);
    }

    html.push_str(
        "<section id=\"ranking\"><h2>Ranking</h2><table><thead><tr><th class=\"num\">#</th><th>Department</th>\
<th class=\"num\">Total</th><th>Grade</th></tr></thead><tbody>",
    );
    for d in &p.departments {
        html.push_str(&format!(
            "<tr data-dept-id=\"{}\"><td class=\"num rank\">{}</td><td class=\"name\">{}</td>\
<td class=\"num total\">{:.2}</td><td><span class=\"badge {}\">{}</span></td></tr>",
            d.department_id,
            d.rank,
            escape(&d.name),
            d.total,
            escape(&d.grade),
            grade_label(&d.grade)
        ));
    }
    html.push_str("</tbody></table></section>");

    html.push_str(
        "<section id=\"trends\"><h2>Trend of published totals</h2><div class=\"charts\">",
    );
    for d in &p.departments {
        html.push_str(&format!(
            "<figure data-dept-id=\"{}\"><figcaption>{}</figcaption>{}</figure>",
            d.department_id,
            escape(&d.name),
            line_chart(
                &d.trend,
                280,
                140,
                &format!("{}: totals per quarter", d.name)
            )
        ));
    }
    html.push_str("</div></section>");

    let cols = columns(&p.departments);
    html.push_str(
        "<section id=\"breakdown\" class=\"wide\"><h2>Points per indicator category</h2><table><thead><tr><th>Department</th>",
    );
    for (key, name, max) in &cols {
        html.push_str(&format!(
            "<th class=\"num\" data-key=\"{key}\">{}<div class=\"muted\">{key}</div><div class=\"muted\">max {max:.0}</div></th>",
            escape(name),
            key = escape(key),
        ));
    }
    html.push_str(
        "<th class=\"num\">Bonus</th><th class=\"num\">Deduction</th><th class=\"num\">Total</th></tr></thead><tbody>",
    );
    for d in &p.departments {
        html.push_str(&format!(
            "<tr data-dept-id=\"{}\"><td class=\"name\">{}</td>",
            d.department_id,
            escape(&d.name)
        ));
        for (key, _, _) in &cols {
            match d.categories.iter().find(|c| c.key == *key) {
                Some(c) => html.push_str(&format!(
                    "<td class=\"num\" data-key=\"{}\">{:.2}</td>",
                    escape(key),
                    c.points
                )),
                None => html.push_str(&format!(
                    "<td class=\"num\" data-key=\"{}\">–</td>",
                    escape(key)
                )),
            }
        }
        html.push_str(&format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num total\">{:.2}</td></tr>",
            signed('+', d.bonus),
            signed('−', d.deduction),
            d.total
        ));
    }
    html.push_str("</tbody></table></section></main>");
    page(HEADING, &html)
}

// ---- signing in ---------------------------------------------------------------------------

pub fn render_login(message: Option<&str>) -> String {
    let message = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    page(
        &format!("{HEADING} · sign in"),
        &format!(
            "<div class=\"login\"><h1>{}</h1>{message}\
<p class=\"muted\">Sign in with an access token of the platform (<code>POST /v1/auth/token</code> of the approval service).</p>\
<form method=\"post\" action=\"/console/login\"><label for=\"token\">Access token</label>\
<textarea id=\"token\" name=\"token\" rows=\"5\" required autocomplete=\"off\"></textarea>\
<button type=\"submit\">Sign in</button></form></div>",
            escape(HEADING)
        ),
    )
}

pub fn render_forbidden(user: &AuthUser) -> String {
    let allowed: Vec<&str> = ROLES.iter().map(|r| r.as_str()).collect();
    page(
        &format!("{HEADING} · forbidden"),
        &format!(
            "<div class=\"login\"><h1>{}</h1><p class=\"error\" role=\"alert\">Your role <b>{}</b> may not see this page; \
it is for {}.</p><form method=\"post\" action=\"/console/logout\"><button type=\"submit\">Sign out</button></form></div>",
            escape(HEADING),
            escape(user.role.as_str()),
            escape(&allowed.join(", "))
        ),
    )
}

fn user_of(claims: Claims) -> Result<AuthUser, ApiError> {
    let id = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized("token_invalid", "token subject is not a user id"))?;
    Ok(AuthUser {
        id,
        name: claims.name,
        role: claims.role,
        department_id: claims.dept,
    })
}

fn clear_cookie() -> Cookie<'static> {
    let mut c = Cookie::build(COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    c.make_removal();
    c
}

fn unauthorized(message: Option<&str>, clear: bool) -> HttpResponse {
    let mut r = respond(StatusCode::UNAUTHORIZED, render_login(message));
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    if clear {
        let _ = r.add_cookie(&clear_cookie());
        let _ = r.add_cookie(&platform::idle::removal(SEEN_COOKIE, COOKIE_PATH));
    }
    r
}

/// The sign-in page after an idle console (both cookies removed).
pub fn idle_page(message: &str) -> HttpResponse {
    unauthorized(Some(message), true)
}

/// The sign-in page for a session the approval service ended (`crate::sessions`); the cookie
/// is removed when it carried the token.
pub fn revoked_page(cookie: bool) -> HttpResponse {
    unauthorized(
        Some("the session was ended at the approval service: sign in again"),
        cookie,
    )
}

fn keys(req: &HttpRequest) -> Result<&JwtKeys, Box<HttpResponse>> {
    req.app_data::<web::Data<JwtKeys>>()
        .map(|k| k.get_ref())
        .ok_or_else(|| {
            Box::new(respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                page(HEADING, "<p>JwtKeys not configured</p>"),
            ))
        })
}

/// The signed-in viewer with an allowed role, or the refusal (401 login page, 403).
pub fn viewer(req: &HttpRequest) -> Result<AuthUser, Box<HttpResponse>> {
    let keys = keys(req)?;
    let bearer = platform::auth::bearer_token(req.headers());
    let cookie = req.cookie(COOKIE).map(|c| c.value().to_string());
    let Some(token) = bearer.or(cookie.clone()) else {
        return Err(Box::new(unauthorized(None, false)));
    };
    match keys.verify(&token).and_then(user_of) {
        Err(e) => Err(Box::new(unauthorized(
            Some(&e.to_string()),
            cookie.is_some(),
        ))),
        Ok(u) if !ROLES.contains(&u.role) => Err(Box::new(respond(
            StatusCode::FORBIDDEN,
            render_forbidden(&u),
        ))),
        Ok(u) => Ok(u),
    }
}

fn sign_in(req: &HttpRequest, token: &str) -> HttpResponse {
    let token = token.trim();
    let keys = match keys(req) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    let claims = match keys.verify(token) {
        Ok(c) => c,
        Err(e) => return unauthorized(Some(&e.to_string()), false),
    };
    let exp = claims.exp;
    let user = match user_of(claims) {
        Ok(u) => u,
        Err(e) => return unauthorized(Some(&e.to_string()), false),
    };
    if !ROLES.contains(&user.role) {
        return respond(StatusCode::FORBIDDEN, render_forbidden(&user));
    }
    let secure = req.connection_info().scheme() == "https";
    let cookie = Cookie::build(COOKIE, token.to_string())
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(time::Duration::seconds(
            (exp - Utc::now().timestamp()).max(0),
        ))
        .finish();
    let mut r = HttpResponse::SeeOther();
    r.insert_header((header::LOCATION, "/console"))
        .insert_header(("cache-control", "no-store"))
        .insert_header(("referrer-policy", "no-referrer"))
        .cookie(cookie);
    if let Some(state) = req.app_data::<web::Data<crate::state::AppState>>() {
        r.cookie(state.idle.renewed(SEEN_COOKIE, COOKIE_PATH, token, secure));
    }
    r.finish()
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub token: Option<String>,
}

async fn login_page(req: HttpRequest, q: web::Query<LoginQuery>) -> HttpResponse {
    match q.into_inner().token.filter(|t| !t.trim().is_empty()) {
        Some(token) => sign_in(&req, &token),
        None => respond(StatusCode::OK, render_login(None)),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub token: String,
}

async fn login_form(req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    sign_in(&req, &form.token)
}

async fn logout() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/console/login"))
        .cookie(clear_cookie())
        .cookie(platform::idle::removal(SEEN_COOKIE, COOKIE_PATH))
        .finish()
}

// ---- loading ------------------------------------------------------------------------------

fn centi(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0) / 100.0
}

/// The categories and the counted bonus and deduction of a stored breakdown
/// (`scoring::QuarterScore` as JSON; points in hundredths).
pub fn breakdown_cells(b: &Value) -> (Vec<CategoryCell>, f64, f64) {
    let cats = b["categories"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| CategoryCell {
                    key: c["key"].as_str().unwrap_or_default().to_string(),
                    name: c["name"].as_str().unwrap_or_default().to_string(),
                    points: centi(&c["points"]),
                    max_points: centi(&c["max_points"]),
                })
                .collect()
        })
        .unwrap_or_default();
    (
        cats,
        centi(&b["bonus_applied"]),
        centi(&b["deduction_applied"]),
    )
}

fn local_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The latest published result (the newest quarter) with every department's trend.
pub async fn load(db: &DatabaseConnection, viewer: &AuthUser) -> Result<AssessmentPage, ApiError> {
    let mut page = AssessmentPage {
        viewer: viewer.name.clone(),
        role: viewer.role.as_str().into(),
        ..Default::default()
    };
    let Some(latest) = quarter_result::Entity::find()
        .filter(quarter_result::Column::Status.eq("published"))
        .order_by_desc(quarter_result::Column::Year)
        .order_by_desc(quarter_result::Column::Quarter)
        .order_by_desc(quarter_result::Column::Revision)
        .one(db)
        .await?
    else {
        return Ok(page);
    };
    // A published result's overdue flag depends on its publication moment only.
    let at = latest.published_at.unwrap_or(latest.created_at);
    let r = results::get(db, viewer, latest.id, at).await?;
    page.published = Some(Published {
        result_id: r.id,
        year: r.year,
        quarter: r.quarter,
        revision: r.revision,
        published_at: r.published_at.map(local_text).unwrap_or_default(),
    });
    let mut trends: BTreeMap<i32, Vec<(String, f64)>> = BTreeMap::new();
    for d in &r.departments {
        let points = results::trend(db, d.department_id)
            .await?
            .into_iter()
            .map(|t| (format!("{}Q{}", t.year, t.quarter), t.total))
            .collect();
        trends.insert(d.department_id, points);
    }
    page.departments = r
        .departments
        .into_iter()
        .map(|d| {
            let (categories, bonus, deduction) = breakdown_cells(&d.breakdown);
            DepartmentView {
                name: d
                    .department_name
                    .unwrap_or_else(|| format!("department {}", d.department_id)),
                rank: d.rank,
                total: d.total,
                grade: d.grade,
                categories,
                bonus,
                deduction,
                trend: trends.remove(&d.department_id).unwrap_or_default(),
                department_id: d.department_id,
            }
        })
        .collect();
    Ok(page)
}

async fn assessment_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = match viewer(&req) {
        Ok(u) => u,
        Err(refused) => return Ok(*refused),
    };
    let p = load(&state.db, &user).await?;
    Ok(respond(StatusCode::OK, render_assessment(&p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("呼和浩特市公安局"), "呼和浩特市公安局");
        assert_eq!(escape(""), "");
    }

    fn polyline(svg: &str) -> Vec<(f64, f64)> {
        let pts = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        pts.split(' ')
            .map(|xy| {
                let (x, y) = xy.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn the_chart_puts_each_total_on_a_0_to_100_scale() {
        let s = vec![
            ("2026Q1".to_string(), 44.0),
            ("2026Q2".to_string(), 100.0),
            ("2026Q3".to_string(), 0.0),
        ];
        let svg = line_chart(&s, 280, 140, "t");
        assert!(svg.contains("width=\"280\" height=\"140\" viewBox=\"0 0 280 140\""));
        assert_eq!(svg.matches("<circle").count(), 3);
        // Plot: x 36–260, y 10 (100) – 116 (0).
        assert_eq!(
            polyline(&svg),
            vec![(36.0, 69.4), (148.0, 10.0), (260.0, 116.0)]
        );
        assert!(svg.contains("<title>2026Q1: 44.00</title>"));
        assert_eq!(
            point(0, 1, 50.0, 280, 140),
            (148.0, 63.0),
            "one value: centred"
        );
        let one = line_chart(&s[..1], 280, 140, "t");
        assert_eq!(
            (
                one.matches("<circle").count(),
                one.matches("<polyline").count()
            ),
            (1, 0)
        );
        assert!(line_chart(&[], 280, 140, "t").contains("no published quarter"));
        assert!(line_chart(&[("<q>".into(), 1.0)], 280, 140, "t").contains("&lt;q&gt;"));
    }

    fn sample() -> AssessmentPage {
        let cat = |key: &str, name: &str, points: f64, max: f64| CategoryCell {
            key: key.into(),
            name: name.into(),
            points,
            max_points: max,
        };
        AssessmentPage {
            viewer: "test-org_dept".into(),
            role: "org_dept".into(),
            published: Some(Published {
                result_id: 3,
                year: 2026,
                quarter: 2,
                revision: 1,
                published_at: "2026-07-03 10:00".into(),
            }),
            departments: vec![
                DepartmentView {
                    department_id: 2,
                    name: "呼和浩特市工商行政管理局".into(),
                    rank: 1,
                    total: 96.0,
                    grade: "excellent".into(),
                    categories: vec![
                        cat("coverage", "覆盖", 10.0, 10.0),
                        cat("efficiency", "效率", 20.0, 20.0),
                    ],
                    bonus: 0.0,
                    deduction: 0.0,
                    trend: vec![("2026Q1".into(), 96.0), ("2026Q2".into(), 96.0)],
                },
                DepartmentView {
                    department_id: 5,
                    name: "<b>GAJ</b>".into(),
                    rank: 2,
                    total: 44.0,
                    grade: "fail".into(),
                    categories: vec![cat("coverage", "覆盖", 10.0, 10.0)],
                    bonus: 1.5,
                    deduction: 2.0,
                    trend: vec![("2026Q2".into(), 44.0)],
                },
            ],
        }
    }

    fn row<'a>(html: &'a str, section: &str, dept: i32) -> &'a str {
        let s = &html[html.find(&format!("<section id=\"{section}\"")).unwrap()..];
        let start = s.find(&format!("<tr data-dept-id=\"{dept}\">")).unwrap();
        &s[start..start + s[start..].find("</tr>").unwrap()]
    }

    #[test]
    fn ranking_breakdown_and_a_trend_per_department() {
        let html = render_assessment(&sample());
        assert!(html.contains("2026Q2 · revision 1 · published 2026-07-03 10:00"));
        let first = row(&html, "ranking", 2);
        assert!(first.contains("<td class=\"num rank\">1</td>"));
        assert!(first.contains("<td class=\"num total\">96.00</td>"));
        assert!(first.contains("优秀 excellent"));
        assert!(row(&html, "ranking", 5).contains("<span class=\"badge fail\">不合格 fail</span>"));
        // The breakdown: a column per category, a dash where a department has none.
        let b = row(&html, "breakdown", 5);
        assert!(b.contains("<td class=\"num\" data-key=\"coverage\">10.00</td>"));
        assert!(b.contains("<td class=\"num\" data-key=\"efficiency\">–</td>"));
        assert!(b.contains("+1.50") && b.contains("−2.00"));
        assert!(row(&html, "breakdown", 2).contains("<td class=\"num\">0.00</td>"));
        assert_eq!(html.matches("<th class=\"num\" data-key=").count(), 2);
        // One chart per department, a point per published quarter.
        let trends = &html[html.find("<section id=\"trends\"").unwrap()..];
        let trends = &trends[..trends.find("</section>").unwrap()];
        assert_eq!(trends.matches("<svg").count(), 2);
        assert_eq!(trends.matches("<circle").count(), 3);
        assert_eq!(trends.matches("<polyline").count(), 1);
        // Escaped everywhere.
        assert!(!html.contains("<b>GAJ</b>"));
        assert!(html.contains("&lt;b&gt;GAJ&lt;/b&gt;"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn before_any_publication_the_page_says_so() {
        let html = render_assessment(&AssessmentPage::default());
        assert!(html.contains("No quarter has been published yet."));
        assert!(!html.contains("<svg"));
    }

    #[test]
    fn the_breakdown_is_read_from_the_stored_score() {
        let b = json!({
            "categories": [
                {"key": "coverage", "name": "覆盖率", "points": 1000, "max_points": 1000, "source": "computed", "inputs": {}},
                {"key": "quality", "name": "质量", "points": 350, "max_points": 1000}
            ],
            "bonus_applied": 150, "deduction_applied": 0, "total": 4400
        });
        let (cats, bonus, deduction) = breakdown_cells(&b);
        assert_eq!(cats.len(), 2);
        assert_eq!(
            (cats[1].key.as_str(), cats[1].points, cats[1].max_points),
            ("quality", 3.5, 10.0)
        );
        assert_eq!((bonus, deduction), (1.5, 0.0));
        assert_eq!(breakdown_cells(&json!(null)).0.len(), 0);
    }

    #[test]
    fn login_and_forbidden_pages() {
        let p = render_login(Some("bad <t>"));
        assert!(p.contains("<form method=\"post\" action=\"/console/login\">"));
        assert!(p.contains("bad &lt;t&gt;"));
        let u = AuthUser {
            id: 1,
            name: "c".into(),
            role: Role::Clerk,
            department_id: None,
        };
        assert!(render_forbidden(&u).contains("<b>clerk</b>"));
        assert!(render_forbidden(&u).contains("assessor, org_dept, supervisor"));
    }
}
