//! A second source: the whole dataset as one JSON document, [`DatasetRows`] serialised (`mutua import` writes one
//! from a directory; `--data dataset.json` reads it). Rows have no lines: errors name their table and key
//! (`memberships[cep-2021/59005/2021-06-01]: member: …`), and a document that does not parse names its line and
//! column.

use std::path::Path;

use mutua_core::ValidatedDataset;

use crate::error::{ErrorKind, LoadError, LoadErrors};
use crate::rows::{DatasetRows, assemble};

/// Reads the rows of a JSON document; `name` is how errors name it (`dataset.json`).
///
/// # Errors
///
/// The first error of the document (JSON stops there), at its line, with what was expected.
pub fn rows_from_json(name: &str, bytes: &[u8]) -> Result<DatasetRows, LoadErrors> {
    let mut rows: DatasetRows = serde_json::from_slice(bytes).map_err(|error| {
        let line = u32::try_from(error.line()).unwrap_or(u32::MAX);
        LoadErrors::new(vec![LoadError::new(name, line, "json", ErrorKind::Invalid(error.to_string()))])
    })?;
    rows.locate_by_key();
    Ok(rows)
}

/// Loads and validates the dataset of a JSON document.
///
/// # Errors
///
/// The document unreadable or malformed, a repeated key, or every rule of the dataset broken, each located.
pub fn load_json(path: &Path) -> Result<ValidatedDataset, LoadErrors> {
    let name =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let bytes = std::fs::read(path).map_err(|error| {
        LoadErrors::new(vec![LoadError::new(&name, 0, "file", ErrorKind::Io(error.to_string()))])
    })?;
    assemble(rows_from_json(&name, &bytes)?)
}

/// The JSON document of a dataset's rows, each located by its table and key; ends with a newline.
#[must_use]
pub fn to_json(rows: &DatasetRows) -> Vec<u8> {
    let mut rows = rows.clone();
    rows.locate_by_key();
    // Serialising plain data types into memory cannot fail.
    let mut bytes = serde_json::to_vec_pretty(&rows).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
