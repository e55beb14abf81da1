//! The `notices` and `notice_attempts` tables; every service that sends mail has both
//! (created by its own migrations, same columns).

pub mod notice;
pub mod notice_attempt;
