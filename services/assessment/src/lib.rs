//! The assessment service (绩效评估): learns what happened from the approval service's event
//! feed, scores departments quarterly against an indicator system, publishes immutable results
//! with revisions, and follows rectification (整改). Scoring rules live in the `scoring` crate.

pub mod accountability;
pub mod approval_client;
pub mod bulletins;
pub mod cache;
pub mod cadre;
pub mod calendar_sync;
pub mod console;
pub mod entities;
pub mod exports;
pub mod feed;
pub mod gather;
pub mod inputs;
pub mod jobs;
pub mod jwks;
pub mod metrics;
pub mod openapi;
pub mod people;
pub mod public;
pub mod quarter;
pub mod rectification;
pub mod results;
pub mod reviews;
pub mod routes;
pub mod second_round;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod systems;
