//! The CSV files of a dataset, each read into its core records.
//!
//! Every cell is parsed with the core's own parsers so that the CSV and the TOML files accept exactly the
//! same forms. Keys that the core keeps in maps (party ids, populations by commune and millésime,
//! dispositif ids) are checked for duplicates here, since a map would silently keep only one of them.

use std::collections::BTreeMap;
use std::path::Path;

use mutua_core::{
    ActivityRecord, Address, Amount, AttributionCompensation, Bic, CarriedAmount, CeeDeposit, CeeOperation,
    ConventionId, DateRange, Dispositif, DispositifId, Fte, FteCost, GradeCategory, Iban, IndexValue,
    InseeCode, InvoicingRequirements, Membership, Party, PartyId, PartyNaming, PaymentDetails,
    PopulationRecord, Quantity, REPORT_COMPONENT, Rate, Ratio, Semester, Siren, Siret, Titre,
    UnitCostDerivation, UnitCostUpdate, Valuation, parse_date,
};

use crate::csv_table::{self, Schema, optional, required};
use crate::error::{ErrorKind, LoadError};
use crate::text::Presence;
use crate::values;

/// Remembers the first line of each key and reports later ones as duplicates.
struct FirstSeen<K> {
    lines: BTreeMap<K, u32>,
}

impl<K: Ord> FirstSeen<K> {
    fn new() -> Self {
        FirstSeen { lines: BTreeMap::new() }
    }

    /// `Err(first line)` when the key was seen before.
    fn insert(&mut self, key: K, line: u32) -> Result<(), u32> {
        match self.lines.get(&key) {
            Some(&first) => Err(first),
            None => {
                self.lines.insert(key, line);
                Ok(())
            }
        }
    }
}

fn duplicate(what: String, first_line: u32) -> ErrorKind {
    ErrorKind::Duplicate { what, first: format!("line {first_line}") }
}

pub(crate) const PARTIES: Schema = Schema {
    file: "parties.csv",
    presence: Presence::Required,
    columns: &[
        required("id"),
        required("kind"),
        required("name"),
        required("siren"),
        required("siret"),
        required("insee"),
        optional("territoire"),
        required("address_line1"),
        optional("address_line2"),
        required("postcode"),
        required("city"),
        optional("service_code"),
        required("commitment_required"),
        required("commitment_number"),
        optional("legal_name"),
        optional("usage_name"),
        optional("article"),
        optional("elision"),
        optional("accountant"),
        optional("iban"),
        optional("bic"),
    ],
};

/// `parties.csv`, with duplicate ids, INSEE codes and SIRETs reported.
pub(crate) fn parties(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<Party> {
    let Some(mut table) = csv_table::read(dir, PARTIES, errors) else { return Vec::new() };
    let (mut ids, mut insees, mut sirets) = (FirstSeen::new(), FirstSeen::new(), FirstSeen::new());
    let mut parties = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let line = row.line();
        let id = row.required("id", PartyId::parse);
        let kind = row.required("kind", values::party_kind);
        let name = row.text("name");
        let siren = row.required("siren", Siren::parse);
        let siret = row.required("siret", Siret::parse);
        let insee = row.optional("insee", InseeCode::parse);
        let territoire = row.optional_text("territoire");
        let line1 = row.text("address_line1");
        let line2 = row.optional_text("address_line2");
        let postcode = row.text("postcode");
        let city = row.text("city");
        let service_code = row.optional_text("service_code");
        let commitment_required = row.required("commitment_required", values::yes_no);
        let commitment_number = row.optional_text("commitment_number");
        let legal_name = row.optional_text("legal_name");
        let usage_name = row.optional_text("usage_name");
        let article = row.optional("article", values::article);
        let elision = row.optional("elision", values::yes_no);
        let accountant = row.optional_text("accountant");
        let iban = row.optional("iban", Iban::parse);
        let bic = row.optional("bic", Bic::parse);
        if let Some(id) = &id
            && let Err(first) = ids.insert(id.clone(), line)
        {
            row.error("id", duplicate(format!("party id `{id}`"), first));
        }
        if let Some(Some(insee)) = &insee
            && let Err(first) = insees.insert(insee.clone(), line)
        {
            row.error("insee", duplicate(format!("INSEE code `{insee}`"), first));
        }
        if let Some(siret) = &siret
            && let Err(first) = sirets.insert(siret.clone(), line)
        {
            row.error("siret", duplicate(format!("SIRET `{siret}`"), first));
        }
        let (
            Some(id),
            Some(kind),
            Some(name),
            Some(siren),
            Some(siret),
            Some(insee),
            Some(line1),
            Some(postcode),
            Some(city),
            Some(commitment_required),
            Some(article),
            Some(elision),
            Some(iban),
            Some(bic),
        ) = (
            id,
            kind,
            name,
            siren,
            siret,
            insee,
            line1,
            postcode,
            city,
            commitment_required,
            article,
            elision,
            iban,
            bic,
        )
        else {
            continue;
        };
        let source = row.source();
        parties.push(Party {
            id,
            kind,
            name,
            siren,
            siret,
            insee,
            territoire,
            address: Address { lines: [Some(line1), line2].into_iter().flatten().collect(), postcode, city },
            invoicing: InvoicingRequirements { service_code, commitment_required, commitment_number },
            naming: PartyNaming { legal_name, usage_name, article, elision },
            payment: PaymentDetails { accountant, iban, bic },
            source,
        });
    }
    parties
}

pub(crate) const POPULATIONS: Schema = Schema {
    file: "populations.csv",
    presence: Presence::Required,
    columns: &[required("insee"), required("millesime"), required("municipale"), required("totale")],
};

/// `populations.csv`, with duplicate (commune, millésime) pairs reported.
pub(crate) fn populations(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<PopulationRecord> {
    let Some(mut table) = csv_table::read(dir, POPULATIONS, errors) else { return Vec::new() };
    let mut seen = FirstSeen::new();
    let mut records = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let line = row.line();
        let party = row.required("insee", |text| {
            InseeCode::parse(text)?;
            PartyId::parse(text)
        });
        let millesime = row.required("millesime", values::year);
        let municipale = row.required("municipale", values::whole_number::<u64>);
        let totale = row.required("totale", values::whole_number::<u64>);
        if let (Some(party), Some(millesime)) = (&party, millesime)
            && let Err(first) = seen.insert((party.clone(), millesime), line)
        {
            row.error(
                "millesime",
                duplicate(format!("population of `{party}` for millésime {millesime}"), first),
            );
        }
        let (Some(party), Some(millesime), Some(municipale), Some(totale)) =
            (party, millesime, municipale, totale)
        else {
            continue;
        };
        records.push(PopulationRecord { party, millesime, municipale, totale, source: row.source() });
    }
    records
}

pub(crate) const DISPOSITIFS: Schema = Schema {
    file: "dispositifs.csv",
    presence: Presence::Required,
    columns: &[
        required("id"),
        required("name"),
        required("theme"),
        optional("reference_fte"),
        optional("reference_members"),
    ],
};

/// `dispositifs.csv`, with duplicate ids reported.
pub(crate) fn dispositifs(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<Dispositif> {
    let Some(mut table) = csv_table::read(dir, DISPOSITIFS, errors) else { return Vec::new() };
    let mut seen = FirstSeen::new();
    let mut dispositifs = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let line = row.line();
        let id = row.required("id", DispositifId::parse);
        let name = row.text("name");
        let theme = row.text("theme");
        let reference_fte = row.optional("reference_fte", Fte::parse);
        let reference_members = row.optional("reference_members", values::whole_number::<u32>);
        if let Some(id) = &id
            && let Err(first) = seen.insert(id.clone(), line)
        {
            row.error("id", duplicate(format!("dispositif id `{id}`"), first));
        }
        let (Some(id), Some(name), Some(theme), Some(reference_fte), Some(reference_members)) =
            (id, name, theme, reference_fte, reference_members)
        else {
            continue;
        };
        dispositifs.push(Dispositif {
            id,
            name,
            theme,
            reference_fte,
            reference_members,
            source: row.source(),
        });
    }
    dispositifs
}

pub(crate) const MEMBERSHIPS: Schema = Schema {
    file: "memberships.csv",
    presence: Presence::Required,
    columns: &[required("convention"), required("member"), required("joined"), required("left")],
};

/// `memberships.csv`; a membership that ends before it starts is reported on `left`.
pub(crate) fn memberships(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<Membership> {
    let Some(mut table) = csv_table::read(dir, MEMBERSHIPS, errors) else { return Vec::new() };
    let mut memberships = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let convention = row.required("convention", ConventionId::parse);
        let member = row.required("member", PartyId::parse);
        let joined = row.required("joined", parse_date);
        let left = row.optional("left", parse_date);
        let (Some(convention), Some(member), Some(joined), Some(left)) = (convention, member, joined, left)
        else {
            continue;
        };
        match DateRange::new(joined, left) {
            Ok(range) => memberships.push(Membership { convention, member, range, source: row.source() }),
            Err(error) => row.error("left", error.into()),
        }
    }
    memberships
}

pub(crate) const ACTIVITY: Schema = Schema {
    file: "activity.csv",
    presence: Presence::Required,
    columns: &[
        required("convention"),
        required("member"),
        required("semester"),
        required("activity"),
        required("unit"),
        required("quantity"),
    ],
};

/// `activity.csv`.
pub(crate) fn activity(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<ActivityRecord> {
    let Some(mut table) = csv_table::read(dir, ACTIVITY, errors) else { return Vec::new() };
    let mut records = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let convention = row.required("convention", ConventionId::parse);
        let member = row.required("member", PartyId::parse);
        let semester = row.required("semester", str::parse::<Semester>);
        let activity = row.text("activity");
        let unit = row.text("unit");
        let quantity = row.required("quantity", Quantity::parse);
        let (Some(convention), Some(member), Some(semester), Some(activity), Some(unit), Some(quantity)) =
            (convention, member, semester, activity, unit, quantity)
        else {
            continue;
        };
        records.push(ActivityRecord {
            convention,
            member,
            semester,
            activity,
            unit,
            quantity,
            source: row.source(),
        });
    }
    records
}

pub(crate) const FTE_COSTS: Schema = Schema {
    file: "fte_costs.csv",
    presence: Presence::Required,
    columns: &[required("year"), required("category"), required("loaded_cost")],
};

/// `fte_costs.csv` (duplicates are reported by validation).
pub(crate) fn fte_costs(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<FteCost> {
    let Some(mut table) = csv_table::read(dir, FTE_COSTS, errors) else { return Vec::new() };
    let mut costs = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let year = row.required("year", values::year);
        let category = row.required("category", values::grade_category);
        let loaded_cost = row.required("loaded_cost", Amount::parse);
        let (Some(year), Some(category), Some(loaded_cost_per_year)) = (year, category, loaded_cost) else {
            continue;
        };
        costs.push(FteCost { year, category, loaded_cost_per_year, source: row.source() });
    }
    costs
}

pub(crate) const VALUATIONS: Schema = Schema {
    file: "valuations.csv",
    presence: Presence::Required,
    columns: &[
        required("dispositif"),
        required("year"),
        required("basis"),
        required("fte_a"),
        required("fte_b"),
        required("fte_c"),
        required("running_costs"),
        required("depreciation"),
        required("subsidies"),
        required("units"),
        required("document"),
    ],
};

/// `valuations.csv` (duplicates are reported by validation). An empty FTE cell is no FTE of that category.
pub(crate) fn valuations(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<Valuation> {
    let Some(mut table) = csv_table::read(dir, VALUATIONS, errors) else { return Vec::new() };
    let mut valuations = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let dispositif = row.required("dispositif", DispositifId::parse);
        let year = row.required("year", values::year);
        let basis = row.required("basis", values::valuation_basis);
        let mut fte = Some(BTreeMap::new());
        for (column, category) in
            [("fte_a", GradeCategory::A), ("fte_b", GradeCategory::B), ("fte_c", GradeCategory::C)]
        {
            match row.optional(column, Fte::parse) {
                Some(Some(value)) => {
                    if let Some(fte) = &mut fte {
                        fte.insert(category, value);
                    }
                }
                Some(None) => {}
                None => fte = None,
            }
        }
        let running_costs = row.required("running_costs", Amount::parse);
        let depreciation = row.required("depreciation", Amount::parse);
        let subsidies = row.required("subsidies", Amount::parse);
        let units = row.required("units", Quantity::parse);
        let document = row.text("document");
        let (
            Some(dispositif),
            Some(year),
            Some(basis),
            Some(fte),
            Some(running_costs),
            Some(depreciation),
            Some(subsidies),
            Some(units),
            Some(document),
        ) = (dispositif, year, basis, fte, running_costs, depreciation, subsidies, units, document)
        else {
            continue;
        };
        valuations.push(Valuation {
            dispositif,
            year,
            basis,
            fte,
            running_costs,
            depreciation,
            subsidies,
            units,
            document,
            source: row.source(),
        });
    }
    valuations
}

pub(crate) const UNIT_COSTS: Schema = Schema {
    file: "unit_costs.csv",
    presence: Presence::Optional,
    columns: &[
        required("dispositif"),
        required("year"),
        required("compte_administratif"),
        required("units"),
        required("document"),
    ],
};

/// `unit_costs.csv` (optional): the D5211-16 unit costs derived from a compte administratif (duplicates are
/// reported by validation).
pub(crate) fn unit_costs(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<UnitCostDerivation> {
    let Some(mut table) = csv_table::read(dir, UNIT_COSTS, errors) else { return Vec::new() };
    let mut derivations = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let dispositif = row.required("dispositif", DispositifId::parse);
        let year = row.required("year", values::year);
        let compte_administratif = row.required("compte_administratif", values::year);
        let units = row.required("units", Quantity::parse);
        let document = row.text("document");
        let (Some(dispositif), Some(year), Some(compte_administratif), Some(units), Some(document)) =
            (dispositif, year, compte_administratif, units, document)
        else {
            continue;
        };
        derivations.push(UnitCostDerivation {
            dispositif,
            year,
            compte_administratif,
            units,
            document,
            source: row.source(),
        });
    }
    derivations
}

pub(crate) const UNIT_COST_UPDATES: Schema = Schema {
    file: "unit_cost_updates.csv",
    presence: Presence::Optional,
    columns: &[
        required("dispositif"),
        required("year"),
        required("line"),
        required("amount"),
        required("reason"),
    ],
};

/// `unit_cost_updates.csv` (optional): the foreseeable changes of the D5211-16 unit costs, in file order.
pub(crate) fn unit_cost_updates(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<UnitCostUpdate> {
    let Some(mut table) = csv_table::read(dir, UNIT_COST_UPDATES, errors) else { return Vec::new() };
    let mut updates = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let dispositif = row.required("dispositif", DispositifId::parse);
        let year = row.required("year", values::year);
        let cost_line = row.required("line", values::cost_line);
        let amount = row.required("amount", Amount::parse);
        let reason = row.text("reason");
        let (Some(dispositif), Some(year), Some(line), Some(amount), Some(reason)) =
            (dispositif, year, cost_line, amount, reason)
        else {
            continue;
        };
        updates.push(UnitCostUpdate { dispositif, year, line, amount, reason, source: row.source() });
    }
    updates
}

pub(crate) const CEE_DEPOSITS: Schema = Schema {
    file: "cee_deposits.csv",
    presence: Presence::Required,
    columns: &[
        required("id"),
        required("convention"),
        required("label"),
        required("sold_on"),
        required("price_classique"),
        required("price_precarite"),
    ],
};

/// `cee_deposits.csv` (duplicates are reported by validation).
pub(crate) fn cee_deposits(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<CeeDeposit> {
    let Some(mut table) = csv_table::read(dir, CEE_DEPOSITS, errors) else { return Vec::new() };
    let mut deposits = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let id = row.text("id");
        let convention = row.required("convention", ConventionId::parse);
        let label = row.text("label");
        let sold_on = row.required("sold_on", parse_date);
        let classique = row.required("price_classique", Rate::parse);
        let precarite = row.required("price_precarite", Rate::parse);
        let (Some(id), Some(convention), Some(label), Some(sold_on), Some(classique), Some(precarite)) =
            (id, convention, label, sold_on, classique, precarite)
        else {
            continue;
        };
        deposits.push(CeeDeposit {
            id,
            convention,
            label,
            sold_on,
            price_classique_per_mwh: classique,
            price_precarite_per_mwh: precarite,
            source: row.source(),
        });
    }
    deposits
}

pub(crate) const CEE_OPERATIONS: Schema = Schema {
    file: "cee_operations.csv",
    presence: Presence::Required,
    columns: &[
        required("deposit"),
        required("beneficiary"),
        required("reference"),
        required("kind"),
        required("kwh_cumac"),
    ],
};

/// `cee_operations.csv`.
pub(crate) fn cee_operations(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<CeeOperation> {
    let Some(mut table) = csv_table::read(dir, CEE_OPERATIONS, errors) else { return Vec::new() };
    let mut operations = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let deposit = row.text("deposit");
        let beneficiary = row.required("beneficiary", PartyId::parse);
        let reference = row.text("reference");
        let kind = row.required("kind", values::cee_kind);
        let kwh_cumac = row.required("kwh_cumac", Quantity::parse);
        let (Some(deposit), Some(beneficiary), Some(reference), Some(kind), Some(kwh_cumac)) =
            (deposit, beneficiary, reference, kind, kwh_cumac)
        else {
            continue;
        };
        operations.push(CeeOperation {
            deposit,
            beneficiary,
            reference,
            kind,
            kwh_cumac,
            source: row.source(),
        });
    }
    operations
}

pub(crate) const INDICES: Schema = Schema {
    file: "indices.csv",
    presence: Presence::Optional,
    columns: &[required("index"), required("month"), required("value")],
};

/// `indices.csv` (optional), with duplicate (index, month) pairs reported.
pub(crate) fn indices(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<IndexValue> {
    let Some(mut table) = csv_table::read(dir, INDICES, errors) else { return Vec::new() };
    let mut seen = FirstSeen::new();
    let mut values = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let line = row.line();
        let index = row.text("index");
        let month = row.required("month", values::month);
        let value = row.required("value", Ratio::parse);
        if let (Some(index), Some(month)) = (&index, &month)
            && let Err(first) = seen.insert((index.clone(), month.clone()), line)
        {
            row.error("month", duplicate(format!("value of index `{index}` for {month}"), first));
        }
        let (Some(index), Some(month), Some(value)) = (index, month, value) else { continue };
        values.push(IndexValue { index, month, value, source: row.source() });
    }
    values
}

pub(crate) const CARRIED: Schema = Schema {
    file: "carried.csv",
    presence: Presence::Optional,
    columns: &[
        required("semester"),
        required("issuer"),
        required("debtor"),
        required("convention"),
        optional("component"),
        required("label"),
        required("amount"),
        optional("origin"),
    ],
};

/// `carried.csv` (optional).
pub(crate) fn carried(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<CarriedAmount> {
    let Some(mut table) = csv_table::read(dir, CARRIED, errors) else { return Vec::new() };
    let mut amounts = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let semester = row.required("semester", str::parse::<Semester>);
        let issuer = row.required("issuer", PartyId::parse);
        let debtor = row.required("debtor", PartyId::parse);
        let convention = row.required("convention", ConventionId::parse);
        let component = row.optional_text("component").unwrap_or_else(|| REPORT_COMPONENT.to_owned());
        // mutua writes this file (`carried.csv` of a run): its labels carry the spreadsheet guard.
        let label = row.exported_text("label");
        let amount = row.required("amount", Amount::parse);
        let origin = row.optional("origin", str::parse::<Semester>);
        let (
            Some(semester),
            Some(issuer),
            Some(debtor),
            Some(convention),
            Some(label),
            Some(amount),
            Some(origin),
        ) = (semester, issuer, debtor, convention, label, amount, origin)
        else {
            continue;
        };
        amounts.push(CarriedAmount {
            semester,
            origin: origin.unwrap_or(semester),
            regularises: None,
            issuer,
            debtor,
            convention,
            component,
            label,
            amount,
            source: row.source(),
        });
    }
    amounts
}

pub(crate) const TITRES: Schema = Schema {
    file: "titres.csv",
    presence: Presence::Optional,
    columns: &[
        required("number"),
        required("semester"),
        required("issuer"),
        required("debtor"),
        required("convention"),
        required("component"),
        required("amount"),
    ],
};

/// `titres.csv` (optional): the titres de recettes the finance system issued before mutua, one row per titre line.
pub(crate) fn titres(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<Titre> {
    let Some(mut table) = csv_table::read(dir, TITRES, errors) else { return Vec::new() };
    let mut titres = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        // The finance system writes this file, not mutua: its cells are read as they are.
        let number = row.text("number");
        let semester = row.required("semester", str::parse::<Semester>);
        let issuer = row.required("issuer", PartyId::parse);
        let debtor = row.required("debtor", PartyId::parse);
        let convention = row.required("convention", ConventionId::parse);
        let component = row.text("component");
        let amount = row.required("amount", Amount::parse);
        let (
            Some(number),
            Some(semester),
            Some(issuer),
            Some(debtor),
            Some(convention),
            Some(component),
            Some(amount),
        ) = (number, semester, issuer, debtor, convention, component, amount)
        else {
            continue;
        };
        titres.push(Titre {
            number,
            semester,
            issuer,
            debtor,
            convention,
            component,
            amount,
            source: row.source(),
        });
    }
    titres
}

pub(crate) const ATTRIBUTIONS: Schema = Schema {
    file: "attributions.csv",
    presence: Presence::Optional,
    columns: &[
        required("payer"),
        required("commune"),
        required("year"),
        required("amount"),
        optional("instalments"),
        optional("reference"),
    ],
};

/// `attributions.csv` (optional): the attribution de compensation each commune is paid for a year, and its
/// instalments (12 when the cell is empty).
pub(crate) fn attributions(dir: &Path, errors: &mut Vec<LoadError>) -> Vec<AttributionCompensation> {
    let Some(mut table) = csv_table::read(dir, ATTRIBUTIONS, errors) else { return Vec::new() };
    let mut attributions = Vec::with_capacity(table.rows_hint());
    while let Some(mut row) = table.next_row(errors) {
        let payer = row.required("payer", PartyId::parse);
        let commune = row.required("commune", PartyId::parse);
        let year = row.required("year", values::year);
        let amount = row.required("amount", Amount::parse);
        let instalments = row.optional("instalments", values::whole_number::<u32>);
        let reference = row.optional_text("reference");
        let (Some(payer), Some(commune), Some(year), Some(amount), Some(instalments)) =
            (payer, commune, year, amount, instalments)
        else {
            continue;
        };
        attributions.push(AttributionCompensation {
            payer,
            commune,
            year,
            amount,
            instalments: instalments.unwrap_or(mutua_core::attribution::DEFAULT_INSTALMENTS),
            reference,
            source: row.source(),
        });
    }
    attributions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes one file into a fresh directory and runs a loader on it.
    fn load_one<T>(
        name: &str,
        text: &str,
        loader: fn(&Path, &mut Vec<LoadError>) -> Vec<T>,
    ) -> (Vec<T>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let mut errors = Vec::new();
        let records = loader(dir.path(), &mut errors);
        (records, errors.iter().map(ToString::to_string).collect())
    }

    const PARTY_HEADER: &str = "id,kind,name,siren,siret,insee,territoire,address_line1,address_line2,postcode,city,service_code,commitment_required,commitment_number\n";

    #[test]
    fn parties_parse_and_duplicates() {
        let text = format!(
            "{PARTY_HEADER}\
MEL,metropole,Métropole Européenne de Lille,200093201,20009320100016,,,2 boulevard des Cités Unies,CS 70043,59040,Lille,SRV-1,yes,ENG-42\n\
59350,commune,Lille,215903501,21590350100017,59350,Territoire Lillois,Place Augustin Laurent,,59000,Lille,,no,\n\
59350,commune,Lille bis,215903501,21590350100017,59350,,x,,59000,Lille,,no,\n\
59009,communes,Villeneuve-d'Ascq,215900094,2159000930001,590 09,,x,,59650,Villeneuve-d'Ascq,,maybe,\n"
        );
        let (parties, errors) = load_one("parties.csv", &text, parties);
        assert_eq!(parties.len(), 3, "the duplicate row still parses; its errors stop the load");
        let mel = &parties[0];
        assert_eq!(mel.address.lines, ["2 boulevard des Cités Unies", "CS 70043"]);
        assert_eq!(mel.invoicing.service_code.as_deref(), Some("SRV-1"));
        assert!(mel.invoicing.commitment_required);
        assert_eq!(mel.insee, None);
        assert_eq!(mel.source.to_string(), "parties.csv:2");
        assert_eq!(parties[1].insee.as_ref().map(InseeCode::as_str), Some("59350"));
        assert_eq!(parties[1].address.lines.len(), 1);
        assert_eq!(
            errors,
            [
                "parties.csv:4: id: duplicate party id `59350` (first at line 3)",
                "parties.csv:4: insee: duplicate INSEE code `59350` (first at line 3)",
                "parties.csv:4: siret: duplicate SIRET `21590350100017` (first at line 3)",
                "parties.csv:5: kind: `communes` is not a party kind (expected metropole, commune, syndicate or other)",
                "parties.csv:5: siren: `215900094` is not a SIREN (9 digits with a valid Luhn key)",
                "parties.csv:5: siret: `2159000930001` is not a SIRET (14 digits with a valid Luhn key)",
                "parties.csv:5: insee: `590 09` is not an INSEE commune code (5 characters, such as 59350)",
                "parties.csv:5: commitment_required: `maybe` is neither `yes` nor `no`",
            ]
        );
    }

    #[test]
    fn populations_and_dispositifs() {
        let (records, errors) = load_one(
            "populations.csv",
            "insee,millesime,municipale,totale\n59350,2023,238246,240109\n59350,2023,1,2\nMEL,23,1.5,\n",
            populations,
        );
        assert_eq!(records.len(), 2);
        assert_eq!(
            (records[0].municipale, records[0].totale, records[0].millesime),
            (238_246, 240_109, 2023)
        );
        assert_eq!(
            errors,
            [
                "populations.csv:3: millesime: duplicate population of `59350` for millésime 2023 (first at line 2)",
                "populations.csv:4: insee: `MEL` is not an INSEE commune code (5 characters, such as 59350)",
                "populations.csv:4: millesime: `23` is not a year (4 digits from 1900 to 2200, such as 2026)",
                "populations.csv:4: municipale: `1.5` is not a whole number (digits only, such as 1250)",
                "populations.csv:4: totale: missing value",
            ]
        );
        let (records, errors) = load_one(
            "dispositifs.csv",
            "id,name,theme\ncep,Conseil en Énergie Partagé,Transition écologique\ncep,x,y\n",
            dispositifs,
        );
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].reference_fte, None);
        assert_eq!(errors, ["dispositifs.csv:3: id: duplicate dispositif id `cep` (first at line 2)"]);
        let (records, errors) = load_one(
            "dispositifs.csv",
            "id,name,theme,reference_fte,reference_members\nsim-ads,SIM ADS,Urbanisme,5.00,22\nx,y,z,\"5,0\",-1\n",
            dispositifs,
        );
        assert_eq!(records[0].reference_fte, Some(Fte::parse("5.00").unwrap()));
        assert_eq!(records[0].reference_members, Some(22));
        assert_eq!(
            errors,
            [
                "dispositifs.csv:3: reference_fte: `5,0` is not a decimal number (expected digits with an optional `.` and sign, such as 1234.56)",
                "dispositifs.csv:3: reference_members: `-1` is not a whole number (digits only, such as 1250)",
            ]
        );
    }

    #[test]
    fn memberships_and_activity() {
        let (memberships, errors) = load_one(
            "memberships.csv",
            "convention,member,joined,left\ncep-2021,59005,2021-01-01,\ncep-2021,59013,2024-07-01,2024-06-30\ncep 2021,59013,2024-7-1,\n",
            memberships,
        );
        assert_eq!(memberships.len(), 1);
        assert_eq!(memberships[0].range.to_string(), "2021-01-01..");
        assert_eq!(
            errors,
            [
                "memberships.csv:3: left: the range ends (2024-06-30) before it starts (2024-07-01)",
                "memberships.csv:4: convention: `cep 2021` is not an identifier (1 to 40 letters, digits, `-` or `_`)",
                "memberships.csv:4: joined: `2024-7-1` is not a date (expected YYYY-MM-DD)",
            ]
        );
        let (records, errors) = load_one(
            "activity.csv",
            "convention,member,semester,activity,unit,quantity\nsim-ads,59005,2026-S1,ads,PC,12\nsim-ads,59005,2026-S3,ads,PC,1e3\n",
            activity,
        );
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].semester.to_string(), "2026-S1");
        assert_eq!(
            errors,
            [
                "activity.csv:3: semester: `2026-S3` is not a semester (expected YYYY-S1 or YYYY-S2)",
                "activity.csv:3: quantity: `1e3` is not a decimal number (expected digits with an optional `.` and sign, such as 1234.56)",
            ]
        );
    }

    #[test]
    fn costs_valuations_cee_indices_carried() {
        let (costs, errors) = load_one(
            "fte_costs.csv",
            "year,category,loaded_cost\n2026,A,62000.00\n2026,D,62000.005\n",
            fte_costs,
        );
        assert_eq!(costs.len(), 1);
        assert_eq!(
            errors,
            [
                "fte_costs.csv:3: category: `D` is not a grade category (expected A, B or C)",
                "fte_costs.csv:3: loaded_cost: `62000.005` has more than 2 decimals: amounts are in euros and cents",
            ]
        );
        let (valuations, errors) = load_one(
            "valuations.csv",
            "dispositif,year,basis,fte_a,fte_b,fte_c,running_costs,depreciation,subsidies,units,document\n\
sim-ads,2026,forecast,1,3.5,,18500.00,7200,0,1000,Budget primitif 2026\n\
sim-ads,2026,actual,x,,,1,1,1,1,\n",
            valuations,
        );
        assert_eq!(valuations.len(), 1);
        assert_eq!(valuations[0].fte.len(), 2);
        assert_eq!(valuations[0].fte[&GradeCategory::B], Fte::parse("3.5").unwrap());
        assert_eq!(
            errors,
            [
                "valuations.csv:3: fte_a: `x` is not a decimal number (expected digits with an optional `.` and sign, such as 1234.56)",
                "valuations.csv:3: document: missing value",
            ]
        );
        let (unit_costs, errors) = load_one(
            "unit_costs.csv",
            "dispositif,year,compte_administratif,units,document\n\
sim-ads,2027,2025,690,Budget primitif 2027\n\
sim-ads,27,2025,-1,\n",
            unit_costs,
        );
        assert_eq!(unit_costs.len(), 1);
        assert_eq!(
            (unit_costs[0].year, unit_costs[0].compte_administratif, unit_costs[0].units),
            (2027, 2025, Quantity::parse("690").unwrap())
        );
        assert_eq!(
            errors,
            [
                "unit_costs.csv:3: year: `27` is not a year (4 digits from 1900 to 2200, such as 2026)",
                "unit_costs.csv:3: document: missing value",
            ]
        );
        let (updates, errors) = load_one(
            "unit_cost_updates.csv",
            "dispositif,year,line,amount,reason\n\
sim-ads,2027,running_costs,-1500.00,Fin de la location\n\
sim-ads,2027,fournitures,10.00,x\n\
sim-ads,2027,staff,8181.605,\n",
            unit_cost_updates,
        );
        assert_eq!(updates.len(), 1);
        assert_eq!(
            (updates[0].line, updates[0].amount, updates[0].reason.as_str()),
            (mutua_core::CostLine::RunningCosts, Amount::parse("-1500.00").unwrap(), "Fin de la location")
        );
        assert_eq!(
            errors,
            [
                "unit_cost_updates.csv:3: line: `fournitures` is not a line of a valuation (expected staff, running_costs, depreciation or subsidies)",
                "unit_cost_updates.csv:4: amount: `8181.605` has more than 2 decimals: amounts are in euros and cents",
                "unit_cost_updates.csv:4: reason: missing value",
            ]
        );
        let (deposits, errors) = load_one(
            "cee_deposits.csv",
            "id,convention,label,sold_on,price_classique,price_precarite\nd1,cee-2022,Dépôt 1,2026-03-15,7.50,9.2\n",
            cee_deposits,
        );
        assert_eq!((deposits.len(), errors.len()), (1, 0));
        let (operations, errors) = load_one(
            "cee_operations.csv",
            "deposit,beneficiary,reference,kind,kwh_cumac\nd1,59350,BAT-TH-116,precarite,1250000.5\nd1,59350,x,autre,1\n",
            cee_operations,
        );
        assert_eq!(operations.len(), 1);
        assert_eq!(
            errors,
            ["cee_operations.csv:3: kind: `autre` is not a CEE kind (expected classique or precarite)"]
        );
        let (values, errors) = load_one(
            "indices.csv",
            "index,month,value\nSYNTEC,2024-01,301.5\nSYNTEC,2024-01,302\nSYNTEC,2024-1,1\n",
            indices,
        );
        assert_eq!(values.len(), 2);
        assert_eq!(
            errors,
            [
                "indices.csv:3: month: duplicate value of index `SYNTEC` for 2024-01 (first at line 2)",
                "indices.csv:4: month: `2024-1` is not a month (expected YYYY-MM, such as 2024-01)",
            ]
        );
        let (amounts, errors) = load_one(
            "carried.csv",
            "semester,issuer,debtor,convention,label,amount\n2025-S2,MEL,59013,cep-2021,CEP,12.40\n",
            carried,
        );
        assert_eq!((amounts.len(), errors.len()), (1, 0));
        assert_eq!(amounts[0].amount, Amount::from_cents(1240));
    }

    #[test]
    fn titres_table() {
        const HEADER: &str = "number,semester,issuer,debtor,convention,component,amount\n";
        // (case, file text, titres loaded as (number, semester, component, amount in cents), errors)
        let cases: [(&str, String, &[(&str, &str, &str, i128)], &[&str]); 6] = [
            (
                "two lines of one titre, then a credit",
                format!(
                    "{HEADER}T-2025-000412,2025-S1,MEL,59013,sim-ads,instruction,1234.56\n\
T-2025-000412,2025-S1,MEL,59013,sim-ads,fixed,300.00\n\
T-2025-000977,2025-S2,MEL,59013,sim-ads,instruction,-45.10\n"
                ),
                &[
                    ("T-2025-000412", "2025-S1", "instruction", 123_456),
                    ("T-2025-000412", "2025-S1", "fixed", 30_000),
                    ("T-2025-000977", "2025-S2", "instruction", -4_510),
                ],
                &[],
            ),
            (
                "columns in another order",
                "amount,component,convention,debtor,issuer,semester,number\n12.40,fixed,cep-2021,59013,MEL,2024-S2,T-1\n"
                    .to_owned(),
                &[("T-1", "2024-S2", "fixed", 1_240)],
                &[],
            ),
            (
                "an amount with a decimal comma, one with three decimals",
                format!(
                    "{HEADER}T-1,2025-S1,MEL,59013,sim-ads,instruction,\"12,40\"\nT-2,2025-S1,MEL,59013,sim-ads,instruction,12.405\n"
                ),
                &[],
                &[
                    "titres.csv:2: amount: `12,40` is not a decimal number (expected digits with an optional `.` and sign, such as 1234.56)",
                    "titres.csv:3: amount: `12.405` has more than 2 decimals: amounts are in euros and cents",
                ],
            ),
            (
                "empty cells and a bad semester",
                format!("{HEADER},2025-S3,MEL,59013,sim-ads,,\n"),
                &[],
                &[
                    "titres.csv:2: number: missing value",
                    "titres.csv:2: semester: `2025-S3` is not a semester (expected YYYY-S1 or YYYY-S2)",
                    "titres.csv:2: component: missing value",
                    "titres.csv:2: amount: missing value",
                ],
            ),
            (
                "a missing column",
                "number,semester,issuer,debtor,convention,amount\nT-1,2025-S1,MEL,59013,sim-ads,12.40\n".to_owned(),
                &[],
                &["titres.csv:1: header: missing column `component`"],
            ),
            (
                "an unknown column",
                format!("{}label\n", HEADER.trim_end().to_owned() + ","),
                &[],
                &[
                    "titres.csv:1: header: unknown column `label` (expected: number, semester, issuer, debtor, convention, component, amount)",
                ],
            ),
        ];
        for (case, text, expected, expected_errors) in cases {
            let (titres, errors) = load_one("titres.csv", &text, titres);
            let found: Vec<(&str, String, &str, i128)> = titres
                .iter()
                .map(|t| (t.number.as_str(), t.semester.to_string(), t.component.as_str(), t.amount.cents()))
                .collect();
            let expected: Vec<(&str, String, &str, i128)> =
                expected.iter().map(|&(n, s, c, a)| (n, s.to_owned(), c, a)).collect();
            assert_eq!(found, expected, "{case}");
            assert_eq!(errors, expected_errors, "{case}");
        }
        let (titres, _) = load_one(
            "titres.csv",
            &format!("{HEADER}T-1,2025-S1,MEL,59013,sim-ads,instruction,1.00\n"),
            titres,
        );
        assert_eq!(titres[0].source.to_string(), "titres.csv:2");
        assert_eq!((titres[0].issuer.as_str(), titres[0].debtor.as_str()), ("MEL", "59013"));
        assert_eq!(titres[0].convention.as_str(), "sim-ads");
    }

    #[test]
    fn attributions_table() {
        const HEADER: &str = "payer,commune,year,amount,instalments,reference\n";
        // (case, file text, rows loaded as (commune, year, amount in cents, instalments, reference), errors)
        type Loaded<'a> = (&'a str, i32, i128, u32, Option<&'a str>);
        let cases: [(&str, String, &[Loaded<'_>], &[&str]); 4] = [
            (
                "monthly by default, quarterly when said, a reference or none",
                format!(
                    "{HEADER}MEL,59005,2026,120000.00,,Délibération n° 26 C 0031\nMEL,59009,2026,-1200.00,4,\n"
                ),
                &[
                    ("59005", 2026, 12_000_000, 12, Some("Délibération n° 26 C 0031")),
                    ("59009", 2026, -120_000, 4, None),
                ],
                &[],
            ),
            (
                "columns in another order, the optional ones left out",
                "commune,payer,amount,year\n59005,MEL,600.00,2026\n".to_owned(),
                &[("59005", 2026, 60_000, 12, None)],
                &[],
            ),
            (
                "a bad year, amount and count",
                format!("{HEADER}MEL,59005,26,600.005,douze,\n"),
                &[],
                &[
                    "attributions.csv:2: year: `26` is not a year (4 digits from 1900 to 2200, such as 2026)",
                    "attributions.csv:2: amount: `600.005` has more than 2 decimals: amounts are in euros and cents",
                    "attributions.csv:2: instalments: `douze` is not a whole number (digits only, such as 1250)",
                ],
            ),
            (
                "empty required cells",
                format!("{HEADER},,2026,,,\n"),
                &[],
                &[
                    "attributions.csv:2: payer: missing value",
                    "attributions.csv:2: commune: missing value",
                    "attributions.csv:2: amount: missing value",
                ],
            ),
        ];
        for (case, text, expected, expected_errors) in cases {
            let (rows, errors) = load_one("attributions.csv", &text, attributions);
            let found: Vec<Loaded<'_>> = rows
                .iter()
                .map(|a| {
                    (a.commune.as_str(), a.year, a.amount.cents(), a.instalments, a.reference.as_deref())
                })
                .collect();
            assert_eq!(found, expected, "{case}");
            assert_eq!(errors, expected_errors, "{case}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let (records, errors) =
            load_one("fte_costs.csv", "\u{feff}year,category,loaded_cost\r\n2026,A,62000.00\r\n", fte_costs);
        assert_eq!((records.len(), errors.len()), (1, 0), "{errors:?}");
    }

    #[test]
    fn optional_files_may_be_absent() {
        let dir = tempfile::tempdir().unwrap();
        let mut errors = Vec::new();
        assert!(indices(dir.path(), &mut errors).is_empty());
        assert!(carried(dir.path(), &mut errors).is_empty());
        assert!(titres(dir.path(), &mut errors).is_empty());
        assert!(attributions(dir.path(), &mut errors).is_empty());
        assert!(errors.is_empty());
        assert!(activity(dir.path(), &mut errors).is_empty());
        assert_eq!(errors[0].to_string(), "activity.csv: file: missing file");
    }
}
