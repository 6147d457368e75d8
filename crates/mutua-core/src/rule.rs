//! Tariffs and allocation rules, as data.
//!
//! A convention's terms are a list of [`Component`]s; each component has one [`Rule`] saying how its amount is
//! obtained for a member and a period. A rule is a variant holding a struct of its own parameters, so a new
//! kind of rule joins as a new variant and a new struct without touching the others; the allocation crate
//! gives each rule its computation. Caps, floors and index revision are common to every component.
//!
//! Amounts named `*_per_year` are annual: a semester bills its fraction of the year under the component's day
//! count ([`crate::ProRata`]), pro rata of the membership.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::money::{Amount, Quantity, Rate, Ratio};
use crate::party::PartyId;
use crate::population::PopulationBasis;

/// One part of a convention's tariff, such as "fixed part" or "per weighted file".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Key of the component inside its convention (`fixed`, `files`).
    pub id: String,
    /// Label printed on the invoice line ("Part fixe", "Instruction des autorisations d'urbanisme").
    pub label: String,
    /// How the amount is obtained (a TOML sub-table `rule` with a `kind` key).
    pub rule: Rule,
    /// The most a member pays for this component in a year (a semester's bound is its fraction of the year, pro rata
    /// like the amount).
    #[serde(default)]
    pub cap_per_year: Option<Amount>,
    /// The least a member pays for this component in a year (a semester's bound is its fraction of the year, pro
    /// rata like the amount).
    #[serde(default)]
    pub floor_per_year: Option<Amount>,
    /// Revision of the prices by an index from a date.
    #[serde(default)]
    pub revision: Option<IndexRevision>,
    /// The day count of this component, when it is not its convention's (`pro_rata`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pro_rata: Option<crate::convention::ProRata>,
}

impl Component {
    /// The day count this component is billed by: its own, or else its convention's.
    #[must_use]
    pub fn day_count(&self, convention: &crate::convention::Convention) -> crate::convention::ProRata {
        self.pro_rata.unwrap_or(convention.pro_rata)
    }
}

/// How a component's amount is obtained.
///
/// Deliberately exhaustive: every match on a rule (validation, allocation, regularisation, presentation) names
/// each kind, so that a new kind of rule does not compile until each of them handles it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// A rate per inhabitant per year.
    PerInhabitant(PerInhabitant),
    /// A fee by population band: flat per band, or marginal rates per band.
    PopulationBands(PopulationBands),
    /// A price per unit of recorded activity (weighted files, hours, metres, pages), possibly degressive.
    UnitPrice(UnitPrice),
    /// A flat fee per year.
    FlatFee(FlatFee),
    /// A share of a cost pool, split among the members by a key.
    PoolShare(PoolShare),
    /// D5211-16: the unit operating cost from the dispositif's valuation × the member's units of operation.
    UnitCost(UnitCost),
    /// CEE revenue returned to the beneficiaries of each deposit (see the `cee` module).
    CeeRedistribution(CeeRedistribution),
}

impl Rule {
    /// The spelling used in data files.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Rule::PerInhabitant(_) => "per_inhabitant",
            Rule::PopulationBands(_) => "population_bands",
            Rule::UnitPrice(_) => "unit_price",
            Rule::FlatFee(_) => "flat_fee",
            Rule::PoolShare(_) => "pool_share",
            Rule::UnitCost(_) => "unit_cost",
            Rule::CeeRedistribution(_) => "cee_redistribution",
        }
    }

    /// The activity the rule counts, if it counts one (unit prices, unit costs, pools keyed on activity).
    #[must_use]
    pub fn activity_basis(&self) -> Option<&ActivityBasis> {
        match self {
            Rule::UnitPrice(rule) => Some(&rule.basis),
            Rule::UnitCost(rule) => Some(&rule.basis),
            Rule::PoolShare(rule) => rule.key.activity_basis(),
            Rule::PerInhabitant(_)
            | Rule::PopulationBands(_)
            | Rule::FlatFee(_)
            | Rule::CeeRedistribution(_) => None,
        }
    }

    /// The population the rule reads, if it reads one (per inhabitant, bands, pools keyed on population).
    #[must_use]
    pub fn population_basis(&self) -> Option<PopulationBasis> {
        match self {
            Rule::PerInhabitant(rule) => Some(rule.population),
            Rule::PopulationBands(rule) => Some(rule.population),
            Rule::PoolShare(rule) => rule.key.population_basis(),
            Rule::UnitPrice(_) | Rule::FlatFee(_) | Rule::UnitCost(_) | Rule::CeeRedistribution(_) => None,
        }
    }
}

/// A rate per inhabitant per year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerInhabitant {
    /// Euros per inhabitant per year.
    pub rate_per_year: Rate,
    /// Which population.
    pub population: PopulationBasis,
}

/// Whether a band tariff charges the band's flat fee or marginal rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandMode {
    /// The fee of the band the population falls in.
    Flat,
    /// Each band's rate applied to the inhabitants inside that band (like an income tax scale).
    Marginal,
}

/// One population band: inhabitants from `from` to `to` (both included; the last band may be open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// First inhabitant of the band (the first band starts at 0 or 1).
    pub from: u64,
    /// Last inhabitant of the band, or `None` for the last, open band.
    #[serde(default)]
    pub to: Option<u64>,
    /// Flat mode: the fee per year for a commune in the band. Marginal mode: euros per inhabitant per year.
    pub value: Rate,
}

/// A fee by population band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationBands {
    /// Flat or marginal.
    pub mode: BandMode,
    /// Which population.
    pub population: PopulationBasis,
    /// The bands, contiguous and ascending.
    pub bands: Vec<Band>,
}

/// A weighting grid: the coefficient of each unit type (ADS files in "équivalent permis de construire").
pub type WeightGrid = BTreeMap<String, Ratio>;

/// Which activity records a rule counts, and how each unit type weighs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityBasis {
    /// The activity (`ads`, `hours`, `archives`, `printing`, `housing`), matched against `activity.csv`.
    pub activity: String,
    /// The unit each record is counted in, printed on the invoice ("équivalent PC", "heure", "mètre linéaire").
    pub unit_label: String,
    /// The coefficient of each unit type; every activity record's unit type must be in the grid.
    pub weights: WeightGrid,
    /// What each unit type is, in French, as the computation prints it (`A4_COULEUR = "page A4 couleur"`), for
    /// unit types of the grid. Optional: a unit type without a label is named by the documented French table of
    /// common codes (`hour` is « heure »…, `mutua_documents::present::unit_type_fr`), else printed as it is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// One step of a degressive price: from the `from`-th weighted unit of a billing period on, units cost `price`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTier {
    /// The number of weighted units (per billing period) beyond which this price applies.
    pub from: Quantity,
    /// Euros per weighted unit beyond `from`.
    pub price: Rate,
}

/// A price per unit of recorded activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitPrice {
    /// Which records and how they weigh.
    pub basis: ActivityBasis,
    /// The price per weighted unit (of the first units, when the price is degressive).
    pub price: Rate,
    /// Degressive steps, ascending by `from`: "0.10 € per page, 0.08 € from the 1,000th, 0.05 € from the
    /// 5,000th" is `price = 0.10` and two tiers.
    #[serde(default)]
    pub tiers: Vec<PriceTier>,
}

/// A flat fee per year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlatFee {
    /// Euros per year.
    pub amount_per_year: Amount,
}

/// Where a pool's amount comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub enum PoolSource {
    /// A fixed amount per year, stated in the convention.
    Fixed {
        /// Euros per year.
        amount_per_year: Amount,
    },
    /// A share of the dispositif's full cost (coût complet) from its valuation of the year: the forecast
    /// while billing, regularised once the actual valuation is known.
    Valuation {
        /// The part of the full cost put in the pool (`1` for all of it).
        share: Ratio,
    },
}

/// How a pool is split among members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case", deny_unknown_fields)]
pub enum Key {
    /// In proportion to population.
    Population {
        /// Which population.
        population: PopulationBasis,
    },
    /// In proportion to weighted activity.
    Activity(ActivityBasis),
    /// Equal shares.
    Equal,
    /// Fixed percentages per member; they must add up to 100.
    FixedPercentages {
        /// Percent per member.
        shares: BTreeMap<PartyId, Ratio>,
        /// What becomes of the share of a member absent for part of the period (not yet joined, or left).
        #[serde(default)]
        absent: AbsentShares,
    },
}

/// What a fixed-percentage key does with the share of a member absent for part of the period, as the convention
/// says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsentShares {
    /// Nobody pays it: the provider bears it, and the reconciliation reports it as unbilled (the default: no
    /// member pays for another unless the convention says so).
    #[default]
    Unbilled,
    /// The members present share the whole pool, in proportion to their percentages.
    Rescale,
}

impl Key {
    /// The spelling used in data files.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Key::Population { .. } => "population",
            Key::Activity(_) => "activity",
            Key::Equal => "equal",
            Key::FixedPercentages { .. } => "fixed_percentages",
        }
    }

    /// The activity the key weighs, if it is an activity key.
    #[must_use]
    pub fn activity_basis(&self) -> Option<&ActivityBasis> {
        match self {
            Key::Activity(basis) => Some(basis),
            Key::Population { .. } | Key::Equal | Key::FixedPercentages { .. } => None,
        }
    }

    /// The population the key weighs, if it is a population key.
    #[must_use]
    pub fn population_basis(&self) -> Option<PopulationBasis> {
        match self {
            Key::Population { population } => Some(*population),
            Key::Activity(_) | Key::Equal | Key::FixedPercentages { .. } => None,
        }
    }
}

/// A share of a cost pool split among the members by a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolShare {
    /// Where the pool comes from.
    pub pool: PoolSource,
    /// How it is split.
    pub key: Key,
}

/// D5211-16 billing: unit operating cost × units of operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitCost {
    /// The units of operation counted for each member.
    pub basis: ActivityBasis,
}

/// CEE revenue returned to beneficiaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeeRedistribution {
    /// The part of each deposit's gross proceeds the operator keeps, in percent (0 when none).
    pub management_fee_percent: Ratio,
}

/// Revision of a component's prices by an index: from `from`, prices are multiplied by
/// `index(latest published on or before the period's start) / index(base)`, rounded as stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRevision {
    /// The index name, matched against `indices.csv` (`SYNTEC`, `ICHT-IME`).
    pub index: String,
    /// The base month `YYYY-MM` whose value the convention's prices are expressed in.
    pub base: String,
    /// First day the revision applies.
    #[serde(deserialize_with = "crate::period::strict_date::deserialize")]
    pub from: chrono::NaiveDate,
    /// Decimals kept in the revision coefficient (4 is usual).
    pub coefficient_decimals: u32,
}

/// Why a tariff cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TariffError {
    /// No band contains the population (the bands leave a gap or stop too low).
    #[error("no band contains a population of {0}")]
    NoBand(u64),
    /// Arithmetic overflow.
    #[error("arithmetic overflow while applying a tariff")]
    Overflow,
}

impl PopulationBands {
    /// The exact annual amount for a population: the fee of its band (flat), or the sum over bands of the
    /// band's rate × the inhabitants inside the band (marginal).
    ///
    /// ```
    /// # use mutua_core::*;
    /// let bands = PopulationBands {
    ///     mode: BandMode::Marginal,
    ///     population: PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::InForce },
    ///     bands: vec![
    ///         Band { from: 1, to: Some(999), value: Rate::parse("5").unwrap() },
    ///         Band { from: 1000, to: Some(4999), value: Rate::parse("2").unwrap() },
    ///         Band { from: 5000, to: None, value: Rate::parse("1").unwrap() },
    ///     ],
    /// };
    /// // 999 × 5 + 1,001 × 2 = 6,997
    /// assert_eq!(bands.annual_amount(2000).unwrap().to_string(), "6997");
    /// ```
    pub fn annual_amount(&self, population: u64) -> Result<rust_decimal::Decimal, TariffError> {
        use rust_decimal::Decimal;
        match self.mode {
            BandMode::Flat => self
                .bands
                .iter()
                .find(|band| band.from <= population && band.to.is_none_or(|to| population <= to))
                .map(|band| band.value.value())
                .ok_or(TariffError::NoBand(population)),
            BandMode::Marginal => {
                let mut total = Decimal::ZERO;
                for band in &self.bands {
                    // Inhabitants numbered `from..=to` fall in the band; inhabitant 0 does not exist.
                    let first = band.from.max(1);
                    let last = band.to.map_or(population, |to| to.min(population));
                    if last < first {
                        continue;
                    }
                    let inside = Decimal::from(last - first + 1);
                    let part = inside.checked_mul(band.value.value()).ok_or(TariffError::Overflow)?;
                    total = total.checked_add(part).ok_or(TariffError::Overflow)?;
                }
                Ok(total)
            }
        }
    }
}

/// The part of a range of units that falls in one step of a degressive price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierPart {
    /// The units after which the step starts (0 for the price of the first units).
    pub from: rust_decimal::Decimal,
    /// The units at which the step ends, or `None` for the last step.
    pub to: Option<rust_decimal::Decimal>,
    /// The deliberated price of the step.
    pub price: Rate,
    /// How many of the range's units fall in the step.
    pub units: rust_decimal::Decimal,
}

impl UnitPrice {
    /// The steps of the price, in order: the first units at `price` up to the first tier, then each tier up to
    /// the next.
    pub fn steps(
        &self,
    ) -> impl Iterator<Item = (rust_decimal::Decimal, Option<rust_decimal::Decimal>, Rate)> {
        let starts = std::iter::once((rust_decimal::Decimal::ZERO, self.price))
            .chain(self.tiers.iter().map(|tier| (tier.from.value(), tier.price)));
        let ends = self.tiers.iter().map(|tier| Some(tier.from.value())).chain(std::iter::once(None));
        starts.zip(ends).map(|((from, price), to)| (from, to, price))
    }

    /// The units counted from `after` (exclusive) to `through` (inclusive) of a billing period, split by the step
    /// of the price each falls in: a slice of a semester that starts after the semester's first units is priced
    /// by where its units fall in the semester's count, not from zero. Steps the range does not reach are left
    /// out.
    ///
    /// ```
    /// # use mutua_core::*;
    /// # use rust_decimal::Decimal;
    /// let price = UnitPrice {
    ///     basis: ActivityBasis {
    ///         activity: "printing".into(),
    ///         unit_label: "page".into(),
    ///         weights: WeightGrid::new(),
    ///         labels: Default::default(),
    ///     },
    ///     price: Rate::parse("0.025").unwrap(),
    ///     tiers: vec![PriceTier { from: Quantity::parse("20000").unwrap(), price: Rate::parse("0.020").unwrap() }],
    /// };
    /// // Units 15,000 to 25,000 of the semester: 5,000 at 0.025, then 5,000 beyond the 20,000th at 0.020.
    /// let parts = price.parts(Decimal::from(15_000), Decimal::from(25_000));
    /// assert_eq!(parts.len(), 2);
    /// assert_eq!((parts[0].units, parts[1].units), (Decimal::from(5_000), Decimal::from(5_000)));
    /// assert_eq!(parts[1].from, Decimal::from(20_000));
    /// ```
    #[must_use]
    pub fn parts(&self, after: rust_decimal::Decimal, through: rust_decimal::Decimal) -> Vec<TierPart> {
        self.steps()
            .filter_map(|(from, to, price)| {
                let low = from.max(after);
                let high = to.map_or(through, |to| to.min(through));
                (high > low).then_some(TierPart { from, to, price, units: high - low })
            })
            .collect()
    }

    /// The exact amount for a number of weighted units in one billing period, applying the degressive steps:
    /// `price` on the units up to the first tier's `from`, then each tier's price up to the next tier's `from`.
    pub fn exact_amount(&self, units: rust_decimal::Decimal) -> Result<rust_decimal::Decimal, TariffError> {
        use rust_decimal::Decimal;
        let mut total = Decimal::ZERO;
        let mut step_start = Decimal::ZERO;
        let mut step_price = self.price.value();
        let boundaries = self.tiers.iter().map(|tier| (Some(tier.from.value()), tier.price.value()));
        for (step_end, next_price) in boundaries.chain(std::iter::once((None, Decimal::ZERO))) {
            let ceiling = step_end.map_or(units, |end| end.min(units));
            if ceiling > step_start {
                let part = (ceiling - step_start).checked_mul(step_price).ok_or(TariffError::Overflow)?;
                total = total.checked_add(part).ok_or(TariffError::Overflow)?;
                step_start = ceiling;
            }
            if step_end.is_none_or(|end| end >= units) {
                break;
            }
            step_price = next_price;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{Millesime, PopulationKind};

    fn rate(text: &str) -> Rate {
        Rate::parse(text).unwrap()
    }

    fn bands(mode: BandMode) -> PopulationBands {
        PopulationBands {
            mode,
            population: PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::InForce },
            bands: vec![
                Band {
                    from: 0,
                    to: Some(999),
                    value: rate(if mode == BandMode::Flat { "500" } else { "5" }),
                },
                Band {
                    from: 1000,
                    to: Some(4999),
                    value: rate(if mode == BandMode::Flat { "1500" } else { "2" }),
                },
                Band {
                    from: 5000,
                    to: Some(14999),
                    value: rate(if mode == BandMode::Flat { "4000" } else { "1.25" }),
                },
                Band {
                    from: 15000,
                    to: None,
                    value: rate(if mode == BandMode::Flat { "9000" } else { "0.5" }),
                },
            ],
        }
    }

    #[test]
    fn band_pricing_table() {
        let cases = [
            (BandMode::Flat, 231, "500"),
            (BandMode::Flat, 999, "500"),
            (BandMode::Flat, 1000, "1500"),
            (BandMode::Flat, 14999, "4000"),
            (BandMode::Flat, 238_246, "9000"),
            // 231 × 5
            (BandMode::Marginal, 231, "1155"),
            // 999 × 5 + 1 × 2
            (BandMode::Marginal, 1000, "4997"),
            // 999 × 5 + 4,000 × 2 + 5,001 × 1.25 (inhabitants 5,000 to 10,000)
            (BandMode::Marginal, 10_000, "19246.25"),
            // 999 × 5 + 4,000 × 2 + 10,000 × 1.25 + 1,002 × 0.5 (inhabitants 15,000 to 16,001)
            (BandMode::Marginal, 16_001, "25996.00"),
        ];
        for (mode, population, expected) in cases {
            let got = bands(mode).annual_amount(population).unwrap();
            assert_eq!(
                got,
                rust_decimal::Decimal::from_str_exact(expected).unwrap(),
                "{mode:?} {population}"
            );
        }
        let mut gap = bands(BandMode::Flat);
        gap.bands.remove(1);
        assert_eq!(gap.annual_amount(2000), Err(TariffError::NoBand(2000)));
    }

    #[test]
    fn degressive_unit_price_table() {
        let tiered = UnitPrice {
            basis: ActivityBasis {
                activity: "printing".into(),
                unit_label: "page".into(),
                weights: WeightGrid::new(),
                labels: BTreeMap::new(),
            },
            price: rate("0.10"),
            tiers: vec![
                PriceTier { from: Quantity::parse("1000").unwrap(), price: rate("0.08") },
                PriceTier { from: Quantity::parse("2000").unwrap(), price: rate("0.05") },
            ],
        };
        // 0.10 € up to 1,000 pages, 0.08 € from 1,000 to 2,000, 0.05 € beyond.
        let cases = [
            ("0", "0"),
            ("500", "50.00"),
            ("1000", "100.00"),
            ("1500", "140.00"),
            ("2000", "180.00"),
            ("2500", "205.00"),
            ("2000.5", "180.025"),
        ];
        let decimal = |text: &str| rust_decimal::Decimal::from_str_exact(text).unwrap();
        for (units, expected) in cases {
            let got = tiered.exact_amount(decimal(units)).unwrap();
            assert_eq!(got, decimal(expected), "{units}");
            // The parts of the range from 0 add up to the same amount.
            let by_parts: rust_decimal::Decimal = tiered
                .parts(rust_decimal::Decimal::ZERO, decimal(units))
                .iter()
                .map(|p| p.units * p.price.value())
                .sum();
            assert_eq!(by_parts, decimal(expected), "{units} by parts");
        }
        // A range that starts inside the first step and ends in the last: (after, through, [(from, units)]).
        let ranges = [
            ("0", "999", vec![("0", "999")]),
            ("900", "1500", vec![("0", "100"), ("1000", "500")]),
            ("1000", "1000", vec![]),
            ("1500", "2500", vec![("1000", "500"), ("2000", "500")]),
            ("2100", "2200", vec![("2000", "100")]),
        ];
        for (after, through, expected) in ranges {
            let got: Vec<(rust_decimal::Decimal, rust_decimal::Decimal)> =
                tiered.parts(decimal(after), decimal(through)).iter().map(|p| (p.from, p.units)).collect();
            let expected: Vec<_> = expected.iter().map(|(f, u)| (decimal(f), decimal(u))).collect();
            assert_eq!(got, expected, "{after}..{through}");
        }
    }
}
