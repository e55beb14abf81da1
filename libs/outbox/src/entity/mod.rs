//! The `notices`, `notice_attempts` and `notice_attachments` tables; every service that sends
//! mail has all three (created by its own migrations, same columns).

pub mod notice;
pub mod notice_attachment;
pub mod notice_attempt;
