//! A small dataset built in code, for hand-computed allocation tests.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mutua_core::*;

pub fn d(text: &str) -> chrono::NaiveDate {
    parse_date(text).unwrap()
}

pub fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

pub fn rate(text: &str) -> Rate {
    Rate::parse(text).unwrap()
}

pub fn pid(text: &str) -> PartyId {
    PartyId::parse(text).unwrap()
}

pub fn s(text: &str) -> Semester {
    text.parse().unwrap()
}

/// SIRENs with valid keys for made-up test parties, by index.
const SIRENS: [&str; 8] =
    ["215900051", "215900093", "215900119", "215900135", "215900176", "215900259", "215900440", "215903501"];

pub fn siret_for(siren: &str) -> Siret {
    // Find the NIC 000 1x whose Luhn key makes the SIRET valid.
    (0..10).find_map(|digit| Siret::parse(&format!("{siren}0001{digit}")).ok()).unwrap()
}

pub struct Builder {
    pub dataset: Dataset,
}

impl Builder {
    pub fn new() -> Builder {
        let mut parties = BTreeMap::new();
        let mel = Party {
            id: pid("MEL"),
            kind: PartyKind::Metropole,
            name: "Métropole Européenne de Lille".into(),
            siren: Siren::parse("200093201").unwrap(),
            siret: siret_for("200093201"),
            insee: None,
            territoire: None,
            address: Address::default(),
            invoicing: InvoicingRequirements::default(),
            naming: mutua_core::PartyNaming::default(),
            payment: mutua_core::PaymentDetails::default(),
            source: Source::code(),
        };
        parties.insert(mel.id.clone(), mel);
        Builder {
            dataset: Dataset {
                meta: DatasetMeta {
                    name: "test".into(),
                    current_semester: s("2026-S1"),
                    titre_threshold: amount("15.00"),
                    series_start: BTreeMap::new(),
                    source: Source::code(),
                },
                parties,
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
        }
    }

    /// A commune with the same population for millésimes 2022 and 2023.
    pub fn commune(self, insee: &str, index: usize, population: u64) -> Builder {
        let siren = SIRENS[index].to_owned();
        self.commune_with_siren(insee, &siren, population)
    }

    /// A commune numbered `n` (INSEE `59n`, a made-up SIREN with a valid key).
    pub fn numbered_commune(self, n: usize, population: u64) -> Builder {
        let prefix = format!("2159{n:04}");
        let siren = (0..10).map(|key| format!("{prefix}{key}")).find(|s| Siren::parse(s).is_ok()).unwrap();
        self.commune_with_siren(&format!("59{n:03}"), &siren, population)
    }

    fn commune_with_siren(mut self, insee: &str, siren: &str, population: u64) -> Builder {
        let party = Party {
            id: pid(insee),
            kind: PartyKind::Commune,
            name: format!("Commune {insee}"),
            siren: Siren::parse(siren).unwrap(),
            siret: siret_for(siren),
            insee: Some(InseeCode::parse(insee).unwrap()),
            territoire: None,
            address: Address::default(),
            invoicing: InvoicingRequirements::default(),
            naming: mutua_core::PartyNaming::default(),
            payment: mutua_core::PaymentDetails::default(),
            source: Source::code(),
        };
        self.dataset.parties.insert(party.id.clone(), party);
        for millesime in [2022, 2023] {
            self.dataset.populations.insert(PopulationRecord {
                party: pid(insee),
                millesime,
                municipale: population,
                totale: population + population / 100,
                source: Source::code(),
            });
        }
        self
    }

    pub fn syndicate(mut self, id: &str) -> Builder {
        let party = Party {
            id: pid(id),
            kind: PartyKind::Syndicate,
            name: id.into(),
            siren: Siren::parse("215900440").unwrap(),
            siret: siret_for("215900440"),
            insee: None,
            territoire: None,
            address: Address::default(),
            invoicing: InvoicingRequirements::default(),
            naming: mutua_core::PartyNaming::default(),
            payment: mutua_core::PaymentDetails::default(),
            source: Source::code(),
        };
        self.dataset.parties.insert(party.id.clone(), party);
        self
    }

    pub fn convention(
        mut self,
        id: &str,
        provider: &str,
        flow: Flow,
        pro_rata: ProRata,
        terms: Vec<Terms>,
    ) -> Builder {
        let dispositif = DispositifId::parse(id).unwrap();
        self.dataset.dispositifs.insert(
            dispositif.clone(),
            Dispositif {
                id: dispositif.clone(),
                name: id.into(),
                theme: "test".into(),
                reference_fte: None,
                reference_members: None,
                source: Source::code(),
            },
        );
        let convention = Convention {
            id: ConventionId::parse(id).unwrap(),
            dispositif,
            title: format!("Convention {id}"),
            reference: format!("Délibération {id}"),
            vehicle: LegalVehicle::ServiceCommun,
            provider: pid(provider),
            flow,
            settlement: Settlement::Invoice,
            vat: VatRegime::OutOfScope,
            accounts: None,
            revenue_account: None,
            expense_account: None,
            validity: DateRange::new(d("2020-01-01"), None).unwrap(),
            pro_rata,
            eligibility: Vec::new(),
            eligibility_check: EligibilityCheck::EachYear,
            regularisation: None,
            payment_term_days: None,
            terms,
            source: Source::code(),
        };
        self.dataset.conventions.insert(convention.id.clone(), convention);
        self
    }

    pub fn with_convention(mut self, id: &str, change: impl FnOnce(&mut Convention)) -> Builder {
        change(self.dataset.conventions.get_mut(&ConventionId::parse(id).unwrap()).unwrap());
        self
    }

    pub fn member(mut self, convention: &str, member: &str, joined: &str, left: Option<&str>) -> Builder {
        self.dataset.memberships.push(Membership {
            convention: ConventionId::parse(convention).unwrap(),
            member: pid(member),
            range: DateRange::new(d(joined), left.map(d)).unwrap(),
            source: Source::code(),
        });
        self
    }

    pub fn activity(
        mut self,
        convention: &str,
        member: &str,
        semester: &str,
        activity: &str,
        unit: &str,
        quantity: &str,
    ) -> Builder {
        self.dataset.activity.push(ActivityRecord {
            convention: ConventionId::parse(convention).unwrap(),
            member: pid(member),
            semester: s(semester),
            activity: activity.into(),
            unit: unit.into(),
            quantity: Quantity::parse(quantity).unwrap(),
            source: Source::code(),
        });
        self
    }

    pub fn fte_cost(mut self, year: i32, category: GradeCategory, cost: &str) -> Builder {
        self.dataset.fte_costs.push(FteCost {
            year,
            category,
            loaded_cost_per_year: amount(cost),
            source: Source::code(),
        });
        self
    }

    /// A valuation with no staff: full cost = running costs.
    pub fn valuation(
        mut self,
        dispositif: &str,
        year: i32,
        basis: ValuationBasis,
        full_cost: &str,
        units: &str,
    ) -> Builder {
        self.dataset.valuations.push(Valuation {
            dispositif: DispositifId::parse(dispositif).unwrap(),
            year,
            basis,
            fte: BTreeMap::new(),
            running_costs: amount(full_cost),
            depreciation: Amount::ZERO,
            subsidies: Amount::ZERO,
            units: Quantity::parse(units).unwrap(),
            document: format!("{basis:?} {year}"),
            source: Source::code(),
        });
        self
    }

    pub fn index(mut self, index: &str, month: &str, value: &str) -> Builder {
        self.dataset.indices.push(IndexValue {
            index: index.into(),
            month: month.into(),
            value: Ratio::parse(value).unwrap(),
            source: Source::code(),
        });
        self
    }

    pub fn deposit(
        mut self,
        id: &str,
        convention: &str,
        sold_on: &str,
        classique: &str,
        precarite: &str,
    ) -> Builder {
        self.dataset.cee_deposits.push(CeeDeposit {
            id: id.into(),
            convention: ConventionId::parse(convention).unwrap(),
            label: format!("Dépôt {id}"),
            sold_on: d(sold_on),
            price_classique_per_mwh: rate(classique),
            price_precarite_per_mwh: rate(precarite),
            source: Source::code(),
        });
        self
    }

    pub fn operation(mut self, deposit: &str, beneficiary: &str, kind: CeeKind, kwh: &str) -> Builder {
        self.dataset.cee_operations.push(CeeOperation {
            deposit: deposit.into(),
            beneficiary: pid(beneficiary),
            reference: "BAT-TH-116".into(),
            kind,
            kwh_cumac: Quantity::parse(kwh).unwrap(),
            source: Source::code(),
        });
        self
    }

    /// A titre the finance system issued: `amount` billed by `issuer` to `debtor` for `component` of
    /// `convention` in `semester`.
    pub fn titre(
        mut self,
        semester: &str,
        (issuer, debtor): (&str, &str),
        (convention, component): (&str, &str),
        amount: &str,
    ) -> Builder {
        let number = format!("T-{}", self.dataset.titres.len() + 1);
        self.dataset.titres.push(Titre {
            source: Source::row("titres", &number),
            number,
            semester: semester.parse().unwrap(),
            issuer: pid(issuer),
            debtor: pid(debtor),
            convention: ConventionId::parse(convention).unwrap(),
            component: component.into(),
            amount: Amount::parse(amount).unwrap(),
        });
        self
    }

    /// Builds the dataset after checking it is valid.
    pub fn build(self) -> ValidatedDataset {
        ValidatedDataset::new(self.dataset)
            .unwrap_or_else(|rejected| panic!("test dataset invalid: {rejected}"))
    }
}

pub fn terms(reference: &str, from: &str, until: Option<&str>, components: Vec<Component>) -> Terms {
    Terms { reference: reference.into(), from: d(from), until: until.map(d), components }
}

pub fn component(id: &str, rule: Rule) -> Component {
    Component {
        id: id.into(),
        label: format!("Composante {id}"),
        rule,
        cap_per_year: None,
        floor_per_year: None,
        revision: None,
        pro_rata: None,
    }
}

pub fn municipale() -> PopulationBasis {
    PopulationBasis { kind: PopulationKind::Municipale, millesime: Millesime::InForce }
}

pub fn grid(pairs: &[(&str, &str)]) -> WeightGrid {
    pairs.iter().map(|(unit, weight)| ((*unit).to_owned(), Ratio::parse(weight).unwrap())).collect()
}

pub fn basis(activity: &str, pairs: &[(&str, &str)]) -> ActivityBasis {
    ActivityBasis {
        activity: activity.into(),
        unit_label: "unité".into(),
        weights: grid(pairs),
        labels: Default::default(),
    }
}
