use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "branches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub item_id: i32,
    pub department_id: i32,
    pub stage: i32,
    pub state: String,
    pub extension_used: bool,
    pub decision_note: Option<String>,
    /// JSON of the statutory clock (calendar::StatutoryClock).
    pub clock: String,
    pub due_at: Option<DateTimeUtc>,
    pub warn_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i64,
    pub updated_at: DateTimeUtc,
    /// Due moment + the red-card threshold in working days.
    pub red_at: Option<DateTimeUtc>,
    /// The next moment the sweep has something to issue for this branch (NULL: nothing).
    pub next_alert_at: Option<DateTimeUtc>,
    /// Alerts issued so far: 0 none, 1 warning, 2 yellow card, 3 red card.
    pub alert_level: i32,
    /// JSON list of the material codes an open supplement request (补正) still waits for.
    pub pending_materials: Option<String>,
    /// The moments were computed over a year without a published holiday table.
    pub provisional: bool,
    /// Supplement requests (补正) made on this branch.
    pub supplement_requests: i32,
    /// A supervisor allowed one more supplement request.
    pub supplement_allowed: bool,
    /// Statutory limit (法定期限) minus promised limit (承诺期限), days: the statutory clock is the
    /// promised clock running this much longer.
    pub statutory_extra_days: i32,
    /// Due moment of the statutory clock; NULL while paused.
    pub statutory_due_at: Option<DateTimeUtc>,
    /// The `statutory_breach` card (超法定时限) was issued.
    pub statutory_breached: bool,
    /// While paused: when the pause raises its `pause_overdue` alert.
    pub pause_alert_at: Option<DateTimeUtc>,
    /// The `pause_overdue` alert of the current pause was issued.
    pub pause_alerted: bool,
    /// When the decision reached the platform; `decided_at` is when it was really made, as
    /// the department reports it.
    pub recorded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
