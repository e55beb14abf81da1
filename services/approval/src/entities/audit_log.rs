use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The client address of the request (sign-ins, lockouts), when recorded.
    pub source: Option<String>,
    /// PostgreSQL: the writing transaction's id (filled by the column's default); NULL on SQLite.
    pub xid: Option<i64>,
    /// The row's place in the hash chain (1, 2, 3 …), set by the sealer; NULL until sealed.
    pub chain_seq: Option<i64>,
    /// The hash of the row before it in the chain (the anchor's for the first).
    pub prev_hash: Option<String>,
    /// SHA-256 over `prev_hash` and the row's canonical content (`audit::chain`).
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
