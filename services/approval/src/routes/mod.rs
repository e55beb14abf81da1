//! HTTP handlers: each parses, authorises, calls the store or a pure rule, and maps the result.

pub mod audit;
pub mod auth;
pub mod bundles;
pub mod calendar;
pub mod cases;
pub mod departments;
pub mod events;
pub mod health;
pub mod items;
pub mod powers;
pub mod public;
pub mod staff;
pub mod supervision;
pub mod totp;
pub mod users;
pub mod webhooks;

use actix_web::{web, HttpRequest};
use platform::{ApiError, ApiResult};

/// The version in an `If-Match` header (`"3"`, `W/"3"` or `3`), if any; `what` names the
/// record in the 400 `invalid_if_match` answer.
pub(crate) fn if_match(req: &HttpRequest, what: &str) -> ApiResult<Option<i64>> {
    let Some(v) = req.headers().get("If-Match") else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    s.parse().map(Some).map_err(|_| ApiError::BadRequest {
        code: "invalid_if_match",
        message: format!("If-Match must be a {what} version, e.g. \"3\""),
        field: Some("If-Match".into()),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/.well-known/jwks.json", web::get().to(auth::jwks))
        .service(
            web::scope("/v1")
                .route("/auth/token", web::post().to(auth::token))
                .route("/auth/client-token", web::post().to(auth::client_token))
                .route("/auth/introspect", web::post().to(auth::introspect))
                .route("/auth/oidc", web::post().to(auth::oidc))
                .route("/auth/me", web::get().to(auth::me))
                .route("/auth/password", web::post().to(auth::change_password))
                .route("/auth/refresh", web::post().to(auth::refresh))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/totp", web::post().to(totp::enrol))
                .route("/auth/totp/confirm", web::post().to(totp::confirm))
                .route("/public/items", web::get().to(public::items))
                .route("/public/items/{code}", web::get().to(public::item))
                .route(
                    "/public/items/{code}/versions",
                    web::get().to(public::item_versions),
                )
                .route(
                    "/public/items/{code}/versions/{version}",
                    web::get().to(public::item_version),
                )
                .route("/public/bundles/{code}", web::get().to(public::bundle))
                .route("/public/lookup", web::post().to(public::lookup_case))
                .route("/public/decisions", web::get().to(public::decisions_list))
                .service(
                    web::resource("/departments")
                        .get(departments::list)
                        .post(departments::create),
                )
                .service(
                    web::resource("/departments/{id}")
                        .get(departments::get)
                        .put(departments::update)
                        .delete(departments::delete),
                )
                .service(web::resource("/items").get(items::list).post(items::create))
                .service(
                    web::resource("/items/{id}")
                        .get(items::get)
                        .put(items::update)
                        .delete(items::delete),
                )
                .service(
                    web::resource("/powers")
                        .get(powers::list)
                        .post(powers::create),
                )
                .service(
                    web::resource("/powers/{id}")
                        .get(powers::get)
                        .put(powers::update),
                )
                .route("/powers/{id}/history", web::get().to(powers::history))
                .service(web::resource("/staff").get(staff::list).post(staff::create))
                .service(
                    web::resource("/staff/{id}")
                        .get(staff::get)
                        .put(staff::update),
                )
                .route("/staff/{id}/history", web::get().to(staff::history))
                .service(
                    web::resource("/bundles")
                        .get(bundles::list)
                        .post(bundles::create),
                )
                .service(
                    web::resource("/bundles/{id}")
                        .get(bundles::get)
                        .put(bundles::update)
                        .delete(bundles::delete),
                )
                .service(web::resource("/users").get(users::list).post(users::create))
                .service(
                    web::resource("/users/{id}")
                        .get(users::get)
                        .put(users::update)
                        .delete(users::delete),
                )
                .route("/users/{id}/unlock", web::post().to(users::unlock))
                .route("/users/{id}/totp", web::delete().to(totp::reset))
                .route("/calendar", web::get().to(calendar::settings))
                .route("/calendar/years", web::get().to(calendar::list_years))
                .service(
                    web::resource("/calendar/years/{year}")
                        .get(calendar::get_year)
                        .put(calendar::put_year),
                )
                .route("/calendar/deadline", web::get().to(calendar::deadline))
                .route("/audit", web::get().to(audit::list))
                .route("/audit/verify", web::get().to(audit::verify))
                .service(web::resource("/cases").get(cases::list).post(cases::submit))
                .route("/cases/{id}", web::get().to(cases::get))
                .route("/cases/{id}/timeline", web::get().to(cases::timeline))
                .route("/cases/{id}/payment", web::post().to(cases::payment))
                .route("/cases/{id}/withdraw", web::post().to(cases::withdraw))
                .route("/cases/{id}/issue", web::post().to(cases::issue))
                .route("/branches/{id}", web::get().to(cases::get_branch))
                .route("/branches/{id}/commands", web::post().to(cases::command))
                .route(
                    "/branches/{id}/supplement-allowance",
                    web::post().to(cases::allow_supplement),
                )
                .route("/events", web::get().to(events::feed))
                .service(
                    web::resource("/webhooks")
                        .get(webhooks::list)
                        .post(webhooks::create),
                )
                // Before `/webhooks/{id}`, and with its own 405: other methods on `run` must
                // not fall through to the `{id}` routes (a 400 on the id).
                .service(
                    web::resource("/webhooks/run")
                        .post(webhooks::run)
                        .default_service(web::to(platform::http::not_found)),
                )
                .service(
                    web::resource("/webhooks/{id}")
                        .get(webhooks::get)
                        .patch(webhooks::update)
                        .delete(webhooks::delete),
                )
                .route(
                    "/webhooks/{id}/deliveries",
                    web::get().to(webhooks::deliveries),
                )
                .route(
                    "/webhooks/{id}/redeliver",
                    web::post().to(webhooks::redeliver),
                )
                .route("/cards", web::get().to(supervision::list_cards))
                .route(
                    "/cards/{id}/acknowledge",
                    web::post().to(supervision::acknowledge),
                )
                .route("/cards/{id}/revoke", web::post().to(supervision::revoke))
                .route("/claims", web::get().to(supervision::list_claims))
                .route("/claims/{id}/claim", web::post().to(supervision::claim))
                .service(
                    web::resource("/complaints")
                        .get(supervision::list_complaints)
                        .post(supervision::file_complaint),
                )
                .route(
                    "/complaints/{id}/assign",
                    web::post().to(supervision::assign_complaint),
                )
                .route(
                    "/complaints/{id}/answer",
                    web::post().to(supervision::answer_complaint),
                )
                .route(
                    "/complaints/{id}/finding",
                    web::post().to(supervision::complaint_finding),
                )
                .route(
                    "/complaints/{id}/close",
                    web::post().to(supervision::close_complaint),
                )
                .route("/statistics", web::get().to(supervision::statistics))
                .route(
                    "/reports/weekly-notice",
                    web::get().to(supervision::weekly_notice),
                )
                .route(
                    "/reports/monthly-analysis",
                    web::get().to(supervision::monthly_analysis),
                )
                .route("/notices", web::get().to(supervision::list_notices))
                .route("/extensions", web::get().to(supervision::list_extensions))
                .route(
                    "/supervision/jobs/{job}/run",
                    web::post().to(supervision::run_job),
                ),
        );
}
