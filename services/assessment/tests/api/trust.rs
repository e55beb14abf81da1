//! Scores that survive a hostile reading: ratings that cannot be stuffed, four eyes on a
//! result, deductions that name their fact, 好差评 only by the case's own applicant, and the
//! power list and real decision moments from the approval feed reaching the breakdown.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// The same on-the-spot rating posted 50 times at once counts once: one row, 201 for one
/// request, and every other answer a 409 or (same Idempotency-Key) the first answer replayed.
#[tokio::test]
async fn the_same_rating_posted_fifty_times_concurrently_counts_once() {
    let s = spawn().await;
    let c = s.submit_case().await;
    s.pull().await;
    let clerk = s.token(Role::Clerk, None);
    let body = json!({"case_id": c["id"], "department_id": s.d("HHHT-SCJG"), "level": "very_satisfied", "visit_ref": "A017"});
    let client = reqwest::Client::new();
    let calls = (0..50).map(|i| {
        let req = client
            .post(format!("{}/v1/ratings/onsite", s.assessment))
            .bearer_auth(&clerk)
            .json(&body);
        // Half of them are retries of one request (same key), half are new attempts.
        let req = if i % 2 == 0 {
            req.header("Idempotency-Key", "evaluator-7-A017")
        } else {
            req
        };
        req.send()
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    assert_eq!(s.count("onsite_ratings").await, 1, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|st| **st == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .all(|st| [StatusCode::CREATED, StatusCode::OK, StatusCode::CONFLICT].contains(st)));
    // A different visit of the same case is a new rating.
    let other = json!({"case_id": c["id"], "department_id": s.d("HHHT-SCJG"), "level": "satisfied", "visit_ref": "A018"});
    expect(
        s.post("/v1/ratings/onsite", &clerk, &other).await,
        StatusCode::CREATED,
    )
    .await;
}

/// 好差评 only from the case's applicant (ID number or credit code matched through the
/// hashed key on the feed), once; nothing written otherwise.
#[tokio::test]
async fn haocha_ratings_come_from_the_case_applicant_only() {
    let s = spawn().await;
    let c = s.submit_case().await;
    s.pull().await;
    let service = s.token(Role::Service, None);
    let mut body = json!({"case_id": c["id"], "applicant_id": "110105194912310021", "level": "very_satisfied", "channel": "app"});
    problem(
        s.post("/v1/ratings/haocha", &service, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_the_applicant",
        Some("applicant_id"),
    )
    .await;
    assert_eq!(s.count("haocha_ratings").await, 0);
    // The check character's case does not matter; the channel must be a 好差评 channel.
    body["applicant_id"] = json!("91350100m000100y43");
    body["channel"] = json!("carrier-pigeon");
    problem(
        s.post("/v1/ratings/haocha", &service, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("channel"),
    )
    .await;
    body["channel"] = json!("sms");
    expect(
        s.post("/v1/ratings/haocha", &service, &body).await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        s.post("/v1/ratings/haocha", &service, &body).await,
        StatusCode::CONFLICT,
        "already_rated",
        None,
    )
    .await;
    assert_eq!(s.count("haocha_ratings").await, 1);
}

/// One person computes and submits, a different person with the leader role approves;
/// a deduction names its fact; nothing moves on a refusal.
#[tokio::test]
async fn separation_of_duties_and_deductions_with_their_source() {
    let s = spawn().await;
    let scjg = s.d("HHHT-SCJG");
    let c = s.submit_case().await;
    for d in [scjg, s.d("HHHT-ZJJ"), s.d("HHHT-SWJ"), s.d("HHHT-GAJ")] {
        s.approve_branch(&branch(&c, d)).await;
    }
    s.pull().await;
    let assessor = s.token_as(21, Role::Assessor, None);
    problem(
        s.post(
            "/v1/adjustments",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1, "kind": "deduction", "points": 1.0, "reason": "投诉属实"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "deduction_without_source",
        Some("source"),
    )
    .await;
    assert_eq!(s.count("adjustments").await, 0);
    let all = [scjg, s.d("HHHT-ZJJ"), s.d("HHHT-SWJ"), s.d("HHHT-GAJ")];
    manual_all(
        &s,
        &all,
        &["standardisation", "openness", "quality", "integrity"],
        1.0,
    )
    .await;
    expect(
        s.post(
            "/v1/adjustments",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1, "kind": "deduction", "points": 1.0, "reason": "投诉属实", "source": "督查通报〔2026〕3号"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
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
    let id = r["id"].as_i64().unwrap();
    let row = r["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == scjg)
        .unwrap();
    assert_eq!(
        row["breakdown"]["deductions"][0]["source"],
        "督查通报〔2026〕3号"
    );
    // The assessor cannot approve, and nobody approves a draft that was not submitted.
    let leader = s.token_as(22, Role::Leader, None);
    problem(
        s.post(&format!("/v1/results/{id}/approve"), &assessor, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    problem(
        s.post(&format!("/v1/results/{id}/approve"), &leader, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "result_status",
        None,
    )
    .await;
    expect(
        s.post(&format!("/v1/results/{id}/submit"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    // Submitted: the inputs freeze.
    problem(
        s.put(
            "/v1/manual-scores",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1, "category": "quality", "points": 2.0, "evidence": ["x"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "quarter_published",
        None,
    )
    .await;
    // A leader holding the account that computed it (user 21) is still the same person.
    problem(
        s.post(
            &format!("/v1/results/{id}/approve"),
            &s.token_as(21, Role::Leader, None),
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "separation_of_duties",
        None,
    )
    .await;
    let approved = expect(
        s.post(&format!("/v1/results/{id}/approve"), &leader, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["submitted_by"], "user-21");
    assert_eq!(approved["approved_by"], "user-22");
    // Due by the end of 10 April (Asia/Shanghai).
    assert_eq!(approved["publication_due_at"], "2026-04-10T16:00:00Z");
    // Tied totals share a rank: ZJJ, SWJ and GAJ had the same facts and scores.
    let ranks: Vec<i64> = approved["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 1, 1, 4], "{approved}");
    assert_eq!(approved["publication_overdue"], false);

    // Three days before the due moment the office is reminded; after it, the quarter is
    // flagged overdue; each notice once.
    s.clock.set(at("2026-04-08T09:00:00+08:00"));
    let run = expect(
        s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        run["detail"]["publication"]["reminded"],
        json!(["2026Q1"]),
        "{run}"
    );
    s.clock.set(at("2026-04-11T09:00:00+08:00"));
    for _ in 0..2 {
        expect(
            s.post("/v1/jobs/rectification/run", &assessor, &json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    let late = expect(
        s.get(&format!("/v1/results/{id}"), &leader).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(late["publication_overdue"], true);
    let kinds: Vec<String> = {
        use sea_orm::{EntityTrait, QueryOrder};
        outbox::entity::notice::Entity::find()
            .order_by_asc(outbox::entity::notice::Column::Id)
            .all(&s.db)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.kind)
            .filter(|k| k.starts_with("publication"))
            .collect()
    };
    assert_eq!(kinds, ["publication_reminder", "publication_overdue"]);
    // Published late, it stays flagged.
    let published = expect(
        s.post(&format!("/v1/results/{id}/publish"), &leader, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["publication_overdue"], true);
}
