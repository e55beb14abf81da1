//! E-supervision sweep (电子监察 巡检) against PostgreSQL with many open branches: the tick with
//! nothing due (target: well under one second) and ticks with K branches due (the cost should
//! be proportional to K: a roughly constant cost per issued alert). Prints figures and ratios;
//! asserts nothing about time.
//!
//! `make bench` runs it; `BENCH_DATABASE_URL` (default: `TEST_DATABASE_URL`, else the local
//! `postgres://postgres@127.0.0.1:5432/test`), `BENCH_BRANCHES` (open branches, default
//! 1,000,000), `BENCH_DUE` (comma-separated K values, default `1000,10000,50000`) and
//! `BENCH_TICKS` (nothing-due ticks, default 20) tune it.

#[path = "support/mod.rs"]
mod support;
use support::*;

use std::sync::Arc;
use std::time::{Duration, Instant};

use approval::startup::Application;
use approval::state::{SupervisionSettings, Timing};
use approval::supervision::sweep::{sweep, SweepReport};
use calendar::{LimitUnit, StatutoryClock, WarnRule};
use chrono::{DateTime, Utc};
use platform::clock::ManualClock;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .filter(|&k| k > 0)
            .collect(),
        _ => default.to_vec(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn issued(r: &SweepReport) -> u32 {
    r.warnings + r.yellow_cards + r.red_cards + r.unclaimed
}

/// `n` sweeps at `now`; each must issue nothing. Sorted durations.
async fn idle_ticks(
    db: &DatabaseConnection,
    timing: &Timing,
    now: DateTime<Utc>,
    n: usize,
) -> Vec<Duration> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = Instant::now();
        let r = sweep(db, timing, now).await.expect("sweep");
        v.push(t0.elapsed());
        assert_eq!(issued(&r), 0, "nothing is due: {r:?}");
    }
    v.sort();
    v
}

fn summary(v: &[Duration]) -> (f64, f64, f64) {
    (ms(v[0]), ms(v[v.len() / 2]), ms(v[v.len() - 1]))
}

/// The plan PostgreSQL picks for the sweep's read at `now`, one line per node.
async fn plan(db: &DatabaseConnection, now: DateTime<Utc>) -> Vec<String> {
    let rows = db
        .query_all(Statement::from_sql_and_values(
            db.get_database_backend(),
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM branches \
             WHERE next_alert_at <= $1 ORDER BY next_alert_at ASC LIMIT 200",
            [now.into()],
        ))
        .await
        .expect("explain");
    rows.iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect()
}

struct Due {
    k: usize,
    mark: Duration,
    sweep: Duration,
    report: SweepReport,
}

async fn run(db: DatabaseConnection, timing: Timing, start: DateTime<Utc>) {
    let want = env_num("BENCH_BRANCHES", 1_000_000).max(4);
    let ticks = env_num("BENCH_TICKS", 20).max(1);
    let dues = env_list("BENCH_DUE", &[1_000, 10_000, 50_000]);
    let ncases = want.div_ceil(4) as i64;
    // Every branch shares one clock (5 working days from `start`); the stored moments are
    // spread over the next 30 days so the sweep's index sees a million distinct keys.
    let clock = serde_json::to_string(&StatutoryClock::start(
        start,
        5,
        LimitUnit::WorkingDays,
        WarnRule::default(),
    ))
    .expect("clock json");

    let t0 = Instant::now();
    exec(
        &db,
        "INSERT INTO cases (case_no, bundle_id, item_id, applicant_kind, applicant_name, \
           applicant_id_number, applicant_phone, materials, state, stage_count, join_policy, \
           accepted_at, accepted_by, due_at, fee_total_cents, paid_cents, payment_ref, paid_at, \
           issued_at, closed_reason, version, updated_at) \
         SELECT 'BENCH-' || lpad(g::text, 10, '0'), b.id, NULL, 'enterprise', \
           '基准测试有限公司' || g, '91350100M' || lpad(g::text, 9, '0'), NULL, '[]', \
           'in_progress:1', 1, b.join_policy, $1, 0, $1 + interval '7 days', 30800, 0, NULL, \
           NULL, NULL, NULL, 0, $1 \
         FROM generate_series(1, $2::bigint) g \
         CROSS JOIN (SELECT id, join_policy FROM bundles WHERE code = 'HHHT-ENT-ACCESS') b",
        vec![start.into(), ncases.into()],
    )
    .await;
    let t_cases = t0.elapsed();
    let t1 = Instant::now();
    let n = exec(
        &db,
        "INSERT INTO branches (case_id, item_id, department_id, stage, state, extension_used, \
           decision_note, clock, due_at, warn_at, opened_at, decided_at, version, updated_at, \
           red_at, next_alert_at, alert_level) \
         SELECT c.id, it.id, it.department_id, 1, 'received', false, NULL, $2, \
           w.at + interval '2 days', w.at, $1, NULL, 0, $1, w.at + interval '5 days', w.at, 0 \
         FROM cases c \
         CROSS JOIN (SELECT id, department_id, row_number() OVER (ORDER BY id) - 1 AS k \
                     FROM items WHERE code IN \
                       ('HHHT-SCJG-001', 'HHHT-ZJJ-001', 'HHHT-SWJ-001', 'HHHT-GAJ-001')) it \
         CROSS JOIN LATERAL (SELECT $1 + interval '1 hour' \
           + ((c.id::bigint * 4 + it.k) * 7919 % 2592000) * interval '1 second' AS at) w \
         WHERE c.case_no LIKE 'BENCH-%'",
        vec![start.into(), clock.into()],
    )
    .await as usize;
    let t_branches = t1.elapsed();
    let t2 = Instant::now();
    exec(&db, "VACUUM (ANALYZE) cases", vec![]).await;
    exec(&db, "VACUUM (ANALYZE) branches", vec![]).await;
    let t_analyze = t2.elapsed();
    let size = scalar(&db, "SELECT pg_total_relation_size('branches')").await;
    let lo = scalar(&db, "SELECT min(id)::bigint FROM branches").await;

    // Nothing due: `now` is before every branch's next alert (the earliest is start + 1 h).
    let now = start;
    sweep(&db, &timing, now).await.expect("warm-up sweep");
    let idle = idle_ticks(&db, &timing, now, ticks).await;
    let idle_plan = plan(&db, now).await;

    // K due: fresh id ranges, each branch's warning moment moved to just before `now` (its due
    // moment stays in the future, so each issues exactly one 预警: card, notice, feed event).
    let mut rounds = Vec::new();
    let mut skipped = Vec::new();
    let mut next = lo;
    for &k in &dues {
        if next - lo + k as i64 > n as i64 {
            skipped.push(k);
            continue;
        }
        let t = Instant::now();
        let marked = exec(
            &db,
            "UPDATE branches SET warn_at = $1 - ((id % 3600) + 1) * interval '1 second', \
               next_alert_at = $1 - ((id % 3600) + 1) * interval '1 second' \
             WHERE id >= $2 AND id < $3",
            vec![now.into(), next.into(), (next + k as i64).into()],
        )
        .await as usize;
        let mark = t.elapsed();
        assert_eq!(marked, k, "branch ids are contiguous");
        next += k as i64;
        let t = Instant::now();
        let report = sweep(&db, &timing, now).await.expect("sweep");
        let dt = t.elapsed();
        assert_eq!(report.warnings as usize, k, "one warning per due branch");
        rounds.push(Due {
            k,
            mark,
            sweep: dt,
            report,
        });
    }
    // Nothing due again, after the bursts (their moved rows left dead index entries behind).
    let idle_after = idle_ticks(&db, &timing, now, ticks).await;
    let after_plan = plan(&db, now).await;
    // The same once VACUUM has removed those entries (autovacuum waits for 20% of the table).
    exec(&db, "VACUUM branches", vec![]).await;
    let idle_vacuumed = idle_ticks(&db, &timing, now, ticks).await;

    println!("\n## E-supervision sweep (PostgreSQL)\n");
    println!(
        "{n} open branches ({ncases} cases × 4), one sweep per tick through \
         `supervision::sweep::sweep` (read `next_alert_at <= now` in batches of 50, issue, \
         move on); each due branch issues one 预警 (card, notice, feed event).\n"
    );
    println!("| population | value |\n|---|---|");
    println!(
        "| insert cases (set-based) | {:.1} s |",
        t_cases.as_secs_f64()
    );
    println!(
        "| insert branches (set-based) | {:.1} s ({:.0} rows/s) |",
        t_branches.as_secs_f64(),
        n as f64 / t_branches.as_secs_f64()
    );
    println!("| VACUUM ANALYZE | {:.1} s |", t_analyze.as_secs_f64());
    println!(
        "| branches table with indexes | {:.0} MiB |",
        size as f64 / 1_048_576.0
    );

    let (imin, imed, imax) = summary(&idle);
    let (amin, amed, amax) = summary(&idle_after);
    let (vmin, vmed, vmax) = summary(&idle_vacuumed);
    println!(
        "\n| tick with nothing due | ticks | min ms | median ms | max ms |\n|---|---|---|---|---|"
    );
    println!("| before any alert | {ticks} | {imin:.2} | {imed:.2} | {imax:.2} |");
    println!("| after the due rounds | {ticks} | {amin:.2} | {amed:.2} | {amax:.2} |");
    println!("| after the due rounds, then VACUUM | {ticks} | {vmin:.2} | {vmed:.2} | {vmax:.2} |");
    println!(
        "\nratio nothing-due tick (median) ÷ 1 s target: {:.4} before any alert, {:.4} after \
         the due rounds\n",
        imed / 1000.0,
        amed / 1000.0
    );
    for (title, lines) in [
        ("with nothing due", &idle_plan),
        ("with nothing due, after the due rounds", &after_plan),
    ] {
        println!("Plan of the sweep's read {title}:\n\n```");
        for l in lines {
            println!("{l}");
        }
        println!("```\n");
    }

    if !rounds.is_empty() {
        let base = rounds[0].sweep.as_secs_f64() * 1e6 / issued(&rounds[0].report) as f64;
        println!(
            "\n| K due | sweep ms | cards issued | µs per issued alert | per-alert ÷ first row | \
             sweep ms ÷ nothing-due median | mark K due (UPDATE) ms |\n\
             |---|---|---|---|---|---|---|"
        );
        for r in &rounds {
            let c = issued(&r.report);
            let per = r.sweep.as_secs_f64() * 1e6 / c as f64;
            println!(
                "| {} | {:.1} | {c} | {per:.0} | {:.2} | {:.0} | {:.0} |",
                r.k,
                ms(r.sweep),
                per / base,
                ms(r.sweep) / imed,
                ms(r.mark)
            );
        }
        if let (Some(f), Some(l)) = (rounds.first(), rounds.last()) {
            if rounds.len() > 1 {
                let per = |r: &Due| r.sweep.as_secs_f64() / issued(&r.report) as f64;
                println!(
                    "\nper-alert cost, largest K ÷ smallest K ({} ÷ {}): {:.2} (1.00 = proportional)",
                    l.k,
                    f.k,
                    per(l) / per(f)
                );
            }
        }
    }
    if !skipped.is_empty() {
        println!("\nskipped K (more than the {n} branches left): {skipped:?}");
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let base = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let (url, name) = fresh_db(&base).await;
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-03-09T10:00:00+08:00")
        .expect("time")
        .with_timezone(&Utc);
    let config = bench_config(&url, "error");
    // No background scheduler: the bench runs the sweep itself, at the moments it chooses.
    let mail_dir = std::env::temp_dir().join(format!("approval-bench-mail-{name}"));
    let settings = SupervisionSettings {
        scheduler_enabled: false,
        mail_dir: mail_dir.display().to_string(),
        ..Default::default()
    };
    let outcome = match Application::build_with(config, settings, Arc::new(ManualClock::new(start)))
        .await
    {
        Ok(app) => {
            let db = app.state.db.clone();
            let timing = app.state.timing();
            // Run inside a task so the database is dropped even when the bench panics.
            let r = tokio::spawn(run(db.clone(), timing, start)).await;
            db.close().await.ok();
            r.map_err(|e| e.into_panic())
        }
        Err(e) => {
            let msg: Box<dyn std::any::Any + Send> = Box::new(format!("start the service: {e}"));
            Err(msg)
        }
    };
    let _ = std::fs::remove_dir_all(&mail_dir);
    if let Ok(admin) = Database::connect(&base).await {
        let _ = admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ))
            .await;
    }
    if let Err(p) = outcome {
        std::panic::resume_unwind(p);
    }
}
