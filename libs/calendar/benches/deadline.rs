//! Plain timing of the hot paths (no criterion): `cargo bench -p calendar --bench deadline`.

use std::hint::black_box;
use std::time::Instant;

use calendar::{LimitUnit, PauseReason, StatutoryClock, WarnRule, WorkCalendar};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

const N: u32 = 1_000_000;

/// Acceptance moments spread over 2025 and most of 2026, at varied hours.
fn moment(i: u32) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    base + TimeDelta::seconds(i64::from(i % 600) * 86_400 + i64::from(i % 97) * 997)
}

fn time(label: &str, mut f: impl FnMut(u32)) {
    for i in 0..N / 10 {
        f(i); // warm-up
    }
    let t0 = Instant::now();
    for i in 0..N {
        f(i);
    }
    let ns = t0.elapsed().as_nanos() as f64 / f64::from(N);
    println!("{label:<44} {ns:>8.1} ns per computation");
}

fn main() {
    let cal = WorkCalendar::builtin();
    time("WorkCalendar::deadline (n = 1..=30)", |i| {
        let due = cal.deadline(black_box(moment(i)), black_box(1 + i % 30));
        black_box(due.unwrap());
    });
    time("WorkCalendar::add_working_days (n = 1..=30)", |i| {
        let d = moment(i).date_naive();
        black_box(
            cal.add_working_days(black_box(d), black_box(1 + i % 30))
                .unwrap(),
        );
    });
    let clocks: Vec<StatutoryClock> = (0..1024)
        .map(|i| {
            let start = moment(i * 7);
            let mut c = StatutoryClock::start(
                start,
                1 + i % 20,
                LimitUnit::WorkingDays,
                WarnRule::default(),
            );
            let from = start + TimeDelta::hours(i64::from(i % 50));
            c.pause(from, PauseReason::Supplement).unwrap();
            c.resume(from + TimeDelta::hours(i64::from(1 + i % 70)))
                .unwrap();
            c
        })
        .collect();
    time("StatutoryClock::due_at (one pause)", |i| {
        let c = &clocks[(i % 1024) as usize];
        black_box(black_box(c).due_at(&cal).unwrap());
    });
    time("StatutoryClock::status (one pause)", |i| {
        let c = &clocks[(i % 1024) as usize];
        let now = c.started_at() + TimeDelta::days(10);
        black_box(black_box(c).status(&cal, now).unwrap());
    });
}
