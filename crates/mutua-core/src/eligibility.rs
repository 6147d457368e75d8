//! The eligibility of a member over time, read as its convention says ([`EligibilityCheck`]): what is an error on
//! the day of joining, when a member whose population crosses a threshold leaves, and what is reported about it.
//!
//! This is the one place that says which days a membership is billed ([`Dataset::billed_range`]): validation (terms,
//! populations, activity, carried amounts) and the allocation read the same dates.

use std::collections::BTreeSet;

use chrono::{Datelike as _, NaiveDate};

use crate::convention::{Convention, Eligibility, EligibilityCheck, Membership};
use crate::dataset::Dataset;
use crate::party::{ConventionId, PartyId, PartyKind, Source};
use crate::period::DateRange;
use crate::population::{Millesime, PopulationBasis, PopulationFigure};

/// A population threshold a member no longer meets from a calendar year on, after it joined rightly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing {
    /// The first calendar year (after the year of joining) whose population in force is not below the threshold.
    pub year: i32,
    /// The population read for that year.
    pub population: PopulationFigure,
    /// The threshold it is not below.
    pub threshold: u64,
}

/// A member whose population crosses its convention's threshold after it joined: reported before the batch, never
/// an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityCrossing {
    /// The membership's record.
    pub source: Source,
    /// The convention.
    pub convention: ConventionId,
    /// The member.
    pub member: PartyId,
    /// How the convention reads its eligibility, which says what follows.
    pub check: EligibilityCheck,
    /// The year, population and threshold.
    pub crossing: Crossing,
    /// The last day the member is billed: under [`EligibilityCheck::EachYear`], 31 December before the crossing;
    /// otherwise the end of the membership (or of the convention's validity), `None` while open-ended.
    pub billed_until: Option<NaiveDate>,
}

/// What the eligibility rules of a convention say of one membership.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Reading {
    /// The population thresholds not met on the day of joining (errors), with the population read.
    pub(crate) at_joining: Vec<(PopulationFigure, u64)>,
    /// The millésimes the reading needs that the dataset has but not for this member (errors).
    pub(crate) missing: Vec<i32>,
    /// The first later year a threshold is not met, if any.
    pub(crate) crossing: Option<Crossing>,
}

/// The millésimes a dataset holds, to know which years its populations let one check.
pub(crate) fn millesimes(dataset: &Dataset) -> BTreeSet<i32> {
    dataset.populations.millesimes().into_iter().collect()
}

/// Reads the population thresholds of a membership's convention: at joining with the population in force that day
/// (when the dataset holds its millésime), then for each later calendar year of the membership whose millésime the
/// dataset holds. A fixed millésime is the same every year: it is only checked at joining. Rules other than
/// population thresholds (communes only) do not change over time and are checked by validation.
pub(crate) fn read(
    dataset: &Dataset,
    millesimes: &BTreeSet<i32>,
    convention: &Convention,
    membership: &Membership,
) -> Reading {
    let mut reading = Reading::default();
    let is_commune =
        dataset.parties.get(&membership.member).is_some_and(|party| party.kind == PartyKind::Commune);
    if !is_commune {
        return reading;
    }
    for rule in &convention.eligibility {
        match rule {
            Eligibility::PopulationBelow { threshold, population } => {
                read_threshold(
                    dataset,
                    millesimes,
                    convention,
                    membership,
                    *threshold,
                    *population,
                    &mut reading,
                );
            }
            Eligibility::CommunesOnly => {}
        }
    }
    reading
}

fn read_threshold(
    dataset: &Dataset,
    millesimes: &BTreeSet<i32>,
    convention: &Convention,
    membership: &Membership,
    threshold: u64,
    basis: PopulationBasis,
    reading: &mut Reading,
) {
    let populations = &dataset.populations;
    let figure = |millesime: i32| {
        populations.record(&membership.member, millesime).map(|record| PopulationFigure {
            inhabitants: record.get(basis.kind),
            kind: basis.kind,
            millesime,
        })
    };
    let joined = membership.range.start();
    let at_joining = match basis.millesime {
        Millesime::Fixed(millesime) => Some(millesime),
        Millesime::InForce => {
            let millesime = populations.in_force(joined);
            millesimes.contains(&millesime).then_some(millesime)
        }
    };
    if let Some(millesime) = at_joining {
        match figure(millesime) {
            None => reading.missing.push(millesime),
            Some(population) if population.inhabitants >= threshold => {
                reading.at_joining.push((population, threshold));
            }
            Some(_) => {}
        }
    }
    if basis.millesime != Millesime::InForce {
        return;
    }
    // The later years of the membership (an open membership lasts as long as the convention, and no longer than
    // the populations the dataset holds).
    let lag = populations.vintage_lag_years;
    let Some(last_known) = millesimes.last().map(|millesime| millesime + lag) else { return };
    let end = [membership.range.end(), convention.validity.end()].into_iter().flatten().min();
    let last_year = end.map_or(last_known, |end| end.year().min(last_known));
    for year in joined.year().saturating_add(1)..=last_year {
        let millesime = year - lag;
        if !millesimes.contains(&millesime) {
            continue;
        }
        match figure(millesime) {
            None => {
                // Without it, whether the member stays cannot be told; the other readings only report.
                if convention.eligibility_check == EligibilityCheck::EachYear {
                    reading.missing.push(millesime);
                }
            }
            Some(population) if population.inhabitants >= threshold => {
                if reading.crossing.is_none_or(|earlier| year < earlier.year) {
                    reading.crossing = Some(Crossing { year, population, threshold });
                }
                return;
            }
            Some(_) => {}
        }
    }
}

/// The days a membership is billed, given its convention's reading of eligibility.
fn billed(convention: Option<&Convention>, membership: &Membership, reading: &Reading) -> DateRange {
    let leaves =
        convention.filter(|c| c.eligibility_check == EligibilityCheck::EachYear).and(reading.crossing);
    let Some(crossing) = leaves else { return membership.range };
    // 31 December of the year before the crossing: never before joining, since a crossing is after that year.
    let Some(last) = NaiveDate::from_ymd_opt(crossing.year - 1, 12, 31) else { return membership.range };
    let end = membership.range.end().map_or(last, |end| end.min(last));
    DateRange::new(membership.range.start(), Some(end)).unwrap_or(membership.range)
}

impl Dataset {
    /// The days a membership is billed: its own range, except under a convention that checks its eligibility
    /// each year ([`EligibilityCheck::EachYear`]), where a member whose population crosses the threshold leaves on
    /// 1 January of that year (its range ends the day before). Validation and the allocation both read it.
    #[must_use]
    pub fn billed_range(&self, membership: &Membership) -> DateRange {
        let convention = self.conventions.get(&membership.convention);
        let Some(found) = convention else { return membership.range };
        billed(convention, membership, &read(self, &millesimes(self), found, membership))
    }

    /// [`Dataset::billed_range`] of every membership, in the order of [`Dataset::memberships`] (computed once).
    #[must_use]
    pub fn billed_ranges(&self) -> Vec<DateRange> {
        self.billed_ranges_with(&millesimes(self))
    }

    /// [`Dataset::billed_ranges`] with the index already built.
    pub(crate) fn billed_ranges_indexed(&self, index: &crate::index::DatasetIndex) -> Vec<DateRange> {
        self.billed_ranges_with(index.millesimes())
    }

    fn billed_ranges_with(&self, millesimes: &BTreeSet<i32>) -> Vec<DateRange> {
        self.memberships
            .iter()
            .map(|membership| match self.conventions.get(&membership.convention) {
                Some(convention) => {
                    billed(Some(convention), membership, &read(self, millesimes, convention, membership))
                }
                None => membership.range,
            })
            .collect()
    }

    /// The memberships of a convention with the days each is billed, in file order.
    pub fn billed_members_of<'a>(
        &'a self,
        convention: &'a ConventionId,
        billed_ranges: &'a [DateRange],
    ) -> impl Iterator<Item = (&'a Membership, DateRange)> + 'a {
        self.memberships
            .iter()
            .zip(billed_ranges)
            .filter(move |(membership, _)| &membership.convention == convention)
            .map(|(membership, range)| (membership, *range))
    }

    /// Every member whose population crosses its convention's threshold after it joined, in file order: what
    /// becomes of it depends on the convention's [`EligibilityCheck`] (it leaves, or stays).
    #[must_use]
    pub fn eligibility_crossings(&self) -> Vec<EligibilityCrossing> {
        let millesimes = millesimes(self);
        let mut crossings = Vec::new();
        for membership in &self.memberships {
            let Some(convention) = self.conventions.get(&membership.convention) else { continue };
            let reading = read(self, &millesimes, convention, membership);
            let Some(crossing) = reading.crossing else { continue };
            let range = billed(Some(convention), membership, &reading);
            let billed_until = match convention.eligibility_check {
                EligibilityCheck::EachYear => range.end(),
                EligibilityCheck::AtJoining | EligibilityCheck::UntilEnd => {
                    [range.end(), convention.validity.end()].into_iter().flatten().min()
                }
            };
            crossings.push(EligibilityCrossing {
                source: membership.source.clone(),
                convention: convention.id.clone(),
                member: membership.member.clone(),
                check: convention.eligibility_check,
                crossing,
                billed_until,
            });
        }
        crossings
    }
}
