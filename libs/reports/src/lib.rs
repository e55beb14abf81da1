//! Reports people open outside the API: spreadsheets (`.xlsx`, written with `rust_xlsxwriter`),
//! CSV (UTF-8 with a byte-order mark, RFC 4180 quoting) and PDF with charts (`krilla`, a CJK
//! TrueType font embedded as a subset).
//!
//! The services compute their figures once (the JSON answer) and describe them as [`Sheet`]s:
//! Chinese sheet names and column headers, typed cells (a count is a number, a rate a number
//! with a percent format, a moment a local Asia/Shanghai date-time). [`http`] turns a sheet into
//! a download with a Chinese file name.

pub mod http;
pub mod pdf;
pub mod table;

pub use http::{download, ExportFormat, TableFormat};
pub use table::{Cell, Column, ColumnKind, Sheet};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("spreadsheet: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("csv: {0}")]
    Csv(String),
    #[error("pdf: {0}")]
    Pdf(String),
    /// No CJK font is configured or found (`PDF_FONT`).
    #[error("{0}")]
    FontMissing(String),
}

impl From<ReportError> for platform::ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::FontMissing(message) => platform::ApiError::NotConfigured {
                code: "pdf_font_missing",
                message,
            },
            other => platform::ApiError::Internal(other.to_string()),
        }
    }
}
