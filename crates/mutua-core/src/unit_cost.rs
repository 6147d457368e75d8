//! The unit operating cost of CGCT D5211-16, derived as the article says: "constaté à partir des dépenses des
//! derniers comptes administratifs, actualisées des modifications prévisibles des conditions d'exercice de
//! l'activité au vu du budget primitif de l'année".
//!
//! A [`UnitCostDerivation`] (a row of `unit_costs.csv`) states, for a dispositif and a year N, which compte
//! administratif the cost is established from (an `actual` [`Valuation`] of an earlier year, named explicitly so
//! that adding a later compte administratif never changes a unit cost already notified), the units of operation
//! forecast for N, and the document of the budget primitif. Each [`UnitCostUpdate`] (a row of
//! `unit_cost_updates.csv`) is one foreseeable change of a line of that compte administratif, with its reason.
//!
//! For each line (staff, running costs, depreciation, subsidies): retained = compte administratif + Σ updates of
//! the line. Full cost retained = staff + running costs + depreciation − subsidies. Unit cost = full cost
//! retained ÷ forecast units, rounded to the cent by [`UNIT_COST_ROUNDING`] (half up), like every unit cost.
//! The result, [`DerivedUnitCost`], keeps every figure for the notice sent to the communes, and gives the
//! forecast [`ValuationResult`] the allocation bills on ([`DerivedUnitCost::valuation`]).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::{Amount, Quantity, Rate};
use crate::party::{DispositifId, Source};
use crate::valuation::{FteCost, Valuation, ValuationBasis, ValuationError, ValuationResult};

/// A line of a valuation that a foreseeable change updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostLine {
    /// Staff costs ("charges de personnel"): Σ FTE × loaded cost in the compte administratif.
    Staff,
    /// Running costs excluding staff: supplies and the service contracts attached to the service.
    RunningCosts,
    /// Depreciation: the cost of renewing the assets of the service.
    Depreciation,
    /// Subsidies received for the service, deducted from the cost (an update of `+1000.00` is 1,000 € more
    /// subsidies, so 1,000 € less cost).
    Subsidies,
}

impl CostLine {
    /// Every line, in the order of a valuation.
    pub const ALL: [CostLine; 4] =
        [CostLine::Staff, CostLine::RunningCosts, CostLine::Depreciation, CostLine::Subsidies];

    /// The spelling used in data files (the column of `valuations.csv` it updates, `staff` for the FTE).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CostLine::Staff => "staff",
            CostLine::RunningCosts => "running_costs",
            CostLine::Depreciation => "depreciation",
            CostLine::Subsidies => "subsidies",
        }
    }

    /// Whether the line is deducted from the full cost (subsidies) rather than added to it.
    #[must_use]
    pub fn is_deducted(self) -> bool {
        match self {
            CostLine::Subsidies => true,
            CostLine::Staff | CostLine::RunningCosts | CostLine::Depreciation => false,
        }
    }
}

impl fmt::Display for CostLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a dispositif's unit cost of a year is derived under D5211-16 (a row of `unit_costs.csv`).
///
/// A dispositif and year with a derivation has no free `forecast` row in `valuations.csv`: the derived cost is
/// its forecast, the one billed during the year and regularised against the year's compte administratif.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCostDerivation {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The year the unit cost applies to (N).
    pub year: i32,
    /// The year of the compte administratif the cost is established from: the last one voted when the unit cost
    /// is notified (N − 1, or N − 2 when the notice goes out before the compte administratif of N − 1 is voted).
    /// It names an `actual` row of `valuations.csv`.
    pub compte_administratif: i32,
    /// The units of operation forecast for N, in the unit of the conventions that bill the dispositif.
    pub units: Quantity,
    /// The document of the forecast ("Budget primitif 2027").
    pub document: String,
    /// Where the record came from.
    pub source: Source,
}

/// One foreseeable change of a line of the compte administratif "au vu du budget primitif" of the year (a row of
/// `unit_cost_updates.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCostUpdate {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The year of the unit cost it updates.
    pub year: i32,
    /// The line it changes.
    pub line: CostLine,
    /// The change of the line, signed (`-1500.00`: 1,500 € less).
    pub amount: Amount,
    /// Why, as printed on the notice ("Nouveau contrat de maintenance du logiciel d'instruction").
    pub reason: String,
    /// Where the record came from.
    pub source: Source,
}

/// One line of a derived cost: the compte administratif, the updates, the figure retained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedLine {
    /// The line.
    pub line: CostLine,
    /// Its amount in the compte administratif.
    pub accounts: Amount,
    /// Σ of its updates (signed).
    pub updates: Amount,
    /// `accounts + updates`: the amount retained for the year.
    pub retained: Amount,
}

/// A unit cost derived under D5211-16, with every figure it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedUnitCost {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The year the unit cost applies to.
    pub year: i32,
    /// The compte administratif it is established from, computed (its year is `accounts.year`).
    pub accounts: ValuationResult,
    /// The updates, in source order.
    pub updates: Vec<UnitCostUpdate>,
    /// The four lines, in [`CostLine::ALL`] order.
    pub lines: Vec<DerivedLine>,
    /// Staff + running costs + depreciation − subsidies, retained.
    pub full_cost: Amount,
    /// The units of operation forecast for the year.
    pub units: Quantity,
    /// Full cost ÷ units, exact to 28 digits.
    pub unit_cost_exact: Decimal,
    /// Full cost ÷ units, rounded to the cent by [`UNIT_COST_ROUNDING`]: the unit operating cost notified.
    pub unit_cost: Rate,
    /// The document of the forecast.
    pub document: String,
}

impl DerivedUnitCost {
    /// The line `line`.
    #[must_use]
    pub fn line(&self, line: CostLine) -> Option<&DerivedLine> {
        self.lines.iter().find(|l| l.line == line)
    }

    fn retained(&self, line: CostLine) -> Amount {
        self.line(line).map_or(Amount::ZERO, |l| l.retained)
    }

    /// The forecast valuation the allocation bills on and regularises against the actual of the year: the
    /// figures retained, with no staff lines (the staff cost is the compte administratif's, updated, not FTE ×
    /// loaded cost of the year).
    #[must_use]
    pub fn valuation(&self) -> ValuationResult {
        ValuationResult {
            dispositif: self.dispositif.clone(),
            year: self.year,
            basis: ValuationBasis::Forecast,
            staff: Vec::new(),
            staff_cost: self.retained(CostLine::Staff),
            running_costs: self.retained(CostLine::RunningCosts),
            depreciation: self.retained(CostLine::Depreciation),
            subsidies: self.retained(CostLine::Subsidies),
            full_cost: self.full_cost,
            units: self.units,
            unit_cost_exact: self.unit_cost_exact,
            unit_cost: self.unit_cost,
            document: self.document.clone(),
        }
    }
}

impl UnitCostDerivation {
    /// Derives the unit cost from the compte administratif `accounts` (the `actual` valuation of
    /// [`UnitCostDerivation::compte_administratif`]) and the updates of this dispositif and year.
    ///
    /// # Errors
    ///
    /// [`ValuationError::MissingAccounts`] if `accounts` is not that compte administratif; the errors of the
    /// compte administratif's own computation; [`ValuationError::NegativeLine`] if updates take a line below
    /// zero; [`ValuationError::NegativeFullCost`] if subsidies exceed the costs; [`ValuationError::NoUnits`] for
    /// units that are not positive; [`ValuationError::Money`] on overflow.
    pub fn compute<'u>(
        &self,
        accounts: &Valuation,
        updates: impl IntoIterator<Item = &'u UnitCostUpdate>,
        fte_costs: &[FteCost],
    ) -> Result<DerivedUnitCost, ValuationError> {
        if accounts.dispositif != self.dispositif
            || accounts.year != self.compte_administratif
            || accounts.basis != ValuationBasis::Actual
        {
            return Err(ValuationError::MissingAccounts { year: self.compte_administratif });
        }
        let accounts = accounts.compute(fte_costs)?;
        let updates: Vec<UnitCostUpdate> = updates
            .into_iter()
            .filter(|u| u.dispositif == self.dispositif && u.year == self.year)
            .cloned()
            .collect();
        let mut lines = Vec::with_capacity(CostLine::ALL.len());
        let mut full_cost = Amount::ZERO;
        for line in CostLine::ALL {
            let stated = match line {
                CostLine::Staff => accounts.staff_cost,
                CostLine::RunningCosts => accounts.running_costs,
                CostLine::Depreciation => accounts.depreciation,
                CostLine::Subsidies => accounts.subsidies,
            };
            let change = Amount::checked_sum(updates.iter().filter(|u| u.line == line).map(|u| u.amount))?;
            let retained = stated.checked_add(change)?;
            if retained.is_negative() {
                return Err(ValuationError::NegativeLine { line, value: retained });
            }
            full_cost = if line.is_deducted() {
                full_cost.checked_sub(retained)?
            } else {
                full_cost.checked_add(retained)?
            };
            lines.push(DerivedLine { line, accounts: stated, updates: change, retained });
        }
        if full_cost.is_negative() {
            return Err(ValuationError::NegativeFullCost(full_cost));
        }
        let (unit_cost_exact, unit_cost) = crate::valuation::unit_cost_of(full_cost, self.units)?;
        Ok(DerivedUnitCost {
            dispositif: self.dispositif.clone(),
            year: self.year,
            accounts,
            updates,
            lines,
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
    use std::collections::BTreeMap;

    use super::*;
    use crate::money::Fte;
    use crate::valuation::GradeCategory;

    fn amount(text: &str) -> Amount {
        Amount::parse(text).unwrap()
    }

    fn id() -> DispositifId {
        DispositifId::parse("sim-ads").unwrap()
    }

    fn costs() -> Vec<FteCost> {
        [(GradeCategory::A, "64200.00"), (GradeCategory::B, "51600.00"), (GradeCategory::C, "43400.00")]
            .into_iter()
            .map(|(category, cost)| FteCost {
                year: 2025,
                category,
                loaded_cost_per_year: amount(cost),
                source: Source::code(),
            })
            .collect()
    }

    /// The bundled SIM ADS compte administratif 2025: 1 A + 3.2 B + 1 C, 19,264.37 € of running costs,
    /// 11,800 € of depreciation, no subsidy, 652.4 EPC.
    fn accounts() -> Valuation {
        let fte = [(GradeCategory::A, "1.00"), (GradeCategory::B, "3.20"), (GradeCategory::C, "1.00")];
        Valuation {
            dispositif: id(),
            year: 2025,
            basis: ValuationBasis::Actual,
            fte: fte.iter().map(|(c, f)| (*c, Fte::parse(f).unwrap())).collect::<BTreeMap<_, _>>(),
            running_costs: amount("19264.37"),
            depreciation: amount("11800.00"),
            subsidies: amount("0.00"),
            units: Quantity::parse("652.4").unwrap(),
            document: "Compte administratif 2025".into(),
            source: Source::code(),
        }
    }

    fn derivation(units: &str) -> UnitCostDerivation {
        UnitCostDerivation {
            dispositif: id(),
            year: 2027,
            compte_administratif: 2025,
            units: Quantity::parse(units).unwrap(),
            document: "Budget primitif 2027".into(),
            source: Source::code(),
        }
    }

    fn update(line: CostLine, value: &str) -> UnitCostUpdate {
        UnitCostUpdate {
            dispositif: id(),
            year: 2027,
            line,
            amount: amount(value),
            reason: format!("{line} {value}"),
            source: Source::code(),
        }
    }

    #[test]
    fn derivation_table() {
        use CostLine::{Depreciation, RunningCosts, Staff, Subsidies};
        // Compte administratif 2025: staff 1 × 64,200 + 3.2 × 51,600 + 1 × 43,400 = 64,200 + 165,120 + 43,400
        // = 272,720.00; full cost 272,720.00 + 19,264.37 + 11,800.00 − 0 = 303,784.37 (unit cost 465.64).
        // (updates, forecast units, [staff, running, depreciation, subsidies retained, full cost, unit cost])
        type Case = (&'static [(CostLine, &'static str)], &'static str, [&'static str; 6]);
        let cases: [Case; 5] = [
            // No update: 303,784.37 / 680 = 446.741720… → 446.74.
            (&[], "680", ["272720.00", "19264.37", "11800.00", "0.00", "303784.37", "446.74"]),
            // The bundled 2027 notice: staff + 3 % (8,181.60); running + 4,300.00 − 1,500.00; depreciation
            // + 1,200.00. Staff 280,901.60 + running 22,064.37 + depreciation 13,000.00 = 315,965.97;
            // / 690 EPC = 457.921695… → 457.92.
            (
                &[
                    (Staff, "8181.60"),
                    (RunningCosts, "4300.00"),
                    (RunningCosts, "-1500.00"),
                    (Depreciation, "1200.00"),
                ],
                "690",
                ["280901.60", "22064.37", "13000.00", "0.00", "315965.97", "457.92"],
            ),
            // A new subsidy of 20,000 €: 303,784.37 − 20,000.00 = 283,784.37; / 700 = 405.406242… → 405.41.
            (
                &[(Subsidies, "20000.00")],
                "700",
                ["272720.00", "19264.37", "11800.00", "20000.00", "283784.37", "405.41"],
            ),
            // Half up at the half cent: running 19,264.37 − 3,784.32 = 15,480.05; full cost 272,720.00
            // + 15,480.05 + 11,800.00 = 300,000.05; / 10 = 30,000.005 → 30,000.01.
            (
                &[(RunningCosts, "-3784.32")],
                "10",
                ["272720.00", "15480.05", "11800.00", "0.00", "300000.05", "30000.01"],
            ),
            // Fractional units: 303,784.37 / 0.5 = 607,568.74.
            (&[], "0.5", ["272720.00", "19264.37", "11800.00", "0.00", "303784.37", "607568.74"]),
        ];
        for (updates, units, expected) in cases {
            let updates: Vec<UnitCostUpdate> = updates.iter().map(|(l, v)| update(*l, v)).collect();
            let derived = derivation(units).compute(&accounts(), &updates, &costs()).expect("derived");
            let retained: Vec<String> =
                CostLine::ALL.iter().map(|l| derived.line(*l).unwrap().retained.to_string()).collect();
            assert_eq!(retained, expected[..4], "{updates:?}");
            assert_eq!(derived.full_cost, amount(expected[4]), "{updates:?}");
            assert_eq!(derived.unit_cost, Rate::parse(expected[5]).unwrap(), "{updates:?}");
            assert_eq!(derived.accounts.full_cost, amount("303784.37"));
            assert_eq!(derived.accounts.unit_cost, Rate::parse("465.64").unwrap());
            let valuation = derived.valuation();
            assert_eq!(valuation.basis, ValuationBasis::Forecast);
            assert_eq!(
                (valuation.year, valuation.full_cost, valuation.unit_cost),
                (2027, derived.full_cost, derived.unit_cost)
            );
        }
    }

    #[test]
    fn derivation_errors() {
        // Running costs 19,264.37 − 20,000.00 = −735.63: a line never goes below zero.
        let too_much = [update(CostLine::RunningCosts, "-20000.00")];
        assert_eq!(
            derivation("690").compute(&accounts(), &too_much, &costs()),
            Err(ValuationError::NegativeLine { line: CostLine::RunningCosts, value: amount("-735.63") })
        );
        // Subsidies of 303,784.38 leave a full cost of −0.01.
        let subsidies = [update(CostLine::Subsidies, "303784.38")];
        assert_eq!(
            derivation("690").compute(&accounts(), &subsidies, &costs()),
            Err(ValuationError::NegativeFullCost(amount("-0.01")))
        );
        assert!(matches!(
            derivation("0").compute(&accounts(), &[], &costs()),
            Err(ValuationError::NoUnits(_))
        ));
        let mut forecast = accounts();
        forecast.basis = ValuationBasis::Forecast;
        assert_eq!(
            derivation("690").compute(&forecast, &[], &costs()),
            Err(ValuationError::MissingAccounts { year: 2025 })
        );
        // Updates of another year or dispositif are not taken.
        let mut other = update(CostLine::Staff, "1000.00");
        other.year = 2026;
        let derived = derivation("680").compute(&accounts(), &[other], &costs()).unwrap();
        assert_eq!(derived.full_cost, amount("303784.37"));
        assert!(derived.updates.is_empty());
    }
}
