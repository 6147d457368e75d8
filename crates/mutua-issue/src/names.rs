//! Typed names: the file name of an issued document and the series its number belongs to.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike as _, NaiveDate};
use mutua_core::PartyId;
use mutua_documents::DocumentKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest file name accepted, in bytes (most file systems allow 255).
pub const MAX_FILE_NAME_BYTES: usize = 200;

/// A plain file name inside an output: no directory part, nothing hidden, nothing a file system could read as
/// something else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileName(String);

/// Why a text is not a [`FileName`] or a [`Series`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not a plain file name.
    #[error(
        "« {0} » n'est pas un nom de fichier simple (ni dossier, ni nom caché, ni caractère de contrôle, \
         200 octets au plus)"
    )]
    FileName(String),
    /// Not a series `KIND-ISSUER-YEAR`.
    #[error(
        "« {0} » n'est pas une série de numérotation : attendu TYPE-ÉMETTEUR-ANNÉE, TYPE parmi FAC, AVO, AVI, \
         AC, ANN (par exemple FAC-MEL-2026)"
    )]
    Series(String),
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

/// The kind of document of a series code (`FAC` → invoice).
#[must_use]
pub fn kind_of_code(code: &str) -> Option<DocumentKind> {
    [
        DocumentKind::Invoice,
        DocumentKind::CreditNote,
        DocumentKind::PaymentNotice,
        DocumentKind::AcStatement,
        DocumentKind::Cancellation,
    ]
    .into_iter()
    .find(|kind| kind.code() == code)
}

/// A numbering series: one per kind of document, issuer and year of issue (`FAC-MEL-2026`). Numbers are
/// continuous within a series and never reused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    /// The kind of document.
    pub kind: DocumentKind,
    /// The issuer.
    pub issuer: PartyId,
    /// The year of issue.
    pub year: i32,
}

impl Series {
    /// The series a document of `kind` from `issuer` issued on `issue_date` is numbered in.
    #[must_use]
    pub fn of(kind: DocumentKind, issuer: &PartyId, issue_date: NaiveDate) -> Series {
        Series { kind, issuer: issuer.clone(), year: issue_date.year() }
    }

    /// The number at `sequence` in this series: `FAC-MEL-2026-00001` (five digits at least).
    #[must_use]
    pub fn number(&self, sequence: u64) -> String {
        format!("{self}-{sequence:05}")
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.kind.code(), self.issuer, self.year)
    }
}

impl FromStr for Series {
    type Err = NameError;
    fn from_str(text: &str) -> Result<Series, NameError> {
        let bad = || NameError::Series(text.to_owned());
        let (code, rest) = text.split_once('-').ok_or_else(bad)?;
        let (issuer, year) = rest.rsplit_once('-').ok_or_else(bad)?;
        let kind = kind_of_code(code).ok_or_else(bad)?;
        let issuer = PartyId::parse(issuer).map_err(|_| bad())?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        Ok(Series { kind, issuer, year })
    }
}

impl Serialize for Series {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
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

    #[test]
    fn series_round_trip_and_refuse_typos() {
        for good in ["FAC-MEL-2026", "AVO-59350-2026", "ANN-Syndicat-X-2027", "AC-MEL-2026"] {
            assert_eq!(good.parse::<Series>().map(|s| s.to_string()), Ok(good.to_owned()));
        }
        let series: Series = "FAC-MEL-2026".parse().unwrap();
        assert_eq!(series.number(1), "FAC-MEL-2026-00001");
        assert_eq!(series.number(123_456), "FAC-MEL-2026-123456");
        for bad in ["FAC-MEL", "FCT-MEL-2026", "FAC--2026", "FAC-MEL-26", "FAC-MEL-2026x", "fac-MEL-2026", ""]
        {
            assert!(bad.parse::<Series>().is_err(), "{bad}");
        }
    }
}
