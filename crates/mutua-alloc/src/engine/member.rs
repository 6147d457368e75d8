//! A charge of one member under a per-member rule: the rule's exact amount (its own module), then what every
//! per-member rule shares — the index revision, the pro rata of a partial presence, the annual cap and floor
//! (halved and pro rata like the amount), and the rounding to the cent.

use mutua_core::{Amount, Component, Rule, ValuationBasis};
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{
    Engine, MEMBER_ROUNDING, Presence, SliceContext, bands, div, flat_fee, mul, per_inhabitant, unit_cost,
    unit_price,
};
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::trace::{Bounded, RevisionTrace, Step, Unit};

/// The charges of one member under a per-member rule: none when it has nothing to pay, one per tier reached
/// under a degressive price, else one.
pub(super) fn charges(
    engine: &mut Engine<'_>,
    context: &SliceContext<'_>,
    component: &Component,
    presence: &Presence,
    revision: Option<&RevisionTrace>,
    basis: ValuationBasis,
) -> Result<Vec<Charge>, AllocError> {
    // The part of the semester this slice and presence stand for: measure / (2 × period measure) of a year.
    let annual_factor =
        div(Decimal::from(presence.measure), Decimal::from(2 * context.period_measure), "pro rata")?;
    let mut parts = match &component.rule {
        Rule::PerInhabitant(rule) => {
            vec![per_inhabitant::amount(engine, context, rule, presence, annual_factor)?]
        }
        Rule::PopulationBands(rule) => {
            vec![bands::amount(engine, context, component, rule, presence, annual_factor)?]
        }
        Rule::FlatFee(rule) => vec![flat_fee::amount(context, rule, presence, annual_factor)?],
        Rule::UnitPrice(rule) => unit_price::amounts(engine, context, rule, presence)?,
        Rule::UnitCost(rule) => {
            unit_cost::amount(engine, context, rule, presence, basis)?.into_iter().collect()
        }
        // Not per member: split in `pool_share`, returned in `cee`.
        Rule::PoolShare(_) | Rule::CeeRedistribution(_) => Vec::new(),
    };
    if let Some(revision) = revision {
        for part in &mut parts {
            revise(part, revision)?;
        }
    }
    // Caps and floors bound the member's whole amount for the component: parts (tiers) bound together become
    // one line, the bound itself.
    let merged =
        if parts.len() > 1 && bound_binds(component, &parts, annual_factor)? { merge(parts)? } else { parts };
    let mut charges = Vec::with_capacity(merged.len());
    for part in merged {
        if let Some(charge) = finish(context, component, presence, annual_factor, part)? {
            charges.push(charge);
        }
    }
    Ok(charges)
}

/// Applies an index revision to an amount and to its printed unit price.
fn revise(part: &mut RuleAmount, revision: &RevisionTrace) -> Result<(), AllocError> {
    part.exact = mul(part.exact, revision.coefficient, "revision")?;
    part.trace.step(Step::Revision(revision.clone()));
    part.basis.unit_price = match part.basis.unit_price {
        Some(price) => Some(mul(price, revision.coefficient, "price × revision")?),
        None => None,
    };
    part.basis.revision = Some(revision.coefficient);
    Ok(())
}

/// Whether the component's cap or floor binds the sum of the parts.
fn bound_binds(
    component: &Component,
    parts: &[RuleAmount],
    annual_factor: Decimal,
) -> Result<bool, AllocError> {
    let total = super::checked_total(parts.iter().map(|p| p.exact), "Σ parts")?;
    let bound = |annual: Amount| mul(annual.to_decimal(), annual_factor, "cap × pro rata");
    let capped = match component.cap_per_year {
        Some(cap) => total > bound(cap)?,
        None => false,
    };
    let floored = match component.floor_per_year {
        Some(floor) => total < bound(floor)?,
        None => false,
    };
    Ok(capped || floored)
}

/// The parts as one amount (their sum), with the first part's trace and basis.
fn merge(parts: Vec<RuleAmount>) -> Result<Vec<RuleAmount>, AllocError> {
    let total = super::checked_total(parts.iter().map(|p| p.exact), "Σ parts")?;
    let Some(mut first) = parts.into_iter().next() else { return Ok(Vec::new()) };
    first.exact = total;
    first.basis.quantity = Some(Decimal::ONE);
    first.basis.unit = Unit::Flat;
    first.basis.unit_price = Some(total);
    Ok(vec![first])
}

/// One part with what every per-member rule shares after its amount: pro rata, bounds, rounding.
fn finish(
    context: &SliceContext<'_>,
    component: &Component,
    presence: &Presence,
    annual_factor: Decimal,
    part: RuleAmount,
) -> Result<Option<Charge>, AllocError> {
    let RuleAmount { mut exact, mut trace, basis: mut line } = part;
    // Activity is only recorded while a member: unit rules need no pro rata.
    let prorated = match &component.rule {
        Rule::UnitPrice(_) | Rule::UnitCost(_) => false,
        Rule::PerInhabitant(_)
        | Rule::PopulationBands(_)
        | Rule::FlatFee(_)
        | Rule::PoolShare(_)
        | Rule::CeeRedistribution(_) => true,
    };
    if prorated && let Some(partial) = context.presence_trace(presence) {
        trace.step(Step::ProRata(partial));
    }
    // Caps and floors are annual: a semester's bound is half, pro rata like the amount.
    let bound = |annual: Amount| mul(annual.to_decimal(), annual_factor, "cap × pro rata");
    if let Some(cap) = component.cap_per_year {
        let for_period = bound(cap)?;
        if exact > for_period {
            trace.step(Step::Cap { per_year: cap, for_period });
            exact = for_period;
            line.bounds.push(Bounded::Capped);
            if matches!(line.unit, Unit::Flat) {
                line.unit_price = Some(for_period);
            }
        }
    }
    if let Some(floor) = component.floor_per_year {
        let for_period = bound(floor)?;
        if exact < for_period {
            trace.step(Step::Floor { per_year: floor, for_period });
            exact = for_period;
            line.bounds.push(Bounded::Floored);
            line.quantity = Some(Decimal::ONE);
            line.unit = Unit::Flat;
            line.unit_price = Some(for_period);
        }
    }
    trace.exact = exact;
    let amount = Amount::from_decimal(exact, MEMBER_ROUNDING);
    if amount.is_zero() {
        return Ok(None);
    }
    Ok(Some(context.charge(component, &presence.member, amount, ChargeKind::Current, line, trace)))
}
