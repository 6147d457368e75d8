//! Calendar periods: years, semesters, closed date ranges and their day and month counts.
//!
//! Every range here is closed on both ends (`2026-01-01 ..= 2026-06-30`), as a finance officer writes it:
//! a membership that ends on 30 June includes 30 June.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a period could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodError {
    /// Not of the form `2026-S1` or `2026-S2`.
    #[error("`{0}` is not a semester (expected YYYY-S1 or YYYY-S2)")]
    BadSemester(String),
    /// Not an ISO date `YYYY-MM-DD`.
    #[error("`{0}` is not a date (expected YYYY-MM-DD)")]
    BadDate(String),
    /// The end comes before the start.
    #[error("the range ends ({end}) before it starts ({start})")]
    Inverted {
        /// First day.
        start: NaiveDate,
        /// Last day.
        end: NaiveDate,
    },
    /// The year is outside the supported range (1900–2200).
    #[error("year {0} is out of range (1900–2200)")]
    YearOutOfRange(i32),
}

/// Parses an ISO date (`2026-03-15`) strictly: exactly `YYYY-MM-DD`, digits only (chrono alone would accept
/// `2026- 1-01` or `+026-01-01`).
pub fn parse_date(text: &str) -> Result<NaiveDate, PeriodError> {
    let bad = || PeriodError::BadDate(text.to_owned());
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(index, byte)| match index {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())
}

/// Serde helpers for dates in input files: a string parsed by [`parse_date`], so that TOML accepts exactly
/// the dates CSV does (chrono's own deserializer accepts `2026-1-1` and surrounding spaces).
pub(crate) mod strict_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    /// A required date.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_date(&text).map_err(serde::de::Error::custom)
    }

    /// An optional date (with `#[serde(default)]`: absent, or `null` in JSON, is `None`).
    pub(crate) fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => super::parse_date(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// Which half of a calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Half {
    /// January to June.
    S1,
    /// July to December.
    S2,
}

/// A billing semester: `2026-S1` is 1 January – 30 June 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Semester {
    /// Calendar year.
    pub year: i32,
    /// Which half.
    pub half: Half,
}

impl Semester {
    /// A semester of a year, if the year is in the supported range.
    pub fn new(year: i32, half: Half) -> Result<Semester, PeriodError> {
        check_year(year)?;
        Ok(Semester { year, half })
    }

    /// The days of the semester.
    #[must_use]
    pub fn period(self) -> Period {
        let (first, last) = match self.half {
            Half::S1 => ((1, 1), (6, 30)),
            Half::S2 => ((7, 1), (12, 31)),
        };
        Period { first: ymd(self.year, first.0, first.1), last: ymd(self.year, last.0, last.1) }
    }

    /// The next semester.
    #[must_use]
    pub fn next(self) -> Semester {
        match self.half {
            Half::S1 => Semester { year: self.year, half: Half::S2 },
            Half::S2 => Semester { year: self.year + 1, half: Half::S1 },
        }
    }

    /// The previous semester.
    #[must_use]
    pub fn previous(self) -> Semester {
        match self.half {
            Half::S1 => Semester { year: self.year - 1, half: Half::S2 },
            Half::S2 => Semester { year: self.year, half: Half::S1 },
        }
    }

    /// The semester a date falls in.
    #[must_use]
    pub fn containing(date: NaiveDate) -> Semester {
        let half = if date.month() <= 6 { Half::S1 } else { Half::S2 };
        Semester { year: date.year(), half }
    }

    /// Both semesters of a year, in order.
    #[must_use]
    pub fn of_year(year: i32) -> [Semester; 2] {
        [Semester { year, half: Half::S1 }, Semester { year, half: Half::S2 }]
    }

    /// The French label: "1er semestre 2026", "2d semestre 2026" (the ordinal abbreviations of French
    /// typography: *second*, of two, is written "2d").
    #[must_use]
    pub fn label_fr(self) -> String {
        match self.half {
            Half::S1 => format!("1er semestre {}", self.year),
            Half::S2 => format!("2d semestre {}", self.year),
        }
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = match self.half {
            Half::S1 => 1,
            Half::S2 => 2,
        };
        write!(f, "{}-S{half}", self.year)
    }
}

impl FromStr for Semester {
    type Err = PeriodError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError::BadSemester(text.to_owned());
        let (year, half) = text.split_once("-S").ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let half = match half {
            "1" => Half::S1,
            "2" => Half::S2,
            _ => return Err(bad()),
        };
        Semester::new(year, half)
    }
}

impl Serialize for Semester {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Semester {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn check_year(year: i32) -> Result<(), PeriodError> {
    if (1900..=2200).contains(&year) { Ok(()) } else { Err(PeriodError::YearOutOfRange(year)) }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Only called with fixed, valid month/day pairs and a year checked to be in range.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// A closed range of days with both ends known: a billing period or the part of one a member was in. Never
/// inverted: the constructors (and deserialisation) refuse a last day before the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "PeriodFields")]
pub struct Period {
    first: NaiveDate,
    last: NaiveDate,
}

/// The fields of a [`Period`] as written, checked on the way in.
#[derive(Deserialize)]
struct PeriodFields {
    first: NaiveDate,
    last: NaiveDate,
}

impl TryFrom<PeriodFields> for Period {
    type Error = PeriodError;

    fn try_from(fields: PeriodFields) -> Result<Period, PeriodError> {
        Period::new(fields.first, fields.last)
    }
}

impl Period {
    /// The first day, included.
    #[must_use]
    pub fn first(self) -> NaiveDate {
        self.first
    }

    /// The last day, included.
    #[must_use]
    pub fn last(self) -> NaiveDate {
        self.last
    }

    /// A period from its first to its last day, both included.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Result<Period, PeriodError> {
        if last < first {
            return Err(PeriodError::Inverted { start: first, end: last });
        }
        Ok(Period { first, last })
    }

    /// The smallest period holding both: from the earlier first day to the later last day.
    #[must_use]
    pub fn hull(self, other: Period) -> Period {
        Period { first: self.first.min(other.first), last: self.last.max(other.last) }
    }

    /// The days from `first` to the period's last day, if `first` is in the period.
    #[must_use]
    pub fn from_day(self, first: NaiveDate) -> Option<Period> {
        self.contains(first).then_some(Period { first, last: self.last })
    }

    /// The days from the period's first day to `last`, if `last` is in the period.
    #[must_use]
    pub fn until_day(self, last: NaiveDate) -> Option<Period> {
        self.contains(last).then_some(Period { first: self.first, last })
    }

    /// A whole calendar year.
    pub fn year(year: i32) -> Result<Period, PeriodError> {
        check_year(year)?;
        Ok(Period { first: ymd(year, 1, 1), last: ymd(year, 12, 31) })
    }

    /// The number of days, both ends included.
    #[must_use]
    pub fn days(self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// Whether the day falls in the period.
    #[must_use]
    pub fn contains(self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }

    /// The days common to this period and a (possibly open-ended) range, if any.
    #[must_use]
    pub fn intersect(self, range: DateRange) -> Option<Period> {
        let first = self.first.max(range.start);
        let last = match range.end {
            Some(end) => self.last.min(end),
            None => self.last,
        };
        (first <= last).then_some(Period { first, last })
    }

    /// The calendar months the period touches, counting a month as soon as one of its days is in the period
    /// ("tout mois commencé est dû").
    #[must_use]
    pub fn months_started(self) -> i64 {
        let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        months(self.last) - months(self.first) + 1
    }

    /// The calendar months wholly inside the period.
    #[must_use]
    pub fn months_full(self) -> i64 {
        let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        let first_full = if self.first.day() == 1 { months(self.first) } else { months(self.first) + 1 };
        let last_is_month_end = self.last.succ_opt().is_none_or(|next| next.day() == 1);
        let last_full = if last_is_month_end { months(self.last) } else { months(self.last) - 1 };
        (last_full - first_full + 1).max(0)
    }

    /// The calendar years the period touches, in order.
    #[must_use]
    pub fn years(self) -> std::ops::RangeInclusive<i32> {
        self.first.year()..=self.last.year()
    }

    /// The French label: "du 01/01/2026 au 30/06/2026".
    #[must_use]
    pub fn label_fr(self) -> String {
        format!("du {} au {}", self.first.format("%d/%m/%Y"), self.last.format("%d/%m/%Y"))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..={}", self.first, self.last)
    }
}

/// A range of days that may be open-ended: a validity, a membership, an amendment in force. Never inverted: the
/// constructors (and deserialisation) refuse an end before the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "DateRangeFields")]
pub struct DateRange {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

/// The fields of a [`DateRange`] as written, checked on the way in.
#[derive(Deserialize)]
struct DateRangeFields {
    start: NaiveDate,
    end: Option<NaiveDate>,
}

impl TryFrom<DateRangeFields> for DateRange {
    type Error = PeriodError;

    fn try_from(fields: DateRangeFields) -> Result<DateRange, PeriodError> {
        DateRange::new(fields.start, fields.end)
    }
}

impl DateRange {
    /// A range open from `start` on.
    #[must_use]
    pub fn from(start: NaiveDate) -> DateRange {
        DateRange { start, end: None }
    }

    /// The first day, included.
    #[must_use]
    pub fn start(self) -> NaiveDate {
        self.start
    }

    /// The last day, included; `None` while the range is open.
    #[must_use]
    pub fn end(self) -> Option<NaiveDate> {
        self.end
    }

    /// A range from `start` to `end` (both included), or open-ended.
    pub fn new(start: NaiveDate, end: Option<NaiveDate>) -> Result<DateRange, PeriodError> {
        if let Some(end) = end
            && end < start
        {
            return Err(PeriodError::Inverted { start, end });
        }
        Ok(DateRange { start, end })
    }

    /// Whether the day falls in the range.
    #[must_use]
    pub fn contains(self, date: NaiveDate) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }

    /// Whether `inner` lies wholly inside this range.
    #[must_use]
    pub fn covers(self, inner: DateRange) -> bool {
        let end_ok = match (self.end, inner.end) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(outer), Some(inner_end)) => inner_end <= outer,
        };
        self.start <= inner.start && end_ok
    }

    /// Whether two ranges share at least one day.
    #[must_use]
    pub fn overlaps(self, other: DateRange) -> bool {
        let starts_before_other_ends = other.end.is_none_or(|end| self.start <= end);
        let other_starts_before_self_ends = self.end.is_none_or(|end| other.start <= end);
        starts_before_other_ends && other_starts_before_self_ends
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(end) => write!(f, "{}..={}", self.start, end),
            None => write!(f, "{}..", self.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        parse_date(text).expect("test date")
    }

    #[test]
    fn semesters_parse_and_span() {
        let cases = [
            ("2026-S1", "2026-01-01", "2026-06-30", 181),
            ("2026-S2", "2026-07-01", "2026-12-31", 184),
            ("2024-S1", "2024-01-01", "2024-06-30", 182),
        ];
        for (text, first, last, days) in cases {
            let semester: Semester = text.parse().expect(text);
            assert_eq!(semester.to_string(), text);
            let period = semester.period();
            assert_eq!((period.first, period.last, period.days()), (d(first), d(last), days), "{text}");
        }
        for bad in ["2026-S3", "2026S1", "26-S1", "2026-s1", "", "2026-S1 "] {
            assert!(bad.parse::<Semester>().is_err(), "{bad:?}");
        }
        let s1: Semester = "2026-S1".parse().unwrap();
        assert_eq!(s1.next().to_string(), "2026-S2");
        assert_eq!(s1.previous().to_string(), "2025-S2");
        assert_eq!(s1.next().next(), "2027-S1".parse().unwrap());
        assert_eq!(Semester::containing(d("2026-07-01")).to_string(), "2026-S2");
    }

    #[test]
    fn intersections_and_counts() {
        let s1 = Semester::new(2026, Half::S1).unwrap().period();
        // (membership start, end, expected first, last, days, months started, months full)
        let cases: [(&str, Option<&str>, Option<(&str, &str, i64, i64, i64)>); 6] = [
            ("2020-01-01", None, Some(("2026-01-01", "2026-06-30", 181, 6, 6))),
            ("2026-03-15", None, Some(("2026-03-15", "2026-06-30", 108, 4, 3))),
            ("2025-01-01", Some("2026-02-28"), Some(("2026-01-01", "2026-02-28", 59, 2, 2))),
            ("2026-02-10", Some("2026-04-20"), Some(("2026-02-10", "2026-04-20", 70, 3, 1))),
            ("2026-07-01", None, None),
            ("2024-01-01", Some("2025-12-31"), None),
        ];
        for (start, end, expected) in cases {
            let range = DateRange::new(d(start), end.map(d)).unwrap();
            let got = s1.intersect(range);
            match expected {
                None => assert_eq!(got, None, "{start}"),
                Some((first, last, days, started, full)) => {
                    let got = got.expect(start);
                    assert_eq!((got.first, got.last), (d(first), d(last)), "{start}");
                    assert_eq!(
                        (got.days(), got.months_started(), got.months_full()),
                        (days, started, full),
                        "{start}"
                    );
                }
            }
        }
    }

    #[test]
    fn ranges_cover_and_overlap() {
        let open = DateRange::new(d("2025-01-01"), None).unwrap();
        let closed = DateRange::new(d("2025-01-01"), Some(d("2026-12-31"))).unwrap();
        let inner = DateRange::new(d("2025-03-01"), Some(d("2025-12-31"))).unwrap();
        assert!(open.covers(closed) && closed.covers(inner) && !closed.covers(open));
        assert!(closed.overlaps(inner) && inner.overlaps(open));
        let later = DateRange::new(d("2027-01-01"), None).unwrap();
        assert!(!closed.overlaps(later) && open.overlaps(later));
        assert!(DateRange::new(d("2026-01-02"), Some(d("2026-01-01"))).is_err());
        assert!(parse_date("2026-02-30").is_err() && parse_date("2026-2-3").is_err());
    }

    #[test]
    fn dates_are_strictly_iso() {
        assert_eq!(parse_date("2026-03-15"), Ok(d("2026-03-15")));
        assert_eq!(parse_date("2024-02-29").map(|date| date.to_string()), Ok("2024-02-29".to_owned()));
        // Same length as an ISO date, and accepted by chrono's "%Y-%m-%d", but not ISO.
        for text in
            [" 2026-01-1", "2026- 1-01", "2026-01- 1", "+026-01-01", "2026/01/01", "2026-01-01 ", "2026-1-1"]
        {
            assert_eq!(parse_date(text), Err(PeriodError::BadDate(text.to_owned())), "{text:?}");
        }
    }

    #[test]
    fn strict_date_serde() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, StrDeserializer};
        let parse = |text: &str| {
            let deserializer: StrDeserializer<'_, Error> = text.into_deserializer();
            strict_date::deserialize(deserializer).map_err(|e| e.to_string())
        };
        assert_eq!(parse("2026-01-01"), Ok(d("2026-01-01")));
        // chrono's own deserializer accepts this one.
        assert_eq!(parse("2026-1-1"), Err("`2026-1-1` is not a date (expected YYYY-MM-DD)".to_owned()));
    }
}
