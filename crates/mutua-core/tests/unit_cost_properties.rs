//! Property tests of the D5211-16 derivation, checked with integer cents written here: each line retained is the
//! compte administratif's plus its updates, the full cost is the lines' sum, the unit cost is the full cost over the
//! units rounded half up to the cent, and a line or full cost below zero is refused, never computed.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use mutua_core::{
    Amount, CostLine, DispositifId, Quantity, Rate, Source, UnitCostDerivation, UnitCostUpdate, Valuation,
    ValuationBasis, ValuationError,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn line_index(line: CostLine) -> usize {
    CostLine::ALL.iter().position(|l| *l == line).unwrap()
}

fn line_strategy() -> impl Strategy<Value = CostLine> {
    prop::sample::select(CostLine::ALL.to_vec())
}

/// A compte administratif with no staff (its staff is then 0): its running costs, depreciation and subsidies in
/// cents; its updates in cents; the forecast units in hundredths.
fn case() -> impl Strategy<Value = ([i64; 3], Vec<(CostLine, i64)>, i64)> {
    (
        [0..10_000_000_000i64, 0..1_000_000_000i64, 0..2_000_000_000i64],
        prop::collection::vec((line_strategy(), -2_000_000_000i64..2_000_000_000i64), 0..8),
        1..100_000_000i64,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    #[test]
    fn derivation_adds_up_to_the_cent((accounts, updates, units) in case()) {
        let dispositif = DispositifId::parse("ads").unwrap();
        let valuation = Valuation {
            dispositif: dispositif.clone(),
            year: 2025,
            basis: ValuationBasis::Actual,
            fte: BTreeMap::new(),
            running_costs: Amount::from_cents(accounts[0]),
            depreciation: Amount::from_cents(accounts[1]),
            subsidies: Amount::from_cents(accounts[2]),
            units: Quantity::new(Decimal::ONE),
            document: "CA".into(),
            source: Source::code(),
        };
        let updates: Vec<UnitCostUpdate> = updates
            .iter()
            .map(|(line, cents)| UnitCostUpdate {
                dispositif: dispositif.clone(),
                year: 2027,
                line: *line,
                amount: Amount::from_cents(*cents),
                reason: String::new(),
                source: Source::code(),
            })
            .collect();
        let derivation = UnitCostDerivation {
            dispositif,
            year: 2027,
            compte_administratif: 2025,
            units: Quantity::new(Decimal::new(units, 2)),
            document: "BP".into(),
            source: Source::code(),
        };
        // Expected, in integer cents: staff, running costs, depreciation, subsidies.
        let mut lines = [0i128, i128::from(accounts[0]), i128::from(accounts[1]), i128::from(accounts[2])];
        for update in &updates {
            lines[line_index(update.line)] += update.amount.cents();
        }
        let full = lines[0] + lines[1] + lines[2] - lines[3];
        let result = derivation.compute(&valuation, &updates, &[]);
        if let Some(index) = lines.iter().position(|cents| *cents < 0) {
            prop_assert_eq!(
                result,
                Err(ValuationError::NegativeLine {
                    line: CostLine::ALL[index],
                    value: Amount::try_from_cents(lines[index]).unwrap(),
                })
            );
        } else if full < 0 {
            prop_assert_eq!(result, Err(ValuationError::NegativeFullCost(Amount::try_from_cents(full).unwrap())));
        } else {
            let derived = result.unwrap();
            for (index, line) in CostLine::ALL.iter().enumerate() {
                prop_assert_eq!(derived.line(*line).unwrap().retained.cents(), lines[index]);
            }
            prop_assert_eq!(derived.full_cost.cents(), full);
            // full cents / (units / 100) = full × 100 / units cents; half up: ⌊(2 × full × 100 + units) / (2 × units)⌋.
            let units = i128::from(units);
            let expected = (2 * full * 100 + units) / (2 * units);
            prop_assert_eq!(derived.unit_cost, Rate::new(Decimal::from_i128_with_scale(expected, 2)));
            let valuation = derived.valuation();
            prop_assert_eq!(valuation.basis, ValuationBasis::Forecast);
            prop_assert_eq!((valuation.full_cost, valuation.unit_cost), (derived.full_cost, derived.unit_cost));
        }
    }
}
