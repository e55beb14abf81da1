//! Re-planning open clocks when a holiday table is published (重新计算时限), against
//! PostgreSQL: `BENCH_REPLAN_BRANCHES` open branches (default 10,000) on provisional 2027
//! moments, then the 2027 table published. Prints the time, the batches and branches per
//! second, and how long a branch command waited meanwhile (it must not wait for the whole
//! re-plan: each batch is its own short transaction). Asserts nothing about time.

use std::sync::Arc;
use std::time::Instant;

use approval::startup::Application;
use approval::state::SupervisionSettings;
use chrono::{DateTime, Utc};
use platform::clock::ManualClock;

#[path = "support/mod.rs"]
mod support;
use support::*;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let base = base_url();
    let (url, name) = fresh_db(&base).await;
    let n = env_num("BENCH_REPLAN_BRANCHES", 10_000).max(1) as i64;
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc);
    let config = bench_config(&url, "provisional");
    let settings = SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: std::env::temp_dir()
            .join(format!("approval-bench-mail-{name}"))
            .display()
            .to_string(),
        ..Default::default()
    };
    let app = Application::build_with(config, settings, Arc::new(ManualClock::new(now)))
        .await
        .expect("start the service");
    let state = app.state.clone();
    let db = state.db.clone();
    // n cases of the Hohhot bundle's tax item, each with one open branch on a 30-day clock
    // from 1 Dec 2026 (into 2027: provisional).
    let clock = serde_json::to_string(&calendar::StatutoryClock::start(
        now,
        30,
        calendar::LimitUnit::WorkingDays,
        calendar::WarnRule::default(),
    ))
    .expect("clock");
    exec(
        &db,
        "INSERT INTO cases (case_no, bundle_id, item_id, applicant_kind, applicant_name, \
           applicant_id_number, materials, state, stage_count, join_policy, accepted_at, \
           accepted_by, due_at, fee_total_cents, paid_cents, version, updated_at, provisional, \
           alert_level) \
         SELECT 'REPLAN-' || g, NULL, i.id, 'person', '张三', '11010519491231002X', '[]', \
           'in_progress:1', 1, 'all_must_approve:reject_fast', $1, 0, $1 + interval '45 days', \
           0, 0, 0, $1, true, 0 \
         FROM generate_series(1, $2::bigint) g CROSS JOIN items i WHERE i.code = 'HHHT-SWJ-001'",
        vec![now.into(), n.into()],
    )
    .await;
    exec(
        &db,
        "INSERT INTO branches (case_id, item_id, department_id, stage, state, extension_used, \
           clock, due_at, warn_at, opened_at, version, updated_at, red_at, next_alert_at, \
           alert_level, provisional, statutory_extra_days, statutory_due_at) \
         SELECT c.id, c.item_id, i.department_id, 1, 'reviewing', false, $2, \
           $1 + interval '44 days', $1 + interval '30 days', $1, 0, $1, $1 + interval '48 days', \
           $1 + interval '30 days', 0, true, 27, $1 + interval '80 days' \
         FROM cases c JOIN items i ON i.id = c.item_id WHERE c.case_no LIKE 'REPLAN-%'",
        vec![now.into(), clock.into()],
    )
    .await;
    exec(&db, "VACUUM (ANALYZE) branches", vec![]).await;
    let table = calendar::HolidayTable::new(
        2027,
        vec![
            chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
            chrono::NaiveDate::from_ymd_opt(2027, 1, 4).expect("date"),
        ],
        Vec::new(),
    )
    .expect("table");
    approval::calendar_store::upsert_year(&db, &table, "bench", now)
        .await
        .expect("publish 2027");
    approval::startup::reload_calendar(&state)
        .await
        .expect("reload");
    let timing = state.timing();
    let started = Instant::now();
    let replan = tokio::spawn({
        let db = db.clone();
        let timing = timing.clone();
        async move { approval::cases::replan::replan_year(&db, &timing, 2027, now).await }
    });
    // Meanwhile: how long a short write on the branches table waits (a row of its own).
    let mut waits = Vec::new();
    while !replan.is_finished() {
        let t = Instant::now();
        exec(
            &db,
            "UPDATE branches SET updated_at = updated_at WHERE id = (SELECT min(id) FROM branches)",
            vec![],
        )
        .await;
        waits.push(t.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let report = replan.await.expect("join").expect("re-plan");
    let took = started.elapsed();
    let worst = waits.iter().max().copied().unwrap_or_default();
    println!("## Re-plan on publishing a holiday table (cases::replan)\n");
    println!("| open branches | batches | replanned | time | branches/s | concurrent write, worst wait |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {n} | {} | {} | {:.2} s | {:.0} | {:.1} ms ({} writes) |\n",
        report.batches,
        report.replanned,
        took.as_secs_f64(),
        f64::from(report.replanned) / took.as_secs_f64().max(1e-9),
        worst.as_secs_f64() * 1000.0,
        waits.len()
    );
    db.close().await.ok();
    drop_db(&base, &name).await;
}
