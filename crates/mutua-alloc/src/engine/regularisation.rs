//! `regularisation`: once a year's actual valuation is known, each valuation-based charge of that year is
//! recomputed on the actual, and what was billed for it (the ledger's documents, the finance system's titres:
//! [`History`]) is subtracted, in the semester the convention names.
//!
//! The difference is rounded once: each member's exact difference (its exact share of the actual, unrounded,
//! less what it was billed) is kept exact; the component's total difference is rounded half up to the cent and
//! split back by those exact differences with [`apportion`] (floors, then the largest remainders, ties by
//! ascending payer), so that each member's line is within a cent of its exact difference and the lines add up to
//! the rounded total.

use std::collections::BTreeMap;

use mutua_core::{Amount, Convention, PartyId, Rounding, Semester, ValuationBasis};
use rust_decimal::Decimal;

use super::{Engine, MEMBER_ROUNDING, is_valuation_based};
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::history::{Billed, History};
use crate::split::apportion;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit};

/// The rounding of a component's total difference, before it is split back among the members.
pub const REGULARISATION_ROUNDING: Rounding = Rounding::HalfUp;

/// One member's side of a regularisation: what is due on the actual, what was billed.
#[derive(Default)]
struct Account {
    /// Σ of the exact amounts due on the actual, unrounded.
    due_exact: Decimal,
    /// Σ billed.
    billed: Amount,
    /// The steps that show them, semester by semester.
    steps: Vec<Step>,
    /// A charge of the year to take the line's fields from (convention, accounts, terms).
    template: Option<Charge>,
}

/// The regularisation lines of year N − 1 against its actual valuation, in the semester the convention says.
pub(super) fn charges(
    engine: &mut Engine<'_>,
    convention: &Convention,
    semester: Semester,
    history: &History,
    pending: &[Billed],
) -> Result<Vec<Charge>, AllocError> {
    let Some(policy) = convention.regularisation else { return Ok(Vec::new()) };
    if semester.half != policy.billed_in.half() {
        return Ok(Vec::new());
    }
    let year = semester.year - 1;
    if engine.valuation(convention, year, ValuationBasis::Actual)?.is_none() {
        return Ok(Vec::new());
    }
    let regularised: Vec<&str> = convention
        .terms
        .iter()
        .flat_map(|t| &t.components)
        .filter(|c| is_valuation_based(c))
        .map(|c| c.id.as_str())
        .collect();
    // By component, then payer and payee.
    let mut accounts: BTreeMap<String, BTreeMap<(PartyId, PartyId), Account>> = BTreeMap::new();
    let mut scratch = Vec::new();
    for past in Semester::of_year(year) {
        let billed = history.billed(&convention.id, past).ok_or_else(|| AllocError::BilledUnknown {
            convention: convention.id.to_string(),
            semester: past,
        })?;
        for charge in engine.convention_semester(convention, past, ValuationBasis::Actual, &mut scratch)? {
            if !regularised.contains(&charge.component.as_str()) {
                continue;
            }
            let account = accounts
                .entry(charge.component.clone())
                .or_default()
                .entry((charge.payer.clone(), charge.payee.clone()))
                .or_default();
            account.due_exact = account
                .due_exact
                .checked_add(charge.trace.exact)
                .ok_or_else(|| super::overflow("regularisation"))?;
            account.steps.push(Step::DueOnActual {
                semester: past,
                amount: charge.amount,
                exact: charge.trace.exact,
                basis: Box::new(charge.basis.clone()),
            });
            account.template.get_or_insert(charge);
        }
        // What the ledger or the titres recorded, then what is carried into this run (billed by it).
        let carried_in = pending.iter().filter(|b| b.convention == convention.id && b.semester == past);
        for line in billed.iter().chain(carried_in).filter(|b| regularised.contains(&b.component.as_str())) {
            let account = accounts
                .entry(line.component.clone())
                .or_default()
                .entry((line.payer.clone(), line.payee.clone()))
                .or_default();
            account.billed = account.billed.checked_add(line.amount)?;
            account.steps.push(Step::Billed {
                semester: past,
                amount: line.amount,
                source: line.source.clone(),
            });
        }
    }
    let forecast = engine.required_valuation(convention, year, ValuationBasis::Forecast)?;
    let actual = engine.required_valuation(convention, year, ValuationBasis::Actual)?;
    let mut charges = Vec::new();
    for (component_id, accounts) in accounts {
        let mut differences = Vec::with_capacity(accounts.len());
        let mut exact_total = Decimal::ZERO;
        for (key, account) in &accounts {
            let billed = account.billed.to_decimal();
            let difference =
                account.due_exact.checked_sub(billed).ok_or_else(|| super::overflow("regularisation"))?;
            exact_total =
                exact_total.checked_add(difference).ok_or_else(|| super::overflow("regularisation"))?;
            differences.push((key.clone(), difference));
        }
        let total = Amount::from_decimal(exact_total, REGULARISATION_ROUNDING);
        let shares = apportion(total, &differences).map_err(|source| AllocError::Split {
            convention: convention.id.to_string(),
            component: component_id.clone(),
            source,
        })?;
        let component = convention.terms.iter().flat_map(|t| &t.components).find(|c| c.id == component_id);
        for (share, (_, account)) in shares.into_iter().zip(accounts) {
            if share.amount.is_zero() {
                continue;
            }
            let mut charge = match account.template {
                Some(template) => template,
                // Billed, and nothing due on the actual: the member left before the year's units were counted.
                None => template_without_due(engine.dataset, convention, component, &share.key, year)?,
            };
            let mut trace = Trace::new(
                RuleKind::Regularisation,
                &charge.trace.terms_reference,
                share.quota_exact,
                Rounding::Floor,
            );
            trace.remainder_cents = share.remainder_cents;
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
            trace.steps.extend(account.steps);
            trace.step(Step::Regularisation {
                due: account.due_exact,
                billed: account.billed,
                exact: share.quota_exact,
                amount: share.amount,
            });
            trace.step(Step::RegularisationTotal {
                exact: exact_total,
                total,
                rounding: REGULARISATION_ROUNDING,
            });
            charge.kind = ChargeKind::Regularisation { year };
            charge.amount = share.amount;
            charge.basis = LineBasis {
                quantity: Some(Decimal::ONE),
                unit: Unit::Regularisation,
                unit_price: Some(share.amount.to_decimal()),
                kind: BasisKind::Regularisation { due: account.due_exact, billed: account.billed, year },
                presence: None,
                revision: None,
                bounds: Vec::new(),
            };
            charge.trace = trace;
            charges.push(charge);
        }
    }
    Ok(charges)
}

/// The fields of a regularisation line for a member billed in the year but owing nothing on the actual.
fn template_without_due(
    dataset: &mutua_core::Dataset,
    convention: &Convention,
    component: Option<&mutua_core::Component>,
    (payer, payee): &(PartyId, PartyId),
    year: i32,
) -> Result<Charge, AllocError> {
    let component = component.ok_or_else(|| AllocError::UnknownConvention(convention.id.to_string()))?;
    let terms = convention
        .terms_in(Semester::of_year(year)[1].period())
        .last()
        .map(|(_, terms)| terms.reference.clone())
        .unwrap_or_else(|| convention.reference.clone());
    Ok(Charge {
        convention: convention.id.clone(),
        dispositif: convention.dispositif.clone(),
        component: component.id.clone(),
        label: component.label.clone(),
        kind: ChargeKind::Regularisation { year },
        payer: payer.clone(),
        payee: payee.clone(),
        provider_pays: convention.flow == mutua_core::Flow::ProviderPaysMembers,
        settlement: convention.settlement,
        vat: convention.vat.clone(),
        accounts: dataset.line_accounts(convention, payee, payer),
        convention_reference: convention.reference.clone(),
        amount: Amount::ZERO,
        basis: LineBasis {
            quantity: None,
            unit: Unit::Regularisation,
            unit_price: None,
            kind: BasisKind::Regularisation { due: Decimal::ZERO, billed: Amount::ZERO, year },
            presence: None,
            revision: None,
            bounds: Vec::new(),
        },
        trace: Trace::new(RuleKind::Regularisation, &terms, Decimal::ZERO, MEMBER_ROUNDING),
    })
}
