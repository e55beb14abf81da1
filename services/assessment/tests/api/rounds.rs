//! After publication: second assessment rounds (二次考核) for the units that met the condition,
//! a revision that lifts a failing unit closes its rectification order; before it: the
//! department's self-assessment and peer review, and the volume it reports for a power it
//! never handled in the hall (体外循环).

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::cadre::published_quarter;
use crate::helpers::*;

#[tokio::test]
async fn second_rounds_open_on_publication_and_a_lifting_revision_closes_the_order() {
    // GAJ 49.99 and ZJJ 50.00 fail; SCJG 91.00 and SWJ 96.00 pass with 满意率 100 %.
    let (s, result_id) = published_quarter().await;
    let (zjj, gaj) = (s.d("HHHT-ZJJ"), s.d("HHHT-GAJ"));
    let assessor = s.token(Role::Assessor, None);
    let rounds = expect(s.get("/v1/second-rounds", &assessor).await, StatusCode::OK).await;
    let mut opened: Vec<(i64, String)> = rounds
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["department_id"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    opened.sort();
    let mut want = vec![
        (zjj as i64, "total 50.00 below 60.00".to_string()),
        (gaj as i64, "total 49.99 below 60.00".to_string()),
    ];
    want.sort();
    assert_eq!(opened, want);
    problem(
        s.get("/v1/second-rounds", &s.token(Role::Clerk, None))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    let round = rounds
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department_id"] == gaj)
        .unwrap()
        .clone();
    assert_eq!(round["status"], "open");
    assert_eq!(round["result_id"], result_id);
    let path = format!("/v1/second-rounds/{}/result", round["id"]);
    problem(
        s.post(&path, &assessor, &json!({"score": 72.5, "evidence": [" "]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("evidence"),
    )
    .await;
    problem(
        s.post(
            &path,
            &assessor,
            &json!({"score": 100.01, "evidence": ["复查记录"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("score"),
    )
    .await;
    let scored = expect(
        s.post(
            &path,
            &assessor,
            &json!({"score": 72.5, "evidence": ["复查记录 2026-04-20"], "comment": "整改后复查"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (scored["status"].as_str(), scored["score"].as_f64()),
        (Some("scored"), Some(72.5))
    );
    problem(
        s.post(&path, &assessor, &json!({"score": 80.0, "evidence": ["x"]}))
            .await,
        StatusCode::CONFLICT,
        "second_round_scored",
        None,
    )
    .await;
    // The cadre API shows both rounds.
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
    assert_eq!(mine["annual_score"], 49.99);
    assert_eq!(mine["second_rounds"][0]["score"], 72.5, "{mine}");

    // A revision lifts GAJ above 60: its order closes with the reason; ZJJ's stays open.
    let rev = expect(
        s.post(
            &format!("/v1/results/{result_id}/revisions"),
            &assessor,
            &json!({"reason": "公开类、优质类复核"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for (cat, p) in [("openness", 10.0), ("quality", 10.0)] {
        let body = json!({"department_id": gaj, "year": 2026, "quarter": 1, "category": cat, "points": p, "evidence": ["复核记录"]});
        expect(
            s.put("/v1/manual-scores", &assessor, &body).await,
            StatusCode::OK,
        )
        .await;
    }
    let rid = rev["id"].as_i64().unwrap();
    let recomputed = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(recomputed["id"], rid);
    // 49.99 + 6.50 (openness 3.50 → 10) + 7.00 (quality 3 → 10) = 63.49
    let gaj_row = recomputed["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == gaj)
        .unwrap()
        .clone();
    assert_eq!(gaj_row["total"], 63.49);
    expect(s.approve_result(rid).await, StatusCode::OK).await;
    expect(
        s.post(&format!("/v1/results/{rid}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let sup = s.token(Role::Supervisor, None);
    let orders = expect(s.get("/v1/rectifications", &sup).await, StatusCode::OK).await;
    let status_of = |d: i32| {
        orders
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["department_id"] == d && o["kind"] == "failing_score")
            .map(|o| (o["status"].clone(), o["decision_note"].clone()))
    };
    let (st, note) = status_of(gaj).unwrap();
    assert_eq!(st, "closed");
    assert!(
        note.as_str().unwrap().contains("lifted the score to 63.49"),
        "{note}"
    );
    assert_eq!(status_of(zjj).unwrap().0, "open");
}

#[tokio::test]
async fn self_assessment_peer_review_and_outside_the_hall() {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    let c = s.submit_case().await;
    for d in [scjg, zjj, swj] {
        let b = c["branches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["department_id"] == d)
            .unwrap()
            .clone();
        s.approve_branch(&b).await;
    }
    s.pull().await;
    let gaj_staff = s.token(Role::Approver, Some(gaj));
    let body = json!({"department_id": gaj, "year": 2026, "quarter": 1, "score": 92.0, "summary": "本季度按时办结，无投诉", "evidence": ["自查报告.pdf"]});
    // Only the department's own staff.
    problem(
        s.post(
            "/v1/self-assessments",
            &s.token(Role::Approver, Some(scjg)),
            &body,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    problem(
        s.post(
            "/v1/self-assessments",
            &gaj_staff,
            &json!({"department_id": gaj, "year": 2026, "quarter": 1, "score": 92.0, "summary": "x", "evidence": []}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("evidence"),
    )
    .await;
    expect(
        s.post("/v1/self-assessments", &gaj_staff, &body).await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        s.post("/v1/self-assessments", &gaj_staff, &body).await,
        StatusCode::CONFLICT,
        "already_submitted",
        None,
    )
    .await;
    // Peer review: only partners on a case of the quarter, never oneself.
    let peer = |to: i32| json!({"from_department_id": gaj, "to_department_id": to, "year": 2026, "quarter": 1, "score": 85.0, "comment": "配合及时"});
    problem(
        s.post("/v1/peer-reviews", &gaj_staff, &peer(gaj)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("to_department_id"),
    )
    .await;
    problem(
        s.post("/v1/peer-reviews", &gaj_staff, &peer(s.d("HHHT-SGB")))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_shared_bundle",
        Some("to_department_id"),
    )
    .await;
    expect(
        s.post("/v1/peer-reviews", &gaj_staff, &peer(scjg)).await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        s.post("/v1/peer-reviews", &gaj_staff, &peer(scjg)).await,
        StatusCode::CONFLICT,
        "already_rated",
        None,
    )
    .await;
    // SCJG reports 40 cases this quarter for its second power, which has no catalogue item:
    // handled outside the hall.
    let assessor = s.token(Role::Assessor, None);
    problem(
        s.put(
            "/v1/power-volumes",
            &assessor,
            &json!({"power_code": "NO-SUCH", "year": 2026, "quarter": 1, "count": 3, "source": "统计报表"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("power_code"),
    )
    .await;
    expect(
        s.put(
            "/v1/power-volumes",
            &assessor,
            &json!({"power_code": "HHHT-SCJG-QL-002", "year": 2026, "quarter": 1, "count": 40, "source": "市场监管局季度统计表"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    manual_all(
        &s,
        &[scjg, zjj, swj, gaj],
        &["standardisation", "openness", "quality", "integrity"],
        1.0,
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
    let row = |d: i32| {
        r["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["department_id"] == d)
            .unwrap()["breakdown"]
            .clone()
    };
    // Shown, not counted (weights 0 in the default system).
    assert_eq!(
        row(gaj)["self_assessment"],
        json!({"score": 9200, "count": 1, "weight": 0, "counted": false})
    );
    assert_eq!(
        row(scjg)["peer_review"],
        json!({"score": 8500, "count": 1, "weight": 0, "counted": false})
    );
    let f = row(scjg)["findings"].clone();
    assert_eq!(f["powers_not_covered"], json!(["HHHT-SCJG-QL-002"]));
    // Must be in the hall, 40 cases reported elsewhere, none on the platform: 体外循环.
    assert_eq!(
        f["outside_hall"][0]["power_code"], "HHHT-SCJG-QL-002",
        "{f}"
    );
    assert_eq!(f["outside_hall"][0]["reported_volume"], 40);
    // Submitted: the quarter is closed to self-assessments.
    let id = r["id"].as_i64().unwrap();
    expect(
        s.post(&format!("/v1/results/{id}/submit"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    problem(
        s.post(
            "/v1/self-assessments",
            &s.token(Role::Reviewer, Some(zjj)),
            &json!({"department_id": zjj, "year": 2026, "quarter": 1, "score": 90.0, "summary": "自查", "evidence": ["报告"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "quarter_published",
        None,
    )
    .await;
}
