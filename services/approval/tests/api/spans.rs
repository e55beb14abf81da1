//! Every function of both services that opens a database transaction is traced as one
//! `db.transaction` span (`#[tracing::instrument(name = "db.transaction", …)]`), so a trace
//! shows each transaction of a request: a source scan, failing on a new one left out.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_function_that_opens_a_transaction_has_a_span() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for svc in ["approval", "assessment"] {
        rust_files(&root.join(svc).join("src"), &mut files);
    }
    let mut missing = Vec::new();
    let mut seen = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut current: Option<usize> = None;
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            if t.starts_with("pub async fn ")
                || t.starts_with("async fn ")
                || t.starts_with("pub(crate) async fn ")
            {
                current = Some(i);
            }
            if l.contains(".begin().await") {
                let Some(start) = current else { continue };
                seen += 1;
                let above = lines[start.saturating_sub(3)..start].join("\n");
                if !above.contains("tracing::instrument(name = \"db.transaction\"") {
                    missing.push(format!("{}:{}", f.display(), start + 1));
                }
            }
        }
    }
    assert!(seen > 50, "the scan found the transactions ({seen})");
    missing.dedup();
    assert!(
        missing.is_empty(),
        "transactions without a span: {missing:#?}"
    );
}
