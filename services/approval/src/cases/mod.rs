//! Parallel-approval cases (办件): acceptance at one window (一口受理), one branch (分件) per
//! item, branch commands through the pure `workflow` crate, the join, unified issuance
//! (统一发证), and the event log that is also the feed other systems follow.
//!
//! Concurrency: every write to a case starts by bumping the case row's version
//! (`UPDATE cases SET version = version + 1`), which takes the row lock on PostgreSQL and the
//! write lock on SQLite, so the commands of one case run one after another and two last
//! branches approved at the same instant produce exactly one join. Branch rows are updated with
//! `WHERE version = <loaded>` as a second guard, and a client may send `If-Match: "<version>"`.

pub mod events;
pub mod idempotency;
pub mod kinds;
pub mod model;
pub mod payloads;
pub mod pii;
pub mod replan;
pub mod store;
pub mod vault;
