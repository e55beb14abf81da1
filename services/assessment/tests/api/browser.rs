//! A citizen's browser for the tests: Debian's `chromedriver` driving headless Chromium over
//! WebDriver (the `fantoccini` client), so a test can click links, fill forms, submit them and
//! print pages as a person would. Where Chromium or chromedriver is missing the test is skipped
//! with a printed line, except under CI (`CI` set) or when `CHROMEDRIVER` names a driver, where
//! it fails: CI installs both (`.ci/run`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

/// A running chromedriver with one browser session; the driver is killed when dropped.
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process and the browser profile, cleaned up on drop (also when the test
/// fails before the session opened).
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn chromedriver(test: &str) -> Option<PathBuf> {
    let named = std::env::var_os("CHROMEDRIVER")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let bin = named
        .clone()
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    if bin.is_file() {
        return Some(bin);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if ci || named.is_some() {
        panic!(
            "{test}: chromedriver not found at {} ($CHROMEDRIVER, else /usr/bin/chromedriver); \
             CI must install Debian's `chromium-driver` package",
            bin.display()
        );
    }
    eprintln!(
        "SKIPPED {test}: chromedriver is not installed (apt-get install chromium-driver, or set $CHROMEDRIVER)"
    );
    None
}

/// Start chromedriver on a free port and open a headless session (A4-sized window, Chinese
/// fonts as installed). `None` (test skipped) when Chromium or chromedriver is not installed.
pub async fn browser(test: &str) -> Option<Browser> {
    let chromium = crate::console::chromium(test)?;
    let driver_bin = chromedriver(test)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        profile: std::env::temp_dir()
            .join(format!("webdriver-chromium-{:016x}", rand::random::<u64>())),
    };
    let client = connect(port, &chromium, &driver.profile).await;
    client.set_window_size(1280, 900).await.ok();
    Some(Browser {
        client,
        _driver: driver,
    })
}

async fn connect(port: u16, chromium: &std::path::Path, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium.display().to_string(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-proxy-server",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    // The driver needs a moment to listen: retry for up to 20 s.
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no WebDriver session on {url}: {last:?}");
}

/// Click `target` and wait until the browser has left the current page (its root element gone
/// stale), up to 20 s: a click that submits a form or follows a link returns before the next
/// page is there.
pub async fn click_and_wait(c: &Client, target: fantoccini::elements::Element) {
    let root = c
        .find(fantoccini::Locator::Css("html"))
        .await
        .expect("a page is open");
    target.click().await.expect("click");
    for _ in 0..400 {
        match root.tag_name().await {
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
            {
                return;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("the page did not change after the click");
}
