//! The accountability chain (效能告诫及责任追究制度, Xiangyang): written admonitions (效能告诫)
//! to a person or a unit with the facts they rest on, acknowledged by the one admonished;
//! orders to make a written self-examination (责令书面检查) by a deadline — the rectification
//! machinery ([`crate::rectification::open_order`]): notice, submission, acceptance or return
//! by the supervisor, reminders and escalation; and accountability measures (责任追究: 通报批评,
//! 调离窗口, 诫勉谈话 …) recorded against a person with the decision and who took it.
//! Admonitions and measures deduct from the person's daily record ([`crate::people`]).

use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{accountability_measure, admonition};
use crate::people;
use outbox::NewNotice;

/// Working days a unit has for a written self-examination (this product's default; the
/// sources order it without a number).
pub const SELF_EXAMINATION_WORKING_DAYS: u32 = 10;

/// Fact references: at least one, each 1–100 characters (`card:…`, `complaint:…`, a document).
pub fn facts(field: &str, v: &[String]) -> Result<Vec<String>, ApiError> {
    let out: Vec<String> = v
        .iter()
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    if out.is_empty() {
        return Err(ApiError::Validation {
            code: "no_facts",
            errors: vec![FieldError::new(
                field,
                "name at least one fact it rests on (a card, a complaint, a document)",
            )],
        });
    }
    if out.iter().any(|f| f.chars().count() > 100) || out.len() > 200 {
        return Err(ApiError::validation(
            field,
            "at most 200 facts of at most 100 characters each",
        ));
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmonitionInput {
    /// The unit admonished (or the person's unit).
    pub department_id: i32,
    /// The person admonished; omitted, the admonition is to the unit.
    #[serde(default)]
    pub staff_id: Option<i32>,
    pub facts: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Admonition {
    pub id: i32,
    pub department_id: i32,
    pub staff_id: Option<i32>,
    pub facts: Vec<String>,
    pub text: String,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

fn view(m: admonition::Model) -> Admonition {
    Admonition {
        id: m.id,
        department_id: m.department_id,
        staff_id: m.staff_id,
        facts: serde_json::from_str(&m.facts).unwrap_or_default(),
        text: m.text,
        issued_by: m.issued_by,
        issued_at: m.issued_at,
        acknowledged_by: m.acknowledged_by,
        acknowledged_at: m.acknowledged_at,
    }
}

/// A supervisor issues an admonition; the unit is notified. (The route checks the department
/// is known first.)
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction accountability.admonish", db.operation = "accountability.admonish"))]
pub async fn admonish(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: AdmonitionInput,
) -> Result<Admonition, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let facts = facts("facts", &input.facts)?;
    let text = crate::inputs::short("text", &input.text, 4000)?;
    let txn = db.begin().await?;
    if let Some(sid) = input.staff_id {
        people::check_person(
            &txn,
            sid,
            Some(input.department_id),
            now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive(),
            "staff_id",
        )
        .await?;
    }
    let m = admonition::ActiveModel {
        staff_id: Set(input.staff_id),
        department_id: Set(input.department_id),
        facts: Set(serde_json::to_string(&facts).unwrap_or_default()),
        text: Set(text.clone()),
        issued_by: Set(actor.name.clone()),
        issued_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    outbox::enqueue(
        &txn,
        NewNotice {
            kind: "admonition",
            dedup_key: format!("admonition:{}", m.id),
            subject: format!(
                "[效能告诫] admonition {} to department {}",
                m.id, m.department_id
            ),
            body: format!("{text}\n\n依据 / facts: {}", facts.join(", ")),
            recipients: crate::rectification::department_addresses(&txn, m.department_id).await?,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view(m))
}

/// The one admonished acknowledges it: the person's own account, or the unit's chief
/// representative for an admonition to the unit. Once.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction accountability.acknowledge", db.operation = "accountability.acknowledge"))]
pub async fn acknowledge(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    id: i32,
) -> Result<Admonition, ApiError> {
    let txn = db.begin().await?;
    let m = admonition::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("admonition", id))?;
    let mine = match m.staff_id {
        Some(sid) => people::staff_row(&txn, sid, "staff_id")
            .await?
            .user_id
            .is_some_and(|u| u == actor.id),
        None => actor.role == Role::Approver && actor.department_id == Some(m.department_id),
    };
    if !mine {
        return Err(ApiError::Forbidden {
            code: "not_yours",
            message: format!("admonition {id} is acknowledged by the one it admonishes"),
        });
    }
    let moved = admonition::Entity::update_many()
        .col_expr(
            admonition::Column::AcknowledgedBy,
            Expr::value(Some(actor.name.clone())),
        )
        .col_expr(admonition::Column::AcknowledgedAt, Expr::value(Some(now)))
        .filter(admonition::Column::Id.eq(id))
        .filter(admonition::Column::AcknowledgedAt.is_null())
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ApiError::conflict(
            "already_acknowledged",
            format!("admonition {id} is acknowledged already"),
        ));
    }
    let m = admonition::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("admonition", id))?;
    txn.commit().await?;
    Ok(view(m))
}

/// The measures of 责任追究.
pub const MEASURES: [&str; 4] = [
    "public_criticism",
    "removal_from_window",
    "admonishment_talk",
    "other",
];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    pub staff_id: i32,
    /// `public_criticism` 通报批评, `removal_from_window` 调离窗口, `admonishment_talk` 诫勉谈话,
    /// `other`.
    pub measure: String,
    /// The decision as taken (text, document number).
    pub decision: String,
    pub facts: Vec<String>,
}

/// A leader records an accountability measure against a person.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction accountability.measure", db.operation = "accountability.measure"))]
pub async fn measure(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: MeasureInput,
) -> Result<serde_json::Value, ApiError> {
    actor.require(&[Role::Leader])?;
    if !MEASURES.contains(&input.measure.as_str()) {
        return Err(ApiError::validation(
            "measure",
            format!("must be one of {}", MEASURES.join(", ")),
        ));
    }
    let facts = facts("facts", &input.facts)?;
    let decision = crate::inputs::short("decision", &input.decision, 4000)?;
    let txn = db.begin().await?;
    let s = people::staff_row(&txn, input.staff_id, "staff_id").await?;
    let m = accountability_measure::ActiveModel {
        staff_id: Set(s.staff_id),
        department_id: Set(s.department_id),
        measure: Set(input.measure),
        decision: Set(decision),
        facts: Set(serde_json::to_string(&facts).unwrap_or_default()),
        decided_by: Set(actor.name.clone()),
        decided_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(serde_json::json!({
        "id": m.id, "staff_id": m.staff_id, "department_id": m.department_id,
        "measure": m.measure, "decision": m.decision, "facts": facts,
        "decided_by": m.decided_by, "decided_at": m.decided_at,
    }))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfExaminationInput {
    pub department_id: i32,
    /// The person who must write it; omitted, the unit.
    #[serde(default)]
    pub staff_id: Option<i32>,
    pub facts: Vec<String>,
    /// What the self-examination must answer.
    pub what: String,
    /// Working days allowed (default 10, this product's default; 1–30).
    #[serde(default)]
    pub working_days: Option<u32>,
}

/// A supervisor orders a written self-examination (责令书面检查): an order on the
/// rectification machinery (kind `self_examination`).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction accountability.order_self_examination", db.operation = "accountability.order_self_examination"))]
pub async fn order_self_examination(
    db: &DatabaseConnection,
    cal: &calendar::WorkCalendar,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: SelfExaminationInput,
) -> Result<crate::rectification::Rectification, ApiError> {
    actor.require(&[Role::Supervisor])?;
    let facts = facts("facts", &input.facts)?;
    let what = crate::inputs::short("what", &input.what, 4000)?;
    let days = input.working_days.unwrap_or(SELF_EXAMINATION_WORKING_DAYS);
    if !(1..=30).contains(&days) {
        return Err(ApiError::validation("working_days", "must be 1–30"));
    }
    let txn = db.begin().await?;
    if let Some(sid) = input.staff_id {
        people::check_person(
            &txn,
            sid,
            Some(input.department_id),
            now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive(),
            "staff_id",
        )
        .await?;
    }
    let source_ref = format!(
        "self_examination:{}:{}",
        now.timestamp_millis(),
        facts.join(",").chars().take(80).collect::<String>()
    );
    let id = crate::rectification::open_order(
        &txn,
        cal,
        crate::rectification::Order {
            kind: "self_examination",
            source_ref: &source_ref,
            department_id: input.department_id,
            staff_id: input.staff_id,
            working_days: days,
        },
        now,
        &format!("{what}\n\n依据 / facts: {}", facts.join(", ")),
    )
    .await?;
    let m = crate::entities::rectification::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("order vanished".into()))?;
    txn.commit().await?;
    Ok(m.into())
}
