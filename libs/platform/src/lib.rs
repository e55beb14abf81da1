//! Shared edges of the services: configuration, errors mapped to HTTP (RFC 7807 problem+json),
//! JSON input with field-naming errors, JWT auth and roles, the database pool, Redis, pagination,
//! the injectable clock, telemetry (logs, traces) and the shared metrics kit. No domain rule
//! lives here.

pub mod auth;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod identity;
pub mod idle;
pub mod jobs;
pub mod json;
pub mod keys;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod pagination;
pub mod ratelimit;
pub mod secret;
pub mod telemetry;
pub mod text;

pub use error::{ApiError, ApiResult, FieldError};
