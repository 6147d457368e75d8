//! `mutua check`: validate a dataset and summarise it.
#![allow(clippy::print_stdout, reason = "printing the summary is the CLI's job")]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use mutua_core::{PopulationKind, ValuationBasis};

/// Loads and validates the dataset in `data`, then checks the semester (`semester`, or the dataset's current one)
/// as `mutua run` would compute it; prints a summary and the reconciliation to stdout (exit 0) or every error to
/// stderr, one `file:line: field: message` per line followed by their count (exit 1). Warnings go to stderr and
/// do not change the exit code.
pub fn run(data: &Path, semester: Option<&str>, ledger: &Path) -> anyhow::Result<ExitCode> {
    if !data.is_dir() && !data.is_file() {
        bail!("aucun jeu de données à `{}` (ni dossier, ni document JSON)", data.display());
    }
    let dataset = match mutua_dataset::load(data) {
        Ok(dataset) => dataset,
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!("{} in {}", counted(errors.len(), "error"), data.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let semester = match semester {
        Some(text) => crate::run::parse_semester(text)?,
        None => dataset.meta.current_semester,
    };
    let history = match crate::run::read_history(&dataset, semester, ledger, data)? {
        Ok(history) => history,
        Err(code) => return Ok(code),
    };
    let report = mutua_issue::check(&dataset, semester, None, mutua_issue::Depth::Layout, &history);
    for warning in &report.warnings {
        eprintln!("attention : {warning}");
    }
    if !report.is_ok() {
        for error in &report.errors {
            eprintln!("{error}");
        }
        eprintln!("{} in {} for {semester}", counted(report.errors.len(), "error"), data.display());
        return Ok(ExitCode::FAILURE);
    }
    let mut out = summary(&dataset, data);
    if let Some(batch) = &report.batch {
        out.push_str(&mutua_documents::present::reconciliation::text(batch.semester, &batch.dispositifs));
        for line in mutua_documents::present::reconciliation::unbilled_warnings(&batch.pools) {
            eprintln!("attention : {line}");
        }
    }
    crate::output::print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The summary of a valid dataset, in English, one fact per line.
fn summary(dataset: &mutua_core::ValidatedDataset, data: &Path) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored rather than unwrapped.
    let _ = writeln!(out, "Dataset: {} ({})", dataset.meta.name, data.display());
    let current = dataset.meta.current_semester;
    let _ = writeln!(out, "Current semester: {current}");

    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for party in dataset.parties.values() {
        *kinds.entry(party.kind.as_str()).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(kind, count)| format!("{kind} {count}")).collect();
    let _ = writeln!(out, "Parties: {} ({})", dataset.parties.len(), kinds.join(", "));

    let millesimes = dataset.populations.millesimes();
    if millesimes.is_empty() {
        let _ = writeln!(out, "Populations: none");
    } else {
        let _ = writeln!(out, "Populations:");
        for millesime in millesimes {
            let communes = dataset.populations.records().filter(|r| r.millesime == millesime).count();
            let municipale = dataset.populations.total(millesime, PopulationKind::Municipale);
            let _ = writeln!(
                out,
                "  millésime {millesime}: {communes} communes, population municipale {municipale}"
            );
        }
    }
    let _ = writeln!(out, "Dispositifs: {}", dataset.dispositifs.len());
    let _ = writeln!(out, "Conventions: {}", dataset.conventions.len());

    let _ = writeln!(out, "Memberships: {}", dataset.memberships.len());
    let period = current.period();
    let active_header = format!("active in {current}");
    let rows: Vec<[String; 4]> = dataset
        .conventions
        .values()
        .map(|convention| {
            let mut active: Vec<&str> = dataset
                .members_of(&convention.id)
                .filter(|m| period.intersect(m.range).is_some())
                .map(|m| m.member.as_str())
                .collect();
            active.sort_unstable();
            active.dedup();
            [
                convention.id.to_string(),
                convention.dispositif.to_string(),
                active.len().to_string(),
                dataset.member_count(&convention.id).to_string(),
            ]
        })
        .collect();
    let header = ["convention".to_owned(), "dispositif".to_owned(), active_header, "ever".to_owned()];
    let mut widths = header.clone().map(|cell| cell.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
    }

    let years = dataset.years_covered();
    let years = match (years.first(), years.last()) {
        (Some(first), Some(last)) if first == last => first.to_string(),
        (Some(first), Some(last)) => format!("{first}–{last}"),
        _ => "none".to_owned(),
    };
    let _ = writeln!(out, "Years covered: {years}");
    let _ = writeln!(out, "Activity: {}", counted(dataset.activity.len(), "row"));
    let forecasts = dataset.valuations.iter().filter(|v| v.basis == ValuationBasis::Forecast).count();
    let _ = writeln!(
        out,
        "Valuations: {} ({forecasts} forecast, {} actual); loaded FTE costs: {}",
        dataset.valuations.len(),
        dataset.valuations.len() - forecasts,
        dataset.fte_costs.len()
    );
    if !dataset.unit_costs.is_empty() {
        let derived: Vec<String> = dataset
            .unit_costs
            .iter()
            .map(|d| {
                let updates = dataset
                    .unit_cost_updates
                    .iter()
                    .filter(|u| u.dispositif == d.dispositif && u.year == d.year)
                    .count();
                format!(
                    "{} {} from the compte administratif {} ({})",
                    d.dispositif,
                    d.year,
                    d.compte_administratif,
                    counted(updates, "update")
                )
            })
            .collect();
        let _ = writeln!(out, "D5211-16 unit costs: {}", derived.join("; "));
    }
    let _ = writeln!(
        out,
        "CEE: {}, {}",
        counted(dataset.cee_deposits.len(), "deposit"),
        counted(dataset.cee_operations.len(), "operation")
    );
    let _ =
        writeln!(out, "Index values: {}; carried amounts: {}", dataset.indices.len(), dataset.carried.len());
    let _ = writeln!(out, "No errors.");
    out
}

/// `1 error`, `2 errors`.
fn counted(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}
