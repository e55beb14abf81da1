//! sea-orm entities, one per table; relations are resolved by explicit queries.

pub mod audit_log;
pub mod bundle;
pub mod bundle_item;
pub mod department;
pub mod holiday_table;
pub mod item;
pub mod user;
