//! Case progress lookup (办件查询): the applicant types the case number and the check code
//! (the last six characters of the ID number or credit code) and sees where the case stands —
//! each department's state, due moment and outcome, what is awaited from them, whether the
//! certificates are out. Never an opinion or note of a reviewer or approver, never a name, ID
//! number, phone number or e-mail address.
//!
//! - A wrong check code and an unknown number get the same answer, byte for byte (404
//!   `case_not_found`): the lookup does not tell which cases exist.
//! - Rate limits (per client address, per case number; see [`crate::state::PublicSettings`])
//!   are counted first; a refused request (429) is not a lookup and is not recorded.
//! - Every answered lookup is one `public_lookups` row (found or not), without the address or
//!   the number asked in the clear.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::ApiError;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::catalogue::model::Material;
use crate::entities::{branch, case, event, item, public_lookup};
use crate::state::AppState;

/// What the not-found answer says, for every miss.
pub const NOT_FOUND_MESSAGE: &str =
    "没有与该受理编号和校验码匹配的办件 / no case matches this number and check code";

/// The one answer for an unknown case number and for a wrong check code.
pub fn not_found() -> ApiError {
    ApiError::NoMatch {
        code: "case_not_found",
        message: NOT_FOUND_MESSAGE.into(),
    }
}

/// A lookup: the case number and the check code (校验码).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupInput {
    /// 受理编号, as printed on the acceptance notice, e.g. `20260309-0A1B2C3D`.
    #[schema(example = "20260309-0A1B2C3D", max_length = 64)]
    pub case_no: String,
    /// The last 6 characters of the applicant's ID number or unified social credit code;
    /// letters in any case.
    #[schema(example = "31002X", min_length = 6, max_length = 6)]
    pub check: String,
}

/// A material still awaited.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AwaitedMaterial {
    pub code: String,
    pub name: String,
}

/// What a branch waits for from the applicant (补正).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Awaited {
    pub materials: Vec<AwaitedMaterial>,
    /// The one-time supplement notice (一次性告知) the department gave with its request.
    pub notice: Option<String>,
}

/// One department's part of the case (分件), as the applicant may see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicBranch {
    pub department_id: i32,
    pub department_name: String,
    pub item_code: String,
    pub item_name: String,
    /// e.g. `reviewing`, `awaiting_supplement`, `suspended:approving:hearing`, `approved`.
    pub state: String,
    /// The state in Chinese, e.g. `审查中（一审）`.
    pub state_label: String,
    /// The promised due moment; absent while the clock is paused or the stage has not opened.
    pub due_at: Option<DateTime<Utc>>,
    /// `approved` or `rejected` once decided.
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Present while the department waits for materials.
    pub awaited: Option<Awaited>,
}

/// Issuance (统一发证) of the case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Issuance {
    /// `not_ready` (still being decided), `pending` (decided, certificates being prepared),
    /// `issued`, or `none` (rejected or withdrawn: nothing to issue).
    pub state: String,
    pub state_label: String,
    /// Issuance is due by then (行政许可法 第四十四条).
    pub due_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
}

/// The answer to a lookup.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LookupResult {
    pub case_no: String,
    /// `accepted`, `in_progress:<stage>`, `ready_for_issuance`, `issued`, `rejected`, `withdrawn`.
    pub state: String,
    pub state_label: String,
    pub accepted_at: DateTime<Utc>,
    /// The overall promised due moment.
    pub due_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub branches: Vec<PublicBranch>,
    pub issuance: Issuance,
}

pub fn case_state_label(state: &str) -> String {
    if let Some(stage) = state.strip_prefix("in_progress:") {
        return format!("办理中（第 {stage} 阶段）");
    }
    match state {
        "accepted" => "已受理",
        "in_progress" => "办理中",
        "ready_for_issuance" => "已办结，待发证",
        "issued" => "已发证",
        "rejected" => "不予许可",
        "withdrawn" => "已撤回",
        _ => "办理中",
    }
    .into()
}

pub fn branch_state_label(state: &str) -> String {
    if let Some(rest) = state.strip_prefix("suspended:") {
        let procedure = match rest.rsplit(':').next().unwrap_or_default() {
            "hearing" => "听证",
            "expert_review" => "专家评审",
            "testing" => "检验检测",
            _ => "特别程序",
        };
        return format!("特别程序（{procedure}）中，时限暂停");
    }
    match state {
        "pending" | "waiting" => "待前一阶段完成",
        "received" => "已接收，待审查",
        "reviewing" => "审查中（一审）",
        "approving" => "审批中（一核）",
        "awaiting_supplement" => "待补正材料，时限暂停",
        "approved" => "准予许可",
        "rejected" => "不予许可",
        "cancelled" => "已终止",
        _ => "办理中",
    }
    .into()
}

/// The normalised number (trimmed, upper-case: numbers are digits, `-` and hex letters).
fn normalise_case_no(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

/// Refuse what cannot be a number or a check code (422 naming the field): that tells nothing
/// about which cases exist.
fn checked(input: &LookupInput) -> Result<(String, String), ApiError> {
    let case_no = normalise_case_no(&input.case_no);
    if case_no.is_empty() || case_no.chars().count() > 64 {
        return Err(ApiError::validation(
            "case_no",
            "受理编号为 1–64 个字符 / the case number has 1–64 characters",
        ));
    }
    let check = input.check.trim().to_ascii_uppercase();
    if check.chars().count() != 6 {
        return Err(ApiError::validation(
            "check",
            "校验码为证件号码的后 6 位 / the check code is the last 6 characters of the ID number or credit code",
        ));
    }
    Ok((case_no, check))
}

/// Look a case up for `address` (the client's address, only ever kept hashed).
pub async fn lookup(
    state: &AppState,
    address: &str,
    input: &LookupInput,
) -> Result<LookupResult, ApiError> {
    let (case_no, check) = checked(input)?;
    let now = state.now();
    let now_secs = now.timestamp().max(0) as u64;
    let ns = platform::db::namespace(&state.config.database_url);
    let address_hash = platform::identity::sha256_hex(&format!(
        "lookup-address:{}:{address}",
        state.config.jwt_secret
    ));
    let case_hash = platform::identity::sha256_hex(&format!("lookup-case:{case_no}"));
    // The address first: a client over its own limit does not use up the case's.
    state
        .lookup_limits
        .per_address
        .check(
            state.redis.as_ref(),
            &format!("lookup:addr:{ns}:{address_hash}"),
            now_secs,
        )
        .await?;
    state
        .lookup_limits
        .per_case
        .check(
            state.redis.as_ref(),
            &format!("lookup:case:{ns}:{case_hash}"),
            now_secs,
        )
        .await?;

    let found = match case::Entity::find()
        .filter(case::Column::CaseNo.eq(case_no.as_str()))
        .one(&state.db)
        .await?
    {
        Some(c) => {
            let id_number = state
                .pii
                .open(crate::cases::vault::ID_NUMBER, &c.applicant_id_number)?;
            let expected = platform::identity::check_key(
                &c.case_no,
                &platform::identity::check_of(&id_number),
            );
            (expected == platform::identity::check_key(&c.case_no, &check)).then_some(c)
        }
        None => None,
    };
    public_lookup::ActiveModel {
        case_id: Set(found.as_ref().map(|c| c.id)),
        case_no_hash: Set(found.is_none().then(|| case_hash.clone())),
        found: Set(found.is_some()),
        at: Set(now),
        address_hash: Set(address_hash),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    let Some(c) = found else {
        return Err(not_found());
    };
    result(state, c).await
}

async fn result(state: &AppState, c: case::Model) -> Result<LookupResult, ApiError> {
    let db = &state.db;
    let branches = branch::Entity::find()
        .filter(branch::Column::CaseId.eq(c.id))
        .order_by_asc(branch::Column::Stage)
        .order_by_asc(branch::Column::Id)
        .all(db)
        .await?;
    let item_ids: Vec<i32> = branches.iter().map(|b| b.item_id).collect();
    let items: HashMap<i32, item::Model> = item::Entity::find()
        .filter(item::Column::Id.is_in(item_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let names = super::guide::departments(db).await?;
    let mut out = Vec::new();
    for b in branches {
        let it = items.get(&b.item_id);
        let awaited = if b.state == "awaiting_supplement" {
            Some(awaited(state, &b, it).await?)
        } else {
            None
        };
        let outcome = match b.state.as_str() {
            "approved" | "rejected" => Some(b.state.clone()),
            _ => None,
        };
        out.push(PublicBranch {
            department_id: b.department_id,
            department_name: names
                .get(&b.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| format!("部门 {}", b.department_id)),
            item_code: it.map(|i| i.code.clone()).unwrap_or_default(),
            item_name: it.map(|i| i.name.clone()).unwrap_or_default(),
            state_label: branch_state_label(&b.state),
            outcome_label: outcome.as_deref().map(branch_state_label),
            outcome,
            due_at: b.due_at,
            decided_at: b.decided_at.filter(|_| b.state != "cancelled"),
            awaited,
            state: b.state,
        });
    }
    let issuance = match (c.issued_at, c.state.as_str()) {
        (Some(at), _) => Issuance {
            state: "issued".into(),
            state_label: "已发证".into(),
            due_at: c.issuance_due_at,
            issued_at: Some(at),
        },
        (None, "ready_for_issuance") => Issuance {
            state: "pending".into(),
            state_label: "已办结，证照制作中，待统一发证".into(),
            due_at: c.issuance_due_at,
            issued_at: None,
        },
        (None, "rejected" | "withdrawn") => Issuance {
            state: "none".into(),
            state_label: "无需发证".into(),
            due_at: None,
            issued_at: None,
        },
        _ => Issuance {
            state: "not_ready".into(),
            state_label: "尚在办理，未到发证环节".into(),
            due_at: None,
            issued_at: None,
        },
    };
    Ok(LookupResult {
        state_label: case_state_label(&c.state),
        case_no: c.case_no,
        state: c.state,
        accepted_at: c.accepted_at,
        due_at: c.due_at,
        decided_at: c.decided_at,
        branches: out,
        issuance,
    })
}

/// The materials a branch in 补正 still waits for, by name, and the notice given with the
/// newest request.
async fn awaited(
    state: &AppState,
    b: &branch::Model,
    it: Option<&item::Model>,
) -> Result<Awaited, ApiError> {
    let list: Vec<Material> = it
        .and_then(|i| serde_json::from_str(&i.materials).ok())
        .unwrap_or_default();
    let last = event::Entity::find()
        .filter(event::Column::BranchId.eq(b.id))
        .filter(event::Column::Kind.eq("supplement_requested"))
        .order_by_desc(event::Column::Seq)
        .one(&state.db)
        .await?
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.payload).ok());
    let pending: Vec<String> = match &b.pending_materials {
        Some(json) => serde_json::from_str(json).unwrap_or_default(),
        None => last
            .as_ref()
            .and_then(|p| serde_json::from_value(p.get("missing")?.clone()).ok())
            .unwrap_or_default(),
    };
    let notice = last
        .as_ref()
        .and_then(|p| p.get("note")?.as_str().map(str::trim).map(str::to_string))
        .filter(|n| !n.is_empty());
    Ok(Awaited {
        materials: pending
            .into_iter()
            .map(|code| AwaitedMaterial {
                name: list
                    .iter()
                    .find(|m| m.code == code)
                    .map(|m| m.name.clone())
                    .unwrap_or_else(|| code.clone()),
                code,
            })
            .collect(),
        notice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_chinese() {
        assert_eq!(case_state_label("in_progress:2"), "办理中（第 2 阶段）");
        assert_eq!(case_state_label("issued"), "已发证");
        assert_eq!(branch_state_label("reviewing"), "审查中（一审）");
        assert_eq!(
            branch_state_label("suspended:approving:hearing"),
            "特别程序（听证）中，时限暂停"
        );
    }

    #[test]
    fn malformed_input_names_its_field() {
        let bad = |case_no: &str, check: &str| {
            checked(&LookupInput {
                case_no: case_no.into(),
                check: check.into(),
            })
            .err()
            .map(|e| e.problem().field)
        };
        assert_eq!(bad(" ", "31002X"), Some(Some("case_no".into())));
        assert_eq!(bad("20260309-0A1B2C3D", "1234"), Some(Some("check".into())));
        assert_eq!(bad("20260309-0a1b2c3d", "31002x"), None);
    }
}
