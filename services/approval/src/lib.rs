//! The parallel-approval service (并联审批): catalogue, calendar, and (next) cases, e-supervision
//! and the event feed. Handlers live in `routes`, catalogue rules in `catalogue::rules`,
//! working-day rules in the `calendar` crate.

pub mod audit;
pub mod calendar_store;
pub mod cases;
pub mod catalogue;
pub mod console;
pub mod demo;
pub mod entities;
pub mod login;
pub mod metrics;
pub mod notices;
pub mod openapi;
pub mod public;
pub mod routes;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod supervision;
pub mod webhooks;
