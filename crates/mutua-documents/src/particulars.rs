//! What a document states besides its lines — an invoice's payment term and due date, why a credit note or a
//! cancellation cancels — fixed when it is issued and kept in the ledger, so that it is printed again as issued;
//! and the one sign convention of negative lines.
//!
//! - **Payment term** (invoices): each convention states its own (`payment_term_days`, by default
//!   [`mutua_core::DEFAULT_PAYMENT_TERM_DAYS`]), counted from the issue date; an invoice billing several
//!   conventions takes the longest of their terms, so that no convention's term is shortened. The due date is the
//!   issue date plus that many days.
//! - **Reason** (credit notes and cancellations): which inputs changed, found by comparing the lines of the
//!   document cancelled with those of the document that replaces it ([`correction_reason`]).
//! - **Signs**: a line whose amount is negative prints its quantity negative and its unit price positive, so that
//!   quantity × unit price = amount on every line ([`signed_quantity`]), in the PDF, `lines.csv` and the CII alike
//!   (a CII credit note, type 381, carries the sign in its type code: its amounts and quantities are those of the
//!   document negated).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use mutua_alloc::trace::{BasisKind, KeyTrace};
use mutua_alloc::{Charge, ChargeKind};
use mutua_core::{Dataset, DispositifId, Semester};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::document::Document;

/// An invoice's payment term and due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDue {
    /// Days from the issue date.
    pub term_days: u32,
    /// The issue date plus the term.
    pub due_date: NaiveDate,
}

/// What a document states besides its lines, fixed when it is issued. A document read back from a ledger written
/// before these were recorded has none ([`Document::particulars`] is `None`) and is printed as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Particulars {
    /// For an invoice: its payment term and due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<PaymentDue>,
    /// For a credit note or a cancellation of an issued document: why it is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CorrectionReason>,
}

/// The payment term of an invoice of `lines` issued on `issue_date`: the longest term of the conventions it bills
/// ([`mutua_core::Convention::payment_term_days`]; the default for a convention the dataset does not know).
#[must_use]
pub fn payment_due(dataset: &Dataset, lines: &[Charge], issue_date: NaiveDate) -> PaymentDue {
    let term_days = lines
        .iter()
        .map(|line| {
            dataset
                .conventions
                .get(&line.convention)
                .map_or(mutua_core::DEFAULT_PAYMENT_TERM_DAYS, mutua_core::Convention::payment_term_days)
        })
        .max()
        .unwrap_or(mutua_core::DEFAULT_PAYMENT_TERM_DAYS);
    let due_date =
        issue_date.checked_add_days(chrono::Days::new(u64::from(term_days))).unwrap_or(NaiveDate::MAX);
    PaymentDue { term_days, due_date }
}

/// The quantity printed on a line: the basis's, negative when the amount is (the unit price stays positive), so
/// that quantity × unit price = amount. `None` when the basis has no quantity.
#[must_use]
pub fn signed_quantity(charge: &Charge) -> Option<Decimal> {
    let quantity = charge.basis.quantity?;
    Some(if charge.amount.is_negative() { -quantity.abs() } else { quantity.abs() })
}

/// One input that changed between a document and the one that replaces it, for one dispositif.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The activity recorded for a semester (units of work: files, pages, hours…) changed.
    Activity {
        /// The dispositif.
        dispositif: DispositifId,
        /// The semester of the activity.
        semester: Semester,
    },
    /// The population a line reads changed (its figure or its millésime).
    Population {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// A tariff changed: a rate, a fee, a price, a unit cost, a revision, a cap or a floor.
    Tariff {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// A membership now billed that was not: a member joined.
    MembershipAdded {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// A membership billed before and no longer: the member left, or its membership was withdrawn.
    MembershipEnded {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// The dates of a membership changed: the days of presence in the period.
    MembershipDates {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// The member's own share of a split changed (its percentage).
    Key {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// What a pool splits changed, or the other members' figures (the member's own being the same).
    Pool {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// A year's regularisation against the actual cost was computed anew.
    Regularisation {
        /// The dispositif.
        dispositif: DispositifId,
        /// The year regularised.
        year: i32,
    },
    /// A CEE share changed: the operations of a deposit, or its proceeds.
    Cee {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// An amount carried from an earlier semester changed.
    Carried {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// A line's label changed.
    Label {
        /// The dispositif.
        dispositif: DispositifId,
    },
    /// An amount changed for a reason the lines do not tell (a line of an earlier format, a rounding).
    Amount {
        /// The dispositif.
        dispositif: DispositifId,
    },
}

impl Change {
    /// The dispositif it is about.
    #[must_use]
    pub fn dispositif(&self) -> &DispositifId {
        match self {
            Change::Activity { dispositif, .. }
            | Change::Population { dispositif }
            | Change::Tariff { dispositif }
            | Change::MembershipAdded { dispositif }
            | Change::MembershipEnded { dispositif }
            | Change::MembershipDates { dispositif }
            | Change::Key { dispositif }
            | Change::Pool { dispositif }
            | Change::Regularisation { dispositif, .. }
            | Change::Cee { dispositif }
            | Change::Carried { dispositif }
            | Change::Label { dispositif }
            | Change::Amount { dispositif } => dispositif,
        }
    }
}

/// Why an issued document is cancelled: what changed, and whether a new document replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionReason {
    /// Whether a new document is issued for the same slot and semester (else nothing is due any more).
    pub replaced: bool,
    /// What changed, each once, in a stable order.
    pub changes: Vec<Change>,
}

/// A line's identity across two runs: convention, component and kind (tiers of a degressive price share it).
type LineKey = (mutua_core::ConventionId, String, ChargeKind);

fn line_key(charge: &Charge) -> LineKey {
    (charge.convention.clone(), charge.component.clone(), charge.kind.clone())
}

/// What a line whose counterpart is missing tells, when its convention is billed on the other document too (or
/// the line rests on activity, which may fall to nothing while the membership lasts).
fn lone_line(charge: &Charge, semester: Semester, convention_elsewhere: bool, added: bool) -> Change {
    let dispositif = charge.dispositif.clone();
    match (&charge.kind, &charge.basis.kind) {
        (ChargeKind::Regularisation { year }, _) => Change::Regularisation { dispositif, year: *year },
        (ChargeKind::CeeShare { .. }, _) => Change::Cee { dispositif },
        (ChargeKind::Carried { .. }, _) => Change::Carried { dispositif },
        (_, BasisKind::Units { .. } | BasisKind::UnitCost { .. })
        | (_, BasisKind::PoolShare { key: KeyTrace::Activity { .. }, .. }) => {
            Change::Activity { dispositif, semester }
        }
        _ if convention_elsewhere => Change::Amount { dispositif },
        _ if added => Change::MembershipAdded { dispositif },
        _ => Change::MembershipEnded { dispositif },
    }
}

/// What differs between two lines of the same convention, component and kind.
fn compare(old: &Charge, new: &Charge, semester: Semester) -> Option<Change> {
    let dispositif = new.dispositif.clone();
    let (a, b) = (&old.basis, &new.basis);
    if a == b && old.amount == new.amount {
        return (old.label != new.label).then_some(Change::Label { dispositif });
    }
    match (&new.kind, &a.kind, &b.kind) {
        (ChargeKind::Regularisation { year }, _, _) => {
            return Some(Change::Regularisation { dispositif, year: *year });
        }
        (ChargeKind::CeeShare { .. }, _, _) => return Some(Change::Cee { dispositif }),
        (ChargeKind::Carried { .. }, _, _) => return Some(Change::Carried { dispositif }),
        _ => {}
    }
    if a.presence.map(|p| (p.first, p.last)) != b.presence.map(|p| (p.first, p.last)) {
        return Some(Change::MembershipDates { dispositif });
    }
    let activity = Change::Activity { dispositif: dispositif.clone(), semester };
    let population = Change::Population { dispositif: dispositif.clone() };
    let tariff = Change::Tariff { dispositif: dispositif.clone() };
    let change = match (&a.kind, &b.kind) {
        (
            BasisKind::PerInhabitant { population: p, rate_per_year: r },
            BasisKind::PerInhabitant { population: q, rate_per_year: s },
        ) => {
            if p != q {
                population
            } else if r != s {
                tariff
            } else {
                Change::Amount { dispositif }
            }
        }
        (
            BasisKind::Band { population: p, annual: x, .. },
            BasisKind::Band { population: q, annual: y, .. },
        ) => {
            if p != q {
                population
            } else if x != y {
                tariff
            } else {
                Change::Amount { dispositif }
            }
        }
        (BasisKind::Units { units: u, .. }, BasisKind::Units { units: v, .. })
        | (BasisKind::UnitCost { units: u, .. }, BasisKind::UnitCost { units: v, .. })
            if u != v =>
        {
            activity
        }
        (BasisKind::PoolShare { member: m, key, .. }, BasisKind::PoolShare { member: n, .. }) if m != n => {
            match key {
                KeyTrace::Population { .. } => population,
                KeyTrace::Activity { .. } => activity,
                KeyTrace::FixedPercentages => Change::Key { dispositif },
                KeyTrace::Equal | KeyTrace::KwhCumac { .. } => Change::Pool { dispositif },
            }
        }
        (BasisKind::PoolShare { .. }, BasisKind::PoolShare { .. }) => Change::Pool { dispositif },
        (BasisKind::Issued { .. }, _) | (_, BasisKind::Issued { .. }) => {
            if a.quantity != b.quantity {
                activity
            } else if a.unit_price != b.unit_price {
                tariff
            } else {
                Change::Amount { dispositif }
            }
        }
        _ if a.unit_price != b.unit_price || a.revision != b.revision || a.bounds != b.bounds => tariff,
        _ if std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind) => tariff,
        _ => Change::Amount { dispositif },
    };
    Some(change)
}

/// Why `cancelled` is cancelled, found by comparing its lines with those of `replacement`, the document issued in
/// its place (`None` when nothing is due any more): each line of one without its counterpart, and each pair of
/// lines that differ, says which input changed (activity, population, tariff, membership…). Never empty: two
/// documents with the same lines are not cancelled, and a difference found nowhere else is an
/// [`Change::Amount`].
#[must_use]
pub fn correction_reason(cancelled: &Document, replacement: Option<&Document>) -> CorrectionReason {
    let semester = cancelled.semester;
    let mut old: BTreeMap<LineKey, Vec<&Charge>> = BTreeMap::new();
    for line in &cancelled.lines {
        old.entry(line_key(line)).or_default().push(line);
    }
    let mut new: BTreeMap<LineKey, Vec<&Charge>> = BTreeMap::new();
    for line in replacement.map_or(&[][..], |d| d.lines.as_slice()) {
        new.entry(line_key(line)).or_default().push(line);
    }
    let conventions = |lines: &BTreeMap<LineKey, Vec<&Charge>>| -> BTreeSet<mutua_core::ConventionId> {
        lines.keys().map(|(convention, _, _)| convention.clone()).collect()
    };
    let (old_conventions, new_conventions) = (conventions(&old), conventions(&new));
    let mut changes = BTreeSet::new();
    let keys: BTreeSet<&LineKey> = old.keys().chain(new.keys()).collect();
    for key in keys {
        match (old.get(key), new.get(key)) {
            (Some(before), Some(after)) => {
                if before.len() != after.len() {
                    // Tiers of a degressive price: the units crossed a tier.
                    changes.insert(lone_line(after[0], semester, true, true));
                }
                for (a, b) in before.iter().zip(after.iter()) {
                    changes.extend(compare(a, b, semester));
                }
            }
            (Some(before), None) => {
                for line in before {
                    changes.insert(lone_line(line, semester, new_conventions.contains(&key.0), false));
                }
            }
            (None, Some(after)) => {
                for line in after {
                    changes.insert(lone_line(line, semester, old_conventions.contains(&key.0), true));
                }
            }
            (None, None) => {}
        }
    }
    if changes.is_empty()
        && let Some(line) = cancelled.lines.first().or_else(|| replacement.and_then(|r| r.lines.first()))
    {
        changes.insert(Change::Amount { dispositif: line.dispositif.clone() });
    }
    CorrectionReason { replaced: replacement.is_some(), changes: changes.into_iter().collect() }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{BatchOptions, build_batch};
    use mutua_core::{ConventionBuilder, DatasetBuilder, Rule};

    /// An invoice of a commune for the CEP (per inhabitant) and the registre (per procedure), and its dataset.
    pub(crate) fn invoice() -> (mutua_core::ValidatedDataset, Document) {
        let since = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
        let dataset = DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole Européenne de Lille", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .dispositif("cep", "Conseil en énergie partagé")
            .dispositif("registre", "Registre dématérialisé")
            .convention(ConventionBuilder::new("cep", "cep", "MEL", since).component(
                "habitants",
                "Conseil en énergie partagé",
                Rule::per_inhabitant("1.20".parse().unwrap()),
            ))
            .convention(ConventionBuilder::new("registre", "registre", "MEL", since).component(
                "procedures",
                "Registre",
                Rule::unit_price("420".parse().unwrap(), "consultation", "procédure", &["PROCEDURE"]),
            ))
            .member("cep", "59005", since, None)
            .member("registre", "59005", since, None)
            .activity("registre", "59005", "2026-S1", ("consultation", "PROCEDURE"), "2")
            .build()
            .unwrap();
        let allocation = mutua_alloc::allocate(&dataset, "2026-S1".parse().unwrap()).unwrap();
        let issue_date = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        let batch =
            build_batch(&dataset, &allocation, &BatchOptions { issue_date, series_start: BTreeMap::new() })
                .unwrap();
        let invoice = batch.documents.into_iter().next().unwrap();
        assert_eq!(invoice.lines.len(), 2);
        (dataset, invoice)
    }

    fn id(text: &str) -> DispositifId {
        DispositifId::parse(text).unwrap()
    }

    #[test]
    fn the_reason_names_the_input_that_changed() {
        let (_, old) = invoice();
        let semester: Semester = "2026-S1".parse().unwrap();
        fn line<'a>(document: &'a mut Document, dispositif: &str) -> &'a mut Charge {
            document.lines.iter_mut().find(|c| c.dispositif.as_str() == dispositif).unwrap()
        }

        let edit = |change: &dyn Fn(&mut Document)| {
            let mut new = old.clone();
            change(&mut new);
            new
        };
        let cases: Vec<(&str, Option<Document>, Vec<Change>)> = vec![
            (
                "population",
                Some(edit(&|d| {
                    if let BasisKind::PerInhabitant { population, .. } = &mut line(d, "cep").basis.kind {
                        population.inhabitants += 1;
                    }
                    line(d, "cep").amount = mutua_core::Amount::from_cents(91_440);
                })),
                vec![Change::Population { dispositif: id("cep") }],
            ),
            (
                "rate",
                Some(edit(&|d| {
                    if let BasisKind::PerInhabitant { rate_per_year, .. } = &mut line(d, "cep").basis.kind {
                        *rate_per_year = Decimal::new(130, 2);
                    }
                    line(d, "cep").basis.unit_price = Some(Decimal::new(65, 2));
                })),
                vec![Change::Tariff { dispositif: id("cep") }],
            ),
            (
                "activity",
                Some(edit(&|d| {
                    if let BasisKind::Units { units, .. } = &mut line(d, "registre").basis.kind {
                        *units = Decimal::from(3);
                    }
                    line(d, "registre").basis.quantity = Some(Decimal::from(3));
                })),
                vec![Change::Activity { dispositif: id("registre"), semester }],
            ),
            (
                "activity fallen to nothing: the line goes, not the membership",
                Some(edit(&|d| d.lines.retain(|c| c.dispositif.as_str() != "registre"))),
                vec![Change::Activity { dispositif: id("registre"), semester }],
            ),
            (
                "membership ended",
                Some(edit(&|d| d.lines.retain(|c| c.dispositif.as_str() != "cep"))),
                vec![Change::MembershipEnded { dispositif: id("cep") }],
            ),
            (
                "dates of membership",
                Some(edit(&|d| {
                    line(d, "cep").basis.presence = Some(mutua_alloc::trace::PresenceTrace {
                        measure: 120,
                        period_measure: 181,
                        months: false,
                        first: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                        last: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
                        day_count: None,
                    });
                })),
                vec![Change::MembershipDates { dispositif: id("cep") }],
            ),
            (
                "label",
                Some(edit(&|d| line(d, "cep").label.push('!'))),
                vec![Change::Label { dispositif: id("cep") }],
            ),
            (
                "nothing due any more",
                None,
                vec![
                    Change::Activity { dispositif: id("registre"), semester },
                    Change::MembershipEnded { dispositif: id("cep") },
                ],
            ),
        ];
        for (case, new, expected) in cases {
            let reason = correction_reason(&old, new.as_ref());
            assert_eq!(reason.changes, expected, "{case}");
            assert_eq!(reason.replaced, new.is_some(), "{case}");
        }
        // A membership added: the new document bills a convention the cancelled one did not.
        let mut without = old.clone();
        without.lines.retain(|c| c.dispositif.as_str() != "cep");
        let reason = correction_reason(&without, Some(&old));
        assert_eq!(reason.changes, vec![Change::MembershipAdded { dispositif: id("cep") }]);
    }

    #[test]
    fn the_due_date_is_the_longest_term_of_the_conventions_billed() {
        let (dataset, invoice) = invoice();
        let issue = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        assert_eq!(
            invoice.particulars.as_ref().and_then(|p| p.payment),
            Some(PaymentDue { term_days: 30, due_date: NaiveDate::from_ymd_opt(2026, 8, 14).unwrap() })
        );
        let mut dataset = dataset.into_inner();
        for (convention, days) in [("cep", 45), ("registre", 60)] {
            let id = mutua_core::ConventionId::parse(convention).unwrap();
            dataset.conventions.get_mut(&id).unwrap().payment_term_days = Some(days);
        }
        let due = payment_due(&dataset, &invoice.lines, issue);
        assert_eq!(
            due,
            PaymentDue { term_days: 60, due_date: NaiveDate::from_ymd_opt(2026, 9, 13).unwrap() }
        );
        let cep_only: Vec<Charge> =
            invoice.lines.iter().filter(|c| c.dispositif.as_str() == "cep").cloned().collect();
        assert_eq!(payment_due(&dataset, &cep_only, issue).term_days, 45);
    }

    #[test]
    fn a_negative_amount_has_a_negative_quantity_and_a_positive_price() {
        let (_, invoice) = invoice();
        let mut line = invoice.lines[0].clone();
        let quantity = line.basis.quantity.unwrap();
        let cases = [
            (line.amount, quantity),
            (line.amount.negated(), -quantity),
            (mutua_core::Amount::ZERO, quantity),
        ];
        for (amount, expected) in cases {
            line.amount = amount;
            assert_eq!(signed_quantity(&line), Some(expected), "{amount}");
        }
        line.basis.quantity = None;
        assert_eq!(signed_quantity(&line), None);
    }
}
