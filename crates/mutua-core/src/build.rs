//! Builders for the model: see [`DatasetBuilder`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::activity::ActivityRecord;
use crate::convention::{
    Convention, Dispositif, EligibilityCheck, Flow, LegalVehicle, Membership, ProRata, Settlement, Terms,
    VatRegime,
};
use crate::dataset::{Dataset, DatasetMeta, Titre};
use crate::money::{Amount, Quantity, Rate, Ratio};
use crate::party::{
    Address, ConventionId, DispositifId, InseeCode, InvoicingRequirements, Party, PartyId, PartyKind,
    PartyNaming, Siren, Siret, Source,
};
use crate::period::{DateRange, Semester};
use crate::population::{Millesime, PopulationBasis, PopulationKind, PopulationRecord, PopulationTable};
use crate::rule::{
    ActivityBasis, Component, FlatFee, Key, PerInhabitant, PoolShare, PoolSource, Rule, UnitPrice,
};
use crate::unit_cost::{CostLine, UnitCostDerivation, UnitCostUpdate};
use crate::validate::{Problem, ValidationError};
use crate::validated::ValidatedDataset;
use crate::valuation::{Valuation, ValuationBasis};

/// Every problem of a dataset being built: the text that did not parse, then every rule validation found broken,
/// each naming its record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildErrors {
    /// The problems, in the order found.
    pub errors: Vec<ValidationError>,
}

impl fmt::Display for BuildErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildErrors {}

/// Collects what does not parse, at its record.
#[derive(Debug, Default)]
struct Errors(Vec<ValidationError>);

impl Errors {
    fn parse<T: FromStr>(&mut self, source: &Source, field: &str, text: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        match text.parse() {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(ValidationError {
                    source: source.clone(),
                    field: field.to_owned(),
                    problem: Problem::OutOfRange(format!("`{text}`: {error}")),
                });
                None
            }
        }
    }
}

/// A SIRET for a SIREN: its first establishment whose key is valid (`00010`–`00019`).
fn first_siret(siren: &Siren) -> Option<Siret> {
    (0..10).find_map(|digit| Siret::parse(&format!("{siren}0001{digit}")).ok())
}

/// Builders for the model, for a finance system that assembles a dataset in memory: every record with the
/// defaults a small dataset needs, identifiers and figures given as text (as a database or an export holds them)
/// and checked once, at [`DatasetBuilder::build`], which validates the whole and returns a [`ValidatedDataset`].
///
/// Each record built carries a [`Source::row`] (`parties[59005]`, `memberships[cep/59005]`), so that every error
/// names the record it is about.
///
/// ```
/// use chrono::NaiveDate;
/// use mutua_core::{ConventionBuilder, DatasetBuilder, Rule};
///
/// let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
/// let dataset = DatasetBuilder::new("Métropole de test", "2026-S1")
///     .metropole("MEL", "Métropole Européenne de Lille", "200093201")
///     .commune("59005", "Allennes-les-Marais", "215900051", 1523)
///     .commune("59009", "Villeneuve-d'Ascq", "215900093", 62_868)
///     .dispositif("cep", "Conseil en énergie partagé")
///     .convention(
///         ConventionBuilder::new("cep-2021", "cep", "MEL", day(1, 1))
///             .component("habitants", "Conseil en énergie partagé", Rule::per_inhabitant("1.20".parse()?)),
///     )
///     .member("cep-2021", "59005", day(1, 1), None)
///     .member("cep-2021", "59009", day(3, 15), None)
///     .build()?;
/// assert_eq!(dataset.memberships.len(), 2);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DatasetBuilder {
    dataset: Dataset,
    errors: Errors,
}

impl DatasetBuilder {
    /// An empty dataset named `name`, run by default on `semester` (`2026-S1`), with the titre threshold of
    /// D1611-1 (15 €) and millésimes in force three years after their census year.
    #[must_use]
    pub fn new(name: &str, semester: &str) -> DatasetBuilder {
        let source = Source::row("dataset", name);
        let mut errors = Errors::default();
        let current_semester = errors
            .parse(&source, "current_semester", semester)
            .unwrap_or_else(|| Semester::containing(NaiveDate::default()));
        DatasetBuilder {
            dataset: Dataset {
                meta: DatasetMeta {
                    name: name.to_owned(),
                    current_semester,
                    titre_threshold: Amount::from_cents(15_00),
                    series_start: BTreeMap::new(),
                    source,
                },
                parties: BTreeMap::new(),
                populations: PopulationTable::new(3),
                dispositifs: BTreeMap::new(),
                conventions: BTreeMap::new(),
                memberships: Vec::new(),
                activity: Vec::new(),
                fte_costs: Vec::new(),
                valuations: Vec::new(),
                unit_costs: Vec::new(),
                unit_cost_updates: Vec::new(),
                indices: Vec::new(),
                cee_deposits: Vec::new(),
                cee_operations: Vec::new(),
                carried: Vec::new(),
                titres: Vec::new(),
                attributions: Vec::new(),
            },
            errors,
        }
    }

    /// Adds a party as given.
    #[must_use]
    pub fn party(mut self, party: Party) -> DatasetBuilder {
        self.dataset.parties.insert(party.id.clone(), party);
        self
    }

    fn body(
        mut self,
        kind: PartyKind,
        id: &str,
        name: &str,
        siren: &str,
        insee: Option<&str>,
    ) -> DatasetBuilder {
        let source = Source::row("parties", id);
        let party_id = self.errors.parse::<PartyId>(&source, "id", id);
        let siren = self.errors.parse::<Siren>(&source, "siren", siren);
        let insee = insee.and_then(|code| self.errors.parse::<InseeCode>(&source, "insee", code));
        if let (Some(id), Some(siren)) = (party_id, siren) {
            let Some(siret) = first_siret(&siren) else { return self };
            self.dataset.parties.insert(
                id.clone(),
                Party {
                    id,
                    kind,
                    name: name.to_owned(),
                    siren,
                    siret,
                    insee,
                    territoire: None,
                    address: Address::default(),
                    invoicing: InvoicingRequirements::default(),
                    naming: PartyNaming::default(),
                    payment: crate::party::PaymentDetails::default(),
                    source,
                },
            );
        }
        self
    }

    /// Adds the métropole (or any EPCI) that provides the services: its id (`MEL`), name and SIREN. Its SIRET is
    /// its first establishment's.
    #[must_use]
    pub fn metropole(self, id: &str, name: &str, siren: &str) -> DatasetBuilder {
        self.body(PartyKind::Metropole, id, name, siren, None)
    }

    /// Adds a commune by its INSEE code (also its id), name and SIREN, with the same population municipale
    /// for the millésimes in force from 2024 to 2027 (population totale: 1 % more). Add others with
    /// [`DatasetBuilder::population`].
    #[must_use]
    pub fn commune(self, insee: &str, name: &str, siren: &str, population: u64) -> DatasetBuilder {
        let mut builder = self.body(PartyKind::Commune, insee, name, siren, Some(insee));
        for millesime in 2021..=2024 {
            builder = builder.population(insee, millesime, population, population + population / 100);
        }
        builder
    }

    /// Sets a commune's legal populations for a millésime.
    #[must_use]
    pub fn population(mut self, insee: &str, millesime: i32, municipale: u64, totale: u64) -> DatasetBuilder {
        let source = Source::row("populations", &format!("{insee}/{millesime}"));
        if let Some(party) = self.errors.parse::<PartyId>(&source, "insee", insee) {
            self.dataset.populations.insert(PopulationRecord {
                party,
                millesime,
                municipale,
                totale,
                source,
            });
        }
        self
    }

    /// Adds a dispositif (a shared service).
    #[must_use]
    pub fn dispositif(mut self, id: &str, name: &str) -> DatasetBuilder {
        let source = Source::row("dispositifs", id);
        if let Some(id) = self.errors.parse::<DispositifId>(&source, "id", id) {
            let dispositif = Dispositif {
                id: id.clone(),
                name: name.to_owned(),
                theme: String::new(),
                reference_fte: None,
                reference_members: None,
                source,
            };
            self.dataset.dispositifs.insert(id, dispositif);
        }
        self
    }

    /// Adds a convention.
    #[must_use]
    pub fn convention(mut self, builder: ConventionBuilder) -> DatasetBuilder {
        self.errors.0.extend(builder.errors.0);
        if let Some(convention) = builder.convention {
            self.dataset.conventions.insert(convention.id.clone(), convention);
        }
        self
    }

    /// Makes `member` a member of `convention` from `joined` (until `left`, included, if it left).
    #[must_use]
    pub fn member(
        mut self,
        convention: &str,
        member: &str,
        joined: NaiveDate,
        left: Option<NaiveDate>,
    ) -> DatasetBuilder {
        let source = Source::row("memberships", &format!("{convention}/{member}"));
        let convention = self.errors.parse::<ConventionId>(&source, "convention", convention);
        let member = self.errors.parse::<PartyId>(&source, "member", member);
        let range = match DateRange::new(joined, left) {
            Ok(range) => Some(range),
            Err(error) => {
                self.errors.0.push(ValidationError {
                    source: source.clone(),
                    field: "left".to_owned(),
                    problem: Problem::OutOfRange(error.to_string()),
                });
                None
            }
        };
        if let (Some(convention), Some(member), Some(range)) = (convention, member, range) {
            self.dataset.memberships.push(Membership { convention, member, range, source });
        }
        self
    }

    /// Records `quantity` units of `unit` of `activity` used by `member` under `convention` in `semester`.
    #[must_use]
    pub fn activity(
        mut self,
        convention: &str,
        member: &str,
        semester: &str,
        (activity, unit): (&str, &str),
        quantity: &str,
    ) -> DatasetBuilder {
        let source = Source::row("activity", &format!("{convention}/{member}/{semester}/{activity}/{unit}"));
        let convention = self.errors.parse::<ConventionId>(&source, "convention", convention);
        let member = self.errors.parse::<PartyId>(&source, "member", member);
        let semester = self.errors.parse::<Semester>(&source, "semester", semester);
        let quantity = self.errors.parse::<Quantity>(&source, "quantity", quantity);
        if let (Some(convention), Some(member), Some(semester), Some(quantity)) =
            (convention, member, semester, quantity)
        {
            self.dataset.activity.push(ActivityRecord {
                convention,
                member,
                semester,
                activity: activity.to_owned(),
                unit: unit.to_owned(),
                quantity,
                source,
            });
        }
        self
    }

    /// Adds a valuation of a dispositif's full cost for a year with no staff: `running_costs` over `units`.
    #[must_use]
    pub fn valuation(
        mut self,
        dispositif: &str,
        year: i32,
        basis: ValuationBasis,
        running_costs: &str,
        units: &str,
    ) -> DatasetBuilder {
        let source = Source::row("valuations", &format!("{dispositif}/{year}/{}", basis.as_str()));
        let id = self.errors.parse::<DispositifId>(&source, "dispositif", dispositif);
        let running_costs = self.errors.parse::<Amount>(&source, "running_costs", running_costs);
        let units = self.errors.parse::<Quantity>(&source, "units", units);
        if let (Some(dispositif), Some(running_costs), Some(units)) = (id, running_costs, units) {
            self.dataset.valuations.push(Valuation {
                dispositif,
                year,
                basis,
                fte: BTreeMap::new(),
                running_costs,
                depreciation: Amount::ZERO,
                subsidies: Amount::ZERO,
                units,
                document: format!("valorisation {} {year}", basis.as_str()),
                source,
            });
        }
        self
    }

    /// Derives the unit cost of `dispositif` for `year` under D5211-16 from its compte administratif of
    /// `compte_administratif` (an actual valuation), over `units` forecast units; add its foreseeable changes
    /// with [`DatasetBuilder::unit_cost_update`].
    #[must_use]
    pub fn unit_cost(
        mut self,
        dispositif: &str,
        year: i32,
        compte_administratif: i32,
        units: &str,
        document: &str,
    ) -> DatasetBuilder {
        let source = Source::row("unit_costs", &format!("{dispositif}/{year}"));
        let id = self.errors.parse::<DispositifId>(&source, "dispositif", dispositif);
        let units = self.errors.parse::<Quantity>(&source, "units", units);
        if let (Some(dispositif), Some(units)) = (id, units) {
            self.dataset.unit_costs.push(UnitCostDerivation {
                dispositif,
                year,
                compte_administratif,
                units,
                document: document.to_owned(),
                source,
            });
        }
        self
    }

    /// Adds a foreseeable change of `amount` (signed) to `line` of the D5211-16 unit cost of `dispositif` for
    /// `year`, with its reason.
    #[must_use]
    pub fn unit_cost_update(
        mut self,
        dispositif: &str,
        year: i32,
        line: CostLine,
        amount: &str,
        reason: &str,
    ) -> DatasetBuilder {
        let index = self.dataset.unit_cost_updates.len() + 1;
        let source = Source::row("unit_cost_updates", &format!("{dispositif}/{year}/{index}"));
        let id = self.errors.parse::<DispositifId>(&source, "dispositif", dispositif);
        let amount = self.errors.parse::<Amount>(&source, "amount", amount);
        if let (Some(dispositif), Some(amount)) = (id, amount) {
            self.dataset.unit_cost_updates.push(UnitCostUpdate {
                dispositif,
                year,
                line,
                amount,
                reason: reason.to_owned(),
                source,
            });
        }
        self
    }

    /// Adds a titre the finance system issued before mutua: `amount` billed by `issuer` to `debtor` for
    /// `component` of `convention` in `semester` (`2025-S1`).
    #[must_use]
    pub fn titre(
        mut self,
        number: &str,
        semester: &str,
        (issuer, debtor): (&str, &str),
        (convention, component): (&str, &str),
        amount: &str,
    ) -> DatasetBuilder {
        let source = Source::row("titres", number);
        let semester = self.errors.parse::<Semester>(&source, "semester", semester);
        let issuer = self.errors.parse::<PartyId>(&source, "issuer", issuer);
        let debtor = self.errors.parse::<PartyId>(&source, "debtor", debtor);
        let convention = self.errors.parse::<ConventionId>(&source, "convention", convention);
        let amount = self.errors.parse::<Amount>(&source, "amount", amount);
        if let (Some(semester), Some(issuer), Some(debtor), Some(convention), Some(amount)) =
            (semester, issuer, debtor, convention, amount)
        {
            self.dataset.titres.push(Titre {
                number: number.to_owned(),
                semester,
                issuer,
                debtor,
                convention,
                component: component.to_owned(),
                amount,
                source,
            });
        }
        self
    }

    /// Adds the attribution de compensation `payer` pays `commune` for `year` (`"120000.00"`), in `instalments`
    /// equal instalments (12: monthly).
    #[must_use]
    pub fn attribution(
        mut self,
        (payer, commune): (&str, &str),
        year: i32,
        amount: &str,
        instalments: u32,
    ) -> DatasetBuilder {
        let source = Source::row("attributions", &format!("{payer}/{commune}/{year}"));
        let payer = self.errors.parse::<PartyId>(&source, "payer", payer);
        let commune = self.errors.parse::<PartyId>(&source, "commune", commune);
        let amount = self.errors.parse::<Amount>(&source, "amount", amount);
        if let (Some(payer), Some(commune), Some(amount)) = (payer, commune, amount) {
            self.dataset.attributions.push(crate::attribution::AttributionCompensation {
                payer,
                commune,
                year,
                amount,
                instalments,
                reference: None,
                source,
            });
        }
        self
    }

    /// Changes anything else on the dataset before it is validated.
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut Dataset)) -> DatasetBuilder {
        change(&mut self.dataset);
        self
    }

    /// Validates the dataset.
    ///
    /// # Errors
    ///
    /// [`BuildErrors`]: every text that did not parse, or else every rule validation found broken.
    pub fn build(self) -> Result<ValidatedDataset, BuildErrors> {
        if !self.errors.0.is_empty() {
            return Err(BuildErrors { errors: self.errors.0 });
        }
        ValidatedDataset::new(self.dataset).map_err(|rejected| BuildErrors { errors: rejected.errors })
    }
}

/// Builds a [`Convention`]: by default a prestation de services billed by invoice, outside the scope of VAT, members
/// paying the provider, pro rata of the days of the semester, eligibility read each year, M57 accounts chosen by the relation (`docs/accounts.md`), open-ended, with one set of terms from its
/// first day to which [`ConventionBuilder::component`] adds.
#[derive(Debug)]
pub struct ConventionBuilder {
    convention: Option<Convention>,
    errors: Errors,
}

impl ConventionBuilder {
    /// A convention `id` organising `dispositif`, provided by `provider`, in force from `from`.
    #[must_use]
    pub fn new(id: &str, dispositif: &str, provider: &str, from: NaiveDate) -> ConventionBuilder {
        let source = Source::row("conventions", id);
        let mut errors = Errors::default();
        let convention_id = errors.parse::<ConventionId>(&source, "id", id);
        let dispositif = errors.parse::<DispositifId>(&source, "dispositif", dispositif);
        let provider = errors.parse::<PartyId>(&source, "provider", provider);
        let convention = match (convention_id, dispositif, provider) {
            (Some(id), Some(dispositif), Some(provider)) => Some(Convention {
                title: format!("Convention {id}"),
                reference: format!("Convention {id}"),
                terms: vec![Terms {
                    reference: format!("Convention {id}"),
                    from,
                    until: None,
                    components: Vec::new(),
                }],
                id,
                dispositif,
                vehicle: LegalVehicle::PrestationDeServices,
                provider,
                flow: Flow::MembersPayProvider,
                settlement: Settlement::Invoice,
                vat: VatRegime::OutOfScope,
                accounts: None,
                revenue_account: None,
                expense_account: None,
                validity: DateRange::from(from),
                pro_rata: ProRata::default(),
                eligibility: Vec::new(),
                eligibility_check: EligibilityCheck::default(),
                regularisation: None,
                payment_term_days: None,
                source,
            }),
            _ => None,
        };
        ConventionBuilder { convention, errors }
    }

    /// The reference printed on documents (deliberation number and date), for the convention and its first terms.
    #[must_use]
    pub fn reference(mut self, reference: &str) -> ConventionBuilder {
        if let Some(convention) = &mut self.convention {
            convention.reference = reference.to_owned();
            if let Some(first) = convention.terms.first_mut() {
                first.reference = reference.to_owned();
            }
        }
        self
    }

    /// Adds a component to the latest terms.
    #[must_use]
    pub fn component(mut self, id: &str, label: &str, rule: Rule) -> ConventionBuilder {
        if let Some(terms) = self.convention.as_mut().and_then(|c| c.terms.last_mut()) {
            terms.components.push(Component {
                id: id.to_owned(),
                label: label.to_owned(),
                rule,
                cap_per_year: None,
                floor_per_year: None,
                revision: None,
                pro_rata: None,
            });
        }
        self
    }

    /// The convention's day count (by default [`ProRata::DaysOfSemester`]).
    #[must_use]
    pub fn pro_rata(mut self, pro_rata: ProRata) -> ConventionBuilder {
        if let Some(convention) = &mut self.convention {
            convention.pro_rata = pro_rata;
        }
        self
    }

    /// A day count of its own for the component added last (others keep the convention's).
    #[must_use]
    pub fn component_pro_rata(mut self, pro_rata: ProRata) -> ConventionBuilder {
        if let Some(component) =
            self.convention.as_mut().and_then(|c| c.terms.last_mut()).and_then(|t| t.components.last_mut())
        {
            component.pro_rata = Some(pro_rata);
        }
        self
    }

    /// When the convention reads its eligibility rules (by default [`EligibilityCheck::EachYear`]).
    #[must_use]
    pub fn eligibility_check(mut self, check: EligibilityCheck) -> ConventionBuilder {
        if let Some(convention) = &mut self.convention {
            convention.eligibility_check = check;
        }
        self
    }

    /// Starts new terms (an amendment) from `from`, under `reference`; the components added next are theirs.
    #[must_use]
    pub fn amendment(mut self, reference: &str, from: NaiveDate) -> ConventionBuilder {
        if let Some(convention) = &mut self.convention {
            convention.terms.push(Terms {
                reference: reference.to_owned(),
                from,
                until: None,
                components: Vec::new(),
            });
        }
        self
    }

    /// The convention, for a source that assembles its own rows (it is validated with the dataset).
    ///
    /// # Errors
    ///
    /// [`BuildErrors`] when its id, dispositif or provider does not parse.
    pub fn build(self) -> Result<Convention, BuildErrors> {
        match self.convention {
            Some(convention) if self.errors.0.is_empty() => Ok(convention),
            _ => Err(BuildErrors { errors: self.errors.0 }),
        }
    }

    /// Changes anything else on the convention (flow, settlement, VAT, pro rata, eligibility, caps…).
    #[must_use]
    pub fn with(mut self, change: impl FnOnce(&mut Convention)) -> ConventionBuilder {
        if let Some(convention) = &mut self.convention {
            change(convention);
        }
        self
    }
}

/// The population municipale in force on the first day billed: the usual basis of a per-inhabitant tariff.
#[must_use]
pub fn municipale_in_force() -> PopulationBasis {
    PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::InForce }
}

impl Rule {
    /// `rate_per_year` euros per inhabitant (population municipale in force) per year.
    #[must_use]
    pub fn per_inhabitant(rate_per_year: Rate) -> Rule {
        Rule::PerInhabitant(PerInhabitant { rate_per_year, population: municipale_in_force() })
    }

    /// A flat fee per year.
    #[must_use]
    pub fn flat_fee(amount_per_year: Amount) -> Rule {
        Rule::FlatFee(FlatFee { amount_per_year })
    }

    /// A pool of a fixed amount per year split by `key`.
    #[must_use]
    pub fn fixed_pool(amount_per_year: Amount, key: Key) -> Rule {
        Rule::PoolShare(PoolShare { pool: PoolSource::Fixed { amount_per_year }, key })
    }

    /// A pool of the dispositif's whole full cost (from its valuation of the year) split by `key`.
    #[must_use]
    pub fn full_cost_pool(key: Key) -> Rule {
        Rule::PoolShare(PoolShare {
            pool: PoolSource::Valuation { share: Ratio::new(rust_decimal::Decimal::ONE) },
            key,
        })
    }

    /// `price` euros per unit of `activity`, counted in `unit_label`, each unit type in `units` weighing 1.
    #[must_use]
    pub fn unit_price(price: Rate, activity: &str, unit_label: &str, units: &[&str]) -> Rule {
        Rule::UnitPrice(UnitPrice {
            price,
            tiers: Vec::new(),
            basis: ActivityBasis {
                activity: activity.to_owned(),
                unit_label: unit_label.to_owned(),
                weights: units
                    .iter()
                    .map(|unit| ((*unit).to_owned(), Ratio::new(rust_decimal::Decimal::ONE)))
                    .collect(),
                labels: BTreeMap::new(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    #[test]
    fn what_does_not_parse_is_named_by_its_row_and_nothing_is_built() {
        let errors = DatasetBuilder::new("test", "2026-S3")
            .metropole("MEL", "Métropole", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900052", 1523)
            .member("cep", "59005", day(6, 30), Some(day(1, 1)))
            .build()
            .unwrap_err();
        let texts: Vec<String> = errors.errors.iter().map(ToString::to_string).collect();
        assert_eq!(texts.len(), 3, "{texts:#?}");
        assert!(texts[0].starts_with("dataset[test]: current_semester: `2026-S3`"), "{}", texts[0]);
        assert!(texts[1].starts_with("parties[59005]: siren: `215900052`"), "{}", texts[1]);
        assert!(texts[2].starts_with("memberships[cep/59005]: left: "), "{}", texts[2]);
    }

    #[test]
    fn the_rules_of_validate_apply_to_what_is_built() {
        let errors = DatasetBuilder::new("test", "2026-S1")
            .metropole("MEL", "Métropole", "200093201")
            .commune("59005", "Allennes-les-Marais", "215900051", 1523)
            .dispositif("cep", "Conseil en énergie partagé")
            .convention(ConventionBuilder::new("cep", "cep", "MEL", day(1, 1)).component(
                "habitants",
                "CEP",
                Rule::per_inhabitant("1.20".parse().unwrap()),
            ))
            .member("cep", "59999", day(1, 1), None)
            .build()
            .unwrap_err();
        assert_eq!(errors.errors.len(), 1, "{errors}");
        assert_eq!(errors.errors[0].source, Source::row("memberships", "cep/59999"));
        assert!(matches!(errors.errors[0].problem, Problem::UnknownParty(_)), "{errors}");
    }
}
