//! `regularisation`: once a year's actual valuation is known, each valuation-based charge of that year is
//! recomputed on the actual and billed (or credited) the difference with what the forecast billed, in the
//! semester the convention names.

use std::collections::BTreeMap;

use mutua_core::{Amount, Convention, PartyId, Semester, ValuationBasis};
use rust_decimal::Decimal;

use super::{Engine, MEMBER_ROUNDING, is_valuation_based};
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit};

/// The charges of a year, by payer, payee and component, with the semester each was computed for.
type BySemester = BTreeMap<(PartyId, PartyId, String), Vec<(Semester, Charge)>>;

/// The regularisation lines of year N − 1 against its actual valuation, in the semester the convention says.
pub(super) fn charges(
    engine: &mut Engine<'_>,
    convention: &Convention,
    semester: Semester,
) -> Result<Vec<Charge>, AllocError> {
    let Some(policy) = convention.regularisation else { return Ok(Vec::new()) };
    if semester.half != policy.billed_in.half() {
        return Ok(Vec::new());
    }
    let year = semester.year - 1;
    if engine.valuation(convention, year, ValuationBasis::Actual)?.is_none() {
        return Ok(Vec::new());
    }
    // Recompute each semester of the year on the forecast (what was billed) and on the actual.
    let mut billed: BySemester = BTreeMap::new();
    let mut due: BySemester = BTreeMap::new();
    let mut scratch = Vec::new();
    for past in Semester::of_year(year) {
        for (basis, target) in [(ValuationBasis::Forecast, &mut billed), (ValuationBasis::Actual, &mut due)] {
            for charge in engine.convention_semester(convention, past, basis, &mut scratch)? {
                let component =
                    convention.terms.iter().flat_map(|t| &t.components).find(|c| c.id == charge.component);
                if component.is_some_and(is_valuation_based) {
                    target
                        .entry((charge.payer.clone(), charge.payee.clone(), charge.component.clone()))
                        .or_default()
                        .push((past, charge));
                }
            }
        }
    }
    let forecast = engine.required_valuation(convention, year, ValuationBasis::Forecast)?;
    let actual = engine.required_valuation(convention, year, ValuationBasis::Actual)?;
    let mut keys: Vec<_> = billed.keys().chain(due.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut charges = Vec::new();
    for key in keys {
        let billed_charges = billed.get(&key).map(Vec::as_slice).unwrap_or_default();
        let due_charges = due.get(&key).map(Vec::as_slice).unwrap_or_default();
        let billed_total = Amount::checked_sum(billed_charges.iter().map(|(_, c)| c.amount))?;
        let due_total = Amount::checked_sum(due_charges.iter().map(|(_, c)| c.amount))?;
        let amount = due_total.checked_sub(billed_total)?;
        if amount.is_zero() {
            continue;
        }
        let Some((_, template)) = due_charges.first().or(billed_charges.first()) else { continue };
        let mut trace = Trace::new(
            RuleKind::Regularisation,
            &template.trace.terms_reference,
            amount.to_decimal(),
            MEMBER_ROUNDING,
        );
        trace.step(Step::RegularisationCosts {
            year,
            forecast: (forecast.unit_cost.value(), forecast.document.clone()),
            actual: (actual.unit_cost.value(), actual.document.clone()),
        });
        trace.step(Step::RegularisationFullCosts {
            year,
            forecast: forecast.full_cost,
            actual: actual.full_cost,
        });
        for (past, charge) in billed_charges {
            trace.step(Step::BilledOnForecast {
                semester: *past,
                amount: charge.amount,
                basis: Box::new(charge.basis.clone()),
            });
        }
        for (past, charge) in due_charges {
            trace.step(Step::DueOnActual {
                semester: *past,
                amount: charge.amount,
                basis: Box::new(charge.basis.clone()),
            });
        }
        trace.step(Step::Regularisation { due: due_total, billed: billed_total, amount });
        let line = LineBasis {
            quantity: Some(Decimal::ONE),
            unit: Unit::Regularisation,
            unit_price: Some(amount.to_decimal()),
            kind: BasisKind::Regularisation { due: due_total, billed: billed_total, year },
            presence: None,
            revision: None,
            bounds: Vec::new(),
        };
        let mut charge = template.clone();
        charge.kind = ChargeKind::Regularisation { year };
        charge.amount = amount;
        charge.basis = line;
        charge.trace = trace;
        charges.push(charge);
    }
    Ok(charges)
}
