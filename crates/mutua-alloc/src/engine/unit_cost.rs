//! `unit_cost` (CGCT D5211-16): the member's units of operation × the dispositif's unit operating cost, from its
//! valuation of the year (the forecast while billing, the actual for the regularisation).

use mutua_core::{UnitCost, ValuationBasis};

use super::amount::RuleAmount;
use super::{Engine, MEMBER_ROUNDING, Presence, SliceContext, mul};
use crate::error::AllocError;
use crate::trace::{BasisKind, LineBasis, RuleKind, Step, Trace, Unit, UnitCostTrace};

pub(super) fn amount(
    engine: &mut Engine<'_>,
    context: &SliceContext<'_>,
    rule: &UnitCost,
    presence: &Presence,
    valuation_basis: ValuationBasis,
) -> Result<Option<RuleAmount>, AllocError> {
    let convention = context.convention;
    let (units, records) =
        engine.weighted_units(convention, &presence.member, context.semester, &rule.basis)?;
    let units = context.activity_share(units)?;
    if units.is_zero() {
        return Ok(None);
    }
    let valuation = engine.required_valuation(convention, context.semester.year, valuation_basis)?;
    let exact = mul(units, valuation.unit_cost.value(), "units × unit cost")?;
    let mut trace = Trace::new(RuleKind::UnitCost, &context.terms.reference, exact, MEMBER_ROUNDING);
    trace.member_basis = Some(units);
    if !records.is_empty() {
        trace.step(Step::Activity { records });
    }
    let unit_label = rule.basis.unit_label.clone();
    trace.step(Step::OperatingUnits { units, unit_label: unit_label.clone() });
    trace.step(Step::UnitCost(UnitCostTrace {
        basis: valuation.basis,
        year: valuation.year,
        unit_cost: valuation.unit_cost.value(),
        full_cost: valuation.full_cost,
        units: valuation.units.value(),
        document: valuation.document.clone(),
    }));
    let basis = LineBasis {
        quantity: Some(units),
        unit: Unit::Named(unit_label.clone()),
        unit_price: Some(valuation.unit_cost.value()),
        kind: BasisKind::UnitCost {
            units,
            unit_label,
            unit_cost: valuation.unit_cost.value(),
            basis: valuation.basis,
            year: valuation.year,
        },
        presence: None,
        revision: None,
        bounds: Vec::new(),
    };
    Ok(Some(RuleAmount { exact, trace, basis }))
}
