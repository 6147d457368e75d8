//! The warnings about a valid dataset in French: what `mutua check` and `mutua run` report before the batch, which
//! runs with them (members that leave their convention's eligibility).

use mutua_core::{EligibilityCheck, EligibilityCrossing, Warning};
use rust_decimal::Decimal;

use super::format::{date_fr, date_numeric_fr, decimal_fr};

/// A warning in French, without its location.
#[must_use]
pub fn warning_fr(warning: &Warning) -> String {
    match warning {
        Warning::NoLongerEligible(crossing) => crossing_fr(crossing),
        Warning::ActivityNotBilled { convention, member, semester, .. } => format!(
            "activité du {} de « {member} » au titre de « {convention} » laissée de côté : la commune a quitté la \
             convention (éligibilité vérifiée chaque année), elle n'est plus facturée",
            semester.label_fr()
        ),
        // `Warning` may gain variants; each is worded here when it does.
        other => format!("{other:?}"),
    }
}

/// A warning in French at its record: `memberships.csv:23: member: …`.
#[must_use]
pub fn warning_located_fr(warning: &Warning) -> String {
    format!("{}: {}: {}", warning.source(), warning.field(), warning_fr(warning))
}

fn crossing_fr(crossing: &EligibilityCrossing) -> String {
    let figure = &crossing.crossing;
    let population = format!(
        "{} {} (millésime {}) ≥ {}",
        figure.population.kind.label_fr(),
        decimal_fr(Decimal::from(figure.population.inhabitants), 0),
        figure.population.millesime,
        decimal_fr(Decimal::from(figure.threshold), 0)
    );
    let (member, convention, year) = (&crossing.member, &crossing.convention, figure.year);
    match crossing.check {
        EligibilityCheck::EachYear => {
            let leaves =
                chrono::NaiveDate::from_ymd_opt(year, 1, 1).map_or_else(|| year.to_string(), date_fr);
            format!(
                "la commune « {member} » quitte la convention « {convention} » au {leaves} : {population} ; \
                 l'éligibilité se vérifie chaque année, elle n'est plus facturée à partir de cette date"
            )
        }
        EligibilityCheck::UntilEnd => format!(
            "la commune « {member} » ne remplit plus la condition d'éligibilité de la convention « {convention} » à \
             partir de {year} : {population} ; la convention garde ses membres jusqu'à sa fin : elle reste membre et \
             facturée {}",
            until_fr(crossing)
        ),
        EligibilityCheck::AtJoining => format!(
            "la commune « {member} » ne remplit plus la condition d'éligibilité de la convention « {convention} » à \
             partir de {year} : {population} ; l'éligibilité ne se vérifie qu'à l'adhésion : elle reste membre et \
             facturée {} (pour information)",
            until_fr(crossing)
        ),
    }
}

fn until_fr(crossing: &EligibilityCrossing) -> String {
    match crossing.billed_until {
        Some(last) => format!("jusqu'au {}", date_numeric_fr(last)),
        None => "sans date de fin".to_owned(),
    }
}
