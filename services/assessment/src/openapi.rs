//! The assessment service's OpenAPI document (`make openapi` writes `openapi/assessment.json`).

use platform::openapi::StandardResponses;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Assessment service (绩效评估)",
        description = "Quarterly performance assessment of the departments of a government service centre, fed by the parallel-approval service's event feed: indicator systems (default: Fenghua's nine categories, 100 points), manual scores with evidence, satisfaction from three sources, quarterly results (draft → approved → published; corrections are new revisions), rectification orders (整改). Scores are in points with two decimals; grades: below 60 不合格 `fail`, 60 to below 80 合格 `pass`, 80 to below 95 良好 `good`, 95 and above 优秀 `excellent`. Numbers typed `integer` must be JSON integers: `1795.0` is refused (422 `invalid_field`), as is a string or a number out of the documented range. Text fields refuse control characters other than tab and line breaks, and bidi-override characters (422 `invalid_characters`). Query parameters a route does not document are refused (400 `invalid_query`). Errors are RFC 7807 problem+json with a stable `code` and the `field` to blame.",
        version = "1.0.0"
    ),
    paths(
        routes::health::healthz, routes::health::readyz, routes::health::metrics, routes::health::feed_status, routes::health::feed_pull, routes::health::feed_reset,
        routes::inputs::list_systems, routes::inputs::create_system, routes::inputs::put_manual, routes::inputs::withdraw_manual, routes::inputs::add_adjustment,
        routes::inputs::onsite, routes::inputs::haocha, routes::inputs::draw_sample, routes::inputs::get_sample, routes::inputs::answer,
        routes::results::run, routes::results::list, routes::results::get, routes::results::department_breakdown, routes::results::submit, routes::results::send_back, routes::results::approve, routes::results::second_rounds, routes::results::score_second_round, routes::inputs::self_assessment, routes::inputs::peer_review, routes::inputs::power_volume, routes::public::status, routes::public::rate, routes::public::results, routes::people::list_staff, routes::people::list_staff_systems, routes::people::define_staff_system, routes::people::record, routes::people::add_entry, routes::people::compute_year, routes::people::get_year, routes::people::approve_year, routes::people::admonish, routes::people::acknowledge, routes::people::measure, routes::people::order_self_examination, routes::people::draft_bulletin, routes::people::list_bulletins, routes::people::get_bulletin, routes::people::edit_bulletin, routes::people::approve_bulletin, routes::people::publish_bulletin, routes::results::publish,
        routes::results::revise, routes::results::trend, routes::results::list_rectifications, routes::results::submit_rectification,
        routes::results::decide_rectification, routes::results::run_job,
        routes::cadre::departments, routes::cadre::department, routes::cadre::staff, routes::cadre::list_schemes,
        routes::cadre::create_scheme, routes::cadre::put_review,
    ),
    components(schemas(
        platform::error::Problem,
        platform::error::FieldError,
        reports::http::TableFormat
    )),
    modifiers(&BearerAuth, &StandardResponses),
    tags(
        (name = "indicators", description = "Indicator systems (指标体系)"),
        (name = "inputs", description = "Manual scores, bonuses, ratings, callbacks"),
        (name = "results", description = "Quarterly results, revisions, reports"),
        (name = "rectification", description = "Rectification orders (整改)"),
        (name = "feed", description = "The approval feed consumer"),
        (name = "cadre", description = "Cadre evaluation weighting (干部考核) for organization departments: department and staff scores with provenance, ETags, rate limits"),
        (name = "health", description = "Probes and metrics"),
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

pub fn spec_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
