//! The supervision console (`/console`): who may see it (401 anonymous, 403 other roles, the
//! `HttpOnly` cookie sign-in), the board's figures after a real sweep, and the page rendered by
//! headless Chromium (a screenshot checked for size and content).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use platform::auth::{JwtKeys, Role};
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::cases::{branch_of, hohhot, Hohhot};
use crate::helpers::*;

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The status and body of an HTML answer (asserting it is HTML).
async fn html(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let ct = content_type(&r);
    let body = r.text().await.unwrap();
    assert!(ct.starts_with("text/html"), "{status} {ct}: {body}");
    (status, body)
}

/// The `Set-Cookie` header of a response (the console sets at most one).
fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The HTML of the board row of the department with this code.
fn row<'a>(page: &'a str, code: &str) -> &'a str {
    let start = page
        .find(&format!("<tr data-dept=\"{code}\">"))
        .unwrap_or_else(|| panic!("no row for {code}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

fn cell(row: &str, class: &str) -> u64 {
    let start = row
        .find(&format!("<td class=\"num {class}"))
        .unwrap_or_else(|| panic!("no {class} cell in {row}"));
    let rest = &row[start..];
    let value = &rest[rest.find('>').unwrap() + 1..rest.find("</td>").unwrap()];
    value.parse().unwrap()
}

#[tokio::test]
async fn console_refuses_anonymous_and_other_roles() {
    let app = spawn_app().await;
    let url = format!("{}/console", app.address);

    let r = app.get_anon("/console").await;
    assert_eq!(r.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let (status, body) = html(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("<form method=\"post\" action=\"/console/login\">"));

    let forged = JwtKeys::hs256(b"another-secret-another-secret!!", 3600)
        .issue(1, "mallory", Role::Sysadmin, None, Utc::now())
        .unwrap();
    let (status, body) = html(app.get("/console", &forged).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("signature is not valid"), "{body}");

    for (role, dept) in [
        (Role::Clerk, None),
        (Role::Reviewer, Some(1)),
        (Role::Approver, Some(1)),
        (Role::OrgDept, None),
        (Role::Service, None),
        (Role::Sysadmin, None),
        (Role::Secadmin, None),
        (Role::Auditor, None),
    ] {
        let (status, body) = html(app.get("/console", &app.token(role, dept)).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        assert!(body.contains(&format!("<b>{role}</b>")), "{body}");
    }
    for role in [Role::Supervisor, Role::Assessor] {
        let (status, body) = html(app.get("/console", &app.token(role, None)).await).await;
        assert_eq!(status, StatusCode::OK, "{role}");
        assert!(body.contains("Open branches by department"));
    }

    // Signing in: a wrong role or a bad token sets no cookie.
    let client = no_redirects();
    let login = |token: &str| format!("{}/console/login?token={token}", app.address);
    let (status, body) = html(
        client
            .get(format!("{}/console/login", app.address))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("name=\"token\""));
    let r = client
        .get(login(&app.token(Role::Clerk, None)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status(), set_cookie(&r)),
        (StatusCode::FORBIDDEN, String::new())
    );
    let r = client.get(login("not-a-jwt")).send().await.unwrap();
    assert_eq!(
        (r.status(), set_cookie(&r)),
        (StatusCode::UNAUTHORIZED, String::new())
    );

    // A good token becomes an HttpOnly cookie scoped to the console, and the cookie lets in.
    let supervisor = app.token(Role::Supervisor, None);
    let r = client.get(login(&supervisor)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers().get(header::LOCATION).unwrap(), "/console");
    let cookie = set_cookie(&r);
    assert!(
        cookie.starts_with(&format!("approval_console_token={supervisor}")),
        "{cookie}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age="] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    let jar = jar_of(&r);
    assert!(jar.contains("approval_console_seen="), "{jar}");
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
    assert!(body.contains("test-supervisor (supervisor)"));
    // The same by the form (the token in the body, not the URL).
    let r = client
        .post(format!("{}/console/login", app.address))
        .form(&[("token", supervisor.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie(&r).contains("HttpOnly"));
    // The JSON API does not take the cookie.
    let r = client
        .get(format!("{}/v1/cards", app.address))
        .header(header::COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // An expired cookie is refused and cleared; signing out clears it too.
    let expired = app
        .keys
        .issue(
            1,
            "old",
            Role::Supervisor,
            None,
            Utc::now() - Duration::hours(2),
        )
        .unwrap();
    let r = client
        .get(&url)
        .header(header::COOKIE, format!("approval_console_token={expired}"))
        .send()
        .await
        .unwrap();
    let cleared = set_cookie(&r);
    let (status, body) = html(r).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("expired"), "{body}");
    assert!(
        cleared.starts_with("approval_console_token=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let r = client
        .post(format!("{}/console/logout", app.address))
        .header(header::COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers().get(header::LOCATION).unwrap(), "/console/login");
    assert!(set_cookie(&r).contains("Max-Age=0"));
}

/// The Hohhot case accepted Mon 9 Mar 10:00; the business licence approved at once (on
/// time); the sweep on Wed 11 Mar 09:00 finds the seal engraving (due Tue 10 17:00) overdue:
/// a warning and a yellow card.
async fn swept() -> Hohhot {
    let h = hohhot().await;
    let case = h.submit().await;
    h.approve(branch_of(&case, h.dept_of["HHHT-SCJG-001"]))
        .await;
    h.app.clock.set(at("2026-03-11T09:00:00+08:00"));
    let sup = h.app.token(Role::Supervisor, None);
    let run = expect_status(
        h.app
            .post("/v1/supervision/jobs/sweep/run", &sup, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["ran"], true, "{run}");
    h
}

#[tokio::test]
async fn the_board_shows_open_branches_and_cards_after_a_sweep() {
    let h = swept().await;
    let sup = h.app.token(Role::Supervisor, None);
    let r = h.app.get("/console", &sup).await;
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let (status, page) = html(r).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("as of 2026-03-11 09:00 (Asia/Shanghai)"));

    let names = [
        ("HHHT-ZWFW", "呼和浩特市政务服务中心"),
        ("HHHT-SCJG", "呼和浩特市工商行政管理局"),
        ("HHHT-ZJJ", "呼和浩特市质量技术监督局"),
        ("HHHT-SWJ", "呼和浩特市税务局"),
        ("HHHT-GAJ", "呼和浩特市公安局"),
        ("HHHT-SGB", "呼和浩特市审批管理办公室（审管办）"),
    ];
    for (code, name) in names {
        assert!(row(&page, code).contains(name), "{code}");
    }
    let gaj = row(&page, "HHHT-GAJ");
    assert_eq!(
        ["open", "overdue", "warning", "yellow", "red"].map(|c| cell(gaj, c)),
        [1, 1, 1, 1, 0],
        "{gaj}"
    );
    assert_eq!(cell(row(&page, "HHHT-SCJG"), "open"), 0, "approved");
    assert_eq!(cell(row(&page, "HHHT-ZJJ"), "open"), 1);
    assert_eq!(cell(row(&page, "HHHT-ZWFW"), "open"), 0);

    // Every department's card cells agree with the API's open cards.
    let open_cards = expect_status(
        h.app.get("/v1/cards?open=true&limit=200", &sup).await,
        StatusCode::OK,
    )
    .await;
    let open_cards = open_cards["items"].as_array().unwrap();
    for (code, _) in names {
        let dept = h
            .dept_of
            .iter()
            .find(|(item, _)| item.starts_with(&format!("{code}-")))
            .map(|(_, d)| *d);
        for level in ["warning", "yellow", "red"] {
            let want = open_cards
                .iter()
                .filter(|c| {
                    Some(c["department_id"].as_i64().unwrap() as i32) == dept && c["level"] == level
                })
                .count() as u64;
            assert_eq!(cell(row(&page, code), level), want, "{code} {level}");
        }
    }
    let total = row(&page, "");
    assert_eq!(cell(total, "yellow"), 1);
    assert_eq!(cell(total, "open"), 3);

    // The latest cards: the yellow card and the warning of the seal engraving.
    assert_eq!(page.matches("<tr class=\"card\"").count(), open_cards.len());
    assert_eq!(
        page.matches("<tr class=\"card\" data-level=\"yellow\">")
            .count(),
        1
    );
    assert!(page.contains("<span class=\"badge yellow\">黄牌 yellow</span>"));

    // The on-time chart: eight weeks, one with a finished branch (on time).
    let start = page.find("<section id=\"on-time\">").unwrap();
    let chart = &page[start..start + page[start..].find("</section>").unwrap()];
    assert_eq!(chart.matches("<svg").count(), 1);
    assert_eq!(chart.matches("class=\"xl\"").count(), 8, "a label per week");
    assert_eq!(chart.matches("<circle").count(), 1);
    assert!(chart.contains("<title>03-09: 100.0%</title>"), "{chart}");
    assert!(chart.contains("<td>01-19</td>"));
}

// ---- headless Chromium ----------------------------------------------------------------------

/// The Chromium to run: `$CHROMIUM`, else `/usr/bin/chromium`. Not found: a failure when
/// `CI` is set or `$CHROMIUM` names a missing file (.ci/run installs Chromium and sets it),
/// else `None` after saying that the test is skipped.
pub fn chromium(test: &str) -> Option<PathBuf> {
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

/// Run headless Chromium with `mode` (e.g. `--screenshot=…` or `--dump-dom`) on `url`, in a
/// fresh profile, killed after 60 s. Returns its standard output.
pub fn run_chromium(bin: &Path, mode: &str, url: &str) -> String {
    run_chromium_with(bin, &[mode], url)
}

/// [`run_chromium`] with several flags (e.g. `--virtual-time-budget=…` before `--dump-dom`,
/// so a page that submits a form is dumped after the navigation).
pub fn run_chromium_with(bin: &Path, modes: &[&str], url: &str) -> String {
    let mode = modes.join(" ");
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
        ])
        .args(modes)
        .arg(url)
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

/// A screenshot of `url` (1280×900) as PNG bytes, checked for signature and size.
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

/// Where screenshots are kept: `$CONSOLE_SCREENSHOT_DIR`, else a fresh temp folder.
fn screenshot_dir() -> PathBuf {
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
    dir
}

#[tokio::test]
async fn the_console_renders_in_headless_chromium() {
    let Some(bin) = chromium("the_console_renders_in_headless_chromium") else {
        return;
    };
    let h = swept().await;
    let url = format!(
        "{}/console/login?token={}",
        h.app.address,
        h.app.token(Role::Supervisor, None)
    );

    // The browser follows the sign-in redirect with its cookie and gets the board.
    let dom = {
        let (bin, url) = (bin.clone(), url.clone());
        tokio::task::spawn_blocking(move || run_chromium(&bin, "--dump-dom", &url))
            .await
            .unwrap()
    };
    assert!(dom.contains("id=\"board\""), "{dom}");
    assert!(dom.contains("呼和浩特市公安局"));
    assert!(dom.contains("<svg"));

    let dir = screenshot_dir();
    let file = dir.join("approval-console.png");
    let png = screenshot(&bin, &url, &file).await;
    let blank = screenshot(&bin, "about:blank", &dir.join("blank.png")).await;
    let (_, _, page_data) = png_facts(&png);
    let (_, _, blank_data) = png_facts(&blank);
    eprintln!(
        "console screenshot: {} ({} bytes of image data; about:blank {})",
        file.display(),
        page_data,
        blank_data
    );
    assert!(
        page_data > 20_000 && page_data > 5 * blank_data,
        "the screenshot looks blank: {page_data} bytes of image data, about:blank {blank_data}"
    );
}
