//! Located load errors: what went wrong, in which file, on which line, in which field.

use std::fmt;

use mutua_core::{IdError, MoneyError, PeriodError, Problem, ValidationError};

/// What is wrong, without where.
///
/// The first group is about reading files (missing, unreadable, not UTF-8), the second about CSV structure,
/// the third about cell or TOML values; [`ErrorKind::Validation`] carries a rule of the dataset as a whole
/// that [`mutua_core::validate`] found broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The dataset path is not a directory.
    #[error("`{0}` is not a dataset directory")]
    NotADirectory(String),
    /// A file the format requires is absent.
    #[error("missing file")]
    MissingFile,
    /// The `conventions/` directory is absent.
    #[error("missing directory")]
    MissingDirectory,
    /// The file exists but could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// The file is not UTF-8; `column` is the 1-based byte column of the first invalid byte on its line.
    #[error("not UTF-8: invalid byte 0x{byte:02X} at column {column} (save the file as UTF-8)")]
    NotUtf8 {
        /// The first invalid byte.
        byte: u8,
        /// Its 1-based byte column on the line.
        column: usize,
    },
    /// A CSV file without even a header line.
    #[error("empty file: the header line is missing")]
    NoHeader,
    /// A column the format requires is absent from the header.
    #[error("missing column `{0}`")]
    MissingColumn(String),
    /// The header names a column the format does not have.
    #[error("unknown column `{column}` (expected: {expected})")]
    UnknownColumn {
        /// The column found.
        column: String,
        /// The columns the file may have.
        expected: String,
    },
    /// The header names a column twice.
    #[error("column `{0}` appears twice")]
    DuplicateColumn(String),
    /// A row does not have as many cells as the header.
    #[error("expected {expected} cells as in the header, found {found}")]
    CellCount {
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
    /// The CSV reader failed for another reason.
    #[error("{0}")]
    Csv(String),
    /// A required cell is empty.
    #[error("missing value")]
    MissingValue,
    /// A decimal or an amount is malformed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// An identifier, INSEE code, SIREN or SIRET is malformed.
    #[error(transparent)]
    Id(#[from] IdError),
    /// A date, semester or range is malformed.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// Any other malformed value (an unknown word for an enumeration, a malformed integer…).
    #[error("{0}")]
    Invalid(String),
    /// A key appears twice; `first` locates the first occurrence (`line 3`, `conventions/cep.toml:1`).
    #[error("duplicate {what} (first at {first})")]
    Duplicate {
        /// What is duplicated.
        what: String,
        /// Where it first appeared.
        first: String,
    },
    /// A TOML file is not well-formed TOML.
    #[error("TOML syntax: {0}")]
    Syntax(String),
    /// A TOML value does not fit the format (unknown key, wrong type, malformed value…).
    #[error("{0}")]
    Toml(String),
    /// A rule of the dataset as a whole is broken (found by [`mutua_core::validate`]).
    #[error(transparent)]
    Validation(Problem),
}

/// One located error: `file:line: field: message`.
///
/// `file` is relative to the dataset directory (`memberships.csv`, `conventions/cep.toml`); `line` is 1-based,
/// or 0 when the error concerns a whole file (a missing file); `field` is the CSV column, the TOML key path
/// (`terms[0].components[1].rule.rate_per_year`), or one of `file`, `encoding`, `header`, `row`, `syntax`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadError {
    /// The file, relative to the dataset directory, with `/` separators.
    pub file: String,
    /// The 1-based line, or 0 for the whole file.
    pub line: u32,
    /// The CSV column or TOML key path, or what part of the file is at fault.
    pub field: String,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl LoadError {
    /// A located error.
    #[must_use]
    pub fn new(file: impl Into<String>, line: u32, field: impl Into<String>, kind: ErrorKind) -> LoadError {
        LoadError { file: file.into(), line, field: field.into(), kind }
    }
}

impl fmt::Display for LoadError {
    /// `file:line: field: message`, or `file: field: message` for a whole file or a row without a line
    /// (`memberships[cep-2021/59005]`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}: {}", self.file, self.field, self.kind)
        } else {
            write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.kind)
        }
    }
}

impl std::error::Error for LoadError {}

impl From<ValidationError> for LoadError {
    fn from(error: ValidationError) -> LoadError {
        LoadError {
            file: error.source.file.into_owned(),
            line: error.source.line,
            field: error.field,
            kind: ErrorKind::Validation(error.problem),
        }
    }
}

/// Every error found while loading a dataset, ordered by file and line. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrors(Vec<LoadError>);

impl LoadErrors {
    /// Sorts the errors by file then line (keeping the order found within a line) and removes repeats.
    pub(crate) fn new(mut errors: Vec<LoadError>) -> LoadErrors {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        errors.dedup();
        LoadErrors(errors)
    }

    /// The errors, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, LoadError> {
        self.0.iter()
    }

    /// How many errors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a load fails with at least one error. Present for symmetry with [`LoadErrors::len`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors as a vector.
    #[must_use]
    pub fn into_vec(self) -> Vec<LoadError> {
        self.0
    }
}

impl fmt::Display for LoadErrors {
    /// One error per line, `file:line: field: message`, without a trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

impl<'a> IntoIterator for &'a LoadErrors {
    type Item = &'a LoadError;
    type IntoIter = std::slice::Iter<'a, LoadError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for LoadErrors {
    type Item = LoadError;
    type IntoIter = std::vec::IntoIter<LoadError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_file_line_field_message() {
        let errors = LoadErrors::new(vec![
            LoadError::new("memberships.csv", 4, "left", ErrorKind::MissingValue),
            LoadError::new("activity.csv", 2, "quantity", ErrorKind::Invalid("bad".into())),
            LoadError::new("activity.csv", 2, "quantity", ErrorKind::Invalid("bad".into())),
            LoadError::new("parties.csv", 0, "file", ErrorKind::MissingFile),
        ]);
        assert_eq!(
            errors.to_string(),
            "activity.csv:2: quantity: bad\nmemberships.csv:4: left: missing value\nparties.csv: file: missing file"
        );
        assert_eq!(errors.len(), 3);
    }
}
