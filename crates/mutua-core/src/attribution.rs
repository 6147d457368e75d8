//! The attribution de compensation (AC) an EPCI à fiscalité professionnelle unique pays each member commune
//! (CGI article 1609 nonies C), and how the cost of a service commun is imputed on it (CGCT article L5211-4-2).
//!
//! The dataset states, for a commune and a year, the AC the EPCI pays it and how many equal instalments it is
//! paid in (`attributions.csv`). A statement of imputation (`AC-…`) reduces that year's AC by its amount, taken
//! from the instalments still to come:
//!
//! - **the schedule**: `n` equal instalments (12 by default: monthly), instalment `k` falling in month
//!   `k × 12 / n`; each is the AC ÷ `n` rounded toward zero to the cent, and the last one takes what is left, so
//!   that they add up to the AC exactly;
//! - **where an imputation starts**: on the first instalment after the semester's last month (July for the
//!   1st semester under monthly instalments), or on the year's last instalment when none is left (the 2d
//!   semester);
//! - **how far it goes**: it takes each instalment down to zero at most, then the next one; the year's last
//!   instalment takes whatever is left (it may then be negative: the commune owes the difference). An instalment
//!   the commune pays (a negative AC) takes the whole rest at once. The imputations of earlier semesters of the
//!   year are taken first, in order, so that a later statement starts from what they left.
//!
//! The rule is the one these conventions usually state; it is to be confirmed with the comptable public and the
//! convention (`docs/data-format.md`, `attributions.csv`).

use serde::{Deserialize, Serialize};

use crate::money::{Amount, MoneyError, Rounding};
use crate::party::{PartyId, Source};
use crate::period::{Half, Semester};

/// The instalment counts an AC may be paid in: each divides the year into equal periods of whole months.
pub const INSTALMENT_COUNTS: [u32; 6] = [1, 2, 3, 4, 6, 12];

/// The instalments of a year when the dataset does not say: monthly.
pub const DEFAULT_INSTALMENTS: u32 = 12;

/// A commune's attribution de compensation for a year (`attributions.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributionCompensation {
    /// The EPCI that pays it (the provider of the services communs imputed on it).
    pub payer: PartyId,
    /// The member commune.
    pub commune: PartyId,
    /// The year.
    pub year: i32,
    /// The AC of the year as the council set it, before the imputations of the year: what the EPCI pays the
    /// commune (negative when the commune pays the EPCI).
    pub amount: Amount,
    /// The number of equal instalments it is paid in, one of [`INSTALMENT_COUNTS`].
    pub instalments: u32,
    /// The act that set it (`Délibération n° 26 C 0031 du 6 février 2026`), printed on the statements.
    pub reference: Option<String>,
    /// Where the record came from.
    pub source: Source,
}

/// One instalment of an AC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Its number in the year, from 1.
    pub number: u32,
    /// The month it falls in (1–12).
    pub month: u32,
    /// Its amount as scheduled.
    pub amount: Amount,
}

/// What an imputation takes from one instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalmentChange {
    /// The instalment, as scheduled.
    pub instalment: Instalment,
    /// Its amount before this imputation (the schedule, less what earlier imputations of the year took).
    pub before: Amount,
    /// What this imputation takes from it.
    pub imputed: Amount,
    /// Its amount after.
    pub after: Amount,
}

impl AttributionCompensation {
    /// The year's instalments: the AC ÷ their number, rounded toward zero to the cent, the last one taking the
    /// rest.
    ///
    /// # Errors
    ///
    /// An instalment count outside [`INSTALMENT_COUNTS`] (refused by validation) or an overflow.
    pub fn schedule(&self) -> Result<Vec<Instalment>, MoneyError> {
        if !INSTALMENT_COUNTS.contains(&self.instalments) {
            return Err(MoneyError::Overflow("nombre d'échéances de l'attribution de compensation"));
        }
        let count = self.instalments;
        let each = Amount::from_decimal(
            self.amount
                .to_decimal()
                .checked_div(rust_decimal::Decimal::from(count))
                .ok_or(MoneyError::Overflow("attribution de compensation / échéances"))?,
            Rounding::TowardZero,
        );
        let mut schedule = Vec::with_capacity(count as usize);
        let mut scheduled = Amount::ZERO;
        for number in 1..=count {
            let amount = if number == count { self.amount.checked_sub(scheduled)? } else { each };
            scheduled = scheduled.checked_add(amount)?;
            schedule.push(Instalment { number, month: number * (12 / count), amount });
        }
        Ok(schedule)
    }
}

/// The position in the schedule where a semester's imputation starts: the first instalment after the
/// semester's last month, or the year's last instalment.
#[must_use]
pub fn first_instalment(schedule: &[Instalment], half: Half) -> usize {
    let last_month = match half {
        Half::S1 => 6,
        Half::S2 => 12,
    };
    schedule.iter().position(|i| i.month > last_month).unwrap_or(schedule.len().saturating_sub(1))
}

/// Takes `imputed` from the instalments, from the semester's first one (see the module), given what each
/// instalment still holds (`left`, updated). Returns what it took from each instalment it touched.
fn take(
    schedule: &[Instalment],
    left: &mut [Amount],
    half: Half,
    imputed: Amount,
) -> Result<Vec<InstalmentChange>, MoneyError> {
    let mut changes = Vec::new();
    let mut remaining = imputed;
    let start = first_instalment(schedule, half);
    let last = schedule.len().saturating_sub(1);
    for position in start..schedule.len() {
        if remaining.is_zero() {
            break;
        }
        let before = left[position];
        let taken = if position == last || !schedule[position].amount.is_positive() {
            remaining
        } else if before.is_positive() {
            if before < remaining { before } else { remaining }
        } else {
            Amount::ZERO
        };
        if taken.is_zero() {
            continue;
        }
        let after = before.checked_sub(taken)?;
        left[position] = after;
        remaining = remaining.checked_sub(taken)?;
        changes.push(InstalmentChange { instalment: schedule[position], before, imputed: taken, after });
    }
    Ok(changes)
}

/// The instalments a semester's imputation reduces, after the imputations of the earlier semesters of the year
/// (`earlier`, in order: at most the 1st semester's, for the 2d) have taken theirs.
///
/// # Errors
///
/// An overflow, or a schedule that cannot be built ([`AttributionCompensation::schedule`]).
pub fn imputation_changes(
    attribution: &AttributionCompensation,
    earlier: &[(Semester, Amount)],
    semester: Semester,
    imputed: Amount,
) -> Result<Vec<InstalmentChange>, MoneyError> {
    let schedule = attribution.schedule()?;
    let mut left: Vec<Amount> = schedule.iter().map(|i| i.amount).collect();
    for (earlier_semester, amount) in earlier {
        take(&schedule, &mut left, earlier_semester.half, *amount)?;
    }
    take(&schedule, &mut left, semester.half, imputed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ac(amount: &str, instalments: u32) -> AttributionCompensation {
        AttributionCompensation {
            payer: PartyId::parse("MEL").unwrap(),
            commune: PartyId::parse("59522").unwrap(),
            year: 2026,
            amount: amount.parse().unwrap(),
            instalments,
            reference: None,
            source: Source::code(),
        }
    }

    fn cents(amount: Amount) -> i64 {
        i64::try_from(amount.cents()).unwrap()
    }

    #[test]
    fn the_instalments_add_up_to_the_ac() {
        // (AC, count, instalments in cents, their months)
        let cases: [(&str, u32, &[i64], &[u32]); 4] = [
            ("120000.00", 12, &[1_000_000; 12], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
            ("1000.00", 3, &[33_333, 33_333, 33_334], &[4, 8, 12]),
            ("-1000.00", 4, &[-25_000, -25_000, -25_000, -25_000], &[3, 6, 9, 12]),
            ("100.01", 1, &[10_001], &[12]),
        ];
        for (amount, count, expected, months) in cases {
            let schedule = ac(amount, count).schedule().unwrap();
            assert_eq!(schedule.iter().map(|i| cents(i.amount)).collect::<Vec<_>>(), expected, "{amount}");
            assert_eq!(schedule.iter().map(|i| i.month).collect::<Vec<_>>(), months, "{amount}");
        }
        assert!(ac("100.00", 5).schedule().is_err());
    }

    #[test]
    fn an_imputation_takes_the_instalments_after_its_semester() {
        let s1: Semester = "2026-S1".parse().unwrap();
        let s2: Semester = "2026-S2".parse().unwrap();
        let amount = |a: &str| a.parse::<Amount>().unwrap();
        // (case, AC, count, earlier, semester, imputed, [(instalment number, before, taken, after)])
        type Case<'a> =
            (&'a str, &'a str, u32, Vec<(Semester, Amount)>, Semester, &'a str, &'a [(u32, i64, i64, i64)]);
        let cases: [Case<'_>; 6] = [
            (
                "S1 within July's twelfth",
                "120000.00",
                12,
                vec![],
                s1,
                "11305.00",
                &[(7, 1_000_000, 1_000_000, 0), (8, 1_000_000, 130_500, 869_500)],
            ),
            ("S1 within July", "600.00", 12, vec![], s1, "45.00", &[(7, 5_000, 4_500, 500)]),
            (
                "S2 after S1 took July and part of August: December",
                "600.00",
                12,
                vec![(s1, amount("70.00"))],
                s2,
                "95.00",
                &[(12, 5_000, 9_500, -4_500)],
            ),
            (
                "S1 larger than what is left of the year: the last instalment takes the rest",
                "120.00",
                12,
                vec![],
                s1,
                "100.00",
                &[
                    (7, 1_000, 1_000, 0),
                    (8, 1_000, 1_000, 0),
                    (9, 1_000, 1_000, 0),
                    (10, 1_000, 1_000, 0),
                    (11, 1_000, 1_000, 0),
                    (12, 1_000, 5_000, -4_000),
                ],
            ),
            (
                "quarterly: S1 starts in September",
                "4000.00",
                4,
                vec![],
                s1,
                "500.00",
                &[(3, 100_000, 50_000, 50_000)],
            ),
            (
                "a negative AC: the commune pays, the first instalment takes it all",
                "-1200.00",
                12,
                vec![],
                s1,
                "300.00",
                &[(7, -10_000, 30_000, -40_000)],
            ),
        ];
        for (case, ac_amount, count, earlier, semester, imputed, expected) in cases {
            let changes =
                imputation_changes(&ac(ac_amount, count), &earlier, semester, amount(imputed)).unwrap();
            let found: Vec<(u32, i64, i64, i64)> = changes
                .iter()
                .map(|c| (c.instalment.number, cents(c.before), cents(c.imputed), cents(c.after)))
                .collect();
            assert_eq!(found, expected, "{case}");
            let taken = Amount::checked_sum(changes.iter().map(|c| c.imputed)).unwrap();
            assert_eq!(taken, amount(imputed), "{case}: the whole imputation is taken");
        }
    }
}
