//! Results published (结果公开): the approvals the departments granted, newest first — the
//! item, the department, the day of the decision, the licence or decision number, and the
//! holder only when it is an enterprise. A natural person's name is never published, nor is a
//! rejection; an approval of a case that was rejected as a whole or withdrawn is not a result
//! either (nothing was granted).
//!
//! The platform records no licence number of its own yet, so `number` is the case number
//! (受理编号) the result was decided under.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use platform::pagination::{encode_cursor, Page, PageRequest};
use platform::ApiError;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::entities::{branch, case, item};

/// One published approval.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicDecision {
    pub item_code: String,
    pub item_name: String,
    pub department_id: i32,
    pub department_name: String,
    /// When the department decided (UTC).
    pub decided_at: DateTime<Utc>,
    /// The day of the decision, Asia/Shanghai.
    pub decided_on: NaiveDate,
    /// The licence or decision number; the case number (受理编号) while the platform records
    /// no licence number of its own.
    pub number: String,
    /// The holder, only when it is an enterprise (its name); absent for a natural person.
    pub holder: Option<String>,
}

/// Filters of the list: an item code and a range of local days (both inclusive).
#[derive(Debug, Clone, Default)]
pub struct DecisionFilter {
    pub item_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of approvals, newest first (the cursor is the last branch seen).
pub async fn list(
    db: &DatabaseConnection,
    f: &DecisionFilter,
    page: PageRequest,
) -> Result<Page<PublicDecision>, ApiError> {
    if let (Some(from), Some(to)) = (f.from, f.to) {
        if from > to {
            return Err(ApiError::validation("to", "must not be before `from`"));
        }
    }
    let mut q = branch::Entity::find()
        .filter(branch::Column::State.eq("approved"))
        .filter(branch::Column::DecidedAt.is_not_null());
    if let Some(code) = f
        .item_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let ids: Vec<i32> = item::Entity::find()
            .filter(item::Column::Code.eq(code))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        q = q.filter(branch::Column::ItemId.is_in(ids));
    }
    if let Some(from) = f.from {
        q = q.filter(branch::Column::DecidedAt.gte(calendar::local_midnight(from)));
    }
    if let Some(to) = f.to.and_then(|d| d.succ_opt()) {
        q = q.filter(branch::Column::DecidedAt.lt(calendar::local_midnight(to)));
    }
    // Only results of cases still standing: a rejected or withdrawn case granted nothing.
    q = q.filter(
        branch::Column::CaseId.in_subquery(
            sea_orm::sea_query::Query::select()
                .column(case::Column::Id)
                .from(case::Entity)
                .and_where(case::Column::State.is_not_in(["rejected", "withdrawn"]))
                .to_owned(),
        ),
    );
    if let Some(before) = page.after_id {
        q = q.filter(branch::Column::Id.lt(before));
    }
    let rows = q
        .order_by_desc(branch::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > page.limit;
    let rows: Vec<branch::Model> = rows.into_iter().take(page.limit as usize).collect();
    let case_ids: Vec<i32> = rows.iter().map(|b| b.case_id).collect();
    let item_ids: Vec<i32> = rows.iter().map(|b| b.item_id).collect();
    let cases: HashMap<i32, case::Model> = case::Entity::find()
        .filter(case::Column::Id.is_in(case_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let items: HashMap<i32, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(item_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let names = super::guide::departments(db).await?;
    let next_cursor = if more {
        rows.last().map(|b| encode_cursor(b.id as i64))
    } else {
        None
    };
    let mut out = Vec::new();
    for b in rows {
        let (Some(decided_at), Some(c)) = (b.decided_at, cases.get(&b.case_id)) else {
            continue;
        };
        let it = items.get(&b.item_id);
        out.push(PublicDecision {
            item_code: it.map(|i| i.code.clone()).unwrap_or_default(),
            item_name: it.map(|i| i.name.clone()).unwrap_or_default(),
            department_id: b.department_id,
            department_name: names
                .get(&b.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| format!("部门 {}", b.department_id)),
            decided_at,
            decided_on: decided_at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .date_naive(),
            number: c.case_no.clone(),
            // Only an enterprise is named; a natural person's name is personal information.
            holder: (c.applicant_kind == "enterprise").then(|| c.applicant_name.clone()),
        });
    }
    Ok(Page {
        items: out,
        next_cursor,
    })
}
