//! `mutua import`: a dataset written as one JSON document (`mutua_dataset::json`).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

/// Loads `data`, then writes it to `out` as JSON; refuses an existing `out`.
pub fn run(data: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let dataset = match crate::run::load(data) {
        Ok(dataset) => dataset,
        Err(code) => return Ok(code),
    };
    let bytes = mutua_dataset::json::to_json(&mutua_dataset::DatasetRows::of(&dataset));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(out).with_context(|| {
        format!("{} ne peut être créé (un fichier existant n'est jamais remplacé)", out.display())
    })?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("écriture de {}", out.display()))?;
    eprintln!(
        "{} : {} parties, {} conventions, {} adhésions, {} lignes d'activité écrites ({} octets)",
        out.display(),
        dataset.parties.len(),
        dataset.conventions.len(),
        dataset.memberships.len(),
        dataset.activity.len(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
