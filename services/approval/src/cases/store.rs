//! Case persistence: submission, branch and case commands, the join, payment, queries.
//! Every write is one transaction that starts by locking the case (see the module doc).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use calendar::{LimitUnit, StatutoryClock, WarnRule};
use chrono::{DateTime, Utc};
use platform::auth::{AuthUser, Role};
use platform::{ApiError, FieldError};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::json;
use workflow::{BranchCommand, BranchState, CaseCommand, CaseState, ClockEffect, JoinOutcome};

use super::events::{self, NewEvent};
use super::idempotency::{self, IdemKey};
use super::model::*;
use super::pii::{self, Disclosure};
use super::vault::{self, PiiVault};
use crate::calendar_store::compute_error;
use crate::entities::{branch, bundle, bundle_item, card, case, event, item};
use crate::state::Timing;
use crate::supervision::alerts;

// ---------- mapping to the pure workflow ----------

pub fn wf_actor(user: &AuthUser) -> workflow::Actor {
    let role = match user.role {
        Role::Clerk => workflow::Role::Clerk,
        Role::Reviewer => workflow::Role::Reviewer,
        Role::Approver => workflow::Role::Approver,
        Role::Supervisor => workflow::Role::Supervisor,
        Role::Assessor => workflow::Role::Assessor,
        Role::OrgDept => workflow::Role::OrgDept,
        Role::Sysadmin => workflow::Role::Sysadmin,
        Role::Secadmin => workflow::Role::Secadmin,
        Role::Auditor => workflow::Role::Auditor,
        Role::Service => workflow::Role::Service,
        Role::Leader => workflow::Role::Leader,
        Role::Callcenter => workflow::Role::Callcenter,
        Role::Inspector => workflow::Role::Inspector,
    };
    workflow::Actor::new(user.id as i64, role, user.department_id.map(i64::from))
}

/// A refused command: 403 for permissions, 422 for a bad payload, 409 for the wrong state.
fn refusal(r: workflow::Refusal) -> ApiError {
    if r.is_permission() {
        ApiError::forbidden(r.to_string())
    } else if r.is_invalid_input() {
        ApiError::Validation {
            code: r.code(),
            errors: vec![FieldError::new(
                r.field().unwrap_or_else(|| "command".into()),
                r.to_string(),
            )],
        }
    } else {
        ApiError::conflict(r.code(), r.to_string())
    }
}

fn stored<T: std::str::FromStr>(v: &str, what: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    v.parse()
        .map_err(|e| ApiError::Internal(format!("stored {what} `{v}` unreadable: {e}")))
}

fn wf_branch(b: &branch::Model) -> Result<workflow::Branch, ApiError> {
    Ok(workflow::Branch {
        id: b.id as i64,
        case_id: b.case_id as i64,
        item_id: b.item_id as i64,
        department_id: b.department_id as i64,
        stage: b.stage as u32,
        state: stored(&b.state, "branch state")?,
        extension_used: b.extension_used,
        version: b.version,
        decision_note: b.decision_note.clone(),
        pending_materials: match &b.pending_materials {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| ApiError::Internal(format!("stored pending materials: {e}")))?,
            None => Vec::new(),
        },
        supplement_requests: u32::try_from(b.supplement_requests).unwrap_or(0),
        supplement_allowed: b.supplement_allowed,
        joint: false,
        max_extension_days: None,
        supplement_restarts: false,
        due_at: b.due_at,
    })
}

/// 告知延期理由 (行政许可法 第四十二条: 应当将延长期限的理由告知申请人): a notice to the
/// applicant, delivered by the outbox like every notice; without an e-mail address on the
/// case it is recorded as undeliverable, for the window to hand over in person.
async fn notify_extension<C: ConnectionTrait>(
    c: &C,
    case: &case::Model,
    b: &branch::Model,
    days: u32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let due = b
        .due_at
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y年%m月%d日 %H:%M（北京时间）")
                .to_string()
        })
        .unwrap_or_default();
    crate::notices::enqueue(
        c,
        outbox::NewNotice {
            kind: "extension_notice",
            dedup_key: format!("extension:{}", b.id),
            subject: format!("延期告知：办件 {} 的办理期限延长 {days} 个工作日", case.case_no),
            body: format!(
                "{}：\n\n您的申请（办件编号 {}）因以下理由，经本机关负责人批准，办理期限延长 {days} 个工作日，\n新的办结期限为 {due}。\n\n延期理由：{reason}\n\n依据：《中华人民共和国行政许可法》第四十二条。",
                case.applicant_name, case.case_no
            ),
            recipients: case.applicant_email.iter().cloned().collect(),
        },
        now,
    )
    .await?;
    Ok(())
}

/// A pause is never a hiding place: entering 补正 sets the moment the wait becomes overdue
/// (`SUPPLEMENT_WAIT_DAYS` working days), a suspension the office close of its expected end;
/// the sweep raises a `pause_overdue` alert then. Leaving the pause clears it and closes the
/// alert (`resumed`).
async fn watch_pause<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    before: &branch::Model,
    saved: branch::Model,
    cmd: &BranchCommand,
    now: DateTime<Utc>,
) -> Result<branch::Model, ApiError> {
    let was: BranchState = stored(&before.state, "branch state")?;
    let is: BranchState = stored(&saved.state, "branch state")?;
    let (alert_at, alerted) = match (is, cmd) {
        (BranchState::Suspended { .. }, BranchCommand::Suspend { expected_end, .. }) => {
            (Some(cal.cal.close_of(*expected_end)), false)
        }
        (BranchState::AwaitingSupplement, _) if was == BranchState::AwaitingSupplement => {
            (saved.pause_alert_at, saved.pause_alerted)
        }
        (BranchState::AwaitingSupplement, _) => {
            (cal.cal.deadline(now, cal.supplement_wait_days).ok(), false)
        }
        (s, _) if s.is_clock_paused() => (saved.pause_alert_at, saved.pause_alerted),
        _ => (None, false),
    };
    if (alert_at, alerted) == (saved.pause_alert_at, saved.pause_alerted) {
        return Ok(saved);
    }
    let next = if is.is_clock_paused() && !alerted {
        alert_at
    } else {
        saved.next_alert_at
    };
    branch::Entity::update_many()
        .col_expr(branch::Column::PauseAlertAt, Expr::value(alert_at))
        .col_expr(branch::Column::PauseAlerted, Expr::value(alerted))
        .col_expr(branch::Column::NextAlertAt, Expr::value(next))
        .filter(branch::Column::Id.eq(saved.id))
        .exec(c)
        .await?;
    if was.is_clock_paused() && !is.is_clock_paused() {
        card::Entity::update_many()
            .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
            .col_expr(
                card::Column::ClosedHow,
                Expr::value(Some("resumed".to_string())),
            )
            .col_expr(
                card::Column::ClosedBy,
                Expr::value(Some("system".to_string())),
            )
            .filter(card::Column::SubjectKind.eq("branch"))
            .filter(card::Column::SubjectId.eq(saved.id))
            .filter(card::Column::Level.eq("pause_overdue"))
            .filter(card::Column::ClosedAt.is_null())
            .exec(c)
            .await?;
    }
    branch::Entity::find_by_id(saved.id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::Internal("branch vanished".into()))
}

/// The approving 负责人 of an extension (行政许可法 第四十二条: 经本行政机关负责人批准) must be a
/// real, active user with the approver role (首席代表) of the branch's own department.
async fn check_extension_approver<C: ConnectionTrait>(
    c: &C,
    row: &branch::Model,
    cmd: &BranchCommand,
) -> Result<(), ApiError> {
    let BranchCommand::Extend { approver_id, .. } = cmd else {
        return Ok(());
    };
    let Ok(id) = i32::try_from(*approver_id) else {
        return Err(ApiError::validation("approver_id", "is not a user id"));
    };
    if id <= 0 {
        return Ok(()); // the workflow refuses it, naming the article
    }
    let user = crate::entities::user::Entity::find_by_id(id).one(c).await?;
    let ok = user.as_ref().is_some_and(|u| {
        u.active
            && u.deleted_at.is_none()
            && u.role == Role::Approver.as_str()
            && u.department_id == Some(row.department_id)
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::Validation {
            code: "invalid_approver",
            errors: vec![FieldError::new(
                "approver_id",
                format!(
                    "user {id} is not an active approver (负责人) of department {}; 行政许可法 第四十二条 requires the approval of the department's 负责人",
                    row.department_id
                ),
            )],
        })
    }
}

/// A branch that entered 补正 before `pending_materials` existed (migration 5) waits for what
/// its newest `supplement_requested` event listed.
async fn legacy_pending<C: ConnectionTrait>(
    c: &C,
    b: &branch::Model,
) -> Result<Vec<String>, ApiError> {
    use crate::entities::event;
    let last = event::Entity::find()
        .filter(event::Column::BranchId.eq(b.id))
        .filter(event::Column::Kind.eq("supplement_requested"))
        .order_by_desc(event::Column::Seq)
        .one(c)
        .await?;
    Ok(last
        .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.payload).ok())
        .and_then(|p| serde_json::from_value(p.get("missing")?.clone()).ok())
        .unwrap_or_default())
}

/// A supplement request may list only materials of the branch's item (一次性告知 of what the
/// item's list requires), each by its code.
fn check_requested_materials(item: &item::Model, cmd: &BranchCommand) -> Result<(), ApiError> {
    let BranchCommand::RequestSupplement { missing, .. } = cmd else {
        return Ok(());
    };
    let list: Vec<crate::catalogue::model::Material> = serde_json::from_str(&item.materials)
        .map_err(|e| ApiError::Internal(format!("stored materials of item {}: {e}", item.id)))?;
    let errors: Vec<FieldError> = missing
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.trim().is_empty() && !list.iter().any(|s| s.code == m.trim()))
        .map(|(n, m)| {
            FieldError::new(
                format!("missing[{n}]"),
                format!(
                    "`{m}` is not a material of item `{}`; its materials: {}",
                    item.code,
                    list.iter()
                        .map(|s| s.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation {
            code: "unknown_material",
            errors,
        })
    }
}

fn join_policy(stored_name: &str) -> workflow::JoinPolicy {
    workflow::JoinPolicy::AllMustApprove {
        reject_fast: stored_name != "all_must_approve_wait_all",
    }
}

fn clock_of(b: &branch::Model) -> Result<StatutoryClock, ApiError> {
    serde_json::from_str(&b.clock)
        .map_err(|e| ApiError::Internal(format!("stored clock of branch {}: {e}", b.id)))
}

fn pause_reason(r: workflow::PauseReason) -> calendar::PauseReason {
    use workflow::SpecialProcedure as P;
    match r {
        workflow::PauseReason::Supplement => calendar::PauseReason::Supplement,
        workflow::PauseReason::SpecialProcedure(P::Hearing) => calendar::PauseReason::Hearing,
        workflow::PauseReason::SpecialProcedure(P::ExpertReview) => {
            calendar::PauseReason::ExpertReview
        }
        workflow::PauseReason::SpecialProcedure(P::Testing) => calendar::PauseReason::Testing,
        workflow::PauseReason::SpecialProcedure(P::Other) => calendar::PauseReason::Other,
    }
}

// ---------- views ----------

fn branch_view(b: &branch::Model, now: DateTime<Utc>) -> Result<BranchView, ApiError> {
    let state: BranchState = stored(&b.state, "branch state")?;
    Ok(BranchView {
        id: b.id,
        case_id: b.case_id,
        item_id: b.item_id,
        department_id: b.department_id,
        stage: b.stage,
        state: b.state.clone(),
        extension_used: b.extension_used,
        decision_note: b.decision_note.clone(),
        due_at: b.due_at,
        warn_at: b.warn_at,
        paused: state.is_clock_paused(),
        overdue: state.is_open() && b.due_at.is_some_and(|d| d < now),
        opened_at: b.opened_at,
        decided_at: b.decided_at,
        recorded_at: b.recorded_at,
        version: b.version,
        provisional: b.provisional,
        statutory_due_at: b.statutory_due_at,
        statutory_breached: b.statutory_breached,
        supplement_requests: b.supplement_requests,
        supplement_allowed: b.supplement_allowed,
        pending_materials: match &b.pending_materials {
            Some(json) => serde_json::from_str(json)
                .map_err(|e| ApiError::Internal(format!("stored pending materials: {e}")))?,
            None => Vec::new(),
        },
    })
}

fn case_view(
    vault: &PiiVault,
    c: &case::Model,
    branches: &[branch::Model],
    now: DateTime<Utc>,
    disclosure: Disclosure,
) -> Result<CaseView, ApiError> {
    let kind = match c.applicant_kind.as_str() {
        "enterprise" => ApplicantKind::Enterprise,
        _ => ApplicantKind::Person,
    };
    Ok(CaseView {
        id: c.id,
        case_no: c.case_no.clone(),
        bundle_id: c.bundle_id,
        item_id: c.item_id,
        applicant: pii::disclose(
            Applicant {
                kind,
                name: c.applicant_name.clone(),
                id_number: vault.open(vault::ID_NUMBER, &c.applicant_id_number)?,
                phone: c
                    .applicant_phone
                    .as_deref()
                    .map(|p| vault.open(vault::PHONE, p))
                    .transpose()?,
                email: c.applicant_email.clone(),
            },
            disclosure,
        ),
        materials: serde_json::from_str(&c.materials)
            .map_err(|e| ApiError::Internal(format!("stored materials: {e}")))?,
        state: c.state.clone(),
        stage_count: c.stage_count,
        accepted_at: c.accepted_at,
        due_at: c.due_at,
        provisional: c.provisional,
        lead_department_id: c.lead_department_id,
        decided_at: c.decided_at,
        issuance_due_at: c.issuance_due_at,
        fee_total_cents: c.fee_total_cents,
        paid_cents: c.paid_cents,
        payment_ref: c.payment_ref.clone(),
        paid_at: c.paid_at,
        issued_at: c.issued_at,
        issued_recorded_at: c.issued_recorded_at,
        closed_reason: c.closed_reason.clone(),
        version: c.version,
        branches: branches
            .iter()
            .map(|b| branch_view(b, now))
            .collect::<Result<_, _>>()?,
    })
}

// ---------- loading ----------

/// A case with its branches and the items of each stage, loaded inside a transaction.
struct CaseContext {
    case: case::Model,
    branches: Vec<branch::Model>,
    stages: Vec<Vec<item::Model>>,
}

async fn stages_of<C: ConnectionTrait>(
    c: &C,
    bundle_id: Option<i32>,
    item_id: Option<i32>,
) -> Result<Vec<Vec<item::Model>>, ApiError> {
    if let Some(bid) = bundle_id {
        let links = bundle_item::Entity::find()
            .filter(bundle_item::Column::BundleId.eq(bid))
            .order_by_asc(bundle_item::Column::Stage)
            .order_by_asc(bundle_item::Column::Position)
            .all(c)
            .await?;
        let ids: Vec<i32> = links.iter().map(|l| l.item_id).collect();
        let items: HashMap<i32, item::Model> = item::Entity::find()
            .filter(item::Column::Id.is_in(ids))
            .all(c)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut stages: Vec<Vec<item::Model>> = Vec::new();
        let mut last_stage = 0;
        for l in links {
            let Some(i) = items.get(&l.item_id) else {
                continue;
            };
            if l.stage != last_stage {
                stages.push(Vec::new());
                last_stage = l.stage;
            }
            if let Some(s) = stages.last_mut() {
                s.push(i.clone());
            }
        }
        Ok(stages)
    } else if let Some(iid) = item_id {
        let i = item::Entity::find_by_id(iid)
            .one(c)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("item {iid} vanished")))?;
        Ok(vec![vec![i]])
    } else {
        Err(ApiError::Internal("case without bundle or item".into()))
    }
}

async fn load<C: ConnectionTrait>(c: &C, case_id: i32) -> Result<CaseContext, ApiError> {
    let case = case::Entity::find_by_id(case_id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::not_found("case", case_id))?;
    platform::observe::record_case_no(&case.case_no);
    let branches = branch::Entity::find()
        .filter(branch::Column::CaseId.eq(case_id))
        .order_by_asc(branch::Column::Id)
        .all(c)
        .await?;
    let stages = stages_of(c, case.bundle_id, case.item_id).await?;
    Ok(CaseContext {
        case,
        branches,
        stages,
    })
}

/// Serialise every write to one case: bump its version first thing in the transaction.
async fn lock_case<C: ConnectionTrait>(
    c: &C,
    case_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let res = case::Entity::update_many()
        .col_expr(
            case::Column::Version,
            Expr::col(case::Column::Version).add(1),
        )
        .col_expr(case::Column::UpdatedAt, Expr::value(now))
        .filter(case::Column::Id.eq(case_id))
        .exec(c)
        .await?;
    if res.rows_affected == 0 {
        return Err(ApiError::not_found("case", case_id));
    }
    Ok(())
}

// ---------- branches and the clock ----------

/// Whether moments computed from `opened_at` up to the last of them used a year without a
/// published holiday table.
pub fn provisional_moments(
    cal: &Timing,
    opened_at: DateTime<Utc>,
    m: &alerts::AlertMoments,
) -> bool {
    match m.red_at.or(m.due_at) {
        Some(last) => cal.cal.is_provisional_between(opened_at, last),
        None => false,
    }
}

fn clock_moments(
    clock: &StatutoryClock,
    cal: &Timing,
    issued: i32,
    open: bool,
) -> Result<alerts::AlertMoments, ApiError> {
    alerts::moments(clock, &cal.cal, cal.red_card_days, issued, open).map_err(compute_error)
}

async fn open_branches<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    case_id: i32,
    stage: u32,
    items: &[item::Model],
    now: DateTime<Utc>,
) -> Result<Vec<branch::Model>, ApiError> {
    let mut out = Vec::new();
    for i in items {
        let unit = if i.limit_unit == "natural_days" {
            LimitUnit::NaturalDays
        } else {
            LimitUnit::WorkingDays
        };
        let clock =
            StatutoryClock::start(now, i.promised_limit_days as u32, unit, WarnRule::default());
        let m = clock_moments(&clock, cal, 0, true)?;
        let extra = (i.statutory_limit_days - i.promised_limit_days).max(0);
        let (statutory_due, statutory_recheck) =
            alerts::statutory_due(&clock, extra, &cal.cal).map_err(compute_error)?;
        let m = branch::ActiveModel {
            case_id: Set(case_id),
            item_id: Set(i.id),
            department_id: Set(i.department_id),
            stage: Set(stage as i32),
            state: Set(BranchState::Received.to_string()),
            extension_used: Set(false),
            decision_note: Set(None),
            clock: Set(
                serde_json::to_string(&clock).map_err(|e| ApiError::Internal(e.to_string()))?
            ),
            due_at: Set(m.due_at),
            warn_at: Set(m.warn_at),
            red_at: Set(m.red_at),
            next_alert_at: Set(alerts::next_of(
                m.next_alert_at,
                statutory_due.or(statutory_recheck),
                false,
            )),
            provisional: Set(provisional_moments(cal, now, &m)),
            statutory_extra_days: Set(extra),
            statutory_due_at: Set(statutory_due),
            statutory_breached: Set(false),
            alert_level: Set(0),
            opened_at: Set(now),
            decided_at: Set(None),
            version: Set(0),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(c)
        .await?;
        out.push(m);
    }
    Ok(out)
}

/// Store a branch after a transition: state, clock effect, moments; guarded by its version.
/// `decided` is the moment a decision really happened (the department's `decided_at`, else
/// `now`); the branch keeps it as `decided_at`, `now` as `recorded_at`, and whether the
/// decision was in time is judged on it.
async fn save_branch<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    row: &branch::Model,
    next: &workflow::Branch,
    effect: ClockEffect,
    decided: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<branch::Model, ApiError> {
    let mut clock = clock_of(row)?;
    let clock_err = |e: calendar::CalendarError| ApiError::conflict("clock_refused", e.to_string());
    match effect {
        ClockEffect::None => {}
        ClockEffect::Pause(r) => clock.pause(now, pause_reason(r)).map_err(clock_err)?,
        ClockEffect::Resume => clock.resume(now).map_err(clock_err)?,
        ClockEffect::Restart => clock.restart(now).map_err(clock_err)?,
        ClockEffect::Extend(days) => clock.extend(days).map_err(clock_err)?,
    }
    let m = clock_moments(&clock, cal, row.alert_level, next.state.is_open())?;
    let (statutory_due, statutory_recheck) =
        alerts::statutory_due(&clock, row.statutory_extra_days, &cal.cal).map_err(compute_error)?;
    let next_alert = if next.state.is_open() {
        alerts::next_of(
            m.next_alert_at,
            statutory_due.or(statutory_recheck),
            row.statutory_breached,
        )
    } else {
        None
    };
    let res = branch::Entity::update_many()
        .col_expr(branch::Column::State, Expr::value(next.state.to_string()))
        .col_expr(
            branch::Column::ExtensionUsed,
            Expr::value(next.extension_used),
        )
        .col_expr(
            branch::Column::DecisionNote,
            Expr::value(next.decision_note.clone()),
        )
        .col_expr(
            branch::Column::Clock,
            Expr::value(
                serde_json::to_string(&clock).map_err(|e| ApiError::Internal(e.to_string()))?,
            ),
        )
        .col_expr(branch::Column::DueAt, Expr::value(m.due_at))
        .col_expr(
            branch::Column::Provisional,
            Expr::value(provisional_moments(cal, row.opened_at, &m)),
        )
        .col_expr(branch::Column::WarnAt, Expr::value(m.warn_at))
        .col_expr(branch::Column::RedAt, Expr::value(m.red_at))
        .col_expr(branch::Column::NextAlertAt, Expr::value(next_alert))
        .col_expr(branch::Column::StatutoryDueAt, Expr::value(statutory_due))
        .col_expr(
            branch::Column::DecidedAt,
            Expr::value(if next.state.is_decided() {
                Some(decided)
            } else {
                row.decided_at
            }),
        )
        .col_expr(
            branch::Column::RecordedAt,
            Expr::value(if next.state.is_decided() {
                Some(now)
            } else {
                row.recorded_at
            }),
        )
        .col_expr(branch::Column::Version, Expr::value(next.version))
        .col_expr(
            branch::Column::PendingMaterials,
            Expr::value(if next.pending_materials.is_empty() {
                None
            } else {
                Some(
                    serde_json::to_string(&next.pending_materials)
                        .map_err(|e| ApiError::Internal(e.to_string()))?,
                )
            }),
        )
        .col_expr(
            branch::Column::SupplementRequests,
            Expr::value(i32::try_from(next.supplement_requests).unwrap_or(i32::MAX)),
        )
        .col_expr(
            branch::Column::SupplementAllowed,
            Expr::value(next.supplement_allowed),
        )
        .col_expr(branch::Column::UpdatedAt, Expr::value(now))
        .filter(branch::Column::Id.eq(row.id))
        .filter(branch::Column::Version.eq(row.version))
        .exec(c)
        .await?;
    if res.rows_affected != 1 {
        return Err(ApiError::conflict(
            "stale_version",
            format!("branch {} changed meanwhile; reload and retry", row.id),
        ));
    }
    if next.state.is_decided() {
        // The branch's open cards close with it: a warning in time, cards late, or cancelled.
        let late = row.due_at.is_some_and(|d| decided > d);
        let (in_time, late_how) = match next.state {
            BranchState::Cancelled => ("cancelled", "cancelled"),
            _ if late => ("finished_late", "finished_late"),
            _ => ("finished_in_time", "finished_late"),
        };
        crate::supervision::cards::close_for_branch(c, row.id, in_time, late_how, now).await?;
    }
    branch::Entity::find_by_id(row.id)
        .one(c)
        .await?
        .ok_or_else(|| ApiError::Internal("branch vanished".into()))
}

fn replace_branch(ctx: &mut CaseContext, updated: branch::Model) {
    if let Some(slot) = ctx.branches.iter_mut().find(|b| b.id == updated.id) {
        *slot = updated;
    }
}

/// The feed event of a newly opened branch: who must decide what, by when.
fn branch_opened_event(b: &branch::Model) -> NewEvent {
    NewEvent {
        case_id: b.case_id,
        branch_id: Some(b.id),
        kind: "branch_opened".into(),
        from_state: String::new(),
        to_state: b.state.clone(),
        payload: json!({
            "type": "branch_opened", "branch_id": b.id, "case_id": b.case_id, "item_id": b.item_id,
            "department_id": b.department_id, "stage": b.stage, "opened_at": b.opened_at,
            "due_at": b.due_at, "warn_at": b.warn_at, "at": b.opened_at,
            "provisional": b.provisional, "statutory_due_at": b.statutory_due_at,
        }),
    }
}

/// Add the branch's clock to a workflow event, so feed readers can tell on-time from late; a
/// decision also carries when it really happened (`decided_at`) and when it reached the
/// platform (`recorded_at`).
fn with_clock(mut e: NewEvent, b: &branch::Model) -> NewEvent {
    let decision = matches!(e.kind.as_str(), "branch_approved" | "branch_rejected");
    if let Some(obj) = e.payload.as_object_mut() {
        if decision {
            obj.insert("decided_at".into(), json!(b.decided_at));
            obj.insert("recorded_at".into(), json!(b.recorded_at));
        }
        obj.insert("due_at".into(), json!(b.due_at));
        obj.insert("provisional".into(), json!(b.provisional));
        obj.insert("statutory_due_at".into(), json!(b.statutory_due_at));
        obj.insert("opened_at".into(), json!(b.opened_at));
        obj.insert("item_id".into(), json!(b.item_id));
    }
    e
}

/// Cancel branches (system actor) and record their events.
async fn cancel<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    ctx: &mut CaseContext,
    ids: &[i64],
    reason: &str,
    now: DateTime<Utc>,
    out: &mut Vec<NewEvent>,
) -> Result<(), ApiError> {
    let wf: Vec<workflow::Branch> = ctx
        .branches
        .iter()
        .map(wf_branch)
        .collect::<Result<_, _>>()?;
    for (id, t) in workflow::cancel_branches(&wf, ids, reason, now) {
        let Some(row) = ctx.branches.iter().find(|b| b.id as i64 == id).cloned() else {
            continue;
        };
        let next = t.apply(&wf_branch(&row)?);
        let saved = save_branch(c, cal, &row, &next, t.clock, now, now).await?;
        out.extend(
            t.events
                .iter()
                .map(|e| with_clock(NewEvent::from_workflow(e), &saved)),
        );
        replace_branch(ctx, saved);
    }
    Ok(())
}

/// The join (汇合): run after every branch decision, inside the same transaction.
async fn run_join<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    ctx: &mut CaseContext,
    now: DateTime<Utc>,
    out: &mut Vec<NewEvent>,
) -> Result<(), ApiError> {
    let wf_case = workflow::Case {
        id: ctx.case.id as i64,
        stage_count: ctx.case.stage_count as u32,
        state: stored(&ctx.case.state, "case state")?,
        version: ctx.case.version,
    };
    let wf: Vec<workflow::Branch> = ctx
        .branches
        .iter()
        .map(wf_branch)
        .collect::<Result<_, _>>()?;
    let outcome = workflow::join(&wf_case, &wf, join_policy(&ctx.case.join_policy), now);
    let Some(new_state) = outcome.new_state() else {
        return Ok(());
    };
    if let Some(e) = outcome.event() {
        out.push(NewEvent::from_workflow(e));
    }
    let mut closed_reason = ctx.case.closed_reason.clone();
    match &outcome {
        JoinOutcome::OpenStage { stage, .. } => {
            let items = ctx
                .stages
                .get(*stage as usize - 1)
                .cloned()
                .unwrap_or_default();
            let opened = open_branches(c, cal, ctx.case.id, *stage, &items, now).await?;
            out.extend(opened.iter().map(branch_opened_event));
            ctx.branches.extend(opened);
        }
        JoinOutcome::Rejected {
            rejections,
            cancel_branch_ids,
            cancel_reason,
            ..
        } => {
            closed_reason = Some(
                rejections
                    .iter()
                    .map(|r| format!("department {}: {}", r.department_id, r.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            cancel(c, cal, ctx, cancel_branch_ids, cancel_reason, now, out).await?;
        }
        JoinOutcome::Ready { .. } | JoinOutcome::Nothing => {}
    }
    set_case_state(c, cal, ctx, new_state, closed_reason, None, now).await
}

/// 行政许可法 第四十四条: 行政机关作出准予行政许可的决定，应当自作出决定之日起十日内，向申请人颁发、
/// 送达行政许可证件 — issuance within 10 working days of the decision (the default of
/// `ISSUANCE_LIMIT_DAYS`).
pub const ISSUANCE_LIMIT_DAYS: u32 = 10;

/// Change the case's state, and move the case's own clock with it: once decided (ready for
/// issuance), the bundle-promise cards close and the issuance clock (第四十四条) starts; once
/// closed (issued, rejected, withdrawn), every case card closes. `issued_at`: when an issuance
/// really happened (default `now`, which is kept as `issued_recorded_at`).
async fn set_case_state<C: ConnectionTrait>(
    c: &C,
    cal: &Timing,
    ctx: &mut CaseContext,
    state: CaseState,
    closed_reason: Option<String>,
    issued_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let was: CaseState = stored(&ctx.case.state, "case state")?;
    let mut am = ctx.case.clone().into_active_model();
    am.state = Set(state.to_string());
    am.closed_reason = Set(closed_reason);
    if state == CaseState::Issued {
        am.issued_at = Set(Some(issued_at.unwrap_or(now)));
        am.issued_recorded_at = Set(Some(now));
    }
    if state == CaseState::ReadyForIssuance && was != CaseState::ReadyForIssuance {
        // Decided when the last branch was really decided (a department may report late):
        // the bundle's promise and the issuance clock (第四十四条) count from that moment.
        let decided = ctx
            .branches
            .iter()
            .filter_map(|b| b.decided_at)
            .max()
            .unwrap_or(now)
            .min(now);
        let issuance_due = cal.cal.deadline(decided, cal.issuance_limit_days).ok();
        am.decided_at = Set(Some(decided));
        am.issuance_due_at = Set(issuance_due);
        am.next_alert_at = Set(issuance_due);
        let late = decided > ctx.case.due_at;
        close_case_cards(
            c,
            ctx.case.id,
            &["yellow", "red"],
            if late {
                "finished_late"
            } else {
                "finished_in_time"
            },
            now,
        )
        .await?;
    }
    if state.is_closed() {
        am.next_alert_at = Set(None);
        let how = match state {
            CaseState::Issued => "issued",
            CaseState::Withdrawn => "cancelled",
            _ => "rejected",
        };
        close_case_cards(
            c,
            ctx.case.id,
            &["yellow", "red", "issuance_overdue"],
            how,
            now,
        )
        .await?;
    }
    am.updated_at = Set(now);
    ctx.case = am.update(c).await?;
    Ok(())
}

async fn close_case_cards<C: ConnectionTrait>(
    c: &C,
    case_id: i32,
    levels: &[&str],
    how: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    card::Entity::update_many()
        .col_expr(card::Column::ClosedAt, Expr::value(Some(now)))
        .col_expr(card::Column::ClosedHow, Expr::value(Some(how.to_string())))
        .col_expr(
            card::Column::ClosedBy,
            Expr::value(Some("system".to_string())),
        )
        .filter(card::Column::SubjectKind.eq("case"))
        .filter(card::Column::SubjectId.eq(case_id))
        .filter(card::Column::Level.is_in(levels.iter().copied()))
        .filter(card::Column::ClosedAt.is_null())
        .exec(c)
        .await?;
    Ok(())
}

/// How a command answers: the status, the key its answer is kept under for a replay, and the
/// vault that opens the applicant's data for the (masked) answer.
struct Reply<'a> {
    vault: &'a PiiVault,
    idem: Option<&'a IdemKey>,
    status: StatusCode,
}

impl<'a> Reply<'a> {
    fn ok(vault: &'a PiiVault, idem: Option<&'a IdemKey>) -> Self {
        Reply {
            vault,
            idem,
            status: StatusCode::OK,
        }
    }
}

/// The end of every command: append its events, build its answer, keep the answer for an
/// idempotent replay, and commit — all or nothing.
async fn finish(
    txn: DatabaseTransaction,
    ctx: &CaseContext,
    actor: &AuthUser,
    now: DateTime<Utc>,
    events_out: Vec<NewEvent>,
    reply: Reply<'_>,
) -> Result<CaseView, ApiError> {
    let Reply {
        vault,
        idem,
        status,
    } = reply;
    events::append(&txn, actor.id, actor.role.as_str(), now, events_out).await?;
    // A command's answer (and the copy kept for an idempotent replay) carries the applicant's
    // data masked: the full values are read on the case page (`pii`).
    let view = case_view(vault, &ctx.case, &ctx.branches, now, Disclosure::Masked)?;
    if let Some(k) = idem {
        let body = serde_json::to_string(&view).map_err(|e| ApiError::Internal(e.to_string()))?;
        idempotency::save(&txn, k, status, &body, now).await?;
    }
    txn.commit().await?;
    Ok(view)
}

// ---------- submission (一口受理) ----------

struct Resolved {
    bundle: Option<bundle::Model>,
    single: Option<item::Model>,
    stages: Vec<Vec<item::Model>>,
    promised_days: u32,
    policy: String,
}

async fn resolve_target(db: &DatabaseConnection, input: &CaseInput) -> Result<Resolved, ApiError> {
    match (&input.bundle_code, &input.item_code) {
        (Some(code), None) => {
            let b = bundle::Entity::find()
                .filter(bundle::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .filter(|b| b.deleted_at.is_none())
                .ok_or_else(|| {
                    ApiError::validation("bundle_code", format!("unknown bundle `{code}`"))
                })?;
            let stages = stages_of(db, Some(b.id), None).await?;
            if let Some(gone) = stages.iter().flatten().find(|i| i.deleted_at.is_some()) {
                return Err(ApiError::conflict(
                    "item_retired",
                    format!("bundle `{code}` contains retired item `{}`", gone.code),
                ));
            }
            Ok(Resolved {
                promised_days: b.promised_limit_days as u32,
                policy: b.join_policy.clone(),
                bundle: Some(b),
                single: None,
                stages,
            })
        }
        (None, Some(code)) => {
            let i = item::Entity::find()
                .filter(item::Column::Code.eq(code.as_str()))
                .one(db)
                .await?
                .filter(|i| i.deleted_at.is_none())
                .ok_or_else(|| {
                    ApiError::validation("item_code", format!("unknown item `{code}`"))
                })?;
            Ok(Resolved {
                promised_days: i.promised_limit_days as u32,
                policy: "all_must_approve".into(),
                stages: vec![vec![i.clone()]],
                bundle: None,
                single: Some(i),
            })
        }
        _ => Err(ApiError::validation(
            "bundle_code",
            "give exactly one of bundle_code and item_code",
        )),
    }
}

/// The window's checks (一口受理): applicant identity, and every material against the items'
/// lists — key materials present, 容缺 only where allowed and with a promise date.
fn check_submission(
    input: &CaseInput,
    items: &[&item::Model],
    today: chrono::NaiveDate,
) -> Result<(), ApiError> {
    let mut errs = Vec::new();
    let a = &input.applicant;
    if a.name.trim().is_empty() || a.name.chars().count() > 200 {
        errs.push(FieldError::new(
            "applicant.name",
            "must be 1–200 characters",
        ));
    }
    if a.phone.as_ref().is_some_and(|p| p.chars().count() > 32) {
        errs.push(FieldError::new(
            "applicant.phone",
            "must be at most 32 characters",
        ));
    }
    if a.email
        .as_ref()
        .is_some_and(|e| !crate::catalogue::rules::is_email(e))
    {
        errs.push(FieldError::new(
            "applicant.email",
            "must be an e-mail address",
        ));
    }
    let id_check = match a.kind {
        ApplicantKind::Person => workflow::check_citizen_id(&a.id_number),
        ApplicantKind::Enterprise => workflow::check_credit_code(&a.id_number),
    };
    if let Err(e) = id_check {
        let what = match a.kind {
            ApplicantKind::Person => "citizen ID number (GB 11643)",
            ApplicantKind::Enterprise => "unified social credit code (GB 32100)",
        };
        errs.push(FieldError::new(
            "applicant.id_number",
            format!("not a valid {what}: {e}"),
        ));
    }
    let by_code: HashMap<&str, &item::Model> =
        items.iter().map(|i| (i.code.as_str(), *i)).collect();
    let mut given: HashMap<(String, String), bool> = HashMap::new();
    for (n, m) in input.materials.iter().enumerate() {
        let Some(item) = by_code.get(m.item_code.as_str()) else {
            errs.push(FieldError::new(
                format!("materials[{n}].item_code"),
                format!("item `{}` is not part of this application", m.item_code),
            ));
            continue;
        };
        let list: Vec<crate::catalogue::model::Material> =
            serde_json::from_str(&item.materials).unwrap_or_default();
        let Some(spec) = list.iter().find(|s| s.code == m.material_code) else {
            errs.push(FieldError::new(
                format!("materials[{n}].material_code"),
                format!(
                    "`{}` is not a material of item `{}`",
                    m.material_code, m.item_code
                ),
            ));
            continue;
        };
        if given
            .insert((m.item_code.clone(), m.material_code.clone()), m.missing)
            .is_some()
        {
            errs.push(FieldError::new(format!("materials[{n}]"), "listed twice"));
        }
        if m.missing {
            if !spec.tolerance_allowed {
                errs.push(FieldError::new(
                    format!("materials[{n}].missing"),
                    format!("`{}` is a key material: it cannot be accepted as missing (容缺 not allowed)", spec.name),
                ));
            }
            match m.promised_by {
                None => errs.push(FieldError::new(
                    format!("materials[{n}].promised_by"),
                    "a 容缺 material needs a promise date",
                )),
                Some(d) if d < today => errs.push(FieldError::new(
                    format!("materials[{n}].promised_by"),
                    "the promise date is in the past",
                )),
                _ => {}
            }
        } else if m.promised_by.is_some() {
            errs.push(FieldError::new(
                format!("materials[{n}].promised_by"),
                "only missing materials have a promise date",
            ));
        }
    }
    for item in items {
        let list: Vec<crate::catalogue::model::Material> =
            serde_json::from_str(&item.materials).unwrap_or_default();
        for spec in list.iter().filter(|s| s.required) {
            if !given.contains_key(&(item.code.clone(), spec.code.clone())) {
                errs.push(FieldError::new(
                    "materials",
                    format!(
                        "required material `{}` ({}) of item `{}` was not received",
                        spec.code, spec.name, item.code
                    ),
                ));
            }
        }
    }
    ApiError::validation_all(errs)
}

fn case_number(now: DateTime<Utc>) -> String {
    use rand::Rng;
    let local = now.with_timezone(&chrono_tz::Asia::Shanghai);
    format!(
        "{}-{:08X}",
        local.format("%Y%m%d"),
        rand::thread_rng().gen::<u32>()
    )
}

/// Traced as one `db.transaction` span (`db.operation` `case.submit`, `case.no` once known).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction case.submit", db.operation = "case.submit", case.no = tracing::field::Empty))]
pub async fn submit(
    db: &DatabaseConnection,
    vault: &PiiVault,
    cal: &Timing,
    actor: &AuthUser,
    now: DateTime<Utc>,
    input: CaseInput,
    idem: Option<&IdemKey>,
) -> Result<CaseView, ApiError> {
    actor.require(&[Role::Clerk])?;
    let target = resolve_target(db, &input).await?;
    let all_items: Vec<&item::Model> = target.stages.iter().flatten().collect();
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    check_submission(&input, &all_items, today)?;
    let fee_total: i64 = all_items.iter().map(|i| i.fee_amount_cents).sum();
    let due_at = cal
        .cal
        .deadline(now, target.promised_days)
        .map_err(compute_error)?;

    // The identity in the clear stays in this function: it is stored sealed with its keyed
    // search hash (`vault`), and the feed gets only its hashes.
    let id_number = input.applicant.id_number.trim().to_ascii_uppercase();
    let txn = db.begin().await?;
    let c = case::ActiveModel {
        case_no: Set(case_number(now)),
        bundle_id: Set(target.bundle.as_ref().map(|b| b.id)),
        item_id: Set(target.single.as_ref().map(|i| i.id)),
        applicant_kind: Set(input.applicant.kind.as_str().into()),
        applicant_name: Set(input.applicant.name.trim().to_string()),
        applicant_id_number: Set(vault.seal(vault::ID_NUMBER, &id_number)),
        applicant_phone: Set(input
            .applicant
            .phone
            .as_deref()
            .map(|p| vault.seal(vault::PHONE, p))),
        applicant_id_hash: Set(Some(vault.search_hash(&id_number))),
        applicant_email: Set(input.applicant.email.clone()),
        materials: Set(serde_json::to_string(&input.materials)
            .map_err(|e| ApiError::Internal(e.to_string()))?),
        state: Set(CaseState::Accepted.to_string()),
        stage_count: Set(target.stages.len() as i32),
        join_policy: Set(target.policy.clone()),
        accepted_at: Set(now),
        accepted_by: Set(actor.id),
        due_at: Set(due_at),
        provisional: Set(cal.cal.is_provisional_between(now, due_at)),
        lead_department_id: Set(target
            .bundle
            .as_ref()
            .map(|b| b.lead_department_id)
            .or(target.single.as_ref().map(|i| i.department_id))),
        alert_level: Set(0),
        // A bundle's promise to the applicant is clocked on the case; a single item's promise
        // is its branch's clock already.
        next_alert_at: Set(target.bundle.as_ref().map(|_| due_at)),
        decided_at: Set(None),
        issuance_due_at: Set(None),
        fee_total_cents: Set(fee_total),
        paid_cents: Set(0),
        payment_ref: Set(None),
        paid_at: Set(None),
        issued_at: Set(None),
        closed_reason: Set(None),
        version: Set(0),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    platform::observe::record_case_no(&c.case_no);
    let mut ctx = CaseContext {
        case: c,
        branches: Vec::new(),
        stages: target.stages,
    };
    let mut out = vec![NewEvent {
        case_id: ctx.case.id,
        branch_id: None,
        kind: "case_accepted".into(),
        from_state: String::new(),
        to_state: "accepted".into(),
        payload: json!({
            "type": "case_accepted",
            "case_id": ctx.case.id,
            "case_no": ctx.case.case_no,
            "bundle_id": ctx.case.bundle_id,
            "item_id": ctx.case.item_id,
            "applicant_kind": ctx.case.applicant_kind,
            // The hashed identity (申请人标识), never the ID number or credit code itself.
            "applicant_key": platform::identity::applicant_key(&id_number),
            // What a public lookup (办件查询) or rating must match: the number with the last six
            // characters of the identity, hashed (never the characters themselves).
            "check_key": platform::identity::check_key(
                &ctx.case.case_no,
                &platform::identity::check_of(&id_number),
            ),
            "fee_total_cents": fee_total,
            "tolerated_missing": input.materials.iter().filter(|m| m.missing).count(),
            "due_at": due_at,
            "provisional": ctx.case.provisional,
            "at": now,
        }),
    }];
    run_join(&txn, cal, &mut ctx, now, &mut out).await?;
    let reply = Reply {
        status: StatusCode::CREATED,
        ..Reply::ok(vault, idem)
    };
    finish(txn, &ctx, actor, now, out, reply).await
}

// ---------- commands ----------

/// A moment a department or the window reports for something that already happened (a
/// decision, an issuance): absent means now; never later than now, never before `earliest`
/// (the moment it became possible). Refused with 422 naming `field`.
fn reported_moment(
    field: &str,
    code: &'static str,
    reported: Option<DateTime<Utc>>,
    (earliest, what): (DateTime<Utc>, &str),
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let Some(at) = reported else {
        return Ok(now);
    };
    let problem = if at > now {
        format!("{at} is later than now ({now}): report when it happened, not when it will")
    } else if at < earliest {
        format!("{at} is earlier than {earliest}, when {what}")
    } else {
        return Ok(at);
    };
    Err(ApiError::Validation {
        code,
        errors: vec![FieldError::new(field, problem)],
    })
}

/// A command on a branch, with the version the client saw (`If-Match`), if any.
pub struct BranchRequest {
    pub branch_id: i32,
    pub command: BranchCommand,
    pub if_match: Option<i64>,
}

/// Traced as one `db.transaction` span (`db.operation` `branch.command`, `case.no` once known).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction branch.command", db.operation = "branch.command", case.no = tracing::field::Empty))]
pub async fn branch_command(
    db: &DatabaseConnection,
    vault: &PiiVault,
    cal: &Timing,
    actor: &AuthUser,
    now: DateTime<Utc>,
    request: BranchRequest,
    idem: Option<&IdemKey>,
) -> Result<CaseView, ApiError> {
    let BranchRequest {
        branch_id,
        command: cmd,
        if_match,
    } = request;
    if matches!(cmd, BranchCommand::Cancel { .. }) {
        return Err(ApiError::forbidden(
            "cancel is done by the system (withdrawal or join), not by users",
        ));
    }
    let b0 = branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("branch", branch_id))?;
    let txn = db.begin().await?;
    lock_case(&txn, b0.case_id, now).await?;
    let mut ctx = load(&txn, b0.case_id).await?;
    let row = ctx
        .branches
        .iter()
        .find(|b| b.id == branch_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("branch", branch_id))?;
    let case_state: CaseState = stored(&ctx.case.state, "case state")?;
    if case_state.is_closed() {
        return Err(ApiError::conflict(
            "case_closed",
            format!(
                "case is {}; its branches take no more commands",
                case_state.as_str()
            ),
        ));
    }
    if let Some(v) = if_match {
        if v != row.version {
            return Err(ApiError::conflict(
                "stale_version",
                format!(
                    "branch {branch_id} is at version {} (state {}), not {v}",
                    row.version, row.state
                ),
            ));
        }
    }
    let mut wf = wf_branch(&row)?;
    wf.joint = ctx.case.bundle_id.is_some();
    wf.max_extension_days = Some(if wf.joint {
        cal.joint_extension_max_days
    } else {
        cal.extension_max_days
    });
    // 重新计时: an item whose supplements restart the limit.
    wf.supplement_restarts = ctx
        .stages
        .iter()
        .flatten()
        .find(|i| i.id == row.item_id)
        .is_some_and(|i| i.supplement_policy == "restart");
    check_extension_approver(&txn, &row, &cmd).await?;
    if wf.state == BranchState::AwaitingSupplement && row.pending_materials.is_none() {
        wf.pending_materials = legacy_pending(&txn, &row).await?;
    }
    if let Some(item) = ctx.stages.iter().flatten().find(|i| i.id == row.item_id) {
        check_requested_materials(item, &cmd)?;
    }
    let t = workflow::transition(&wf, &cmd, &wf_actor(actor), now).map_err(refusal)?;
    let decided = reported_moment(
        "decided_at",
        "invalid_decided_at",
        cmd.reported_decided_at(),
        (row.opened_at, "the branch opened"),
        now,
    )?;
    let next = t.apply(&wf);
    let saved = save_branch(&txn, cal, &row, &next, t.clock, decided, now).await?;
    let saved = watch_pause(&txn, cal, &row, saved, &cmd, now).await?;
    if let BranchCommand::Extend { days, reason, .. } = &cmd {
        notify_extension(&txn, &ctx.case, &saved, *days, reason, now).await?;
    }
    let mut out: Vec<NewEvent> = t
        .events
        .iter()
        .map(|e| with_clock(NewEvent::from_workflow(e), &saved))
        .collect();
    if next.state == BranchState::Approved {
        if let Some(e) = crate::supervision::claims::push(&txn, cal, &saved, now).await? {
            out.push(e);
        }
    }
    replace_branch(&mut ctx, saved);
    if next.state.is_decided() {
        run_join(&txn, cal, &mut ctx, now, &mut out).await?;
    }
    finish(txn, &ctx, actor, now, out, Reply::ok(vault, idem)).await
}

/// A command on a case; `issued_at` is the moment an issuance really happened, if reported.
pub struct CaseRequest {
    pub case_id: i32,
    pub command: CaseCommand,
    pub issued_at: Option<DateTime<Utc>>,
}

/// Traced as one `db.transaction` span (`db.operation` `case.command`, `case.no` once known).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction case.command", db.operation = "case.command", case.no = tracing::field::Empty))]
pub async fn case_command(
    db: &DatabaseConnection,
    vault: &PiiVault,
    cal: &Timing,
    actor: &AuthUser,
    now: DateTime<Utc>,
    request: CaseRequest,
    idem: Option<&IdemKey>,
) -> Result<CaseView, ApiError> {
    let CaseRequest {
        case_id,
        command: cmd,
        issued_at,
    } = request;
    let txn = db.begin().await?;
    lock_case(&txn, case_id, now).await?;
    let mut ctx = load(&txn, case_id).await?;
    let wf_case = workflow::Case {
        id: ctx.case.id as i64,
        stage_count: ctx.case.stage_count as u32,
        state: stored(&ctx.case.state, "case state")?,
        version: ctx.case.version,
    };
    let wf: Vec<workflow::Branch> = ctx
        .branches
        .iter()
        .map(wf_branch)
        .collect::<Result<_, _>>()?;
    let t =
        workflow::case_transition(&wf_case, &wf, &cmd, &wf_actor(actor), now).map_err(refusal)?;
    if matches!(cmd, CaseCommand::Issue) && ctx.case.paid_cents < ctx.case.fee_total_cents {
        return Err(ApiError::conflict(
            "payment_outstanding",
            format!(
                "{} fen of {} are unpaid: record the payment (一站缴费) before issuing",
                ctx.case.fee_total_cents - ctx.case.paid_cents,
                ctx.case.fee_total_cents
            ),
        ));
    }
    let issued_at = match cmd {
        CaseCommand::Issue => Some(reported_moment(
            "issued_at",
            "invalid_issued_at",
            issued_at,
            (
                ctx.case.decided_at.unwrap_or(ctx.case.accepted_at),
                "the case became ready for issuance",
            ),
            now,
        )?),
        CaseCommand::Withdraw { .. } => None,
    };
    let mut out: Vec<NewEvent> = t.events.iter().map(NewEvent::from_workflow).collect();
    if let Some(issued) = issued_at {
        // 统一发证: when it really happened, when it reached the platform, and the departments
        // whose approvals the certificates carry.
        let mut departments: Vec<i32> = ctx
            .branches
            .iter()
            .filter(|b| b.state == BranchState::Approved.as_str())
            .map(|b| b.department_id)
            .collect();
        departments.sort_unstable();
        departments.dedup();
        for e in out.iter_mut().filter(|e| e.kind == "case_issued") {
            if let Some(obj) = e.payload.as_object_mut() {
                obj.insert("issued_at".into(), json!(issued));
                obj.insert("recorded_at".into(), json!(now));
                obj.insert("department_ids".into(), json!(departments));
            }
        }
    }
    cancel(
        &txn,
        cal,
        &mut ctx,
        &t.cancel_branch_ids,
        &t.cancel_reason,
        now,
        &mut out,
    )
    .await?;
    let reason = match &cmd {
        CaseCommand::Withdraw { reason } => Some(reason.clone()),
        CaseCommand::Issue => ctx.case.closed_reason.clone(),
    };
    set_case_state(&txn, cal, &mut ctx, t.new_state, reason, issued_at, now).await?;
    finish(txn, &ctx, actor, now, out, Reply::ok(vault, idem)).await
}

/// Traced as one `db.transaction` span (`db.operation` `case.payment`, `case.no` once known).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction case.payment", db.operation = "case.payment", case.no = tracing::field::Empty))]
pub async fn record_payment(
    db: &DatabaseConnection,
    vault: &PiiVault,
    actor: &AuthUser,
    now: DateTime<Utc>,
    case_id: i32,
    input: PaymentInput,
    idem: Option<&IdemKey>,
) -> Result<CaseView, ApiError> {
    actor.require(&[Role::Clerk])?;
    if input.reference.trim().is_empty() || input.reference.len() > 64 {
        return Err(ApiError::validation("reference", "must be 1–64 characters"));
    }
    let txn = db.begin().await?;
    lock_case(&txn, case_id, now).await?;
    let mut ctx = load(&txn, case_id).await?;
    let state: CaseState = stored(&ctx.case.state, "case state")?;
    if matches!(state, CaseState::Rejected | CaseState::Withdrawn) {
        return Err(ApiError::conflict(
            "case_closed",
            format!("case is {}; no payment is due", state.as_str()),
        ));
    }
    if ctx.case.paid_at.is_some() {
        return Err(ApiError::conflict(
            "already_paid",
            "the payment of this case is already recorded",
        ));
    }
    if input.amount_cents != ctx.case.fee_total_cents {
        return Err(ApiError::validation(
            "amount_cents",
            format!(
                "one payment covers every item: expected {} fen, got {}",
                ctx.case.fee_total_cents, input.amount_cents
            ),
        ));
    }
    let mut am = ctx.case.clone().into_active_model();
    am.paid_cents = Set(input.amount_cents);
    am.payment_ref = Set(Some(input.reference.clone()));
    am.paid_at = Set(Some(now));
    ctx.case = am.update(&txn).await?;
    let out = vec![NewEvent {
        case_id,
        branch_id: None,
        kind: "payment_recorded".into(),
        from_state: ctx.case.state.clone(),
        to_state: ctx.case.state.clone(),
        payload: json!({"type": "payment_recorded", "case_id": case_id, "amount_cents": input.amount_cents, "reference": input.reference, "at": now}),
    }];
    finish(txn, &ctx, actor, now, out, Reply::ok(vault, idem)).await
}

// ---------- queries ----------

/// Department-scoped roles see only cases with a branch of their department.
fn visible_department(actor: &AuthUser) -> Result<Option<i32>, ApiError> {
    match actor.role {
        Role::Reviewer | Role::Approver => {
            Ok(Some(actor.department_id.ok_or_else(|| {
                ApiError::forbidden("your account has no department")
            })?))
        }
        Role::OrgDept => Err(ApiError::forbidden(
            "role org_dept reads assessment results, not cases",
        )),
        _ => Ok(None),
    }
}

/// One case as `actor` may see it, and how much of the applicant's data it carries (the
/// caller audits a full read).
pub async fn get_case(
    db: &DatabaseConnection,
    vault: &PiiVault,
    actor: &AuthUser,
    now: DateTime<Utc>,
    case_id: i32,
) -> Result<(CaseView, Disclosure), ApiError> {
    let ctx = visible_case(db, actor, case_id).await?;
    let departments: Vec<i32> = ctx.branches.iter().map(|b| b.department_id).collect();
    let disclosure = pii::case_page_disclosure(actor, &departments, ctx.case.lead_department_id);
    Ok((
        case_view(vault, &ctx.case, &ctx.branches, now, disclosure)?,
        disclosure,
    ))
}

/// The case, if `actor` may see it (404 otherwise, as for a case that does not exist).
async fn visible_case(
    db: &DatabaseConnection,
    actor: &AuthUser,
    case_id: i32,
) -> Result<CaseContext, ApiError> {
    let scope = visible_department(actor)?;
    let ctx = load(db, case_id).await?;
    if let Some(d) = scope {
        // The lead department (牵头部门) sees every branch of its bundles' cases.
        let lead = ctx.case.lead_department_id == Some(d);
        if !lead && !ctx.branches.iter().any(|b| b.department_id == d) {
            return Err(ApiError::not_found("case", case_id));
        }
    }
    Ok(ctx)
}

pub async fn get_branch_case(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    branch_id: i32,
) -> Result<(BranchView, i64), ApiError> {
    let b = branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("branch", branch_id))?;
    if let Some(d) = visible_department(actor)? {
        let lead = case::Entity::find_by_id(b.case_id)
            .one(db)
            .await?
            .is_some_and(|c| c.lead_department_id == Some(d));
        if b.department_id != d && !lead {
            return Err(ApiError::not_found("branch", branch_id));
        }
    }
    Ok((branch_view(&b, now)?, b.version))
}

pub struct CaseFilter {
    pub state: Option<String>,
    pub department_id: Option<i32>,
    pub overdue: Option<bool>,
    pub applicant: Option<String>,
}

pub async fn list_cases(
    db: &DatabaseConnection,
    vault: &PiiVault,
    actor: &AuthUser,
    now: DateTime<Utc>,
    f: CaseFilter,
    page: platform::pagination::PageRequest,
) -> Result<platform::pagination::Page<CaseView>, ApiError> {
    let scope = visible_department(actor)?;
    let mut q = case::Entity::find();
    if let Some(s) = &f.state {
        q = q.filter(
            case::Column::State
                .eq(s.as_str())
                .or(case::Column::State.starts_with(format!("{s}:"))),
        );
    }
    for d in [scope, f.department_id].into_iter().flatten() {
        // A department's cases: those with one of its branches, and those it leads.
        q = q.filter(
            case::Column::Id
                .in_subquery(
                    Query::select()
                        .column(branch::Column::CaseId)
                        .from(branch::Entity)
                        .and_where(branch::Column::DepartmentId.eq(d))
                        .to_owned(),
                )
                .or(case::Column::LeadDepartmentId.eq(d)),
        );
    }
    if let Some(overdue) = f.overdue {
        let sub = Query::select()
            .column(branch::Column::CaseId)
            .from(branch::Entity)
            .and_where(branch::Column::DueAt.lt(now))
            .and_where(branch::Column::DecidedAt.is_null())
            .and_where(branch::Column::State.ne("cancelled"))
            .to_owned();
        q = if overdue {
            q.filter(case::Column::Id.in_subquery(sub))
        } else {
            q.filter(case::Column::Id.not_in_subquery(sub))
        };
    }
    if let Some(a) = &f.applicant {
        // The ID number by its keyed hash (the column holds ciphertext), or the name.
        q = q.filter(
            case::Column::ApplicantIdHash
                .eq(vault.search_hash(a))
                .or(case::Column::ApplicantName.eq(a.as_str())),
        );
    }
    if let Some(after) = page.after_id {
        q = q.filter(case::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(case::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|c| c.id).collect();
    let mut by_case: HashMap<i32, Vec<branch::Model>> = HashMap::new();
    for b in branch::Entity::find()
        .filter(branch::Column::CaseId.is_in(ids))
        .order_by_asc(branch::Column::Id)
        .all(db)
        .await?
    {
        by_case.entry(b.case_id).or_default().push(b);
    }
    let more = rows.len() as u64 > page.limit;
    let mut items = Vec::new();
    for c in rows.into_iter().take(page.limit as usize) {
        let bs = by_case.remove(&c.id).unwrap_or_default();
        items.push(case_view(vault, &c, &bs, now, Disclosure::Masked)?);
    }
    let next_cursor = if more {
        items
            .last()
            .map(|c| platform::pagination::encode_cursor(c.id as i64))
    } else {
        None
    };
    Ok(platform::pagination::Page { items, next_cursor })
}

pub(crate) fn event_view(e: event::Model) -> EventView {
    EventView {
        seq: e.seq,
        case_id: e.case_id,
        branch_id: e.branch_id,
        kind: e.kind,
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        at: e.at,
        from_state: e.from_state,
        to_state: e.to_state,
        payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
    }
}

pub async fn timeline(
    db: &DatabaseConnection,
    actor: &AuthUser,
    case_id: i32,
) -> Result<Vec<EventView>, ApiError> {
    visible_case(db, actor, case_id).await?;
    let rows = event::Entity::find()
        .filter(event::Column::CaseId.eq(case_id))
        .order_by_asc(event::Column::Seq)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(event_view).collect())
}

pub async fn feed(db: &DatabaseConnection, after: i64, limit: u64) -> Result<EventPage, ApiError> {
    let rows = event::Entity::find()
        .filter(event::Column::Seq.gt(after))
        .order_by_asc(event::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let next_after = rows.last().map(|e| e.seq).unwrap_or(after);
    let head = event::Entity::find()
        .order_by_desc(event::Column::Seq)
        .limit(1)
        .one(db)
        .await?
        .map(|e| e.seq)
        .unwrap_or(0);
    Ok(EventPage {
        events: rows.into_iter().map(event_view).collect(),
        next_after,
        head_seq: head.max(next_after),
        epoch: feed_epoch(db).await?,
    })
}

/// The feed's epoch (`feed_meta`, migration 5): made once, at random, on first use.
pub async fn feed_epoch<C: ConnectionTrait>(c: &C) -> Result<String, ApiError> {
    use sea_orm::{Statement, Value};
    let backend = c.get_database_backend();
    let read = || {
        Statement::from_string(
            backend,
            "SELECT epoch FROM feed_meta WHERE id = 1".to_string(),
        )
    };
    if let Some(row) = c.query_one(read()).await? {
        return Ok(row.try_get::<String>("", "epoch")?);
    }
    let epoch: String = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        (0..16)
            .map(|_| format!("{:02x}", rng.gen::<u8>()))
            .collect()
    };
    c.execute(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO feed_meta (id, epoch, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING"
            }
            _ => "INSERT INTO feed_meta (id, epoch, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
        },
        [Value::from(epoch), Value::from(Utc::now())],
    ))
    .await?;
    let row = c
        .query_one(read())
        .await?
        .ok_or_else(|| ApiError::Internal("feed_meta has no epoch".into()))?;
    Ok(row.try_get::<String>("", "epoch")?)
}

/// Re-plan the overall due moment of open cases computed over a provisional year, once that
/// year's table is published: the bundle's (or single item's) promised days from acceptance.
pub async fn replan_case_due_moments(
    db: &DatabaseConnection,
    timing: &Timing,
) -> Result<u32, ApiError> {
    use crate::entities::bundle;
    let open = case::Entity::find()
        .filter(case::Column::Provisional.eq(true))
        .all(db)
        .await?;
    let mut changed = 0;
    let mut promised: HashMap<(Option<i32>, Option<i32>), Option<i32>> = HashMap::new();
    for c in open {
        let state: CaseState = stored(&c.state, "case state")?;
        if state.is_closed() {
            continue;
        }
        let key = (c.bundle_id, c.item_id);
        let days = match promised.get(&key) {
            Some(d) => *d,
            None => {
                let d = match key {
                    (Some(b), _) => bundle::Entity::find_by_id(b)
                        .one(db)
                        .await?
                        .map(|b| b.promised_limit_days),
                    (None, Some(i)) => item::Entity::find_by_id(i)
                        .one(db)
                        .await?
                        .map(|i| i.promised_limit_days),
                    _ => None,
                };
                promised.insert(key, d);
                d
            }
        };
        let Some(days) = days.and_then(|d| u32::try_from(d).ok()) else {
            continue;
        };
        let Ok(due) = timing.cal.deadline(c.accepted_at, days) else {
            continue;
        };
        let provisional = timing.cal.is_provisional_between(c.accepted_at, due);
        if due == c.due_at && provisional == c.provisional {
            continue;
        }
        case::Entity::update_many()
            .col_expr(case::Column::DueAt, Expr::value(due))
            .col_expr(case::Column::Provisional, Expr::value(provisional))
            .filter(case::Column::Id.eq(c.id))
            .filter(case::Column::Version.eq(c.version))
            .exec(db)
            .await?;
        changed += 1;
    }
    Ok(changed)
}

/// A supervisor allows one more supplement request on a branch (行政许可法 第三十二条 asks for
/// every missing material at once, so a second request is the exception): with a reason,
/// audited, on the feed.
/// Traced as one `db.transaction` span (`db.operation` `branch.allow_supplement`, `case.no` once known).
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction branch.allow_supplement", db.operation = "branch.allow_supplement", case.no = tracing::field::Empty))]
pub async fn allow_supplement(
    db: &DatabaseConnection,
    actor: &AuthUser,
    now: DateTime<Utc>,
    branch_id: i32,
    reason: &str,
) -> Result<BranchView, ApiError> {
    actor.require(&[Role::Supervisor])?;
    if reason.trim().is_empty() {
        return Err(ApiError::validation(
            "reason",
            "say why a second supplement request is allowed",
        ));
    }
    let b0 = branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("branch", branch_id))?;
    let txn = db.begin().await?;
    lock_case(&txn, b0.case_id, now).await?;
    let row = branch::Entity::find_by_id(branch_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("branch", branch_id))?;
    let state: BranchState = stored(&row.state, "branch state")?;
    if !state.is_open() {
        return Err(ApiError::conflict(
            "not_allowed_in_state",
            format!(
                "branch {branch_id} is {}; it takes no more supplement requests",
                row.state
            ),
        ));
    }
    if row.supplement_requests == 0 || row.supplement_allowed {
        return Err(ApiError::conflict(
            "nothing_to_allow",
            format!(
                "branch {branch_id} may request supplement already ({} request(s) so far{})",
                row.supplement_requests,
                if row.supplement_allowed {
                    ", one more allowed"
                } else {
                    ""
                }
            ),
        ));
    }
    let updated = branch::Entity::update_many()
        .col_expr(branch::Column::SupplementAllowed, Expr::value(true))
        .col_expr(branch::Column::Version, Expr::value(row.version + 1))
        .col_expr(branch::Column::UpdatedAt, Expr::value(now))
        .filter(branch::Column::Id.eq(branch_id))
        .filter(branch::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::conflict(
            "stale_version",
            format!("branch {branch_id} changed meanwhile; retry"),
        ));
    }
    crate::audit::record(
        &txn,
        actor,
        now,
        crate::audit::Change::new("allow_supplement", "branch", branch_id).after(
            &json!({"reason": reason.trim(), "supplement_requests": row.supplement_requests}),
        ),
    )
    .await?;
    events::append(
        &txn,
        actor.id,
        actor.role.as_str(),
        now,
        vec![NewEvent {
            case_id: row.case_id,
            branch_id: Some(branch_id),
            kind: "supplement_allowed".into(),
            from_state: row.state.clone(),
            to_state: row.state.clone(),
            payload: json!({
                "type": "supplement_allowed", "branch_id": branch_id, "case_id": row.case_id,
                "department_id": row.department_id, "reason": reason.trim(), "at": now,
            }),
        }],
    )
    .await?;
    let fresh = branch::Entity::find_by_id(branch_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("branch vanished".into()))?;
    txn.commit().await?;
    branch_view(&fresh, now)
}

/// Seal the applicant data of rows written before encryption (no search hash yet): run in the
/// background at every start (`startup::spawn_sealing`), cheap when there is nothing left.
/// Each row is updated only while it still has no hash, so two replicas starting together
/// seal it once. Returns how many rows it sealed.
#[tracing::instrument(name = "db.transaction", skip_all, fields(otel.name = "db.transaction case.seal_plaintext", db.operation = "case.seal_plaintext"))]
pub async fn seal_plaintext_applicants(
    db: &DatabaseConnection,
    vault: &PiiVault,
) -> Result<u64, ApiError> {
    const BATCH: u64 = 500;
    let mut sealed = 0;
    let mut after = 0;
    loop {
        let rows = case::Entity::find()
            .filter(case::Column::ApplicantIdHash.is_null())
            .filter(case::Column::Id.gt(after))
            .order_by_asc(case::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(sealed);
        };
        after = last.id;
        let txn = db.begin().await?;
        for c in rows {
            let id_number = vault.open(vault::ID_NUMBER, &c.applicant_id_number)?;
            let phone = c
                .applicant_phone
                .as_deref()
                .map(|p| vault.open(vault::PHONE, p))
                .transpose()?;
            let done = case::Entity::update_many()
                .col_expr(
                    case::Column::ApplicantIdNumber,
                    Expr::value(vault.seal(vault::ID_NUMBER, &id_number)),
                )
                .col_expr(
                    case::Column::ApplicantPhone,
                    Expr::value(phone.map(|p| vault.seal(vault::PHONE, &p))),
                )
                .col_expr(
                    case::Column::ApplicantIdHash,
                    Expr::value(vault.search_hash(&id_number)),
                )
                .filter(case::Column::Id.eq(c.id))
                .filter(case::Column::ApplicantIdHash.is_null())
                .exec(&txn)
                .await?;
            sealed += done.rows_affected;
        }
        txn.commit().await?;
    }
}
