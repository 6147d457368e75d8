//! Legal populations by commune, millésime and kind, and which millésime is in force on a date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::party::{PartyId, Source};

/// Which INSEE population a convention counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopulationKind {
    /// Population municipale: people whose usual residence is in the commune.
    Municipale,
    /// Population totale: municipale plus "comptés à part"; the legal default of the annual decree.
    Totale,
}

impl PopulationKind {
    /// The French label ("population municipale").
    #[must_use]
    pub fn label_fr(self) -> &'static str {
        match self {
            PopulationKind::Municipale => "population municipale",
            PopulationKind::Totale => "population totale",
        }
    }
}

/// Which millésime (population vintage) a convention counts: written `"in_force"` or a year such as `"2022"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Millesime {
    /// The millésime in force on the first day of the billing period (see [`PopulationTable::in_force`]).
    InForce,
    /// A fixed millésime, whatever the period.
    Fixed(i32),
}

impl Serialize for Millesime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Millesime::InForce => serializer.serialize_str("in_force"),
            Millesime::Fixed(year) => serializer.collect_str(year),
        }
    }
}

impl<'de> Deserialize<'de> for Millesime {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "in_force" {
            return Ok(Millesime::InForce);
        }
        match text.parse::<i32>() {
            Ok(year) if (1900..=2200).contains(&year) && text.len() == 4 => Ok(Millesime::Fixed(year)),
            _ => Err(serde::de::Error::custom(format!(
                "`{text}` is not a millésime (expected \"in_force\" or a year such as \"2022\")"
            ))),
        }
    }
}

/// The population basis a rule counts: a kind and a millésime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationBasis {
    /// Municipale or totale.
    pub kind: PopulationKind,
    /// Which vintage.
    pub millesime: Millesime,
}

/// The two legal populations of a commune for one millésime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationRecord {
    /// The commune.
    pub party: PartyId,
    /// The millésime (the census reference year: millésime 2023 is in force from 1 January 2026).
    pub millesime: i32,
    /// Population municipale.
    pub municipale: u64,
    /// Population totale.
    pub totale: u64,
    /// Where the record came from.
    pub source: Source,
}

impl PopulationRecord {
    /// The population of the given kind.
    #[must_use]
    pub fn get(&self, kind: PopulationKind) -> u64 {
        match kind {
            PopulationKind::Municipale => self.municipale,
            PopulationKind::Totale => self.totale,
        }
    }
}

/// A population figure with the basis it was read on, for the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PopulationFigure {
    /// Inhabitants.
    pub inhabitants: u64,
    /// Municipale or totale.
    pub kind: PopulationKind,
    /// The millésime it was read from.
    pub millesime: i32,
}

/// All populations of a dataset, by commune and millésime.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PopulationTable {
    records: BTreeMap<(PartyId, i32), PopulationRecord>,
    /// Years between a millésime and the year it comes into force (3: millésime 2023 is in force in 2026).
    pub vintage_lag_years: i32,
}

impl PopulationTable {
    /// An empty table with the given vintage lag.
    #[must_use]
    pub fn new(vintage_lag_years: i32) -> PopulationTable {
        PopulationTable { records: BTreeMap::new(), vintage_lag_years }
    }

    /// Adds a record; returns the earlier one for the same commune and millésime, if any.
    pub fn insert(&mut self, record: PopulationRecord) -> Option<PopulationRecord> {
        self.records.insert((record.party.clone(), record.millesime), record)
    }

    /// The millésime in force on a date: populations authenticated at the end of year N are those of
    /// millésime N − 3 and apply from 1 January of year N + 1 (the lag is configurable).
    #[must_use]
    pub fn in_force(&self, date: NaiveDate) -> i32 {
        date.year() - self.vintage_lag_years
    }

    /// The record of a commune for a millésime.
    #[must_use]
    pub fn record(&self, party: &PartyId, millesime: i32) -> Option<&PopulationRecord> {
        self.records.get(&(party.clone(), millesime))
    }

    /// The population of a commune on the given basis, for a period starting on `date`.
    #[must_use]
    pub fn figure(
        &self,
        party: &PartyId,
        basis: PopulationBasis,
        date: NaiveDate,
    ) -> Option<PopulationFigure> {
        let millesime = match basis.millesime {
            Millesime::InForce => self.in_force(date),
            Millesime::Fixed(year) => year,
        };
        self.record(party, millesime).map(|record| PopulationFigure {
            inhabitants: record.get(basis.kind),
            kind: basis.kind,
            millesime,
        })
    }

    /// Every record, ordered by commune then millésime.
    pub fn records(&self) -> impl Iterator<Item = &PopulationRecord> {
        self.records.values()
    }

    /// The millésimes present, ascending.
    #[must_use]
    pub fn millesimes(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self.records.keys().map(|(_, year)| *year).collect();
        years.sort_unstable();
        years.dedup();
        years
    }

    /// The sum of a kind of population over every commune for a millésime.
    #[must_use]
    pub fn total(&self, millesime: i32, kind: PopulationKind) -> u64 {
        self.records.values().filter(|r| r.millesime == millesime).map(|r| r.get(kind)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(party: &str, millesime: i32, municipale: u64, totale: u64) -> PopulationRecord {
        PopulationRecord {
            party: PartyId::parse(party).unwrap(),
            millesime,
            municipale,
            totale,
            source: Source::code(),
        }
    }

    #[test]
    fn population_in_force_table() {
        let mut table = PopulationTable::new(3);
        table.insert(record("59350", 2022, 236_710, 238_695));
        table.insert(record("59350", 2023, 238_246, 240_236));
        let lille = PartyId::parse("59350").unwrap();
        let municipale = PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::InForce };
        let totale = PopulationBasis { kind: PopulationKind::Totale, millesime: Millesime::InForce };
        let fixed = PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::Fixed(2022) };
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cases = [
            (municipale, "2025-07-01", Some((236_710, 2022))),
            (municipale, "2026-01-01", Some((238_246, 2023))),
            (totale, "2026-12-31", Some((240_236, 2023))),
            (fixed, "2026-01-01", Some((236_710, 2022))),
            (municipale, "2027-01-01", None),
        ];
        for (basis, date, expected) in cases {
            let got = table.figure(&lille, basis, d(date)).map(|f| (f.inhabitants, f.millesime));
            assert_eq!(got, expected, "{basis:?} {date}");
        }
        assert_eq!(table.millesimes(), vec![2022, 2023]);
        assert_eq!(table.total(2023, PopulationKind::Municipale), 238_246);
    }
}
