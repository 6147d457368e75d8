//! CSV files: header checked against a schema, rows read with their file line, cells parsed with located errors.

use std::io::Cursor;
use std::path::Path;

use csv::StringRecord;
use mutua_core::Source;

use crate::error::{ErrorKind, LoadError};
use crate::text::{self, Presence, line_number};

/// A column of a CSV file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// Its name in the header.
    pub name: &'static str,
    /// Whether the header may leave it out (every cell of such a column is optional).
    pub header: Presence,
}

/// A column the header must have.
pub(crate) const fn required(name: &'static str) -> Column {
    Column { name, header: Presence::Required }
}

/// A column the header may leave out.
pub(crate) const fn optional(name: &'static str) -> Column {
    Column { name, header: Presence::Optional }
}

/// What a CSV file of the format looks like.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema {
    /// The file name, relative to the dataset directory.
    pub file: &'static str,
    /// Whether the file must exist.
    pub presence: Presence,
    /// Its columns, in the documented order (the file may order them differently).
    pub columns: &'static [Column],
}

/// A CSV file whose header matched its schema, read one record at a time ([`Table::next_row`]): a table of
/// millions of rows never holds more than its text and the record being read.
pub(crate) struct Table {
    schema: Schema,
    /// For each schema column, its index in the file's records (`None` for an optional column left out).
    positions: Vec<Option<usize>>,
    /// The reader over the file's text, which it owns.
    reader: csv::Reader<Cursor<Vec<u8>>>,
    /// The record being read, reused from row to row.
    record: StringRecord,
    lines: LineFinder,
    /// Set after an error that leaves the reader in an unknown state.
    stopped: bool,
    /// About the number of records: the line breaks after the header, at most the bytes after it / 48.
    rows_hint: usize,
}

/// Reads a CSV file of the dataset. Returns `None` after pushing errors when the file is missing, unreadable,
/// not UTF-8 or has a bad header (its rows are then not read: they could not be interpreted reliably), or
/// without error when an optional file is absent. Rows with the wrong number of cells are reported (by
/// [`Table::next_row`]) and left out.
pub(crate) fn read(dir: &Path, schema: Schema, errors: &mut Vec<LoadError>) -> Option<Table> {
    let text = text::read(dir, schema.file, schema.presence, errors)?;
    parse(text, schema, errors)
}

pub(crate) fn parse(text: String, schema: Schema, errors: &mut Vec<LoadError>) -> Option<Table> {
    let file = schema.file;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(Cursor::new(text.into_bytes()));
    let mut lines = LineFinder::default();
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            let line = lines.line(reader.get_ref().get_ref(), error.position());
            errors.push(LoadError::new(file, line, "header", csv_error(&error)));
            return None;
        }
    };
    let header_line = lines.line(reader.get_ref().get_ref(), header.position()).max(1);
    if header.is_empty() {
        errors.push(LoadError::new(file, 1, "header", ErrorKind::NoHeader));
        return None;
    }
    let positions = match check_header(&header, schema) {
        Ok(positions) => positions,
        Err(kinds) => {
            errors.extend(kinds.into_iter().map(|kind| LoadError::new(file, header_line, "header", kind)));
            return None;
        }
    };
    let bytes = reader.get_ref().get_ref();
    let after_header = usize::try_from(reader.position().byte()).unwrap_or(0).min(bytes.len());
    let rest = &bytes[after_header..];
    // Line breaks overcount what blank lines or quoted breaks hold; no record of the format is shorter than
    // about 48 bytes on average, so a file of line breaks cannot make the hint more than its bytes / 48.
    let rows_hint = rest.iter().filter(|&&byte| byte == b'\n').count().min(rest.len() / 48) + 1;
    Some(Table { schema, positions, reader, record: StringRecord::new(), lines, stopped: false, rows_hint })
}

/// Finds the 1-based file line a record starts on.
///
/// csv's own `Position::line` does not count the empty lines it skips, and its byte offset is where the
/// previous record ended; so count the line breaks up to that offset, then those of the empty lines skipped.
/// Records come in file order, so the count goes on from the previous record rather than from the start
/// (which would make reading a file quadratic in its size).
#[derive(Debug, Default)]
struct LineFinder {
    offset: usize,
    newlines: usize,
}

impl LineFinder {
    /// The line of `position` in `bytes` (the file's whole text).
    fn line(&mut self, bytes: &[u8], position: Option<&csv::Position>) -> u32 {
        let Some(position) = position else { return 0 };
        let target = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(bytes.len());
        if target < self.offset {
            // Never happens with csv's increasing positions; recount rather than assume.
            self.offset = 0;
            self.newlines = 0;
        }
        self.newlines += bytes[self.offset..target].iter().filter(|&&b| b == b'\n').count();
        self.offset = target;
        let skipped = bytes[target..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        line_number(self.newlines + skipped)
    }
}

fn csv_error(error: &csv::Error) -> ErrorKind {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => ErrorKind::CellCount {
            expected: usize::try_from(*expected_len).unwrap_or(usize::MAX),
            found: usize::try_from(*len).unwrap_or(usize::MAX),
        },
        _ => ErrorKind::Csv(error.to_string()),
    }
}

/// Matches the header against the schema: every column known, none twice, every required one present.
fn check_header(header: &StringRecord, schema: Schema) -> Result<Vec<Option<usize>>, Vec<ErrorKind>> {
    let mut problems = Vec::new();
    let mut positions = vec![None; schema.columns.len()];
    for (index, name) in header.iter().enumerate() {
        match schema.columns.iter().position(|column| column.name == name) {
            None => problems.push(ErrorKind::UnknownColumn {
                column: name.to_owned(),
                expected: schema.columns.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
            }),
            Some(column) => {
                if positions[column].is_some() {
                    problems.push(ErrorKind::DuplicateColumn(name.to_owned()));
                }
                positions[column] = Some(index);
            }
        }
    }
    for (column, position) in schema.columns.iter().zip(&positions) {
        if position.is_none() && column.header == Presence::Required {
            problems.push(ErrorKind::MissingColumn(column.name.to_owned()));
        }
    }
    if problems.is_empty() { Ok(positions) } else { Err(problems) }
}

impl Table {
    /// About how many rows the table has (its line breaks after the header, plus one), to size what is read
    /// from it once rather than by doubling.
    pub(crate) fn rows_hint(&self) -> usize {
        self.rows_hint
    }

    /// The next row, ready to have its cells parsed, reporting into `errors`; `None` at the end of the file.
    /// A record with the wrong number of cells is reported and skipped; any other CSV error (there are no I/O
    /// errors on text in memory) is reported and ends the table, since it leaves the reader in an unknown state.
    pub(crate) fn next_row<'t, 'e>(&'t mut self, errors: &'e mut Vec<LoadError>) -> Option<Row<'t, 'e>> {
        let file = self.schema.file;
        while !self.stopped {
            match self.reader.read_record(&mut self.record) {
                Ok(true) => {
                    let line = self.lines.line(self.reader.get_ref().get_ref(), self.record.position());
                    let layout = Layout { schema: &self.schema, positions: &self.positions };
                    return Some(Row { layout, line, record: &self.record, errors });
                }
                Ok(false) => self.stopped = true,
                Err(error) => {
                    self.stopped = !matches!(error.kind(), csv::ErrorKind::UnequalLengths { .. });
                    let line = self.lines.line(self.reader.get_ref().get_ref(), error.position());
                    errors.push(LoadError::new(file, line, "row", csv_error(&error)));
                }
            }
        }
        None
    }
}

/// Where each schema column is in a table's records.
#[derive(Clone, Copy)]
struct Layout<'t> {
    schema: &'t Schema,
    positions: &'t [Option<usize>],
}

impl<'t> Layout<'t> {
    fn cell<'r>(&self, record: &'r StringRecord, column: &str) -> &'r str {
        let index = self.schema.columns.iter().position(|c| c.name == column);
        debug_assert!(index.is_some(), "column `{column}` is not in the schema of {}", self.schema.file);
        index.and_then(|index| self.positions[index]).and_then(|position| record.get(position)).unwrap_or("")
    }
}

/// The characters a spreadsheet takes as the start of a formula, which mutua's CSV exports guard with a
/// leading apostrophe (`mutua_documents::export::spreadsheet_safe`): `=`, `+`, `-`, `@`, tab and carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell without the apostrophe that guards a formula character (CSV formula injection): one leading `'`
/// is taken off when the character after it is `=`, `+`, `-`, `@`, a tab or a carriage return, so that a label
/// exported as `'=SUM(A1)` (in `carried.csv`) reads back as `=SUM(A1)`. Any other text is kept as is: `'Allo`, a
/// lone `'`, `''=x` (the character after the first apostrophe is an apostrophe).
pub(crate) fn without_formula_guard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// One row of a table, whose cells are parsed one by one; each failure is reported and gives `None`.
pub(crate) struct Row<'t, 'e> {
    layout: Layout<'t>,
    line: u32,
    record: &'t StringRecord,
    errors: &'e mut Vec<LoadError>,
}

impl Row<'_, '_> {
    /// The row's 1-based file line.
    pub(crate) fn line(&self) -> u32 {
        self.line
    }

    /// Where the row's record comes from.
    pub(crate) fn source(&self) -> Source {
        Source::at(self.layout.schema.file, self.line)
    }

    /// Reports an error about a column of this row.
    pub(crate) fn error(&mut self, column: &str, kind: ErrorKind) {
        self.errors.push(LoadError::new(self.layout.schema.file, self.line, column, kind));
    }

    /// A cell that must not be empty, parsed.
    pub(crate) fn required<T, E: Into<ErrorKind>>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.layout.cell(self.record, column);
        if text.is_empty() {
            self.error(column, ErrorKind::MissingValue);
            return None;
        }
        match parse(text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.error(column, error.into());
                None
            }
        }
    }

    /// A cell that may be empty: `Some(None)` when it is, `None` when it does not parse.
    pub(crate) fn optional<T, E: Into<ErrorKind>>(
        &mut self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let text = self.layout.cell(self.record, column);
        if text.is_empty() {
            return Some(None);
        }
        match parse(text) {
            Ok(value) => Some(Some(value)),
            Err(error) => {
                self.error(column, error.into());
                None
            }
        }
    }

    /// A required text cell, as is.
    pub(crate) fn text(&mut self, column: &str) -> Option<String> {
        self.required(column, |text| Ok::<_, ErrorKind>(text.to_owned()))
    }

    /// A required text cell of a file mutua itself exports (`carried.csv`), without the apostrophe its
    /// spreadsheet-safe export puts before a formula character ([`without_formula_guard`]): `'=SUM(A1)` reads
    /// `=SUM(A1)`.
    pub(crate) fn exported_text(&mut self, column: &str) -> Option<String> {
        self.required(column, |text| Ok::<_, ErrorKind>(without_formula_guard(text).to_owned()))
    }

    /// An optional text cell, as is.
    pub(crate) fn optional_text(&mut self, column: &str) -> Option<String> {
        let text = self.layout.cell(self.record, column);
        (!text.is_empty()).then(|| text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        file: "t.csv",
        presence: Presence::Required,
        columns: &[required("a"), required("b"), optional("c")],
    };

    fn run(text: &str) -> (Vec<(u32, String, Option<String>)>, Vec<String>) {
        let mut errors = Vec::new();
        let mut out = Vec::new();
        if let Some(mut table) = parse(text.to_owned(), SCHEMA, &mut errors) {
            while let Some(mut row) = table.next_row(&mut errors) {
                let line = row.line();
                let a = row.text("a");
                let c = row.optional_text("c");
                if let Some(a) = a {
                    out.push((line, a, c));
                }
            }
        }
        (out, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn header_and_rows_table() {
        let row = |line: u32, a: &str, c: Option<&str>| (line, a.to_owned(), c.map(str::to_owned));
        let cases: Vec<(&str, Vec<(u32, String, Option<String>)>, Vec<&str>)> = vec![
            // Columns in any order; an optional column may be left out; empty lines are skipped.
            ("b,a\n1,x\n\n2,y\n", vec![row(2, "x", None), row(4, "y", None)], vec![]),
            ("a,b,c\nx,1,\nx,2,z\n", vec![row(2, "x", None), row(3, "x", Some("z"))], vec![]),
            // Quoted cells, one of them over two lines: the next row's line is still its file line.
            ("a,b\n\"x,1\",\"two\nlines\"\ny,2\n", vec![row(2, "x,1", None), row(4, "y", None)], vec![]),
            // Surrounding spaces are kept.
            ("a,b\n x ,1\n", vec![row(2, " x ", None)], vec![]),
            ("", vec![], vec!["t.csv:1: header: empty file: the header line is missing"]),
            ("a\nx\n", vec![], vec!["t.csv:1: header: missing column `b`"]),
            ("a,b,d\nx,1,2\n", vec![], vec!["t.csv:1: header: unknown column `d` (expected: a, b, c)"]),
            ("a,b,a\nx,1,2\n", vec![], vec!["t.csv:1: header: column `a` appears twice"]),
            (
                "a,b\nx,1\ny\nz,3,4\nw,5\n",
                vec![row(2, "x", None), row(5, "w", None)],
                vec![
                    "t.csv:3: row: expected 2 cells as in the header, found 1",
                    "t.csv:4: row: expected 2 cells as in the header, found 3",
                ],
            ),
            ("a,b\n,1\n", vec![], vec!["t.csv:2: a: missing value"]),
            // CRLF line ends.
            ("a,b\r\nx,1\r\ny,2\r\n", vec![row(2, "x", None), row(3, "y", None)], vec![]),
            // Empty lines before the header and between rows, with CRLF or LF line ends.
            ("\n\na,b\r\n\r\nx,1\r\n\n\ny,2", vec![row(5, "x", None), row(8, "y", None)], vec![]),
            ("\na\n", vec![], vec!["t.csv:2: header: missing column `b`"]),
        ];
        for (text, rows, errors) in cases {
            let (got_rows, got_errors) = run(text);
            assert_eq!(got_rows, rows, "{text:?}");
            assert_eq!(got_errors, errors, "{text:?}");
        }
    }

    /// A label of `carried.csv` as mutua's export writes it (`spreadsheet_safe`, then RFC 4180 quoting) reads
    /// back as the label that was exported; an apostrophe that guards nothing is kept.
    #[test]
    fn carried_labels_read_back_without_their_formula_guard() {
        let cases: &[(&str, &str)] = &[
            ("'=SUM(A1)", "=SUM(A1)"),
            ("'+33 3 20 12 34 56", "+33 3 20 12 34 56"),
            ("'-5 % de remise", "-5 % de remise"),
            ("'@SUM(A1)", "@SUM(A1)"),
            ("'\tTab", "\tTab"),
            ("\"'\rCR\"", "\rCR"),
            ("\"'=HYPERLINK(\"\"http://x\"\",\"\"a, b\"\")\"", "=HYPERLINK(\"http://x\",\"a, b\")"),
            ("\"'=1,\"\"2\"\"\n3\"", "=1,\"2\"\n3"),
            // Only an apostrophe right before a formula character.
            ("''=x", "''=x"),
            ("'Allo", "'Allo"),
            ("'", "'"),
            ("'1", "'1"),
            ("l'école", "l'école"),
            // A cell that was not guarded is read as is.
            ("=x", "=x"),
            ("Impressions du réseau métropolitain", "Impressions du réseau métropolitain"),
        ];
        for &(cell, label) in cases {
            let text = format!(
                "semester,issuer,debtor,convention,label,amount\n2026-S1,MEL,59163,impression-2023,{cell},9.00\n"
            );
            let mut errors = Vec::new();
            let mut table = parse(text, crate::tables::CARRIED, &mut errors).unwrap();
            let mut row = table.next_row(&mut errors).unwrap();
            assert_eq!(row.exported_text("label").as_deref(), Some(label), "{cell:?}");
            assert!(errors.is_empty(), "{cell:?}: {errors:?}");
        }
    }
}
