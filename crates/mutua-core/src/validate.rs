//! Validation of a whole dataset: every rule a dataset must respect, every error reported with its location.
//!
//! [`validate`] never stops at the first problem: it returns all of them, each naming the file, the line and
//! the field, so that a finance officer can fix a dataset in one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::Decimal;

use crate::convention::{Convention, Eligibility, Flow};
use crate::dataset::Dataset;
use crate::index::DatasetIndex;
use crate::money::Ratio;
use crate::party::{PartyId, PartyKind, Source};
use crate::rule::{ActivityBasis, Key, PoolSource, Rule};

mod accounts;
mod attribution;
mod bounds;
mod consistency;
mod semester;
mod text;
mod unit_cost;

pub use semester::{SemesterCheck, validate_semester, validate_validated_semester};
pub use text::{PrintedText, forbidden_char, printed_texts};

/// The activity a rule counts, if it counts one.
fn activity_basis(rule: &Rule) -> Option<&ActivityBasis> {
    rule.activity_basis()
}

/// What is wrong, without where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A reference to a party the dataset does not have.
    #[error("unknown party `{0}` (not in parties.csv)")]
    UnknownParty(String),
    /// A reference to a dispositif the dataset does not have.
    #[error("unknown dispositif `{0}` (not in dispositifs.csv)")]
    UnknownDispositif(String),
    /// A reference to a convention the dataset does not have.
    #[error("unknown convention `{0}` (no such id in conventions/)")]
    UnknownConvention(String),
    /// A reference to a CEE deposit the dataset does not have.
    #[error("unknown CEE deposit `{0}` (not in cee_deposits.csv)")]
    UnknownDeposit(String),
    /// A membership starts before or ends after the convention's validity.
    #[error("membership {membership} is outside the validity of convention `{convention}` ({validity})")]
    MembershipOutsideValidity {
        /// The membership's range.
        membership: String,
        /// The convention.
        convention: String,
        /// Its validity.
        validity: String,
    },
    /// The same member is in a convention twice over the same days.
    #[error(
        "member `{member}` has overlapping memberships of `{convention}` (the other is at line {other_line})"
    )]
    OverlappingMembership {
        /// Member.
        member: String,
        /// Convention.
        convention: String,
        /// Line of the other membership.
        other_line: u32,
    },
    /// A member does not meet the convention's eligibility rule.
    #[error("`{member}` is not eligible to `{convention}`: {reason}")]
    Ineligible {
        /// Member.
        member: String,
        /// Convention.
        convention: String,
        /// Why.
        reason: String,
    },
    /// A population is missing for a commune member.
    #[error("no population of millésime {millesime} for commune `{member}` (needed by `{convention}`)")]
    MissingPopulation {
        /// Member.
        member: String,
        /// Millésime needed.
        millesime: i32,
        /// Convention.
        convention: String,
    },
    /// Two sets of terms are in force on the same days, or they are not in date order.
    #[error("terms from {from} overlap the terms from {other_from} (amendments must follow each other)")]
    OverlappingTerms {
        /// Start of this set.
        from: String,
        /// Start of the other set.
        other_from: String,
    },
    /// A set of terms starts before the convention or ends after it.
    #[error("terms from {from} are outside the convention's validity ({validity})")]
    TermsOutsideValidity {
        /// Start of the set.
        from: String,
        /// Validity.
        validity: String,
    },
    /// A convention has no terms at all, or terms without components.
    #[error("{0}")]
    MissingTerms(String),
    /// Population bands are not contiguous and ascending from 0 or 1.
    #[error("bands must be contiguous and ascending, starting at 0 or 1, the last one open: {0}")]
    BadBands(String),
    /// Fixed percentages do not add up to 100, or do not match the members.
    #[error("{0}")]
    BadPercentages(String),
    /// An activity record's unit type is not in the convention's weighting grid.
    #[error("unknown unit type `{unit}` for activity `{activity}` of `{convention}` (known: {known})")]
    UnknownUnit {
        /// The unit type found.
        unit: String,
        /// The activity.
        activity: String,
        /// The convention.
        convention: String,
        /// The unit types the grid has.
        known: String,
    },
    /// An activity record names an activity no rule of the convention counts.
    #[error("activity `{activity}` is not counted by any rule of `{convention}` (known: {known})")]
    UnknownActivity {
        /// The activity found.
        activity: String,
        /// The convention.
        convention: String,
        /// The activities its rules count.
        known: String,
    },
    /// Activity recorded for a party that was not a member during the semester.
    #[error("`{member}` was not a member of `{convention}` during {semester}")]
    ActivityOfNonMember {
        /// Party.
        member: String,
        /// Convention.
        convention: String,
        /// Semester.
        semester: String,
    },
    /// A quantity or amount that must not be negative is.
    #[error("must not be negative (got {0})")]
    Negative(String),
    /// A value that must be positive is zero or negative.
    #[error("must be positive (got {0})")]
    NotPositive(String),
    /// The same record appears twice.
    #[error("duplicate {what} (first at line {first_line})")]
    Duplicate {
        /// What is duplicated.
        what: String,
        /// Line of the first occurrence.
        first_line: u32,
    },
    /// A valuation needs a loaded FTE cost that is missing.
    #[error("no loaded FTE cost for category {category} in {year} (fte_costs.csv)")]
    MissingFteCost {
        /// Category.
        category: String,
        /// Year.
        year: i32,
    },
    /// A rule needs a valuation that is missing.
    #[error(
        "dispositif `{dispositif}` has no forecast valuation for {year}, needed by its valuation-based rules"
    )]
    MissingValuation {
        /// Dispositif.
        dispositif: String,
        /// Year.
        year: i32,
    },
    /// A D5211-16 unit cost names a compte administratif the dataset does not have.
    #[error(
        "aucun compte administratif {year} pour `{dispositif}` (une ligne `actual` de valuations.csv) : le coût \
         unitaire D5211-16 est constaté à partir de celui-ci"
    )]
    MissingComptAdministratif {
        /// Dispositif.
        dispositif: String,
        /// The year of the compte administratif.
        year: i32,
    },
    /// A dispositif has, for a year, both a D5211-16 unit cost and a free forecast valuation.
    #[error(
        "`{dispositif}` a pour {year} à la fois un coût unitaire D5211-16 et une valorisation prévisionnelle \
         libre ({other}) : le coût prévisionnel serait ambigu, gardez l'un ou l'autre"
    )]
    AmbiguousForecast {
        /// Dispositif.
        dispositif: String,
        /// Year.
        year: i32,
        /// Where the free forecast is.
        other: String,
    },
    /// An update of a D5211-16 unit cost that the dataset does not derive.
    #[error(
        "aucun coût unitaire D5211-16 de `{dispositif}` pour {year} dans unit_costs.csv : cette actualisation ne \
         s'applique à rien"
    )]
    UpdateWithoutUnitCost {
        /// Dispositif.
        dispositif: String,
        /// Year.
        year: i32,
    },
    /// An index revision refers to index values that are missing.
    #[error("index `{index}` has no value for {month} (indices.csv)")]
    MissingIndex {
        /// Index.
        index: String,
        /// Month.
        month: String,
    },
    /// A CEE deposit belongs to a convention without a CEE redistribution rule.
    #[error("convention `{0}` has no cee_redistribution component, so it cannot hold CEE deposits")]
    NotACeeConvention(String),
    /// A titre names a component that no terms of its convention have.
    #[error(
        "la convention `{convention}` n'a pas de composante `{component}` dans ses conditions (composantes : \
         {known}) : un titre porte sur une composante du tarif de sa convention"
    )]
    UnknownComponent {
        /// The component found.
        component: String,
        /// The convention.
        convention: String,
        /// The component ids its terms have.
        known: String,
    },
    /// A value is out of its allowed range.
    #[error("{0}")]
    OutOfRange(String),
}

/// One problem with a dataset, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// File and line.
    pub source: Source,
    /// The field (CSV column or TOML key path).
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    /// `file:line: field: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.field, self.problem)
    }
}

impl std::error::Error for ValidationError {}

struct Report<'a> {
    dataset: &'a Dataset,
    errors: Vec<ValidationError>,
    /// The lookups of the whole pass, built once.
    index: &'a DatasetIndex,
    /// The days each membership is billed ([`Dataset::billed_range`]), in the order of the memberships.
    billed: &'a [crate::period::DateRange],
}

/// A value that must not be negative.
trait Signed: fmt::Display {
    fn negative(&self) -> bool;
}

macro_rules! signed {
    ($($type:ty),*) => {$(
        impl Signed for $type {
            fn negative(&self) -> bool {
                self.is_negative()
            }
        }
    )*};
}
signed!(
    crate::money::Amount,
    crate::money::Rate,
    crate::money::Ratio,
    crate::money::Quantity,
    crate::money::Fte
);

impl<T: Signed> Signed for &T {
    fn negative(&self) -> bool {
        (*self).negative()
    }
}

impl<'a> Report<'a> {
    /// A report on a dataset, with nothing found yet.
    fn new(
        dataset: &'a Dataset,
        index: &'a DatasetIndex,
        billed: &'a [crate::period::DateRange],
    ) -> Report<'a> {
        Report { dataset, errors: Vec::new(), index, billed }
    }

    /// The memberships of a convention, in file order.
    fn members_of(
        &self,
        convention: &crate::party::ConventionId,
    ) -> impl Iterator<Item = &'a crate::convention::Membership> + 'a {
        self.index.members_of(self.dataset, convention)
    }

    /// The memberships of a convention with the days each is billed.
    fn billed_members_of(
        &self,
        convention: &crate::party::ConventionId,
    ) -> impl Iterator<Item = (&'a crate::convention::Membership, crate::period::DateRange)> + 'a {
        let (dataset, billed): (&'a Dataset, &'a [crate::period::DateRange]) = (self.dataset, self.billed);
        self.index
            .membership_positions(convention)
            .iter()
            .filter_map(move |&position| Some((dataset.memberships.get(position)?, *billed.get(position)?)))
    }

    /// Reports `value` at `field` if it is negative.
    fn non_negative(&mut self, source: &Source, field: impl Into<String>, value: impl Signed) {
        if value.negative() {
            self.push(source, field, Problem::Negative(value.to_string()));
        }
    }

    fn push(&mut self, source: &Source, field: impl Into<String>, problem: Problem) {
        self.errors.push(ValidationError { source: source.clone(), field: field.into(), problem });
    }

    /// Refuses a record issued by a party other than its convention's provider, who issues its documents.
    fn issued_by_provider(&mut self, source: &Source, issuer: &PartyId, convention: &Convention) {
        if issuer != &convention.provider {
            self.push(
                source,
                "issuer",
                Problem::OutOfRange(format!(
                    "`{issuer}` n'émet pas les documents de `{}`, c'est `{}`",
                    convention.id, convention.provider
                )),
            );
        }
    }

    fn party_exists(&mut self, source: &Source, field: &str, party: &PartyId) -> bool {
        let exists = self.dataset.parties.contains_key(party);
        if !exists {
            self.push(source, field, Problem::UnknownParty(party.to_string()));
        }
        exists
    }
}

/// Checks every rule a dataset must respect and returns every problem found, ordered by file and line.
#[must_use]
pub fn validate(dataset: &Dataset) -> Vec<ValidationError> {
    let index = DatasetIndex::new(dataset);
    let billed = dataset.billed_ranges_indexed(&index);
    validate_indexed(dataset, &index, &billed)
}

/// [`validate`] with the dataset's index and billed ranges already built (as [`crate::ValidatedDataset::new`]
/// keeps them).
pub(crate) fn validate_indexed(
    dataset: &Dataset,
    index: &DatasetIndex,
    billed: &[crate::period::DateRange],
) -> Vec<ValidationError> {
    let mut report = Report::new(dataset, index, billed);
    check_parties(&mut report);
    check_populations(&mut report);
    for convention in dataset.conventions.values() {
        check_convention(&mut report, convention);
    }
    check_memberships(&mut report);
    accounts::check_accounts(&mut report);
    check_activity(&mut report);
    check_valuations(&mut report);
    unit_cost::check_unit_costs(&mut report);
    unit_cost::check_unit_cost_bounds(&mut report);
    check_cee(&mut report);
    check_carried(&mut report);
    check_titres(&mut report);
    attribution::check_attributions(&mut report);
    text::check_texts(&mut report);
    bounds::check_bounds(&mut report);
    consistency::check_terms_cover_memberships(&mut report);
    consistency::check_double_billing(&mut report);
    consistency::check_cee_consistency(&mut report);
    consistency::check_population_needs(&mut report);
    consistency::check_figures(&mut report);
    let mut errors = report.errors;
    errors.sort_by(|a, b| {
        (&a.source.file, a.source.line, &a.field).cmp(&(&b.source.file, b.source.line, &b.field))
    });
    errors.dedup();
    errors
}

fn check_parties(report: &mut Report<'_>) {
    for party in report.dataset.parties.values() {
        if party.siret.siren_part() != party.siren.as_str() {
            report.push(
                &party.source,
                "siret",
                Problem::OutOfRange(format!(
                    "SIRET {} does not start with the SIREN {}",
                    party.siret, party.siren
                )),
            );
        }
        match (&party.insee, party.kind == PartyKind::Commune) {
            (None, true) => report.push(
                &party.source,
                "insee",
                Problem::OutOfRange("a commune needs its INSEE code".into()),
            ),
            (Some(insee), true) if insee.as_str() != party.id.as_str() => report.push(
                &party.source,
                "id",
                Problem::OutOfRange(format!("a commune's id must be its INSEE code `{insee}`")),
            ),
            (Some(_), false) => report.push(
                &party.source,
                "insee",
                Problem::OutOfRange(format!(
                    "only a commune has an INSEE code, and `{}` is a {}",
                    party.id,
                    party.kind.as_str()
                )),
            ),
            _ => {}
        }
        for (field, text) in
            [("legal_name", &party.naming.legal_name), ("usage_name", &party.naming.usage_name)]
        {
            if text.as_deref().is_some_and(|text| text.trim().is_empty()) {
                report.push(
                    &party.source,
                    field,
                    Problem::OutOfRange("an empty name (leave the cell out)".into()),
                );
            }
        }
        if party.naming.elision == Some(true) && !crate::party::may_elide(party.elided_word()) {
            report.push(
                &party.source,
                "elision",
                Problem::OutOfRange(format!(
                    "`yes` elides « de » only before a vowel or an h, and `{}` begins with neither",
                    party.elided_word()
                )),
            );
        }
        if party.invoicing.commitment_required && party.invoicing.commitment_number.is_none() {
            report.push(
                &party.source,
                "commitment_number",
                Problem::OutOfRange("the party requires a commitment number but none is given".into()),
            );
        }
    }
}

fn check_populations(report: &mut Report<'_>) {
    let dataset = report.dataset;
    for record in dataset.populations.records() {
        if let Some(party) = dataset.parties.get(&record.party) {
            if party.kind != PartyKind::Commune {
                report.push(
                    &record.source,
                    "insee",
                    Problem::OutOfRange(format!(
                        "`{}` is not a commune: only communes have populations",
                        record.party
                    )),
                );
            }
        } else {
            report.push(&record.source, "insee", Problem::UnknownParty(record.party.to_string()));
        }
        if record.totale < record.municipale {
            report.push(
                &record.source,
                "totale",
                Problem::OutOfRange(format!(
                    "population totale {} is below population municipale {}",
                    record.totale, record.municipale
                )),
            );
        }
    }
}

fn check_convention(report: &mut Report<'_>, convention: &Convention) {
    let dataset = report.dataset;
    let source = &convention.source;
    if !dataset.dispositifs.contains_key(&convention.dispositif) {
        report.push(source, "dispositif", Problem::UnknownDispositif(convention.dispositif.to_string()));
    }
    report.party_exists(source, "provider", &convention.provider);
    if convention.terms.is_empty() {
        report.push(
            source,
            "terms",
            Problem::MissingTerms("a convention needs at least one [[terms]]".into()),
        );
    }
    let mut previous: Option<(chrono::NaiveDate, Option<chrono::NaiveDate>)> = None;
    for (index, terms) in convention.terms.iter().enumerate() {
        let field = format!("terms[{index}]");
        if let Some(until) = terms.until
            && until < terms.from
        {
            report.push(
                source,
                format!("{field}.until"),
                Problem::OutOfRange(format!("terms end ({until}) before they start ({})", terms.from)),
            );
        }
        let open_inside = terms.until.is_none() && convention.validity.contains(terms.from);
        // Inverted terms are reported above; they cover no day.
        let inside = terms.range().is_none_or(|range| convention.validity.covers(range));
        if !(inside || open_inside) {
            report.push(
                source,
                format!("{field}.from"),
                Problem::TermsOutsideValidity {
                    from: terms.from.to_string(),
                    validity: convention.validity.to_string(),
                },
            );
        }
        if let Some((previous_from, previous_until)) = previous {
            let overlaps =
                terms.from <= previous_from || previous_until.is_some_and(|until| terms.from <= until);
            if overlaps {
                report.push(
                    source,
                    format!("{field}.from"),
                    Problem::OverlappingTerms {
                        from: terms.from.to_string(),
                        other_from: previous_from.to_string(),
                    },
                );
            }
        }
        previous = Some((terms.from, terms.until));
        // A convention through which no money flows (UGAP partnership) has terms but no components.
        if terms.components.is_empty() && convention.flow != Flow::None {
            report.push(
                source,
                format!("{field}.components"),
                Problem::MissingTerms("terms need at least one component".into()),
            );
        }
        let mut ids = BTreeSet::new();
        for (component_index, component) in terms.components.iter().enumerate() {
            let field = format!("{field}.components[{component_index}]");
            if !ids.insert(component.id.as_str()) {
                report.push(
                    source,
                    format!("{field}.id"),
                    Problem::Duplicate {
                        what: format!("component id `{}`", component.id),
                        first_line: source.line,
                    },
                );
            }
            for (name, value) in
                [("cap_per_year", component.cap_per_year), ("floor_per_year", component.floor_per_year)]
            {
                if let Some(value) = value {
                    report.non_negative(source, format!("{field}.{name}"), value);
                }
            }
            if let (Some(cap), Some(floor)) = (component.cap_per_year, component.floor_per_year)
                && floor > cap
            {
                report.push(
                    source,
                    format!("{field}.floor_per_year"),
                    Problem::OutOfRange(format!("floor {floor} is above cap {cap}")),
                );
            }
            if let Some(revision) = &component.revision {
                check_revision(report, source, &format!("{field}.revision"), revision);
            }
            check_rule(report, convention, &format!("{field}.rule"), &component.rule);
        }
    }
    if let Some(days) = convention.payment_term_days
        && !(1..=crate::convention::MAX_PAYMENT_TERM_DAYS).contains(&days)
    {
        report.push(
            source,
            "payment_term_days",
            Problem::OutOfRange(format!(
                "délai de paiement de {days} jours : il va de 1 à {} jours à compter de la date d'émission",
                crate::convention::MAX_PAYMENT_TERM_DAYS
            )),
        );
    }
    for (index, eligibility) in convention.eligibility.iter().enumerate() {
        if let Eligibility::PopulationBelow { threshold: 0, .. } = eligibility {
            report.push(source, format!("eligibility[{index}].threshold"), Problem::NotPositive("0".into()));
        }
    }
    if convention.flow == Flow::None && convention.terms.iter().any(|t| !t.components.is_empty()) {
        report.push(
            source,
            "flow",
            Problem::OutOfRange(
                "a convention with flow = \"none\" bills nothing: remove its components".into(),
            ),
        );
    }
}

fn check_revision(
    report: &mut Report<'_>,
    source: &Source,
    field: &str,
    revision: &crate::rule::IndexRevision,
) {
    let known = report.dataset.indices.iter().any(|v| v.index == revision.index && v.month == revision.base);
    if !known {
        report.push(
            source,
            format!("{field}.base"),
            Problem::MissingIndex { index: revision.index.clone(), month: revision.base.clone() },
        );
    }
    if revision.coefficient_decimals > 10 {
        report.push(
            source,
            format!("{field}.coefficient_decimals"),
            Problem::OutOfRange(format!("at most 10 decimals (got {})", revision.coefficient_decimals)),
        );
    }
}

fn check_activity_basis(report: &mut Report<'_>, source: &Source, field: &str, basis: &ActivityBasis) {
    if basis.weights.is_empty() {
        report.push(
            source,
            format!("{field}.weights"),
            Problem::OutOfRange("the weighting grid needs at least one unit type".into()),
        );
    }
    for (unit, weight) in &basis.weights {
        report.non_negative(source, format!("{field}.weights.{unit}"), weight);
    }
    for (unit, label) in &basis.labels {
        if !basis.weights.contains_key(unit) {
            let known: Vec<&str> = basis.weights.keys().map(String::as_str).collect();
            report.push(
                source,
                format!("{field}.labels.{unit}"),
                Problem::OutOfRange(format!(
                    "`{unit}` n'est pas une unité de la grille de pondération (unités : {}) : un libellé nomme une \
                     unité de `weights`",
                    known.join(", ")
                )),
            );
        }
        if label.trim().is_empty() {
            report.push(source, format!("{field}.labels.{unit}"), Problem::OutOfRange("libellé vide".into()));
        }
    }
}

fn check_rule(report: &mut Report<'_>, convention: &Convention, field: &str, rule: &Rule) {
    let source = &convention.source;
    match rule {
        Rule::PerInhabitant(rule) => {
            report.non_negative(source, format!("{field}.rate_per_year"), rule.rate_per_year);
        }
        Rule::PopulationBands(rule) => {
            let mut expected_from: Option<u64> = None;
            let count = rule.bands.len();
            for (index, band) in rule.bands.iter().enumerate() {
                let band_field = format!("{field}.bands[{index}]");
                let start_ok = match expected_from {
                    None => band.from <= 1,
                    Some(expected) => band.from == expected,
                };
                let last = index + 1 == count;
                let end_ok = match band.to {
                    None => last,
                    Some(to) => to >= band.from && !last,
                };
                if !start_ok || !end_ok {
                    report.push(
                        source,
                        band_field.clone(),
                        Problem::BadBands(format!(
                            "band {} – {}",
                            band.from,
                            band.to.map_or("∞".to_owned(), |t| t.to_string())
                        )),
                    );
                }
                report.non_negative(source, format!("{band_field}.value"), band.value);
                expected_from = band.to.map(|to| to + 1);
            }
            if count == 0 {
                report.push(source, format!("{field}.bands"), Problem::BadBands("no band".into()));
            }
        }
        Rule::UnitPrice(rule) => {
            check_activity_basis(report, source, &format!("{field}.basis"), &rule.basis);
            report.non_negative(source, format!("{field}.price"), rule.price);
            let mut previous = Decimal::ZERO;
            for (index, tier) in rule.tiers.iter().enumerate() {
                if tier.from.value() <= previous || tier.price.is_negative() {
                    report.push(
                        source,
                        format!("{field}.tiers[{index}]"),
                        Problem::OutOfRange(
                            "tiers need ascending positive `from` and non-negative prices".into(),
                        ),
                    );
                }
                previous = tier.from.value();
            }
        }
        Rule::FlatFee(rule) => {
            report.non_negative(source, format!("{field}.amount_per_year"), rule.amount_per_year);
        }
        Rule::PoolShare(rule) => {
            match &rule.pool {
                PoolSource::Fixed { amount_per_year } => {
                    report.non_negative(source, format!("{field}.pool.amount_per_year"), amount_per_year);
                }
                PoolSource::Valuation { share } => {
                    if share.is_negative() || share.value() > Decimal::ONE {
                        report.push(
                            source,
                            format!("{field}.pool.share"),
                            Problem::OutOfRange(format!("share must be between 0 and 1 (got {share})")),
                        );
                    }
                }
            }
            match &rule.key {
                Key::Activity(basis) => check_activity_basis(report, source, &format!("{field}.key"), basis),
                Key::FixedPercentages { shares, .. } => {
                    check_percentages(report, convention, &format!("{field}.key.shares"), shares)
                }
                Key::Population { .. } | Key::Equal => {}
            }
        }
        Rule::UnitCost(rule) => check_activity_basis(report, source, &format!("{field}.basis"), &rule.basis),
        Rule::CeeRedistribution(rule) => {
            let fee = rule.management_fee_percent.value();
            if fee.is_sign_negative() || fee > Decimal::ONE_HUNDRED {
                report.push(
                    source,
                    format!("{field}.management_fee_percent"),
                    Problem::OutOfRange(format!("a fee is between 0 and 100 percent (got {fee})")),
                );
            }
        }
    }
}

fn check_percentages(
    report: &mut Report<'_>,
    convention: &Convention,
    field: &str,
    shares: &BTreeMap<PartyId, Ratio>,
) {
    let source = &convention.source;
    for (party, share) in shares {
        if report.party_exists(source, &format!("{field}.{party}"), party)
            && !report.members_of(&convention.id).any(|m| &m.member == party)
        {
            report.push(
                source,
                format!("{field}.{party}"),
                Problem::BadPercentages(format!(
                    "`{party}` n'est pas membre de `{}` : une part fixe ne va qu'à un membre",
                    convention.id
                )),
            );
        }
        report.non_negative(source, format!("{field}.{party}"), share);
    }
    // Each share is bounded (0 to 100), so the sum cannot overflow; checked anyway.
    match consistency::percentages_total(shares.values().map(|share| share.value())) {
        Some(total) if total == Decimal::ONE_HUNDRED => {}
        Some(total) => report.push(
            source,
            field,
            Problem::BadPercentages(format!("fixed percentages add up to {total}, not 100")),
        ),
        None => report.push(
            source,
            field,
            Problem::BadPercentages("fixed percentages add up to more than any amount".into()),
        ),
    }
    for membership in report.members_of(&convention.id) {
        if !shares.contains_key(&membership.member) {
            let problem = Problem::BadPercentages(format!(
                "member `{}` of `{}` has no fixed percentage",
                membership.member, convention.id
            ));
            report.errors.push(ValidationError {
                source: membership.source.clone(),
                field: "member".into(),
                problem,
            });
        }
    }
}

fn check_memberships(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut seen: BTreeMap<(&crate::party::ConventionId, &PartyId), Vec<&crate::convention::Membership>> =
        BTreeMap::new();
    for membership in &dataset.memberships {
        let source = &membership.source;
        let member_known = report.party_exists(source, "member", &membership.member);
        let Some(convention) = dataset.conventions.get(&membership.convention) else {
            report.push(source, "convention", Problem::UnknownConvention(membership.convention.to_string()));
            continue;
        };
        // A membership without a leaving date lasts as long as the convention: only its start must be inside.
        let inside = match membership.range.end() {
            Some(_) => convention.validity.covers(membership.range),
            None => convention.validity.contains(membership.range.start()),
        };
        if !inside {
            // Name the end that falls outside: joining too early, or leaving (or staying) too late.
            let field =
                if membership.range.start() < convention.validity.start() { "joined" } else { "left" };
            report.push(
                source,
                field,
                Problem::MembershipOutsideValidity {
                    membership: membership.range.to_string(),
                    convention: convention.id.to_string(),
                    validity: convention.validity.to_string(),
                },
            );
        }
        let others = seen.entry((&membership.convention, &membership.member)).or_default();
        if let Some(other) = others.iter().find(|other| other.range.overlaps(membership.range)) {
            report.push(
                source,
                "joined",
                Problem::OverlappingMembership {
                    member: membership.member.to_string(),
                    convention: convention.id.to_string(),
                    other_line: other.source.line,
                },
            );
        }
        others.push(membership);
        if member_known {
            check_eligibility(report, convention, membership);
        }
    }
}

fn check_eligibility(
    report: &mut Report<'_>,
    convention: &Convention,
    membership: &crate::convention::Membership,
) {
    let dataset = report.dataset;
    let Some(party) = dataset.parties.get(&membership.member) else { return };
    for rule in &convention.eligibility {
        match rule {
            Eligibility::CommunesOnly => {
                if party.kind != PartyKind::Commune {
                    report.push(
                        &membership.source,
                        "member",
                        Problem::Ineligible {
                            member: membership.member.to_string(),
                            convention: convention.id.to_string(),
                            reason: format!(
                                "only communes may join, and `{}` is a {}",
                                party.id,
                                party.kind.as_str()
                            ),
                        },
                    );
                }
            }
            // Read below, with the convention's reading over time.
            Eligibility::PopulationBelow { .. } => {}
        }
    }
    check_population_thresholds(report, convention, membership);
}

/// A member must be under each population threshold on the day of joining (with the millésime in force that day,
/// when the dataset has it); later years are read as the convention says ([`crate::EligibilityCheck`]): a crossing
/// is never an error (it is a warning), but under `each_year` a population missing for a later year is one, since
/// whether the member stays cannot be told without it.
fn check_population_thresholds(
    report: &mut Report<'_>,
    convention: &Convention,
    membership: &crate::convention::Membership,
) {
    let reading = crate::eligibility::read(report.dataset, report.index.millesimes(), convention, membership);
    for millesime in reading.missing {
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
    for (population, threshold) in reading.at_joining {
        report.push(
            &membership.source,
            "member",
            Problem::Ineligible {
                member: membership.member.to_string(),
                convention: convention.id.to_string(),
                reason: format!(
                    "{} {} (millésime {}) is not below the threshold of {threshold}",
                    population.inhabitants,
                    population.kind.label_fr(),
                    population.millesime
                ),
            },
        );
    }
}

fn activity_grids(convention: &Convention) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut grids: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for terms in &convention.terms {
        for component in &terms.components {
            if let Some(basis) = component.rule.activity_basis() {
                grids
                    .entry(basis.activity.as_str())
                    .or_default()
                    .extend(basis.weights.keys().map(String::as_str));
            }
        }
    }
    grids
}

fn check_activity(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut seen: BTreeMap<(&str, &str, crate::period::Semester, &str, &str), u32> = BTreeMap::new();
    for record in &dataset.activity {
        let source = &record.source;
        report.non_negative(source, "quantity", record.quantity);
        let key = (
            record.convention.as_str(),
            record.member.as_str(),
            record.semester,
            record.activity.as_str(),
            record.unit.as_str(),
        );
        if let Some(first_line) = seen.insert(key, source.line) {
            report.push(
                source,
                "unit",
                Problem::Duplicate {
                    what: "activity record for the same convention, member, semester, activity and unit"
                        .into(),
                    first_line,
                },
            );
        }
        let member_known = report.party_exists(source, "member", &record.member);
        let Some(convention) = dataset.conventions.get(&record.convention) else {
            report.push(source, "convention", Problem::UnknownConvention(record.convention.to_string()));
            continue;
        };
        let grids = activity_grids(convention);
        match grids.get(record.activity.as_str()) {
            None => report.push(
                source,
                "activity",
                Problem::UnknownActivity {
                    activity: record.activity.clone(),
                    convention: convention.id.to_string(),
                    known: grids.keys().copied().collect::<Vec<_>>().join(", "),
                },
            ),
            Some(units) if !units.contains(record.unit.as_str()) => report.push(
                source,
                "unit",
                Problem::UnknownUnit {
                    unit: record.unit.clone(),
                    activity: record.activity.clone(),
                    convention: convention.id.to_string(),
                    known: units.iter().copied().collect::<Vec<_>>().join(", "),
                },
            ),
            Some(_) => {}
        }
        if member_known {
            let period = record.semester.period();
            // A member that left its convention's eligibility (billed no longer) but whose membership runs on:
            // its activity is left aside with a warning ([`crate::Warning::ActivityNotBilled`]), not refused.
            let member_then = report
                .index
                .memberships_of(dataset, &record.convention, &record.member)
                .any(|(_, m)| period.intersect(m.range).is_some());
            if !member_then {
                report.push(
                    source,
                    "member",
                    Problem::ActivityOfNonMember {
                        member: record.member.to_string(),
                        convention: convention.id.to_string(),
                        semester: record.semester.to_string(),
                    },
                );
            }
        }
    }
}

fn check_valuations(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut fte_seen = BTreeMap::new();
    for cost in &dataset.fte_costs {
        if let Some(first_line) = fte_seen.insert((cost.year, cost.category), cost.source.line) {
            report.push(
                &cost.source,
                "category",
                Problem::Duplicate {
                    what: format!("loaded cost for {} {}", cost.category, cost.year),
                    first_line,
                },
            );
        }
        if !cost.loaded_cost_per_year.is_positive() {
            report.push(
                &cost.source,
                "loaded_cost",
                Problem::NotPositive(cost.loaded_cost_per_year.to_string()),
            );
        }
    }
    let mut seen = BTreeMap::new();
    for valuation in &dataset.valuations {
        let source = &valuation.source;
        if !dataset.dispositifs.contains_key(&valuation.dispositif) {
            report.push(source, "dispositif", Problem::UnknownDispositif(valuation.dispositif.to_string()));
        }
        if let Some(first_line) =
            seen.insert((&valuation.dispositif, valuation.year, valuation.basis), source.line)
        {
            report.push(
                source,
                "basis",
                Problem::Duplicate {
                    what: format!(
                        "{} valuation of `{}` for {}",
                        valuation.basis.as_str(),
                        valuation.dispositif,
                        valuation.year
                    ),
                    first_line,
                },
            );
        }
        for (category, fte) in &valuation.fte {
            report.non_negative(source, format!("fte_{}", category.to_string().to_lowercase()), fte);
            if !fte.is_zero()
                && !dataset.fte_costs.iter().any(|c| c.year == valuation.year && c.category == *category)
            {
                report.push(
                    source,
                    format!("fte_{}", category.to_string().to_lowercase()),
                    Problem::MissingFteCost { category: category.to_string(), year: valuation.year },
                );
            }
        }
        for (field, value) in [
            ("running_costs", valuation.running_costs),
            ("depreciation", valuation.depreciation),
            ("subsidies", valuation.subsidies),
        ] {
            report.non_negative(source, field, value);
        }
        if valuation.units.is_negative() || valuation.units.is_zero() {
            report.push(source, "units", Problem::NotPositive(valuation.units.to_string()));
        }
    }
    // Every convention whose rules rest on the valuation needs a forecast for each year it bills.
    let years = dataset.years_covered();
    for convention in dataset.conventions.values() {
        let uses_valuation = convention.terms.iter().flat_map(|t| &t.components).any(|c| {
            matches!(
                &c.rule,
                Rule::UnitCost(_)
                    | Rule::PoolShare(crate::rule::PoolShare { pool: PoolSource::Valuation { .. }, .. })
            )
        });
        if !uses_valuation {
            continue;
        }
        for &year in &years {
            let billed = report.index.has_activity_in(&convention.id, year)
                || report.billed_members_of(&convention.id).any(|(_, range)| {
                    crate::period::Period::year(year).is_ok_and(|p| p.intersect(range).is_some())
                });
            if billed && !report.index.has_forecast(&convention.dispositif, year) {
                report.push(
                    &convention.source,
                    "dispositif",
                    Problem::MissingValuation { dispositif: convention.dispositif.to_string(), year },
                );
            }
        }
    }
}

fn check_cee(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut deposits = BTreeMap::new();
    for deposit in &dataset.cee_deposits {
        let source = &deposit.source;
        if let Some(first_line) = deposits.insert(deposit.id.as_str(), source.line) {
            report.push(
                source,
                "id",
                Problem::Duplicate { what: format!("deposit `{}`", deposit.id), first_line },
            );
        }
        match dataset.conventions.get(&deposit.convention) {
            None => {
                report.push(source, "convention", Problem::UnknownConvention(deposit.convention.to_string()))
            }
            Some(convention) => {
                let has_rule = convention
                    .terms
                    .iter()
                    .flat_map(|t| &t.components)
                    .any(|c| matches!(c.rule, Rule::CeeRedistribution(_)));
                if !has_rule {
                    report.push(source, "convention", Problem::NotACeeConvention(convention.id.to_string()));
                }
            }
        }
        for (field, price) in [
            ("price_classique", deposit.price_classique_per_mwh),
            ("price_precarite", deposit.price_precarite_per_mwh),
        ] {
            report.non_negative(source, field, price);
        }
    }
    for operation in &dataset.cee_operations {
        let source = &operation.source;
        if !deposits.contains_key(operation.deposit.as_str()) {
            report.push(source, "deposit", Problem::UnknownDeposit(operation.deposit.clone()));
        }
        report.party_exists(source, "beneficiary", &operation.beneficiary);
        report.non_negative(source, "kwh_cumac", operation.kwh_cumac);
    }
}

fn check_carried(report: &mut Report<'_>) {
    let dataset = report.dataset;
    for carried in &dataset.carried {
        let source = &carried.source;
        report.party_exists(source, "issuer", &carried.issuer);
        report.party_exists(source, "debtor", &carried.debtor);
        if !dataset.conventions.contains_key(&carried.convention) {
            report.push(source, "convention", Problem::UnknownConvention(carried.convention.to_string()));
        }
        if carried.origin > carried.semester {
            report.push(
                source,
                "origin",
                Problem::OutOfRange(format!(
                    "semestre d'origine {} après le semestre {} qui a reporté le montant",
                    carried.origin, carried.semester
                )),
            );
        }
    }
}

/// The titres de recettes the finance system issued before mutua (`titres.csv`): each names known parties, a
/// known convention and one of its components, is issued by the convention's provider, and has a number; a
/// titre line (number, convention, component) appears once. Whether its semester is a past one depends on the
/// semester run ([`validate_semester`]).
fn check_titres(report: &mut Report<'_>) {
    let dataset = report.dataset;
    let mut seen = BTreeMap::new();
    for titre in &dataset.titres {
        let source = &titre.source;
        if titre.number.trim().is_empty() {
            report.push(
                source,
                "number",
                Problem::OutOfRange("numéro de titre vide : un titre est repris avec son numéro".into()),
            );
        } else if let Some(first_line) =
            seen.insert((titre.number.as_str(), &titre.convention, titre.component.as_str()), source.line)
        {
            report.push(
                source,
                "number",
                Problem::Duplicate {
                    what: format!(
                        "ligne du titre `{}` (même numéro, convention `{}` et composante `{}`)",
                        titre.number, titre.convention, titre.component
                    ),
                    first_line,
                },
            );
        }
        let issuer_known = report.party_exists(source, "issuer", &titre.issuer);
        report.party_exists(source, "debtor", &titre.debtor);
        let Some(convention) = dataset.conventions.get(&titre.convention) else {
            report.push(source, "convention", Problem::UnknownConvention(titre.convention.to_string()));
            continue;
        };
        let known: BTreeSet<&str> =
            convention.terms.iter().flat_map(|t| &t.components).map(|c| c.id.as_str()).collect();
        if !known.contains(titre.component.as_str()) {
            report.push(
                source,
                "component",
                Problem::UnknownComponent {
                    component: titre.component.clone(),
                    convention: convention.id.to_string(),
                    known: if known.is_empty() {
                        "aucune".into()
                    } else {
                        known.into_iter().collect::<Vec<_>>().join(", ")
                    },
                },
            );
        }
        if issuer_known {
            report.issued_by_provider(source, &titre.issuer, convention);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::build::{ConventionBuilder, DatasetBuilder};
    use crate::rule::Rule;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// A convention `cep` of the MEL with two members, component `hab` from 2024 and `forfait` added by an
    /// amendment of 2025.
    fn base() -> DatasetBuilder {
        DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole Européenne de Lille", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .commune("59009", "Villeneuve-d'Ascq", "215900093", 62_868)
            .dispositif("cep", "Conseil en énergie partagé")
            .convention(
                ConventionBuilder::new("cep", "cep", "MEL", day(2024, 1, 1))
                    .component("hab", "CEP", Rule::per_inhabitant("1.20".parse().unwrap()))
                    .amendment("Avenant 1", day(2025, 1, 1))
                    .component("hab", "CEP", Rule::per_inhabitant("1.30".parse().unwrap()))
                    .component("forfait", "Forfait", Rule::flat_fee("100.00".parse().unwrap())),
            )
            .member("cep", "59005", day(2024, 1, 1), None)
            .member("cep", "59009", day(2024, 1, 1), None)
    }

    fn errors(builder: DatasetBuilder) -> Vec<String> {
        match builder.build() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.errors.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn titres_validation_table() {
        let titre = |builder: DatasetBuilder, number: &str, parties, component: &str, amount: &str| {
            builder.titre(number, "2025-S1", parties, ("cep", component), amount)
        };
        let mel = ("MEL", "59005");
        let cases: Vec<(&str, DatasetBuilder, &[&str])> = vec![
            (
                "two lines of a titre, a credit and a titre of the other member",
                titre(
                    titre(titre(base(), "T-1", mel, "hab", "1827.60"), "T-1", mel, "forfait", "50.00"),
                    "T-2",
                    ("MEL", "59009"),
                    "hab",
                    "-12.40",
                ),
                &[],
            ),
            (
                "an unknown issuer, refused once",
                titre(base(), "T-1", ("SIVOM", "59005"), "hab", "10.00"),
                &["titres[T-1]: issuer: unknown party `SIVOM` (not in parties.csv)"],
            ),
            (
                "an unknown debtor",
                titre(base(), "T-1", ("MEL", "59999"), "hab", "10.00"),
                &["titres[T-1]: debtor: unknown party `59999` (not in parties.csv)"],
            ),
            (
                "an unknown convention",
                base().titre("T-1", "2025-S1", mel, ("ads", "hab"), "10.00"),
                &["titres[T-1]: convention: unknown convention `ads` (no such id in conventions/)"],
            ),
            (
                "a component of no terms of the convention",
                titre(base(), "T-1", mel, "instruction", "10.00"),
                &[
                    "titres[T-1]: component: la convention `cep` n'a pas de composante `instruction` dans ses \
                     conditions (composantes : forfait, hab) : un titre porte sur une composante du tarif de sa \
                     convention",
                ],
            ),
            (
                "an issuer other than the provider",
                titre(base(), "T-1", ("59009", "59005"), "hab", "10.00"),
                &["titres[T-1]: issuer: `59009` n'émet pas les documents de `cep`, c'est `MEL`"],
            ),
            (
                "no number",
                titre(base(), " ", mel, "hab", "10.00"),
                &["titres[ ]: number: numéro de titre vide : un titre est repris avec son numéro"],
            ),
            (
                "a titre line twice",
                titre(titre(base(), "T-1", mel, "hab", "10.00"), "T-1", mel, "hab", "20.00"),
                &["titres[T-1]: number: duplicate ligne du titre `T-1` (même numéro, convention `cep` et \
                     composante `hab`) (first at line 0)"],
            ),
            (
                "an amount beyond the limit",
                titre(base(), "T-1", mel, "hab", "-1000000000000.01"),
                &[
                    "titres[T-1]: amount: -1000000000000.01 dépasse la limite de 1000000000000 pour un montant",
                ],
            ),
            (
                "a number with a control character",
                titre(base(), "T\t1", mel, "hab", "10.00"),
                &[
                    "titres[T\t1]: number: contient le caractère interdit U+0009 (caractère de contrôle ou de mise \
                     en forme bidirectionnelle)",
                ],
            ),
        ];
        for (case, builder, expected) in cases {
            assert_eq!(errors(builder), expected, "{case}");
        }
        // A component's text is checked too (it is then no component of the convention either).
        let long = "x".repeat(301);
        let found = errors(titre(base(), "T-1", mel, &long, "10.00"));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("titres[T-1]: component: la convention `cep` n'a pas de composante"));
        assert_eq!(found[1], "titres[T-1]: component: 301 caractères, plus que les 300 admis");
    }
}
