//! Loading a whole dataset directory: every file read, every error collected, then validation.

use std::collections::BTreeMap;
use std::path::Path;

use mutua_core::ValidatedDataset;

use crate::conventions;
use crate::error::{ErrorKind, LoadError, LoadErrors};
use crate::rows::{DatasetRows, MetaRow, assemble_located};
use crate::tables;

/// Loads a dataset and validates it: a directory of CSV and TOML files, or a JSON document (a file whose name
/// ends in `.json`, see [`crate::json`]).
///
/// # Errors
///
/// Every problem found, each located (`file:line: field: message`, or `table[key]: field: message`).
pub fn load(path: &Path) -> Result<ValidatedDataset, LoadErrors> {
    if path.is_file() && path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("json")) {
        return crate::json::load_json(path);
    }
    load_directory(path)
}

/// Loads the dataset in `dir` and validates it.
///
/// Every file is read even when others fail, and every row of a file even when others fail, so that all
/// parse errors come out at once. Validation ([`mutua_core::validate`]) then runs only if everything loaded:
/// on a partly loaded dataset it would report consequences of the parse errors (a membership of a party whose
/// row did not parse) rather than problems of their own. Validation errors about a convention are located on
/// the line of the key they name (`terms[1].from`) in its file.
///
/// # Errors
///
/// Every problem found, each located as `file:line: field: message`.
pub fn load_directory(dir: &Path) -> Result<ValidatedDataset, LoadErrors> {
    if !dir.is_dir() {
        let kind = ErrorKind::NotADirectory(dir.display().to_string());
        return Err(LoadErrors::new(vec![LoadError::new(".", 0, "directory", kind)]));
    }
    // `cee_operations.csv` is most of a large dataset's bytes: it is read on another thread of the pool while
    // this one reads the rest. Each side collects its own errors, and `LoadErrors` sorts them by file and line:
    // the outcome is the same on any number of threads.
    let ((cee_operations, cee_errors), (tables, mut errors)) = rayon::join(
        || {
            let mut errors = Vec::new();
            (tables::cee_operations(dir, &mut errors), errors)
        },
        || {
            let mut errors = Vec::new();
            (Tables::read(dir, &mut errors), errors)
        },
    );
    errors.extend(cee_errors);
    let Some((rows, lines)) = tables.into_rows(cee_operations).filter(|_| errors.is_empty()) else {
        return Err(LoadErrors::new(errors));
    };
    assemble_located(rows, |error| locate_in_convention(error, &lines))
}

/// A validation error about a convention carries the line of its `id`; move it to the line of the key
/// path it names.
fn locate_in_convention(
    mut error: LoadError,
    lines: &BTreeMap<String, crate::toml_doc::PathLines>,
) -> LoadError {
    if let Some(lines) = lines.get(&error.file) {
        error.line = lines.line_of_path(&error.field);
    }
    error
}

/// Every file of a dataset directory but `cee_operations.csv`, as read.
struct Tables {
    meta: Option<(mutua_core::DatasetMeta, i32)>,
    parties: Vec<mutua_core::Party>,
    populations: Vec<mutua_core::PopulationRecord>,
    dispositifs: Vec<mutua_core::Dispositif>,
    conventions: conventions::Conventions,
    memberships: Vec<mutua_core::Membership>,
    activity: Vec<mutua_core::ActivityRecord>,
    fte_costs: Vec<mutua_core::FteCost>,
    valuations: Vec<mutua_core::Valuation>,
    unit_costs: Vec<mutua_core::UnitCostDerivation>,
    unit_cost_updates: Vec<mutua_core::UnitCostUpdate>,
    cee_deposits: Vec<mutua_core::CeeDeposit>,
    indices: Vec<mutua_core::IndexValue>,
    carried: Vec<mutua_core::CarriedAmount>,
    titres: Vec<mutua_core::Titre>,
    attributions: Vec<mutua_core::AttributionCompensation>,
}

impl Tables {
    /// The rows of the dataset, with `cee_operations`, and the key lines of each convention file; `None` when
    /// `dataset.toml` did not load (an error says why).
    fn into_rows(
        self,
        cee_operations: Vec<mutua_core::CeeOperation>,
    ) -> Option<(DatasetRows, BTreeMap<String, crate::toml_doc::PathLines>)> {
        let (meta, population_vintage_lag_years) = self.meta?;
        let rows = DatasetRows {
            meta: MetaRow { meta, population_vintage_lag_years },
            parties: self.parties,
            populations: self.populations,
            dispositifs: self.dispositifs,
            conventions: self.conventions.list,
            memberships: self.memberships,
            activity: self.activity,
            fte_costs: self.fte_costs,
            valuations: self.valuations,
            unit_costs: self.unit_costs,
            unit_cost_updates: self.unit_cost_updates,
            indices: self.indices,
            cee_deposits: self.cee_deposits,
            cee_operations,
            carried: self.carried,
            titres: self.titres,
            attributions: self.attributions,
        };
        Some((rows, self.conventions.lines))
    }

    fn read(dir: &Path, errors: &mut Vec<LoadError>) -> Tables {
        Tables {
            meta: conventions::meta(dir, errors),
            parties: tables::parties(dir, errors),
            populations: tables::populations(dir, errors),
            dispositifs: tables::dispositifs(dir, errors),
            conventions: conventions::conventions(dir, errors),
            memberships: tables::memberships(dir, errors),
            activity: tables::activity(dir, errors),
            fte_costs: tables::fte_costs(dir, errors),
            valuations: tables::valuations(dir, errors),
            unit_costs: tables::unit_costs(dir, errors),
            unit_cost_updates: tables::unit_cost_updates(dir, errors),
            cee_deposits: tables::cee_deposits(dir, errors),
            indices: tables::indices(dir, errors),
            carried: tables::carried(dir, errors),
            titres: tables::titres(dir, errors),
            attributions: tables::attributions(dir, errors),
        }
    }
}
