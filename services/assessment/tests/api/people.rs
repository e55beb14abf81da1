//! People: the staff register reaches the assessment service through the feed; ratings name
//! the person and dock only the rated department's worker; a revoked card stops counting
//! against the person; the inspector's entries are checked against the register; the yearly
//! review gives the hall's excellence places and is approved by another person.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// The register's person of a department with a user account (the demo links its staff).
async fn person_of(s: &Services, dept: i32) -> Value {
    let staff = expect(
        s.get(
            &format!("/v1/staff?department_id={dept}"),
            &s.token(Role::Assessor, None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    staff
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"].is_i64())
        .unwrap_or_else(|| panic!("no linked staff in department {dept}: {staff}"))
        .clone()
}

async fn march(s: &Services, staff_id: i64) -> Value {
    let r = expect(
        s.get(
            &format!("/v1/staff/{staff_id}/record?year=2026"),
            &s.token(Role::Inspector, None),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    r["months"][2]["rating"].clone()
}

#[tokio::test]
async fn a_bundle_bad_rating_docks_only_the_rated_departments_worker() {
    let s = spawn().await;
    s.pull().await;
    let (scjg, swj) = (s.d("HHHT-SCJG"), s.d("HHHT-SWJ"));
    let (p_scjg, p_swj) = (person_of(&s, scjg).await, person_of(&s, swj).await);
    let c = s.submit_case().await;
    for (d, p) in [(scjg, &p_scjg), (swj, &p_swj)] {
        s.approve_branch_as(&branch(&c, d), p["user_id"].as_i64().unwrap() as i32)
            .await;
    }
    for d in [s.d("HHHT-ZJJ"), s.d("HHHT-GAJ")] {
        s.approve_branch(&branch(&c, d)).await;
    }
    s.pull().await;
    let service = s.token(Role::Service, None);
    // A person of another department cannot be named for the tax window.
    problem(
        s.post(
            "/v1/ratings/haocha",
            &service,
            &json!({"case_id": c["id"], "applicant_id": "91350100M000100Y43", "level": "very_dissatisfied", "channel": "app", "department_id": swj, "staff_id": p_scjg["staff_id"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff_department_mismatch",
        Some("staff_id"),
    )
    .await;
    expect(
        s.post(
            "/v1/ratings/haocha",
            &service,
            &json!({"case_id": c["id"], "applicant_id": "91350100M000100Y43", "level": "very_dissatisfied", "channel": "app", "department_id": swj, "staff_id": p_swj["staff_id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The on-the-spot evaluator at the business-licence window rates its worker well.
    expect(
        s.post(
            "/v1/ratings/onsite",
            &s.token(Role::Clerk, None),
            &json!({"case_id": c["id"], "department_id": scjg, "level": "very_satisfied", "visit_ref": "A001", "staff_id": p_scjg["staff_id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (m_scjg, m_swj) = (
        march(&s, p_scjg["staff_id"].as_i64().unwrap()).await,
        march(&s, p_swj["staff_id"].as_i64().unwrap()).await,
    );
    assert_eq!(m_swj["facts"]["bad_ratings"], 1, "{m_swj}");
    assert_eq!(
        m_scjg["facts"]["bad_ratings"], 0,
        "the business-licence reviewer of the same case is not docked: {m_scjg}"
    );
    // Both handled one branch on time: 40 + 20 + 20 + 20 = 100 for SCJG's worker; SWJ's
    // loses 5 for the 差评: 95.
    assert_eq!(
        (m_scjg["total"].as_i64(), m_swj["total"].as_i64()),
        (Some(10_000), Some(9_500))
    );
    assert_eq!(m_swj["lines"][3]["points"], 1_500);
}

#[tokio::test]
async fn a_revoked_card_stops_counting_against_the_person() {
    let s = spawn().await;
    s.pull().await;
    let gaj = s.d("HHHT-GAJ");
    let p = person_of(&s, gaj).await;
    let user = p["user_id"].as_i64().unwrap() as i32;
    // The staff system is data: this centre docks 3.00 per yellow card from 2026 on.
    let sysadmin = s.token(Role::Sysadmin, None);
    let mut sys = json!({"business_max": 4000, "e_supervision_max": 2000, "yellow_card": 300, "red_card": 500,
        "statutory_breach": 500, "conduct_max": 2000, "admonition": 500, "measure": 1000, "complaints_max": 2000,
        "valid_complaint": 1000, "bad_rating": 500, "publicity_max": 500, "excellence_share": 2000});
    sys["business_max"] = json!(5000);
    problem(
        s.post(
            "/v1/staff-systems",
            &sysadmin,
            &json!({"year_from": 2026, "definition": sys}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("definition"),
    )
    .await;
    sys["business_max"] = json!(4000);
    problem(
        s.post(
            "/v1/staff-systems",
            &s.token(Role::Assessor, None),
            &json!({"year_from": 2026, "definition": sys}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect(
        s.post(
            "/v1/staff-systems",
            &sysadmin,
            &json!({"year_from": 2026, "definition": sys}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = s.submit_case().await;
    for d in [s.d("HHHT-SCJG"), s.d("HHHT-ZJJ"), s.d("HHHT-SWJ")] {
        s.approve_branch(&branch(&c, d)).await;
    }
    // GAJ's worker reviews in time, then the branch runs late: a yellow card (still open, so it
    // can be revoked).
    let b = branch(&c, gaj);
    let path = format!("/v1/branches/{}/commands", b["id"]);
    for body in [
        json!({"command": "start_review"}),
        json!({"command": "review", "opinion": ""}),
    ] {
        expect(
            s.approval_post(&path, &s.token_as(user, Role::Reviewer, Some(gaj)), &body)
                .await,
            StatusCode::OK,
        )
        .await;
    }
    s.clock.set(at("2026-03-12T10:00:00+08:00"));
    let sup = s.token(Role::Supervisor, None);
    expect(
        s.approval_post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    let staff_id = p["staff_id"].as_i64().unwrap();
    let before = march(&s, staff_id).await;
    assert_eq!(before["facts"]["yellow_cards"], 1, "{before}");
    assert_eq!(
        before["lines"][1]["points"], 1_700,
        "20 − 3.00 under this centre's system"
    );
    let cards = expect(
        s.call(
            reqwest::Method::GET,
            format!("{}/v1/cards?level=yellow", s.approval),
            &sup,
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let card = cards["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject_kind"] == "branch" && c["subject_id"] == b["id"])
        .unwrap_or_else(|| panic!("{cards}"))
        .clone();
    expect(
        s.approval_post(
            &format!("/v1/cards/{}/revoke", card["id"]),
            &sup,
            &json!({"level": "yellow", "reason": "专家论证时间依法不计"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    s.pull().await;
    let after = march(&s, staff_id).await;
    assert_eq!(after["facts"]["yellow_cards"], 0, "{after}");
    assert_eq!(after["lines"][1]["points"], 2_000);
}

#[tokio::test]
async fn inspector_entries_yearly_review_and_who_may_read_a_record() {
    let s = spawn().await;
    s.pull().await;
    let scjg = s.d("HHHT-SCJG");
    let p = person_of(&s, scjg).await;
    let staff_id = p["staff_id"].as_i64().unwrap();
    let inspector = s.token_as(40, Role::Inspector, None);
    let entry = |date: &str, aspect: &str, points: f64| json!({"staff_id": staff_id, "aspect": aspect, "date": date, "kind": "absence", "note": "上班时间脱岗 20 分钟", "points": points, "evidence": ["监控截图 0309"]});
    problem(
        s.post(
            "/v1/staff-entries",
            &inspector,
            &entry("2024-12-31", "conduct", 2.0),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "staff_not_assigned",
        Some("staff_id"),
    )
    .await;
    problem(
        s.post(
            "/v1/staff-entries",
            &inspector,
            &entry("2026-03-09", "conduct", 25.0),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("points"),
    )
    .await;
    problem(
        s.post(
            "/v1/staff-entries",
            &s.token(Role::Assessor, None),
            &entry("2026-03-09", "conduct", 2.0),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    assert_eq!(s.count("staff_entries").await, 0);
    expect(
        s.post(
            "/v1/staff-entries",
            &inspector,
            &entry("2026-03-09", "conduct", 2.0),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = s.submit_case().await;
    s.approve_branch_as(&branch(&c, scjg), p["user_id"].as_i64().unwrap() as i32)
        .await;
    s.pull().await;
    let m = march(&s, staff_id).await;
    // 40 + 20 + (20 − 2) + 20 = 98.00
    assert_eq!(m["total"], 9_800, "{m}");
    // Another department's reviewer may not read this record; the person may.
    problem(
        s.get(
            &format!("/v1/staff/{staff_id}/record?year=2026"),
            &s.token(Role::Reviewer, Some(s.d("HHHT-ZJJ"))),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    )
    .await;
    expect(
        s.get(
            &format!("/v1/staff/{staff_id}/record?year=2026"),
            &s.token_as(
                p["user_id"].as_i64().unwrap() as i32,
                Role::Reviewer,
                Some(scjg),
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // The yearly review: computed by the assessor, approved by a different leader.
    let assessor = s.token_as(21, Role::Assessor, None);
    let y = expect(
        s.post("/v1/staff-years", &assessor, &json!({"year": 2026}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let row = y["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["staff_id"] == staff_id)
        .unwrap()
        .clone();
    assert_eq!(
        (row["daily"].as_f64(), row["grade"].as_str()),
        (Some(98.0), Some("excellent"))
    );
    // One rated person of everyone in the register: ceil(20 % × 1) = 1 place, and it is theirs.
    assert_eq!(row["hall_excellent"], true, "{y}");
    assert_eq!(y["excellence_places"], 1);
    problem(
        s.post(
            "/v1/staff-years/2026/approve",
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
        s.post(
            "/v1/staff-years/2026/approve",
            &s.token_as(22, Role::Leader, None),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    problem(
        s.post("/v1/staff-years", &assessor, &json!({"year": 2026}))
            .await,
        StatusCode::CONFLICT,
        "staff_year_approved",
        None,
    )
    .await;
}
