//! The checks that depend on the semester being run: what is carried into it, whether its activity was
//! recorded at all, and that the titres taken from the finance system bill earlier semesters.

use std::collections::BTreeMap;

use super::{Problem, Report, ValidationError, activity_basis};
use crate::convention::Flow;
use crate::dataset::Dataset;
use crate::index::DatasetIndex;
use crate::money::Amount;
use crate::period::DateRange;
use crate::period::Semester;
use crate::rule::Rule;
use crate::validated::ValidatedDataset;

/// What [`validate_semester`] found: errors refuse the run, warnings are printed with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SemesterCheck {
    /// Problems that make the semester's run wrong.
    pub errors: Vec<ValidationError>,
    /// Records the run leaves aside, and why.
    pub warnings: Vec<ValidationError>,
}

/// Checks a dataset for the run of one semester (after [`super::validate`]): the amounts carried into it must be
/// those of the semester before, owed to their convention's provider by one of its members and still under the
/// titre threshold; every activity-keyed convention with members in the semester must have its activity recorded;
/// every titre of `titres.csv` must bill a semester before it.
#[must_use]
pub fn validate_semester(dataset: &Dataset, semester: Semester) -> SemesterCheck {
    let index = DatasetIndex::new(dataset);
    let billed = dataset.billed_ranges_indexed(&index);
    validate_semester_indexed(dataset, &index, &billed, semester)
}

/// [`validate_semester`] on a validated dataset, through the index it keeps.
#[must_use]
pub fn validate_validated_semester(dataset: &ValidatedDataset, semester: Semester) -> SemesterCheck {
    validate_semester_indexed(dataset, dataset.index(), dataset.billed_ranges(), semester)
}

fn validate_semester_indexed(
    dataset: &Dataset,
    index: &DatasetIndex,
    billed: &[DateRange],
    semester: Semester,
) -> SemesterCheck {
    let mut report = Report::new(dataset, index, billed);
    let mut warnings = Vec::new();
    check_carried(&mut report, &mut warnings, semester);
    check_activity_recorded(&mut report, semester);
    check_titres(&mut report, semester);
    let mut errors = report.errors;
    errors.sort_by(|a, b| {
        (&a.source.file, a.source.line, &a.field).cmp(&(&b.source.file, b.source.line, &b.field))
    });
    SemesterCheck { errors, warnings }
}

fn check_carried(report: &mut Report<'_>, warnings: &mut Vec<ValidationError>, semester: Semester) {
    let dataset = report.dataset;
    let previous = semester.previous();
    let threshold = dataset.meta.titre_threshold;
    let mut totals: BTreeMap<
        (&crate::party::PartyId, &crate::party::PartyId),
        (Amount, &crate::party::Source),
    > = BTreeMap::new();
    let mut seen = BTreeMap::new();
    for carried in &dataset.carried {
        let source = &carried.source;
        if carried.semester >= semester {
            warnings.push(ValidationError {
                source: source.clone(),
                field: "semester".into(),
                problem: Problem::OutOfRange(format!(
                    "montant reporté du {} : il appartient à l'exécution du {}, pas à celle du {semester} ; il \
                     n'est pas repris",
                    carried.semester,
                    carried.semester.next()
                )),
            });
            continue;
        }
        if carried.semester < previous {
            report.push(
                source,
                "semester",
                Problem::OutOfRange(format!(
                    "montant reporté du {} : il devait être facturé au {} ; il n'est repris que par l'exécution du \
                     semestre qui suit celui où il a été reporté (facturez-le, ou corrigez la ligne)",
                    carried.semester,
                    carried.semester.next()
                )),
            );
            continue;
        }
        if carried.amount.is_zero() {
            report.push(
                source,
                "amount",
                Problem::NotPositive("0.00 (un report nul n'a pas lieu d'être)".into()),
            );
        }
        if let Some(first_line) = seen.insert(
            (&carried.issuer, &carried.debtor, &carried.convention, carried.label.as_str(), carried.amount),
            source.line,
        ) {
            report.push(
                source,
                "label",
                Problem::Duplicate {
                    what: "montant reporté (même émetteur, débiteur, convention, libellé et montant)".into(),
                    first_line,
                },
            );
        }
        let Some(convention) = dataset.conventions.get(&carried.convention) else { continue };
        report.issued_by_provider(source, &carried.issuer, convention);
        if convention.flow != Flow::MembersPayProvider {
            report.push(
                source,
                "convention",
                Problem::OutOfRange(format!(
                    "`{}` ne facture pas ses membres : seul un montant dû par un membre se reporte",
                    convention.id
                )),
            );
        }
        let member = report
            .index
            .memberships_of(dataset, &convention.id, &carried.debtor)
            .any(|(_, m)| carried.semester.period().intersect(m.range).is_some());
        if !member {
            report.push(
                source,
                "debtor",
                Problem::OutOfRange(format!(
                    "`{}` n'était pas membre de `{}` au {}",
                    carried.debtor, convention.id, carried.semester
                )),
            );
        }
        let entry = totals.entry((&carried.issuer, &carried.debtor)).or_insert((Amount::ZERO, source));
        entry.0 = entry.0.checked_add(carried.amount).unwrap_or(entry.0);
    }
    for ((issuer, debtor), (total, source)) in totals {
        if total.abs() >= threshold {
            report.push(
                source,
                "amount",
                Problem::OutOfRange(format!(
                    "les montants reportés de `{debtor}` envers `{issuer}` font {total}, pas moins que le seuil de \
                     {threshold} : un document aurait dû être émis au {previous}"
                )),
            );
        }
    }
}

/// A titre bills a past semester: one of the semester run, or a later one, is refused (mutua bills it, the
/// finance system did not).
fn check_titres(report: &mut Report<'_>, semester: Semester) {
    let dataset = report.dataset;
    for titre in &dataset.titres {
        if titre.semester >= semester {
            report.push(
                &titre.source,
                "semester",
                Problem::OutOfRange(format!(
                    "titre `{}` du {} : un titre de titres.csv facture un semestre passé, avant le {semester} \
                     exécuté ; ce semestre-là, c'est mutua qui le facture",
                    titre.number, titre.semester
                )),
            );
        }
    }
}

/// Whether a rule is keyed on activity.
fn activity_keyed(rule: &Rule) -> bool {
    rule.activity_basis().is_some()
}

fn check_activity_recorded(report: &mut Report<'_>, semester: Semester) {
    let dataset = report.dataset;
    let period = semester.period();
    for convention in dataset.conventions.values() {
        if convention.flow == Flow::None {
            continue;
        }
        let present = report
            .billed_members_of(&convention.id)
            .filter(|(_, range)| period.intersect(*range).is_some())
            .count();
        if present == 0 {
            continue;
        }
        let keyed = convention
            .terms_ranges()
            .filter(|(range, _)| period.intersect(*range).is_some())
            .find_map(|(_, terms)| {
                terms.components.iter().enumerate().find(|(_, c)| activity_keyed(&c.rule)).map(
                    |(index, c)| {
                        let terms_index =
                            convention.terms.iter().position(|t| std::ptr::eq(t, terms)).unwrap_or(0);
                        (terms_index, index, c)
                    },
                )
            });
        let Some((terms_index, component_index, component)) = keyed else { continue };
        let recorded = report.index.has_activity(&convention.id, semester);
        if !recorded {
            let activity = activity_basis(&component.rule).map(|b| b.activity.as_str()).unwrap_or_default();
            report.push(
                &convention.source,
                format!("terms[{terms_index}].components[{component_index}].rule"),
                Problem::OutOfRange(format!(
                    "aucune ligne d'activité « {activity} » pour {semester} dans activity.csv alors que {present} \
                     membre(s) sont présents : ajoutez les lignes du semestre, avec 0 là où rien n'a été fait"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::validate_semester;
    use crate::build::{ConventionBuilder, DatasetBuilder};
    use crate::period::Semester;
    use crate::rule::Rule;

    #[test]
    fn a_titre_bills_a_semester_before_the_one_run() {
        let since = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let dataset = DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole Européenne de Lille", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .dispositif("cep", "Conseil en énergie partagé")
            .convention(ConventionBuilder::new("cep", "cep", "MEL", since).component(
                "hab",
                "CEP",
                Rule::per_inhabitant("1.20".parse().unwrap()),
            ))
            .member("cep", "59005", since, None)
            .titre("T-2024-1", "2024-S1", ("MEL", "59005"), ("cep", "hab"), "900.00")
            .titre("T-2025-2", "2025-S2", ("MEL", "59005"), ("cep", "hab"), "910.00")
            .titre("T-2026-3", "2026-S1", ("MEL", "59005"), ("cep", "hab"), "920.00")
            .titre("T-2026-4", "2026-S2", ("MEL", "59005"), ("cep", "hab"), "930.00")
            .build()
            .unwrap();
        let refused = |run: &str| -> Vec<String> {
            let check = validate_semester(&dataset, run.parse::<Semester>().unwrap());
            assert!(check.warnings.is_empty(), "{:?}", check.warnings);
            check.errors.iter().map(ToString::to_string).collect()
        };
        let message = |number: &str, semester: &str, run: &str| {
            format!(
                "titres[{number}]: semester: titre `{number}` du {semester} : un titre de titres.csv facture un \
                 semestre passé, avant le {run} exécuté ; ce semestre-là, c'est mutua qui le facture"
            )
        };
        let cases: [(&str, Vec<String>); 4] = [
            ("2026-S2", vec![message("T-2026-4", "2026-S2", "2026-S2")]),
            (
                "2026-S1",
                vec![message("T-2026-3", "2026-S1", "2026-S1"), message("T-2026-4", "2026-S2", "2026-S1")],
            ),
            (
                "2025-S2",
                vec![
                    message("T-2025-2", "2025-S2", "2025-S2"),
                    message("T-2026-3", "2026-S1", "2025-S2"),
                    message("T-2026-4", "2026-S2", "2025-S2"),
                ],
            ),
            ("2027-S1", vec![]),
        ];
        for (run, expected) in cases {
            assert_eq!(refused(run), expected, "run of {run}");
        }
    }
}
