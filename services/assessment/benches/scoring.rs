//! Quarterly scoring (季度考核) over a long history: the assessment database's fact tables are
//! filled directly with set-based SQL (years of cases, their branches with decided and due
//! moments, on-site and 好差评 ratings, callbacks, the manual scores every department needs),
//! then `assessment::results::run` scores the newest quarter a few times (each run recomputes
//! the draft). Prints figures, the plans PostgreSQL picks for the run's history reads, and a
//! what-if with indexes the migrations do not have; asserts nothing about time.
//!
//! `make bench` runs it; `BENCH_DATABASE_URL` (default: `TEST_DATABASE_URL`, else the local
//! `postgres://postgres@127.0.0.1:5432/test`), `BENCH_CASES` (historical cases, default
//! 10,000,000), `BENCH_BRANCHES_PER_CASE` (`2.5`, default: one to four branches per case, as
//! bundles have, 2.5 on average; or `1`), `BENCH_DEPARTMENTS` (default 40), `BENCH_RUNS` (default 3) and `BENCH_WHATIF`
//! (`0` skips the what-if) tune it.

use std::time::{Duration, Instant};

use assessment::entities::{a_branch, haocha_rating, onsite_rating};
use assessment::quarter::Quarter;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
    QueryTrait, Statement, TransactionTrait, Value,
};

/// History from 1 Jan 2022 (Shanghai) to the end of the scored quarter, 2026Q1: 1551 days.
const HISTORY_START: &str = "2022-01-01T00:00:00+08:00";
const HISTORY_DAYS: i64 = 1551;
/// The run happens the day after the quarter ends.
const NOW: &str = "2026-04-01T10:00:00+08:00";
const CHUNK: i64 = 1_000_000;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

async fn fresh_db(base: &str) -> (String, String) {
    use rand::Rng;
    let name = format!("bench_{:012x}", rand::thread_rng().gen::<u64>() >> 16);
    let admin = Database::connect(base)
        .await
        .expect("connect to PostgreSQL (BENCH_DATABASE_URL)");
    admin
        .execute(Statement::from_string(
            admin.get_database_backend(),
            format!("CREATE DATABASE {name}"),
        ))
        .await
        .expect("create bench db");
    admin.close().await.ok();
    let (head, _) = base
        .rsplit_once('/')
        .expect("database URL with a database name");
    (format!("{head}/{name}"), name)
}

async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> u64 {
    db.execute(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}: {sql}"))
    .rows_affected()
}

async fn scalar(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    db.query_one(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}: {sql}"))
    .expect("row")
    .try_get_by_index::<i64>(0)
    .expect("bigint")
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The cases of one chunk: `g` from `$3` to `$4` of `$5`, opened in office hours (09:00–17:00
/// Shanghai) evenly over `$6` days from `$1`; `d0` a skewed department (some are much busier);
/// `due7` the close of the 7th calendar day after (≈ 5 working days).
const CASES_CTE: &str = "WITH c AS ( \
       SELECT g, x / 28800 AS day, x % 28800 AS sec, \
         floor($7::int * power((((g * 2654435761) % 1000003)::float8 / 1000003.0), 1.5))::int AS d0, \
         (g * 1103515245 + 12345) % 2147483648 AS hc \
       FROM (SELECT g, (g - 1) * $6::bigint * 28800 / $5::bigint AS x \
             FROM generate_series($3::bigint, $4::bigint) g) s), \
     o AS ( \
       SELECT g, d0, hc, \
         $1::timestamptz + day * interval '1 day' + interval '9 hours' + sec * interval '1 second' AS opened, \
         $1::timestamptz + (day + 7) * interval '1 day' + interval '17 hours' AS due7 \
       FROM c) ";

struct Population {
    cases: Duration,
    branches: Duration,
    ratings: Duration,
    other: Duration,
    vacuum: Duration,
}

async fn populate(
    db: &DatabaseConnection,
    n: i64,
    depts: i32,
    per_case: i64,
    now: DateTime<Utc>,
) -> Population {
    let t0 = at(HISTORY_START);
    let args = |lo: i64, hi: i64, extra: Vec<Value>| -> Vec<Value> {
        let mut v: Vec<Value> = vec![
            t0.into(),
            now.into(),
            lo.into(),
            hi.into(),
            n.into(),
            HISTORY_DAYS.into(),
            depts.into(),
        ];
        v.extend(extra);
        v
    };
    let (mut t_cases, mut t_branches, mut t_ratings) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let started = Instant::now();
    let mut lo = 1;
    while lo <= n {
        let hi = (lo + CHUNK - 1).min(n);
        let t = Instant::now();
        exec(
            db,
            &format!(
                "{CASES_CTE} INSERT INTO a_cases (case_id, case_no, applicant_kind, accepted_at, \
                   state, updated_at) \
                 SELECT g::int, 'BENCH-' || lpad(g::text, 10, '0'), \
                   CASE WHEN g % 5 = 0 THEN 'individual' ELSE 'enterprise' END, opened, \
                   CASE WHEN due7 + interval '5 days' > $2 THEN 'in_progress:1' ELSE 'issued' END, \
                   opened \
                 FROM o"
            ),
            args(lo, hi, vec![]),
        )
        .await;
        t_cases += t.elapsed();
        // Per branch: an outcome (3 % cancelled, 5 % rejected, else approved) and a decision
        // moment: 55 % early (before the due day), then on the due day, then late (8 % of
        // department 1's branches, up to 20 % of department 40's); 1 % have no due moment.
        // Decisions after `now` are not made yet: those branches are still open.
        let t = Instant::now();
        exec(
            db,
            &format!(
                "{CASES_CTE} INSERT INTO a_branches (branch_id, case_id, department_id, item_id, \
                   opened_at, due_at, decided_at, outcome) \
                 SELECT (o.g * 4 + j)::int, o.g::int, dj.dept, 1000 + dj.dept, o.opened, \
                   CASE WHEN b.nodue THEN NULL ELSE o.due7 END, \
                   CASE WHEN t.dec <= $2 THEN t.dec END, \
                   CASE WHEN t.dec > $2 THEN NULL \
                        WHEN (a.h / 1000) % 1000 < 30 THEN 'cancelled' \
                        WHEN (a.h / 1000) % 1000 < 80 THEN 'rejected' ELSE 'approved' END \
                 FROM o \
                 CROSS JOIN LATERAL generate_series(0, (o.g % $8::bigint)::int) j \
                 CROSS JOIN LATERAL (SELECT 1 + (o.d0 + j * 7) % $7::int AS dept) dj \
                 CROSS JOIN LATERAL (SELECT ((o.g * 4 + j) * 1103515245 + 12345) % 2147483648 AS h) a \
                 CROSS JOIN LATERAL (SELECT (a.h * 1103515245 + 12345) % 2147483648 AS h2, \
                   ((a.h * 1103515245 + 12345) % 2147483648 / 1000) % 100 = 0 AS nodue) b \
                 CROSS JOIN LATERAL (SELECT CASE \
                   WHEN b.h2 % 1000 < 550 OR b.nodue \
                     THEN o.opened + (a.h % 518400) * interval '1 second' \
                   WHEN b.h2 % 1000 < 920 - 3 * dj.dept \
                     THEN o.due7 - (a.h % 28800) * interval '1 second' \
                   ELSE o.due7 + (60 + a.h % 432000) * interval '1 second' END AS dec) t"
            ),
            args(lo, hi, vec![per_case.into()]),
        )
        .await;
        t_branches += t.elapsed();
        // 40 % of cases rated at the window (现场评价器), 10 % rated on 好差评 (per case).
        let t = Instant::now();
        exec(
            db,
            &format!(
                "{CASES_CTE} INSERT INTO onsite_ratings (case_id, department_id, level, rated_at) \
                 SELECT g::int, 1 + d0, CASE WHEN (hc / 16) % 100 < 60 THEN 'very_satisfied' \
                   WHEN (hc / 16) % 100 < 90 THEN 'satisfied' \
                   WHEN (hc / 16) % 100 < 98 THEN 'average' ELSE 'dissatisfied' END, \
                   opened + interval '10 minutes' \
                 FROM o WHERE (hc / 1600) % 10 < 4"
            ),
            args(lo, hi, vec![]),
        )
        .await;
        exec(
            db,
            &format!(
                "{CASES_CTE} INSERT INTO haocha_ratings (case_id, applicant_id, department_id, \
                   level, rated_at) \
                 SELECT g::int, '91350100M' || lpad(g::text, 9, '0'), NULL, \
                   CASE WHEN (hc / 160000) % 100 < 55 THEN 'very_satisfied' \
                   WHEN (hc / 160000) % 100 < 85 THEN 'satisfied' \
                   WHEN (hc / 160000) % 100 < 95 THEN 'basically_satisfied' \
                   WHEN (hc / 160000) % 100 < 98 THEN 'dissatisfied' \
                   ELSE 'very_dissatisfied' END, opened + interval '8 days' \
                 FROM o WHERE (hc / 16000) % 10 = 0 AND opened + interval '8 days' <= $2"
            ),
            args(lo, hi, vec![]),
        )
        .await;
        t_ratings += t.elapsed();
        eprintln!(
            "populated {hi} of {n} cases ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
        lo = hi + 1;
    }

    // Per department and quarter of the history: the four manual scores with evidence, a
    // callback sample of 10 answers; a few bonuses and deductions in the scored quarter.
    let t = Instant::now();
    exec(
        db,
        "INSERT INTO a_departments (department_id, code, name, head_email, window_email, synced_at) \
         SELECT d, 'BENCH-D' || lpad(d::text, 2, '0'), '基准部门 ' || d, NULL, NULL, $1 \
         FROM generate_series(1, $2::int) d",
        vec![now.into(), depts.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO manual_scores (department_id, year, quarter, category, points, evidence, \
           entered_by, entered_at) \
         SELECT d, 2022 + k / 4, 1 + k % 4, c.key, \
           c.maxc - (d * 37 + k * 11 + c.n * 13) % (c.maxc * 3 / 5 + 1), \
           json_build_array('检查记录 ' || (2022 + k / 4) || 'Q' || (1 + k % 4) || '-' || d)::text, \
           'bench', $1 \
         FROM generate_series(1, $2::int) d CROSS JOIN generate_series(0, 16) k \
         CROSS JOIN (VALUES ('standardisation', 1500, 1), ('openness', 1000, 2), \
           ('quality', 1000, 3), ('integrity', 500, 4)) AS c(key, maxc, n)",
        vec![now.into(), depts.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO callback_samples (department_id, year, quarter, seed, population, case_ids, \
           drawn_at, drawn_by) \
         SELECT d, 2022 + k / 4, 1 + k % 4, d * 1000 + k, 10, '[]', $1, 'bench' \
         FROM generate_series(1, $2::int) d CROSS JOIN generate_series(0, 16) k",
        vec![now.into(), depts.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO callback_answers (sample_id, case_id, level, answered_at) \
         SELECT s.id, s.id * 10 + k, CASE WHEN (s.id + k) % 10 < 6 THEN 'very_satisfied' \
           WHEN (s.id + k) % 10 < 9 THEN 'satisfied' ELSE 'average' END, s.drawn_at \
         FROM callback_samples s CROSS JOIN generate_series(1, 10) k",
        vec![],
    )
    .await;
    exec(
        db,
        "INSERT INTO adjustments (department_id, year, quarter, kind, points, reason, entered_by, \
           entered_at) \
         SELECT d, 2026, 1, CASE WHEN d <= 5 THEN 'bonus' ELSE 'deduction' END, \
           CASE WHEN d <= 5 THEN 200 ELSE 300 END, \
           CASE WHEN d <= 5 THEN '创新举措' ELSE '群众投诉查实' END, 'bench', $1 \
         FROM generate_series(1, $2::int) d WHERE d <= 5 OR d > $2::int - 5",
        vec![now.into(), depts.into()],
    )
    .await;
    let other = t.elapsed();
    let t = Instant::now();
    for table in [
        "a_cases",
        "a_branches",
        "onsite_ratings",
        "haocha_ratings",
        "manual_scores",
        "callback_samples",
        "callback_answers",
        "adjustments",
        "a_departments",
    ] {
        exec(db, &format!("VACUUM (ANALYZE) {table}"), vec![]).await;
    }
    Population {
        cases: t_cases,
        branches: t_branches,
        ratings: t_ratings,
        other,
        vacuum: t.elapsed(),
    }
}

/// The run's read of branches, exactly as `results::gather` builds it.
fn branch_query(q: Quarter) -> sea_orm::Select<a_branch::Entity> {
    let (from, to) = q.bounds();
    a_branch::Entity::find()
        .filter(a_branch::Column::OpenedAt.lt(to))
        .filter(
            a_branch::Column::DecidedAt
                .is_null()
                .or(a_branch::Column::DecidedAt.gte(from)),
        )
}

fn onsite_query(q: Quarter) -> sea_orm::Select<onsite_rating::Entity> {
    let (from, to) = q.bounds();
    onsite_rating::Entity::find()
        .filter(onsite_rating::Column::RatedAt.gte(from))
        .filter(onsite_rating::Column::RatedAt.lt(to))
}

fn haocha_query(q: Quarter) -> sea_orm::Select<haocha_rating::Entity> {
    let (from, to) = q.bounds();
    haocha_rating::Entity::find()
        .filter(haocha_rating::Column::RatedAt.gte(from))
        .filter(haocha_rating::Column::RatedAt.lt(to))
}

/// `EXPLAIN (ANALYZE, BUFFERS)` of `st` in a transaction of its own, after `SET LOCAL` of each of
/// `settings` (diagnostics only; rolled back).
async fn explain(db: &DatabaseConnection, st: Statement, settings: &[&str]) -> Vec<String> {
    let txn = db.begin().await.expect("begin");
    for s in settings {
        txn.execute(Statement::from_string(
            txn.get_database_backend(),
            format!("SET LOCAL {s}"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}: SET LOCAL {s}"));
    }
    let sql = format!("EXPLAIN (ANALYZE, BUFFERS) {}", st.sql);
    let rows = txn
        .query_all(Statement::from_sql_and_values(
            txn.get_database_backend(),
            &sql,
            st.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    txn.rollback().await.ok();
    rows.iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect()
}

/// Milliseconds of JIT compilation in a plan ("Timing: … Total N ms"), 0 without JIT.
fn jit_ms(plan: &[String]) -> f64 {
    plan.iter()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("Timing: ")
                .and_then(|t| t.rsplit_once("Total "))
                .map(|(_, n)| n.trim_end_matches(" ms").parse().unwrap_or(f64::NAN))
        })
        .unwrap_or(0.0)
}

/// Milliseconds PostgreSQL reports for executing a plan ("Execution Time: … ms").
fn execution_ms(plan: &[String]) -> f64 {
    plan.iter()
        .find_map(|l| l.trim().strip_prefix("Execution Time: "))
        .and_then(|s| s.trim_end_matches(" ms").parse().ok())
        .unwrap_or(f64::NAN)
}

struct Runs {
    times: Vec<Duration>,
    grades: std::collections::BTreeMap<String, usize>,
    load_branches: Duration,
    loaded: usize,
    branch_plan: Vec<String>,
    branch_plan_nojit: Vec<String>,
    branch_plan_forced: Vec<String>,
    onsite_plan: Vec<String>,
    haocha_plan: Vec<String>,
}

async fn measure(db: &DatabaseConnection, runs: usize, now: DateTime<Utc>, q: Quarter) -> Runs {
    let cal = calendar::WorkCalendar::builtin();
    let mut times = Vec::with_capacity(runs);
    let mut grades = std::collections::BTreeMap::new();
    for _ in 0..runs {
        let t = Instant::now();
        let v = assessment::results::run(
            db,
            &cal,
            &assessment::results::Author::scheduler(),
            now,
            q,
            10,
        )
        .await
        .unwrap_or_else(|e| panic!("results::run: {e:?}"));
        times.push(t.elapsed());
        assert_eq!(v.status, "draft");
        assert!(!v.departments.is_empty(), "scored departments");
        grades.clear();
        for d in &v.departments {
            *grades.entry(d.grade.clone()).or_insert(0) += 1;
        }
    }
    // The branch read alone through the ORM: the part of a run that grows with the history.
    let t = Instant::now();
    let loaded = branch_query(q).all(db).await.expect("branches").len();
    let load_branches = t.elapsed();
    let be = db.get_database_backend();
    let branch_plan = explain(db, branch_query(q).build(be), &[]).await;
    let branch_plan_nojit = explain(db, branch_query(q).build(be), &["jit = off"]).await;
    let branch_plan_forced = explain(
        db,
        branch_query(q).build(be),
        &["enable_seqscan = off", "jit = off"],
    )
    .await;
    let onsite_plan = explain(db, onsite_query(q).build(be), &[]).await;
    let haocha_plan = explain(db, haocha_query(q).build(be), &[]).await;
    Runs {
        times,
        grades,
        load_branches,
        loaded,
        branch_plan,
        branch_plan_nojit,
        branch_plan_forced,
        onsite_plan,
        haocha_plan,
    }
}

fn med(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    s[s.len() / 2]
}

fn print_plan(title: &str, lines: &[String]) {
    println!("{title}:\n\n```");
    for l in lines {
        println!("{l}");
    }
    println!("```\n");
}

async fn bench(db: DatabaseConnection) {
    let n = env_num("BENCH_CASES", 10_000_000).max(1) as i64;
    let depts = env_num("BENCH_DEPARTMENTS", 40).clamp(1, 999) as i32;
    let runs = env_num("BENCH_RUNS", 3).max(1);
    let per_case: i64 = match std::env::var("BENCH_BRANCHES_PER_CASE").as_deref() {
        Ok("1") => 1,
        _ => 4,
    };
    let whatif = std::env::var("BENCH_WHATIF").map_or(true, |v| v.trim() != "0");
    let now = at(NOW);
    let q = Quarter::new(2026, 1).expect("quarter");
    let (from, to) = q.bounds();

    let t = Instant::now();
    let pop = populate(&db, n, depts, per_case, now).await;
    let populated = t.elapsed();
    let branches = scalar(&db, "SELECT count(*) FROM a_branches", vec![]).await;
    let cases = scalar(&db, "SELECT count(*) FROM a_cases", vec![]).await;
    let onsite = scalar(&db, "SELECT count(*) FROM onsite_ratings", vec![]).await;
    let haocha = scalar(&db, "SELECT count(*) FROM haocha_ratings", vec![]).await;
    let history_rows = branches + cases + onsite + haocha;
    let open = scalar(
        &db,
        "SELECT count(*) FROM a_branches WHERE decided_at IS NULL",
        vec![],
    )
    .await;
    let q_cases = scalar(
        &db,
        "SELECT count(*) FROM a_cases WHERE accepted_at >= $1 AND accepted_at < $2",
        vec![from.into(), to.into()],
    )
    .await;
    let q_branches = scalar(
        &db,
        "SELECT count(*) FROM a_branches WHERE opened_at >= $1 AND opened_at < $2",
        vec![from.into(), to.into()],
    )
    .await;
    let q_onsite = scalar(
        &db,
        "SELECT count(*) FROM onsite_ratings WHERE rated_at >= $1 AND rated_at < $2",
        vec![from.into(), to.into()],
    )
    .await;
    let q_haocha = scalar(
        &db,
        "SELECT count(*) FROM haocha_ratings WHERE rated_at >= $1 AND rated_at < $2",
        vec![from.into(), to.into()],
    )
    .await;
    let size = scalar(
        &db,
        "SELECT (pg_total_relation_size('a_branches') + pg_total_relation_size('a_cases') \
           + pg_total_relation_size('onsite_ratings') + pg_total_relation_size('haocha_ratings'))::bigint",
        vec![],
    )
    .await;

    let base = measure(&db, runs, now, q).await;
    let whatif_runs = if whatif {
        let t = Instant::now();
        exec(
            &db,
            "CREATE INDEX bench_whatif_branches_decided ON a_branches (decided_at)",
            vec![],
        )
        .await;
        exec(
            &db,
            "CREATE INDEX bench_whatif_onsite_rated ON onsite_ratings (rated_at)",
            vec![],
        )
        .await;
        exec(
            &db,
            "CREATE INDEX bench_whatif_haocha_rated ON haocha_ratings (rated_at)",
            vec![],
        )
        .await;
        for t in ["a_branches", "onsite_ratings", "haocha_ratings"] {
            exec(&db, &format!("ANALYZE {t}"), vec![]).await;
        }
        let built = t.elapsed();
        let r = measure(&db, runs, now, q).await;
        exec(&db, "DROP INDEX bench_whatif_branches_decided", vec![]).await;
        exec(&db, "DROP INDEX bench_whatif_onsite_rated", vec![]).await;
        exec(&db, "DROP INDEX bench_whatif_haocha_rated", vec![]).await;
        Some((built, r))
    } else {
        None
    };

    let shape = if per_case == 1 {
        "1 branch per case".to_string()
    } else {
        format!("1–{per_case} branches per case (2.5 on average)")
    };
    println!("\n## Quarterly scoring over the history (PostgreSQL)\n");
    println!(
        "{n} historical cases ({shape}, {depts} departments, evenly from 2022-01-01 to \
         2026-03-31 in office hours), then `results::run` for 2026Q1 at {NOW}, {runs} times \
         (each recomputes the draft).\n"
    );
    if n < 10_000_000 {
        println!(
            "Size used: {n} cases, below the 10,000,000 target (BENCH_CASES); extrapolate with the \
             population rate below.\n"
        );
    }
    println!("| population (set-based SQL, chunks of {CHUNK} cases) | value |\n|---|---|");
    println!(
        "| a_cases | {cases} rows, {:.1} s ({:.0} rows/s) |",
        secs(pop.cases),
        cases as f64 / secs(pop.cases)
    );
    println!(
        "| a_branches | {branches} rows, {:.1} s ({:.0} rows/s) |",
        secs(pop.branches),
        branches as f64 / secs(pop.branches)
    );
    println!(
        "| onsite + 好差评 ratings | {} rows, {:.1} s |",
        onsite + haocha,
        secs(pop.ratings)
    );
    println!(
        "| departments, manual scores, callbacks, adjustments | {:.1} s |",
        secs(pop.other)
    );
    println!("| VACUUM ANALYZE | {:.1} s |", secs(pop.vacuum));
    println!(
        "| total | {:.1} s, {:.0} cases/s |",
        secs(populated),
        n as f64 / secs(populated)
    );
    println!(
        "| fact tables with indexes | {:.0} MiB |",
        size as f64 / 1_048_576.0
    );

    let loaded = base.loaded;
    println!("\n| figure | value |\n|---|---|");
    println!("| rows in the history (a_cases + a_branches + onsite + 好差评) | {history_rows} |");
    println!("| of which a_branches | {branches} ({open} still open) |");
    println!(
        "| rows in the scored quarter: cases accepted / branches opened / onsite / 好差评 | \
         {q_cases} / {q_branches} / {q_onsite} / {q_haocha} |"
    );
    println!("| branches the run reads (opened before the end, open or decided since the start) | {loaded} |");
    let grades: Vec<String> = base
        .grades
        .iter()
        .map(|(g, n)| format!("{g} {n}"))
        .collect();
    println!("| departments scored, by grade | {} |", grades.join(", "));
    let m = med(&base.times);
    let list: Vec<String> = base
        .times
        .iter()
        .map(|d| format!("{:.2}", secs(*d)))
        .collect();
    println!("| `results::run` s, each run | {} |", list.join(", "));
    println!("| `results::run` median | {:.2} s |", secs(m));
    println!(
        "| µs per case of the quarter (median run ÷ cases accepted) | {:.1} |",
        secs(m) * 1e6 / q_cases.max(1) as f64
    );
    println!(
        "| cases of the quarter per second | {:.0} |",
        q_cases as f64 / secs(m)
    );
    println!(
        "| of a run: the branch read alone through the ORM | {:.2} s ({:.0} %) |",
        secs(base.load_branches),
        100.0 * secs(base.load_branches) / secs(m)
    );
    println!(
        "| of that: PostgreSQL executing it (EXPLAIN ANALYZE) | {:.0} ms |",
        execution_ms(&base.branch_plan)
    );
    println!(
        "| of that: JIT compilation (PostgreSQL's `jit`, on by default) | {:.0} ms |",
        jit_ms(&base.branch_plan)
    );
    println!(
        "| the branch read with `SET LOCAL jit = off` | {:.0} ms |",
        execution_ms(&base.branch_plan_nojit)
    );
    println!(
        "| onsite read, PostgreSQL executing it | {:.0} ms |",
        execution_ms(&base.onsite_plan)
    );
    println!(
        "| 好差评 read (no index on `rated_at` either), PostgreSQL executing it | {:.0} ms |",
        execution_ms(&base.haocha_plan)
    );
    println!();
    print_plan(
        "Plan of the run's branch read (`opened_at < end AND (decided_at IS NULL OR decided_at \
         >= start)`; the only index is `(department_id, opened_at)`)",
        &base.branch_plan,
    );
    print_plan(
        "Plan of the run's onsite-rating read (`rated_at` in the quarter; no index on `rated_at`)",
        &base.onsite_plan,
    );
    if let Some((built, r)) = whatif_runs {
        let w = med(&r.times);
        println!(
            "What-if, NOT in the migrations: with `CREATE INDEX ON a_branches (decided_at)` and \
             `CREATE INDEX ON onsite_ratings (rated_at)`, `… haocha_ratings (rated_at)` (built in {:.1} s, dropped afterwards):\n",
            secs(built)
        );
        println!("| figure | without | with the what-if indexes |\n|---|---|---|");
        println!(
            "| `results::run` median s | {:.2} | {:.2} |",
            secs(m),
            secs(w)
        );
        println!(
            "| branch read, PostgreSQL ms | {:.0} | {:.0} |",
            execution_ms(&base.branch_plan),
            execution_ms(&r.branch_plan)
        );
        println!(
            "| onsite read, PostgreSQL ms | {:.0} | {:.0} |",
            execution_ms(&base.onsite_plan),
            execution_ms(&r.onsite_plan)
        );
        println!(
            "| 好差评 read, PostgreSQL ms | {:.0} | {:.0} |",
            execution_ms(&base.haocha_plan),
            execution_ms(&r.haocha_plan)
        );
        println!(
            "| cases of the quarter per second | {:.0} | {:.0} |",
            q_cases as f64 / secs(m),
            q_cases as f64 / secs(w)
        );
        println!(
            "| branch read with the index forced (`SET LOCAL enable_seqscan = off, jit = off`), \
             PostgreSQL ms | – | {:.0} |",
            execution_ms(&r.branch_plan_forced)
        );
        println!(
            "\nratio run time without ÷ with: {:.2}\n",
            secs(m) / secs(w)
        );
        print_plan(
            "Plan of the branch read with the what-if index (the planner's choice)",
            &r.branch_plan,
        );
        print_plan(
            "Plan of the branch read with the what-if index, forced",
            &r.branch_plan_forced,
        );
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let base = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("TEST_DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let (url, name) = fresh_db(&base).await;
    let outcome = match platform::db::connect(&url).await {
        Ok(db) => {
            let r = async {
                assessment::startup::migrate(&db).await?;
                assessment::systems::seed_default(&db, at(NOW)).await
            }
            .await;
            match r {
                Ok(()) => {
                    // Run inside a task so the database is dropped even when the bench panics.
                    let r = tokio::spawn(bench(db.clone())).await;
                    db.close().await.ok();
                    r.map_err(|e| e.into_panic())
                }
                Err(e) => Err(Box::new(format!("migrate: {e}")) as Box<dyn std::any::Any + Send>),
            }
        }
        Err(e) => Err(Box::new(format!("connect: {e}")) as Box<dyn std::any::Any + Send>),
    };
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
