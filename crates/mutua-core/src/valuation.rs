//! Valuation of a dispositif's full cost ("coût complet") and unit operating cost (CGCT D5211-16).
//!
//! Full cost = Σ FTE × loaded annual cost of an FTE of the grade category + running costs + depreciation
//! − subsidies. Unit cost = full cost / units of operation. Each year has a forecast valuation (from the
//! budget primitif, used for provisional billing) and, once the compte administratif is voted, an actual one
//! (used for the regularisation).

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Amount, Fte, MoneyError, Quantity, Rate, Rounding};
use crate::party::{DispositifId, Source};

/// The rounding of each staff line (FTE × loaded cost) to the cent.
pub const STAFF_LINE_ROUNDING: Rounding = Rounding::HalfUp;
/// The rounding of the unit cost to the cent: it is published as a tariff in euros and cents.
pub const UNIT_COST_ROUNDING: Rounding = Rounding::HalfUp;

/// Grade category of the French civil service, which sets the loaded cost of an FTE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GradeCategory {
    /// Catégorie A (cadres).
    A,
    /// Catégorie B.
    B,
    /// Catégorie C.
    C,
}

impl fmt::Display for GradeCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self {
            GradeCategory::A => "A",
            GradeCategory::B => "B",
            GradeCategory::C => "C",
        };
        f.write_str(letter)
    }
}

/// Whether a valuation is a forecast or the actual accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValuationBasis {
    /// From the budget primitif: the basis of provisional billing.
    Forecast,
    /// From the compte administratif: the basis of the regularisation.
    Actual,
}

impl ValuationBasis {
    /// The spelling used in data files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ValuationBasis::Forecast => "forecast",
            ValuationBasis::Actual => "actual",
        }
    }

    /// The French label.
    #[must_use]
    pub fn label_fr(self) -> &'static str {
        match self {
            ValuationBasis::Forecast => "prévisionnel",
            ValuationBasis::Actual => "réalisé",
        }
    }
}

/// The loaded annual cost of one FTE of a grade category in a year (salary, charges, overheads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FteCost {
    /// Year.
    pub year: i32,
    /// Grade category.
    pub category: GradeCategory,
    /// Euros per FTE per year.
    pub loaded_cost_per_year: Amount,
    /// Where the record came from.
    pub source: Source,
}

/// The inputs of one valuation of a dispositif for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Valuation {
    /// The dispositif valued.
    pub dispositif: DispositifId,
    /// The year valued.
    pub year: i32,
    /// Forecast or actual.
    pub basis: ValuationBasis,
    /// FTE by grade category.
    pub fte: BTreeMap<GradeCategory, Fte>,
    /// Running costs excluding staff.
    pub running_costs: Amount,
    /// Depreciation of the investment attached to the dispositif.
    pub depreciation: Amount,
    /// Subsidies received for it (FEDER, ADEME…), deducted.
    pub subsidies: Amount,
    /// Units of operation of the year (weighted, in the unit of the conventions that bill it); forecast units
    /// for a forecast, actual units for the actual accounts.
    pub units: Quantity,
    /// The document the figures come from ("Budget primitif 2026", "Compte administratif 2025").
    pub document: String,
    /// Where the record came from.
    pub source: Source,
}

/// One staff line of a valuation: FTE × loaded cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffLine {
    /// Grade category.
    pub category: GradeCategory,
    /// FTE.
    pub fte: Fte,
    /// Loaded cost of one FTE.
    pub loaded_cost_per_year: Amount,
    /// FTE × loaded cost, exact.
    pub exact: Decimal,
    /// Rounded to the cent by [`STAFF_LINE_ROUNDING`].
    pub amount: Amount,
}

/// A computed valuation, with every input shown so that gaps can be explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValuationResult {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The year.
    pub year: i32,
    /// Forecast or actual.
    pub basis: ValuationBasis,
    /// Staff lines, by category.
    pub staff: Vec<StaffLine>,
    /// Σ staff lines.
    pub staff_cost: Amount,
    /// Running costs.
    pub running_costs: Amount,
    /// Depreciation.
    pub depreciation: Amount,
    /// Subsidies (deducted).
    pub subsidies: Amount,
    /// Staff + running + depreciation − subsidies.
    pub full_cost: Amount,
    /// Units of operation.
    pub units: Quantity,
    /// Full cost / units, exact to 28 digits.
    pub unit_cost_exact: Decimal,
    /// Full cost / units, rounded to the cent by [`UNIT_COST_ROUNDING`]: the D5211-16 unit operating cost.
    pub unit_cost: Rate,
    /// The source document.
    pub document: String,
}

/// Why a valuation cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValuationError {
    /// No loaded cost is given for a category and year that has FTE.
    #[error("no loaded FTE cost for category {category} in {year}")]
    MissingFteCost {
        /// Year.
        year: i32,
        /// Category.
        category: GradeCategory,
    },
    /// The units of operation are zero or negative, so there is no unit cost.
    #[error("the units of operation must be positive to give a unit cost (got {0})")]
    NoUnits(Quantity),
    /// An input is negative.
    #[error("{field} must not be negative (got {value})")]
    Negative {
        /// Which input.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// A D5211-16 unit cost names a compte administratif (an actual valuation) the dataset does not have.
    #[error("no compte administratif (actual valuation) for {year}")]
    MissingAccounts {
        /// The year of the compte administratif.
        year: i32,
    },
    /// Updates of a D5211-16 unit cost take a line of the compte administratif below zero.
    #[error("the updates take {line} below zero ({value})")]
    NegativeLine {
        /// The line.
        line: crate::unit_cost::CostLine,
        /// What it would be.
        value: Amount,
    },
    /// Subsidies exceed the costs: the full cost would be negative.
    #[error("the subsidies exceed the costs: the full cost would be {0}")]
    NegativeFullCost(Amount),
    /// Arithmetic overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The D5211-16 unit cost of a full cost over units of operation: exact, and rounded to the cent by
/// [`UNIT_COST_ROUNDING`]. Units must be positive.
pub(crate) fn unit_cost_of(full_cost: Amount, units: Quantity) -> Result<(Decimal, Rate), ValuationError> {
    if units.is_negative() || units.is_zero() {
        return Err(ValuationError::NoUnits(units));
    }
    let exact = full_cost
        .to_decimal()
        .checked_div(units.value())
        .ok_or(MoneyError::DivisionByZero("full cost / units"))?;
    Ok((exact, Rate::new(UNIT_COST_ROUNDING.apply(exact, 2))))
}

impl Valuation {
    /// Computes the full cost and the unit cost, given the loaded FTE costs of the dataset.
    pub fn compute(&self, fte_costs: &[FteCost]) -> Result<ValuationResult, ValuationError> {
        for (field, value) in [
            ("running_costs", self.running_costs),
            ("depreciation", self.depreciation),
            ("subsidies", self.subsidies),
        ] {
            if value.is_negative() {
                return Err(ValuationError::Negative { field, value: value.to_string() });
            }
        }
        let mut staff = Vec::with_capacity(self.fte.len());
        for (&category, &fte) in &self.fte {
            if fte.is_negative() {
                return Err(ValuationError::Negative { field: "fte", value: fte.to_string() });
            }
            let cost = fte_costs
                .iter()
                .find(|c| c.year == self.year && c.category == category)
                .ok_or(ValuationError::MissingFteCost { year: self.year, category })?;
            let exact = fte
                .value()
                .checked_mul(cost.loaded_cost_per_year.to_decimal())
                .ok_or(MoneyError::Overflow("FTE × loaded cost"))?;
            staff.push(StaffLine {
                category,
                fte,
                loaded_cost_per_year: cost.loaded_cost_per_year,
                exact,
                amount: Amount::from_decimal(exact, STAFF_LINE_ROUNDING),
            });
        }
        let staff_cost = Amount::checked_sum(staff.iter().map(|line| line.amount))?;
        let full_cost = staff_cost
            .checked_add(self.running_costs)?
            .checked_add(self.depreciation)?
            .checked_sub(self.subsidies)?;
        let (unit_cost_exact, unit_cost) = unit_cost_of(full_cost, self.units)?;
        Ok(ValuationResult {
            dispositif: self.dispositif.clone(),
            year: self.year,
            basis: self.basis,
            staff,
            staff_cost,
            running_costs: self.running_costs,
            depreciation: self.depreciation,
            subsidies: self.subsidies,
            full_cost,
            units: self.units,
            unit_cost_exact,
            unit_cost,
            document: self.document.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Amount {
        Amount::parse(text).unwrap()
    }

    fn costs() -> Vec<FteCost> {
        [(GradeCategory::A, "62000.00"), (GradeCategory::B, "48500.00"), (GradeCategory::C, "41250.50")]
            .into_iter()
            .map(|(category, cost)| FteCost {
                year: 2026,
                category,
                loaded_cost_per_year: amount(cost),
                source: Source::code(),
            })
            .collect()
    }

    fn valuation(fte: &[(GradeCategory, &str)], units: &str) -> Valuation {
        Valuation {
            dispositif: DispositifId::parse("sim-ads").unwrap(),
            year: 2026,
            basis: ValuationBasis::Forecast,
            fte: fte.iter().map(|(c, f)| (*c, Fte::parse(f).unwrap())).collect(),
            running_costs: amount("18500.00"),
            depreciation: amount("7200.00"),
            subsidies: amount("3000.00"),
            units: Quantity::parse(units).unwrap(),
            document: "Budget primitif 2026".into(),
            source: Source::code(),
        }
    }

    #[test]
    fn valuation_table() {
        // (FTE by category, units, staff cost, full cost, unit cost)
        let cases: [(&[(GradeCategory, &str)], &str, &str, &str, &str); 3] = [
            // 1 × 62,000 + 3 × 48,500 + 1 × 41,250.50 = 248,750.50; + 18,500 + 7,200 − 3,000 = 271,450.50;
            // / 1,000 units = 271.4505 → 271.45.
            (
                &[(GradeCategory::A, "1"), (GradeCategory::B, "3"), (GradeCategory::C, "1")],
                "1000",
                "248750.50",
                "271450.50",
                "271.45",
            ),
            // 0.333 × 41,250.50 = 13,736.41665 → 13,736.42; + 22,700 = 36,436.42; / 7 = 5,205.2028… → 5,205.20.
            (&[(GradeCategory::C, "0.333")], "7", "13736.42", "36436.42", "5205.20"),
            // No staff: the full cost is the running costs net of subsidies. 22,700 / 0.5 = 45,400.
            (&[], "0.5", "0.00", "22700.00", "45400.00"),
        ];
        for (fte, units, staff, full, unit) in cases {
            let result = valuation(fte, units).compute(&costs()).expect("valuation");
            assert_eq!(result.staff_cost, amount(staff), "{fte:?}");
            assert_eq!(result.full_cost, amount(full), "{fte:?}");
            assert_eq!(result.unit_cost, Rate::parse(unit).unwrap(), "{fte:?}");
        }
    }

    #[test]
    fn valuation_errors() {
        let no_units = valuation(&[(GradeCategory::A, "1")], "0").compute(&costs());
        assert!(matches!(no_units, Err(ValuationError::NoUnits(_))));
        let missing = valuation(&[(GradeCategory::A, "1")], "10").compute(&costs()[1..]);
        assert_eq!(missing, Err(ValuationError::MissingFteCost { year: 2026, category: GradeCategory::A }));
    }
}
