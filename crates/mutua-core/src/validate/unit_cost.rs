//! The D5211-16 unit costs (`unit_costs.csv`) and their updates (`unit_cost_updates.csv`): each names a
//! compte administratif the dataset has, of an earlier year; no free forecast competes with it; each update
//! belongs to a unit cost; the updated lines and the full cost stay at or above zero.

use std::collections::BTreeMap;

use super::{Problem, Report};
use crate::limits;
use crate::rule::Rule;
use crate::valuation::{ValuationBasis, ValuationError};

pub(super) fn check_unit_costs(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut seen = BTreeMap::new();
    for derivation in &dataset.unit_costs {
        let source = &derivation.source;
        let dispositif = &derivation.dispositif;
        let year = derivation.year;
        if !dataset.dispositifs.contains_key(dispositif) {
            report.push(source, "dispositif", Problem::UnknownDispositif(dispositif.to_string()));
            continue;
        }
        if let Some(first_line) = seen.insert((dispositif, year), source.line) {
            report.push(
                source,
                "year",
                Problem::Duplicate {
                    what: format!("coût unitaire D5211-16 de `{dispositif}` pour {year}"),
                    first_line,
                },
            );
            continue;
        }
        let bills_unit_cost = report
            .index
            .conventions_of(dataset, dispositif)
            .flat_map(|c| &c.terms)
            .flat_map(|t| &t.components)
            .any(|c| matches!(c.rule, Rule::UnitCost(_)));
        if !bills_unit_cost {
            report.push(
                source,
                "dispositif",
                Problem::OutOfRange(format!(
                    "aucune convention de `{dispositif}` ne facture au coût unitaire (`unit_cost`) : un coût \
                     unitaire D5211-16 ne s'établit que pour un service facturé ainsi"
                )),
            );
        }
        if let Some(forecast) = report.index.valuation(dataset, dispositif, year, ValuationBasis::Forecast) {
            report.push(
                source,
                "year",
                Problem::AmbiguousForecast {
                    dispositif: dispositif.to_string(),
                    year,
                    other: forecast.source.to_string(),
                },
            );
        }
        if derivation.compte_administratif >= year {
            report.push(
                source,
                "compte_administratif",
                Problem::OutOfRange(format!(
                    "le compte administratif {} n'est pas d'un exercice antérieur à {year} : le coût unitaire \
                     d'un exercice est constaté à partir des derniers comptes administratifs votés",
                    derivation.compte_administratif
                )),
            );
            continue;
        }
        if derivation.units.is_negative() || derivation.units.is_zero() {
            report.push(source, "units", Problem::NotPositive(derivation.units.to_string()));
            continue;
        }
        match dataset.derived_unit_cost(dispositif, year) {
            Some(Err(ValuationError::MissingAccounts { year: accounts_year })) => report.push(
                source,
                "compte_administratif",
                Problem::MissingComptAdministratif { dispositif: dispositif.to_string(), year: accounts_year },
            ),
            Some(Err(ValuationError::NegativeLine { line, value })) => report.push(
                source,
                line.as_str(),
                Problem::OutOfRange(format!(
                    "les actualisations de unit_cost_updates.csv portent la ligne `{line}` du compte administratif \
                     {} sous zéro ({value})",
                    derivation.compte_administratif
                )),
            ),
            Some(Err(ValuationError::NegativeFullCost(full_cost))) => report.push(
                source,
                "subsidies",
                Problem::OutOfRange(format!(
                    "après actualisation, les subventions dépassent les coûts : coût complet négatif de {full_cost}"
                )),
            ),
            // The compte administratif's own problems are reported at its row of valuations.csv; an overflow
            // cannot happen within the limits of every figure, which are reported where they are written.
            Some(Err(_)) | Some(Ok(_)) | None => {}
        }
    }
    for update in &dataset.unit_cost_updates {
        let source = &update.source;
        if !dataset.dispositifs.contains_key(&update.dispositif) {
            report.push(source, "dispositif", Problem::UnknownDispositif(update.dispositif.to_string()));
            continue;
        }
        if report.index.unit_cost_derivation(dataset, &update.dispositif, update.year).is_none() {
            report.push(
                source,
                "year",
                Problem::UpdateWithoutUnitCost {
                    dispositif: update.dispositif.to_string(),
                    year: update.year,
                },
            );
        }
    }
}

/// The limits of the figures of unit costs and their updates.
pub(super) fn check_unit_cost_bounds(report: &mut Report<'_>) {
    let dataset = report.dataset;
    for derivation in &dataset.unit_costs {
        report.within(&derivation.source, "units", derivation.units.value(), &limits::UNITS);
    }
    for update in &dataset.unit_cost_updates {
        report.within(&update.source, "amount", update.amount.to_decimal(), &limits::AMOUNT);
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::build::{ConventionBuilder, DatasetBuilder};
    use crate::dataset::Dataset;
    use crate::rule::{ActivityBasis, Rule, UnitCost};
    use crate::unit_cost::CostLine;
    use crate::valuation::ValuationBasis;

    fn since() -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
    }

    /// A dispositif `ads` billed by unit cost, its compte administratif 2025 (90,000.00 € over 1,000 units) and
    /// forecasts for 2025 and 2026, and a dispositif `cep` billed per inhabitant.
    fn base() -> DatasetBuilder {
        let rule = Rule::UnitCost(UnitCost {
            basis: ActivityBasis {
                activity: "ads".into(),
                unit_label: "équivalent PC".into(),
                weights: [("PC".to_owned(), crate::money::Ratio::new(rust_decimal::Decimal::ONE))].into(),
                labels: std::collections::BTreeMap::new(),
            },
        });
        DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole Européenne de Lille", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .dispositif("ads", "Instruction ADS")
            .dispositif("cep", "Conseil en énergie partagé")
            .convention(ConventionBuilder::new("ads", "ads", "MEL", since()).component("files", "ADS", rule))
            .convention(ConventionBuilder::new("cep", "cep", "MEL", since()).component(
                "hab",
                "CEP",
                Rule::per_inhabitant("1.20".parse().unwrap()),
            ))
            .member("ads", "59005", since(), None)
            .valuation("ads", 2025, ValuationBasis::Forecast, "100000.00", "1000")
            .valuation("ads", 2025, ValuationBasis::Actual, "90000.00", "1000")
            .valuation("ads", 2026, ValuationBasis::Forecast, "105000.00", "1000")
    }

    fn errors(builder: DatasetBuilder) -> Vec<String> {
        match builder.build() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn unit_cost_validation_table() {
        let cases: [(&str, DatasetBuilder, &[&str]); 8] = [
            (
                "a derivation with updates",
                base().unit_cost("ads", 2027, 2025, "1100", "Budget primitif 2027").unit_cost_update(
                    "ads",
                    2027,
                    CostLine::RunningCosts,
                    "-5000.00",
                    "Fin de marché",
                ),
                &[],
            ),
            (
                "an unknown dispositif",
                base().unit_cost("adss", 2027, 2025, "1100", "BP 2027"),
                &["unit_costs[adss/2027]: dispositif: unknown dispositif `adss` (not in dispositifs.csv)"],
            ),
            (
                "a dispositif billed otherwise",
                base()
                    .valuation("cep", 2025, ValuationBasis::Actual, "50000.00", "10000")
                    .unit_cost("cep", 2027, 2025, "10000", "BP 2027"),
                &[
                    "unit_costs[cep/2027]: dispositif: aucune convention de `cep` ne facture au coût unitaire \
                   (`unit_cost`) : un coût unitaire D5211-16 ne s'établit que pour un service facturé ainsi",
                ],
            ),
            (
                "twice",
                base()
                    .unit_cost("ads", 2027, 2025, "1100", "BP 2027")
                    .unit_cost("ads", 2027, 2025, "1200", "BP"),
                &[
                    "unit_costs[ads/2027]: year: duplicate coût unitaire D5211-16 de `ads` pour 2027 (first at line 0)",
                ],
            ),
            (
                "no units",
                base().unit_cost("ads", 2027, 2025, "0", "BP 2027"),
                &["unit_costs[ads/2027]: units: must be positive (got 0)"],
            ),
            (
                // 90,000.00 of running costs, 90,000.01 of new subsidies: −0.01.
                "subsidies above the costs",
                base().unit_cost("ads", 2027, 2025, "1100", "BP 2027").unit_cost_update(
                    "ads",
                    2027,
                    CostLine::Subsidies,
                    "90000.01",
                    "Subvention FEDER",
                ),
                &[
                    "unit_costs[ads/2027]: subsidies: après actualisation, les subventions dépassent les coûts : \
                   coût complet négatif de -0.01",
                ],
            ),
            (
                "an update beyond the limit of an amount",
                base().unit_cost("ads", 2027, 2025, "1100", "BP 2027").unit_cost_update(
                    "ads",
                    2027,
                    CostLine::Staff,
                    "1000000000000.01",
                    "x",
                ),
                &[
                    "unit_cost_updates[ads/2027/1]: amount: 1000000000000.01 dépasse la limite de 1000000000000 \
                   pour un montant",
                ],
            ),
            (
                "a reason with a control character",
                base().unit_cost("ads", 2027, 2025, "1100", "BP 2027").unit_cost_update(
                    "ads",
                    2027,
                    CostLine::Staff,
                    "10.00",
                    "tab\there",
                ),
                &[
                    "unit_cost_updates[ads/2027/1]: reason: contient le caractère interdit U+0009 (caractère de \
                   contrôle ou de mise en forme bidirectionnelle)",
                ],
            ),
        ];
        for (case, builder, expected) in cases {
            assert_eq!(errors(builder), expected, "{case}");
        }
    }

    #[test]
    fn a_derivation_is_the_forecast_a_billed_year_needs() {
        // Without the forecast 2026 row, 2026 (covered by the activity) needs a forecast: the derivation is one.
        let without = |dataset: &mut Dataset| dataset.valuations.retain(|v| v.year != 2026);
        let activity =
            |builder: DatasetBuilder| builder.activity("ads", "59005", "2026-S1", ("ads", "PC"), "3");
        assert_eq!(
            errors(activity(base()).with(without)),
            [
                "conventions[ads]: dispositif: dispositif `ads` has no forecast valuation for 2026, needed by its valuation-based rules"
            ]
        );
        assert_eq!(
            errors(activity(base()).with(without).unit_cost("ads", 2026, 2025, "1000", "BP 2026")),
            Vec::<String>::new()
        );
    }
}
