//! sea-orm entities, one per table; relations are resolved by explicit queries.

pub mod audit_chain_head;
pub mod audit_log;
pub mod branch;
pub mod bundle;
pub mod bundle_item;
pub mod card;
pub mod case;
pub mod claim;
pub mod complaint;
pub mod department;
pub mod event;
pub mod holiday_table;
pub mod idempotency_key;
pub mod item;
pub mod item_version;
pub mod login_failure;
pub mod password_history;
pub mod power;
pub mod power_version;
pub mod public_lookup;
pub mod refresh_token;
pub mod staff;
pub mod staff_version;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
