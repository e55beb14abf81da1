//! HTTP tests of the approval service: one binary, each test on a fresh database
//! (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set).

mod audit_chain;
mod auth;
mod bundles;
mod calendar;
mod cases;
mod cli;
mod clocks;
mod console;
mod defects;
mod departments;
mod duties;
mod exports;
mod exposition;
mod extensions;
mod facts;
mod helpers;
mod items;
mod limits;
mod mail;
mod metrics;
mod openapi;
mod pauses;
mod provisional;
mod public;
mod races;
mod sessions;
mod smtp_sink;
mod spans;
mod staff;
mod supervision;
mod supplement;
mod totp;
mod users;
mod validation;
mod webhooks;
