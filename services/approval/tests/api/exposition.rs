//! A strict reader of the Prometheus text exposition format (0.0.4) for the tests of both
//! services (the assessment suite includes this file by path). Written here because
//! `prometheus-parse` 0.2 silently drops samples whose label values hold `{`, as route
//! templates (`/v1/cases/{id}`) do.

use std::collections::HashMap;

use reqwest::StatusCode;

/// One sample line: `name{labels} value`.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub labels: HashMap<String, String>,
    pub value: f64,
}

/// One scrape, parsed strictly ([`parse_exposition`]).
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
    /// `# TYPE` of each family.
    pub types: HashMap<String, String>,
}

impl Scrape {
    /// The value of the first sample of `name` with these labels, 0 when there is none.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels).map(|s| s.value).unwrap_or(0.0)
    }

    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&Sample> {
        self.samples.iter().find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
        })
    }

    /// The label values of `label` over every sample of `name`.
    pub fn label_values(&self, name: &str, label: &str) -> Vec<String> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter_map(|s| s.labels.get(label).cloned())
            .collect()
    }

    /// A histogram's buckets (`le` → cumulative count) for these labels, in order.
    pub fn buckets(&self, family: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        assert_eq!(
            self.types.get(family).map(String::as_str),
            Some("histogram")
        );
        let name = format!("{family}_bucket");
        self.samples
            .iter()
            .filter(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).is_some_and(|x| x == v))
            })
            .map(|s| {
                let le = &s.labels["le"];
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().unwrap()
                };
                (le, s.value)
            })
            .collect()
    }
}

fn name_ok(n: &str) -> bool {
    n.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{a="x",b="y\"z"}` → labels; strict about quoting and escapes (a label value may hold any
/// character, `{` and `}` of a route template included).
fn parse_labels<'a>(line: &str, mut rest: &'a str) -> (HashMap<String, String>, &'a str) {
    let mut labels = HashMap::new();
    rest = rest.strip_prefix('{').unwrap();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let (name, r) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad label in: {line}"));
        assert!(name_ok(name), "bad label name in: {line}");
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    _ => panic!("bad escape in: {line}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in: {line}"),
            }
        };
        assert!(
            labels.insert(name.to_string(), value).is_none(),
            "label twice in: {line}"
        );
        rest = &r[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// A strict parse of the text exposition format (0.0.4): every line is a `# HELP`, a `# TYPE`
/// with a known type given before the family's samples, or `name{labels} value` with valid
/// names, quoted label values and a number.
pub fn parse_exposition(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            assert!(name_ok(name), "bad HELP line: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            assert!(name_ok(name), "bad TYPE line: {line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "bad TYPE line: {line}"
            );
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "TYPE twice: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment line: {line}");
        let end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..end];
        assert!(name_ok(name), "bad metric name: {line}");
        let (labels, rest) = if line[end..].starts_with('{') {
            parse_labels(line, &line[end..])
        } else {
            (HashMap::new(), &line[end..])
        };
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample without a TYPE: {line}");
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    (samples, types)
}

pub async fn scrape(client: &reqwest::Client, base: &str) -> Scrape {
    let r = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    let text = r.text().await.unwrap();
    let (samples, types) = parse_exposition(&text);
    Scrape {
        text,
        samples,
        types,
    }
}
