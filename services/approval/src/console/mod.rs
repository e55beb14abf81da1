//! The supervision console (电子监察 看板): a server-rendered page for supervisors at
//! `GET /console` — the live board of open branches per department with their open warning,
//! yellow and red cards, the latest cards, and the on-time rate (按时办结率) per week over the
//! last [`WEEKS`] weeks as an inline SVG chart. No script, no assets, no build step: HTML with
//! an inline stylesheet, reloading itself every minute with `<meta http-equiv="refresh">`.
//!
//! Rendering is pure ([`board::render_board`] over [`board::Board`], [`chart::line_chart`],
//! [`html::escape`]); the handler only loads the figures and calls it.
//!
//! # Signing in
//!
//! The console uses the same HS256 JWTs as the JSON API (checked with
//! [`platform::auth::JwtKeys::verify`]), carried by the browser in an **`HttpOnly` cookie**:
//!
//! - `GET /console/login` shows a plain form; it `POST`s the token (`application/x-www-form-urlencoded`,
//!   field `token`) to `/console/login`, which verifies it (signature, expiry, role) and sets the
//!   cookie `approval_console_token` (`HttpOnly`, `SameSite=Strict`, `Path=/console`, `Secure`
//!   behind https, lifetime = the token's), then redirects (303) to `/console`.
//! - `GET /console/login?token=<jwt>` does the same in one step, for scripts and headless
//!   browsers. The token then appears in the URL and so in access logs and history: prefer the
//!   form for people.
//! - `GET /console` also accepts `Authorization: Bearer <jwt>` (curl, tests).
//! - `POST /console/logout` removes the cookie.
//!
//! Anonymous requests, and expired or forged tokens, are refused with **401** and the login
//! page (an invalid cookie is cleared); a valid token of another role gets **403**. The
//! console is for the roles **supervisor, admin and assessor**. The pages only read; the
//! cookie is never sent to `/v1` (its path is `/console`) and the API never reads it.

pub mod auth;
pub mod board;
pub mod chart;
pub mod html;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::ResponseError;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use platform::auth::{JwtKeys, Role};
use platform::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;

use crate::entities::{branch, card, department};
use crate::state::AppState;
use crate::supervision::stats;
use board::{Board, CardRow, DepartmentRow, WeekRow};
use calendar::local_midnight;

/// Who may see the console.
pub const ROLES: [Role; 2] = [Role::Supervisor, Role::Assessor];
/// Weeks on the on-time chart, the current one included.
pub const WEEKS: u32 = 8;
/// Cards in the latest-cards list.
pub const LATEST_CARDS: u64 = 20;

const HEADING: &str = "电子监察 Supervision console";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(board_page))
        .route("/console/", web::get().to(board_page))
        .route("/console/login", web::get().to(login_page))
        .route("/console/login", web::post().to(login_form))
        .route("/console/logout", web::post().to(logout));
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub token: Option<String>,
}

async fn login_page(req: HttpRequest, q: web::Query<LoginQuery>) -> HttpResponse {
    match q.into_inner().token.filter(|t| !t.trim().is_empty()) {
        Some(token) => sign_in(&req, &token).await,
        None => html::respond(StatusCode::OK, auth::render_login(HEADING, None)),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub token: String,
}

async fn login_form(req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    sign_in(&req, &form.token).await
}

/// Sign in with `token` unless its session has already ended (deactivated, moved, logged
/// out): then the sign-in page again, and no cookie is set.
async fn sign_in(req: &HttpRequest, token: &str) -> HttpResponse {
    let claims = req
        .app_data::<web::Data<JwtKeys>>()
        .and_then(|k| k.verify(token.trim()).ok());
    let state = req.app_data::<web::Data<AppState>>();
    if let (Some(claims), Some(state)) = (claims, state) {
        match crate::sessions::guard::has_ended(state, &claims).await {
            Ok(false) => {}
            Ok(true) => return auth::revoked_page(false),
            Err(e) => return e.error_response(),
        }
    }
    auth::sign_in(req, HEADING, &ROLES, token)
}

async fn logout() -> HttpResponse {
    auth::sign_out()
}

async fn board_page(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = match auth::viewer(&req, HEADING, &ROLES) {
        Ok(u) => u,
        Err(refused) => return Ok(*refused),
    };
    let mut b = load(&state.db, state.now()).await?;
    b.viewer = user.name;
    b.role = user.role.as_str().into();
    Ok(html::respond(StatusCode::OK, board::render_board(&b)))
}

fn local_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The Mondays (Asia/Shanghai) starting the last `weeks` weeks up to `now`'s, oldest first.
pub fn week_starts(now: DateTime<Utc>, weeks: u32) -> Vec<NaiveDate> {
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    (0..weeks)
        .rev()
        .map(|k| monday - Duration::weeks(i64::from(k)))
        .collect()
}

/// Everything the board shows, as of `now`.
pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Board, ApiError> {
    let open_branches = || {
        branch::Entity::find()
            .select_only()
            .column(branch::Column::DepartmentId)
            .column_as(Expr::col(branch::Column::Id).count(), "n")
            .filter(branch::Column::DecidedAt.is_null())
            .filter(branch::Column::State.ne("cancelled"))
            .group_by(branch::Column::DepartmentId)
    };
    let open: BTreeMap<i32, i64> = open_branches()
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let overdue: BTreeMap<i32, i64> = open_branches()
        .filter(branch::Column::DueAt.lt(now))
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let provisional_open = branch::Entity::find()
        .filter(branch::Column::DecidedAt.is_null())
        .filter(branch::Column::State.ne("cancelled"))
        .filter(branch::Column::Provisional.eq(true))
        .count(db)
        .await?;
    let open_cards: Vec<(i32, String, i64)> = card::Entity::find()
        .select_only()
        .column(card::Column::DepartmentId)
        .column(card::Column::Level)
        .column_as(Expr::col(card::Column::Id).count(), "n")
        .filter(card::Column::ClosedAt.is_null())
        .group_by(card::Column::DepartmentId)
        .group_by(card::Column::Level)
        .into_tuple()
        .all(db)
        .await?;

    let departments = department::Entity::find()
        .order_by_asc(department::Column::Id)
        .all(db)
        .await?;
    let names: BTreeMap<i32, &department::Model> = departments.iter().map(|d| (d.id, d)).collect();
    let mut rows: BTreeMap<i32, DepartmentRow> = departments
        .iter()
        .filter(|d| d.deleted_at.is_none())
        .map(|d| {
            (
                d.id,
                DepartmentRow {
                    code: d.code.clone(),
                    name: d.name.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();
    // A department deleted while it still has open work stays on the board.
    fn row<'a>(
        rows: &'a mut BTreeMap<i32, DepartmentRow>,
        names: &BTreeMap<i32, &department::Model>,
        id: i32,
    ) -> &'a mut DepartmentRow {
        rows.entry(id).or_insert_with(|| DepartmentRow {
            code: names.get(&id).map(|d| d.code.clone()).unwrap_or_default(),
            name: names
                .get(&id)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| format!("department {id}")),
            ..Default::default()
        })
    }
    for (d, n) in open {
        row(&mut rows, &names, d).open = n.max(0) as u64;
    }
    for (d, n) in overdue {
        row(&mut rows, &names, d).overdue = n.max(0) as u64;
    }
    for (d, level, n) in open_cards {
        let n = n.max(0) as u64;
        match level.as_str() {
            "warning" => row(&mut rows, &names, d).warning += n,
            "yellow" => row(&mut rows, &names, d).yellow += n,
            "red" => row(&mut rows, &names, d).red += n,
            _ => {}
        }
    }

    let cards = card::Entity::find()
        .order_by_desc(card::Column::Id)
        .limit(LATEST_CARDS)
        .all(db)
        .await?
        .into_iter()
        .map(|c| CardRow {
            id: c.id,
            department: names
                .get(&c.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| format!("department {}", c.department_id)),
            case_id: c.case_id,
            subject: format!("{} {}", c.subject_kind, c.subject_id),
            issued_at: local_text(c.issued_at),
            status: match (c.closed_at, c.closed_how) {
                (None, _) => "open".into(),
                (Some(_), Some(how)) => how.replace('_', " "),
                (Some(_), None) => "closed".into(),
            },
            reason: c.reason,
            level: c.level,
        })
        .collect();

    let mut weeks = Vec::new();
    for monday in week_starts(now, WEEKS) {
        let from = local_midnight(monday);
        let to = local_midnight(monday + Duration::weeks(1));
        let per_dept = stats::query(db, from, to, None, now).await?;
        weeks.push(WeekRow {
            label: monday.format("%m-%d").to_string(),
            finished: per_dept.iter().map(|s| s.finished).sum(),
            on_time: per_dept.iter().map(|s| s.on_time).sum(),
        });
    }

    Ok(Board {
        viewer: String::new(),
        role: String::new(),
        as_of: local_text(now),
        departments: rows.into_values().collect(),
        cards,
        weeks,
        provisional_open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_mondays_ending_with_this_week_in_shanghai() {
        // Sun 15 Mar 2026 20:00 UTC is already Mon 16 Mar in Shanghai.
        let now = DateTime::parse_from_rfc3339("2026-03-15T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = week_starts(now, 8);
        assert_eq!(w.len(), 8);
        assert_eq!(w[7], NaiveDate::from_ymd_opt(2026, 3, 16).unwrap());
        assert_eq!(w[0], NaiveDate::from_ymd_opt(2026, 1, 26).unwrap());
        assert!(w.windows(2).all(|p| p[1] - p[0] == Duration::weeks(1)));
        assert!(w.iter().all(|d| d.weekday() == chrono::Weekday::Mon));
    }
}
