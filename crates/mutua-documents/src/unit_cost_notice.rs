//! The annual notice of a unit operating cost (CGCT D5211-16): "le coût unitaire est porté à la connaissance des
//! bénéficiaires de la mise à disposition de services, avant la date d'adoption du budget prévisionnel de
//! l'exercice".
//!
//! [`unit_cost_notices`] gives, for a year, one [`UnitCostNotice`] per dispositif that a convention bills by
//! `unit_cost` that year and that has members: the derived unit cost with every figure it comes from
//! ([`DerivedUnitCost`]: the compte administratif line by line, each update with its reason, the forecast units),
//! the conventions that bill it with their weighting grids, and the members it is addressed to. It holds numbers
//! and typed facts only; [`crate::present::unit_cost_notice`] words it in French, [`crate::export::unit_cost_csv`]
//! writes its figures.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use mutua_core::{
    ActivityBasis, ConventionId, DerivedUnitCost, DispositifId, Flow, PartyId, Period, RegularisationHalf,
    Rule, Source, ValidatedDataset, ValuationBasis, ValuationError,
};
use serde::Serialize;

/// A unit-cost tariff of a convention in force during the year: the terms, the component and what it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeTariff {
    /// The reference of the terms ("Délibération n° 15 C 0321 du 19 juin 2015").
    pub terms_reference: String,
    /// The first day those terms are in force.
    pub from: NaiveDate,
    /// The component's label.
    pub label: String,
    /// The units of operation counted: activity, unit label and weighting grid.
    pub basis: ActivityBasis,
}

/// A convention that bills the dispositif by unit cost during the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeConvention {
    /// Its id.
    pub id: ConventionId,
    /// Its title.
    pub title: String,
    /// The act that approved it.
    pub reference: String,
    /// When the year's regularisation against its compte administratif is billed, if the convention regularises.
    pub regularisation: Option<RegularisationHalf>,
    /// Its unit-cost tariffs in force during the year, in the order of its terms.
    pub tariffs: Vec<NoticeTariff>,
}

/// A member the notice is addressed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoticeMember {
    /// The party.
    pub party: PartyId,
    /// The conventions it is a member of during the year.
    pub conventions: Vec<ConventionId>,
}

/// The notice of a dispositif's unit operating cost for a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitCostNotice {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// The year the unit cost applies to.
    pub year: i32,
    /// The date of the notification, given by the caller.
    pub notified_on: NaiveDate,
    /// Who notifies it: the provider of the conventions.
    pub issuer: PartyId,
    /// The unit cost and every figure it comes from.
    pub cost: DerivedUnitCost,
    /// The conventions that bill it by unit cost during the year, by id.
    pub conventions: Vec<NoticeConvention>,
    /// The members of those conventions during the year, by party id.
    pub members: Vec<NoticeMember>,
}

impl UnitCostNotice {
    /// The distinct unit labels of the tariffs ("équivalent PC"), in order of first appearance.
    #[must_use]
    pub fn unit_labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = Vec::new();
        for tariff in self.conventions.iter().flat_map(|c| &c.tariffs) {
            if !labels.contains(&tariff.basis.unit_label.as_str()) {
                labels.push(&tariff.basis.unit_label);
            }
        }
        labels
    }
}

/// The last day a commune's budget may be voted without a derogation (CGCT L1612-2: 15 April of the year): the
/// unit cost is to be known before it. A notice dated later is still produced; the caller may warn.
#[must_use]
pub fn budget_vote_deadline(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 4, 15)
}

/// A dispositif billed by unit cost during a year whose unit cost the dataset does not derive under D5211-16.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotDerived {
    /// The dispositif.
    pub dispositif: DispositifId,
    /// Where its free forecast of the year is (`valuations.csv:4`), if it has one.
    pub free_forecast: Option<Source>,
}

/// Why the notices of a year cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// The year is outside the calendar the model supports.
    #[error("{0} is not a year the model supports")]
    BadYear(i32),
    /// No convention bills a dispositif by unit cost during the year with a member.
    #[error("no dispositif is billed by unit cost in {year}")]
    NothingToNotify {
        /// The year.
        year: i32,
    },
    /// Dispositifs billed by unit cost during the year have no D5211-16 unit cost (`unit_costs.csv`).
    #[error("no D5211-16 unit cost for {year} of {}", .dispositifs.iter().map(|d| d.dispositif.to_string()).collect::<Vec<_>>().join(", "))]
    NotDerived {
        /// The year.
        year: i32,
        /// The dispositifs.
        dispositifs: Vec<NotDerived>,
    },
    /// The unit cost cannot be derived (a dataset that passed validation always derives it).
    #[error("the unit cost of `{dispositif}` cannot be derived: {source}")]
    Valuation {
        /// The dispositif.
        dispositif: DispositifId,
        /// Why.
        source: ValuationError,
    },
    /// The notification is dated before the compte administratif it rests on could be voted (the year after
    /// its exercice), or after the end of the year it is for.
    #[error(
        "a notice of {year} resting on the compte administratif {compte_administratif} cannot be dated {date}"
    )]
    DateOutOfRange {
        /// The year of the unit cost.
        year: i32,
        /// The year of the compte administratif.
        compte_administratif: i32,
        /// The date given.
        date: NaiveDate,
    },
    /// The conventions of a dispositif billed by unit cost have different providers: who would notify?
    #[error("the conventions billing `{dispositif}` by unit cost have different providers")]
    SeveralProviders {
        /// The dispositif.
        dispositif: DispositifId,
    },
}

/// The notices of every dispositif billed by unit cost during `year`, dated `notified_on`, ordered by dispositif.
///
/// # Errors
///
/// [`NoticeError::NothingToNotify`] when no convention bills by unit cost that year; [`NoticeError::NotDerived`]
/// when any dispositif billed by unit cost that year has no D5211-16 unit cost (all or nothing: a notice is due to
/// every beneficiary); [`NoticeError::DateOutOfRange`] for a date before the compte administratif could be voted
/// or after the year; [`NoticeError::SeveralProviders`]; [`NoticeError::Valuation`].
pub fn unit_cost_notices(
    dataset: &ValidatedDataset,
    year: i32,
    notified_on: NaiveDate,
) -> Result<Vec<UnitCostNotice>, NoticeError> {
    let period = Period::year(year).map_err(|_| NoticeError::BadYear(year))?;
    let mut notices = Vec::new();
    let mut missing = Vec::new();
    for dispositif in dataset.dispositifs.keys() {
        let mut conventions = Vec::new();
        let mut members: Vec<NoticeMember> = Vec::new();
        let mut providers = BTreeSet::new();
        for convention in dataset.conventions_of(dispositif) {
            if convention.flow == Flow::None {
                continue;
            }
            let tariffs: Vec<NoticeTariff> = convention
                .terms_in(period)
                .into_iter()
                .flat_map(|(_, terms)| {
                    terms.components.iter().filter_map(move |component| match &component.rule {
                        Rule::UnitCost(rule) => Some(NoticeTariff {
                            terms_reference: terms.reference.clone(),
                            from: terms.from,
                            label: component.label.clone(),
                            basis: rule.basis.clone(),
                        }),
                        _ => None,
                    })
                })
                .collect();
            let present: BTreeSet<&PartyId> = dataset
                .members_of(&convention.id)
                .filter(|m| period.intersect(m.range).is_some())
                .map(|m| &m.member)
                .collect();
            if tariffs.is_empty() || present.is_empty() {
                continue;
            }
            providers.insert(convention.provider.clone());
            for party in present {
                match members.iter_mut().find(|m| &m.party == party) {
                    Some(member) => member.conventions.push(convention.id.clone()),
                    None => members.push(NoticeMember {
                        party: party.clone(),
                        conventions: vec![convention.id.clone()],
                    }),
                }
            }
            conventions.push(NoticeConvention {
                id: convention.id.clone(),
                title: convention.title.clone(),
                reference: convention.reference.clone(),
                regularisation: convention.regularisation.map(|policy| policy.billed_in),
                tariffs,
            });
        }
        if conventions.is_empty() {
            continue;
        }
        let Some(derived) = dataset.derived_unit_cost(dispositif, year) else {
            missing.push(NotDerived {
                dispositif: dispositif.clone(),
                free_forecast: dataset
                    .valuation(dispositif, year, ValuationBasis::Forecast)
                    .map(|valuation| valuation.source.clone()),
            });
            continue;
        };
        let cost =
            derived.map_err(|source| NoticeError::Valuation { dispositif: dispositif.clone(), source })?;
        let accounts_year = cost.accounts.year;
        if notified_on.year() <= accounts_year || notified_on.year() > year {
            return Err(NoticeError::DateOutOfRange {
                year,
                compte_administratif: accounts_year,
                date: notified_on,
            });
        }
        let mut providers = providers.into_iter();
        let (Some(issuer), None) = (providers.next(), providers.next()) else {
            return Err(NoticeError::SeveralProviders { dispositif: dispositif.clone() });
        };
        members.sort_by(|a, b| a.party.cmp(&b.party));
        notices.push(UnitCostNotice {
            dispositif: dispositif.clone(),
            year,
            notified_on,
            issuer,
            cost,
            conventions,
            members,
        });
    }
    if !missing.is_empty() {
        return Err(NoticeError::NotDerived { year, dispositifs: missing });
    }
    if notices.is_empty() {
        return Err(NoticeError::NothingToNotify { year });
    }
    Ok(notices)
}
