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
    let mut errors = Vec::new();
    let meta = conventions::meta(dir, &mut errors);
    let parties = tables::parties(dir, &mut errors);
    let populations = tables::populations(dir, &mut errors);
    let dispositifs = tables::dispositifs(dir, &mut errors);
    let conventions = conventions::conventions(dir, &mut errors);
    let memberships = tables::memberships(dir, &mut errors);
    let activity = tables::activity(dir, &mut errors);
    let fte_costs = tables::fte_costs(dir, &mut errors);
    let valuations = tables::valuations(dir, &mut errors);
    let unit_costs = tables::unit_costs(dir, &mut errors);
    let unit_cost_updates = tables::unit_cost_updates(dir, &mut errors);
    let cee_deposits = tables::cee_deposits(dir, &mut errors);
    let cee_operations = tables::cee_operations(dir, &mut errors);
    let indices = tables::indices(dir, &mut errors);
    let carried = tables::carried(dir, &mut errors);
    let titres = tables::titres(dir, &mut errors);
    let attributions = tables::attributions(dir, &mut errors);
    let Some((meta, population_vintage_lag_years)) = meta else { return Err(LoadErrors::new(errors)) };
    if !errors.is_empty() {
        return Err(LoadErrors::new(errors));
    }
    let rows = DatasetRows {
        meta: MetaRow { meta, population_vintage_lag_years },
        parties,
        populations,
        dispositifs,
        conventions: conventions.list,
        memberships,
        activity,
        fte_costs,
        valuations,
        unit_costs,
        unit_cost_updates,
        indices,
        cee_deposits,
        cee_operations,
        carried,
        titres,
        attributions,
    };
    let lines = conventions.lines;
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
