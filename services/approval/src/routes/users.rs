use actix_web::{web, HttpResponse};
use platform::auth::{AuthUser, Role};
use platform::http::ValidQuery;
use platform::json::ValidJson;
use platform::pagination::{Page, PageRequest};
use platform::ApiResult;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalogue::model::{User, UserInput, UserUpdate};
use crate::catalogue::store::{self, Deleted, UserFilter};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub role: Option<Role>,
    pub department_id: Option<i32>,
    #[serde(default)]
    pub include_deleted: bool,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List users (system or security administrator).
#[utoipa::path(get, path = "/v1/users", tag = "users", params(ListQuery), security(("bearer_auth" = [])), responses(
    (status = 200, body = Page<User>),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ValidQuery<ListQuery>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin, Role::Secadmin])?;
    let q = q.into_inner();
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let f = UserFilter {
        role: q.role,
        department_id: q.department_id,
        include_deleted: q.include_deleted,
    };
    Ok(HttpResponse::Ok().json(store::list_users(&state.db, f, page).await?))
}

/// One user (system or security administrator).
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", security(("bearer_auth" = [])), responses(
    (status = 200, body = User),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<User>> {
    user.require(&[Role::Sysadmin, Role::Secadmin])?;
    Ok(web::Json(store::user_view(
        store::get_user_row(&state.db, id.into_inner()).await?,
    )?))
}

/// Create a user: an account of a business role by the system administrator, of an
/// administrator or service account by the security administrator (403
/// `separation_of_duties` otherwise, 三权分立); the password is stored as an argon2id hash. It must follow the
/// password rule (422 `weak_password`: by default at least 10 characters from 3 of lower
/// case, upper case, digits and other characters, not containing the username; GB/T
/// 22239-2019 8.1.4.1 a).
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = UserInput, security(("bearer_auth" = [])), responses(
    (status = 201, body = User),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn create(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<UserInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Sysadmin, Role::Secadmin])?;
    let input = body.into_inner();
    crate::login::duties::may_create(user.role, input.role)?;
    platform::ApiError::validation_all(crate::catalogue::rules::user(&input))?;
    crate::login::check_new_password(
        &state.db,
        &state.login,
        None,
        &input.username,
        &input.password,
        "password",
    )
    .await?;
    let u = store::create_user(&state.db, &user, state.now(), input).await?;
    Ok(HttpResponse::Created().json(u))
}

/// Update a user: the role by the security administrator alone (nothing else in the same
/// request); name, e-mail, department, active flag and password by the account's manager (the
/// system administrator for business roles, the security administrator for the others; 403
/// `separation_of_duties`, 三权分立). A new password follows the rule (the
/// password rule applies, and it may not be the current one or one of the last
/// `PASSWORD_HISTORY`: 422 `password_reused`).
#[utoipa::path(put, path = "/v1/users/{id}", tag = "users", request_body = UserUpdate, security(("bearer_auth" = [])), responses(
    (status = 200, body = User),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 409, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 422, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn update(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
    body: ValidJson<UserUpdate>,
) -> ApiResult<web::Json<User>> {
    user.require(&[Role::Sysadmin, Role::Secadmin])?;
    let (id, input) = (id.into_inner(), body.into_inner());
    if let Some(p) = &input.password {
        platform::ApiError::validation_all(crate::catalogue::rules::user_update(&input))?;
        let target = store::get_user_row(&state.db, id).await?;
        crate::login::check_new_password(
            &state.db,
            &state.login,
            Some(&target),
            &target.username,
            p,
            "password",
        )
        .await?;
    }
    let view = store::update_user(&state.db, &user, state.now(), id, input).await;
    // Committed or not: the next request reads the row again.
    state.sessions.cache.invalidate(id);
    Ok(web::Json(view?))
}

/// Deactivate and retire a user (the account's manager, as for updates); the row stays for the audit trail.
#[utoipa::path(delete, path = "/v1/users/{id}", tag = "users", security(("bearer_auth" = [])), responses(
    (status = 200, body = Deleted),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn delete(
    _no_query: platform::http::NoQuery,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Deleted>> {
    user.require(&[Role::Sysadmin, Role::Secadmin])?;
    let id = id.into_inner();
    let deleted = store::delete_user(&state.db, &user, state.now(), id).await;
    state.sessions.cache.invalidate(id);
    Ok(web::Json(deleted?))
}

/// The answer to an unlock.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Unlocked {
    pub username: String,
    /// Whether the account had failed sign-ins or a lockout to lift.
    pub had_failures: bool,
}

/// Lift an account's sign-in lockout and forget its failed attempts (the security
/// administrator; audited with them and the client address). Without it a lockout ends by itself after
/// `LOGIN_LOCKOUT_MINUTES`.
#[utoipa::path(post, path = "/v1/users/{id}/unlock", tag = "users", security(("bearer_auth" = [])), responses(
    (status = 200, body = Unlocked),
    (status = 403, body = platform::error::Problem, content_type = "application/problem+json"),
    (status = 404, body = platform::error::Problem, content_type = "application/problem+json"),
))]
pub async fn unlock(
    _no_query: platform::http::NoQuery,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i32>,
) -> ApiResult<web::Json<Unlocked>> {
    crate::login::duties::may_secure(user.role)?;
    let target = store::get_user_row(&state.db, id.into_inner()).await?;
    let address = crate::routes::public::client_address(&req);
    let had_failures =
        crate::login::unlock(&state.db, &user, state.now(), &target.username, &address).await?;
    Ok(web::Json(Unlocked {
        username: target.username,
        had_failures,
    }))
}
