//! Every figure of a dataset within the limits of its kind ([`crate::limits`]).

use rust_decimal::Decimal;

use super::{Problem, Report, activity_basis};
use crate::limits::{self, Limit};
use crate::party::Source;
use crate::rule::{Key, PoolSource, Rule};

impl Report<'_> {
    /// Reports a figure beyond its limit (its sign is each field's own rule, checked where the field is).
    pub(super) fn within(&mut self, source: &Source, field: &str, value: Decimal, limit: &Limit) {
        if let Some(problem) = limit.magnitude_problem(value) {
            self.push(source, field, Problem::OutOfRange(problem));
        }
    }

    /// Reports an integer count of inhabitants beyond the population limit.
    pub(super) fn population_within(&mut self, source: &Source, field: &str, value: u64) {
        if value > limits::POPULATION {
            self.push(
                source,
                field,
                Problem::OutOfRange(format!("{value} dépasse la limite de {} habitants", limits::POPULATION)),
            );
        }
    }
}

fn check_rule(report: &mut Report<'_>, source: &Source, field: &str, rule: &Rule) {
    match rule {
        Rule::PerInhabitant(rule) => {
            report.within(
                source,
                &format!("{field}.rate_per_year"),
                rule.rate_per_year.value(),
                &limits::PRICE,
            );
        }
        Rule::PopulationBands(rule) => {
            for (index, band) in rule.bands.iter().enumerate() {
                let band_field = format!("{field}.bands[{index}]");
                report.population_within(source, &format!("{band_field}.from"), band.from);
                if let Some(to) = band.to {
                    report.population_within(source, &format!("{band_field}.to"), to);
                }
                // A flat band's value is a fee per year, a marginal one's a rate per inhabitant.
                let limit = match rule.mode {
                    crate::rule::BandMode::Flat => &limits::AMOUNT,
                    crate::rule::BandMode::Marginal => &limits::PRICE,
                };
                report.within(source, &format!("{band_field}.value"), band.value.value(), limit);
            }
        }
        Rule::UnitPrice(rule) => {
            report.within(source, &format!("{field}.price"), rule.price.value(), &limits::PRICE);
            for (index, tier) in rule.tiers.iter().enumerate() {
                report.within(
                    source,
                    &format!("{field}.tiers[{index}].from"),
                    tier.from.value(),
                    &limits::QUANTITY,
                );
                report.within(
                    source,
                    &format!("{field}.tiers[{index}].price"),
                    tier.price.value(),
                    &limits::PRICE,
                );
            }
        }
        Rule::FlatFee(rule) => {
            report.within(
                source,
                &format!("{field}.amount_per_year"),
                rule.amount_per_year.to_decimal(),
                &limits::AMOUNT,
            );
        }
        Rule::PoolShare(rule) => {
            match &rule.pool {
                PoolSource::Fixed { amount_per_year } => report.within(
                    source,
                    &format!("{field}.pool.amount_per_year"),
                    amount_per_year.to_decimal(),
                    &limits::AMOUNT,
                ),
                PoolSource::Valuation { share } => {
                    report.within(source, &format!("{field}.pool.share"), share.value(), &limits::SHARE);
                }
            }
            if let Key::FixedPercentages { shares, .. } = &rule.key {
                for (party, share) in shares {
                    report.within(
                        source,
                        &format!("{field}.key.shares.{party}"),
                        share.value(),
                        &limits::PERCENT,
                    );
                }
            }
        }
        Rule::UnitCost(_) => {}
        Rule::CeeRedistribution(rule) => report.within(
            source,
            &format!("{field}.management_fee_percent"),
            rule.management_fee_percent.value(),
            &limits::PERCENT,
        ),
    }
    if let Some(basis) = activity_basis(rule) {
        let prefix = match rule {
            Rule::PoolShare(_) => "key",
            Rule::UnitPrice(_)
            | Rule::UnitCost(_)
            | Rule::PerInhabitant(_)
            | Rule::PopulationBands(_)
            | Rule::FlatFee(_)
            | Rule::CeeRedistribution(_) => "basis",
        };
        for (unit, weight) in &basis.weights {
            report.within(
                source,
                &format!("{field}.{prefix}.weights.{unit}"),
                weight.value(),
                &limits::WEIGHT,
            );
        }
    }
}

/// Checks every figure against its limit.
pub(super) fn check_bounds(report: &mut Report<'_>) {
    let dataset = report.dataset;
    report.within(
        &dataset.meta.source,
        "titre_threshold",
        dataset.meta.titre_threshold.to_decimal(),
        &limits::AMOUNT,
    );
    for record in dataset.populations.records() {
        report.population_within(&record.source, "municipale", record.municipale);
        report.population_within(&record.source, "totale", record.totale);
    }
    for convention in dataset.conventions.values() {
        let source = &convention.source;
        if let crate::convention::VatRegime::Taxable { rate_percent } = &convention.vat
            && let Some(problem) = limits::PERCENT.problem(rate_percent.value())
        {
            report.push(source, "vat.rate_percent", Problem::OutOfRange(problem));
        }
        for (index, eligibility) in convention.eligibility.iter().enumerate() {
            if let crate::convention::Eligibility::PopulationBelow { threshold, .. } = eligibility {
                report.population_within(source, &format!("eligibility[{index}].threshold"), *threshold);
            }
        }
        for (index, terms) in convention.terms.iter().enumerate() {
            for (component_index, component) in terms.components.iter().enumerate() {
                let field = format!("terms[{index}].components[{component_index}]");
                for (name, value) in
                    [("cap_per_year", component.cap_per_year), ("floor_per_year", component.floor_per_year)]
                {
                    if let Some(value) = value {
                        report.within(
                            source,
                            &format!("{field}.{name}"),
                            value.to_decimal(),
                            &limits::AMOUNT,
                        );
                    }
                }
                check_rule(report, source, &format!("{field}.rule"), &component.rule);
            }
        }
    }
    for record in &dataset.activity {
        report.within(&record.source, "quantity", record.quantity.value(), &limits::QUANTITY);
    }
    for cost in &dataset.fte_costs {
        report.within(&cost.source, "loaded_cost", cost.loaded_cost_per_year.to_decimal(), &limits::PRICE);
    }
    for valuation in &dataset.valuations {
        let source = &valuation.source;
        for (category, fte) in &valuation.fte {
            let field = format!("fte_{}", category.to_string().to_lowercase());
            report.within(source, &field, fte.value(), &limits::FTE);
        }
        for (field, value) in [
            ("running_costs", valuation.running_costs),
            ("depreciation", valuation.depreciation),
            ("subsidies", valuation.subsidies),
        ] {
            report.within(source, field, value.to_decimal(), &limits::AMOUNT);
        }
        report.within(source, "units", valuation.units.value(), &limits::UNITS);
    }
    for value in &dataset.indices {
        let source = &value.source;
        report.within(source, "value", value.value.value(), &limits::INDEX);
        if value.value.value() < limits::INDEX_MIN {
            report.push(
                source,
                "value",
                Problem::OutOfRange(format!(
                    "{} : une valeur d'indice est positive (au moins {}) ; une révision divise par elle",
                    value.value,
                    limits::INDEX_MIN
                )),
            );
        }
    }
    for deposit in &dataset.cee_deposits {
        for (field, price) in [
            ("price_classique", deposit.price_classique_per_mwh),
            ("price_precarite", deposit.price_precarite_per_mwh),
        ] {
            report.within(&deposit.source, field, price.value(), &limits::PRICE);
        }
    }
    for operation in &dataset.cee_operations {
        report.within(&operation.source, "kwh_cumac", operation.kwh_cumac.value(), &limits::KWH_CUMAC);
    }
    for carried in &dataset.carried {
        report.within(&carried.source, "amount", carried.amount.to_decimal(), &limits::AMOUNT);
    }
    for titre in &dataset.titres {
        report.within(&titre.source, "amount", titre.amount.to_decimal(), &limits::AMOUNT);
    }
    for attribution in &dataset.attributions {
        report.within(&attribution.source, "amount", attribution.amount.to_decimal(), &limits::AMOUNT);
    }
}
