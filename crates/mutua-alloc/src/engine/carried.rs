//! `carried`: the amounts an earlier semester carried (its document would have been under the titre threshold,
//! art. D1611-1 CGCT), owed again now.

use mutua_core::{Dataset, Semester};
use rust_decimal::Decimal;

use super::MEMBER_ROUNDING;
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit};

/// Amounts carried from the previous semester, owed again now.
pub(super) fn charges(dataset: &Dataset, semester: Semester) -> Result<Vec<Charge>, AllocError> {
    let previous = semester.previous();
    let mut charges = Vec::new();
    for carried in dataset.carried.iter().filter(|c| c.semester == previous) {
        let convention = dataset
            .conventions
            .get(&carried.convention)
            .ok_or_else(|| AllocError::UnknownConvention(carried.convention.to_string()))?;
        let mut trace = Trace::new(
            RuleKind::Carried,
            &convention.reference,
            carried.amount.to_decimal(),
            MEMBER_ROUNDING,
        );
        trace.step(Step::CarriedFrom { semester: previous });
        trace.step(Step::CarriedReason { threshold: dataset.meta.titre_threshold });
        charges.push(Charge {
            convention: convention.id.clone(),
            dispositif: convention.dispositif.clone(),
            component: carried.component.clone(),
            label: carried.label.clone(),
            kind: ChargeKind::Carried { semester: previous },
            payer: carried.debtor.clone(),
            payee: carried.issuer.clone(),
            provider_pays: false,
            settlement: convention.settlement,
            vat: convention.vat.clone(),
            revenue_account: convention.revenue_account.clone(),
            expense_account: convention.expense_account.clone(),
            convention_reference: convention.reference.clone(),
            amount: carried.amount,
            basis: LineBasis {
                quantity: Some(Decimal::ONE),
                unit: Unit::Carried,
                unit_price: Some(carried.amount.to_decimal()),
                kind: BasisKind::Carried { semester: previous },
                presence: None,
                revision: None,
                bounds: Vec::new(),
            },
            trace,
        });
    }
    Ok(charges)
}
