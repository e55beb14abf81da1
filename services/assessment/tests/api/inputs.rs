use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn manual_scores_ratings_and_samples_refuse_bad_input() {
    let s = spawn().await;
    let c = s.submit_case().await;
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let gaj = s.d("HHHT-GAJ");
    let base = json!({"department_id": gaj, "year": 2026, "quarter": 1, "category": "integrity", "points": 4.5, "evidence": ["廉政检查 03"]});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    problem(
        s.put("/v1/manual-scores", &assessor, &with("points", json!(5.01)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("points"),
    )
    .await;
    problem(
        s.put("/v1/manual-scores", &assessor, &with("points", json!(-1)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("points"),
    )
    .await;
    problem(
        s.put("/v1/manual-scores", &assessor, &with("evidence", json!([])))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("evidence"),
    )
    .await;
    problem(
        s.put(
            "/v1/manual-scores",
            &assessor,
            &with("evidence", json!(["  "])),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("evidence"),
    )
    .await;
    problem(
        s.put(
            "/v1/manual-scores",
            &assessor,
            &with("category", json!("efficiency")),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("category"),
    )
    .await;
    problem(
        s.put("/v1/manual-scores", &assessor, &with("quarter", json!(5)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("quarter"),
    )
    .await;
    problem(
        s.put("/v1/manual-scores", &s.token(Role::Clerk, None), &base)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(s.count("manual_scores").await, 0);
    expect(
        s.put("/v1/manual-scores", &assessor, &base).await,
        StatusCode::OK,
    )
    .await;
    let v = expect(
        s.put("/v1/manual-scores", &assessor, &with("points", json!(3.25)))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["points"], 3.25);
    assert_eq!(s.count("manual_scores").await, 1, "replaced, not added");

    let rating = json!({"case_id": c["id"], "applicant_id": "91350100M000100Y43", "level": "satisfied", "channel": "app"});
    problem(
        s.post(
            "/v1/ratings/haocha",
            &assessor,
            &json!({"case_id": 999, "applicant_id": "X", "level": "satisfied", "channel": "app"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("case_id"),
    )
    .await;
    problem(
        s.post(
            "/v1/ratings/haocha",
            &assessor,
            &json!({"case_id": c["id"], "applicant_id": "X", "level": "meh", "channel": "app"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("level"),
    )
    .await;
    let r = expect(
        s.post("/v1/ratings/haocha", &assessor, &rating).await,
        StatusCode::CREATED,
    )
    .await;
    assert!(
        r["rectification_ids"].as_array().unwrap().is_empty(),
        "a good rating opens nothing"
    );
    problem(
        s.post("/v1/ratings/haocha", &assessor, &rating).await,
        StatusCode::CONFLICT,
        "already_rated",
        None,
    )
    .await;
    problem(
        s.post(
            "/v1/ratings/onsite",
            &s.token(Role::Clerk, None),
            &json!({"case_id": c["id"], "department_id": 9999, "level": "satisfied", "visit_ref": "V-1"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("department_id"),
    )
    .await;

    // A quarter without every manual score cannot be scored: the 422 names what is missing.
    let p = problem(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "inputs_incomplete",
        None,
    )
    .await;
    assert!(p["errors"].as_array().unwrap().len() >= 4, "{p}");
    assert_eq!(s.count("quarter_results").await, 0, "nothing written");
}

#[tokio::test]
async fn callback_samples_are_reproducible_from_their_seed() {
    let s = spawn().await;
    for _ in 0..5 {
        s.submit_case().await;
    }
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let callcenter = s.token_as(30, Role::Callcenter, None);
    let scjg = s.d("HHHT-SCJG");
    // Drawn from the whole quarter: not before it ends.
    problem(
        s.post(
            "/v1/callback-samples",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CONFLICT,
        "quarter_not_ended",
        None,
    )
    .await;
    s.clock.set(at("2026-04-01T09:00:00+08:00"));
    // The assessor does not choose the seed.
    problem(
        s.post(
            "/v1/callback-samples",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1, "seed": 20260401u64}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_field",
        Some("seed"),
    )
    .await;
    problem(
        s.post(
            "/v1/callback-samples",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1, "size": 10}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("size"),
    )
    .await;
    let sample = expect(
        s.post(
            "/v1/callback-samples",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(sample["population"], 5);
    // The seed was derived from the recorded basis (quarter, department, feed head).
    let basis = sample["seed_basis"].as_str().unwrap().to_string();
    assert!(
        basis.starts_with(&format!("callback:2026Q1:department:{scjg}:feed:")),
        "{basis}"
    );
    let seed = platform::identity::derived_seed(&basis);
    assert_eq!(sample["seed"], seed);
    // Fewer applicants than 30: all of them, in the order the recorded seed gives.
    let case_ids: Vec<i64> = sample["case_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let mut population: Vec<i64> = case_ids.clone();
    population.sort();
    assert_eq!(case_ids, scoring::draw_sample(&population, 30, seed));
    problem(
        s.post(
            "/v1/callback-samples",
            &assessor,
            &json!({"department_id": scjg, "year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_drawn",
        None,
    )
    .await;
    let sid = sample["id"].as_i64().unwrap();
    let first = case_ids[0];
    // Only the assessors and the call centre see the sample; only the call centre answers.
    for role in [Role::Clerk, Role::OrgDept, Role::Supervisor, Role::Leader] {
        problem(
            s.get(&format!("/v1/callback-samples/{sid}"), &s.token(role, None))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        )
        .await;
    }
    expect(
        s.get(&format!("/v1/callback-samples/{sid}"), &callcenter)
            .await,
        StatusCode::OK,
    )
    .await;
    problem(
        s.post(
            &format!("/v1/callback-samples/{sid}/answers"),
            &assessor,
            &json!({"case_id": first, "level": "satisfied"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect(
        s.post(
            &format!("/v1/callback-samples/{sid}/answers"),
            &callcenter,
            &json!({"case_id": first, "level": "satisfied", "comment": "办事很顺利", "suggestion": "希望增加周末窗口"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    problem(
        s.post(
            &format!("/v1/callback-samples/{sid}/answers"),
            &callcenter,
            &json!({"case_id": first, "level": "satisfied"}),
        )
        .await,
        StatusCode::CONFLICT,
        "already_answered",
        None,
    )
    .await;
    problem(
        s.post(
            &format!("/v1/callback-samples/{sid}/answers"),
            &callcenter,
            &json!({"case_id": 424242, "level": "satisfied"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("case_id"),
    )
    .await;
}

#[tokio::test]
async fn indicator_systems_are_data_and_validated() {
    let s = spawn().await;
    let sysadmin = s.token(Role::Sysadmin, None);
    let list = expect(
        s.get("/v1/indicator-systems", &sysadmin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list[0]["key"], "fenghua-default");
    let mut def = list[0]["definition"].clone();
    def["id"] = json!("fenghua-2027");
    expect(
        s.post(
            "/v1/indicator-systems",
            &sysadmin,
            &json!({"key": "fenghua-2027", "year_from": 2027, "definition": def}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // A system whose categories add up to 99 is refused.
    let mut bad = def.clone();
    bad["categories"][0]["max_points"] =
        json!(bad["categories"][0]["max_points"].as_i64().unwrap() - 100);
    problem(
        s.post(
            "/v1/indicator-systems",
            &sysadmin,
            &json!({"key": "broken", "year_from": 2028, "definition": bad}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("definition"),
    )
    .await;
    problem(
        s.post(
            "/v1/indicator-systems",
            &sysadmin,
            &json!({"key": "fenghua-2027", "year_from": 2027, "definition": def}),
        )
        .await,
        StatusCode::CONFLICT,
        "duplicate_key",
        Some("key"),
    )
    .await;
    problem(
        s.post(
            "/v1/indicator-systems",
            &s.token(Role::Assessor, None),
            &json!({"key": "x", "year_from": 2027, "definition": def}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
}
