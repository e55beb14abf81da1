//! A table of typed cells and its two renderings: `.xlsx` (one worksheet per [`Sheet`], frozen
//! header row, percent and date formats) and `.csv` (one sheet, UTF-8 with BOM so that Excel
//! reads Chinese correctly, RFC 4180 quoting by the `csv` crate).
//!
//! In CSV a rate is written as the same 0–1 fraction the JSON carries (`0.75`), an empty field
//! when there is none; a moment is written as local Asia/Shanghai time `YYYY-MM-DD HH:MM:SS`.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

use crate::ReportError;

/// What a column holds (decides the cell format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    /// Whole numbers (counts).
    Integer,
    /// Decimal numbers (scores), two places.
    Decimal,
    /// A fraction 0–1 shown as a percentage (`0.0%`).
    Percent,
    /// A calendar date.
    Date,
    /// A moment, shown in Asia/Shanghai time.
    DateTime,
}

/// A column: its Chinese header and what it holds.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: ColumnKind,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: ColumnKind) -> Self {
        Column {
            header: header.into(),
            kind,
        }
    }
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    /// Nothing (a rate when nothing was finished).
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n as f64)
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n as f64)
    }
}
impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Number(f64::from(n))
    }
}
impl From<u32> for Cell {
    fn from(n: u32) -> Self {
        Cell::Number(f64::from(n))
    }
}
impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Number(n)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Cell::Empty)
    }
}

/// A worksheet: a name (at most 31 characters, Excel's limit), the columns, the rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: impl Into<String>, columns: Vec<Column>) -> Self {
        Sheet {
            name: name.into(),
            columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}

/// Excel's forbidden sheet-name characters replaced, cut to 31 characters.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet1".into()
    } else {
        cleaned
    }
}

fn local(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&chrono_tz::Asia::Shanghai).naive_local()
}

fn excel_range(d: NaiveDate) -> bool {
    (1900..=9999).contains(&d.year())
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, ReportError> {
    Ok(ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        d.month() as u8,
        d.day() as u8,
    )?)
}

/// The workbook with one worksheet per sheet.
pub fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold().set_align(FormatAlign::Center);
    let integer = Format::new().set_num_format("0");
    let decimal = Format::new().set_num_format("0.00");
    let percent = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let text = Format::new();
    for sheet in sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(sheet_name(&sheet.name))?;
        for (c, col) in sheet.columns.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, &col.header, &header)?;
            let width = match col.kind {
                ColumnKind::Text => 24.0,
                ColumnKind::DateTime => 20.0,
                _ => 12.0,
            };
            ws.set_column_width(c, width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, cell) in row.iter().enumerate() {
                let kind = sheet
                    .columns
                    .get(c)
                    .map(|col| col.kind)
                    .unwrap_or(ColumnKind::Text);
                let format = match kind {
                    ColumnKind::Text => &text,
                    ColumnKind::Integer => &integer,
                    ColumnKind::Decimal => &decimal,
                    ColumnKind::Percent => &percent,
                    ColumnKind::Date => &date,
                    ColumnKind::DateTime => &datetime,
                };
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        ws.write_string_with_format(r, c, s, format)?;
                    }
                    Cell::Number(n) => {
                        ws.write_number_with_format(r, c, *n, format)?;
                    }
                    // Excel knows 1900-01-01 to 9999-12-31; anything else is written as text.
                    Cell::Date(d) if excel_range(*d) => {
                        ws.write_datetime_with_format(r, c, excel_date(*d)?, format)?;
                    }
                    Cell::DateTime(t) if excel_range(local(*t).date()) => {
                        let l = local(*t);
                        let dt = excel_date(l.date())?.and_hms(
                            l.hour() as u16,
                            l.minute() as u8,
                            l.second(),
                        )?;
                        ws.write_datetime_with_format(r, c, dt, format)?;
                    }
                    Cell::Date(_) | Cell::DateTime(_) => {
                        ws.write_string_with_format(r, c, csv_field(cell), &text)?;
                    }
                    Cell::Empty => {
                        ws.write_blank(r, c, format)?;
                    }
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                format!("{n}")
            }
        }
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(t) => local(*t).format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Empty => String::new(),
    }
}

/// The sheet as CSV: BOM, header row, one line per row, CRLF line ends (RFC 4180).
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>, ReportError> {
    let mut out = BOM.to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(sheet.columns.iter().map(|c| c.header.as_str()))
            .map_err(|e| ReportError::Csv(e.to_string()))?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(csv_field))
                .map_err(|e| ReportError::Csv(e.to_string()))?;
        }
        w.flush().map_err(|e| ReportError::Csv(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn sample() -> Sheet {
        let mut s = Sheet::new(
            "统计",
            vec![
                Column::new("部门", ColumnKind::Text),
                Column::new("受理件数", ColumnKind::Integer),
                Column::new("按时办结率", ColumnKind::Percent),
                Column::new("生成时间", ColumnKind::DateTime),
            ],
        );
        s.push(vec![
            "公安局, \"治安\"".into(),
            3u64.into(),
            Some(0.75).into(),
            Cell::DateTime("2026-03-31T16:30:00Z".parse().unwrap()),
        ]);
        s.push(vec![
            "市场监管局".into(),
            0u64.into(),
            None::<f64>.into(),
            Cell::Empty,
        ]);
        s
    }

    #[test]
    fn csv_has_a_bom_quotes_and_local_time() {
        let bytes = csv(&sample()).unwrap();
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "公安局, \"治安\"");
        assert_eq!(&rows[0][1], "3");
        assert_eq!(&rows[0][2], "0.75");
        assert_eq!(
            &rows[0][3], "2026-04-01 00:30:00",
            "Asia/Shanghai, the next day"
        );
        assert_eq!(&rows[1][2], "");
        assert!(text.contains("\r\n"));
    }

    #[test]
    fn xlsx_numbers_are_numbers() {
        let bytes = xlsx(&[sample()]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["统计".to_string()]);
        let range = book.worksheet_range("统计").unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("受理件数".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(3.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(0.75)));
    }

    #[test]
    fn dates_excel_cannot_hold_are_text() {
        let mut s = Sheet::new("说明", vec![Column::new("日期", ColumnKind::Date)]);
        s.push(vec![Cell::Date(NaiveDate::from_ymd_opt(1, 1, 1).unwrap())]);
        s.push(vec![Cell::Date(
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        )]);
        let bytes = xlsx(&[s]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("说明").unwrap();
        assert_eq!(range.get((1, 0)), Some(&Data::String("0001-01-01".into())));
        assert!(matches!(range.get((2, 0)), Some(Data::DateTime(_))));
    }

    #[test]
    fn sheet_names_follow_excel_rules() {
        assert_eq!(sheet_name("a/b"), "a_b");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }
}
