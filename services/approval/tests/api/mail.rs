//! Mail delivery through the real mailer: lettre's SMTP client against the loopback sink
//! (`smtp_sink`), and lettre's file transport into a temp dir. Time is passed as `now`.

use std::collections::BTreeSet;
use std::path::Path;

use approval::notices::delivery::{backoff, deliver_due, DeliveryPolicy, DeliveryReport};
use approval::notices::mailer::Mailer;
use approval::notices::{enqueue, NewNotice};
use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use outbox::entity::{notice, notice_attempt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::helpers::*;
use crate::smtp_sink::{Received, SmtpSink};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn from() -> Mailbox {
    "审批监察 <noreply@approval.example.gov.cn>"
        .parse()
        .unwrap()
}

fn smtp(sink: &SmtpSink) -> Mailer {
    let m = Mailer::from_settings(Some(&sink.url()), Path::new("/nonexistent/unused")).unwrap();
    assert_eq!(m.kind(), "smtp");
    m
}

fn report(sent: u32, retried: u32, failed: u32) -> DeliveryReport {
    DeliveryReport {
        sent,
        retried,
        failed,
    }
}

/// Queue a notice and return its id.
async fn queue(app: &TestApp, key: &str, recipients: &[&str], now: DateTime<Utc>) -> i32 {
    let queued = enqueue(
        &app.db,
        NewNotice {
            kind: "yellow_card",
            dedup_key: key.to_string(),
            subject: format!("黄牌警告：{key} 已超期"),
            body: format!("窗口同志：事项 {key} 已超过承诺时限。\n请于今日内办结。"),
            recipients: recipients.iter().map(|s| s.to_string()).collect(),
        },
        now,
    )
    .await
    .unwrap();
    assert!(queued, "{key} queued");
    notice::Entity::find()
        .filter(notice::Column::DedupKey.eq(key))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn row(app: &TestApp, id: i32) -> notice::Model {
    notice::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn attempts(app: &TestApp, id: i32) -> Vec<notice_attempt::Model> {
    notice_attempt::Entity::find()
        .filter(notice_attempt::Column::NoticeId.eq(id))
        .order_by_asc(notice_attempt::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// The notice id a received message carries (`X-Notice-Id`), checked against its Message-ID.
fn notice_id_of(m: &Received) -> i32 {
    let id: i32 = m
        .header("X-Notice-Id")
        .expect("X-Notice-Id header")
        .parse()
        .unwrap();
    assert_eq!(
        m.header("Message-ID").as_deref(),
        Some(format!("<notice-{id}@parallel-approval.local>").as_str())
    );
    id
}

fn ids_received(sink: &SmtpSink) -> Vec<i32> {
    sink.messages().iter().map(notice_id_of).collect()
}

#[tokio::test]
async fn mail_queued_notice_is_delivered_over_smtp() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let id = queue(
        &app,
        "card:17",
        &["window.scjg@example.gov.cn", "head.scjg@example.gov.cn"],
        t0(),
    )
    .await;
    // Not yet due: queued for later, it must wait.
    let later = queue(&app, "card:18", &["window.scjg@example.gov.cn"], t0()).await;
    notice::Entity::update(notice::ActiveModel {
        id: Set(later),
        next_attempt_at: Set(t0() + Duration::minutes(10)),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();

    let r = deliver_due(&app.db, &mailer, &from(), t0(), &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(1, 0, 0));

    let got = sink.messages();
    assert_eq!(got.len(), 1, "{got:#?}");
    let m = &got[0];
    assert_eq!(m.mail_from, "noreply@approval.example.gov.cn");
    assert_eq!(
        m.rcpt_to,
        vec![
            "window.scjg@example.gov.cn".to_string(),
            "head.scjg@example.gov.cn".to_string()
        ]
    );
    let to = m.header("To").unwrap();
    assert!(
        to.contains("window.scjg@example.gov.cn") && to.contains("head.scjg@example.gov.cn"),
        "{to}"
    );
    assert_eq!(m.subject(), "黄牌警告：card:17 已超期");
    assert!(
        m.header("Message-ID")
            .unwrap()
            .contains(&format!("notice-{id}@")),
        "{m:?}"
    );
    assert_eq!(notice_id_of(m), id);
    assert_eq!(
        m.body_text(),
        "窗口同志：事项 card:17 已超过承诺时限。\n请于今日内办结。"
    );
    assert!(m
        .header("Content-Type")
        .unwrap()
        .to_ascii_lowercase()
        .contains("charset=utf-8"));

    let n = row(&app, id).await;
    assert_eq!(n.status, "sent");
    assert_eq!(n.attempts, 1);
    assert_eq!(n.sent_at, Some(t0()));
    assert_eq!(n.lease_until, None);
    assert_eq!(n.last_error, None);
    let a = attempts(&app, id).await;
    assert_eq!(a.len(), 1);
    assert!(a[0].ok);
    assert_eq!(a[0].at, t0());
    assert_eq!(a[0].error, None);
    assert_eq!(row(&app, later).await.status, "pending");

    // Once due, the second one goes; the first is never sent again.
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::minutes(10),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(1, 0, 0));
    assert_eq!(ids_received(&sink), vec![id, later]);
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::hours(1),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));
    assert_eq!(sink.messages().len(), 2);
    assert_eq!(attempts(&app, id).await.len(), 1);
}

#[tokio::test]
async fn mail_smtp_down_retries_after_backoff_and_delivers_once() {
    let app = spawn_app().await;
    let mut sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let id = queue(&app, "card:1", &["window.a@example.gov.cn"], t0()).await;

    sink.stop().await;
    let r = deliver_due(&app.db, &mailer, &from(), t0(), &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(0, 1, 0));
    let n = row(&app, id).await;
    assert_eq!(n.status, "pending");
    assert_eq!(n.attempts, 1);
    assert_eq!(n.next_attempt_at, t0() + Duration::seconds(30));
    assert_eq!(n.next_attempt_at, t0() + backoff(0, &policy));
    assert_eq!(n.lease_until, None);
    assert_eq!(n.sent_at, None);
    assert!(n.last_error.as_deref().is_some_and(|e| !e.is_empty()));
    let a = attempts(&app, id).await;
    assert_eq!(a.len(), 1);
    assert!(!a[0].ok);
    assert!(
        a[0].error.as_deref().is_some_and(|e| !e.is_empty()),
        "{a:?}"
    );

    // Back up, but the backoff has not passed yet: nothing is attempted.
    sink.restart().await;
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::seconds(29),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));
    assert!(sink.messages().is_empty());
    assert_eq!(attempts(&app, id).await.len(), 1);

    // Past the backoff: delivered exactly once.
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::seconds(31),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(1, 0, 0));
    assert_eq!(ids_received(&sink), vec![id]);
    let n = row(&app, id).await;
    assert_eq!(n.status, "sent");
    assert_eq!(n.attempts, 2);
    assert_eq!(n.sent_at, Some(t0() + Duration::seconds(31)));
    let a = attempts(&app, id).await;
    assert_eq!(
        a.iter().map(|a| a.ok).collect::<Vec<_>>(),
        vec![false, true]
    );

    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::hours(2),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));
    assert_eq!(ids_received(&sink), vec![id]);
}

#[tokio::test]
async fn mail_an_hour_of_smtp_downtime_loses_and_duplicates_nothing() {
    let app = spawn_app().await;
    let mut sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            queue(
                &app,
                &format!("card:{i}"),
                &[&format!("w{i}@example.gov.cn")],
                t0(),
            )
            .await,
        );
    }
    sink.stop().await;

    // The worker runs every minute for an hour; every attempt is refused.
    let mut model_attempts = 0;
    let mut model_next = t0();
    let mut rounds_with_attempts = 0;
    for minute in 0..=60 {
        let now = t0() + Duration::minutes(minute);
        let r = deliver_due(&app.db, &mailer, &from(), now, &policy, 50)
            .await
            .unwrap();
        // Model of the schedule: due notices are attempted and pushed back by the backoff.
        if model_next <= now {
            assert_eq!(r, report(0, 5, 0), "minute {minute}");
            model_next = now + backoff(model_attempts, &policy);
            model_attempts += 1;
            rounds_with_attempts += 1;
        } else {
            assert_eq!(r, report(0, 0, 0), "minute {minute}");
        }
    }
    // 0, 1, 2, 4, 8, 16, 31, 46 minutes: backoff 30 s, 60 s, ... capped at 15 min.
    assert_eq!(rounds_with_attempts, 8);
    assert!(sink.messages().is_empty());
    for &id in &ids {
        let n = row(&app, id).await;
        assert_eq!(n.status, "pending");
        assert_eq!(n.attempts, model_attempts);
        assert_eq!(n.next_attempt_at, model_next);
        let a = attempts(&app, id).await;
        assert_eq!(a.len(), model_attempts as usize);
        assert!(a.iter().all(|a| !a.ok));
    }

    // SMTP is back; once the last backoff has passed, everything goes out, in batches of 2.
    sink.restart().await;
    let now = model_next;
    let mut total = report(0, 0, 0);
    let mut batches = Vec::new();
    loop {
        let r = deliver_due(&app.db, &mailer, &from(), now, &policy, 2)
            .await
            .unwrap();
        batches.push(r.sent);
        total.sent += r.sent;
        total.retried += r.retried;
        total.failed += r.failed;
        if r.sent == 0 {
            break;
        }
    }
    assert_eq!(batches, vec![2, 2, 1, 0]);
    assert_eq!(total, report(5, 0, 0));
    // Oldest first, each exactly once.
    assert_eq!(ids_received(&sink), ids);
    for &id in &ids {
        let n = row(&app, id).await;
        assert_eq!(n.status, "sent");
        assert_eq!(n.attempts, model_attempts + 1);
        assert_eq!(attempts(&app, id).await.iter().filter(|a| a.ok).count(), 1);
    }
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        now + Duration::days(1),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));
    assert_eq!(sink.messages().len(), 5);
}

#[tokio::test]
async fn mail_permanent_rejection_fails_without_retry() {
    let app = spawn_app().await;
    let sink = SmtpSink::start_rejecting().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let rejected = queue(&app, "card:r", &["reject.me@example.gov.cn"], t0()).await;
    let bad_address = queue(&app, "card:b", &["not an address"], t0()).await;
    let ok = queue(&app, "card:ok", &["window.ok@example.gov.cn"], t0()).await;

    let r = deliver_due(&app.db, &mailer, &from(), t0(), &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(1, 0, 2));
    assert_eq!(ids_received(&sink), vec![ok]);

    let n = row(&app, rejected).await;
    assert_eq!(n.status, "failed");
    assert_eq!(n.attempts, 1);
    assert!(
        n.last_error.as_deref().is_some_and(|e| e.contains("550")),
        "{n:?}"
    );
    let a = attempts(&app, rejected).await;
    assert_eq!(a.len(), 1);
    assert!(!a[0].ok);

    let n = row(&app, bad_address).await;
    assert_eq!(n.status, "failed");
    assert_eq!(n.attempts, 1);
    assert!(
        n.last_error
            .as_deref()
            .is_some_and(|e| e.contains("invalid recipient address")),
        "{n:?}"
    );

    // Never retried, however long we wait.
    for hours in [1, 24, 24 * 30] {
        let r = deliver_due(
            &app.db,
            &mailer,
            &from(),
            t0() + Duration::hours(hours),
            &policy,
            50,
        )
        .await
        .unwrap();
        assert_eq!(r, report(0, 0, 0));
    }
    assert_eq!(attempts(&app, rejected).await.len(), 1);
    assert_eq!(attempts(&app, bad_address).await.len(), 1);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn mail_transient_failures_give_up_after_max_attempts() {
    let app = spawn_app().await;
    let mut sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    sink.stop().await;
    let policy = DeliveryPolicy {
        max_attempts: 3,
        ..DeliveryPolicy::default()
    };
    let id = queue(&app, "card:x", &["w@example.gov.cn"], t0()).await;
    let mut now = t0();
    let mut reports = Vec::new();
    for _ in 0..4 {
        reports.push(
            deliver_due(&app.db, &mailer, &from(), now, &policy, 50)
                .await
                .unwrap(),
        );
        now += Duration::hours(1);
    }
    assert_eq!(
        reports,
        vec![
            report(0, 1, 0),
            report(0, 1, 0),
            report(0, 0, 1),
            report(0, 0, 0)
        ]
    );
    let n = row(&app, id).await;
    assert_eq!(n.status, "failed");
    assert_eq!(n.attempts, 3);
    assert!(
        n.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("gave up after 3 attempts")),
        "{n:?}"
    );
    assert_eq!(attempts(&app, id).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_concurrent_workers_send_each_notice_once() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    // Two replicas, each with its own transport, on the same database.
    let (m1, m2) = (smtp(&sink), smtp(&sink));
    let policy = DeliveryPolicy::default();
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(
            queue(
                &app,
                &format!("card:{i}"),
                &[&format!("w{i}@example.gov.cn")],
                t0(),
            )
            .await,
        );
    }
    let (db1, db2) = (app.db.clone(), app.db.clone());
    let (f1, p1) = (from(), policy.clone());
    let (f2, p2) = (from(), policy.clone());
    let w1 = tokio::spawn(async move { deliver_due(&db1, &m1, &f1, t0(), &p1, 50).await });
    let w2 = tokio::spawn(async move { deliver_due(&db2, &m2, &f2, t0(), &p2, 50).await });
    let (r1, r2) = tokio::join!(w1, w2);
    let (r1, r2) = (r1.unwrap().unwrap(), r2.unwrap().unwrap());
    assert_eq!(r1.sent + r2.sent, 12, "{r1:?} {r2:?}");
    assert_eq!(r1.retried + r2.retried + r1.failed + r2.failed, 0);

    let mut got = ids_received(&sink);
    got.sort_unstable();
    assert_eq!(got, ids, "each notice exactly once");
    for &id in &ids {
        let n = row(&app, id).await;
        assert_eq!((n.status.as_str(), n.attempts), ("sent", 1));
        assert_eq!(attempts(&app, id).await.len(), 1);
    }

    // The same again in one task (join! interleaves both workers on every await).
    let more: Vec<i32> = {
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(
                queue(
                    &app,
                    &format!("more:{i}"),
                    &[&format!("m{i}@example.gov.cn")],
                    t0(),
                )
                .await,
            );
        }
        v
    };
    let mailer = smtp(&sink);
    let now = t0() + Duration::minutes(1);
    let sender = from();
    let (r1, r2) = tokio::join!(
        deliver_due(&app.db, &mailer, &sender, now, &policy, 50),
        deliver_due(&app.db, &mailer, &sender, now, &policy, 50)
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.sent + r2.sent, 6, "{r1:?} {r2:?}");
    let all: BTreeSet<i32> = ids_received(&sink).into_iter().collect();
    assert_eq!(sink.messages().len(), 18, "no duplicates");
    assert!(more.iter().all(|id| all.contains(id)));
}

#[tokio::test]
async fn mail_crashed_worker_lease_expires_and_notice_is_resent_with_same_message_id() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let id = queue(&app, "card:c", &["w@example.gov.cn"], t0()).await;
    // A worker claimed it, handed the message over, and died before recording the outcome.
    mailer.send(&from(), &row(&app, id).await).await.unwrap();
    let lease_until = t0() + Duration::seconds(policy.lease_secs);
    notice::Entity::update(notice::ActiveModel {
        id: Set(id),
        status: Set("sending".into()),
        lease_until: Set(Some(lease_until)),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();

    // Still leased: nobody touches it.
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        lease_until - Duration::seconds(1),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));
    assert_eq!(sink.messages().len(), 1);

    // Lease expired: sent again (at least once), with the same Message-ID to deduplicate on.
    let r = deliver_due(&app.db, &mailer, &from(), lease_until, &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(1, 0, 0));
    let got = sink.messages();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("Message-ID"), got[1].header("Message-ID"));
    assert_eq!(ids_received(&sink), vec![id, id]);
    let n = row(&app, id).await;
    assert_eq!(n.status, "sent");
    assert_eq!(n.lease_until, None);
    assert_eq!(attempts(&app, id).await.len(), 1);
}

#[tokio::test]
async fn mail_file_transport_writes_one_eml_per_notice() {
    let app = spawn_app().await;
    let root = std::env::temp_dir().join(format!("approval-mail-{:016x}", rand::random::<u64>()));
    let dir = root.join("var/mail");
    assert!(!dir.exists());
    let mailer = Mailer::from_settings(None, &dir).unwrap();
    assert_eq!(mailer.kind(), "files");
    assert!(dir.is_dir(), "mail dir created");
    assert_eq!(
        Mailer::from_settings(Some("  "), &dir).unwrap().kind(),
        "files"
    );
    assert!(Mailer::from_settings(Some("ftp://mail.example"), &dir).is_err());

    let policy = DeliveryPolicy::default();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            queue(
                &app,
                &format!("digest:{i}"),
                &[&format!("d{i}@example.gov.cn")],
                t0(),
            )
            .await,
        );
    }
    let r = deliver_due(&app.db, &mailer, &from(), t0(), &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(3, 0, 0));
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::hours(1),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(0, 0, 0));

    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(
            path.extension().and_then(|e| e.to_str()),
            Some("eml"),
            "{path:?}"
        );
        let data = std::fs::read_to_string(&path).unwrap();
        let m = Received {
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data,
        };
        let id = notice_id_of(&m);
        let i = ids.iter().position(|x| *x == id).expect("a queued notice");
        assert!(m
            .header("To")
            .unwrap()
            .contains(&format!("d{i}@example.gov.cn")));
        assert_eq!(m.subject(), format!("黄牌警告：digest:{i} 已超期"));
        found.push(id);
    }
    found.sort_unstable();
    assert_eq!(found, ids, "one .eml per notice");
    for &id in &ids {
        assert_eq!(row(&app, id).await.status, "sent");
    }
    std::fs::remove_dir_all(&root).ok();
}

/// A slow mail server (1.2 s per message) and a lease of 2 s: the lease of each notice is
/// taken when that notice is claimed, not when the batch began, and a batch stops claiming
/// after half a lease, so a second worker that runs 2.5 s later (its clock 3 s on) finds no
/// notice of the first worker's whose lease has run out: no notice is sent twice. Before,
/// every claim got the batch start's lease and the third notice went out twice.
#[tokio::test]
async fn a_slow_mail_server_never_gets_the_same_notice_twice() {
    let app = spawn_app().await;
    let sink = SmtpSink::start_slow(std::time::Duration::from_millis(1200)).await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy {
        lease_secs: 2,
        ..DeliveryPolicy::default()
    };
    for key in ["slow:1", "slow:2", "slow:3"] {
        queue(&app, key, &["window.scjg@example.gov.cn"], t0()).await;
    }
    let first = {
        let db = app.db.clone();
        let mailer = smtp(&sink);
        let policy = policy.clone();
        tokio::spawn(async move { deliver_due(&db, &mailer, &from(), t0(), &policy, 50).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let second = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::seconds(3),
        &policy,
        50,
    )
    .await
    .unwrap();
    let first = first.await.unwrap().unwrap();
    // Batches stop claiming after half a lease; a later run sends what is left.
    let third = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::seconds(20),
        &policy,
        50,
    )
    .await
    .unwrap();
    let mut ids = ids_received(&sink);
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        all,
        "a notice was sent twice: {:?}",
        ids_received(&sink)
    );
    assert_eq!(all, 3, "{first:?} {second:?} {third:?}");
    assert_eq!(first.sent + second.sent + third.sent, 3);
}

#[tokio::test]
async fn mail_a_retried_notice_still_carries_its_files() {
    let app = spawn_app().await;
    let mut sink = SmtpSink::start().await;
    let mailer = smtp(&sink);
    let policy = DeliveryPolicy::default();
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    // Binary, like a real workbook (so it travels base64-encoded).
    let content: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let queued = outbox::enqueue_with_attachments(
        &app.db,
        NewNotice {
            kind: "weekly_notice",
            dedup_key: "digest:weekly_notice:2026-W09".into(),
            subject: "[电子监察] 周通报 2026-W09".into(),
            body: "周通报".into(),
            recipients: vec!["sup@example.gov.cn".into()],
        },
        vec![outbox::NewAttachment {
            filename: "周通报-2026-W09.xlsx".into(),
            content_type: xlsx.into(),
            content: content.clone(),
        }],
        t0(),
    )
    .await
    .unwrap();
    assert!(queued);
    // The same key again: nothing more written, files included.
    let again = outbox::enqueue_with_attachments(
        &app.db,
        NewNotice {
            kind: "weekly_notice",
            dedup_key: "digest:weekly_notice:2026-W09".into(),
            subject: "again".into(),
            body: "again".into(),
            recipients: vec!["sup@example.gov.cn".into()],
        },
        vec![outbox::NewAttachment {
            filename: "again.xlsx".into(),
            content_type: xlsx.into(),
            content: vec![1, 2, 3],
        }],
        t0(),
    )
    .await
    .unwrap();
    assert!(!again);
    assert_eq!(app.count_rows("notice_attachments").await, 1);

    sink.stop().await;
    let r = deliver_due(&app.db, &mailer, &from(), t0(), &policy, 50)
        .await
        .unwrap();
    assert_eq!(r, report(0, 1, 0), "SMTP down: retried later");
    sink.restart().await;
    let r = deliver_due(
        &app.db,
        &mailer,
        &from(),
        t0() + Duration::seconds(31),
        &policy,
        50,
    )
    .await
    .unwrap();
    assert_eq!(r, report(1, 0, 0));
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let data = got[0].data.replace("\r\n", "\n");
    assert!(data.contains("multipart/mixed"), "{data}");
    let at = data
        .find(&format!("Content-Type: {xlsx}"))
        .expect("the file part");
    let part = &data[at..];
    let body: String = part[part.find("\n\n").unwrap() + 2..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect();
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .unwrap(),
        content,
        "the stored bytes, on the retry too"
    );
}
