//! Schema migrations (sea-orm-migration). The same migrations run on PostgreSQL and SQLite;
//! the services apply pending ones at start, and `make migrate` applies them alone.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_catalogue;
mod m20261123_000002_calendar_and_audit;
mod m20261123_000003_cases;
mod m20261123_000004_supervision;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_catalogue::Migration),
            Box::new(m20261123_000002_calendar_and_audit::Migration),
            Box::new(m20261123_000003_cases::Migration),
            Box::new(m20261123_000004_supervision::Migration),
        ]
    }
}
