//! The OpenAPI document, generated from the handlers and types (utoipa). `make openapi`
//! writes it to `openapi/approval.json`; a test fails when the committed file drifts.

use platform::openapi::StandardResponses;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parallel-approval service (并联审批)",
        description = "Catalogue of approval items (事项), parallel bundles (并联套餐), departments, users and the working-day calendar of the parallel-approval platform. Every route but the health checks, `POST /v1/auth/token`, filing a complaint and `/v1/public/*` needs `Authorization: Bearer <token>`. Time limits as the law counts them (each a setting of the service, its default given here): working days on the Asia/Shanghai calendar, the acceptance day not counted; a natural-day limit whose last day is a rest day ends on the next working day (民法典 第二百零三条); extensions once, while the clock runs and before it expires, at most `EXTENSION_MAX_DAYS` = 10 working days or `JOINT_EXTENSION_MAX_DAYS` = 15 for a branch of a bundle (行政许可法 第四十二条); issuance within `ISSUANCE_LIMIT_DAYS` = 10 working days of the decision (第四十四条); one supplement request listing every missing material (第三十二条); special procedures with an expected end (第四十五条). The product's own defaults, not fixed by the law: the red card `RED_CARD_DAYS` = 3 working days after the due moment, `SUPPLEMENT_WAIT_DAYS` = 10, `CLAIM_LIMIT_DAYS` = 5, `COMPLAINT_LIMIT_DAYS` = 5, the office close 17:00. A year without a published holiday table is computed from 全国年节及纪念日放假办法 (2024) and flagged `provisional`. Numbers typed `integer` must be JSON integers: `1795.0` is refused (422 `invalid_field`), as is a string or a number out of the documented range. Text fields refuse control characters other than tab and line breaks, and bidi-override characters (422 `invalid_characters`). Query parameters a route does not document are refused (400 `invalid_query`). Errors are RFC 7807 `application/problem+json` with a stable `code` and, for invalid input, the `field` to blame.",
        version = "1.0.0"
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::health::metrics,
        routes::auth::token,
        routes::auth::client_token,
        routes::auth::introspect,
        routes::auth::oidc,
        routes::auth::jwks,
        routes::auth::me,
        routes::auth::change_password,
        routes::auth::refresh,
        routes::auth::logout,
        routes::totp::enrol,
        routes::totp::confirm,
        routes::departments::list,
        routes::departments::get,
        routes::departments::create,
        routes::departments::update,
        routes::departments::delete,
        routes::items::list,
        routes::items::get,
        routes::items::create,
        routes::items::update,
        routes::items::delete,
        routes::powers::list,
        routes::powers::get,
        routes::powers::create,
        routes::powers::update,
        routes::powers::history,
        routes::staff::list,
        routes::staff::get,
        routes::staff::create,
        routes::staff::update,
        routes::staff::history,
        routes::bundles::list,
        routes::bundles::get,
        routes::bundles::create,
        routes::bundles::update,
        routes::bundles::delete,
        routes::users::list,
        routes::users::get,
        routes::users::create,
        routes::users::unlock,
        routes::totp::reset,
        routes::users::update,
        routes::users::delete,
        routes::calendar::settings,
        routes::calendar::list_years,
        routes::calendar::get_year,
        routes::calendar::put_year,
        routes::calendar::deadline,
        routes::audit::list,
        routes::audit::verify,
        routes::cases::submit,
        routes::cases::list,
        routes::cases::get,
        routes::cases::timeline,
        routes::cases::payment,
        routes::cases::withdraw,
        routes::cases::issue,
        routes::cases::get_branch,
        routes::cases::command,
        routes::cases::allow_supplement,
        routes::events::feed,
        routes::webhooks::list,
        routes::webhooks::create,
        routes::webhooks::get,
        routes::webhooks::update,
        routes::webhooks::delete,
        routes::webhooks::deliveries,
        routes::webhooks::redeliver,
        routes::webhooks::run,
        routes::supervision::list_cards,
        routes::supervision::acknowledge,
        routes::supervision::revoke,
        routes::supervision::list_claims,
        routes::supervision::claim,
        routes::supervision::file_complaint,
        routes::supervision::list_complaints,
        routes::supervision::assign_complaint,
        routes::supervision::answer_complaint,
        routes::supervision::close_complaint,
        routes::supervision::complaint_finding,
        routes::supervision::statistics,
        routes::supervision::weekly_notice,
        routes::supervision::monthly_analysis,
        routes::supervision::list_notices,
        routes::supervision::list_extensions,
        routes::supervision::run_job,
        routes::public::items,
        routes::public::item,
        routes::public::item_versions,
        routes::public::item_version,
        routes::public::bundle,
        routes::public::lookup_case,
        routes::public::decisions_list,
    ),
    components(schemas(
        platform::error::Problem,
        platform::error::FieldError,
        reports::http::TableFormat,
        reports::http::ExportFormat
    )),
    modifiers(&BearerAuth, &StandardResponses),
    tags(
        (name = "auth", description = "Tokens"),
        (name = "catalogue", description = "Departments, approval items (事项), parallel bundles (并联套餐) and the power list (权责清单)"),
        (name = "users", description = "Accounts and roles"),
        (name = "staff", description = "The staff register (窗口工作人员): who works at which department's window, in which post, from when to when"),
        (name = "calendar", description = "Working-day calendar: holiday tables and deadlines"),
        (name = "audit", description = "Audit trail"),
        (name = "cases", description = "Parallel-approval cases (办件) and branches (分件)"),
        (name = "events", description = "The event feed"),
        (name = "webhooks", description = "Signed webhook delivery of the feed to other systems (Standard Webhooks signatures; at-least-once, in order per subscription, `webhook-id` for deduplication)"),
        (name = "supervision", description = "E-supervision (电子监察): cards, claims, complaints, statistics, notices, jobs"),
        (name = "public", description = "What the public sees, without a token: the service guide (办事指南), case lookup (办件查询), published results (结果公开)"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The spec as committed: pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
