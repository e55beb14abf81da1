//! The facts behind a quarter's score: what [`scoring::score_quarter`] reads for every
//! department, gathered from the fact tables the feed fills and the inputs people entered.
//!
//! Definitions (also in `docs/assessment.md` and the OpenAPI description of results):
//! - **电子监察覆盖率** = powers that must be under e-supervision (active, `e_supervised`, from
//!   the power list 权责清单) that **are**: they have an active catalogue item on the platform
//!   and, when the quarter had demand for them (cases on the platform or volume the department
//!   reports handling elsewhere), cases handled on it. A power that must be in the hall, with
//!   volume reported elsewhere and no case on the platform, is listed as 体外循环 suspicion.
//! - **数据交换** = decisions and issuances of the quarter whose record reached the platform
//!   within the system's delay (`data_exchange_max_delay_minutes`) of the moment they happened
//!   ÷ all of them; the late ones are listed.
//! - **高效类** uses the moment the department really decided (`decided_at`).
//! - **Supervision facts**: cards issued in the quarter (revoked cards are gone from the fact
//!   table; only branch cards: a bundle's own case cards are not deducted again), valid
//!   complaints found in it, claims whose limit passed in it unclaimed or claimed
//!   late, 差评 rectifications whose deadline passed in it undone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use platform::ApiError;
use scoring::{
    Adjustment, FactKind, FourLevel, HaochaLevel, IndicatorSystem, ManualScore, Points, QuarterId,
    QuarterInputs, SupervisionFact,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use crate::entities::{
    a_branch, a_card, a_case, a_claim, a_complaint, a_item, a_power, adjustment, callback_answer,
    callback_sample, haocha_rating, manual_score, onsite_rating, peer_review, power_volume,
    rectification, self_assessment,
};
use crate::quarter::{local_date, Quarter};

/// A decision or issuance that reached the platform later than the system allows.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct LateReport {
    /// `branch:<id>` (a decision) or `issuance:<case id>`.
    pub record: String,
    pub happened_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub delay_minutes: i64,
}

/// A power that must be handled in the hall but was only handled elsewhere (体外循环).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct OutsideHall {
    pub power_code: String,
    pub power_name: String,
    /// Volume the department reports for the quarter.
    pub reported_volume: i64,
    /// Cases on the platform for the power's items in the quarter (0).
    pub platform_cases: u64,
}

/// What a department's breakdown shows beside the score itself.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Findings {
    pub late_reports: Vec<LateReport>,
    pub outside_hall: Vec<OutsideHall>,
    /// Codes of the must-supervise powers that are not covered.
    pub powers_not_covered: Vec<String>,
}

/// Inputs and findings per department.
pub struct Gathered {
    pub inputs: BTreeMap<i32, QuarterInputs>,
    pub findings: BTreeMap<i32, Findings>,
}

fn level<T: serde::de::DeserializeOwned>(v: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

fn ids(json: &str) -> Vec<i32> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Gather every department's inputs for the quarter.
pub async fn gather<C: ConnectionTrait>(
    c: &C,
    sys: &IndicatorSystem,
    q: Quarter,
    revision_id: i64,
    now: DateTime<Utc>,
) -> Result<Gathered, ApiError> {
    let (from, to) = q.bounds();
    let period = QuarterId {
        year: q.year,
        quarter: q.q,
        revision_id,
    };
    let blank = || QuarterInputs {
        period,
        ..QuarterInputs::default()
    };
    let max_delay = i64::from(sys.data_exchange_max_delay_minutes);
    let mut out: BTreeMap<i32, QuarterInputs> = BTreeMap::new();
    let mut findings: BTreeMap<i32, Findings> = BTreeMap::new();
    let mut record = |dept: i32,
                      out: &mut BTreeMap<i32, QuarterInputs>,
                      name: String,
                      happened: DateTime<Utc>,
                      recorded: DateTime<Utc>| {
        let i = out.entry(dept).or_insert_with(blank);
        i.data_exchange.total += 1;
        let delay = (recorded - happened).num_minutes();
        if delay <= max_delay {
            i.data_exchange.reported_in_time += 1;
        } else {
            findings
                .entry(dept)
                .or_default()
                .late_reports
                .push(LateReport {
                    record: name,
                    happened_at: happened,
                    recorded_at: recorded,
                    delay_minutes: delay,
                });
        }
    };

    let branches = a_branch::Entity::find()
        .filter(a_branch::Column::OpenedAt.lt(to))
        .filter(
            a_branch::Column::DecidedAt
                .is_null()
                .or(a_branch::Column::DecidedAt.gte(from)),
        )
        .all(c)
        .await?;
    let mut case_depts: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
    // Platform cases per item in the quarter (coverage).
    let mut item_cases: HashMap<i32, u64> = HashMap::new();
    for b in &branches {
        case_depts
            .entry(b.case_id)
            .or_default()
            .insert(b.department_id);
        let i = out.entry(b.department_id).or_insert_with(blank);
        if q.contains(b.opened_at) {
            i.case_volume += 1;
            *item_cases.entry(b.item_id).or_default() += 1;
        }
        let finished = matches!(b.outcome.as_deref(), Some("approved") | Some("rejected"));
        if let (true, Some(decided)) = (finished, b.decided_at) {
            if q.contains(decided) {
                i.efficiency.finished += 1;
                if b.due_at.is_none_or(|d| decided <= d) {
                    i.efficiency.on_time += 1;
                    if b.due_at
                        .is_some_and(|d| local_date(decided) < local_date(d))
                    {
                        i.efficiency.early += 1;
                    }
                }
                let recorded = b.recorded_at.unwrap_or(decided);
                record(
                    b.department_id,
                    &mut out,
                    format!("branch:{}", b.branch_id),
                    decided,
                    recorded,
                );
            }
        }
    }
    for case in a_case::Entity::find()
        .filter(a_case::Column::IssuedAt.gte(from))
        .filter(a_case::Column::IssuedAt.lt(to))
        .all(c)
        .await?
    {
        let Some(issued) = case.issued_at else {
            continue;
        };
        let recorded = case.issued_recorded_at.unwrap_or(issued);
        for d in ids(case.issued_departments.as_deref().unwrap_or("[]")) {
            record(
                d,
                &mut out,
                format!("issuance:{}", case.case_id),
                issued,
                recorded,
            );
        }
    }

    // 电子监察覆盖率 from the power list.
    let volumes: HashMap<String, i64> = power_volume::Entity::find()
        .filter(power_volume::Column::Year.eq(q.year))
        .filter(power_volume::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
        .into_iter()
        .map(|v| (v.power_code, v.count))
        .collect();
    for p in a_power::Entity::find()
        .filter(a_power::Column::Status.eq("active"))
        .all(c)
        .await?
    {
        let items = ids(&p.item_ids);
        let platform_cases: u64 = items.iter().filter_map(|i| item_cases.get(i)).sum();
        let reported = volumes.get(&p.code).copied().unwrap_or(0);
        let i = out.entry(p.department_id).or_insert_with(blank);
        if p.e_supervised {
            i.coverage.should += 1;
            let demand = reported > 0 || platform_cases > 0;
            if !items.is_empty() && (!demand || platform_cases > 0) {
                i.coverage.are += 1;
            } else {
                findings
                    .entry(p.department_id)
                    .or_default()
                    .powers_not_covered
                    .push(p.code.clone());
            }
        }
        if p.in_hall && reported > 0 && platform_cases == 0 {
            findings
                .entry(p.department_id)
                .or_default()
                .outside_hall
                .push(OutsideHall {
                    power_code: p.code,
                    power_name: p.name,
                    reported_volume: reported,
                    platform_cases,
                });
        }
    }

    // 公开类 (when the system computes it): complete public guides of the active items, and
    // approvals on the public list within the system's delay (they appear when recorded).
    for item in a_item::Entity::find()
        .filter(a_item::Column::Active.eq(true))
        .all(c)
        .await?
    {
        // Counted for the departments assessed this quarter (as the supervision facts are).
        if let Some(i) = out.get_mut(&item.department_id) {
            i.openness.active_items += 1;
            if item.guide_complete {
                i.openness.complete_guides += 1;
            }
        }
    }
    let publication_delay = i64::from(sys.publication_delay_minutes);
    for b in &branches {
        if let (Some("approved"), Some(decided)) = (b.outcome.as_deref(), b.decided_at) {
            if q.contains(decided) {
                let i = out.entry(b.department_id).or_insert_with(blank);
                i.openness.publishable += 1;
                let shown = b.recorded_at.unwrap_or(decided);
                if (shown - decided).num_minutes() <= publication_delay {
                    i.openness.published_in_time += 1;
                }
            }
        }
    }

    // Satisfaction: the three sources, counted per level.
    for r in onsite_rating::Entity::find()
        .filter(onsite_rating::Column::RatedAt.gte(from))
        .filter(onsite_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
    {
        if let Some(l) = level::<FourLevel>(&r.level) {
            out.entry(r.department_id)
                .or_insert_with(blank)
                .satisfaction
                .onsite
                .add(l);
        }
    }
    for r in haocha_rating::Entity::find()
        .filter(haocha_rating::Column::RatedAt.gte(from))
        .filter(haocha_rating::Column::RatedAt.lt(to))
        .all(c)
        .await?
    {
        let Some(l) = level::<HaochaLevel>(&r.level) else {
            continue;
        };
        let depts: Vec<i32> = match r.department_id {
            Some(d) => vec![d],
            None => case_depts
                .get(&r.case_id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
        };
        for d in depts {
            out.entry(d)
                .or_insert_with(blank)
                .satisfaction
                .haocha
                .add(l);
        }
    }
    for s in callback_sample::Entity::find()
        .filter(callback_sample::Column::Year.eq(q.year))
        .filter(callback_sample::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
    {
        for a in callback_answer::Entity::find()
            .filter(callback_answer::Column::SampleId.eq(s.id))
            .all(c)
            .await?
        {
            if let Some(l) = level::<FourLevel>(&a.level) {
                out.entry(s.department_id)
                    .or_insert_with(blank)
                    .satisfaction
                    .callbacks
                    .add(l);
            }
        }
    }

    // What people entered.
    for m in manual_score::Entity::find()
        .filter(manual_score::Column::Year.eq(q.year))
        .filter(manual_score::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
    {
        out.entry(m.department_id)
            .or_insert_with(blank)
            .manual
            .push(ManualScore {
                category: m.category,
                points: Points::from_centi(m.points),
                evidence: serde_json::from_str(&m.evidence).unwrap_or_default(),
            });
    }
    // Supervision facts, for the departments assessed this quarter (those with cases, ratings
    // or entered scores). A unit whose only fact is, say, a late claim is not scored on it
    // alone: it has no manual scores to complete a result with.
    let mut fact = |dept: i32, kind: FactKind, id: String| {
        if let Some(i) = out.get_mut(&dept) {
            i.facts.push(SupervisionFact {
                kind,
                source_id: id,
            });
        }
    };
    for card in a_card::Entity::find()
        .filter(a_card::Column::IssuedAt.gte(from))
        .filter(a_card::Column::IssuedAt.lt(to))
        .all(c)
        .await?
    {
        // A bundle's own cards (subject `case:`) signal the lead department's coordination;
        // the department that was late already carries its branch's card. Counting both would
        // deduct one delay twice, so only branch cards are deductions.
        if !card.card_key.starts_with("branch:") {
            continue;
        }
        let kind = match card.level.as_str() {
            "yellow" => FactKind::YellowCard,
            "red" => FactKind::RedCard,
            "statutory_breach" => FactKind::StatutoryBreach,
            _ => continue,
        };
        fact(card.department_id, kind, format!("card:{}", card.card_key));
    }
    for cp in a_complaint::Entity::find()
        .filter(a_complaint::Column::Finding.eq("valid"))
        .filter(a_complaint::Column::FoundAt.gte(from))
        .filter(a_complaint::Column::FoundAt.lt(to))
        .all(c)
        .await?
    {
        if let Some(d) = cp.department_id {
            fact(
                d,
                FactKind::ValidComplaint,
                format!("complaint:{}", cp.complaint_id),
            );
        }
    }
    let horizon = now.min(to);
    for cl in a_claim::Entity::find()
        .filter(a_claim::Column::DueAt.gte(from))
        .filter(a_claim::Column::DueAt.lt(to))
        .all(c)
        .await?
    {
        let late = match cl.claimed_at {
            Some(at) => at > cl.due_at,
            None => cl.due_at < horizon,
        };
        if late {
            fact(
                cl.department_id,
                FactKind::LateClaim,
                format!("claim:{}", cl.branch_id),
            );
        }
    }
    for r in rectification::Entity::find()
        .filter(rectification::Column::Kind.eq("bad_rating"))
        .filter(rectification::Column::DueAt.gte(from))
        .filter(rectification::Column::DueAt.lt(to))
        .all(c)
        .await?
    {
        let overdue = match r.submitted_at {
            Some(at) => at > r.due_at,
            None => r.due_at < now,
        };
        if overdue {
            fact(
                r.department_id,
                FactKind::OverdueRectification,
                format!("rectification:{}", r.id),
            );
        }
    }

    for a in adjustment::Entity::find()
        .filter(adjustment::Column::Year.eq(q.year))
        .filter(adjustment::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
    {
        let i = out.entry(a.department_id).or_insert_with(blank);
        let line = Adjustment {
            reason: a.reason,
            points: Points::from_centi(a.points),
            // Lines entered before sources were required name their own record.
            source: Some(
                a.source
                    .unwrap_or_else(|| format!("adjustment:{} (entered without source)", a.id)),
            ),
        };
        if a.kind == "bonus" {
            i.bonuses.push(line);
        } else {
            i.deductions.push(line);
        }
    }
    for s in self_assessment::Entity::find()
        .filter(self_assessment::Column::Year.eq(q.year))
        .filter(self_assessment::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
    {
        out.entry(s.department_id)
            .or_insert_with(blank)
            .self_assessment = Some(Points::from_centi(i64::from(s.score)));
    }
    for r in peer_review::Entity::find()
        .filter(peer_review::Column::Year.eq(q.year))
        .filter(peer_review::Column::Quarter.eq(i32::from(q.q)))
        .all(c)
        .await?
    {
        out.entry(r.to_department_id)
            .or_insert_with(blank)
            .peer_reviews
            .push(Points::from_centi(i64::from(r.score)));
    }
    Ok(Gathered {
        inputs: out,
        findings,
    })
}
