//! HTTP handlers for people and accountability: the staff register seen here, a person's
//! daily record, the inspector's entries, the yearly review (总评定), admonitions (效能告诫),
//! accountability measures (责任追究), self-examination orders (责令书面检查) and the
//! e-supervision bulletins (电子监察通报). Parse, authorise, call, map.

use actix_web::{web, HttpResponse};
use platform::auth::AuthUser;
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::accountability::{self, AdmonitionInput, MeasureInput, SelfExaminationInput};
use crate::bulletins::{self, Bulletin, DraftInput, EditInput, ListQuery};
use crate::people::{self, EntryInput, Record, Staff, StaffYear};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StaffQuery {
    pub department_id: Option<i32>,
}

/// The staff register as the approval feed last said (any signed-in role).
#[utoipa::path(get, path = "/v1/staff", tag = "people", params(StaffQuery), security(("bearer_auth" = [])), responses((status = 200, body = Vec<Staff>)))]
pub async fn list_staff(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ValidQuery<StaffQuery>,
) -> ApiResult<HttpResponse> {
    use crate::entities::a_staff;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut find = a_staff::Entity::find();
    if let Some(d) = q.into_inner().department_id {
        find = find.filter(a_staff::Column::DepartmentId.eq(d));
    }
    let rows: Vec<Staff> = find
        .order_by_asc(a_staff::Column::StaffId)
        .all(&state.db)
        .await?
        .into_iter()
        .map(Staff::from)
        .collect();
    Ok(HttpResponse::Ok().json(rows))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

/// A person's year: twelve monthly ratings with their five lines (月评定), quarterly grades,
/// the daily record. The hall's assessors, inspectors and leaders, the person, their chief
/// representative.
#[utoipa::path(get, path = "/v1/staff/{id}/record", tag = "people", params(YearQuery), security(("bearer_auth" = [])), responses((status = 200, body = Record)))]
pub async fn record(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    q: ValidQuery<YearQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        people::record(
            &state.db,
            &user,
            id.into_inner(),
            q.into_inner().year,
            state.now(),
        )
        .await?,
    ))
}

/// An inspector's entry (督察): conduct (人员行为规范) deduction or publicity (宣传报道) bonus.
#[utoipa::path(post, path = "/v1/staff-entries", tag = "people", request_body = EntryInput, security(("bearer_auth" = [])), responses((status = 201, description = "recorded")))]
pub async fn add_entry(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<EntryInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(people::add_entry(&state.db, &user, state.now(), body.into_inner()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

/// The assessor computes (or recomputes, while a draft) the yearly staff review (总评定).
#[utoipa::path(post, path = "/v1/staff-years", tag = "people", request_body = YearInput, security(("bearer_auth" = [])), responses((status = 201, body = StaffYear)))]
pub async fn compute_year(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<YearInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(people::compute_year(&state.db, &user, state.now(), body.into_inner().year).await?))
}

/// The yearly staff review.
#[utoipa::path(get, path = "/v1/staff-years/{year}", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = StaffYear)))]
pub async fn get_year(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    year: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(people::get_year(&state.db, &user, year.into_inner()).await?))
}

/// A leader who did not compute it approves the yearly review; each window department
/// receives its people's rows.
#[utoipa::path(post, path = "/v1/staff-years/{year}/approve", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = StaffYear)))]
pub async fn approve_year(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    year: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(people::approve_year(&state.db, &user, state.now(), year.into_inner()).await?))
}

/// A supervisor's written admonition (效能告诫) to a person or a unit, with its facts.
#[utoipa::path(post, path = "/v1/admonitions", tag = "people", request_body = AdmonitionInput, security(("bearer_auth" = [])), responses((status = 201, body = accountability::Admonition)))]
pub async fn admonish(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<AdmonitionInput>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    user.require(&[platform::auth::Role::Supervisor])?;
    crate::inputs::ensure_department(&state, body.department_id, "department_id").await?;
    Ok(HttpResponse::Created()
        .json(accountability::admonish(&state.db, &user, state.now(), body).await?))
}

/// The one admonished acknowledges it (the person, or the unit's chief representative).
#[utoipa::path(post, path = "/v1/admonitions/{id}/acknowledge", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = accountability::Admonition)))]
pub async fn acknowledge(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(accountability::acknowledge(&state.db, &user, state.now(), id.into_inner()).await?))
}

/// A leader records an accountability measure (责任追究) against a person.
#[utoipa::path(post, path = "/v1/measures", tag = "people", request_body = MeasureInput, security(("bearer_auth" = [])), responses((status = 201, description = "recorded")))]
pub async fn measure(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<MeasureInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(accountability::measure(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// A supervisor orders a written self-examination (责令书面检查) by a deadline; it follows the
/// rectification machinery (submit, accept or return, reminders, escalation).
#[utoipa::path(post, path = "/v1/self-examinations", tag = "people", request_body = SelfExaminationInput, security(("bearer_auth" = [])), responses((status = 201, body = crate::rectification::Rectification)))]
pub async fn order_self_examination(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<SelfExaminationInput>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    user.require(&[platform::auth::Role::Supervisor])?;
    crate::inputs::ensure_department(&state, body.department_id, "department_id").await?;
    Ok(HttpResponse::Created().json(
        accountability::order_self_examination(
            &state.db,
            &state.calendar(),
            &user,
            state.now(),
            body,
        )
        .await?,
    ))
}

/// Draft an e-supervision bulletin (电子监察通报) for a period, prefilled from its facts.
#[utoipa::path(post, path = "/v1/bulletins", tag = "people", request_body = DraftInput, security(("bearer_auth" = [])), responses((status = 201, body = Bulletin)))]
pub async fn draft_bulletin(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<DraftInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[platform::auth::Role::Supervisor])?;
    // The bulletin names units by name: refresh them first (stale names are only a warning).
    if let Err(e) = crate::feed::sync_departments(&state).await {
        tracing::warn!(error = %e, "department sync failed; names may be stale");
    }
    Ok(HttpResponse::Created()
        .json(bulletins::draft(&state.db, &user, state.now(), body.into_inner()).await?))
}

/// Bulletins, newest first (published ones; drafts too for supervisors and leaders).
#[utoipa::path(get, path = "/v1/bulletins", tag = "people", params(ListQuery), security(("bearer_auth" = [])), responses((status = 200, body = Vec<Bulletin>)))]
pub async fn list_bulletins(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(bulletins::list(&state.db, &user, q.into_inner()).await?))
}

/// One bulletin.
#[utoipa::path(get, path = "/v1/bulletins/{id}", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = Bulletin)))]
pub async fn get_bulletin(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(bulletins::get(&state.db, &user, id.into_inner()).await?))
}

/// Edit a draft bulletin (supervisor).
#[utoipa::path(put, path = "/v1/bulletins/{id}", tag = "people", request_body = EditInput, security(("bearer_auth" = [])), responses((status = 200, body = Bulletin)))]
pub async fn edit_bulletin(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<EditInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(bulletins::edit(&state.db, &user, id.into_inner(), body.into_inner()).await?))
}

/// A leader approves a draft bulletin.
#[utoipa::path(post, path = "/v1/bulletins/{id}/approve", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = Bulletin)))]
pub async fn approve_bulletin(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .json(bulletins::approve(&state.db, &user, state.now(), id.into_inner()).await?))
}

/// The supervisor publishes an approved bulletin: numbered (2026年第N期), mailed to the units it
/// names, immutable.
#[utoipa::path(post, path = "/v1/bulletins/{id}/publish", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = Bulletin)))]
pub async fn publish_bulletin(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(
        bulletins::publish(
            &state.db,
            &user,
            state.now(),
            id.into_inner(),
            &state.settings.supervision_email,
        )
        .await?,
    ))
}

/// Staff indicator systems (data), oldest first; the product default applies before the first.
#[utoipa::path(get, path = "/v1/staff-systems", tag = "people", security(("bearer_auth" = [])), responses((status = 200, body = Vec<people::StaffSystemView>)))]
pub async fn list_staff_systems(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    _user: AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(people::list_systems(&state.db).await?))
}

/// Define the staff system from a year on (system administrator): the five aspects' maxima and points.
#[utoipa::path(post, path = "/v1/staff-systems", tag = "people", request_body = people::StaffSystemInput, security(("bearer_auth" = [])), responses((status = 201, body = people::StaffSystemView)))]
pub async fn define_staff_system(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<people::StaffSystemInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(people::define_system(&state.db, &user, state.now(), body.into_inner()).await?))
}
