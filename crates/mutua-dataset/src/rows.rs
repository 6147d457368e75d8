//! The seam between a source of data and the model: [`DatasetRows`], one typed row type per table, that any
//! source can produce (the CSV/TOML directory, a JSON document, a finance system's own database), and
//! [`assemble`], which checks the keys, builds the [`Dataset`] and validates it.

use std::collections::BTreeMap;

use mutua_core::{
    ActivityRecord, AttributionCompensation, CarriedAmount, CeeDeposit, CeeOperation, Convention, Dataset,
    DatasetMeta, Dispositif, FteCost, IndexValue, Membership, Party, PopulationRecord, PopulationTable,
    Source, Titre, UnitCostDerivation, UnitCostUpdate, ValidatedDataset, Valuation,
};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, LoadError, LoadErrors};

/// The settings of a dataset (`dataset.toml` in a directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaRow {
    /// The settings.
    #[serde(flatten)]
    pub meta: DatasetMeta,
    /// Years between a census year and the 1st of January its millésime is in force from (3 in France).
    pub population_vintage_lag_years: i32,
}

/// Every table of a dataset as typed rows, in source order: what a source produces. Each row carries its
/// [`Source`] — a file and line, or a table and key (`memberships[cep-2021/59005/2021-06-01]`) — so that every
/// error names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetRows {
    /// Settings.
    pub meta: MetaRow,
    /// `parties`: the métropole, the communes, the other bodies.
    pub parties: Vec<Party>,
    /// `populations`: legal populations by commune and millésime.
    pub populations: Vec<PopulationRecord>,
    /// `dispositifs`: the shared services.
    pub dispositifs: Vec<Dispositif>,
    /// `conventions`, with their terms and rules.
    pub conventions: Vec<Convention>,
    /// `memberships`.
    pub memberships: Vec<Membership>,
    /// `activity`: units of work recorded per semester.
    pub activity: Vec<ActivityRecord>,
    /// `fte_costs`: loaded annual costs of an FTE.
    pub fte_costs: Vec<FteCost>,
    /// `valuations` of the dispositifs' full cost.
    pub valuations: Vec<Valuation>,
    /// `unit_costs`: the D5211-16 unit costs derived from a compte administratif (optional in a document).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_costs: Vec<UnitCostDerivation>,
    /// `unit_cost_updates`: their foreseeable changes, in order (optional in a document).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_cost_updates: Vec<UnitCostUpdate>,
    /// `indices`: price index values.
    pub indices: Vec<IndexValue>,
    /// `cee_deposits`.
    pub cee_deposits: Vec<CeeDeposit>,
    /// `cee_operations`.
    pub cee_operations: Vec<CeeOperation>,
    /// `carried`: amounts carried from earlier semesters.
    pub carried: Vec<CarriedAmount>,
    /// `titres`: titres de recettes the finance system issued before mutua, one row per titre line (optional in
    /// a document).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titres: Vec<Titre>,
    /// `attributions`: the attribution de compensation of each commune by year, for the statements of imputation
    /// (optional in a document).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributions: Vec<AttributionCompensation>,
}

impl DatasetRows {
    /// Rows with these settings and every table empty, for a source to fill.
    #[must_use]
    pub fn new(meta: MetaRow) -> DatasetRows {
        DatasetRows {
            meta,
            parties: Vec::new(),
            populations: Vec::new(),
            dispositifs: Vec::new(),
            conventions: Vec::new(),
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
        }
    }

    /// The rows of a dataset, in its order (parties, dispositifs and conventions by key).
    #[must_use]
    pub fn of(dataset: &Dataset) -> DatasetRows {
        DatasetRows {
            meta: MetaRow {
                meta: dataset.meta.clone(),
                population_vintage_lag_years: dataset.populations.vintage_lag_years,
            },
            parties: dataset.parties.values().cloned().collect(),
            populations: dataset.populations.records().cloned().collect(),
            dispositifs: dataset.dispositifs.values().cloned().collect(),
            conventions: dataset.conventions.values().cloned().collect(),
            memberships: dataset.memberships.clone(),
            activity: dataset.activity.clone(),
            fte_costs: dataset.fte_costs.clone(),
            valuations: dataset.valuations.clone(),
            unit_costs: dataset.unit_costs.clone(),
            unit_cost_updates: dataset.unit_cost_updates.clone(),
            indices: dataset.indices.clone(),
            cee_deposits: dataset.cee_deposits.clone(),
            cee_operations: dataset.cee_operations.clone(),
            carried: dataset.carried.clone(),
            titres: dataset.titres.clone(),
            attributions: dataset.attributions.clone(),
        }
    }

    /// Gives every row the source of its table and key (`parties[59005]`), for a source without lines.
    pub fn locate_by_key(&mut self) {
        self.meta.meta.source = Source::row("dataset", "settings");
        for party in &mut self.parties {
            party.source = Source::row("parties", party.id.as_str());
        }
        for record in &mut self.populations {
            record.source = Source::row("populations", &format!("{}/{}", record.party, record.millesime));
        }
        for dispositif in &mut self.dispositifs {
            dispositif.source = Source::row("dispositifs", dispositif.id.as_str());
        }
        for convention in &mut self.conventions {
            convention.source = Source::row("conventions", convention.id.as_str());
        }
        for m in &mut self.memberships {
            m.source =
                Source::row("memberships", &format!("{}/{}/{}", m.convention, m.member, m.range.start()));
        }
        for a in &mut self.activity {
            let key = format!("{}/{}/{}/{}/{}", a.convention, a.member, a.semester, a.activity, a.unit);
            a.source = Source::row("activity", &key);
        }
        for cost in &mut self.fte_costs {
            cost.source = Source::row("fte_costs", &format!("{}/{:?}", cost.year, cost.category));
        }
        for v in &mut self.valuations {
            v.source =
                Source::row("valuations", &format!("{}/{}/{}", v.dispositif, v.year, v.basis.as_str()));
        }
        for d in &mut self.unit_costs {
            d.source = Source::row("unit_costs", &format!("{}/{}", d.dispositif, d.year));
        }
        for (index, u) in self.unit_cost_updates.iter_mut().enumerate() {
            let key = format!("{}/{}/{}/{}", u.dispositif, u.year, u.line, index + 1);
            u.source = Source::row("unit_cost_updates", &key);
        }
        for value in &mut self.indices {
            value.source = Source::row("indices", &format!("{}/{}", value.index, value.month));
        }
        for deposit in &mut self.cee_deposits {
            deposit.source = Source::row("cee_deposits", &deposit.id);
        }
        for (index, operation) in self.cee_operations.iter_mut().enumerate() {
            let key = format!("{}/{}/{}", operation.deposit, operation.beneficiary, index + 1);
            operation.source = Source::row("cee_operations", &key);
        }
        for c in &mut self.carried {
            let key = format!("{}/{}/{}/{}", c.semester, c.issuer, c.debtor, c.convention);
            c.source = Source::row("carried", &key);
        }
        for t in &mut self.titres {
            let key = format!("{}/{}/{}", t.number, t.convention, t.component);
            t.source = Source::row("titres", &key);
        }
        for a in &mut self.attributions {
            let key = format!("{}/{}/{}", a.payer, a.commune, a.year);
            a.source = Source::row("attributions", &key);
        }
    }
}

fn row_error(source: &Source, field: &str, kind: ErrorKind) -> LoadError {
    LoadError::new(&*source.file, source.line, field, kind)
}

/// The rows keyed, each key once: a repeated key is an error at the repeat, naming the first.
fn keyed<K: Ord + Clone + std::fmt::Display, V>(
    rows: Vec<V>,
    what: &str,
    key: impl Fn(&V) -> K,
    source: impl Fn(&V) -> &Source,
    errors: &mut Vec<LoadError>,
) -> BTreeMap<K, V> {
    let mut map: BTreeMap<K, V> = BTreeMap::new();
    for row in rows {
        let k = key(&row);
        if let Some(first) = map.get(&k) {
            let first = source(first).to_string();
            errors.push(row_error(
                source(&row),
                "id",
                ErrorKind::Duplicate { what: format!("{what} `{k}`"), first },
            ));
        } else {
            map.insert(k, row);
        }
    }
    map
}

/// Builds the dataset from its rows and validates it.
///
/// # Errors
///
/// Every repeated key, then — if there is none — every rule of `mutua_core::validate` broken, each located at
/// its row's [`Source`].
pub fn assemble(rows: DatasetRows) -> Result<ValidatedDataset, LoadErrors> {
    assemble_located(rows, |error| error)
}

/// [`assemble`], with each validation error passed through `locate` (the directory source moves a convention's
/// errors to the line of the TOML key they name).
pub(crate) fn assemble_located(
    rows: DatasetRows,
    locate: impl Fn(LoadError) -> LoadError,
) -> Result<ValidatedDataset, LoadErrors> {
    let mut errors = Vec::new();
    let parties = keyed(rows.parties, "party", |p| p.id.clone(), |p| &p.source, &mut errors);
    let dispositifs = keyed(rows.dispositifs, "dispositif", |d| d.id.clone(), |d| &d.source, &mut errors);
    let conventions = keyed(rows.conventions, "convention", |c| c.id.clone(), |c| &c.source, &mut errors);
    let populations = keyed(
        rows.populations,
        "population",
        |p| format!("{}/{}", p.party, p.millesime),
        |p| &p.source,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(LoadErrors::new(errors));
    }
    let mut population_table = PopulationTable::new(rows.meta.population_vintage_lag_years);
    for record in populations.into_values() {
        population_table.insert(record);
    }
    let dataset = Dataset {
        meta: rows.meta.meta,
        parties,
        populations: population_table,
        dispositifs,
        conventions,
        memberships: rows.memberships,
        activity: rows.activity,
        fte_costs: rows.fte_costs,
        valuations: rows.valuations,
        unit_costs: rows.unit_costs,
        unit_cost_updates: rows.unit_cost_updates,
        indices: rows.indices,
        cee_deposits: rows.cee_deposits,
        cee_operations: rows.cee_operations,
        carried: rows.carried,
        titres: rows.titres,
        attributions: rows.attributions,
    };
    ValidatedDataset::new(dataset).map_err(|rejected| {
        LoadErrors::new(rejected.errors.into_iter().map(|problem| locate(problem.into())).collect())
    })
}
