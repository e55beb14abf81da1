//! What the public sees, through HTTP and without a token: the service guide (HTML and JSON),
//! `guide_complete`, the case lookup (right check, wrong check and unknown number alike, rate
//! limits, the count of lookups), `check_key` on `case_accepted`, `item_changed` on the feed,
//! the published results, and the pages in headless Chromium.

use chrono::Duration;
use platform::auth::Role;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::cases::{branch_of, hohhot, Hohhot};
use crate::helpers::*;

const CREDIT_CODE: &str = "91350100M000100Y43";
const PERSON_ID: &str = "11010519491231002X";
/// Opinions and notes no public answer may show.
const REVIEW_OPINION: &str = "内部审查意见-勿外传";
const APPROVE_OPINION: &str = "首席代表内部意见-勿外传";

async fn html(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let ct = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        r.headers().get(header::SET_COOKIE).is_none(),
        "a public page sets no cookie"
    );
    let body = r.text().await.unwrap();
    assert!(ct.starts_with("text/html"), "{status} {ct}: {body}");
    (status, body)
}

async fn lookup(app: &TestApp, case_no: &str, check: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/public/lookup", app.address))
        .json(&json!({"case_no": case_no, "check": check}))
        .send()
        .await
        .unwrap()
}

async fn lookup_form(app: &TestApp, case_no: &str, check: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/public/lookup", app.address))
        .form(&[("case_no", case_no), ("check", check)])
        .send()
        .await
        .unwrap()
}

/// Approve a branch with opinions the public must never see.
async fn approve_secretly(h: &Hohhot, branch: &Value) {
    let dept = branch["department_id"].as_i64().unwrap() as i32;
    for (token, body) in [
        (h.reviewer(dept), json!({"command": "start_review"})),
        (
            h.reviewer(dept),
            json!({"command": "review", "opinion": REVIEW_OPINION}),
        ),
        (
            h.approver(dept),
            json!({"command": "approve", "opinion": APPROVE_OPINION}),
        ),
    ] {
        expect_status(h.command(branch, &token, body).await, StatusCode::OK).await;
    }
}

#[tokio::test]
async fn the_guide_lists_searches_and_filters_active_items_and_bundles() {
    let h = hohhot().await;
    let app = &h.app;
    let (status, page) = html(app.get_anon("/public/guide").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"zh-CN\">"));
    assert!(page.contains("name=\"viewport\""));
    assert!(page.contains("<label for=\"q\">"));
    for name in [
        "企业设立登记（营业执照）",
        "组织机构代码证办理",
        "税务登记",
        "印章刻制",
    ] {
        assert!(page.contains(name), "{name}");
    }
    assert!(page.contains("/public/guide/bundles/HHHT-ENT-ACCESS"));

    // A name substring.
    let (_, page) = html(app.get_anon("/public/guide?q=%E5%8D%B0%E7%AB%A0").await).await; // 印章
    assert!(page.contains("印章刻制"));
    assert!(!page.contains("税务登记</a>"));
    assert!(
        !page.contains("/public/guide/bundles/HHHT-ENT-ACCESS"),
        "no bundle named so"
    );

    // A department.
    let swj = h.dept_of["HHHT-SWJ-001"];
    let (_, page) = html(
        app.get_anon(&format!("/public/guide?department_id={swj}"))
            .await,
    )
    .await;
    assert!(page.contains("税务登记</a>"));
    assert!(!page.contains("印章刻制"));

    // A category; and a bad filter is a page that says so, not a 500.
    let (_, page) = html(
        app.get_anon("/public/guide?category=administrative_confirmation")
            .await,
    )
    .await;
    assert!(page.contains("组织机构代码证办理") && page.contains("税务登记</a>"));
    assert!(!page.contains("印章刻制"));
    let (status, _) = html(app.get_anon("/public/guide?category=nonsense").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = html(app.get_anon("/public/guide?department_id=abc").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The JSON twin: the same filters, cursor pagination, no token.
    let all = expect_status(
        app.get_anon("/v1/public/items?limit=3").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let cursor = all["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let rest = expect_status(
        app.get_anon(&format!("/v1/public/items?limit=3&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let found = expect_status(
        app.get_anon("/v1/public/items?q=%E5%8D%B0%E7%AB%A0").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["code"], "HHHT-GAJ-001");
    let by_dept = expect_status(
        app.get_anon(&format!("/v1/public/items?department_id={swj}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_dept["items"][0]["code"], "HHHT-SWJ-001");
    assert_eq!(by_dept["items"].as_array().unwrap().len(), 1);
    expect_problem(
        app.get_anon("/v1/public/items?category=nonsense").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        None,
    )
    .await;
    expect_problem(
        app.get_anon(&format!("/v1/public/items?q={}", "长".repeat(101)))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("q"),
    )
    .await;
}

#[tokio::test]
async fn the_item_page_shows_every_element_its_flow_and_prints_on_a4() {
    let h = hohhot().await;
    let app = &h.app;
    let (status, page) = html(app.get_anon("/public/guide/items/HHHT-SCJG-001").await).await;
    assert_eq!(status, StatusCode::OK);
    for label in [
        "事项编码",
        "事项分类",
        "事项名称",
        "行使依据",
        "办理主体",
        "法定期限",
        "承诺期限",
        "办理地点",
        "申报资料",
        "收费标准",
        "收费依据",
        "办件类型",
        "办结方式",
        "批后监管科室",
        "监督方式",
        "办理流程",
        "最后更新",
    ] {
        assert!(page.contains(label), "element {label}");
    }
    assert!(page.contains("HHHT-SCJG-001"));
    assert!(page.contains("行政许可"));
    assert!(page.contains("《中华人民共和国公司登记管理条例》"));
    assert!(page.contains("呼和浩特市工商行政管理局"));
    assert!(page.contains("15 个工作日") && page.contains("3 个工作日"));
    assert!(page.contains("住所使用证明 <span class=\"tag required\">必要</span> <span class=\"tag tolerance\">容缺</span>"));
    assert!(page.contains("承诺件"));
    assert!(page.contains("<svg"));
    assert!(page.contains("窗口受理") && page.contains("办结"));
    assert!(page.contains("@media print"));
    assert!(page.contains("@page{size:A4"));
    // 最后更新 is the item's updated_at in local time (the demo was seeded Mon 10:00 Shanghai).
    assert!(page.contains("2026-03-09 10:00"), "local time");

    let json = expect_status(
        app.get_anon("/v1/public/items/HHHT-SCJG-001").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(json["code"], "HHHT-SCJG-001");
    assert_eq!(json["category_label"], "行政许可");
    assert_eq!(json["department"]["name"], "呼和浩特市工商行政管理局");
    assert_eq!(json["kind_label"], "承诺件");
    assert_eq!(json["limit_unit_label"], "工作日");
    assert_eq!(json["materials"].as_array().unwrap().len(), 4);
    assert_eq!(json["guide_complete"], true, "{json}");
    assert!(
        json["updated_at"].as_str().unwrap().ends_with('Z'),
        "UTC in JSON"
    );

    let bundle = expect_status(
        app.get_anon("/v1/public/bundles/HHHT-ENT-ACCESS").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(bundle["promised_limit_days"], 5);
    assert_eq!(bundle["stages"][0]["items"].as_array().unwrap().len(), 4);
    let (status, page) = html(app.get_anon("/public/guide/bundles/HHHT-ENT-ACCESS").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("牵头部门"));
    assert!(page.contains("5 个工作日"));
    for code in [
        "HHHT-SCJG-001",
        "HHHT-ZJJ-001",
        "HHHT-SWJ-001",
        "HHHT-GAJ-001",
    ] {
        assert!(
            page.contains(&format!("/public/guide/items/{code}")),
            "{code}"
        );
    }
}

#[tokio::test]
async fn an_item_missing_an_element_is_not_guide_complete() {
    let app = spawn_app().await;
    let dept = app.create_department("GC").await;
    let mut body = item_body("GC-1", dept);
    body["fee_amount_cents"] = json!(500);
    body["fee_standard"] = json!("每件 5 元");
    body["fee_basis"] = json!("");
    expect_status(
        app.post("/v1/items", &app.sysadmin_token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let json = expect_status(app.get_anon("/v1/public/items/GC-1").await, StatusCode::OK).await;
    assert_eq!(json["guide_complete"], false, "a fee without its basis");
    app.create_item("GC-2", dept).await;
    let json = expect_status(app.get_anon("/v1/public/items/GC-2").await, StatusCode::OK).await;
    assert_eq!(json["guide_complete"], true);
}

#[tokio::test]
async fn a_deleted_or_unknown_item_is_404_in_html_and_json() {
    let h = hohhot().await;
    let app = &h.app;
    let dept = app.create_department("DEL").await;
    let id = app.create_item("DEL-1", dept).await;
    expect_status(app.get_anon("/v1/public/items/DEL-1").await, StatusCode::OK).await;
    expect_status(
        app.delete(&format!("/v1/items/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    // A bundle's item is soft-deleted: it stays a row, but leaves the guide.
    let gaj = expect_status(
        app.get("/v1/items?limit=200", &app.sysadmin_token).await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "HHHT-GAJ-001")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let d = expect_status(
        app.delete(&format!("/v1/items/{gaj}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(d["mode"], "soft");
    for code in ["DEL-1", "HHHT-GAJ-001", "NO-SUCH-ITEM"] {
        let (status, page) = html(app.get_anon(&format!("/public/guide/items/{code}")).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{code}");
        assert!(page.contains("未找到该事项"), "{page}");
        expect_problem(
            app.get_anon(&format!("/v1/public/items/{code}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        )
        .await;
    }
    let (_, page) = html(app.get_anon("/public/guide").await).await;
    assert!(!page.contains("印章刻制</a>"));
    let (_, page) = html(app.get_anon("/public/guide/bundles/HHHT-ENT-ACCESS").await).await;
    assert!(page.contains("印章刻制 <span class=\"muted\">呼和浩特市公安局（已停止办理）"));
    let (status, _) = html(app.get_anon("/public/guide/bundles/NOPE").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    expect_problem(
        app.get_anon("/v1/public/bundles/NOPE").await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
}

/// Every create or edit of an item publishes a guide version with its own stable address,
/// which keeps showing exactly what was published then; the current page names its version and
/// lists the others; versions of a deleted item and versions an item never had are 404.
#[tokio::test]
async fn every_edit_publishes_a_guide_version_with_a_stable_address() {
    let app = spawn_app_with_office("SGB").await;
    let dept = app.create_department("VER").await;
    let office = app.create_department("SGB").await;
    let office_approver = app.token(Role::Approver, Some(office));
    let id = app.create_item("VER-1", dept).await;
    use platform::clock::Clock;
    let v1_at = app.clock.now();
    app.clock.advance(Duration::days(3));
    let mut body = item_body("VER-1", dept);
    body["name"] = json!("餐饮服务许可（第二版）");
    body["promised_limit_days"] = json!(3);
    expect_status(
        app.put(&format!("/v1/items/{id}"), &office_approver, &body)
            .await,
        StatusCode::OK,
    )
    .await;
    app.clock.advance(Duration::days(2));
    body["name"] = json!("餐饮服务许可（第三版）");
    body["location"] = json!("政务服务中心二楼 12 号窗口");
    expect_status(
        app.put(&format!("/v1/items/{id}"), &app.sysadmin_token, &body)
            .await,
        StatusCode::OK,
    )
    .await;

    let current = expect_status(app.get_anon("/v1/public/items/VER-1").await, StatusCode::OK).await;
    assert_eq!(current["version"], 3);
    assert_eq!(current["current_version"], 3);
    let versions = expect_status(
        app.get_anon("/v1/public/items/VER-1/versions").await,
        StatusCode::OK,
    )
    .await;
    let listed: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [3, 2, 1], "newest first");
    assert_eq!(versions[2]["url"], "/public/guide/items/VER-1/v/1");
    let published_v1: chrono::DateTime<chrono::Utc> = versions[2]["published_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(published_v1.timestamp(), v1_at.timestamp());

    // Version 1 is what was published then: the first name and limit, marked superseded.
    let v1 = expect_status(
        app.get_anon("/v1/public/items/VER-1/versions/1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v1["name"], "Item VER-1");
    assert_eq!(v1["promised_limit_days"], 5);
    assert_eq!(v1["location"], "Hall A, window 3");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["current_version"], 3);
    let v2 = expect_status(
        app.get_anon("/v1/public/items/VER-1/versions/2").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v2["name"], "餐饮服务许可（第二版）");
    assert_eq!(v2["promised_limit_days"], 3);
    assert_eq!(v2["location"], "Hall A, window 3");

    let (status, page) = html(app.get_anon("/public/guide/items/VER-1/v/1").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Item VER-1</h1>"), "{page}");
    assert!(page.contains("第 1 版"), "{page}");
    assert!(page.contains("已被第 3 版取代"), "{page}");
    assert!(
        !page.contains("第三版"),
        "no later text on an earlier version"
    );
    let (status, page) = html(app.get_anon("/public/guide/items/VER-1").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("第 3 版"), "{page}");
    assert!(
        page.contains("href=\"/public/guide/items/VER-1/v/3\">本版固定链接"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/public/guide/items/VER-1/v/1\">第 1 版</a>"),
        "{page}"
    );
    assert!(
        !page.contains("id=\"superseded\""),
        "the current version is not superseded"
    );

    for bad in [
        "/v1/public/items/VER-1/versions/4",
        "/v1/public/items/NOPE/versions/1",
    ] {
        expect_problem(
            app.get_anon(bad).await,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        )
        .await;
    }
    let (status, page) = html(app.get_anon("/public/guide/items/VER-1/v/abc").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("未找到该版本的办事指南"), "{page}");

    // A deleted item is no longer published: none of its versions is shown.
    expect_status(
        app.delete(&format!("/v1/items/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get_anon("/v1/public/items/VER-1/versions/1").await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    )
    .await;
    let (status, _) = html(app.get_anon("/public/guide/items/VER-1/v/2").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count_rows("item_versions").await,
        0,
        "a hard delete takes them along"
    );
}

/// Items from before guide versions were kept get version 1 when the service starts, once.
#[tokio::test]
async fn items_without_a_guide_version_get_version_1_once() {
    let app = spawn_app().await;
    let dept = app.create_department("OLD").await;
    app.create_item("OLD-1", dept).await;
    app.create_item("OLD-2", dept).await;
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("DELETE FROM item_versions")
        .await
        .unwrap();
    let added = approval::public::guide::backfill_versions(&app.db)
        .await
        .unwrap();
    assert_eq!(added, 2);
    assert_eq!(
        approval::public::guide::backfill_versions(&app.db)
            .await
            .unwrap(),
        0,
        "a second start adds nothing"
    );
    let v = expect_status(
        app.get_anon("/v1/public/items/OLD-2/versions/1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["name"], "Item OLD-2");
    assert_eq!(v["current_version"], 1);
}

#[tokio::test]
async fn item_writes_put_item_changed_on_the_feed() {
    let app = spawn_app().await;
    let dept = app.create_department("EV").await;
    let id = app.create_item("EV-1", dept).await;
    let mut body = item_body("EV-1", dept);
    // A fee without its basis: the guide is no longer complete.
    body["fee_amount_cents"] = json!(500);
    body["fee_standard"] = json!("每件 5 元");
    expect_status(
        app.put(&format!("/v1/items/{id}"), &app.sysadmin_token, &body)
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.delete(&format!("/v1/items/{id}"), &app.sysadmin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let events = feed(&app).await;
    let changed = of_kind(&events, "item_changed");
    assert_eq!(changed.len(), 3, "{changed:?}");
    for e in &changed {
        let p = &e["payload"];
        assert_eq!(e["case_id"], 0);
        assert_eq!(p["type"], "item_changed");
        assert_eq!(p["item_id"], id);
        assert_eq!(p["code"], "EV-1");
        assert_eq!(p["department_id"], dept);
        assert!(p["at"].as_str().is_some());
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 7, "{p}");
    }
    assert_eq!(changed[0]["payload"]["active"], true);
    assert_eq!(changed[0]["payload"]["guide_complete"], true);
    assert_eq!(changed[1]["payload"]["active"], true);
    assert_eq!(changed[1]["payload"]["guide_complete"], false);
    assert_eq!(changed[2]["payload"]["active"], false);

    // The demo seeding emits them too, one per item.
    let h = hohhot().await;
    let events = feed(&h.app).await;
    assert_eq!(of_kind(&events, "item_changed").len(), 4);
}

#[tokio::test]
async fn case_accepted_carries_the_check_key() {
    let h = hohhot().await;
    let case = h.submit().await;
    let events = feed(&h.app).await;
    let accepted = of_kind(&events, "case_accepted");
    assert_eq!(accepted.len(), 1);
    let p = &accepted[0]["payload"];
    let case_no = case["case_no"].as_str().unwrap();
    assert_eq!(
        p["check_key"],
        platform::identity::check_key(case_no, &CREDIT_CODE[12..])
    );
    assert_eq!(
        p["check_key"],
        platform::identity::check_key(case_no, &platform::identity::check_of(CREDIT_CODE))
    );
    assert!(
        !p.to_string().contains(&CREDIT_CODE[12..]),
        "never the characters themselves"
    );
}

#[tokio::test]
async fn the_right_check_shows_progress_without_opinions_or_personal_data() {
    let h = hohhot().await;
    let app = &h.app;
    let case = h.submit().await;
    let case_no = case["case_no"].as_str().unwrap().to_string();
    // One branch approved with opinions, one sent back for supplement with a notice.
    let scjg = h.dept_of["HHHT-SCJG-001"];
    let swj = h.dept_of["HHHT-SWJ-001"];
    approve_secretly(&h, branch_of(&case, scjg)).await;
    let b = branch_of(&case, swj);
    expect_status(
        h.command(b, &h.reviewer(swj), json!({"command": "start_review"}))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        h.command(
            b,
            &h.reviewer(swj),
            json!({"command": "request_supplement", "missing": ["M03"], "note": "请补交财务负责人信息（一次性告知）"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // The check code in lower case matches too.
    let r = lookup(
        app,
        &case_no.to_lowercase(),
        &CREDIT_CODE[12..].to_lowercase(),
    )
    .await;
    let text = {
        assert_eq!(r.status(), StatusCode::OK);
        r.text().await.unwrap()
    };
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["case_no"], case_no.as_str());
    assert!(
        body["state_label"].as_str().unwrap().contains("办理中"),
        "{body}"
    );
    assert!(body["accepted_at"].as_str().unwrap().ends_with('Z'));
    assert!(body["due_at"].is_string());
    let branches = body["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 4);
    let of = |dept: i32| {
        branches
            .iter()
            .find(|b| b["department_id"] == dept)
            .unwrap()
    };
    assert_eq!(of(scjg)["state"], "approved");
    assert_eq!(of(scjg)["state_label"], "准予许可");
    assert_eq!(of(scjg)["outcome"], "approved");
    assert!(of(scjg)["decided_at"].is_string());
    assert_eq!(of(scjg)["department_name"], "呼和浩特市工商行政管理局");
    assert_eq!(of(swj)["state"], "awaiting_supplement");
    assert_eq!(of(swj)["awaited"]["materials"][0]["code"], "M03");
    assert_eq!(of(swj)["awaited"]["materials"][0]["name"], "财务负责人信息");
    assert_eq!(
        of(swj)["awaited"]["notice"],
        "请补交财务负责人信息（一次性告知）"
    );
    assert!(of(swj)["outcome"].is_null());
    assert_eq!(body["issuance"]["state"], "not_ready");
    for secret in [
        REVIEW_OPINION,
        APPROVE_OPINION,
        "呼和浩特示范科技有限公司",
        CREDIT_CODE,
        "0471-0000000",
        "decision_note",
        "opinion",
        "applicant",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // The HTML twin: the result page, with a rating link for the decided department only.
    let (status, page) = html(lookup_form(app, &case_no, &CREDIT_CODE[12..]).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("准予许可"));
    assert!(page.contains("待补正材料"));
    assert!(page.contains("请补交财务负责人信息（一次性告知）"));
    assert_eq!(page.matches("评价 / rate this department").count(), 1);
    assert!(page.contains(&format!(
        "http://127.0.0.1:8081/public/rate?case_no={case_no}&amp;check={}&amp;department_id={scjg}",
        &CREDIT_CODE[12..]
    )));
    for secret in [
        REVIEW_OPINION,
        APPROVE_OPINION,
        "呼和浩特示范科技有限公司",
        CREDIT_CODE,
        "0471-0000000",
    ] {
        assert!(!page.contains(secret), "{secret}");
    }
    let (status, form) = html(app.get_anon("/public/lookup").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("<label for=\"case_no\">") && form.contains("<label for=\"check\">"));
}

#[tokio::test]
async fn a_wrong_check_and_an_unknown_number_get_the_same_answer() {
    let app = spawn_app().await;
    let case = app.item_case("LK-1", 5, 20, |_| {}).await;
    let case_no = case["case_no"].as_str().unwrap();
    let right = lookup(&app, case_no, &PERSON_ID[12..]).await;
    let body = expect_status(right, StatusCode::OK).await;
    assert!(!body.to_string().contains("张三"));

    let wrong = lookup(&app, case_no, "00000X").await;
    let unknown = lookup(&app, "20990101-DEADBEEF", &PERSON_ID[12..]).await;
    let (ws, wct) = (
        wrong.status(),
        wrong.headers().get(header::CONTENT_TYPE).cloned(),
    );
    let (us, uct) = (
        unknown.status(),
        unknown.headers().get(header::CONTENT_TYPE).cloned(),
    );
    let trace = |r: &reqwest::Response| r.headers()["x-trace-id"].to_str().unwrap().to_string();
    let (wt, ut) = (trace(&wrong), trace(&unknown));
    let (wb, ub) = (wrong.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    assert_eq!(ws, StatusCode::NOT_FOUND);
    assert_eq!((ws, wct), (us, uct));
    // The same answer byte for byte, but for each request's own trace id (random per request,
    // nothing to learn from).
    let (wb_text, ub_text) = (
        String::from_utf8(wb.to_vec()).unwrap(),
        String::from_utf8(ub.to_vec()).unwrap(),
    );
    assert!(wb_text.contains(&wt) && ub_text.contains(&ut));
    assert_eq!(
        wb_text.replace(&wt, "<trace>"),
        ub_text.replace(&ut, "<trace>"),
        "byte for byte"
    );
    let p: Value = serde_json::from_slice(&wb).unwrap();
    assert_eq!(p["code"], "case_not_found");
    assert_eq!(
        p["detail"],
        "没有与该受理编号和校验码匹配的办件 / no case matches this number and check code"
    );

    let (s1, p1) = html(lookup_form(&app, case_no, "00000X").await).await;
    let (s2, p2) = html(lookup_form(&app, "20990101-DEADBEEF", &PERSON_ID[12..]).await).await;
    assert_eq!(s1, StatusCode::NOT_FOUND);
    assert_eq!((s1, &p1), (s2, &p2), "the same page");
    assert!(p1.contains("没有与该受理编号和校验码匹配的办件"));

    // Malformed input names its field, in JSON and on the page.
    expect_problem(
        lookup(&app, case_no, "123").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("check"),
    )
    .await;
    let (s, _) = html(lookup_form(&app, "", "").await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Every answered lookup is counted, found or not; malformed ones are not lookups.
    assert_eq!(app.count_rows("public_lookups").await, 5);
    assert_eq!(app.count_rows("public_lookups WHERE found = TRUE").await, 1);
}

#[tokio::test]
async fn lookups_are_rate_limited_per_case_and_per_address() {
    let app = spawn_app().await;
    // Just after a window starts (1 773 000 000 is a multiple of 600), so no window boundary
    // falls inside the test.
    let start = chrono::DateTime::from_timestamp(1_773_000_000 + 5, 0).unwrap();
    app.clock.set(start);
    let case = app.item_case("RL-1", 5, 20, |_| {}).await;
    let case_no = case["case_no"].as_str().unwrap().to_string();
    for k in 0..10 {
        let check = if k % 2 == 0 {
            &PERSON_ID[12..]
        } else {
            "WRONG1"
        };
        let r = lookup(&app, &case_no, check).await;
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS, "lookup {k}");
    }
    // The eleventh of this number in ten minutes is refused, whatever the check.
    let r = lookup(&app, &case_no, &PERSON_ID[12..]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 600, "{retry}");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(
        app.count_rows("public_lookups").await,
        10,
        "a refused lookup is not counted"
    );

    // The address has used 11 of its 20: nine other numbers still get an answer, then 429.
    for k in 0..9 {
        let r = lookup(&app, &format!("20990101-0000000{k}"), "ABCDEF").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "other number {k}");
    }
    let r = lookup(&app, "20990101-00000010", "ABCDEF").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(header::RETRY_AFTER).is_some());
    // The HTML twin shares the limits.
    let r = lookup_form(&app, "20990101-00000011", "ABCDEF").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get(header::RETRY_AFTER).is_some());
    let (_, page) = html(r).await;
    assert!(page.contains("查询过于频繁"));
    assert_eq!(app.count_rows("public_lookups").await, 19);
    assert_eq!(app.count_rows("public_lookups WHERE found = TRUE").await, 5);
    assert_eq!(
        app.count_rows("public_lookups WHERE case_id IS NOT NULL")
            .await,
        5
    );

    // The next window lets the case be looked up again.
    app.clock.advance(Duration::seconds(600));
    expect_status(
        lookup(&app, &case_no, &PERSON_ID[12..]).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.count_rows("public_lookups").await, 20);
}

async fn lookup_from(app: &TestApp, forwarded_for: &str, case_no: &str) -> StatusCode {
    app.client
        .post(format!("{}/v1/public/lookup", app.address))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"case_no": case_no, "check": "ABCDEF"}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Behind a trusted proxy (an Ingress), each forwarded client has its own lookup budget and a
/// forged first hop changes nothing; without trusted proxies the header is ignored, so
/// rotating it does not escape the limit.
#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = platform::client::TrustedProxies::parse("127.0.0.1").unwrap()
    })
    .await;
    app.clock
        .set(chrono::DateTime::from_timestamp(1_773_000_000 + 5, 0).unwrap());
    for k in 0..20 {
        let s = lookup_from(&app, "203.0.113.1", &format!("20990101-1000{k:04}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "lookup {k} of client A");
    }
    assert_eq!(
        lookup_from(&app, "203.0.113.1", "20990101-20000000").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged left-most hop: the proxy appended A's real address, which is what counts.
    assert_eq!(
        lookup_from(&app, "198.51.100.99, 203.0.113.1", "20990101-20000001").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Client B behind the same proxy is another client.
    assert_eq!(
        lookup_from(&app, "198.51.100.2", "20990101-20000002").await,
        StatusCode::NOT_FOUND
    );

    let direct = spawn_app().await;
    direct
        .clock
        .set(chrono::DateTime::from_timestamp(1_773_000_000 + 5, 0).unwrap());
    for k in 0..20 {
        let s = lookup_from(
            &direct,
            &format!("203.0.113.{k}"),
            &format!("20990101-3000{k:04}"),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "lookup {k}");
    }
    assert_eq!(
        lookup_from(&direct, "203.0.113.200", "20990101-40000000").await,
        StatusCode::TOO_MANY_REQUESTS,
        "an untrusted peer cannot choose its address"
    );
}

#[tokio::test]
async fn published_results_list_approvals_never_a_person_s_name_nor_rejections() {
    let h = hohhot().await;
    let app = &h.app;
    // An enterprise's bundle: the business licence approved.
    let case = h.submit().await;
    let scjg = h.dept_of["HHHT-SCJG-001"];
    approve_secretly(&h, branch_of(&case, scjg)).await;
    // A natural person's single item, approved.
    let person = app.item_case("PUB-1", 5, 20, |_| {}).await;
    let pb = &person["branches"][0];
    let pdept = pb["department_id"].as_i64().unwrap() as i32;
    for (role, body) in [
        (Role::Reviewer, json!({"command": "start_review"})),
        (Role::Reviewer, json!({"command": "review", "opinion": "x"})),
        (
            Role::Approver,
            json!({"command": "approve", "opinion": "x"}),
        ),
    ] {
        expect_status(
            app.post(
                &format!("/v1/branches/{}/commands", pb["id"]),
                &app.token(role, Some(pdept)),
                &body,
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    // Another person's item, rejected.
    let rejected = app.item_case("PUB-2", 5, 20, |_| {}).await;
    let rb = &rejected["branches"][0];
    let rdept = rb["department_id"].as_i64().unwrap() as i32;
    for (role, body) in [
        (Role::Reviewer, json!({"command": "start_review"})),
        (Role::Reviewer, json!({"command": "review", "opinion": "x"})),
        (
            Role::Approver,
            json!({"command": "reject", "reason": "不符合条件"}),
        ),
    ] {
        expect_status(
            app.post(
                &format!("/v1/branches/{}/commands", rb["id"]),
                &app.token(role, Some(rdept)),
                &body,
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    let list = expect_status(app.get_anon("/v1/public/decisions").await, StatusCode::OK).await;
    let rows = list["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{list}");
    let text = list.to_string();
    assert!(!text.contains("张三"), "a person's name is never published");
    assert!(!text.contains("PUB-2"), "a rejection is not published");
    assert!(!text.contains(APPROVE_OPINION));
    let ent = rows
        .iter()
        .find(|r| r["item_code"] == "HHHT-SCJG-001")
        .unwrap();
    assert_eq!(ent["holder"], "呼和浩特示范科技有限公司");
    assert_eq!(ent["number"], case["case_no"]);
    assert_eq!(ent["department_name"], "呼和浩特市工商行政管理局");
    assert_eq!(ent["decided_on"], "2026-03-09");
    let per = rows.iter().find(|r| r["item_code"] == "PUB-1").unwrap();
    assert!(per["holder"].is_null());

    // Filters: the item, the dates; cursor pagination.
    let one = expect_status(
        app.get_anon("/v1/public/decisions?item_code=PUB-1").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    let none = expect_status(
        app.get_anon("/v1/public/decisions?from=2026-03-10").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let day = expect_status(
        app.get_anon("/v1/public/decisions?from=2026-03-09&to=2026-03-09&limit=1")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(day["items"].as_array().unwrap().len(), 1);
    let next = day["next_cursor"].as_str().unwrap();
    let second = expect_status(
        app.get_anon(&format!(
            "/v1/public/decisions?from=2026-03-09&to=2026-03-09&limit=1&cursor={next}"
        ))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(second["items"][0], day["items"][0]);
    expect_problem(
        app.get_anon("/v1/public/decisions?from=2026-03-10&to=2026-03-09")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        Some("to"),
    )
    .await;

    let (status, page) = html(app.get_anon("/public/decisions").await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("呼和浩特示范科技有限公司"));
    assert!(page.contains("2026-03-09"));
    assert!(!page.contains("张三"));
    assert!(!page.contains("PUB-2"));
    assert!(page.contains("<label for=\"item_code\">"));
    let (status, _) = html(app.get_anon("/public/decisions?from=yesterday").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn public_pages_need_no_token_and_carry_the_security_headers() {
    let h = hohhot().await;
    for path in [
        "/public/guide",
        "/public/guide/items/HHHT-SCJG-001",
        "/public/guide/bundles/HHHT-ENT-ACCESS",
        "/public/lookup",
        "/public/decisions",
    ] {
        let r = h.app.get_anon(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        for name in [
            "x-content-type-options",
            "x-frame-options",
            "content-security-policy",
        ] {
            assert!(r.headers().get(name).is_some(), "{path}: {name}");
        }
        assert!(r.headers().get(header::SET_COOKIE).is_none(), "{path}");
    }
}

// ---- headless Chromium ----------------------------------------------------------------------

/// The DOM of `url` after Chromium loaded it (and followed any form it submitted).
async fn dom(bin: &std::path::Path, url: String) -> String {
    let bin = bin.to_path_buf();
    tokio::task::spawn_blocking(move || {
        crate::console::run_chromium_with(&bin, &["--virtual-time-budget=5000", "--dump-dom"], &url)
    })
    .await
    .unwrap()
}

/// A local page that posts the lookup form to the service as a browser would (a person
/// typing and pressing 查询), so Chromium renders the answer page.
fn posting_page(address: &str, case_no: &str, check: &str) -> String {
    let file =
        std::env::temp_dir().join(format!("public-lookup-{:016x}.html", rand::random::<u64>()));
    std::fs::write(
        &file,
        format!(
            "<!DOCTYPE html><html><body><form id=\"f\" method=\"post\" action=\"{address}/public/lookup\">\
<input name=\"case_no\" value=\"{case_no}\"><input name=\"check\" value=\"{check}\"></form>\
<script>document.getElementById('f').submit()</script></body></html>"
        ),
    )
    .unwrap();
    format!("file://{}", file.display())
}

/// The visible text of the `<main>` of a dumped page.
fn main_of(dom: &str) -> &str {
    let start = dom
        .find("<main>")
        .unwrap_or_else(|| panic!("no <main> in {dom}"));
    let end = dom.find("</main>").unwrap_or(dom.len());
    &dom[start..end]
}

#[tokio::test]
async fn the_public_pages_work_in_headless_chromium() {
    let Some(bin) = crate::console::chromium("the_public_pages_work_in_headless_chromium") else {
        return;
    };
    let h = hohhot().await;
    let case = h.submit().await;
    let case_no = case["case_no"].as_str().unwrap().to_string();
    let scjg = h.dept_of["HHHT-SCJG-001"];
    approve_secretly(&h, branch_of(&case, scjg)).await;
    let base = h.app.address.clone();

    // The guide, then a search.
    let guide = dom(&bin, format!("{base}/public/guide")).await;
    assert!(guide.contains("lang=\"zh-CN\""), "{guide}");
    assert!(guide.contains("印章刻制") && guide.contains("税务登记"));
    let found = dom(&bin, format!("{base}/public/guide?q=%E5%8D%B0%E7%AB%A0")).await;
    assert!(found.contains("印章刻制"));
    assert!(!found.contains("税务登记</a>"), "{found}");

    // The bundle, and an item from it.
    let bundle = dom(&bin, format!("{base}/public/guide/bundles/HHHT-ENT-ACCESS")).await;
    assert!(bundle.contains("牵头部门"));
    assert_eq!(
        bundle.matches("href=\"/public/guide/items/").count(),
        4,
        "{bundle}"
    );
    let item = dom(&bin, format!("{base}/public/guide/items/HHHT-SCJG-001")).await;
    assert!(item.contains("<svg"));
    assert!(item.contains("行使依据") && item.contains("监督方式"));

    // A lookup with the right check code, then a wrong one and an unknown number.
    let right = dom(&bin, posting_page(&base, &case_no, &CREDIT_CODE[12..])).await;
    let right = main_of(&right);
    assert!(right.contains(&case_no), "{right}");
    assert!(right.contains("准予许可"));
    assert!(right.contains("评价 / rate this department"));
    assert!(!right.contains(APPROVE_OPINION) && !right.contains("呼和浩特示范科技有限公司"));
    let wrong = dom(&bin, posting_page(&base, &case_no, "00000X")).await;
    let unknown = dom(
        &bin,
        posting_page(&base, "20990101-DEADBEEF", &CREDIT_CODE[12..]),
    )
    .await;
    assert!(
        main_of(&wrong).contains("没有与该受理编号和校验码匹配的办件"),
        "{wrong}"
    );
    assert_eq!(main_of(&wrong), main_of(&unknown), "the same page text");
}
