//! Dispositifs (shared services), their conventions, amendments and memberships.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::{Fte, Ratio};
use crate::party::{ConventionId, DispositifId, PartyId, Source};
use crate::period::{DateRange, Half, Period};
use crate::population::PopulationBasis;
use crate::rule::Component;

/// A dispositif: one shared service of the mutualisation scheme ("Conseil en Énergie Partagé").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispositif {
    /// Key (`cep`).
    pub id: DispositifId,
    /// Name printed on documents.
    pub name: String,
    /// Theme of the scheme ("Transition écologique").
    pub theme: String,
    /// FTE of the MEL on the dispositif in the seed's reference year (2021), for the valuation report.
    pub reference_fte: Option<Fte>,
    /// Member count in the seed's reference year, for comparison.
    pub reference_members: Option<u32>,
    /// Where the record came from.
    pub source: Source,
}

/// The legal vehicle of a dispositif (CGCT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegalVehicle {
    /// Service commun (L5211-4-2).
    ServiceCommun,
    /// Mise à disposition de services (L5211-4-1).
    MiseADisposition,
    /// Prestation de services.
    PrestationDeServices,
    /// Groupement de commandes.
    GroupementDeCommandes,
    /// Centrale d'achat.
    CentraleDAchat,
    /// Règlement de mise à disposition de bien partagé (L5211-4-3).
    BienPartage,
    /// A partnership or mandate convention (UGAP, CEE pooling).
    Convention,
}

impl LegalVehicle {
    /// The French name.
    #[must_use]
    pub fn label_fr(self) -> &'static str {
        match self {
            LegalVehicle::ServiceCommun => "service commun",
            LegalVehicle::MiseADisposition => "mise à disposition de services",
            LegalVehicle::PrestationDeServices => "prestation de services",
            LegalVehicle::GroupementDeCommandes => "groupement de commandes",
            LegalVehicle::CentraleDAchat => "centrale d'achat",
            LegalVehicle::BienPartage => "mise à disposition de bien partagé",
            LegalVehicle::Convention => "convention de partenariat",
        }
    }
}

/// Which way money flows between the provider and the members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The members pay the provider (the usual case).
    MembersPayProvider,
    /// The provider pays the members (housing files the MEL entrusts to communes; CEE revenue returned).
    ProviderPaysMembers,
    /// No money flows (UGAP partnership, groupements whose members pay suppliers): memberships only.
    None,
}

/// How amounts owed are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// An invoice (or a payment notice when the provider pays).
    Invoice,
    /// Imputation on the commune's attribution de compensation: a statement, not an invoice.
    AttributionCompensation,
}

/// The VAT regime of a dispositif.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "regime", rename_all = "snake_case", deny_unknown_fields)]
pub enum VatRegime {
    /// Outside the scope of VAT (article 256 B of the CGI): the usual case between public bodies.
    OutOfScope,
    /// A taxable service at a rate in percent.
    Taxable {
        /// Rate in percent (`20`).
        rate_percent: Ratio,
    },
}

/// The day count of a convention (or of one of its components): how a membership shorter than the year is
/// charged, as a fraction of an annual amount.
///
/// Every fraction is of the year, so that the two semesters of a full year add up to the annual amount (each
/// semester bills the rounded amount of the year up to its end less what the year's earlier semesters billed).
/// Written in the data as `days_of_year`, `days_of_semester` (also `days`, its earlier spelling),
/// `months_started`, `months_full` or `none`; the default is `days_of_semester`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProRata {
    /// Days of membership over the days of the calendar year (365, or 366 in a leap year): a day costs the same
    /// in both semesters. 15 March – 30 June 2024 is 108 / 366 of the year.
    DaysOfYear,
    /// Days of membership over the days of the semester, each semester being half a year: a day of S1 costs
    /// 1 / (2 × 181) of the year (1 / (2 × 182) in a leap year), a day of S2 1 / (2 × 184). The default.
    #[default]
    #[serde(alias = "days")]
    DaysOfSemester,
    /// Calendar months, every month started counting in full, over the 12 of the year ("tout mois commencé est
    /// dû").
    MonthsStarted,
    /// Calendar months, only complete months counting, over the 12 of the year.
    MonthsFull,
    /// No pro rata: any day of membership in a semester makes the whole semester (half the year) due.
    None,
}

impl ProRata {
    /// The spelling in the data (`days_of_year`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProRata::DaysOfYear => "days_of_year",
            ProRata::DaysOfSemester => "days_of_semester",
            ProRata::MonthsStarted => "months_started",
            ProRata::MonthsFull => "months_full",
            ProRata::None => "none",
        }
    }

    /// Whether it counts months (else days).
    #[must_use]
    pub fn counts_months(self) -> bool {
        match self {
            ProRata::MonthsStarted | ProRata::MonthsFull => true,
            ProRata::DaysOfYear | ProRata::DaysOfSemester | ProRata::None => false,
        }
    }
}

/// When a convention reads its eligibility rules (a population threshold): a member whose population later
/// crosses the threshold is never an error once it joined rightly; this says what becomes of it.
///
/// Written in the data as `each_year` (the default), `at_joining` or `until_end`. In every reading, the rules are
/// checked with the population in force on the day of joining (when the dataset has that millésime), and a
/// member that does not meet them then is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityCheck {
    /// Checked at joining, then for each calendar year with the population in force that year: a member that no
    /// longer meets the rules leaves the convention on 1 January of the first such year (it is not billed from
    /// then; pools are split among the others). The default.
    #[default]
    EachYear,
    /// Checked on the day of joining only: a later crossing changes nothing (it is reported, for information).
    AtJoining,
    /// Checked at joining; a member that later crosses stays a member, and is billed, until the convention's
    /// validity ends (it is reported before the batch).
    UntilEnd,
}

impl EligibilityCheck {
    /// The spelling in the data (`each_year`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EligibilityCheck::EachYear => "each_year",
            EligibilityCheck::AtJoining => "at_joining",
            EligibilityCheck::UntilEnd => "until_end",
        }
    }

    /// Whether it is the default (`each_year`), which a serialised convention leaves out.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == EligibilityCheck::default()
    }
}

/// When the regularisation of a year is billed, once its actual valuation is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegularisationPolicy {
    /// The half of the following year in which year N's regularisation is billed (`S1` once the compte
    /// administratif of N is voted, usually by June of N + 1).
    pub billed_in: RegularisationHalf,
}

/// The semester of year N + 1 that carries year N's regularisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegularisationHalf {
    /// January–June of N + 1.
    S1,
    /// July–December of N + 1.
    S2,
}

impl RegularisationHalf {
    /// As a [`Half`].
    #[must_use]
    pub fn half(self) -> Half {
        match self {
            RegularisationHalf::S1 => Half::S1,
            RegularisationHalf::S2 => Half::S2,
        }
    }
}

/// Who may join a convention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Eligibility {
    /// Only communes with fewer inhabitants than the threshold (CEP: 15,000; SIM ADS: 10,000).
    PopulationBelow {
        /// Strict upper bound.
        threshold: u64,
        /// Which population: read in force on the day of joining, then in each calendar year as the
        /// convention's [`EligibilityCheck`] says.
        population: PopulationBasis,
    },
    /// Only communes may join (not the MEL nor a syndicate).
    CommunesOnly,
}

/// A set of terms (the initial convention or an amendment, "avenant") in force from a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The reference of the act that set these terms ("Avenant n° 1 du 12/12/2025").
    pub reference: String,
    /// First day in force.
    #[serde(deserialize_with = "crate::period::strict_date::deserialize")]
    pub from: NaiveDate,
    /// Last day in force; `None` until the next terms or the end of the convention.
    #[serde(default, deserialize_with = "crate::period::strict_date::optional")]
    pub until: Option<NaiveDate>,
    /// The tariff components (none for a convention whose flow is `none`).
    #[serde(default)]
    pub components: Vec<Component>,
}

impl Terms {
    /// The days these terms state (`from` to `until`), or `None` when `until` is before `from` (refused by
    /// validation).
    #[must_use]
    pub fn range(&self) -> Option<DateRange> {
        DateRange::new(self.from, self.until).ok()
    }
}

/// A convention: the agreement that sets a dispositif's terms, between a provider and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Convention {
    /// Key (`cep-2021`).
    pub id: ConventionId,
    /// The dispositif it organises.
    pub dispositif: DispositifId,
    /// Title ("Convention de Conseil en Énergie Partagé").
    pub title: String,
    /// Reference printed on documents (deliberation number and date).
    pub reference: String,
    /// Legal vehicle.
    pub vehicle: LegalVehicle,
    /// The party that provides the service (the MEL, or the Ville de Lille for the underground quarries).
    pub provider: PartyId,
    /// Which way money flows.
    pub flow: Flow,
    /// Invoice, or imputation on the attribution de compensation.
    pub settlement: Settlement,
    /// VAT regime.
    pub vat: VatRegime,
    /// What decides the M57 accounts of its lines (`accounts`); `None` is the default of
    /// [`Convention::account_family`]. The relation between payee and payer chooses them (`docs/accounts.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<crate::accounts::AccountsRule>,
    /// The M57 revenue account the convention states, in the payee's books: used by [`AccountsRule::Stated`]
    /// and [`AccountsRule::Cee`]; where the relation decides, it must be the account the relation gives.
    ///
    /// [`AccountsRule::Stated`]: crate::accounts::AccountsRule::Stated
    /// [`AccountsRule::Cee`]: crate::accounts::AccountsRule::Cee
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_account: Option<String>,
    /// The M57 expense account the convention states, in the payer's books (as `revenue_account`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expense_account: Option<String>,
    /// Validity of the convention.
    pub validity: DateRange,
    /// The day count: how partial periods are charged (a component may state its own).
    #[serde(default)]
    pub pro_rata: ProRata,
    /// Who may join.
    pub eligibility: Vec<Eligibility>,
    /// When the eligibility rules are read: at joining only, each year, or at joining and kept until the end.
    #[serde(default, skip_serializing_if = "EligibilityCheck::is_default")]
    pub eligibility_check: EligibilityCheck,
    /// When the regularisation against the actual valuation is billed, for valuation-based rules.
    pub regularisation: Option<RegularisationPolicy>,
    /// The payment term the convention sets, in days from the issue date of an invoice; `None` is
    /// [`DEFAULT_PAYMENT_TERM_DAYS`] ([`Convention::payment_term_days`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_term_days: Option<u32>,
    /// The terms in force over time, ordered by start date.
    pub terms: Vec<Terms>,
    /// Where the convention was read from.
    pub source: Source,
}

/// The payment term of a convention that states none: 30 days from the issue date of the invoice.
pub const DEFAULT_PAYMENT_TERM_DAYS: u32 = 30;

/// The longest payment term a convention may state, in days (a year).
pub const MAX_PAYMENT_TERM_DAYS: u32 = 365;

impl Convention {
    /// The payment term in days from the issue date: the convention's own, or [`DEFAULT_PAYMENT_TERM_DAYS`].
    #[must_use]
    pub fn payment_term_days(&self) -> u32 {
        self.payment_term_days.unwrap_or(DEFAULT_PAYMENT_TERM_DAYS)
    }

    /// The terms in force on a day.
    #[must_use]
    pub fn terms_on(&self, date: NaiveDate) -> Option<&Terms> {
        self.terms_ranges().find(|(range, _)| range.contains(date)).map(|(_, terms)| terms)
    }

    /// Each set of terms with the days it is in force (an open-ended set stops the day before the next starts,
    /// and at the end of the convention's validity). Terms that end before they start (refused by validation) are
    /// in force on no day.
    pub fn terms_ranges(&self) -> impl Iterator<Item = (DateRange, &Terms)> {
        self.terms.iter().enumerate().filter_map(|(index, terms)| {
            let next_start = self.terms.get(index + 1).map(|next| next.from);
            let implicit_end = next_start.and_then(|start| start.pred_opt());
            let end = match (terms.until, implicit_end, self.validity.end()) {
                (Some(until), _, _) => Some(until),
                (None, Some(end), _) => Some(end),
                (None, None, validity_end) => validity_end,
            };
            DateRange::new(terms.from, end).ok().map(|range| (range, terms))
        })
    }

    /// The parts of a period each set of terms covers, in order.
    #[must_use]
    pub fn terms_in(&self, period: Period) -> Vec<(Period, &Terms)> {
        self.terms_ranges().filter_map(|(range, terms)| period.intersect(range).map(|p| (p, terms))).collect()
    }
}

/// A membership (adhésion) of a party to a convention, with its dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The convention joined.
    pub convention: ConventionId,
    /// The member.
    pub member: PartyId,
    /// First day of membership and, if it left, last day.
    pub range: DateRange,
    /// Where the record came from.
    pub source: Source,
}
