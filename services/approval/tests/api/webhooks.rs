//! Webhooks: a real receiver on loopback checks every Standard Webhooks signature; the tests
//! drive delivery rounds with `POST /v1/webhooks/run` and move the injected clock for the
//! backoff (never sleeping for time logic).

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::Engine;
use hmac::{Hmac, Mac};
use platform::auth::Role;
use platform::clock::Clock;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: i64,
    body: Value,
    /// The signature checked out against the subscription's secret.
    valid: bool,
    /// What the receiver answered.
    answered: u16,
}

#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    /// The status to answer with.
    status: Arc<AtomicU16>,
    /// The HMAC key (set once the subscription exists).
    key: Arc<Mutex<Vec<u8>>>,
    /// Requests that entered the handler but have not been answered.
    in_flight: Arc<AtomicUsize>,
    /// Never answer (a slow receiver) when set.
    hang: bool,
}

impl Receiver {
    async fn start(hang: bool) -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let r = Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            got: Arc::default(),
            status: Arc::new(AtomicU16::new(200)),
            key: Arc::default(),
            in_flight: Arc::default(),
            hang,
        };
        let data = web::Data::new(r.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        r
    }

    fn set_secret(&self, secret: &str) {
        let b64 = secret.strip_prefix("whsec_").expect("whsec_ secret");
        *self.key.lock().unwrap() = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The requests it answered 2xx, in arrival order.
    fn accepted(&self) -> Vec<Got> {
        self.got()
            .into_iter()
            .filter(|g| (200..300).contains(&g.answered))
            .collect()
    }
}

async fn receive(r: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let key = r.key.lock().unwrap().clone();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&body);
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    // The header may carry several space-separated signatures; one must match.
    let valid = sig.split(' ').any(|s| s == expected);
    if r.hang {
        r.in_flight.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
    let answered = r.status.load(Ordering::SeqCst);
    r.got.lock().unwrap().push(Got {
        id,
        timestamp: ts.parse().unwrap_or(-1),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        valid,
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

fn settings(
    change: impl FnOnce(&mut approval::state::WebhookSettings),
) -> approval::state::SupervisionSettings {
    let mut s = test_supervision();
    change(&mut s.webhooks);
    s
}

async fn subscribe(app: &TestApp, body: Value) -> (i64, String) {
    let w = expect_status(
        app.post("/v1/webhooks", &app.sysadmin_token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    (
        w["id"].as_i64().unwrap(),
        w["secret"].as_str().unwrap().to_string(),
    )
}

async fn run_round(app: &TestApp) -> Value {
    expect_status(
        app.post("/v1/webhooks/run", &app.sysadmin_token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await
}

async fn hook(app: &TestApp, id: i64) -> Value {
    expect_status(
        app.get(&format!("/v1/webhooks/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await
}

async fn deliveries(app: &TestApp, id: i64) -> Vec<Value> {
    let page = expect_status(
        app.get(
            &format!("/v1/webhooks/{id}/deliveries?limit=200"),
            &app.sysadmin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

fn seqs_after(events: &[Value], after: i64) -> Vec<i64> {
    events
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .filter(|s| *s > after)
        .collect()
}

#[tokio::test]
async fn receiver_down_then_up_gets_every_event_once_in_order_and_the_log_shows_the_failures() {
    let app = spawn_app_supervised(settings(|_| {})).await;
    let rx = Receiver::start(false).await;
    rx.status.store(503, Ordering::SeqCst);
    let (id, secret) = subscribe(&app, json!({"url": rx.url})).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    rx.set_secret(&secret);
    let start = hook(&app, id).await["cursor"].as_i64().unwrap();
    // The secret is shown once: never on a read.
    assert!(hook(&app, id).await.get("secret").is_none());

    app.item_case("WH-1", 5, 20, |_| {}).await;
    app.item_case("WH-2", 5, 20, |_| {}).await;
    let wanted = seqs_after(&feed(&app).await, start);
    assert!(wanted.len() >= 6, "{wanted:?}");

    // Down: three failed attempts at the first event, each after its backoff (30 s, 60 s, 120 s).
    for wait in [0i64, 30, 60] {
        app.clock.advance(chrono::Duration::seconds(wait));
        let r = run_round(&app).await;
        assert_eq!(r["failed"], 1, "{r}");
        assert_eq!(r["delivered"], 0, "{r}");
        // Not due again before its backoff has passed.
        assert_eq!(run_round(&app).await["claimed"], 0);
    }
    let h = hook(&app, id).await;
    assert_eq!(h["status"], "retrying", "{h}");
    assert_eq!(h["failures"], 3, "{h}");
    assert_eq!(
        h["cursor"], start,
        "the cursor does not move on a failure: {h}"
    );
    assert!(h["last_error"].as_str().unwrap().contains("503"), "{h}");
    // /metrics shows how far behind it is, since when, and its failures.
    let sub = id.to_string();
    let m = crate::exposition::scrape(&app.client, &app.address).await;
    let labels = [("subscription", sub.as_str())];
    assert_eq!(
        m.value("approval_webhook_lag_events", &labels),
        wanted.len() as f64
    );
    assert_eq!(
        m.value("approval_webhook_consecutive_failures", &labels),
        3.0
    );
    assert_eq!(m.value("approval_webhook_dead", &labels), 0.0);
    assert_eq!(
        m.value("approval_webhook_oldest_undelivered_seconds", &labels),
        90.0,
        "the first event was appended 30 + 60 s ago on the injected clock"
    );

    // Up again.
    rx.status.store(200, Ordering::SeqCst);
    app.clock.advance(chrono::Duration::seconds(119));
    assert_eq!(run_round(&app).await["claimed"], 0, "one second early");
    app.clock.advance(chrono::Duration::seconds(1));
    let r = run_round(&app).await;
    assert_eq!(r["delivered"], wanted.len(), "{r}");

    let got = rx.got();
    assert!(
        got.iter().all(|g| g.valid),
        "every signature verifies: {got:?}"
    );
    let accepted = rx.accepted();
    let seqs: Vec<i64> = accepted
        .iter()
        .map(|g| g.body["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, wanted, "every event once, in feed order");
    let mut ids: Vec<&str> = accepted.iter().map(|g| g.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), wanted.len(), "one id per event");
    // The retries of the first event carried its id each time.
    let first_id = &accepted[0].id;
    assert_eq!(got.iter().filter(|g| &g.id == first_id).count(), 4);
    // The body is the event as the feed shows it.
    let feed_events = feed(&app).await;
    let e0 = feed_events.iter().find(|e| e["seq"] == wanted[0]).unwrap();
    assert_eq!(&accepted[0].body, e0);
    assert_eq!(
        accepted.last().unwrap().timestamp,
        app.clock.now().timestamp(),
        "the timestamp is the service's clock"
    );

    let m = crate::exposition::scrape(&app.client, &app.address).await;
    assert_eq!(m.value("approval_webhook_lag_events", &labels), 0.0);
    assert_eq!(
        m.value("approval_webhook_consecutive_failures", &labels),
        0.0
    );
    assert!(
        m.find("approval_webhook_lag_events", &labels).is_some(),
        "a caught-up subscription still reports its 0"
    );

    let log = deliveries(&app, id).await;
    assert_eq!(log.len(), 3 + wanted.len(), "{log:?}");
    for (i, d) in log.iter().take(3).enumerate() {
        assert_eq!(d["event_seq"], wanted[0]);
        assert_eq!(d["attempt"], i + 1);
        assert_eq!(d["status_code"], 503);
        assert!(d["error"].as_str().unwrap().contains("503"), "{d}");
        assert_eq!(d["message_id"], first_id.as_str());
    }
    assert_eq!(log[3]["attempt"], 4);
    assert_eq!(log[3]["status_code"], 200);
    assert!(log[3]["error"].is_null());
    let h = hook(&app, id).await;
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(h["failures"], 0, "{h}");
    assert_eq!(h["cursor"], *wanted.last().unwrap(), "{h}");

    // Nothing new: nothing sent.
    assert_eq!(run_round(&app).await["delivered"], 0);
    assert_eq!(rx.accepted().len(), wanted.len());
}

#[tokio::test]
async fn dead_after_n_failures_then_redeliver_revives_and_catches_up() {
    let app = spawn_app_supervised(settings(|w| w.max_failures = 3)).await;
    let rx = Receiver::start(false).await;
    rx.status.store(500, Ordering::SeqCst);
    let (id, secret) = subscribe(&app, json!({"url": rx.url, "event_kinds": []})).await;
    rx.set_secret(&secret);
    let start = hook(&app, id).await["cursor"].as_i64().unwrap();
    app.item_case("DL-1", 5, 20, |_| {}).await;

    for _ in 0..3 {
        run_round(&app).await;
        app.clock.advance(chrono::Duration::hours(2));
    }
    let h = hook(&app, id).await;
    assert_eq!(h["status"], "dead", "{h}");
    assert_eq!(h["failures"], 3, "{h}");
    assert!(h["last_error"].as_str().unwrap().contains("500"), "{h}");
    // Dead stays dead, however long one waits.
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(run_round(&app).await["claimed"], 0);
    assert_eq!(rx.got().len(), 3);

    // More happens while it is dead; then the receiver is fixed and an admin revives it.
    app.item_case("DL-2", 5, 20, |_| {}).await;
    rx.status.store(200, Ordering::SeqCst);
    let clerk = app.token(Role::Clerk, None);
    expect_problem(
        app.post(&format!("/v1/webhooks/{id}/redeliver"), &clerk, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let h = expect_status(
        app.post(
            &format!("/v1/webhooks/{id}/redeliver"),
            &app.sysadmin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(h["status"], "ok", "{h}");
    let wanted = seqs_after(&feed(&app).await, start);
    let r = run_round(&app).await;
    assert_eq!(r["delivered"], wanted.len(), "{r}");
    let seqs: Vec<i64> = rx
        .accepted()
        .iter()
        .map(|g| g.body["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, wanted);

    // Redeliver from a given event: sent again, with the same ids (receivers dedupe on them).
    let first_ids: Vec<String> = rx.accepted().iter().map(|g| g.id.clone()).collect();
    expect_status(
        app.post(
            &format!("/v1/webhooks/{id}/redeliver"),
            &app.sysadmin_token,
            &json!({"from_seq": wanted[1]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    run_round(&app).await;
    let again: Vec<String> = rx.accepted()[wanted.len()..]
        .iter()
        .map(|g| g.id.clone())
        .collect();
    assert_eq!(again, first_ids[1..].to_vec());
    expect_problem(
        app.post(
            &format!("/v1/webhooks/{id}/redeliver"),
            &app.sysadmin_token,
            &json!({"from_seq": 0}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_from_seq",
        Some("from_seq"),
    )
    .await;
    // Every admin write is on the audit trail, never with the secret.
    let audit = app
        .db
        .query_all(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT action, after FROM audit_log WHERE entity = 'webhook' ORDER BY id".to_string(),
        ))
        .await
        .unwrap();
    let actions: Vec<String> = audit
        .iter()
        .map(|r| r.try_get::<String>("", "action").unwrap())
        .collect();
    assert_eq!(actions, ["create", "redeliver", "redeliver"]);
    for r in &audit {
        let after: Option<String> = r.try_get("", "after").unwrap();
        assert!(!after.unwrap_or_default().contains(&secret));
    }
}

use sea_orm::ConnectionTrait;

#[tokio::test]
async fn department_and_kind_filters_send_only_the_matching_events() {
    let app = spawn_app_supervised(settings(|_| {})).await;
    let all = Receiver::start(false).await;
    let some = Receiver::start(false).await;
    // Department A exists before the subscriptions; its item and case come after.
    let dept_a = app.create_department("D-FA").await;
    let (_, s1) = subscribe(&app, json!({"url": all.url})).await;
    all.set_secret(&s1);
    let (sid, s2) = subscribe(
        &app,
        json!({"url": some.url, "department_id": dept_a, "event_kinds": ["case_accepted", "branch_opened", "branch_opened"]}),
    )
    .await;
    some.set_secret(&s2);
    let h = hook(&app, sid).await;
    assert_eq!(h["event_kinds"], json!(["case_accepted", "branch_opened"]));
    let start = h["cursor"].as_i64().unwrap();

    app.create_item("FA-1", dept_a).await;
    let case_a = app
        .post(
            "/v1/cases",
            &app.token(Role::Clerk, None),
            &json!({
                "item_code": "FA-1",
                "applicant": {"kind": "person", "name": "李四", "id_number": "11010519491231002X"},
                "materials": [{"item_code": "FA-1", "material_code": "M01"}, {"item_code": "FA-1", "material_code": "M02"}]
            }),
        )
        .await;
    let case_a = expect_status(case_a, StatusCode::CREATED).await["id"]
        .as_i64()
        .unwrap();
    app.item_case("FB-1", 5, 20, |_| {}).await; // another department

    let r = run_round(&app).await;
    assert_eq!(r["claimed"], 2, "{r}");
    let events = feed(&app).await;
    let every = seqs_after(&events, start);
    let matching: Vec<i64> = events
        .iter()
        .filter(|e| e["seq"].as_i64().unwrap() > start)
        .filter(|e| e["kind"] == "case_accepted" || e["kind"] == "branch_opened")
        .filter(|e| e["case_id"] == case_a)
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(matching.len(), 2, "{events:?}");
    let seqs = |r: &Receiver| -> Vec<i64> {
        r.accepted()
            .iter()
            .map(|g| g.body["seq"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(seqs(&all), every);
    assert_eq!(seqs(&some), matching);
    assert!(some.got().iter().all(|g| g.valid));
    // The filtered subscription's cursor is past the events it did not want.
    assert_eq!(hook(&app, sid).await["cursor"], *every.last().unwrap());
}

#[tokio::test]
async fn bad_input_and_other_roles_are_refused_and_nothing_is_written() {
    let app = spawn_app_supervised(settings(|_| {})).await;
    let audit_before = app.count_rows("audit_log").await;
    let cases = [
        (
            json!({"url": "ftp://example.gov.cn/x"}),
            "invalid_webhook_url",
            "url",
        ),
        (
            json!({"url": "javascript:alert(1)"}),
            "invalid_webhook_url",
            "url",
        ),
        (json!({"url": "not a url"}), "invalid_webhook_url", "url"),
        (
            json!({"url": "http://127.0.0.1:9/x", "event_kinds": ["case_accepted", "case_exploded"]}),
            "unknown_event_kind",
            "event_kinds[1]",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "secret": "whsec_c2hvcnQ="}),
            "invalid_webhook_secret",
            "secret",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "secret": "plain-text-secret-plain-text-secret"}),
            "invalid_webhook_secret",
            "secret",
        ),
    ];
    for (body, code, field) in cases {
        expect_problem(
            app.post("/v1/webhooks", &app.sysadmin_token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some(field),
        )
        .await;
    }
    let p = expect_status(
        app.post(
            "/v1/webhooks",
            &app.sysadmin_token,
            &json!({"url": "http://127.0.0.1:9/x", "department_id": 9999}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "department_id", "{p}");
    expect_status(
        app.post(
            "/v1/webhooks",
            &app.sysadmin_token,
            &json!({"url": "http://127.0.0.1:9/x", "colour": "red"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for role in [Role::Clerk, Role::Supervisor, Role::Assessor, Role::Service] {
        let t = app.token(role, None);
        expect_problem(
            app.post("/v1/webhooks", &t, &json!({"url": "http://127.0.0.1:9/x"}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
        expect_problem(
            app.get("/v1/webhooks", &t).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
        expect_problem(
            app.post("/v1/webhooks/run", &t, &json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    let list = expect_status(
        app.get("/v1/webhooks", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]), "{list}");
    assert_eq!(app.count_rows("webhooks").await, 0);
    assert_eq!(app.count_rows("audit_log").await, audit_before);

    // A good one, then refused changes leave it as it was.
    let (id, _) = subscribe(&app, json!({"url": "https://zwfw.example.gov.cn/hook", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})).await;
    let before = hook(&app, id).await;
    expect_problem(
        app.client
            .patch(format!("{}/v1/webhooks/{id}", app.address))
            .bearer_auth(&app.sysadmin_token)
            .json(&json!({"url": "https://ok.example.gov.cn/", "event_kinds": ["nope"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_event_kind",
        Some("event_kinds[0]"),
    )
    .await;
    assert_eq!(hook(&app, id).await, before);
    let patched = expect_status(
        app.client
            .patch(format!("{}/v1/webhooks/{id}", app.address))
            .bearer_auth(&app.sysadmin_token)
            .json(&json!({"active": false, "event_kinds": ["case_issued"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["active"], false);
    assert_eq!(patched["url"], "https://zwfw.example.gov.cn/hook");
    expect_status(
        app.delete(&format!("/v1/webhooks/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get(&format!("/v1/webhooks/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_slow_subscriber_does_not_delay_another() {
    // The slow subscriber's timeout is long enough that, on a loaded CI machine, the fast
    // one is served and the slow request has reached its handler well before it expires.
    let app = spawn_app_supervised(settings(|w| w.timeout_secs = 6)).await;
    let slow = Receiver::start(true).await;
    let fast = Receiver::start(false).await;
    let (slow_id, s1) = subscribe(&app, json!({"url": slow.url})).await;
    slow.set_secret(&s1);
    let (fast_id, s2) = subscribe(&app, json!({"url": fast.url})).await;
    fast.set_secret(&s2);
    let start = hook(&app, fast_id).await["cursor"].as_i64().unwrap();
    app.item_case("SL-1", 5, 20, |_| {}).await;
    let wanted = seqs_after(&feed(&app).await, start);

    let round = {
        let (client, url, token) = (
            app.client.clone(),
            format!("{}/v1/webhooks/run", app.address),
            app.sysadmin_token.clone(),
        );
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // The fast subscriber gets everything while the slow one still holds its first request.
    // Wait for both: the two deliveries run side by side, so either may be seen first.
    for _ in 0..800 {
        if fast.accepted().len() == wanted.len() && slow.in_flight.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(fast.accepted().len(), wanted.len());
    assert_eq!(slow.in_flight.load(Ordering::SeqCst), 1);
    assert!(!round.is_finished(), "the slow request is still pending");
    let r = round.await.unwrap();
    assert_eq!(r["delivered"], wanted.len(), "{r}");
    assert_eq!(r["failed"], 1, "{r}");
    let log = deliveries(&app, slow_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0]["status_code"].is_null());
    assert!(
        log[0]["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 6 s"),
        "{log:?}"
    );
    assert_eq!(hook(&app, slow_id).await["status"], "retrying");
    assert_eq!(hook(&app, fast_id).await["status"], "ok");
}

#[tokio::test]
async fn two_rounds_at_once_send_each_event_once() {
    let app = spawn_app_supervised(settings(|_| {})).await;
    let rx = Receiver::start(false).await;
    let (_, secret) = subscribe(&app, json!({"url": rx.url})).await;
    rx.set_secret(&secret);
    app.item_case("TW-1", 5, 20, |_| {}).await;
    app.item_case("TW-2", 5, 20, |_| {}).await;
    // Two replicas' rounds at the same moment: the lease lets one of them deliver.
    let (a, b) = tokio::join!(run_round(&app), run_round(&app));
    assert_eq!(
        a["claimed"].as_u64().unwrap() + b["claimed"].as_u64().unwrap(),
        1,
        "{a} {b}"
    );
    let ids: Vec<String> = rx.accepted().iter().map(|g| g.id.clone()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    assert!(!ids.is_empty());
}

#[tokio::test]
async fn the_list_is_paginated() {
    let app = spawn_app_supervised(settings(|_| {})).await;
    for i in 0..3 {
        subscribe(&app, json!({"url": format!("http://127.0.0.1:9/h{i}")})).await;
    }
    let p1 = expect_status(
        app.get("/v1/webhooks?limit=2", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = expect_status(
        app.get(
            &format!("/v1/webhooks?limit=2&cursor={cursor}"),
            &app.sysadmin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_eq!(p2["items"][0]["url"], "http://127.0.0.1:9/h2");
    assert!(p2["next_cursor"].is_null());
    expect_problem(
        app.get("/v1/webhooks?limit=0", &app.sysadmin_token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        None,
    )
    .await;
    expect_problem(
        app.get("/v1/webhooks/12345/deliveries", &app.sysadmin_token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}
