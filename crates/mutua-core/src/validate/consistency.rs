//! Rules that tie records together: terms for every day billed, no member billed twice for one dispositif, CEE
//! deposits and beneficiaries inside their convention, populations for every population-based tariff, figures
//! that make sense together (a full cost that is not negative, a cap above zero, a grid that weighs something).

use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate};
use rust_decimal::Decimal;

use super::{Problem, Report, activity_basis};
use crate::convention::{Convention, Flow, Membership};
use crate::party::{PartyId, PartyKind};
use crate::period::{DateRange, Period};
use crate::population::{Millesime, PopulationBasis};
use crate::rule::Rule;

/// The days of the years the dataset covers: terms and populations are only required there.
fn covered_span(report: &Report<'_>) -> Option<Period> {
    let years = report.dataset.years_covered();
    let (first, last) = (*years.first()?, *years.last()?);
    Some(Period::year(first).ok()?.hull(Period::year(last).ok()?))
}

/// The days of `span` that no terms of the convention cover.
fn uncovered(convention: &Convention, span: Period) -> Vec<Period> {
    let mut ranges: Vec<Period> =
        convention.terms_ranges().filter_map(|(range, _)| span.intersect(range)).collect();
    ranges.sort();
    let mut gaps = Vec::new();
    let mut cursor = Some(span.first());
    for range in ranges {
        let Some(start) = cursor else { break };
        if range.first() > start
            && let Some(before) = range.first().pred_opt()
        {
            gaps.extend(span.from_day(start).and_then(|rest| rest.until_day(before)));
        }
        if range.last() >= start {
            cursor = range.last().succ_opt().filter(|next| *next <= span.last());
        }
    }
    if let Some(start) = cursor
        && start <= span.last()
    {
        gaps.extend(span.from_day(start));
    }
    gaps
}

/// Every day a member is billed for must have terms in force: without them the member would silently owe nothing.
pub(super) fn check_terms_cover_memberships(report: &mut Report<'_>) {
    let Some(span) = covered_span(report) else { return };
    let dataset = report.dataset;
    for convention in dataset.conventions.values() {
        if convention.flow == Flow::None || convention.terms.is_empty() {
            continue;
        }
        let Some(span) = span.intersect(convention.validity) else { continue };
        for gap in uncovered(convention, span) {
            let member =
                report.billed_members_of(&convention.id).find(|(_, range)| gap.intersect(*range).is_some());
            if let Some((member, _)) = member {
                report.push(
                    &convention.source,
                    "terms",
                    Problem::OutOfRange(format!(
                        "aucun tarif en vigueur du {} au {} alors que `{}` est membre ({}) : déclarez les termes \
                         de cette période (un tarif nul pour une période gratuite)",
                        gap.first().format("%d/%m/%Y"),
                        gap.last().format("%d/%m/%Y"),
                        member.member,
                        member.source
                    )),
                );
            }
        }
    }
}

/// A member of two conventions of one dispositif at the same time would be billed (or paid) twice.
pub(super) fn check_double_billing(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut by_member: BTreeMap<(&crate::party::DispositifId, &PartyId), Vec<(&Membership, DateRange)>> =
        BTreeMap::new();
    let billed = report.billed;
    for (membership, range) in dataset.memberships.iter().zip(billed) {
        let Some(convention) = dataset.conventions.get(&membership.convention) else { continue };
        if convention.flow == Flow::None {
            continue;
        }
        let others = by_member.entry((&convention.dispositif, &membership.member)).or_default();
        if let Some((other, _)) = others.iter().find(|(other, other_range)| {
            other.convention != membership.convention && other_range.overlaps(*range)
        }) {
            report.push(
                &membership.source,
                "convention",
                Problem::OutOfRange(format!(
                    "`{}` est déjà membre de `{}` ({}) pour le même dispositif `{}` sur cette période : il serait \
                     facturé deux fois",
                    membership.member, other.convention, other.source, convention.dispositif
                )),
            );
        }
        others.push((membership, *range));
    }
    report.billed = billed;
}

/// A deposit is sold while its convention has CEE terms in force; its beneficiaries are members (or the provider).
pub(super) fn check_cee_consistency(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut sold_on: BTreeMap<&str, (&Convention, NaiveDate)> = BTreeMap::new();
    for deposit in &dataset.cee_deposits {
        let Some(convention) = dataset.conventions.get(&deposit.convention) else { continue };
        let is_cee = convention
            .terms
            .iter()
            .flat_map(|t| &t.components)
            .any(|c| matches!(c.rule, Rule::CeeRedistribution(_)));
        if !is_cee {
            // Reported as not a CEE convention: its dates and beneficiaries mean nothing more.
            continue;
        }
        sold_on.insert(deposit.id.as_str(), (convention, deposit.sold_on));
        let has_cee_terms = convention.terms_on(deposit.sold_on).is_some_and(|terms| {
            terms.components.iter().any(|c| matches!(c.rule, Rule::CeeRedistribution(_)))
        });
        if !convention.validity.contains(deposit.sold_on) || !has_cee_terms {
            report.push(
                &deposit.source,
                "sold_on",
                Problem::OutOfRange(format!(
                    "vendu le {} : la convention `{}` n'a pas de termes de reversement des CEE en vigueur ce jour \
                     (validité {}) ; son produit ne serait reversé à personne",
                    deposit.sold_on.format("%d/%m/%Y"),
                    convention.id,
                    convention.validity
                )),
            );
        }
    }
    for operation in &dataset.cee_operations {
        let Some((convention, sold)) = sold_on.get(operation.deposit.as_str()) else { continue };
        if operation.beneficiary == convention.provider {
            continue;
        }
        let member = report
            .index
            .memberships_of(dataset, &convention.id, &operation.beneficiary)
            .any(|(_, m)| m.range.start() <= *sold);
        if !member {
            report.push(
                &operation.source,
                "beneficiary",
                Problem::OutOfRange(format!(
                    "`{}` n'a pas été membre de `{}` avant la vente du dépôt `{}` : le produit ne peut lui être reversé",
                    operation.beneficiary, convention.id, operation.deposit
                )),
            );
        }
    }
}

/// The population a rule reads, if it reads one.
fn population_basis(rule: &Rule) -> Option<PopulationBasis> {
    rule.population_basis()
}

/// Every member billed by population is a commune with the population the rule reads, for every year billed.
pub(super) fn check_population_needs(report: &mut Report<'_>) {
    let Some(span) = covered_span(report) else { return };
    let dataset = report.dataset;
    let lag = dataset.populations.vintage_lag_years;
    for convention in dataset.conventions.values() {
        if convention.flow == Flow::None {
            continue;
        }
        let billed: Vec<(&Membership, DateRange)> = report.billed_members_of(&convention.id).collect();
        for (membership, range) in billed {
            let Some(party) = dataset.parties.get(&membership.member) else { continue };
            let Some(days) = span.intersect(range) else { continue };
            let mut reported = std::collections::BTreeSet::new();
            for (range, terms) in convention.terms_ranges() {
                let Some(days) = days.intersect(range) else { continue };
                for component in &terms.components {
                    let Some(basis) = population_basis(&component.rule) else { continue };
                    if party.kind != PartyKind::Commune {
                        if reported.insert(None) {
                            report.push(
                                &membership.source,
                                "member",
                                Problem::OutOfRange(format!(
                                    "`{}` n'est pas une commune ({}) : le composant `{}` de `{}` se calcule sur la \
                                     population, qui n'existe que pour une commune",
                                    party.id,
                                    party.kind.as_str(),
                                    component.id,
                                    convention.id
                                )),
                            );
                        }
                        continue;
                    }
                    for year in days.first().year()..=days.last().year() {
                        let millesime = match basis.millesime {
                            Millesime::Fixed(year) => year,
                            Millesime::InForce => year - lag,
                        };
                        if dataset.populations.record(&membership.member, millesime).is_none()
                            && reported.insert(Some(millesime))
                        {
                            report.push(
                                &membership.source,
                                "member",
                                Problem::MissingPopulation {
                                    member: membership.member.to_string(),
                                    millesime,
                                    convention: convention.id.to_string(),
                                },
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Caps above zero, no floor on a pool, grids that weigh something, full costs that are not negative, series that
/// start at 1 or later.
pub(super) fn check_figures(report: &mut Report<'_>) {
    let dataset = report.dataset;
    for convention in dataset.conventions.values() {
        let source = &convention.source;
        for (index, terms) in convention.terms.iter().enumerate() {
            for (component_index, component) in terms.components.iter().enumerate() {
                let field = format!("terms[{index}].components[{component_index}]");
                if let Some(cap) = component.cap_per_year
                    && !cap.is_positive()
                {
                    report.push(
                        source,
                        format!("{field}.cap_per_year"),
                        Problem::NotPositive(cap.to_string()),
                    );
                }
                if component.floor_per_year.is_some() && matches!(component.rule, Rule::PoolShare(_)) {
                    report.push(
                        source,
                        format!("{field}.floor_per_year"),
                        Problem::OutOfRange(
                            "un plancher s'applique à un tarif par membre, pas à une quote-part d'enveloppe (la \
                             somme des parts est l'enveloppe)"
                                .into(),
                        ),
                    );
                }
                if let Some(basis) = activity_basis(&component.rule)
                    && !basis.weights.is_empty()
                    && basis.weights.values().all(|w| w.is_zero())
                {
                    report.push(
                        source,
                        format!("{field}.rule.weights"),
                        Problem::OutOfRange(
                            "tous les coefficients de pondération sont nuls : rien n'est compté".into(),
                        ),
                    );
                }
            }
        }
    }
    for valuation in &dataset.valuations {
        // Missing costs and negative inputs are reported elsewhere; here, what the figures give together.
        if let Ok(result) = valuation.compute(&dataset.fte_costs)
            && result.full_cost.is_negative()
        {
            report.push(
                &valuation.source,
                "subsidies",
                Problem::OutOfRange(format!(
                    "les subventions ({}) dépassent les coûts ({} de personnel, {} de fonctionnement, {} \
                     d'amortissement) : coût complet négatif de {}",
                    valuation.subsidies,
                    result.staff_cost,
                    valuation.running_costs,
                    valuation.depreciation,
                    result.full_cost
                )),
            );
        }
    }
    for (series, &start) in &dataset.meta.series_start {
        if start == 0 {
            report.push(
                &dataset.meta.source,
                format!("series_start.{series}"),
                Problem::NotPositive("0 (les numéros commencent à 1)".into()),
            );
        }
    }
}

/// Whether a decimal percentage sum reaches exactly 100, without overflow.
pub(super) fn percentages_total(mut shares: impl Iterator<Item = Decimal>) -> Option<Decimal> {
    shares.try_fold(Decimal::ZERO, |total, share| total.checked_add(share))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_between_terms_are_found() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let convention = |terms: &[(u32, u32)]| Convention {
            id: crate::party::ConventionId::parse("c").unwrap(),
            dispositif: crate::party::DispositifId::parse("d").unwrap(),
            title: String::new(),
            reference: String::new(),
            vehicle: crate::convention::LegalVehicle::Convention,
            provider: PartyId::parse("MEL").unwrap(),
            flow: Flow::MembersPayProvider,
            settlement: crate::convention::Settlement::Invoice,
            vat: crate::convention::VatRegime::OutOfScope,
            accounts: None,
            revenue_account: None,
            expense_account: None,
            validity: crate::period::DateRange::new(d(1, 1), None).unwrap(),
            pro_rata: crate::convention::ProRata::DaysOfSemester,
            eligibility: vec![],
            eligibility_check: crate::convention::EligibilityCheck::EachYear,
            regularisation: None,
            payment_term_days: None,
            terms: terms
                .iter()
                .map(|&(m, day)| crate::convention::Terms {
                    reference: "t".into(),
                    from: d(m, day),
                    until: None,
                    components: vec![],
                })
                .collect(),
            source: crate::party::Source::code(),
        };
        let span = Period::new(d(1, 1), d(12, 31)).unwrap();
        assert!(uncovered(&convention(&[(1, 1)]), span).is_empty());
        assert!(uncovered(&convention(&[(1, 1), (3, 1)]), span).is_empty());
        assert_eq!(uncovered(&convention(&[(7, 1)]), span), vec![Period::new(d(1, 1), d(6, 30)).unwrap()]);
    }
}
