//! The attributions de compensation (`attributions.csv`): each names a known EPCI and one of its communes, for a
//! year, once, in a number of instalments the year divides into; and once a payer states the AC of a year, every
//! commune whose service commun is imputed on its AC that year has its own row, so that each statement shows the
//! AC before and after imputation.

use std::collections::{BTreeMap, BTreeSet};

use super::{Problem, Report};
use crate::attribution::INSTALMENT_COUNTS;
use crate::convention::{Flow, Settlement};
use crate::party::PartyKind;
use crate::period::Period;

pub(super) fn check_attributions(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut seen = BTreeMap::new();
    for attribution in &dataset.attributions {
        let source = &attribution.source;
        report.party_exists(source, "payer", &attribution.payer);
        if report.party_exists(source, "commune", &attribution.commune) {
            let kind = dataset.parties.get(&attribution.commune).map(|p| p.kind);
            if kind != Some(PartyKind::Commune) {
                report.push(
                    source,
                    "commune",
                    Problem::OutOfRange(format!(
                        "`{}` n'est pas une commune : l'attribution de compensation est versée à une commune \
                         membre",
                        attribution.commune
                    )),
                );
            }
        }
        if attribution.payer == attribution.commune {
            report.push(
                source,
                "payer",
                Problem::OutOfRange(
                    "la commune ne se verse pas d'attribution de compensation à elle-même".into(),
                ),
            );
        }
        if !INSTALMENT_COUNTS.contains(&attribution.instalments) {
            report.push(
                source,
                "instalments",
                Problem::OutOfRange(format!(
                    "{} échéances : l'année se divise en 1, 2, 3, 4, 6 ou 12 échéances égales (12 : mensuelles)",
                    attribution.instalments
                )),
            );
        }
        let key = (&attribution.payer, &attribution.commune, attribution.year);
        if let Some(first_line) = seen.insert(key, source.line) {
            report.push(
                source,
                "year",
                Problem::Duplicate {
                    what: format!(
                        "attribution de compensation {} de `{}` versée par `{}`",
                        attribution.year, attribution.commune, attribution.payer
                    ),
                    first_line,
                },
            );
        }
    }
    check_statements_have_their_attribution(report);
}

/// Every commune imputed on its AC in a year for which its provider states the AC of its communes has its row.
fn check_statements_have_their_attribution(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let stated: BTreeSet<(&crate::party::PartyId, i32)> =
        dataset.attributions.iter().map(|a| (&a.payer, a.year)).collect();
    let rows: BTreeSet<(&crate::party::PartyId, &crate::party::PartyId, i32)> =
        dataset.attributions.iter().map(|a| (&a.payer, &a.commune, a.year)).collect();
    let mut missing = Vec::new();
    for convention in dataset.conventions.values() {
        if convention.settlement != Settlement::AttributionCompensation || convention.flow == Flow::None {
            continue;
        }
        for (membership, billed) in report.billed_members_of(&convention.id) {
            if dataset.parties.get(&membership.member).map(|p| p.kind) != Some(PartyKind::Commune) {
                continue;
            }
            for &(payer, year) in stated.iter().filter(|(payer, _)| **payer == convention.provider) {
                let Ok(whole_year) = Period::year(year) else { continue };
                let imputed = whole_year.intersect(billed).is_some()
                    && whole_year.intersect(convention.validity).is_some();
                if imputed && !rows.contains(&(payer, &membership.member, year)) {
                    missing.push((
                        membership.source.clone(),
                        convention.id.clone(),
                        membership.member.clone(),
                        payer.clone(),
                        year,
                    ));
                }
            }
        }
    }
    for (source, convention, member, payer, year) in missing {
        report.push(
            &source,
            "member",
            Problem::OutOfRange(format!(
                "`{member}` est membre en {year} de `{convention}`, réglée par imputation sur l'attribution de \
                 compensation : attributions.csv donne l'attribution {year} versée par `{payer}` à d'autres \
                 communes, pas la sienne ; ajoutez-la (l'état d'imputation montre l'attribution avant et après \
                 imputation)"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::build::{ConventionBuilder, DatasetBuilder};
    use crate::convention::Settlement;
    use crate::rule::Rule;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// The MEL, two communes in a service commun settled on the AC since 2025 (one until the end of 2025), and a
    /// body that is not a commune.
    fn base() -> DatasetBuilder {
        DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole Européenne de Lille", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .commune("59009", "Villeneuve-d'Ascq", "215900093", 62_868)
            // Any body that is not a commune.
            .metropole("FEAL", "Fédération d'électricité de l'arrondissement de Lille", "255901076")
            .dispositif("rlpi", "SIM RLPi")
            .convention(
                ConventionBuilder::new("rlpi", "rlpi", "MEL", day(2025, 1, 1))
                    .component("forfait", "Instruction", Rule::flat_fee("1000.00".parse().unwrap()))
                    .with(|c| c.settlement = Settlement::AttributionCompensation),
            )
            .member("rlpi", "59005", day(2025, 1, 1), None)
            .member("rlpi", "59009", day(2025, 1, 1), Some(day(2025, 12, 31)))
    }

    fn errors(builder: DatasetBuilder) -> Vec<String> {
        match builder.build() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn attributions_validation_table() {
        let cases: Vec<(&str, DatasetBuilder, &[&str])> = vec![
            ("no attributions at all: nothing required", base(), &[]),
            (
                "2026 for the member billed in 2026; the member gone since 2025 needs none",
                base().attribution(("MEL", "59005"), 2026, "120000.00", 12),
                &[],
            ),
            (
                "2025 stated for one member only",
                base().attribution(("MEL", "59005"), 2025, "120000.00", 12),
                &[
                    "memberships[rlpi/59009]: member: `59009` est membre en 2025 de `rlpi`, réglée par imputation sur \
                     l'attribution de compensation : attributions.csv donne l'attribution 2025 versée par `MEL` à \
                     d'autres communes, pas la sienne ; ajoutez-la (l'état d'imputation montre l'attribution avant et \
                     après imputation)",
                ],
            ),
            (
                "a syndicate, an unknown commune, a count the year does not divide into, twice the same",
                base()
                    .attribution(("MEL", "FEAL"), 2026, "10.00", 12)
                    .attribution(("MEL", "59999"), 2026, "10.00", 12)
                    .attribution(("MEL", "59005"), 2026, "10.00", 5)
                    .attribution(("MEL", "59005"), 2026, "10.00", 12),
                &[
                    "attributions[MEL/59005/2026]: instalments: 5 échéances : l'année se divise en 1, 2, 3, 4, 6 ou \
                     12 échéances égales (12 : mensuelles)",
                    "attributions[MEL/59005/2026]: year: duplicate attribution de compensation 2026 de `59005` \
                     versée par `MEL` (first at line 0)",
                    "attributions[MEL/59999/2026]: commune: unknown party `59999` (not in parties.csv)",
                    "attributions[MEL/FEAL/2026]: commune: `FEAL` n'est pas une commune : l'attribution de \
                     compensation est versée à une commune membre",
                ],
            ),
            (
                "an amount beyond the limit of an amount",
                base().attribution(("MEL", "59005"), 2026, "2000000000000.00", 12),
                &[
                    "attributions[MEL/59005/2026]: amount: 2000000000000.00 dépasse la limite de 1000000000000 pour \
                   un montant",
                ],
            ),
        ];
        for (case, builder, expected) in cases {
            assert_eq!(errors(builder), expected, "{case}");
        }
    }
}
