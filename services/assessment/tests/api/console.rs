//! The assessment page (`/console`): who may see it, the latest published quarter's ranking,
//! breakdown and trends after two quarters are published, and the page rendered by headless
//! Chromium (a screenshot checked for size and content).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use platform::auth::{JwtKeys, Role};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The status and body of an HTML answer (asserting it is HTML).
async fn html(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let ct = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = r.text().await.unwrap();
    assert!(ct.starts_with("text/html"), "{status} {ct}: {body}");
    (status, body)
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The part of `page` from `<section id="{id}"` to its end.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let s = &page[page
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"))..];
    &s[..s.find("</section>").unwrap()]
}

/// The row (or figure) of department `dept` in `part`.
fn of_dept<'a>(part: &'a str, tag: &str, dept: i64) -> &'a str {
    let start = part
        .find(&format!("<{tag} data-dept-id=\"{dept}\">"))
        .unwrap_or_else(|| panic!("no {tag} for department {dept}"));
    let rest = &part[start..];
    &rest[..rest.find(&format!("</{tag}>")).unwrap()]
}

#[tokio::test]
async fn assessment_page_refuses_anonymous_and_other_roles() {
    let s = spawn().await;
    let url = format!("{}/console", s.assessment);
    let r = s.client.get(&url).send().await.unwrap();
    assert_eq!(r.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let (status, body) = html(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("<form method=\"post\" action=\"/console/login\">"));

    let forged = JwtKeys::hs256(b"another-secret-another-secret!!", 3600)
        .issue(1, "mallory", Role::Sysadmin, None, Utc::now())
        .unwrap();
    assert_eq!(
        html(s.get("/console", &forged).await).await.0,
        StatusCode::UNAUTHORIZED
    );
    for (role, dept) in [
        (Role::Clerk, None),
        (Role::Reviewer, Some(s.d("HHHT-GAJ"))),
        (Role::Approver, Some(s.d("HHHT-GAJ"))),
        (Role::Service, None),
        (Role::Sysadmin, None),
        (Role::Secadmin, None),
        (Role::Auditor, None),
    ] {
        let (status, body) = html(s.get("/console", &s.token(role, dept)).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        assert!(body.contains(&format!("<b>{role}</b>")), "{body}");
    }
    for role in [Role::Assessor, Role::OrgDept, Role::Supervisor] {
        let (status, body) = html(s.get("/console", &s.token(role, None)).await).await;
        assert_eq!(status, StatusCode::OK, "{role}");
        assert!(
            body.contains("No quarter has been published yet."),
            "{body}"
        );
    }

    // The cookie sign-in: a wrong role sets nothing; a good token a console-only HttpOnly cookie.
    let client = no_redirects();
    let login = |t: &str| format!("{}/console/login?token={t}", s.assessment);
    let r = client
        .get(login(&s.token(Role::Clerk, None)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status(), set_cookie(&r)),
        (StatusCode::FORBIDDEN, String::new())
    );
    let org = s.token(Role::OrgDept, None);
    let r = client.get(login(&org)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers().get(header::LOCATION).unwrap(), "/console");
    let cookie = set_cookie(&r);
    assert!(
        cookie.starts_with(&format!("assessment_console_token={org}")),
        "{cookie}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    let jar = jar_of(&r);
    assert!(jar.contains("assessment_console_seen="), "{jar}");
    let (status, body) = html(
        client
            .get(&url)
            .header(header::COOKIE, &jar)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("test-org_dept (org_dept)"));
    let r = client
        .post(format!("{}/console/login", s.assessment))
        .form(&[("token", org.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r).contains("HttpOnly"));
    let expired = JwtKeys::hs256(SECRET.as_bytes(), 3600)
        .issue(
            7,
            "old",
            Role::OrgDept,
            None,
            Utc::now() - Duration::hours(2),
        )
        .unwrap();
    let r = client
        .get(&url)
        .header(
            header::COOKIE,
            format!("assessment_console_token={expired}"),
        )
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&r).contains("Max-Age=0"));
    assert_eq!(html(r).await.0, StatusCode::UNAUTHORIZED);
    let r = client
        .get(format!("{}/v1/results", s.assessment))
        .header(header::COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the API ignores the cookie"
    );
}

/// One quarter: a case approved by every department, the feed pulled, manual scores and an
/// on-site rating per department (`manual[d]` for the four manual categories), then the
/// result computed, approved and published at `publish_at`. Returns the published result.
pub(crate) async fn quarter(
    s: &Services,
    q: i64,
    manual: &[(i32, [f64; 4], &str)],
    publish_at: &str,
) -> Value {
    let case = s.submit_case().await;
    for (d, _, _) in manual {
        s.approve_branch(&branch(&case, *d)).await;
    }
    s.pull().await;
    let assessor = s.token(Role::Assessor, None);
    let clerk = s.token(Role::Clerk, None);
    for (d, points, rating) in manual {
        for (cat, p) in ["standardisation", "openness", "quality", "integrity"]
            .iter()
            .zip(points)
        {
            let body = json!({"department_id": d, "year": 2026, "quarter": q, "category": cat, "points": p, "evidence": [format!("检查记录 {cat}")]});
            expect(
                s.put("/v1/manual-scores", &assessor, &body).await,
                StatusCode::OK,
            )
            .await;
        }
        let body = json!({"case_id": case["id"], "department_id": d, "level": rating, "visit_ref": format!("V-{d}")});
        expect(
            s.post("/v1/ratings/onsite", &clerk, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }
    let r = expect(
        s.post(
            "/v1/results",
            &assessor,
            &json!({"year": 2026, "quarter": q}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = r["id"].as_i64().unwrap();
    expect(s.approve_result(id).await, StatusCode::OK).await;
    s.clock.set(at(publish_at));
    expect(
        s.post(&format!("/v1/results/{id}/publish"), &assessor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await
}

/// 2026Q1 (GAJ fails) and 2026Q2 (GAJ recovers) published; both results returned.
async fn two_quarters() -> (Services, Value, Value) {
    let s = spawn().await;
    let (scjg, zjj, swj, gaj) = (
        s.d("HHHT-SCJG"),
        s.d("HHHT-ZJJ"),
        s.d("HHHT-SWJ"),
        s.d("HHHT-GAJ"),
    );
    let good = [15.0, 10.0, 10.0, 5.0];
    let q1 = quarter(
        &s,
        1,
        &[
            (scjg, good, "very_satisfied"),
            (zjj, good, "very_satisfied"),
            (swj, [12.0, 8.0, 8.0, 4.0], "satisfied"),
            (gaj, [5.0, 3.0, 3.0, 2.0], "dissatisfied"),
        ],
        "2026-04-03T10:00:00+08:00",
    )
    .await;
    s.clock.set(at("2026-05-11T10:00:00+08:00"));
    let q2 = quarter(
        &s,
        2,
        &[
            (scjg, good, "very_satisfied"),
            (zjj, [14.0, 9.0, 9.0, 5.0], "satisfied"),
            (swj, good, "very_satisfied"),
            (gaj, [13.0, 8.0, 8.0, 4.0], "satisfied"),
        ],
        "2026-07-03T10:00:00+08:00",
    )
    .await;
    (s, q1, q2)
}

#[tokio::test]
async fn assessment_page_shows_ranking_breakdown_and_trend() {
    let (s, q1, q2) = two_quarters().await;
    let (status, page) = html(s.get("/console", &s.token(Role::OrgDept, None)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("2026Q2 · revision 1 · published 2026-07-03 10:00"),
        "the latest published quarter"
    );
    let ranking = section(&page, "ranking");
    let breakdown = section(&page, "breakdown");
    let trends = section(&page, "trends");
    let departments = q2["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 4);
    assert_eq!(ranking.matches("<tr data-dept-id=").count(), 4);
    assert_eq!(breakdown.matches("<tr data-dept-id=").count(), 4);
    assert_eq!(trends.matches("<svg").count(), 4, "a trend per department");
    let mut last_at = 0;
    for d in departments {
        let id = d["department_id"].as_i64().unwrap();
        let name = d["department_name"].as_str().unwrap();
        assert!(name.starts_with("呼和浩特市"), "{d}");
        let total = format!("{:.2}", d["total"].as_f64().unwrap());
        let row = of_dept(ranking, "tr", id);
        assert!(row.contains(name));
        assert!(
            row.contains(&format!("<td class=\"num rank\">{}</td>", d["rank"])),
            "{row}"
        );
        assert!(
            row.contains(&format!("<td class=\"num total\">{total}</td>")),
            "{row}"
        );
        assert!(row.contains(&format!(
            "<span class=\"badge {}\">",
            d["grade"].as_str().unwrap()
        )));
        let at = ranking.find(&format!("data-dept-id=\"{id}\"")).unwrap();
        assert!(at > last_at, "ranked order");
        last_at = at;
        // Every category's points, as the API has them.
        let row = of_dept(breakdown, "tr", id);
        let cats = d["breakdown"]["categories"].as_array().unwrap();
        assert!(cats.len() >= 5, "{d}");
        for c in cats {
            let cell = format!(
                "<td class=\"num\" data-key=\"{}\">{:.2}</td>",
                c["key"].as_str().unwrap(),
                c["points"].as_f64().unwrap() / 100.0
            );
            assert!(row.contains(&cell), "{cell} in {row}");
        }
        assert!(row.contains(&format!("<td class=\"num total\">{total}</td>")));
        // Two published quarters: two points joined by a line.
        let fig = of_dept(trends, "figure", id);
        assert!(fig.contains(name));
        assert_eq!(fig.matches("<circle").count(), 2, "{fig}");
        assert_eq!(fig.matches("<polyline").count(), 1);
        assert!(
            fig.contains(&format!("<title>2026Q2: {total}</title>")),
            "{fig}"
        );
        let q1_total = q1["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["department_id"] == id)
            .unwrap()["total"]
            .as_f64()
            .unwrap();
        assert!(
            fig.contains(&format!("<title>2026Q1: {q1_total:.2}</title>")),
            "{fig}"
        );
    }
    let gaj_q1 = &q1["departments"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (gaj_q1["department_id"].as_i64(), gaj_q1["grade"].as_str()),
        (Some(s.d("HHHT-GAJ") as i64), Some("fail")),
        "the scenario: GAJ last and failing in Q1"
    );
    let cat_columns = breakdown.matches("<th class=\"num\" data-key=").count();
    assert_eq!(
        cat_columns,
        departments[0]["breakdown"]["categories"]
            .as_array()
            .unwrap()
            .len()
    );
}

// ---- headless Chromium ----------------------------------------------------------------------

/// The Chromium to run: `$CHROMIUM`, else `/usr/bin/chromium`. Not found: a failure when
/// `CI` is set or `$CHROMIUM` names a missing file (.ci/run installs Chromium and sets it),
/// else `None` after saying that the test is skipped.
pub(crate) fn chromium(test: &str) -> Option<PathBuf> {
    let named = std::env::var_os("CHROMIUM")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let bin = named
        .clone()
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if bin.is_file() {
        return Some(bin);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if ci || named.is_some() {
        panic!(
            "{test}: headless Chromium not found at {} ($CHROMIUM, else /usr/bin/chromium); \
             CI must install Debian's `chromium` package",
            bin.display()
        );
    }
    eprintln!(
        "SKIPPED {test}: Chromium is not installed (apt-get install chromium, or set $CHROMIUM)"
    );
    None
}

/// Run headless Chromium with `mode` (`--screenshot=…` or `--dump-dom`) on `url` in a fresh
/// profile, killed after 60 s. Returns its standard output.
pub(crate) fn run_chromium(bin: &Path, mode: &str, url: &str) -> String {
    let profile =
        std::env::temp_dir().join(format!("console-chromium-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&profile).unwrap();
    let out_file = profile.with_extension("out");
    let err_file = profile.with_extension("err");
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-proxy-server",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.display()),
            "--window-size=1280,900",
            mode,
            url,
        ])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(std::fs::File::create(&err_file).unwrap())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > StdDuration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium {mode} {url}: no result after 60 s; stderr: {}",
                std::fs::read_to_string(&err_file).unwrap_or_default()
            );
        }
        std::thread::sleep(StdDuration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&out_file).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_file(&out_file);
    let _ = std::fs::remove_file(&err_file);
    assert!(
        status.success(),
        "chromium {mode} {url}: {status}; stderr: {stderr}"
    );
    stdout
}

/// Width, height and the total length of the image data (IDAT chunks) of a PNG.
fn png_facts(png: &[u8]) -> (u32, u32, usize) {
    assert!(png.len() > 33, "too short for a PNG: {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "IHDR first");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (w, h) = (be(&png[16..20]), be(&png[20..24]));
    let mut idat = 0;
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = be(&png[at..at + 4]) as usize;
        if &png[at + 4..at + 8] == b"IDAT" {
            idat += len;
        }
        at += 12 + len;
    }
    (w, h, idat)
}

async fn screenshot(bin: &Path, url: &str, file: &Path) -> Vec<u8> {
    let _ = std::fs::remove_file(file);
    let (bin, url, f) = (bin.to_path_buf(), url.to_string(), file.to_path_buf());
    tokio::task::spawn_blocking(move || {
        run_chromium(&bin, &format!("--screenshot={}", f.display()), &url)
    })
    .await
    .unwrap();
    let png = std::fs::read(file).unwrap_or_else(|e| panic!("screenshot {}: {e}", file.display()));
    let (w, h, _) = png_facts(&png);
    assert_eq!((w, h), (1280, 900), "screenshot size");
    png
}

#[tokio::test]
async fn the_assessment_page_renders_in_headless_chromium() {
    let Some(bin) = chromium("the_assessment_page_renders_in_headless_chromium") else {
        return;
    };
    let (s, _, _) = two_quarters().await;
    let url = format!(
        "{}/console/login?token={}",
        s.assessment,
        s.token(Role::OrgDept, None)
    );
    let dom = {
        let (bin, url) = (bin.clone(), url.clone());
        tokio::task::spawn_blocking(move || run_chromium(&bin, "--dump-dom", &url))
            .await
            .unwrap()
    };
    assert!(dom.contains("id=\"ranking\""), "{dom}");
    assert!(dom.contains("呼和浩特市公安局"));
    assert_eq!(dom.matches("<svg").count(), 4);

    let dir = std::env::var_os("CONSOLE_SCREENSHOT_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "console-screenshots-{:016x}",
                rand::random::<u64>()
            ))
        });
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("assessment-console.png");
    let png = screenshot(&bin, &url, &file).await;
    let blank = screenshot(&bin, "about:blank", &dir.join("blank.png")).await;
    let (_, _, page_data) = png_facts(&png);
    let (_, _, blank_data) = png_facts(&blank);
    eprintln!(
        "assessment screenshot: {} ({} bytes of image data; about:blank {})",
        file.display(),
        page_data,
        blank_data
    );
    assert!(
        page_data > 20_000 && page_data > 5 * blank_data,
        "the screenshot looks blank: {page_data} bytes of image data, about:blank {blank_data}"
    );
}
