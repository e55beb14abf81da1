//! The accountability chain: a bulletin drafted from the period's facts, approved and
//! published with its number and mailed to the units it names; an admonition acknowledged only
//! by the one admonished; a written self-examination order that passes its deadline escalates
//! exactly once; a measure against a person; and what is refused.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn mails(s: &Services) -> Vec<String> {
    std::fs::read_dir(&s.mail_dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

async fn deliver(s: &Services) {
    expect(
        s.post(
            "/v1/jobs/deliver/run",
            &s.token(Role::Assessor, None),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn a_bulletin_from_the_period_facts_is_numbered_mailed_and_immutable() {
    let s = spawn().await;
    let (zjj, gaj) = (s.d("HHHT-ZJJ"), s.d("HHHT-GAJ"));
    let sup = s.token(Role::Supervisor, None);
    let leader = s.token_as(8, Role::Leader, None);
    // A period without facts: nothing to publish.
    problem(
        s.post(
            "/v1/bulletins",
            &sup,
            &json!({"period_from": "2026-03-01", "period_to": "2026-03-31"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_facts",
        Some("period_from"),
    )
    .await;
    // GAJ's branch of a case runs late: a yellow card in March.
    let c = s.submit_case().await;
    for d in [s.d("HHHT-SCJG"), zjj, s.d("HHHT-SWJ")] {
        s.approve_branch(&branch(&c, d)).await;
    }
    s.clock.set(at("2026-03-12T10:00:00+08:00"));
    expect(
        s.approval_post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    let d = expect(
        s.post(
            "/v1/bulletins",
            &sup,
            &json!({"period_from": "2026-03-01", "period_to": "2026-03-31"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["status"], "draft");
    assert_eq!(d["department_ids"], json!([gaj]), "{d}");
    assert!(
        d["facts"][0].as_str().unwrap().starts_with("card:branch:"),
        "{d}"
    );
    assert!(
        d["body"].as_str().unwrap().contains("公安局：黄牌 1"),
        "{d}"
    );
    assert!(d["number"].is_null());
    // Edited while a draft: it must still name a fact; it now names ZJJ too.
    let mut edit = json!({"title": "2026年3月电子监察通报", "body": "公安局印章刻制超期，予以通报。", "facts": [], "department_ids": [gaj, zjj]});
    problem(
        s.put(&format!("/v1/bulletins/{id}"), &sup, &edit).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_facts",
        Some("facts"),
    )
    .await;
    edit["facts"] = d["facts"].clone();
    expect(
        s.put(&format!("/v1/bulletins/{id}"), &sup, &edit).await,
        StatusCode::OK,
    )
    .await;
    // Not public before publication; published only after a leader approves.
    problem(
        s.get(
            &format!("/v1/bulletins/{id}"),
            &s.token(Role::OrgDept, None),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    problem(
        s.post(&format!("/v1/bulletins/{id}/publish"), &sup, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "bulletin_status",
        None,
    )
    .await;
    problem(
        s.post(&format!("/v1/bulletins/{id}/approve"), &sup, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect(
        s.post(&format!("/v1/bulletins/{id}/approve"), &leader, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let p = expect(
        s.post(&format!("/v1/bulletins/{id}/publish"), &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (p["number"].as_i64(), p["label"].as_str()),
        (Some(1), Some("2026年第1期"))
    );
    // Immutable now.
    problem(
        s.put(&format!("/v1/bulletins/{id}"), &sup, &edit).await,
        StatusCode::CONFLICT,
        "bulletin_status",
        None,
    )
    .await;
    // Mailed to the two units it names, once each.
    deliver(&s).await;
    let all = mails(&s);
    for code in ["gaj", "zjj"] {
        assert_eq!(
            all.iter()
                .filter(|m| m.contains(&format!("head.hhht-{code}@hohhot.gov.example")))
                .count(),
            1,
            "{code}"
        );
    }
    assert!(!all
        .iter()
        .any(|m| m.contains("head.hhht-swj@hohhot.gov.example")));
    // And the supervision office, for the leaders.
    assert_eq!(all.len(), 3, "two units and the office");
    // Listed and found by its words, for anyone once published.
    let found = expect(
        s.get(
            "/v1/bulletins?year=2026&q=印章",
            &s.token(Role::OrgDept, None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let none = expect(
        s.get("/v1/bulletins?q=无此词", &s.token(Role::OrgDept, None))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(none.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_self_examination_order_past_its_deadline_escalates_exactly_once() {
    let s = spawn().await;
    let gaj = s.d("HHHT-GAJ");
    let sup = s.token(Role::Supervisor, None);
    problem(
        s.post(
            "/v1/self-examinations",
            &sup,
            &json!({"department_id": gaj, "facts": [" "], "what": "说明超期原因"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_facts",
        Some("facts"),
    )
    .await;
    let order = expect(
        s.post(
            "/v1/self-examinations",
            &sup,
            &json!({"department_id": gaj, "facts": ["电子监察通报 2026年第1期"], "what": "就印章刻制超期作出书面检查", "working_days": 5}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(order["kind"], "self_examination");
    // Mon 9 Mar 10:00 + 5 working days = Mon 16 Mar, end of the working day.
    assert_eq!(order["due_at"], "2026-03-16T09:00:00Z");
    let assessor = s.token(Role::Assessor, None);
    let mut escalations = 0;
    for day in [
        "2026-03-17T10:00:00+08:00",
        "2026-03-18T10:00:00+08:00",
        "2026-03-19T10:00:00+08:00",
    ] {
        s.clock.set(at(day));
        let run = expect(
            s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
        escalations += run["detail"]["escalated"].as_i64().unwrap();
    }
    assert_eq!(escalations, 1);
    let orders = expect(s.get("/v1/rectifications", &sup).await, StatusCode::OK).await;
    let o = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == order["id"])
        .unwrap()
        .clone();
    assert_eq!(o["status"], "escalated");
    // Submitted late, accepted once; a second acceptance is refused.
    let id = order["id"].as_i64().unwrap();
    expect(
        s.post(
            &format!("/v1/rectifications/{id}/submit"),
            &s.token(Role::Approver, Some(gaj)),
            &json!({"text": "书面检查：已整改", "attachment_ref": "检查-2026-03.pdf"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let decide = json!({"decision": "accept"});
    expect(
        s.post(&format!("/v1/rectifications/{id}/decision"), &sup, &decide)
            .await,
        StatusCode::OK,
    )
    .await;
    problem(
        s.post(&format!("/v1/rectifications/{id}/decision"), &sup, &decide)
            .await,
        StatusCode::CONFLICT,
        "rectification_status",
        None,
    )
    .await;
}

#[tokio::test]
async fn admonitions_and_measures_name_their_facts_and_only_the_admonished_acknowledge() {
    let s = spawn().await;
    let gaj = s.d("HHHT-GAJ");
    let sup = s.token(Role::Supervisor, None);
    problem(
        s.post(
            "/v1/admonitions",
            &sup,
            &json!({"department_id": gaj, "facts": [], "text": "多次超期"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_facts",
        Some("facts"),
    )
    .await;
    let a = expect(
        s.post(
            "/v1/admonitions",
            &sup,
            &json!({"department_id": gaj, "facts": ["card:branch:4:red"], "text": "多次超期，予以效能告诫"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/v1/admonitions/{}/acknowledge", a["id"]);
    // Another unit's chief representative cannot acknowledge it.
    problem(
        s.post(
            &path,
            &s.token(Role::Approver, Some(s.d("HHHT-ZJJ"))),
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not_yours",
        None,
    )
    .await;
    let gaj_chief = s.token(Role::Approver, Some(gaj));
    let done = expect(s.post(&path, &gaj_chief, &json!({})).await, StatusCode::OK).await;
    assert!(done["acknowledged_at"].is_string());
    problem(
        s.post(&path, &gaj_chief, &json!({})).await,
        StatusCode::CONFLICT,
        "already_acknowledged",
        None,
    )
    .await;
    // Measures: a leader's, against a known person, with facts.
    problem(
        s.post(
            "/v1/measures",
            &s.token_as(8, Role::Leader, None),
            &json!({"staff_id": 999999, "measure": "public_criticism", "decision": "通报批评", "facts": ["x"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("staff_id"),
    )
    .await;
    problem(
        s.post(
            "/v1/measures",
            &sup,
            &json!({"staff_id": 1, "measure": "public_criticism", "decision": "通报批评", "facts": ["x"]}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}
