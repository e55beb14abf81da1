//! Webhook subscriptions of other government systems (政务服务 platform, 好差评, 电子证照) and
//! the log of every delivery attempt.
//!
//! - `webhooks`: one row per subscription: the target `url`, the `event_kinds` it wants (JSON
//!   array of strings; empty = every kind), an optional `department_id` filter, the signing
//!   `secret`, `active`, and the delivery state: `cursor` (the feed `seq` up to which every
//!   event has been delivered or skipped by the filters; advanced only after a 2xx),
//!   `status` (`ok` | `retrying` | `dead`), `failures` (consecutive), `next_attempt_at`,
//!   `last_error`, and the lease (`lease_token`, `lease_until`) with which one replica at a
//!   time delivers for the subscription.
//! - `webhook_deliveries`: one row per attempt (event `seq`, attempt number, HTTP status or
//!   error, duration), indexed by subscription.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    Id,
    Url,
    EventKinds,
    DepartmentId,
    Secret,
    Active,
    Status,
    Cursor,
    Failures,
    NextAttemptAt,
    LastError,
    LeaseToken,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventSeq,
    Attempt,
    StatusCode,
    Error,
    DurationMs,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Webhooks::Table)
                .col(
                    ColumnDef::new(Webhooks::Id)
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Webhooks::Url).string_len(2000).not_null())
                .col(ColumnDef::new(Webhooks::EventKinds).text().not_null())
                .col(ColumnDef::new(Webhooks::DepartmentId).integer().null())
                .col(ColumnDef::new(Webhooks::Secret).string_len(200).not_null())
                .col(ColumnDef::new(Webhooks::Active).boolean().not_null())
                .col(ColumnDef::new(Webhooks::Status).string_len(16).not_null())
                .col(ColumnDef::new(Webhooks::Cursor).big_integer().not_null())
                .col(ColumnDef::new(Webhooks::Failures).integer().not_null())
                .col(
                    ColumnDef::new(Webhooks::NextAttemptAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(Webhooks::LastError).text().null())
                .col(ColumnDef::new(Webhooks::LeaseToken).string_len(64).null())
                .col(
                    ColumnDef::new(Webhooks::LeaseUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(Webhooks::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Webhooks::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(
                    ColumnDef::new(WebhookDeliveries::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::WebhookId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::EventSeq)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::Attempt)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::StatusCode)
                        .integer()
                        .null(),
                )
                .col(ColumnDef::new(WebhookDeliveries::Error).text().null())
                .col(
                    ColumnDef::new(WebhookDeliveries::DurationMs)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_deliveries_webhook")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::WebhookId)
                .col(WebhookDeliveries::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}
