//! HTTP tests of the assessment service, running the real approval service beside it: cases
//! flow, the feed is consumed, quarters are scored, published, corrected and rectified.

mod accountability;
mod browser;
mod cadre;
mod calendar;
mod client;
mod console;
mod defects;
mod exports;
#[path = "../../../approval/tests/api/exposition.rs"]
mod exposition;
mod facts;
mod flow;
mod helpers;
mod inputs;
mod issuer;
mod metrics;
mod openapi;
mod people;
mod public;
mod replicas;
mod rounds;
mod trust;
