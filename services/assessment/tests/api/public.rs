//! What the public sees of the assessment: the applicant rates each department of their case
//! after its decision with the case number and check code, once, and sees the answer to a
//! 差评; a wrong code and an unknown case look the same; the published ranking is public; and
//! 公开类 computed from the guides and the timely publication of decisions.

use platform::auth::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// The applicant's check code in `case_body()`: the last 6 of 91350100M000100Y43.
const CHECK: &str = "100Y43";

async fn public_post(s: &Services, path: &str, body: &Value) -> reqwest::Response {
    s.client
        .post(format!("{}{path}", s.assessment))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_applicant_rates_after_the_decision_once_and_sees_the_reply() {
    let s = spawn().await;
    let (scjg, zjj) = (s.d("HHHT-SCJG"), s.d("HHHT-ZJJ"));
    let c = s.submit_case().await;
    s.approve_branch(&branch(&c, scjg)).await;
    s.pull().await;
    let case_no = c["case_no"].as_str().unwrap().to_string();
    let body = |check: &str, dept: i32, level: &str| json!({"case_no": case_no, "check": check, "department_id": dept, "level": level, "comment": "窗口让我跑了两次"});
    // Wrong code and unknown case: the same answer, byte for byte; nothing written.
    // Each answer carries its own request's trace id (random per request): left out of the
    // comparison.
    let trace = |r: &reqwest::Response| r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let wrong = public_post(&s, "/v1/public/ratings", &body("000000", scjg, "satisfied")).await;
    let wt = trace(&wrong);
    let (ws, wb) = (wrong.status(), wrong.text().await.unwrap());
    let unknown = public_post(
        &s,
        "/v1/public/ratings",
        &json!({"case_no": "NO-SUCH-CASE", "check": CHECK, "department_id": scjg, "level": "satisfied"}),
    )
    .await;
    let ut = trace(&unknown);
    let (us, ub) = (unknown.status(), unknown.text().await.unwrap());
    assert!(wb.contains(&wt) && ub.contains(&ut));
    let (wb, ub) = (wb.replace(&wt, "<trace>"), ub.replace(&ut, "<trace>"));
    assert_eq!((ws, &wb), (us, &ub));
    assert_eq!(ws, StatusCode::NOT_FOUND);
    assert!(!wb.contains(&case_no), "{wb}");
    // Not yet decided: ZJJ.
    problem(
        public_post(&s, "/v1/public/ratings", &body(CHECK, zjj, "satisfied")).await,
        StatusCode::CONFLICT,
        "not_decided",
        Some("department_id"),
    )
    .await;
    let mut long = body(CHECK, scjg, "satisfied");
    long["comment"] = json!("长".repeat(501));
    problem(
        public_post(&s, "/v1/public/ratings", &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("comment"),
    )
    .await;
    assert_eq!(s.count("haocha_ratings").await, 0);
    // The check code is case-insensitive; a 差评 opens verification and rectification.
    let r = expect(
        public_post(
            &s,
            "/v1/public/ratings",
            &body(&CHECK.to_lowercase(), scjg, "very_dissatisfied"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(r["rectification_ids"].as_array().unwrap().len(), 1);
    problem(
        public_post(&s, "/v1/public/ratings", &body(CHECK, scjg, "satisfied")).await,
        StatusCode::CONFLICT,
        "already_rated",
        None,
    )
    .await;
    // The department answers the 差评; the applicant sees the reply.
    let rid = r["rectification_ids"][0].as_i64().unwrap();
    expect(
        s.post(
            &format!("/v1/rectifications/{rid}/submit"),
            &s.token(Role::Approver, Some(scjg)),
            &json!({"text": "已电话致歉，并已一次性告知所需材料"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let st = expect(
        public_post(
            &s,
            "/v1/public/ratings/status",
            &json!({"case_no": case_no, "check": CHECK}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mine = st["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == scjg)
        .unwrap()
        .clone();
    assert_eq!(mine["rating"], "very_dissatisfied");
    assert_eq!(mine["reply"]["status"], "submitted");
    assert_eq!(
        mine["reply"]["answer"],
        "已电话致歉，并已一次性告知所需材料"
    );
    // The page shows the same to a browser, with no cookie and no one else's data.
    let page = s
        .client
        .get(format!(
            "{}/public/rate?case_no={case_no}&check={CHECK}",
            s.assessment
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get("set-cookie").is_none());
    let html = page.text().await.unwrap();
    assert!(html.contains("已提交整改报告，待审核"), "{html}");
    assert!(html.contains("已电话致歉"), "{html}");
    assert!(html.contains("已评价：非常不满意"), "{html}");
    assert!(html.contains("办结后可评价"), "ZJJ has not decided: {html}");
    assert!(
        !html.contains("91350100M000100Y43"),
        "no ID number on the page"
    );
    // Recorded as this channel.
    use sea_orm::EntityTrait;
    let rows = assessment::entities::haocha_rating::Entity::find()
        .all(&s.db)
        .await
        .unwrap();
    assert_eq!(rows[0].channel.as_deref(), Some("public"));
    // The form post works too, and a wrong code on the page reads like an unknown case.
    let wrong_page = s
        .client
        .get(format!(
            "{}/public/rate?case_no={case_no}&check=000000",
            s.assessment
        ))
        .send()
        .await
        .unwrap();
    let unknown_page = s
        .client
        .get(format!(
            "{}/public/rate?case_no=NO-SUCH&check=000000",
            s.assessment
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_page.status(), unknown_page.status());
    assert_eq!(
        wrong_page.text().await.unwrap(),
        unknown_page.text().await.unwrap()
    );
}

#[tokio::test]
async fn openness_is_computed_from_guides_and_timely_publication() {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    let admin = s.token(Role::Admin, None);
    let list = expect(s.get("/v1/indicator-systems", &admin).await, StatusCode::OK).await;
    let mut def = list[0]["definition"].clone();
    for c in def["categories"].as_array_mut().unwrap() {
        if c["key"] == "openness" {
            c["source"] = json!({"computed": "openness"});
        }
    }
    def["id"] = json!("fenghua-open");
    expect(
        s.post(
            "/v1/indicator-systems",
            &admin,
            &json!({"key": "fenghua-open", "year_from": 2026, "definition": def}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = s.submit_case().await;
    for d in [scjg, zjj, swj] {
        s.approve_branch(&branch(&c, d)).await;
    }
    // GAJ decided on Monday but reported it on Thursday: not published in time.
    let b = branch(&c, gaj);
    let path = format!("/v1/branches/{}/commands", b["id"]);
    let reviewer = s.token(Role::Reviewer, Some(gaj));
    for body in [
        json!({"command": "start_review"}),
        json!({"command": "review", "opinion": ""}),
    ] {
        expect(
            s.approval_post(&path, &reviewer, &body).await,
            StatusCode::OK,
        )
        .await;
    }
    s.clock.set(at("2026-03-12T10:00:00+08:00"));
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
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    manual_all(
        &s,
        &[scjg, zjj, swj, gaj],
        &["standardisation", "quality", "integrity"],
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
    assert_eq!(r["system_key"], "fenghua-open");
    let openness = |d: i32| -> Value {
        r["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["department_id"] == d)
            .unwrap()["breakdown"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "openness")
            .unwrap()
            .clone()
    };
    // No rating in this quarter: satisfaction's 15 are shared over the applicable rates
    // (coverage 10, efficiency 20, data exchange 10, openness 10 of 50), openness gets 3 → 13.00.
    // ZJJ: its one item has a complete guide (100 %), its approval was on the list at once
    // (100 %): 13.00. GAJ: guide 100 %, publication 0 of 1: 0.5 × 100 + 0.5 × 0 = 50 % → 6.50.
    let z = openness(zjj);
    assert_eq!(
        (
            &z["inputs"]["guide_rate"],
            &z["inputs"]["publication_rate"],
            &z["points"]
        ),
        (&json!(10_000), &json!(10_000), &json!(1_300)),
        "{z}"
    );
    let g = openness(gaj);
    assert_eq!(
        (
            &g["inputs"]["active_items"],
            &g["inputs"]["publishable"],
            &g["inputs"]["published_in_time"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{g}"
    );
    assert_eq!(g["points"], 650, "{g}");
    // Published, the ranking is public.
    let id = r["id"].as_i64().unwrap();
    expect(s.approve_result(id).await, StatusCode::OK).await;
    expect(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let public = s
        .client
        .get(format!("{}/v1/public/results", s.assessment))
        .send()
        .await
        .unwrap();
    let public: Value = expect(public, StatusCode::OK).await;
    assert_eq!(public[0]["ranking"].as_array().unwrap().len(), 4);
    assert!(public[0]["ranking"][0].get("breakdown").is_none());
    let page = s
        .client
        .get(format!("{}/public/results", s.assessment))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("2026年第1季度"), "{page}");
}

/// A citizen's browser: the rating page after a 差评 shows the department's reply, and a
/// wrong check code reads like an unknown case; rendered by headless Chromium.
#[tokio::test]
async fn the_rating_page_and_its_reply_render_in_headless_chromium() {
    let Some(bin) =
        crate::console::chromium("the_rating_page_and_its_reply_render_in_headless_chromium")
    else {
        return;
    };
    let s = spawn().await;
    let scjg = s.d("HHHT-SCJG");
    let c = s.submit_case().await;
    s.approve_branch(&branch(&c, scjg)).await;
    s.pull().await;
    let case_no = c["case_no"].as_str().unwrap().to_string();
    // The rating form posts like a browser form.
    let posted = s
        .client
        .post(format!("{}/public/rate", s.assessment))
        .form(&[
            ("case_no", case_no.as_str()),
            ("check", CHECK),
            ("department_id", &scjg.to_string()),
            ("level", "dissatisfied"),
            ("comment", "材料清单不清楚"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::CREATED);
    assert!(posted
        .text()
        .await
        .unwrap()
        .contains("您的差评已转交核实整改"));
    let rid = expect(
        s.get("/v1/rectifications", &s.token(Role::Supervisor, None))
            .await,
        StatusCode::OK,
    )
    .await[0]["id"]
        .as_i64()
        .unwrap();
    expect(
        s.post(
            &format!("/v1/rectifications/{rid}/submit"),
            &s.token(Role::Approver, Some(scjg)),
            &json!({"text": "已修订材料清单并回访申请人"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let dom = |url: String| {
        let bin = bin.clone();
        tokio::task::spawn_blocking(move || crate::console::run_chromium(&bin, "--dump-dom", &url))
    };
    let page = dom(format!(
        "{}/public/rate?case_no={case_no}&check={CHECK}",
        s.assessment
    ))
    .await
    .unwrap();
    assert!(page.contains("已评价：不满意"), "{page}");
    assert!(page.contains("已修订材料清单并回访申请人"), "{page}");
    let wrong = dom(format!(
        "{}/public/rate?case_no={case_no}&check=000000",
        s.assessment
    ))
    .await
    .unwrap();
    let unknown = dom(format!(
        "{}/public/rate?case_no=NO-SUCH&check=000000",
        s.assessment
    ))
    .await
    .unwrap();
    assert_eq!(wrong, unknown);
    assert!(
        wrong.contains("没有与该受理编号和校验码匹配的办件"),
        "{wrong}"
    );
}
