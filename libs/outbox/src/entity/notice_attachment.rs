//! A file a notice's message carries (the 周通报's spreadsheet, the 月分析's spreadsheet and
//! PDF), stored with the notice so that every retried send carries the same bytes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notice_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    /// Order within the message.
    pub position: i32,
    /// The file name shown to the reader (may be Chinese).
    pub filename: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    pub content: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
