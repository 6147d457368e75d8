//! The largest values a dataset may state, by kind of figure, and how many decimals each may have.
//!
//! The domain bounds every figure (no commune has a hundred million inhabitants, no shared service costs a
//! trillion euros a year); stating the bounds lets validation refuse an absurd figure with its location instead of
//! letting the computation overflow far from it. With these bounds, every product and sum the engine forms stays
//! within `rust_decimal`'s 28 digits (`docs/data-format.md`, "Limits", gives the reasoning).

use rust_decimal::Decimal;

/// A kind of figure, its largest magnitude and its most decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What the figure is, for messages ("un montant").
    pub what: &'static str,
    /// The largest magnitude allowed (inclusive).
    pub max: Decimal,
    /// The most decimals allowed.
    pub decimals: u32,
    /// Whether the figure may be negative (a carried amount, a regularisation): most may not.
    pub signed: bool,
}

impl Limit {
    /// Why `value` breaks the limit, if it does.
    #[must_use]
    pub fn problem(&self, value: Decimal) -> Option<String> {
        if !self.signed && value.is_sign_negative() && !value.is_zero() {
            return Some(format!("{value} est négatif, ce qui n'a pas de sens pour {}", self.what));
        }
        self.magnitude_problem(value)
    }

    /// Why `value` is too large or too finely divided, if it is (its sign aside).
    #[must_use]
    pub fn magnitude_problem(&self, value: Decimal) -> Option<String> {
        if value.abs() > self.max {
            return Some(format!("{value} dépasse la limite de {} pour {}", self.max, self.what));
        }
        if value.normalize().scale() > self.decimals {
            return Some(format!("{value} a plus de {} décimales pour {}", self.decimals, self.what));
        }
        None
    }
}

const fn limit(what: &'static str, max: i64, decimals: u32) -> Limit {
    Limit {
        what,
        max: Decimal::from_parts(max as u32, (max >> 32) as u32, 0, false, 0),
        decimals,
        signed: false,
    }
}

/// Amounts in euros (fees, pools, caps, costs, subsidies, carried amounts): up to a trillion euros, in cents, of
/// either sign (a carried amount may be a credit; the other amounts are refused below zero by their own rule).
pub const AMOUNT: Limit = Limit { signed: true, ..limit("un montant", 1_000_000_000_000, 2) };
/// Prices and rates in euros per unit (per inhabitant, per weighted unit, per MWh cumac, per band, per FTE).
pub const PRICE: Limit = limit("un prix ou un tarif", 10_000_000, 6);
/// Activity quantities of one record, and the `from` of a degressive tier.
pub const QUANTITY: Limit = limit("une quantité", 1_000_000_000, 6);
/// The units of operation of a valuation.
pub const UNITS: Limit = limit("des unités de fonctionnement", 1_000_000_000, 6);
/// The weight of a unit type in a weighting grid.
pub const WEIGHT: Limit = limit("un coefficient de pondération", 10_000, 4);
/// kWh cumac of one CEE operation.
pub const KWH_CUMAC: Limit = limit("des kWh cumac", 1_000_000_000_000, 3);
/// Percentages (fixed shares, fees, VAT rates): from 0 to 100.
pub const PERCENT: Limit = limit("un pourcentage", 100, 6);
/// A share of a valuation's full cost: from 0 to 1.
pub const SHARE: Limit = limit("une part du coût complet", 1, 6);
/// An index value (SYNTEC…).
pub const INDEX: Limit = limit("une valeur d'indice", 1_000_000_000, 6);
/// FTE of a grade category in a valuation.
pub const FTE: Limit = limit("des ETP", 100_000, 4);
/// Inhabitants of a commune, and population thresholds and band bounds.
pub const POPULATION: u64 = 100_000_000;
/// The smallest index value: a revision divides by it.
pub const INDEX_MIN: Decimal = Decimal::from_parts(1, 0, 0, false, 6);
/// The longest text printed on a document (a name, a label, a reference), in characters.
pub const TEXT_CHARS: usize = 300;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_refuse_magnitudes_and_decimals_beyond_them() {
        let d = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(AMOUNT.max, d("1000000000000"));
        assert!(AMOUNT.problem(d("999999999999.99")).is_none());
        assert!(AMOUNT.problem(d("-1000000000000.00")).is_none());
        assert!(PERCENT.problem(d("-20")).is_some(), "a percentage is not negative");
        assert!(AMOUNT.problem(d("1000000000000.01")).is_some());
        assert!(AMOUNT.problem(d("79228162514264337593543950335")).is_some());
        assert!(PRICE.problem(d("0.020998")).is_none());
        assert!(PRICE.problem(d("0.0209981")).is_some());
        assert!(PERCENT.problem(d("100")).is_none());
        assert!(PERCENT.problem(d("250")).is_some());
        assert!(WEIGHT.problem(d("1.20")).is_none(), "trailing zeros are not decimals");
        assert_eq!(INDEX_MIN, d("0.000001"));
    }
}
