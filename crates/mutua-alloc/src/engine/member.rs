//! A charge of one member under a per-member rule: the rule's exact amount (its own module), then what every
//! per-member rule shares — the index revision, the pro rata of a partial presence, the annual cap and floor (a
//! semester's bound is its fraction of the year, pro rata like the amount), and the rounding to the cent.
//!
//! An annual rule (per inhabitant, bands, flat fee) is rounded cumulatively within its year: a part of the year
//! bills the rounded amount of the year up to the end of the member's presence in it, less the rounded amount up
//! to its start (nothing in the first part of the year). The semesters of a full year then add up to the annual
//! amount, to the cent, under every day count; a part alone is within a cent of its exact amount.

use mutua_core::{Amount, Component, Rule, ValuationBasis};
use rust_decimal::Decimal;

use super::amount::RuleAmount;
use super::{
    Engine, MEMBER_ROUNDING, Presence, SliceContext, bands, flat_fee, mul, overflow, per_inhabitant,
    unit_cost, unit_price,
};
use crate::allocation::{Charge, ChargeKind};
use crate::error::AllocError;
use crate::trace::{Bounded, Fraction, RevisionTrace, Step, Unit};

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
    // The part of the year this slice and presence stand for, under the component's day count.
    let fraction = context.fraction(presence)?;
    // Annual rules also give their amount per year, which is rounded cumulatively within the year.
    let annual = |(amount, per_year): (RuleAmount, Decimal)| vec![(amount, Some(per_year))];
    let unit = |amounts: Vec<RuleAmount>| amounts.into_iter().map(|a| (a, None)).collect::<Vec<_>>();
    let mut parts: Vec<(RuleAmount, Option<Decimal>)> = match &component.rule {
        Rule::PerInhabitant(rule) => {
            annual(per_inhabitant::amount(engine, context, rule, presence, fraction)?)
        }
        Rule::PopulationBands(rule) => {
            annual(bands::amount(engine, context, component, rule, presence, fraction)?)
        }
        Rule::FlatFee(rule) => annual(flat_fee::amount(context, rule, presence, fraction)?),
        Rule::UnitPrice(rule) => unit(unit_price::amounts(engine, context, rule, presence)?),
        Rule::UnitCost(rule) => {
            unit(unit_cost::amount(engine, context, rule, presence, basis)?.into_iter().collect())
        }
        // Not per member: split in `pool_share`, returned in `cee`.
        Rule::PoolShare(_) | Rule::CeeRedistribution(_) => Vec::new(),
    };
    if let Some(revision) = revision {
        for (part, per_year) in &mut parts {
            revise(part, revision)?;
            *per_year =
                per_year.map(|annual| mul(annual, revision.coefficient, "annual × revision")).transpose()?;
        }
    }
    // Caps and floors bound the member's whole amount for the component: parts (tiers) bound together become
    // one line, the bound itself.
    if parts.len() > 1 && bound_binds(component, &parts, fraction)? {
        parts = merge(parts)?;
    }
    let mut charges = Vec::with_capacity(parts.len());
    for (part, per_year) in parts {
        if let Some(charge) = finish(context, component, presence, fraction, part, per_year)? {
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
    parts: &[(RuleAmount, Option<Decimal>)],
    fraction: Fraction,
) -> Result<bool, AllocError> {
    let total = super::checked_total(parts.iter().map(|(p, _)| p.exact), "Σ parts")?;
    let bound = |annual: Amount| fraction.of(annual.to_decimal()).ok_or_else(|| overflow("cap × pro rata"));
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
fn merge(
    parts: Vec<(RuleAmount, Option<Decimal>)>,
) -> Result<Vec<(RuleAmount, Option<Decimal>)>, AllocError> {
    let total = super::checked_total(parts.iter().map(|(p, _)| p.exact), "Σ parts")?;
    let Some((mut first, per_year)) = parts.into_iter().next() else { return Ok(Vec::new()) };
    first.exact = total;
    first.basis.quantity = Some(Decimal::ONE);
    first.basis.unit = Unit::Flat;
    first.basis.unit_price = Some(total);
    Ok(vec![(first, per_year)])
}

/// One part with what every per-member rule shares after its amount: pro rata, bounds, rounding.
fn finish(
    context: &SliceContext<'_>,
    component: &Component,
    presence: &Presence,
    fraction: Fraction,
    part: RuleAmount,
    mut per_year: Option<Decimal>,
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
    // Caps and floors are annual: a semester's bound is its fraction of the year, pro rata like the amount (for an
    // annual rule, the bound replaces the amount per year).
    let bound = |annual: Amount| fraction.of(annual.to_decimal()).ok_or_else(|| overflow("cap × pro rata"));
    if let Some(cap) = component.cap_per_year {
        let for_period = bound(cap)?;
        if exact > for_period {
            trace.step(Step::Cap { per_year: cap, for_period });
            exact = for_period;
            per_year = per_year.map(|_| cap.to_decimal());
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
            per_year = per_year.map(|_| floor.to_decimal());
            line.bounds.push(Bounded::Floored);
            line.quantity = Some(Decimal::ONE);
            line.unit = Unit::Flat;
            line.unit_price = Some(for_period);
        }
    }
    trace.exact = exact;
    let own = Amount::from_decimal(exact, MEMBER_ROUNDING);
    let amount = match per_year {
        Some(annual) => {
            let amount = cumulative(annual, context.fraction_before(presence), fraction, own, &mut trace)?;
            if amount != own && line.unit == Unit::Flat && line.bounds.contains(&Bounded::Floored) {
                // A floor's line is 1 × its amount.
                line.unit_price = Some(amount.to_decimal());
            }
            amount
        }
        None => own,
    };
    if amount.is_zero() {
        return Ok(None);
    }
    Ok(Some(context.charge(component, &presence.member, amount, ChargeKind::Current, line, trace)))
}

/// The cumulative rounding of an annual amount within its year: round(annual × (before + this part)) −
/// round(annual × before), with `before` the fraction of the year the member was present before this part. With
/// nothing before, it is the part's own rounding (`own`). When it moves a cent from `own`, the trace says so.
fn cumulative(
    annual: Decimal,
    before: Fraction,
    part: Fraction,
    own: Amount,
    trace: &mut crate::trace::Trace,
) -> Result<Amount, AllocError> {
    if before.is_zero() {
        return Ok(own);
    }
    let through = before.checked_add(part).ok_or_else(|| overflow("fraction of the year"))?;
    let exact_before = before.of(annual).ok_or_else(|| overflow("annual × fraction of the year"))?;
    let exact_through = through.of(annual).ok_or_else(|| overflow("annual × fraction of the year"))?;
    let billed_before = Amount::from_decimal(exact_before, MEMBER_ROUNDING);
    let billed_through = Amount::from_decimal(exact_through, MEMBER_ROUNDING);
    let amount = billed_through.checked_sub(billed_before)?;
    if amount != own {
        trace.step(Step::YearToDate {
            before: exact_before,
            billed_before,
            through: exact_through,
            billed_through,
        });
    }
    Ok(amount)
}
