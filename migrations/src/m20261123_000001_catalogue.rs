//! The catalogue: departments, users, approval items (事项) and parallel bundles (并联套餐).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Code,
    Name,
    ParentId,
    HeadEmail,
    WindowEmail,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    Role,
    DepartmentId,
    PasswordHash,
    Active,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Items {
    Table,
    Id,
    Code,
    Category,
    Name,
    LegalBasis,
    DepartmentId,
    StatutoryLimitDays,
    PromisedLimitDays,
    LimitUnit,
    Location,
    Materials,
    SupervisionMethod,
    FeeStandard,
    FeeBasis,
    FeeAmountCents,
    Kind,
    CompletionMethod,
    PostApprovalDepartmentId,
    FlowSteps,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Bundles {
    Table,
    Id,
    Code,
    Name,
    Description,
    LeadDepartmentId,
    PromisedLimitDays,
    JoinPolicy,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum BundleItems {
    Table,
    Id,
    BundleId,
    ItemId,
    Stage,
    Position,
}

fn pk(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn ts(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Departments::Table)
                .col(pk(Departments::Id))
                .col(
                    ColumnDef::new(Departments::Code)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Departments::Name).string_len(200).not_null())
                .col(ColumnDef::new(Departments::ParentId).integer().null())
                .col(
                    ColumnDef::new(Departments::HeadEmail)
                        .string_len(254)
                        .null(),
                )
                .col(
                    ColumnDef::new(Departments::WindowEmail)
                        .string_len(254)
                        .null(),
                )
                .col(ts(Departments::CreatedAt))
                .col(ts(Departments::UpdatedAt))
                .col(ts_null(Departments::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Departments::Table, Departments::ParentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk(Users::Id))
                .col(
                    ColumnDef::new(Users::Username)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(Users::DisplayName)
                        .string_len(200)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::Email).string_len(254).null())
                .col(ColumnDef::new(Users::Role).string_len(32).not_null())
                .col(ColumnDef::new(Users::DepartmentId).integer().null())
                .col(
                    ColumnDef::new(Users::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Users::Active)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .col(ts_null(Users::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::DepartmentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Items::Table)
                .col(pk(Items::Id))
                .col(
                    ColumnDef::new(Items::Code)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Items::Category).string_len(48).not_null())
                .col(ColumnDef::new(Items::Name).string_len(200).not_null())
                .col(ColumnDef::new(Items::LegalBasis).text().not_null())
                .col(ColumnDef::new(Items::DepartmentId).integer().not_null())
                .col(
                    ColumnDef::new(Items::StatutoryLimitDays)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Items::PromisedLimitDays)
                        .integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Items::LimitUnit).string_len(16).not_null())
                .col(ColumnDef::new(Items::Location).string_len(200).not_null())
                .col(ColumnDef::new(Items::Materials).text().not_null())
                .col(ColumnDef::new(Items::SupervisionMethod).text().not_null())
                .col(ColumnDef::new(Items::FeeStandard).text().not_null())
                .col(ColumnDef::new(Items::FeeBasis).text().not_null())
                .col(
                    ColumnDef::new(Items::FeeAmountCents)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Items::Kind).string_len(16).not_null())
                .col(
                    ColumnDef::new(Items::CompletionMethod)
                        .string_len(200)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Items::PostApprovalDepartmentId)
                        .integer()
                        .null(),
                )
                .col(ColumnDef::new(Items::FlowSteps).text().not_null())
                .col(ts(Items::CreatedAt))
                .col(ts(Items::UpdatedAt))
                .col(ts_null(Items::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Items::Table, Items::DepartmentId)
                        .to(Departments::Table, Departments::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Items::Table, Items::PostApprovalDepartmentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_items_department_category")
                .table(Items::Table)
                .col(Items::DepartmentId)
                .col(Items::Category)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Bundles::Table)
                .col(pk(Bundles::Id))
                .col(
                    ColumnDef::new(Bundles::Code)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Bundles::Name).string_len(200).not_null())
                .col(ColumnDef::new(Bundles::Description).text().not_null())
                .col(
                    ColumnDef::new(Bundles::LeadDepartmentId)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Bundles::PromisedLimitDays)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Bundles::JoinPolicy)
                        .string_len(32)
                        .not_null(),
                )
                .col(ts(Bundles::CreatedAt))
                .col(ts(Bundles::UpdatedAt))
                .col(ts_null(Bundles::DeletedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Bundles::Table, Bundles::LeadDepartmentId)
                        .to(Departments::Table, Departments::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BundleItems::Table)
                .col(pk(BundleItems::Id))
                .col(ColumnDef::new(BundleItems::BundleId).integer().not_null())
                .col(ColumnDef::new(BundleItems::ItemId).integer().not_null())
                .col(ColumnDef::new(BundleItems::Stage).integer().not_null())
                .col(ColumnDef::new(BundleItems::Position).integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(BundleItems::Table, BundleItems::BundleId)
                        .to(Bundles::Table, Bundles::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(BundleItems::Table, BundleItems::ItemId)
                        .to(Items::Table, Items::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_bundle_items_bundle_item")
                .table(BundleItems::Table)
                .col(BundleItems::BundleId)
                .col(BundleItems::ItemId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_bundle_items_item")
                .table(BundleItems::Table)
                .col(BundleItems::ItemId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            BundleItems::Table.into_iden(),
            Bundles::Table.into_iden(),
            Items::Table.into_iden(),
            Users::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
