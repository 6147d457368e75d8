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

/// The charge of one member under a per-member rule, or `None` when it has nothing to pay.
pub(super) fn charge(
    engine: &mut Engine<'_>,
    context: &SliceContext<'_>,
    component: &Component,
    presence: &Presence,
    revision: Option<&RevisionTrace>,
    basis: ValuationBasis,
) -> Result<Option<Charge>, AllocError> {
    // The part of the semester this slice and presence stand for: measure / (2 × period measure) of a year.
    let annual_factor =
        div(Decimal::from(presence.measure), Decimal::from(2 * context.period_measure), "pro rata")?;
    let computed = match &component.rule {
        Rule::PerInhabitant(rule) => {
            Some(per_inhabitant::amount(engine, context, rule, presence, annual_factor)?)
        }
        Rule::PopulationBands(rule) => {
            Some(bands::amount(engine, context, component, rule, presence, annual_factor)?)
        }
        Rule::FlatFee(rule) => Some(flat_fee::amount(context, rule, presence, annual_factor)?),
        Rule::UnitPrice(rule) => unit_price::amount(engine, context, component, rule, presence)?,
        Rule::UnitCost(rule) => unit_cost::amount(engine, context, rule, presence, basis)?,
        // Not per member: split in `pool_share`, returned in `cee`.
        Rule::PoolShare(_) | Rule::CeeRedistribution(_) => None,
    };
    let Some(RuleAmount { mut exact, mut trace, basis: mut line }) = computed else { return Ok(None) };
    if let Some(revision) = revision {
        exact = mul(exact, revision.coefficient, "revision")?;
        trace.step(Step::Revision(revision.clone()));
        line.unit_price = match line.unit_price {
            Some(price) => Some(mul(price, revision.coefficient, "price × revision")?),
            None => None,
        };
        line.revision = Some(revision.coefficient);
    }
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
