//! Parallel approval end to end through HTTP: the Hohhot bundle from acceptance to issuance,
//! supplement pauses, rejection, withdrawal, staged bundles, bad input, idempotency, the feed,
//! and the join race.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// Mon 2026-03-09 10:00 in Asia/Shanghai: an ordinary working week.
pub fn monday_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-09T10:00:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

const PERSON_ID: &str = "11010519491231002X";
const CREDIT_CODE: &str = "91350100M000100Y43";

pub struct Hohhot {
    pub app: TestApp,
    /// item code → department id
    pub dept_of: HashMap<String, i32>,
    pub clerk: String,
}

pub async fn hohhot() -> Hohhot {
    let app = spawn_app().await;
    app.clock.set(monday_morning());
    approval::demo::seed(&app.db, monday_morning())
        .await
        .expect("demo data");
    let items = expect_status(
        app.get("/v1/items?limit=200", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await;
    let dept_of = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_string(),
                i["department_id"].as_i64().unwrap() as i32,
            )
        })
        .collect();
    let clerk = app.token(Role::Clerk, None);
    Hohhot {
        app,
        dept_of,
        clerk,
    }
}

pub fn all_materials() -> Value {
    json!([
        {"item_code": "HHHT-SCJG-001", "material_code": "M01"},
        {"item_code": "HHHT-SCJG-001", "material_code": "M02"},
        {"item_code": "HHHT-SCJG-001", "material_code": "M03"},
        {"item_code": "HHHT-SCJG-001", "material_code": "M04", "missing": true, "promised_by": "2026-03-13"},
        {"item_code": "HHHT-ZJJ-001", "material_code": "M01"},
        {"item_code": "HHHT-ZJJ-001", "material_code": "M02"},
        {"item_code": "HHHT-SWJ-001", "material_code": "M01"},
        {"item_code": "HHHT-SWJ-001", "material_code": "M02"},
        {"item_code": "HHHT-SWJ-001", "material_code": "M03"},
        {"item_code": "HHHT-GAJ-001", "material_code": "M01"},
        {"item_code": "HHHT-GAJ-001", "material_code": "M02"}
    ])
}

pub fn bundle_case() -> Value {
    json!({
        "bundle_code": "HHHT-ENT-ACCESS",
        "applicant": {"kind": "enterprise", "name": "呼和浩特示范科技有限公司", "id_number": CREDIT_CODE, "phone": "0471-0000000"},
        "materials": all_materials()
    })
}

impl Hohhot {
    pub async fn submit(&self) -> Value {
        expect_status(
            self.app
                .post("/v1/cases", &self.clerk, &bundle_case())
                .await,
            StatusCode::CREATED,
        )
        .await
    }

    pub fn reviewer(&self, dept: i32) -> String {
        self.app.token(Role::Reviewer, Some(dept))
    }

    pub fn approver(&self, dept: i32) -> String {
        self.app.token(Role::Approver, Some(dept))
    }

    pub async fn command(&self, branch: &Value, token: &str, body: Value) -> reqwest::Response {
        let id = branch["id"].as_i64().unwrap();
        self.app
            .post(&format!("/v1/branches/{id}/commands"), token, &body)
            .await
    }

    /// 一审 then 一核 approval of a branch by its own department.
    pub async fn approve(&self, branch: &Value) -> Value {
        let dept = branch["department_id"].as_i64().unwrap() as i32;
        for (token, body) in [
            (self.reviewer(dept), json!({"command": "start_review"})),
            (
                self.reviewer(dept),
                json!({"command": "review", "opinion": "材料齐全"}),
            ),
            (
                self.approver(dept),
                json!({"command": "approve", "opinion": "准予许可"}),
            ),
        ] {
            expect_status(self.command(branch, &token, body).await, StatusCode::OK).await;
        }
        self.case(branch["case_id"].as_i64().unwrap()).await
    }

    pub async fn case(&self, id: i64) -> Value {
        expect_status(
            self.app
                .get(&format!("/v1/cases/{id}"), &self.app.sysadmin_token)
                .await,
            StatusCode::OK,
        )
        .await
    }
}

pub fn branch_of(case: &Value, dept: i32) -> &Value {
    case["branches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["department_id"] == dept)
        .expect("branch of department")
}

#[tokio::test]
async fn hohhot_bundle_from_acceptance_to_unified_issuance() {
    let h = hohhot().await;
    let case = h.submit().await;
    assert_eq!(case["state"], "in_progress:1");
    assert_eq!(case["stage_count"], 1);
    assert_eq!(
        case["fee_total_cents"],
        10_800 + 20_000,
        "一站缴费: the items' fees summed"
    );
    // Promised 5 working days from Mon 9 Mar → Mon 16 Mar 17:00 (+08:00).
    assert_eq!(case["due_at"], "2026-03-16T09:00:00Z");
    let branches = case["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 4);
    assert!(branches
        .iter()
        .all(|b| b["state"] == "received" && b["due_at"].is_string() && b["warn_at"].is_string()));
    // The business licence: promised 3 working days → Thu 12 Mar 17:00.
    let licence = branch_of(&case, h.dept_of["HHHT-SCJG-001"]).clone();
    assert_eq!(licence["due_at"], "2026-03-12T09:00:00Z");

    // Supplement (补正) on the tax branch: the clock stops for a day and the deadline moves.
    let tax = branch_of(&case, h.dept_of["HHHT-SWJ-001"]).clone();
    let tax_dept = h.dept_of["HHHT-SWJ-001"];
    expect_status(
        h.command(
            &tax,
            &h.reviewer(tax_dept),
            json!({"command": "start_review"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let c = expect_status(
        h.command(&tax, &h.reviewer(tax_dept), json!({"command": "request_supplement", "missing": ["M03"], "note": "财务负责人信息不全"})).await,
        StatusCode::OK,
    )
    .await;
    let paused = branch_of(&c, tax_dept);
    assert_eq!(paused["state"], "awaiting_supplement");
    assert_eq!(paused["paused"], true);
    assert!(
        paused["due_at"].is_null(),
        "no due moment while the clock is stopped"
    );
    h.app.clock.set(monday_morning() + Duration::days(1)); // Tue 10 Mar 10:00
    let c = expect_status(
        h.command(
            &tax,
            &h.clerk,
            json!({"command": "supplement", "received": ["M03"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let resumed = branch_of(&c, tax_dept);
    assert_eq!(resumed["state"], "reviewing");
    // Paused Mon 10:00 → Tue 10:00 = 8 working hours, all after the acceptance day's close
    // only for Tue 09:00–10:00 (1 h): the acceptance day does not count. Promised 3 days:
    // Thu 12 Mar 17:00 + 1 working hour = Fri 13 Mar 10:00.
    assert_eq!(resumed["due_at"], "2026-03-13T02:00:00Z");

    for code in ["HHHT-SCJG-001", "HHHT-ZJJ-001", "HHHT-GAJ-001"] {
        let b = branch_of(&case, h.dept_of[code]).clone();
        let after = h.approve(&b).await;
        assert!(
            after["state"].as_str().unwrap().starts_with("in_progress"),
            "not ready before the last branch"
        );
    }
    let tax_now = branch_of(&h.case(case["id"].as_i64().unwrap()).await, tax_dept).clone();
    let r = h
        .command(
            &tax_now,
            &h.reviewer(tax_dept),
            json!({"command": "review", "opinion": "ok"}),
        )
        .await;
    expect_status(r, StatusCode::OK).await;
    let done = expect_status(
        h.command(
            &tax_now,
            &h.approver(tax_dept),
            json!({"command": "approve", "opinion": "ok"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["state"], "ready_for_issuance");

    let id = case["id"].as_i64().unwrap();
    // Not before the one payment.
    expect_problem(
        h.app
            .post(&format!("/v1/cases/{id}/issue"), &h.clerk, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "payment_outstanding",
        None,
    )
    .await;
    let r = h
        .app
        .post(
            &format!("/v1/cases/{id}/payment"),
            &h.clerk,
            &json!({"amount_cents": 100, "reference": "R-1"}),
        )
        .await;
    expect_problem(
        r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("amount_cents"),
    )
    .await;
    let r = h
        .app
        .post(
            &format!("/v1/cases/{id}/payment"),
            &h.clerk,
            &json!({"amount_cents": 30_800, "reference": "POS-20260310-01"}),
        )
        .await;
    expect_status(r, StatusCode::OK).await;
    // Issuance is the clerk's.
    let r = h
        .app
        .post(
            &format!("/v1/cases/{id}/issue"),
            &h.approver(tax_dept),
            &json!({}),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    let issued = expect_status(
        h.app
            .post(&format!("/v1/cases/{id}/issue"), &h.clerk, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(issued["state"], "issued");
    assert!(issued["issued_at"].is_string());

    let timeline = expect_status(
        h.app
            .get(&format!("/v1/cases/{id}/timeline"), &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"case_accepted"));
    assert_eq!(kinds.iter().filter(|k| **k == "branch_approved").count(), 4);
    assert_eq!(kinds.iter().filter(|k| **k == "case_ready").count(), 1);
    assert_eq!(kinds.last(), Some(&"case_issued"));
    // Every workflow event in the feed reads back as the workflow crate's typed event.
    for e in timeline.as_array().unwrap() {
        let kind = e["kind"].as_str().unwrap();
        if workflow::Event::KINDS.contains(&kind) {
            let typed: workflow::Event = serde_json::from_value(e["payload"].clone())
                .unwrap_or_else(|err| panic!("{kind}: {err}"));
            assert_eq!(typed.kind(), kind);
            assert_eq!(typed.case_id(), e["case_id"].as_i64().unwrap());
        }
    }
    let seqs: Vec<i64> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn one_rejection_rejects_the_case_and_closes_the_other_branches() {
    let h = hohhot().await;
    let case = h.submit().await;
    let gaj = h.dept_of["HHHT-GAJ-001"];
    let seal = branch_of(&case, gaj).clone();
    h.approve(branch_of(&case, h.dept_of["HHHT-ZJJ-001"])).await;
    expect_status(
        h.command(&seal, &h.reviewer(gaj), json!({"command": "start_review"}))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        h.command(
            &seal,
            &h.reviewer(gaj),
            json!({"command": "review", "opinion": "存疑"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // A reviewer cannot reject: 一核 is the chief representative's signature.
    let r = h
        .command(
            &seal,
            &h.reviewer(gaj),
            json!({"command": "reject", "reason": "x"}),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    let r = h
        .command(
            &seal,
            &h.approver(gaj),
            json!({"command": "reject", "reason": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let c = expect_status(
        h.command(
            &seal,
            &h.approver(gaj),
            json!({"command": "reject", "reason": "印章样式不符合规定"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["state"], "rejected");
    assert!(c["closed_reason"]
        .as_str()
        .unwrap()
        .contains("印章样式不符合规定"));
    let states: Vec<&str> = c["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "cancelled").count(),
        2,
        "{states:?}"
    );
    assert_eq!(states.iter().filter(|s| **s == "approved").count(), 1);
    // A closed case takes no more commands.
    let licence = branch_of(&c, h.dept_of["HHHT-SCJG-001"]).clone();
    let r = h
        .command(
            &licence,
            &h.reviewer(h.dept_of["HHHT-SCJG-001"]),
            json!({"command": "start_review"}),
        )
        .await;
    expect_problem(r, StatusCode::CONFLICT, "case_closed", None).await;
}

#[tokio::test]
async fn withdrawal_cancels_open_branches() {
    let h = hohhot().await;
    let case = h.submit().await;
    let id = case["id"].as_i64().unwrap();
    h.approve(branch_of(&case, h.dept_of["HHHT-ZJJ-001"])).await;
    let r = h
        .app
        .post(
            &format!("/v1/cases/{id}/withdraw"),
            &h.reviewer(h.dept_of["HHHT-ZJJ-001"]),
            &json!({"reason": "x"}),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    let c = expect_status(
        h.app
            .post(
                &format!("/v1/cases/{id}/withdraw"),
                &h.clerk,
                &json!({"reason": "申请人撤回"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["state"], "withdrawn");
    let states: Vec<&str> = c["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "cancelled").count(), 3);
    assert_eq!(
        states.iter().filter(|s| **s == "approved").count(),
        1,
        "a decided branch stays decided"
    );
    let r = h
        .app
        .post(
            &format!("/v1/cases/{id}/withdraw"),
            &h.clerk,
            &json!({"reason": "again"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = h
        .app
        .post(&format!("/v1/cases/{id}/issue"), &h.clerk, &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_staged_bundle_opens_the_next_stage_only_after_the_first_is_approved() {
    let h = hohhot().await;
    let t = &h.app.sysadmin_token;
    let stages = json!({
        "code": "STAGED", "name": "先照后证", "lead_department_id": h.dept_of["HHHT-SCJG-001"], "promised_limit_days": 5,
        "stages": [["HHHT-SCJG-001"], ["HHHT-SWJ-001", "HHHT-GAJ-001"]]
    });
    expect_status(
        h.app.post("/v1/bundles", t, &stages).await,
        StatusCode::CREATED,
    )
    .await;
    let materials: Vec<Value> = all_materials()
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["item_code"] != "HHHT-ZJJ-001")
        .cloned()
        .collect();
    let body = json!({"bundle_code": "STAGED", "applicant": {"kind": "person", "name": "王芳", "id_number": PERSON_ID}, "materials": materials});
    let case = expect_status(
        h.app.post("/v1/cases", &h.clerk, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(case["stage_count"], 2);
    assert_eq!(
        case["branches"].as_array().unwrap().len(),
        1,
        "only stage 1 is open"
    );
    h.app.clock.set(monday_morning() + Duration::hours(2));
    let c = h.approve(&case["branches"][0]).await;
    assert_eq!(c["state"], "in_progress:2");
    let stage2: Vec<&Value> = c["branches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["stage"] == 2)
        .collect();
    assert_eq!(stage2.len(), 2);
    assert!(
        stage2
            .iter()
            .all(|b| b["state"] == "received" && b["opened_at"] == "2026-03-09T04:00:00Z"),
        "clock starts when the stage opens"
    );
    for b in stage2.into_iter().cloned().collect::<Vec<_>>() {
        h.approve(&b).await;
    }
    assert_eq!(
        h.case(case["id"].as_i64().unwrap()).await["state"],
        "ready_for_issuance"
    );
}

#[tokio::test]
async fn bad_submissions_and_commands_write_nothing() {
    let h = hohhot().await;
    // The demo's power list is on the feed already (power_changed, case_id 0).
    let catalogue_events = h.app.count_rows("events").await;
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut b = bundle_case();
        f(&mut b);
        b
    };
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            bad(&|b| b["applicant"]["id_number"] = json!("91350100M000100Y44")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "applicant.id_number",
        ),
        (
            bad(&|b| {
                b["applicant"] =
                    json!({"kind": "person", "name": "李", "id_number": "110105194912310021"})
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "applicant.id_number",
        ),
        (
            bad(&|b| b["bundle_code"] = json!("NOPE")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "bundle_code",
        ),
        (
            bad(&|b| b["item_code"] = json!("HHHT-GAJ-001")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "bundle_code",
        ),
        (
            bad(&|b| b["materials"][0]["material_code"] = json!("M99")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "materials[0].material_code",
        ),
        (
            bad(&|b| b["materials"][1]["item_code"] = json!("OTHER")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "materials[1].item_code",
        ),
        (
            bad(&|b| b["materials"][0]["missing"] = json!(true)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "materials[0].missing",
        ),
        (
            bad(&|b| {
                b["materials"][3]
                    .as_object_mut()
                    .unwrap()
                    .remove("promised_by");
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "materials[3].promised_by",
        ),
        (
            bad(&|b| {
                b["materials"].as_array_mut().unwrap().remove(0);
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "materials",
        ),
        (
            bad(&|b| b["applicant"]["age"] = json!(3)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
            "applicant.age",
        ),
    ];
    for (body, status, code, field) in cases {
        let r = h.app.post("/v1/cases", &h.clerk, &body).await;
        expect_problem(r, status, code, Some(field)).await;
    }
    // Only clerks accept cases.
    let r = h
        .app
        .post("/v1/cases", &h.app.sysadmin_token, &bundle_case())
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    assert_eq!(h.app.count_rows("cases").await, 0);
    assert_eq!(h.app.count_rows("branches").await, 0);
    assert_eq!(h.app.count_rows("events").await, catalogue_events);

    let case = h.submit().await;
    let events_before = h.app.count_rows("events").await;
    let scjg = h.dept_of["HHHT-SCJG-001"];
    let gaj = h.dept_of["HHHT-GAJ-001"];
    let licence = branch_of(&case, scjg).clone();
    // Another department's reviewer.
    let r = h
        .command(
            &licence,
            &h.reviewer(gaj),
            json!({"command": "start_review"}),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Wrong state: approve before review.
    let r = h
        .command(
            &licence,
            &h.approver(scjg),
            json!({"command": "approve", "opinion": ""}),
        )
        .await;
    let p = expect_problem(r, StatusCode::CONFLICT, "not_allowed_in_state", None).await;
    assert!(
        p["detail"].as_str().unwrap().contains("received"),
        "names the current state: {p}"
    );
    // Unknown command, the system's cancel.
    let r = h
        .command(&licence, &h.reviewer(scjg), json!({"command": "teleport"}))
        .await;
    expect_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", None).await;
    let r = h
        .command(
            &licence,
            &h.approver(scjg),
            json!({"command": "cancel", "reason": "x"}),
        )
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
    // Stale version.
    let id = licence["id"].as_i64().unwrap();
    let r = h
        .app
        .client
        .post(format!("{}/v1/branches/{id}/commands", h.app.address))
        .bearer_auth(h.reviewer(scjg))
        .header("If-Match", "\"7\"")
        .json(&json!({"command": "start_review"}))
        .send()
        .await
        .unwrap();
    expect_problem(r, StatusCode::CONFLICT, "stale_version", None).await;
    assert_eq!(h.app.count_rows("events").await, events_before);
    let now = h.case(case["id"].as_i64().unwrap()).await;
    assert!(now["branches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["state"] == "received" && b["version"] == 0));
}

/// A key is kept `IDEMPOTENCY_TTL_HOURS` (24): a retry within it replays, one after it runs
/// anew, and the housekeeping job deletes the expired rows with the answers they stored.
#[tokio::test]
async fn idempotency_keys_expire_and_are_purged() {
    let h = hohhot().await;
    let send = |key: &'static str| {
        let h = &h;
        async move {
            h.app
                .client
                .post(format!("{}/v1/cases", h.app.address))
                .bearer_auth(&h.clerk)
                .header("Idempotency-Key", key)
                .json(&bundle_case())
                .send()
                .await
                .unwrap()
        }
    };
    let first = expect_status(send("ttl-1").await, StatusCode::CREATED).await;
    expect_status(send("ttl-2").await, StatusCode::CREATED).await;
    h.app.clock.advance(chrono::Duration::hours(23));
    let again = send("ttl-1").await;
    assert_eq!(again.headers().get("Idempotent-Replayed").unwrap(), "true");
    assert_eq!(
        expect_status(again, StatusCode::CREATED).await["id"],
        first["id"]
    );
    assert_eq!(h.app.count_rows("idempotency_keys").await, 2);
    // A day and an hour on: the key has expired, so the same request is a new case.
    h.app.clock.advance(chrono::Duration::hours(2));
    let late = send("ttl-1").await;
    assert!(late.headers().get("Idempotent-Replayed").is_none());
    let late = expect_status(late, StatusCode::CREATED).await;
    assert_ne!(late["id"], first["id"]);
    assert_eq!(h.app.count_rows("cases").await, 3);
    // Housekeeping deletes the other expired key and keeps the fresh one.
    let run = expect_status(
        h.app
            .post(
                "/v1/supervision/jobs/housekeeping/run",
                &h.app.sysadmin_token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["detail"]["idempotency_keys_deleted"], 1, "{run}");
    assert_eq!(h.app.count_rows("idempotency_keys").await, 1);
}

#[tokio::test]
async fn retried_submissions_and_commands_are_idempotent() {
    let h = hohhot().await;
    let send = |key: &'static str, body: Value| {
        let h = &h;
        async move {
            h.app
                .client
                .post(format!("{}/v1/cases", h.app.address))
                .bearer_auth(&h.clerk)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = expect_status(send("k-1", bundle_case()).await, StatusCode::CREATED).await;
    let again = send("k-1", bundle_case()).await;
    assert_eq!(again.headers().get("Idempotent-Replayed").unwrap(), "true");
    let again = expect_status(again, StatusCode::CREATED).await;
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["case_no"], again["case_no"]);
    assert_eq!(h.app.count_rows("cases").await, 1);
    let mut other = bundle_case();
    other["applicant"]["name"] = json!("另一家公司");
    expect_problem(
        send("k-1", other).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        Some("Idempotency-Key"),
    )
    .await;

    // A retried command does not run twice (a second start_review would be refused).
    let b = branch_of(&first, h.dept_of["HHHT-SCJG-001"]).clone();
    let id = b["id"].as_i64().unwrap();
    let dept = h.dept_of["HHHT-SCJG-001"];
    for _ in 0..2 {
        let r = h
            .app
            .client
            .post(format!("{}/v1/branches/{id}/commands", h.app.address))
            .bearer_auth(h.reviewer(dept))
            .header("Idempotency-Key", "cmd-1")
            .json(&json!({"command": "start_review"}))
            .send()
            .await
            .unwrap();
        expect_status(r, StatusCode::OK).await;
    }
    let events = h.app.count_rows("events").await;
    let starts = expect_status(
        h.app
            .get(&format!("/v1/cases/{}/timeline", first["id"]), &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        starts
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "review_started")
            .count(),
        1
    );
    assert!(events > 1);
}

#[tokio::test]
async fn the_feed_is_ordered_paginated_and_restricted() {
    let h = hohhot().await;
    let c1 = h.submit().await;
    h.approve(branch_of(&c1, h.dept_of["HHHT-GAJ-001"])).await;
    h.submit().await;
    let total = h.app.count_rows("events").await;
    let assessor = h.app.token(Role::Assessor, None);
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = expect_status(
            h.app
                .get(&format!("/v1/events?after={after}&limit=3"), &assessor)
                .await,
            StatusCode::OK,
        )
        .await;
        let evs = page["events"].as_array().unwrap();
        if evs.is_empty() {
            assert_eq!(page["next_after"], after);
            break;
        }
        for e in evs {
            seen.push(e["seq"].as_i64().unwrap());
        }
        after = page["next_after"].as_i64().unwrap();
    }
    assert_eq!(seen.len() as i64, total);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    for role in [Role::Clerk, Role::Reviewer, Role::Supervisor, Role::OrgDept] {
        let r = h.app.get("/v1/events", &h.app.token(role, Some(1))).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        h.app
            .get("/v1/events", &h.app.token(Role::Service, None))
            .await
            .status(),
        StatusCode::OK
    );
    expect_problem(
        h.app.get("/v1/events?limit=0", &assessor).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("limit"),
    )
    .await;
}

#[tokio::test]
async fn department_staff_see_only_their_cases() {
    let h = hohhot().await;
    let case = h.submit().await;
    let id = case["id"].as_i64().unwrap();
    let scjg = h.dept_of["HHHT-SCJG-001"];
    let list = expect_status(
        h.app
            .get(&format!("/v1/cases?department_id={scjg}"), &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = expect_status(
        h.app
            .get("/v1/cases?state=in_progress", &h.reviewer(scjg))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = expect_status(
        h.app.get("/v1/cases?state=issued", &h.clerk).await,
        StatusCode::OK,
    )
    .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    let list = expect_status(
        h.app
            .get(&format!("/v1/cases?applicant={CREDIT_CODE}"), &h.clerk)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Nothing overdue yet; a week later every branch is.
    let list = expect_status(
        h.app.get("/v1/cases?overdue=true", &h.clerk).await,
        StatusCode::OK,
    )
    .await;
    assert!(list["items"].as_array().unwrap().is_empty());
    h.app.clock.set(monday_morning() + Duration::days(14));
    let list = expect_status(
        h.app.get("/v1/cases?overdue=true", &h.clerk).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // A department outside the case sees nothing of it.
    let outsider = h.app.create_department("OTHER").await;
    let r = h
        .app
        .get(&format!("/v1/cases/{id}"), &h.reviewer(outsider))
        .await;
    expect_problem(r, StatusCode::NOT_FOUND, "not_found", None).await;
    let r = h
        .app
        .get("/v1/cases", &h.app.token(Role::OrgDept, None))
        .await;
    expect_problem(r, StatusCode::FORBIDDEN, "forbidden", None).await;
}

/// Two departments approving the last two branches at the same instant: exactly one join and
/// one `case_ready`, every time (the point of the case lock; run on PostgreSQL by CI).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_last_approvals_produce_exactly_one_join() {
    let h = hohhot().await;
    let rounds = 12;
    for _ in 0..rounds {
        let case = h.submit().await;
        let id = case["id"].as_i64().unwrap();
        let codes = [
            "HHHT-SCJG-001",
            "HHHT-ZJJ-001",
            "HHHT-SWJ-001",
            "HHHT-GAJ-001",
        ];
        for code in &codes[..2] {
            h.approve(branch_of(&case, h.dept_of[*code])).await;
        }
        // Bring the last two to 一核, then approve both at once.
        let mut last = Vec::new();
        for code in &codes[2..] {
            let dept = h.dept_of[*code];
            let b = branch_of(&case, dept).clone();
            expect_status(
                h.command(&b, &h.reviewer(dept), json!({"command": "start_review"}))
                    .await,
                StatusCode::OK,
            )
            .await;
            expect_status(
                h.command(
                    &b,
                    &h.reviewer(dept),
                    json!({"command": "review", "opinion": ""}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            last.push((b, h.approver(dept)));
        }
        let (a, b) = tokio::join!(
            h.command(
                &last[0].0,
                &last[0].1,
                json!({"command": "approve", "opinion": "a"})
            ),
            h.command(
                &last[1].0,
                &last[1].1,
                json!({"command": "approve", "opinion": "b"})
            )
        );
        assert_eq!(a.status(), StatusCode::OK);
        assert_eq!(b.status(), StatusCode::OK);
        let timeline = expect_status(
            h.app
                .get(&format!("/v1/cases/{id}/timeline"), &h.clerk)
                .await,
            StatusCode::OK,
        )
        .await;
        let ready = timeline
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "case_ready")
            .count();
        assert_eq!(ready, 1, "case {id}: exactly one join");
        assert_eq!(h.case(id).await["state"], "ready_for_issuance");
    }
}

/// The demo's own accounts finish the demo bundle: every department has a reviewer (经办人)
/// and an approver (首席代表) who sign in with the demo password.
#[tokio::test]
async fn the_demo_accounts_can_finish_the_demo_bundle() {
    let h = hohhot().await;
    let case = h.submit().await;
    // Tokens the service issues are checked against the wall clock.
    h.app.clock.set(chrono::Utc::now());
    // The demo was seeded on the test's Monday in March, so its passwords are that old and
    // have expired (PASSWORD_MAX_AGE_DAYS, 90): date them today, as a fresh seed would.
    {
        use sea_orm::ConnectionTrait;
        h.app
            .db
            .execute(sea_orm::Statement::from_sql_and_values(
                h.app.db.get_database_backend(),
                "UPDATE users SET password_changed_at = $1",
                [chrono::Utc::now().into()],
            ))
            .await
            .unwrap();
    }
    let login = |username: String| {
        let app = &h.app;
        async move {
            let r = app
                .client
                .post(format!("{}/v1/auth/token", app.address))
                .json(&json!({"username": username, "password": approval::demo::DEMO_PASSWORD}))
                .send()
                .await
                .unwrap();
            expect_status(r, StatusCode::OK).await["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let prefix_of = |code: &str| match code {
        "HHHT-SCJG-001" => "".to_string(),
        other => format!("{}.", other.split('-').nth(1).unwrap().to_ascii_lowercase()),
    };
    for (code, dept) in &h.dept_of {
        let branch = branch_of(&case, *dept).clone();
        let prefix = prefix_of(code);
        let reviewer = login(format!("{prefix}reviewer")).await;
        let approver = login(format!("{prefix}approver")).await;
        for (token, body) in [
            (&reviewer, json!({"command": "start_review"})),
            (
                &reviewer,
                json!({"command": "review", "opinion": "材料齐全"}),
            ),
            (
                &approver,
                json!({"command": "approve", "opinion": "准予许可"}),
            ),
        ] {
            expect_status(h.command(&branch, token, body).await, StatusCode::OK).await;
        }
    }
    let done = h.case(case["id"].as_i64().unwrap()).await;
    assert_eq!(done["state"], "ready_for_issuance");
}
