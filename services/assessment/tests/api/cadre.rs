//! The organization department's API on worked examples computed by hand.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// 2026Q1 published with hand-computed totals:
/// Coverage comes from the demo power list: one power each for ZJJ, SWJ and GAJ, all with
/// their item (100 %); SCJG has two, one without an item (50 %).
/// - SCJG: coverage 5 + efficiency 20 + data exchange 10 + satisfaction 15 (很满意: 满意率 100 %)
///   + volume 1 + manual 40 = 91.00
/// - ZJJ: 10 + 20 + 10 + 0 (一般 is not satisfied: 满意率 0 %) + 1 + manual 9 = 50.00
/// - GAJ: 10 + 10 (one of two late: 20 × (0.8 × 50 % + 0.2 × 50 %)) + 10 + 0 (不满意) + 1
///   + manual 19.49 (8.99 + 3.5 + 3 + 4) − 0.50 (the late branch's yellow card) = 49.99
/// - SWJ: 10 + 20 + 10 + 15 + 1 + 40 = 96.00
///
/// The late GAJ branch is handled by staff member 201 (review Monday, approval Wednesday).
pub async fn published_quarter() -> (Services, i64) {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    let c1 = s.submit_case().await;
    let c2 = s.submit_case().await;
    for d in [scjg, zjj, swj, gaj] {
        s.approve_branch(&branch(&c1, d)).await;
    }
    for d in [scjg, zjj, swj] {
        s.approve_branch(&branch(&c2, d)).await;
    }
    let late = branch(&c2, gaj);
    let path = format!("/v1/branches/{}/commands", late["id"]);
    for b in [
        json!({"command": "start_review"}),
        json!({"command": "review", "opinion": ""}),
    ] {
        expect(
            s.approval_post(&path, &s.token_as(201, Role::Reviewer, Some(gaj)), &b)
                .await,
            StatusCode::OK,
        )
        .await;
    }
    s.clock.set(at("2026-03-11T09:00:00+08:00"));
    expect(
        s.approval_post(
            "/v1/supervision/jobs/sweep/run",
            &s.token(Role::Supervisor, None),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect(
        s.approval_post(
            &path,
            &s.token_as(201, Role::Approver, Some(gaj)),
            &json!({"command": "approve", "opinion": ""}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let clerk = s.token(Role::Clerk, None);
    for (d, pts, level) in [
        (scjg, [15.0, 10.0, 10.0, 5.0], "very_satisfied"),
        (swj, [15.0, 10.0, 10.0, 5.0], "very_satisfied"),
        (zjj, [9.0, 0.0, 0.0, 0.0], "average"),
        (gaj, [8.99, 3.5, 3.0, 4.0], "dissatisfied"),
    ] {
        for (cat, p) in ["standardisation", "openness", "quality", "integrity"]
            .iter()
            .zip(pts)
        {
            let body = json!({"department_id": d, "year": 2026, "quarter": 1, "category": cat, "points": p, "evidence": ["检查记录"]});
            expect(
                s.put("/v1/manual-scores", &assessor, &body).await,
                StatusCode::OK,
            )
            .await;
        }
        expect(
            s.post(
                "/v1/ratings/onsite",
                &clerk,
                &json!({"case_id": c1["id"], "department_id": d, "level": level, "visit_ref": format!("V-{d}")}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
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
    let id = r["id"].as_i64().unwrap();
    let totals: Vec<(i64, f64)> = r["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["department_id"].as_i64().unwrap(),
                d["total"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        totals.contains(&(gaj as i64, 49.99))
            && totals.contains(&(zjj as i64, 50.0))
            && totals.contains(&(scjg as i64, 91.0))
            && totals.contains(&(swj as i64, 96.0)),
        "{totals:?}"
    );
    expect(s.approve_result(id).await, StatusCode::OK).await;
    expect(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    (s, id)
}

fn row(page: &Value, dept: i32) -> Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department_id"] == dept)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn presets_on_worked_examples_with_provenance() {
    let (s, result_id) = published_quarter().await;
    let org = s.token(Role::OrgDept, None);
    let (swj, zjj, gaj) = (s.d("HHHT-SWJ"), s.d("HHHT-ZJJ"), s.d("HHHT-GAJ"));
    // Only Q1 is published: the year is refused naming the other quarters...
    let p = problem(
        s.get("/v1/cadre/departments?year=2026&scheme=hohhot", &org)
            .await,
        StatusCode::CONFLICT,
        "quarters_unpublished",
        Some("year"),
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("2026Q2, 2026Q3, 2026Q4"),
        "{p}"
    );
    // ...unless the caller asks for the published quarters only.
    let h = expect(
        s.get(
            "/v1/cadre/departments?year=2026&scheme=hohhot&allow_partial=true",
            &org,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Hohhot: 35 % of the annual score (the mean of the quarters used).
    let r = row(&h, swj);
    assert_eq!(
        (
            r["annual_score"].as_f64(),
            r["contribution"].as_f64(),
            r["out_of"].as_f64()
        ),
        (Some(96.0), Some(33.6), Some(35.0))
    );
    assert_eq!(r["detail"]["second_assessment"], false);
    let r = row(&h, gaj);
    assert_eq!(
        r["contribution"].as_f64(),
        Some(17.5),
        "49.99 × 35 % = 17.4965 → 17.50"
    );
    assert_eq!(
        r["detail"]["second_assessment"], true,
        "satisfaction 0 % < 80 %: 二次考核"
    );
    assert_eq!(r["provenance"]["scheme_key"], "hohhot");
    assert_eq!(
        r["provenance"]["quarters"],
        json!([{"year": 2026, "quarter": 1, "revision_id": result_id}])
    );
    assert!(!r["provenance"]["indicator_contributions"]
        .as_array()
        .unwrap()
        .is_empty());
    // Qingyang: 10 of 100 target points; a window below 50 earns 0.
    let q = expect(
        s.get(
            "/v1/cadre/departments?year=2026&scheme=qingyang&allow_partial=true",
            &org,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let r = row(&q, gaj);
    assert_eq!(
        (r["contribution"].as_f64(), r["detail"]["zeroed"].as_bool()),
        (Some(0.0), Some(true)),
        "49.99 → 0"
    );
    // Party conduct 5 × integrity 4/5 = 4.00; rule of law 2 × standardisation 8.99/15 = 1.20.
    assert_eq!(
        (
            r["detail"]["party_conduct"].as_i64(),
            r["detail"]["rule_of_law"].as_i64()
        ),
        (Some(400), Some(120))
    );
    assert_eq!(
        row(&q, zjj)["contribution"].as_f64(),
        Some(5.0),
        "50.00 → 5.00"
    );
    assert_eq!(row(&q, swj)["contribution"].as_f64(), Some(9.6));
    let one = expect(
        s.get(
            &format!("/v1/cadre/departments/{gaj}?year=2026&scheme=qingyang&allow_partial=true"),
            &org,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["contribution"].as_f64(), Some(0.0));

    // Staff member 201 (GAJ), not in the staff register: in March one branch handled, its
    // approval late (3 actions, 2 on time) → 审批业务办理 40 × 0 / 1 = 0; one yellow card on it →
    // 电子监察结果 20 − 2 = 18; 人员行为规范 20; 被投诉情况 20 (the 不满意 rating names no
    // person); 宣传报道 0: March 58.00, the only rated month → daily 58.00; review 80 →
    // 0.7 × 58 + 0.3 × 80 = 64.60.
    let assessor = s.token(Role::Assessor, None);
    expect(s.put("/v1/staff-reviews", &assessor, &json!({"user_id": 201, "department_id": gaj, "year": 2026, "points": 80, "comment": "年终述职"})).await, StatusCode::OK).await;
    let staff = expect(
        s.get(
            &format!("/v1/cadre/staff?year=2026&scheme=qingyang&department_id={gaj}"),
            &org,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let me = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == 201)
        .unwrap()
        .clone();
    assert_eq!(
        (
            me["actions"].as_i64(),
            me["actions_on_time"].as_i64(),
            me["cards"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(
        (
            me["daily"].as_f64(),
            me["review"].as_f64(),
            me["score"].as_f64()
        ),
        (Some(58.0), Some(80.0), Some(64.6))
    );
    problem(
        s.get("/v1/cadre/staff?year=2026&scheme=hohhot", &org).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("scheme"),
    )
    .await;
}

#[tokio::test]
async fn a_new_revision_changes_the_pulled_score_and_its_etag() {
    let (s, result_id) = published_quarter().await;
    let org = s.token(Role::OrgDept, None);
    let gaj = s.d("HHHT-GAJ");
    let path = format!("/v1/cadre/departments/{gaj}?year=2026&scheme=qingyang&allow_partial=true");
    let r = s.get(&path, &org).await;
    let etag = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let before = expect(r, StatusCode::OK).await;
    assert_eq!(before["contribution"].as_f64(), Some(0.0));
    let r = s
        .client
        .get(format!("{}{}", s.assessment, path))
        .bearer_auth(&org)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_MODIFIED,
        "unchanged since the last pull"
    );
    // A correction: revision 2 raises GAJ's integrity score by one point → 50.99.
    let assessor = s.token(Role::Assessor, None);
    let rev = expect(
        s.post(
            &format!("/v1/results/{result_id}/revisions"),
            &assessor,
            &json!({"reason": "廉洁类复核加分"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let body = json!({"department_id": gaj, "year": 2026, "quarter": 1, "category": "integrity", "points": 5.0, "evidence": ["复核意见书"]});
    expect(
        s.put("/v1/manual-scores", &assessor, &body).await,
        StatusCode::OK,
    )
    .await;
    let rerun = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(rerun["id"], rev["id"], "the open revision is recomputed");
    let rid = rev["id"].as_i64().unwrap();
    // Not yet published: the pull still shows revision 1.
    let r = s
        .client
        .get(format!("{}{}", s.assessment, path))
        .bearer_auth(&org)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    expect(s.approve_result(rid).await, StatusCode::OK).await;
    expect(
        s.post(&format!("/v1/results/{rid}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let r = s
        .client
        .get(format!("{}{}", s.assessment, path))
        .bearer_auth(&org)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a new revision is a change");
    assert_ne!(r.headers().get("etag").unwrap().to_str().unwrap(), etag);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["annual_score"].as_f64(), Some(50.99));
    assert_eq!(
        after["contribution"].as_f64(),
        Some(5.1),
        "50.99 / 100 × 10"
    );
    assert_eq!(after["provenance"]["quarters"][0]["revision_id"], rid);
}

#[tokio::test]
async fn bad_requests_and_the_rate_limit() {
    let s = spawn().await;
    let org = s.token(Role::OrgDept, None);
    problem(
        s.get("/v1/cadre/departments?year=2026&scheme=moscow", &org)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_scheme",
        Some("scheme"),
    )
    .await;
    problem(
        s.get("/v1/cadre/departments?year=1850&scheme=hohhot", &org)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("year"),
    )
    .await;
    problem(
        s.get("/v1/cadre/departments?year=2026&scheme=hohhot", &org)
            .await,
        StatusCode::CONFLICT,
        "quarters_unpublished",
        Some("year"),
    )
    .await;
    problem(
        s.get(
            "/v1/cadre/departments?year=2026&scheme=hohhot",
            &s.token(Role::Clerk, None),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let sysadmin = s.token(Role::Sysadmin, None);
    let bad = json!({"key": "half", "version": 1, "kind": {"type": "qingyang", "window_points": 1000, "zero_below": 5000, "daily_share": 60, "review_share": 30, "party_conduct_points": 500, "rule_of_law_points": 200, "integrity_category": "integrity", "standardisation_category": "standardisation"}});
    problem(
        s.post("/v1/weighting-schemes", &sysadmin, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("kind"),
    )
    .await;
    let schemes = expect(s.get("/v1/weighting-schemes", &org).await, StatusCode::OK).await;
    assert_eq!(
        schemes
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["hohhot", "qingyang"]
    );

    // A second assessment service with a limit of 3 requests a minute per client.
    let settings = assessment::state::AssessmentSettings {
        approval_url: s.approval.clone(),
        feed_consumer: false,
        scheduler_enabled: false,
        cadre_rate_limit: 3,
        approval_client_secret: Some(CLIENT_SECRET.into()),
        ..Default::default()
    };
    let app = assessment::startup::Application::build_with(
        config("assessment", &s.assessment_db_url),
        settings,
        std::sync::Arc::new(s.clock.clone()),
    )
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = s.token(Role::Service, None);
    for _ in 0..3 {
        let r = s
            .client
            .get(format!(
                "{url}/v1/cadre/departments?year=2026&scheme=hohhot"
            ))
            .bearer_auth(&client)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
    let r = s
        .client
        .get(format!(
            "{url}/v1/cadre/departments?year=2026&scheme=hohhot"
        ))
        .bearer_auth(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "rate_limited");
    // Another client is not affected.
    let other = s.token_as(99, Role::OrgDept, None);
    let r = s
        .client
        .get(format!(
            "{url}/v1/cadre/departments?year=2026&scheme=hohhot"
        ))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
}
