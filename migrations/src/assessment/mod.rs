//! Migrations of the assessment service's own database.

use sea_orm_migration::prelude::*;

mod m20261123_100001_assessment;
mod m20261123_100002_cadre;
mod m20261201_100003_feed_identity_and_audit;
mod m20261201_100004_calendar_version;
mod m20261202_100005_trusted_scores;
mod m20261202_100006_people;
mod m20261202_100007_public;
mod m20261202_100008_notice_attachments;

pub struct AssessmentMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AssessmentMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_100001_assessment::Migration),
            Box::new(m20261123_100002_cadre::Migration),
            Box::new(m20261201_100003_feed_identity_and_audit::Migration),
            Box::new(m20261201_100004_calendar_version::Migration),
            Box::new(m20261202_100005_trusted_scores::Migration),
            Box::new(m20261202_100006_people::Migration),
            Box::new(m20261202_100007_public::Migration),
            Box::new(m20261202_100008_notice_attachments::Migration),
        ]
    }

    // Its own ledger table, so the two services could even share one database.
    fn migration_table_name() -> DynIden {
        Alias::new("assessment_migrations").into_iden()
    }
}
