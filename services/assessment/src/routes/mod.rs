//! HTTP handlers of the assessment service: parse, authorise, call, map.

pub mod cadre;
pub mod health;
pub mod inputs;
pub mod people;
pub mod public;
pub mod results;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/public/rate", web::get().to(public::rate_page))
        .route("/public/rate", web::post().to(public::rate_submit))
        .route("/public/results", web::get().to(public::results_page))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .service(
            web::scope("/v1")
                .service(
                    web::resource("/indicator-systems")
                        .get(inputs::list_systems)
                        .post(inputs::create_system),
                )
                .service(
                    web::resource("/manual-scores")
                        .put(inputs::put_manual)
                        .delete(inputs::withdraw_manual),
                )
                .route("/adjustments", web::post().to(inputs::add_adjustment))
                .route("/ratings/onsite", web::post().to(inputs::onsite))
                .route("/ratings/haocha", web::post().to(inputs::haocha))
                .route("/callback-samples", web::post().to(inputs::draw_sample))
                .route("/callback-samples/{id}", web::get().to(inputs::get_sample))
                .route(
                    "/callback-samples/{id}/answers",
                    web::post().to(inputs::answer),
                )
                .service(
                    web::resource("/results")
                        .get(results::list)
                        .post(results::run),
                )
                .route("/results/{id}", web::get().to(results::get))
                .route(
                    "/results/{id}/departments/{department_id}",
                    web::get().to(results::department_breakdown),
                )
                .route("/results/{id}/submit", web::post().to(results::submit))
                .route("/results/{id}/return", web::post().to(results::send_back))
                .route("/results/{id}/approve", web::post().to(results::approve))
                .route("/second-rounds", web::get().to(results::second_rounds))
                .route(
                    "/second-rounds/{id}/result",
                    web::post().to(results::score_second_round),
                )
                .route("/self-assessments", web::post().to(inputs::self_assessment))
                .route("/peer-reviews", web::post().to(inputs::peer_review))
                .route("/power-volumes", web::put().to(inputs::power_volume))
                .route("/public/ratings", web::post().to(public::rate))
                .route("/public/ratings/status", web::post().to(public::status))
                .route("/public/results", web::get().to(public::results))
                .route("/staff", web::get().to(people::list_staff))
                .route("/staff/{id}/record", web::get().to(people::record))
                .route("/staff-entries", web::post().to(people::add_entry))
                .service(
                    web::resource("/staff-systems")
                        .get(people::list_staff_systems)
                        .post(people::define_staff_system),
                )
                .route("/staff-years", web::post().to(people::compute_year))
                .route("/staff-years/{year}", web::get().to(people::get_year))
                .route(
                    "/staff-years/{year}/approve",
                    web::post().to(people::approve_year),
                )
                .route("/admonitions", web::post().to(people::admonish))
                .route(
                    "/admonitions/{id}/acknowledge",
                    web::post().to(people::acknowledge),
                )
                .route("/measures", web::post().to(people::measure))
                .route(
                    "/self-examinations",
                    web::post().to(people::order_self_examination),
                )
                .service(
                    web::resource("/bulletins")
                        .get(people::list_bulletins)
                        .post(people::draft_bulletin),
                )
                .service(
                    web::resource("/bulletins/{id}")
                        .get(people::get_bulletin)
                        .put(people::edit_bulletin),
                )
                .route(
                    "/bulletins/{id}/approve",
                    web::post().to(people::approve_bulletin),
                )
                .route(
                    "/bulletins/{id}/publish",
                    web::post().to(people::publish_bulletin),
                )
                .route("/results/{id}/publish", web::post().to(results::publish))
                .route("/results/{id}/revisions", web::post().to(results::revise))
                .route("/departments/{id}/trend", web::get().to(results::trend))
                .route(
                    "/rectifications",
                    web::get().to(results::list_rectifications),
                )
                .route(
                    "/rectifications/{id}/submit",
                    web::post().to(results::submit_rectification),
                )
                .route(
                    "/rectifications/{id}/decision",
                    web::post().to(results::decide_rectification),
                )
                .route("/feed/status", web::get().to(health::feed_status))
                .route("/feed/pull", web::post().to(health::feed_pull))
                .route("/feed/reset", web::post().to(health::feed_reset))
                .route("/jobs/{job}/run", web::post().to(results::run_job))
                .route("/cadre/departments", web::get().to(cadre::departments))
                .route("/cadre/departments/{id}", web::get().to(cadre::department))
                .route("/cadre/staff", web::get().to(cadre::staff))
                .service(
                    web::resource("/weighting-schemes")
                        .get(cadre::list_schemes)
                        .post(cadre::create_scheme),
                )
                .route("/staff-reviews", web::put().to(cadre::put_review)),
        );
}
