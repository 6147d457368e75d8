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

/// How a membership shorter than the period is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProRata {
    /// Exactly by days of membership over days of the period.
    Days,
    /// By calendar months, every month started counting in full.
    MonthsStarted,
    /// By calendar months, only complete months counting.
    MonthsFull,
    /// No pro rata: any day of membership in the period makes the whole period due.
    None,
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
        /// Which population, read in force on the day of joining and on each billed period.
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
    /// M57 account of the revenue in the provider's books (70875, 70845, 7588…).
    pub revenue_account: String,
    /// M57 account of the expense in the member's books (62876…).
    pub expense_account: String,
    /// Validity of the convention.
    pub validity: DateRange,
    /// How partial periods are charged.
    pub pro_rata: ProRata,
    /// Who may join.
    pub eligibility: Vec<Eligibility>,
    /// When the regularisation against the actual valuation is billed, for valuation-based rules.
    pub regularisation: Option<RegularisationPolicy>,
    /// The terms in force over time, ordered by start date.
    pub terms: Vec<Terms>,
    /// Where the convention was read from.
    pub source: Source,
}

impl Convention {
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
