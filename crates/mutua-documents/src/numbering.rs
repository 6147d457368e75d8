//! Numbering: the series a document belongs to and the one rule that gives numbers, used for the provisional
//! numbers of a batch ([`crate::build_batch`]) and for the numbers an issue gives against its ledger
//! (`mutua_issue::plan`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike as _, NaiveDate};
use mutua_core::PartyId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::document::{Document, DocumentKind};

/// The kind of document of a series code (`FAC` → invoice).
#[must_use]
pub fn kind_of_code(code: &str) -> Option<DocumentKind> {
    DocumentKind::ALL.into_iter().find(|kind| kind.code() == code)
}

/// A text that is not a series `KIND-ISSUER-YEAR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "« {0} » n'est pas une série de numérotation : attendu TYPE-ÉMETTEUR-ANNÉE, TYPE parmi FAC, AVO, AVI, AC, ANN, \
     REM (par exemple FAC-MEL-2026)"
)]
pub struct SeriesError(pub String);

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
    type Err = SeriesError;
    fn from_str(text: &str) -> Result<Series, SeriesError> {
        let bad = || SeriesError(text.to_owned());
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

/// Numbers documents, the one rule of numbering: in order — cancellations (credit notes and cancellation notices,
/// which name what they cancel) first, then by kind, issuer and recipient — each takes the next number of its
/// series, which starts at `first(series)` (the number after the ledger's last, or the series' configured start).
pub fn number_documents(documents: &mut [Document], mut first: impl FnMut(&Series) -> u64) {
    documents.sort_by(|a, b| {
        (a.corrects.is_none(), a.kind, &a.issuer, &a.recipient).cmp(&(
            b.corrects.is_none(),
            b.kind,
            &b.issuer,
            &b.recipient,
        ))
    });
    let mut next: BTreeMap<Series, u64> = BTreeMap::new();
    for document in documents {
        let series = Series::of(document.kind, &document.issuer, document.issue_date);
        let sequence = next.entry(series.clone()).or_insert_with(|| first(&series));
        document.series = series.to_string();
        document.sequence = *sequence;
        document.number = series.number(*sequence);
        *sequence = sequence.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_round_trip_and_refuse_typos() {
        for good in ["FAC-MEL-2026", "AVO-59350-2026", "ANN-Syndicat-X-2027", "AC-MEL-2026", "REM-MEL-2026"] {
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
