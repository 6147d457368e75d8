//! Typed names: the file name of an issued document, and the series its number belongs to (defined with the
//! numbering rule in `mutua_documents::numbering`).

use std::fmt;

pub use mutua_documents::numbering::{Series, SeriesError, kind_of_code};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest file name accepted, in bytes (most file systems allow 255).
pub const MAX_FILE_NAME_BYTES: usize = 200;

/// A plain file name inside an output: no directory part, nothing hidden, nothing a file system could read as
/// something else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileName(String);

/// Why a text is not a [`FileName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not a plain file name.
    #[error(
        "« {0} » n'est pas un nom de fichier simple (ni dossier, ni nom caché, ni caractère de contrôle, \
         200 octets au plus)"
    )]
    FileName(String),
}

impl FileName {
    /// Checks a file name: 1 to 200 bytes, no `/` or `\`, no control character, not starting with a dot.
    pub fn parse(text: &str) -> Result<FileName, NameError> {
        let plain = !text.is_empty()
            && text.len() <= MAX_FILE_NAME_BYTES
            && !text.starts_with('.')
            && !text.chars().any(|c| c == '/' || c == '\\' || c.is_control());
        if plain { Ok(FileName(text.to_owned())) } else { Err(NameError::FileName(text.to_owned())) }
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for FileName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FileName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        FileName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        for good in ["FAC-MEL-2026-00001_59005.pdf", "manifest.json", "a"] {
            assert_eq!(FileName::parse(good).map(|n| n.to_string()), Ok(good.to_owned()));
        }
        let long = "x".repeat(201);
        for bad in ["", ".hidden", "../up", "a/b", "a\\b", "tab\there", "nul\0", &long] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
