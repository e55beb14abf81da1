//! A small real SMTP server on loopback for the mail tests: EHLO/HELO, MAIL FROM, RCPT TO,
//! DATA (with dot-unstuffing), RSET, NOOP, QUIT. Every accepted message is recorded with its
//! envelope. It can be stopped (connection refused) and started again on the same port, and
//! can answer `550 mailbox unavailable` to recipients containing "reject".

use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as transmitted (headers and body), dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl Received {
    /// The unfolded value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with(' ') || line.starts_with('\t') {
                if let Some(v) = found.as_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) {
                    found = Some(v.trim().to_string());
                }
            }
        }
        found
    }

    /// The subject, RFC 2047 encoded words (`=?utf-8?b?...?=`) decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The body decoded according to `Content-Transfer-Encoding` (base64 or 7bit).
    pub fn body_text(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
        let cte = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if cte == "base64" {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes)
                .expect("utf-8 body")
                .replace("\r\n", "\n")
        } else {
            body.replace("\r\n", "\n")
        }
    }
}

/// Decode RFC 2047 B-encoded UTF-8 words; whitespace between two encoded words is dropped.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut prev_encoded = false;
    for token in value.split_whitespace() {
        let lower = token.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && lower.ends_with("?=") {
            let payload = &token["=?utf-8?b?".len()..token.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(payload)
                .expect("base64 encoded word");
            if !prev_encoded && !out.is_empty() {
                out.push(' ');
            }
            pending.extend(bytes);
            prev_encoded = true;
        } else {
            if !pending.is_empty() {
                out.push_str(&String::from_utf8(std::mem::take(&mut pending)).expect("utf-8"));
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token);
            prev_encoded = false;
        }
    }
    if !pending.is_empty() {
        out.push_str(&String::from_utf8(pending).expect("utf-8"));
    }
    out
}

pub struct SmtpSink {
    port: u16,
    reject_marked: bool,
    /// How long the sink takes to accept each message (after DATA).
    delay: std::time::Duration,
    messages: Arc<Mutex<Vec<Received>>>,
    task: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// A sink accepting every recipient, on a free loopback port.
    pub async fn start() -> SmtpSink {
        Self::start_with(false).await
    }

    /// A sink answering `550 mailbox unavailable` to recipients containing "reject".
    pub async fn start_rejecting() -> SmtpSink {
        Self::start_with(true).await
    }

    /// A sink that takes `delay` to accept each message: a slow mail server.
    pub async fn start_slow(delay: std::time::Duration) -> SmtpSink {
        let mut sink = SmtpSink {
            port: 0,
            reject_marked: false,
            delay,
            messages: Arc::new(Mutex::new(Vec::new())),
            task: None,
        };
        sink.listen().await;
        sink
    }

    async fn start_with(reject_marked: bool) -> SmtpSink {
        let mut sink = SmtpSink {
            port: 0,
            reject_marked,
            delay: std::time::Duration::ZERO,
            messages: Arc::new(Mutex::new(Vec::new())),
            task: None,
        };
        sink.listen().await;
        sink
    }

    async fn listen(&mut self) {
        assert!(self.task.is_none(), "sink already running");
        let socket = TcpSocket::new_v4().expect("socket");
        // Rebinding the same port right after a stop must not trip over TIME_WAIT.
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket
            .bind(([127, 0, 0, 1], self.port).into())
            .expect("bind sink");
        let listener = socket.listen(64).expect("listen");
        self.port = listener.local_addr().unwrap().port();
        let messages = self.messages.clone();
        let reject = self.reject_marked;
        let delay = self.delay;
        self.task = Some(tokio::spawn(accept_loop(listener, messages, reject, delay)));
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:{port}` (plain SMTP, as `SMTP_URL`).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stop listening and drop every open connection: new connections are refused.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            // Returns once the task (listener and connection set included) has been dropped.
            let _ = task.await;
        }
    }

    /// Listen again on the same port, keeping what was received so far.
    pub async fn restart(&mut self) {
        let port = self.port;
        self.listen().await;
        assert_eq!(self.port, port, "restarted on the same port");
    }

    /// Everything accepted so far, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    messages: Arc<Mutex<Vec<Received>>>,
    reject: bool,
    delay: std::time::Duration,
) {
    // Owned here: aborting this task drops the listener and aborts every connection.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(serve(stream, messages.clone(), reject, delay));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(
    stream: TcpStream,
    messages: Arc<Mutex<Vec<Received>>>,
    reject: bool,
    delay: std::time::Duration,
) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut from: Option<String> = None;
    let mut rcpt: Vec<String> = Vec::new();
    macro_rules! reply {
        ($s:expr) => {
            if write.write_all($s.as_bytes()).await.is_err() {
                return;
            }
        };
    }
    reply!("220 sink.test ESMTP ready\r\n");
    let mut line = Vec::new();
    loop {
        line.clear();
        match read.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let verb = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => {
                from = None;
                rcpt.clear();
                reply!("250-sink.test greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n");
            }
            "HELO" => {
                from = None;
                rcpt.clear();
                reply!("250 sink.test\r\n");
            }
            "MAIL" => match angle_arg(text, "MAIL FROM:") {
                Some(addr) => {
                    from = Some(addr);
                    rcpt.clear();
                    reply!("250 2.1.0 OK\r\n");
                }
                None => reply!("501 5.5.4 syntax: MAIL FROM:<address>\r\n"),
            },
            "RCPT" => match (&from, angle_arg(text, "RCPT TO:")) {
                (None, _) => reply!("503 5.5.1 need MAIL first\r\n"),
                (_, None) => reply!("501 5.5.4 syntax: RCPT TO:<address>\r\n"),
                (Some(_), Some(addr)) if reject && addr.contains("reject") => {
                    reply!("550 5.1.1 mailbox unavailable\r\n")
                }
                (Some(_), Some(addr)) => {
                    rcpt.push(addr);
                    reply!("250 2.1.5 OK\r\n");
                }
            },
            "DATA" => {
                if from.is_none() || rcpt.is_empty() {
                    reply!("503 5.5.1 need MAIL and RCPT first\r\n");
                    continue;
                }
                reply!("354 end data with <CR><LF>.<CR><LF>\r\n");
                let mut data = String::new();
                loop {
                    line.clear();
                    match read.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let l = String::from_utf8_lossy(&line).into_owned();
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                tokio::time::sleep(delay).await;
                messages.lock().unwrap().push(Received {
                    mail_from: from.take().unwrap_or_default(),
                    rcpt_to: std::mem::take(&mut rcpt),
                    data,
                });
                reply!("250 2.0.0 OK queued\r\n");
            }
            "RSET" => {
                from = None;
                rcpt.clear();
                reply!("250 2.0.0 OK\r\n");
            }
            "NOOP" => reply!("250 2.0.0 OK\r\n"),
            "QUIT" => {
                reply!("221 2.0.0 bye\r\n");
                let _ = write.shutdown().await;
                return;
            }
            _ => reply!("502 5.5.2 command not implemented\r\n"),
        }
    }
}

/// The `<address>` after a `MAIL FROM:` / `RCPT TO:` prefix (case-insensitive; parameters
/// after it ignored).
fn angle_arg(line: &str, prefix: &str) -> Option<String> {
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_string())
}

#[test]
fn sink_parsing_helpers() {
    assert_eq!(
        decode_words("=?utf-8?b?6buE54mM?= =?utf-8?b?6K2m5ZGK?= A-17"),
        "黄牌警告 A-17"
    );
    assert_eq!(decode_words("plain subject"), "plain subject");
    assert_eq!(
        angle_arg("mail from:<a@b.c> BODY=8BITMIME", "MAIL FROM:"),
        Some("a@b.c".into())
    );
    assert_eq!(angle_arg("RCPT TO:<>", "RCPT TO:"), Some(String::new()));
    assert_eq!(angle_arg("RCPT TO:x", "RCPT TO:"), None);
}

/// The sink itself, driven by hand: HELO, NOOP, RSET, a dot-stuffed line, QUIT.
#[tokio::test]
async fn sink_speaks_smtp_by_hand() {
    let mut sink = SmtpSink::start().await;
    let stream = TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut expect = async |send: &str, code: &str| {
        if !send.is_empty() {
            write.write_all(send.as_bytes()).await.unwrap();
        }
        line.clear();
        read.read_line(&mut line).await.unwrap();
        assert!(line.starts_with(code), "{send:?} -> {line:?}");
    };
    expect("", "220").await;
    expect("HELO client\r\n", "250").await;
    expect("RCPT TO:<early@x.test>\r\n", "503").await;
    expect("MAIL FROM:<dropped@x.test>\r\n", "250").await;
    expect("RSET\r\n", "250").await;
    expect("NOOP\r\n", "250").await;
    expect("MAIL FROM:<a@x.test>\r\n", "250").await;
    expect("RCPT TO:<b@x.test>\r\n", "250").await;
    expect("DATA\r\n", "354").await;
    expect("Subject: hi\r\n\r\n..leading dot\r\nend\r\n.\r\n", "250").await;
    expect("QUIT\r\n", "221").await;
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "a@x.test");
    assert_eq!(got[0].rcpt_to, vec!["b@x.test".to_string()]);
    assert_eq!(got[0].data, "Subject: hi\r\n\r\n.leading dot\r\nend\r\n");
    assert_eq!(got[0].body_text(), ".leading dot\nend\n");
    // Stopped: refused. Restarted: same port, same record.
    sink.stop().await;
    assert!(TcpStream::connect(("127.0.0.1", sink.port()))
        .await
        .is_err());
    sink.restart().await;
    assert!(TcpStream::connect(("127.0.0.1", sink.port())).await.is_ok());
    assert_eq!(sink.messages().len(), 1);
}
