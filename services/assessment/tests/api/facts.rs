//! The score read as the assessed department would read it: two departments with different
//! facts — SCJG with two red cards, GAJ with one valid and one invalid complaint, a claim it
//! did not make in time and a decision reported two hours late — get scores whose every line
//! is explained in the breakdown (categories, fact deductions with their source ids, late
//! reports) and in the cadre provenance.

use platform::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn row(result: &Value, dept: i32) -> Value {
    result["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == dept)
        .unwrap()
        .clone()
}

fn centi(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not a points figure: {v}"))
}

/// GAJ supervises SCJG's business-licence item (审管互动): SCJG's decisions are pushed to it.
async fn gaj_supervises_scjg_item(s: &Services, gaj: i32) {
    let sysadmin = s.token(Role::Sysadmin, None);
    let items = expect(
        s.call(
            Method::GET,
            format!("{}/v1/items?limit=100", s.approval),
            &sysadmin,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "HHHT-SCJG-001")
        .unwrap()
        .clone();
    let keys = [
        "code",
        "category",
        "name",
        "legal_basis",
        "department_id",
        "statutory_limit_days",
        "promised_limit_days",
        "limit_unit",
        "location",
        "materials",
        "supervision_method",
        "fee_standard",
        "fee_basis",
        "fee_amount_cents",
        "kind",
        "completion_method",
        "flow_steps",
        "supplement_policy",
        "power_id",
    ];
    let mut body = serde_json::Map::new();
    for k in keys {
        if let Some(v) = item.get(k) {
            body.insert(k.to_string(), v.clone());
        }
    }
    body.insert("post_approval_department_id".into(), json!(gaj));
    expect(
        s.approval_put(
            &format!("/v1/items/{}", item["id"]),
            &sysadmin,
            &Value::Object(body),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

async fn complaint(s: &Services, case_no: &str, dept: i32, finding: &str) -> i64 {
    // The public form needs the applicant's second factor (the last 6 characters of the
    // credit code of `case_body`) and answers alike whatever happened: the supervisors' list
    // says which complaint was filed.
    let check = platform::identity::check_of("91350100M000100Y43");
    expect(
        s.client
            .post(format!("{}/v1/complaints", s.approval))
            .json(&json!({"case_no": case_no, "check": check, "complainant": "张先生", "contact": "13800000000", "content": "窗口推诿，要求多次跑"}))
            .send()
            .await
            .unwrap(),
        StatusCode::ACCEPTED,
    )
    .await;
    let sup = s.token(Role::Supervisor, None);
    let list = expect(
        s.client
            .get(format!("{}/v1/complaints?limit=200", s.approval))
            .bearer_auth(&sup)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["case_no"] == case_no)
        .filter_map(|c| c["id"].as_i64())
        .max()
        .expect("the complaint was filed");
    expect(
        s.approval_post(
            &format!("/v1/complaints/{id}/assign"),
            &sup,
            &json!({"department_id": dept}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect(
        s.approval_post(
            &format!("/v1/complaints/{id}/finding"),
            &sup,
            &json!({"finding": finding, "reason": "经核查"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    id
}

#[tokio::test]
async fn two_departments_with_different_facts_get_scores_explained_line_by_line() {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    gaj_supervises_scjg_item(&s, gaj).await;
    // Mon 9 Mar: two cases. ZJJ and SWJ decide at once; SCJG leaves both of its branches
    // until they are red; GAJ decides case 1 at once and reports case 2 two hours late.
    let c1 = s.submit_case().await;
    let c2 = s.submit_case().await;
    for c in [&c1, &c2] {
        for d in [zjj, swj] {
            s.approve_branch(&branch(c, d)).await;
        }
    }
    s.approve_branch(&branch(&c1, gaj)).await;
    let late = branch(&c2, gaj);
    let path = format!("/v1/branches/{}/commands", late["id"]);
    let reviewer = s.token(Role::Reviewer, Some(gaj));
    for b in [
        json!({"command": "start_review"}),
        json!({"command": "review", "opinion": ""}),
    ] {
        expect(s.approval_post(&path, &reviewer, &b).await, StatusCode::OK).await;
    }
    s.clock.set(at("2026-03-09T14:00:00+08:00"));
    expect(
        s.approval_post(
            &path,
            &s.token(Role::Approver, Some(gaj)),
            &json!({"command": "approve", "opinion": "", "decided_at": "2026-03-09T04:00:00Z"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // SCJG overdue: the sweep issues the yellow cards, then the red ones.
    let sup = s.token(Role::Supervisor, None);
    for t in ["2026-03-12T10:00:00+08:00", "2026-03-20T10:00:00+08:00"] {
        s.clock.set(at(t));
        expect(
            s.approval_post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    for c in [&c1, &c2] {
        s.approve_branch(&branch(c, scjg)).await;
    }
    // GAJ must claim SCJG's decisions within the claim limit; it never does.
    let c1_no = c1["case_no"].as_str().unwrap().to_string();
    let valid = complaint(&s, &c1_no, gaj, "valid").await;
    let invalid = complaint(&s, &c1_no, gaj, "invalid").await;
    s.clock.set(at("2026-03-31T12:00:00+08:00"));
    s.pull().await;

    let assessor = s.token(Role::Assessor, None);
    for d in [scjg, zjj, swj, gaj] {
        for (cat, p) in [
            ("standardisation", 12.0),
            ("openness", 8.0),
            ("quality", 8.0),
            ("integrity", 4.0),
        ] {
            let body = json!({"department_id": d, "year": 2026, "quarter": 1, "category": cat, "points": p, "evidence": ["检查记录"]});
            expect(
                s.put("/v1/manual-scores", &assessor, &body).await,
                StatusCode::OK,
            )
            .await;
        }
    }
    let r = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // Every department's total is explained by its lines.
    for d in [scjg, zjj, swj, gaj] {
        let b = row(&r, d)["breakdown"].clone();
        let base: i64 = b["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| centi(&c["points"]))
            .sum();
        assert_eq!(base, centi(&b["base"]), "{d}: {b}");
        let manual: i64 = b["deductions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| centi(&l["points"]))
            .sum();
        let facts: i64 = b["fact_deductions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| centi(&l["points"]))
            .sum();
        assert_eq!(manual + facts, centi(&b["deduction_requested"]), "{d}");
        assert_eq!(
            centi(&b["base"]) + centi(&b["bonus_applied"]) - centi(&b["deduction_applied"]),
            centi(&b["total"]),
            "{d}: {b}"
        );
        assert_eq!(
            (row(&r, d)["total"].as_f64().unwrap() * 100.0).round() as i64,
            centi(&b["total"])
        );
    }

    // SCJG: two yellow and two red cards, each line naming its cards; nothing else.
    let b = row(&r, scjg)["breakdown"].clone();
    let lines: Vec<(String, i64, i64, usize)> = b["fact_deductions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["fact"].as_str().unwrap().to_string(),
                l["count"].as_i64().unwrap(),
                centi(&l["points"]),
                l["source_ids"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("yellow_card".to_string(), 2, 100, 2),
            ("red_card".to_string(), 2, 200, 2),
        ],
        "{b}"
    );
    for l in b["fact_deductions"].as_array().unwrap() {
        for id in l["source_ids"].as_array().unwrap() {
            assert!(id.as_str().unwrap().starts_with("card:branch:"), "{id}");
        }
    }

    // GAJ: the valid complaint only, the late claim, and the late report in `findings`.
    let b = row(&r, gaj)["breakdown"].clone();
    let by_fact = |fact: &str| -> Value {
        b["fact_deductions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["fact"] == fact)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        by_fact("valid_complaint")["source_ids"],
        json!([format!("complaint:{valid}")]),
        "the invalid complaint {invalid} costs nothing: {b}"
    );
    assert_eq!(by_fact("late_claim")["count"], 2, "{b}");
    assert_eq!(
        b["findings"]["late_reports"],
        json!([{
            "record": format!("branch:{}", late["id"]),
            "happened_at": "2026-03-09T04:00:00Z",
            "recorded_at": "2026-03-09T06:00:00Z",
            "delay_minutes": 120,
        }]),
        "{b}"
    );
    let dx = b["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "data_exchange")
        .unwrap()
        .clone();
    // 2 decisions, 1 in time: 50 % of 13.75 (its 10 plus its share of satisfaction's 15, which
    // had nothing to measure) = 6.875 → 6.88.
    assert_eq!(
        (
            &dx["inputs"]["reported_in_time"],
            &dx["inputs"]["total"],
            centi(&dx["points"])
        ),
        (&json!(1), &json!(2), 688),
        "{dx}"
    );
    // Hand-computed GAJ: satisfaction is not applicable (no rating), its 15 redistributed over
    // coverage 10 / efficiency 20 / data exchange 10 → 13.75 / 27.50 / 13.75. Coverage 13.75
    // (its power has its item and cases) + efficiency 27.50 (both decided on time and early, by
    // the real moment) + data exchange 6.88 + volume 1 + manual 32 − (valid complaint 1.00 +
    // 2 late claims 1.00) = 79.13.
    assert_eq!(centi(&b["total"]), 7_913, "{b}");

    // Published, the cadre provenance carries the same lines.
    let id = r["id"].as_i64().unwrap();
    expect(s.approve_result(id).await, StatusCode::OK).await;
    s.clock.set(at("2026-04-03T10:00:00+08:00"));
    expect(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let org = s.token(Role::OrgDept, None);
    let page = expect(
        s.get(
            "/v1/cadre/departments?year=2026&scheme=hohhot&allow_partial=true",
            &org,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mine = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == gaj)
        .unwrap()
        .clone();
    let q = &mine["provenance"]["quarters_detail"][0];
    assert_eq!(q["fact_deductions"], b["fact_deductions"], "{mine}");
    assert_eq!(q["not_applicable"], json!(["satisfaction"]), "{mine}");
}
