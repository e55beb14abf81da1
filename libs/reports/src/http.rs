//! Reports as HTTP downloads: the `format` query parameter (`json` by default, `xlsx`, `csv`,
//! and `pdf` where a report has one) and the attachment answer with a Chinese file name
//! (`Content-Disposition: attachment; filename="ascii"; filename*=UTF-8''…`, RFC 6266 / RFC 5987).

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::ToSchema;

/// How a report is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// `application/json` (the default).
    #[default]
    Json,
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
    Xlsx,
    /// `text/csv; charset=utf-8`, with a byte-order mark.
    Csv,
    /// `application/pdf` (the monthly analysis only).
    Pdf,
}

/// How a tabular report is answered (no PDF).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// `application/json` (the default).
    #[default]
    Json,
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
    Xlsx,
    /// `text/csv; charset=utf-8`, with a byte-order mark.
    Csv,
}

impl From<TableFormat> for ExportFormat {
    fn from(f: TableFormat) -> Self {
        match f {
            TableFormat::Json => ExportFormat::Json,
            TableFormat::Xlsx => ExportFormat::Xlsx,
            TableFormat::Csv => ExportFormat::Csv,
        }
    }
}

/// A file in a response body (OpenAPI: `string`, `format: binary`).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileDownload(pub Vec<u8>);

pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub const PDF_CONTENT_TYPE: &str = "application/pdf";

impl ExportFormat {
    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Csv => "csv",
            ExportFormat::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Xlsx => XLSX_CONTENT_TYPE,
            ExportFormat::Csv => CSV_CONTENT_TYPE,
            ExportFormat::Pdf => PDF_CONTENT_TYPE,
        }
    }
}

/// Percent-encoding of a value for `filename*` (RFC 5987 `attr-char` kept as is).
pub fn rfc5987(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attachment; filename="{ascii}"; filename*=UTF-8''{name}`: `ascii` for old clients (no
/// quotes or backslashes), the Chinese `name` for every current one.
pub fn content_disposition(name: &str, ascii: &str) -> String {
    let ascii: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(name)
    )
}

/// A file download: `bytes` as `format`, named `{name}.{ext}` (ASCII fallback `{ascii}.{ext}`).
pub fn download(format: ExportFormat, bytes: Vec<u8>, name: &str, ascii: &str) -> HttpResponse {
    let ext = format.extension();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&format!("{name}.{ext}"), &format!("{ascii}.{ext}")),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_file_names_are_percent_encoded() {
        assert_eq!(
            content_disposition("统计.xlsx", "statistics.xlsx"),
            "attachment; filename=\"statistics.xlsx\"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.xlsx"
        );
        assert_eq!(rfc5987("a b\"c"), "a%20b%22c");
    }
}
