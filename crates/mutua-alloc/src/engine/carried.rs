//! `carried`: the amounts an earlier semester carried (its document would have been under the titre threshold,
//! art. D1611-1 CGCT), owed again now.
//!
//! They come from the ledger when it records what the run of the semester before carried
//! ([`History::carried_by`]), and otherwise from the dataset's `carried.csv` (amounts carried before mutua). An
//! amount carried again keeps the semester it was computed for.

use mutua_core::{CarriedAmount, Dataset, Semester};
use rust_decimal::Decimal;

use super::MEMBER_ROUNDING;
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::history::{Billed, BilledSource, History};
use crate::trace::{BasisKind, CarriedRecord, LineBasis, RuleKind, Step, Trace, Unit};

/// The amounts carried into `semester`, and where they are recorded.
pub(super) fn carried_into<'a>(
    dataset: &'a Dataset,
    semester: Semester,
    history: &'a History,
) -> (Vec<&'a CarriedAmount>, CarriedRecord) {
    let previous = semester.previous();
    match history.carried_by(previous) {
        Some(amounts) => (amounts.iter().collect(), CarriedRecord::Ledger),
        None => (dataset.carried.iter().filter(|c| c.semester == previous).collect(), CarriedRecord::Import),
    }
}

/// The amounts carried into `semester`, as billed for the semester they were computed for (this run bills them,
/// or carries them again), for the regularisations to count beside `history`; a regularisation line carried is
/// not a billing of its semester.
pub(super) fn pending_billed(amounts: &[&CarriedAmount]) -> Vec<Billed> {
    amounts
        .iter()
        .filter(|c| c.regularises.is_none())
        .map(|carried| Billed {
            semester: carried.origin,
            convention: carried.convention.clone(),
            component: carried.component.clone(),
            payer: carried.debtor.clone(),
            payee: carried.issuer.clone(),
            amount: carried.amount,
            source: BilledSource::Carried(carried.semester),
        })
        .collect()
}

/// Amounts carried from the previous semester ([`carried_into`]), owed again now.
pub(super) fn charges(
    dataset: &Dataset,
    semester: Semester,
    (amounts, recorded): (Vec<&CarriedAmount>, CarriedRecord),
) -> Result<Vec<Charge>, AllocError> {
    let previous = semester.previous();
    let mut charges = Vec::with_capacity(amounts.len());
    for carried in amounts {
        let convention = dataset
            .conventions
            .get(&carried.convention)
            .ok_or_else(|| AllocError::UnknownConvention(carried.convention.to_string()))?;
        // The act whose tariff the amount was computed by: the terms of its component in force at the end of the
        // semester it was computed for (the convention itself when they cannot be told).
        let terms_reference = convention
            .terms_in(carried.origin.period())
            .into_iter()
            .rev()
            .find(|(_, terms)| terms.components.iter().any(|c| c.id == carried.component))
            .map_or(convention.reference.as_str(), |(_, terms)| terms.reference.as_str());
        let mut trace =
            Trace::new(RuleKind::Carried, terms_reference, carried.amount.to_decimal(), MEMBER_ROUNDING);
        trace.step(Step::CarriedFrom { semester: carried.origin });
        trace.step(Step::CarriedBy { semester: previous, recorded });
        trace.step(Step::CarriedReason { threshold: dataset.meta.titre_threshold });
        charges.push(Charge {
            convention: convention.id.clone(),
            dispositif: convention.dispositif.clone(),
            component: carried.component.clone(),
            label: carried.label.clone(),
            kind: ChargeKind::Carried { semester: carried.origin, regularises: carried.regularises },
            payer: carried.debtor.clone(),
            payee: carried.issuer.clone(),
            provider_pays: false,
            settlement: convention.settlement,
            vat: convention.vat.clone(),
            accounts: dataset.line_accounts(convention, &carried.issuer, &carried.debtor),
            convention_reference: convention.reference.clone(),
            amount: carried.amount,
            basis: LineBasis {
                quantity: Some(Decimal::ONE),
                unit: Unit::Carried,
                unit_price: Some(carried.amount.to_decimal()),
                kind: BasisKind::Carried { semester: carried.origin },
                presence: None,
                revision: None,
                bounds: Vec::new(),
            },
            trace,
        });
    }
    Ok(charges)
}
