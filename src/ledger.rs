//! `mutua ledger`: list the issued documents and check the ledger.
#![allow(clippy::print_stderr, reason = "printing is the CLI's job")]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use mutua_invoice::ledger::{FileLedger, check};

/// Lists the ledger's documents on stdout; prints its problems on stderr; exit 1 on any error.
pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    if !path.is_file() {
        bail!("no ledger at `{}`", path.display());
    }
    let contents = match FileLedger::read(path) {
        Ok(contents) => contents,
        Err(error) => {
            eprintln!("{error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let cancelled: BTreeSet<&str> = contents.records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    let mut out = String::new();
    writeln!(
        out,
        "{:<22} {:<15} {:<8} {:<9} {:<8} {:<10} {:>13}  status",
        "number", "kind", "issuer", "recipient", "semester", "issued", "total"
    )?;
    for record in &contents.records {
        let status = match (&record.corrects, cancelled.contains(record.number.as_str())) {
            (Some(number), _) => format!("cancels {number}"),
            (None, true) => "cancelled".to_owned(),
            (None, false) => "in force".to_owned(),
        };
        writeln!(
            out,
            "{:<22} {:<15} {:<8} {:<9} {:<8} {:<10} {:>13}  {status}",
            record.number,
            record.kind.as_str(),
            record.issuer,
            record.recipient,
            record.semester,
            record.issue_date,
            record.total
        )?;
    }
    let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let problems = check(&contents.records, base);
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let missing = problems.len() - errors;
    writeln!(out, "{} document(s) in {}", contents.records.len(), path.display())?;
    crate::output::print_out(&out)?;
    if contents.torn_bytes > 0 {
        eprintln!(
            "warning: the last record is torn ({} bytes, an interrupted run); the next run cuts it and issues its number again",
            contents.torn_bytes
        );
    }
    for problem in &problems {
        let level = if problem.is_error() { "error" } else { "warning" };
        eprintln!("{level}: {problem}");
    }
    if errors > 0 {
        eprintln!("{errors} error(s), {missing} file(s) not found: the ledger does not check");
        return Ok(ExitCode::FAILURE);
    }
    if missing > 0 {
        eprintln!(
            "{missing} file(s) not found (moved or archived?); no gap, no duplicate, every file present matches"
        );
    }
    Ok(ExitCode::SUCCESS)
}
