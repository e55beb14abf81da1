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
    let sysadmin = s.token(Role::Sysadmin, None);
    let list = expect(
        s.get("/v1/indicator-systems", &sysadmin).await,
        StatusCode::OK,
    )
    .await;
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
            &sysadmin,
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

/// The lookup form of the approval service filled in and sent; the page's main text.
async fn look_up(c: &fantoccini::Client, approval: &str, no: &str, check: &str) -> String {
    use fantoccini::Locator;
    c.goto(&format!("{approval}/public/lookup")).await.unwrap();
    for (id, text) in [("case_no", no), ("check", check)] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    let send = c
        .find(Locator::Css("form[action='/public/lookup'] button"))
        .await
        .unwrap();
    crate::browser::click_and_wait(c, send).await;
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A citizen in a real browser (chromedriver + headless Chromium), clicking and typing as a
/// person does: finds the Hohhot bundle's guide from the guide's front page and prints it (A4
/// PDF); looks up the case with a wrong check code and with an unknown number (the two pages
/// are the same) and then with the right one; follows the result page's 评价 link to the
/// assessment service, rates the decided department 不满意 with a comment, and once the
/// department has answered the rectification, sees the answer on the same page.
#[tokio::test]
async fn a_citizen_looks_up_rates_and_sees_the_reply_in_a_real_browser() {
    use fantoccini::Locator;
    let test = "a_citizen_looks_up_rates_and_sees_the_reply_in_a_real_browser";
    let Some(b) = crate::browser::browser(test).await else {
        return;
    };
    let c = &b.client;
    let s = spawn_linked().await;
    let scjg = s.d("HHHT-SCJG");

    // The guide, then the bundle's page by its link, printed.
    c.goto(&format!("{}/public/guide", s.approval))
        .await
        .unwrap();
    let link = c
        .find(Locator::Css(
            "a[href='/public/guide/bundles/HHHT-ENT-ACCESS']",
        ))
        .await
        .unwrap();
    crate::browser::click_and_wait(c, link).await;
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("/public/guide/bundles/HHHT-ENT-ACCESS"));
    let page = c.source().await.unwrap();
    assert!(page.contains("牵头部门"), "{page}");
    assert!(page.contains("印章刻制"), "{page}");
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "printing gives a PDF");
    assert!(pdf.len() > 5_000, "a printed page, {} bytes", pdf.len());

    // A case decided by SCJG.
    let case = s.submit_case().await;
    s.approve_branch(&branch(&case, scjg)).await;
    s.pull().await;
    let case_no = case["case_no"].as_str().unwrap().to_string();

    // Look it up with the wrong factor, then an unknown number: the same page.
    let wrong = look_up(c, &s.approval, &case_no, "000000").await;
    let unknown = look_up(c, &s.approval, "HHHT-20990101-0001", "000000").await;
    assert_eq!(
        wrong, unknown,
        "a wrong check code reads like an unknown case"
    );
    assert!(!wrong.contains(&case_no));
    let found = look_up(c, &s.approval, &case_no, CHECK).await;
    assert!(found.contains(&case_no), "{found}");
    assert!(found.contains("呼和浩特市工商行政管理局"), "{found}");
    assert!(found.contains("准予许可"), "{found}");

    // Its 评价 link leads to the assessment service's rating page for SCJG.
    let rate = c
        .find(Locator::Css(&format!(
            "a.rate[href*='department_id={scjg}']"
        )))
        .await
        .unwrap();
    crate::browser::click_and_wait(c, rate).await;
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().starts_with(&s.assessment), "{url}");
    c.find(Locator::Id(&format!("level-{scjg}")))
        .await
        .unwrap()
        .select_by_value("dissatisfied")
        .await
        .unwrap();
    c.find(Locator::Id(&format!("comment-{scjg}")))
        .await
        .unwrap()
        .send_keys("材料清单不清楚")
        .await
        .unwrap();
    let send = c
        .find(Locator::XPath(&format!(
            "//form[.//input[@name='department_id' and @value='{scjg}']]//button"
        )))
        .await
        .unwrap();
    crate::browser::click_and_wait(c, send).await;
    let answer = c.source().await.unwrap();
    assert!(answer.contains("您的差评已转交核实整改"), "{answer}");
    assert!(answer.contains("已评价：不满意"), "{answer}");
    assert!(!answer.contains("提交评价"), "rated once: no second form");

    // The 差评 became a rectification; the department answers it.
    let orders = expect(
        s.get("/v1/rectifications", &s.token(Role::Supervisor, None))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    let rid = orders[0]["id"].as_i64().unwrap();
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
    // The same page, read again the way the citizen comes back to it.
    c.goto(&format!(
        "{}/public/rate?case_no={case_no}&check={CHECK}",
        s.assessment
    ))
    .await
    .unwrap();
    let page = c.source().await.unwrap();
    assert!(page.contains("已修订材料清单并回访申请人"), "{page}");
    assert!(page.contains("整改反馈"), "{page}");
    // The rating was recorded as the applicant's own, from the public channel.
    use sea_orm::EntityTrait;
    let rows = assessment::entities::haocha_rating::Entity::find()
        .all(&s.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].channel.as_deref(), Some("public"));
    assert_eq!(rows[0].level, "dissatisfied");
    b.client.clone().close().await.ok();
}

/// Every public page of both services, read as the public reads them, after two applicants'
/// cases were decided, one rated 差评 with a comment and answered: no reviewer's or approver's
/// opinion, no staff note, no applicant's name or ID number appears anywhere; and one
/// applicant's pages (lookup, rating) never show the other's case, comment or reply.
#[tokio::test]
async fn no_public_page_shows_a_staff_note_or_another_applicant_s_data() {
    const OPINION: &str = "内部审查意见-勿外传";
    const NOTE: &str = "首席代表内部意见-勿外传";
    let s = spawn().await;
    let scjg = s.d("HHHT-SCJG");
    let clerk = s.token(Role::Clerk, None);
    let a = s.submit_case().await;
    let mut body_b = case_body();
    body_b["applicant"] =
        json!({"kind": "person", "name": "张三丰", "id_number": "11010519491231002X"});
    let b = expect(
        s.approval_post("/v1/cases", &clerk, &body_b).await,
        StatusCode::CREATED,
    )
    .await;
    for case in [&a, &b] {
        let br = branch(case, scjg);
        let path = format!("/v1/branches/{}/commands", br["id"]);
        let reviewer = s.token_as(7, Role::Reviewer, Some(scjg));
        let approver = s.token_as(7, Role::Approver, Some(scjg));
        for (t, body) in [
            (&reviewer, json!({"command": "start_review"})),
            (&reviewer, json!({"command": "review", "opinion": OPINION})),
            (&approver, json!({"command": "approve", "opinion": NOTE})),
        ] {
            expect(s.approval_post(&path, t, &body).await, StatusCode::OK).await;
        }
    }
    s.pull().await;
    let (no_a, no_b) = (
        a["case_no"].as_str().unwrap().to_string(),
        b["case_no"].as_str().unwrap().to_string(),
    );
    let (check_a, check_b) = (CHECK, "31002X");
    // A rates 差评 with a comment; the department answers.
    expect(
        public_post(
            &s,
            "/v1/public/ratings",
            &json!({"case_no": no_a, "check": check_a, "department_id": scjg,
                    "level": "very_dissatisfied", "comment": "甲方的投诉内容"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
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
            &json!({"text": "已向甲方致歉"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let get = |url: String| {
        let client = s.client.clone();
        async move {
            let r = client.get(&url).send().await.unwrap();
            assert!(r.status().is_success(), "{url}: {}", r.status());
            r.text().await.unwrap()
        }
    };
    let post_form = |url: String, form: Vec<(&'static str, String)>| {
        let client = s.client.clone();
        async move {
            let r = client.post(&url).form(&form).send().await.unwrap();
            assert!(r.status().is_success(), "{url}: {}", r.status());
            r.text().await.unwrap()
        }
    };
    let (ap, asm) = (s.approval.clone(), s.assessment.clone());
    let shared = vec![
        get(format!("{ap}/public/guide")).await,
        get(format!("{ap}/v1/public/items?limit=200")).await,
        get(format!("{ap}/public/guide/items/HHHT-SCJG-001")).await,
        get(format!("{ap}/public/guide/items/HHHT-SCJG-001/v/1")).await,
        get(format!("{ap}/v1/public/items/HHHT-SCJG-001/versions")).await,
        get(format!("{ap}/public/guide/bundles/HHHT-ENT-ACCESS")).await,
        get(format!("{ap}/v1/public/bundles/HHHT-ENT-ACCESS")).await,
        get(format!("{ap}/public/decisions")).await,
        get(format!("{ap}/v1/public/decisions")).await,
        get(format!("{ap}/public/lookup")).await,
        get(format!("{asm}/public/results")).await,
        get(format!("{asm}/v1/public/results")).await,
        get(format!("{asm}/public/rate")).await,
    ];
    let lookup_json = |no: String, check: &'static str| {
        let client = s.client.clone();
        let ap = ap.clone();
        async move {
            client
                .post(format!("{ap}/v1/public/lookup"))
                .json(&json!({"case_no": no, "check": check}))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let own_a = vec![
        post_form(
            format!("{ap}/public/lookup"),
            vec![("case_no", no_a.clone()), ("check", check_a.to_string())],
        )
        .await,
        lookup_json(no_a.clone(), check_a).await,
        get(format!("{asm}/public/rate?case_no={no_a}&check={check_a}")).await,
    ];
    let own_b = vec![
        post_form(
            format!("{ap}/public/lookup"),
            vec![("case_no", no_b.clone()), ("check", check_b.to_string())],
        )
        .await,
        lookup_json(no_b.clone(), check_b).await,
        get(format!("{asm}/public/rate?case_no={no_b}&check={check_b}")).await,
    ];
    // A's own pages show A's rating and reply (they are A's), and B's show nothing of A.
    assert!(own_a[2].contains("已向甲方致歉"), "{}", own_a[2]);
    assert!(
        own_b[2].contains("提交评价"),
        "B may still rate: {}",
        own_b[2]
    );
    for page in &own_b {
        for secret in [
            no_a.as_str(),
            "甲方的投诉内容",
            "已向甲方致歉",
            "测试企业",
            "91350100M000100Y43",
        ] {
            assert!(
                !page.contains(secret),
                "B's page shows A's {secret}: {page}"
            );
        }
    }
    for page in &own_a {
        for secret in [no_b.as_str(), "张三丰", "11010519491231002X"] {
            assert!(
                !page.contains(secret),
                "A's page shows B's {secret}: {page}"
            );
        }
    }
    for page in &shared {
        for secret in [
            OPINION,
            NOTE,
            "张三丰",
            "11010519491231002X",
            "91350100M000100Y43",
            "甲方的投诉内容",
            "已向甲方致歉",
        ] {
            assert!(!page.contains(secret), "{secret} on a public page: {page}");
        }
    }
    // Not even the applicant's own pages show staff notes or their own ID number.
    for page in own_a.iter().chain(&own_b) {
        for secret in [OPINION, NOTE, "11010519491231002X", "91350100M000100Y43"] {
            assert!(
                !page.contains(secret),
                "{secret} on an applicant's page: {page}"
            );
        }
    }
}
