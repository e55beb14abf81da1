use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_cursor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub last_seq: i64,
    pub head_seq: i64,
    pub last_poll_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub updated_at: DateTimeUtc,
    /// The approval feed's epoch this cursor belongs to; NULL until the first page.
    pub epoch: Option<String>,
    /// Why the consumer stopped applying events (the feed's epoch changed); NULL while running.
    pub halted: Option<String>,
    /// First failed poll of the current run of failures; NULL after a good poll.
    pub failing_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
