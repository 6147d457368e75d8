//! Issue a semester from a library call, as a finance system embedding mutua would: load a dataset, issue
//! 2026-S1 into a temporary folder with a file ledger, print what was issued, then issue again and see that
//! nothing is issued twice.
//!
//! ```sh
//! cargo run --release --example issue_semester            # the bundled MEL dataset
//! cargo run --release --example issue_semester -- DATASET # another dataset directory
//! ```
#![allow(clippy::print_stdout, reason = "an example prints what it did")]

use std::path::PathBuf;

use mutua_issue::{
    DirectoryTarget, IssueOptions, LockWait, NoProgress, OutputFormat, Status, issue_to_directory,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"), PathBuf::from);
    let dataset = mutua_dataset::load(&data).map_err(|errors| errors.to_string())?;
    let folder = tempfile::tempdir()?;
    let options = IssueOptions {
        semester: "2026-S1".parse()?,
        // The library never reads the clock: the issue date is the caller's.
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 7, 15).ok_or("date")?,
        format: OutputFormat::FacturX,
        series_start: Default::default(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    };
    let target = DirectoryTarget {
        out: folder.path().join("out"),
        ledger: folder.path().join("mutua-ledger.jsonl"),
        holder: format!("example issue_semester, process {}", std::process::id()),
        wait: LockWait::Fail,
    };
    let report = issue_to_directory(&dataset, &options, &target, &NoProgress)?;
    let total =
        mutua_core::Amount::checked_sum(report.with_status(Status::Issued).map(|record| record.total))?;
    println!(
        "{}: {} documents issued into {} (total {total}), ledger head {} entries",
        report.semester,
        report.with_status(Status::Issued).count(),
        target.out.display(),
        report.ledger_head.entries
    );
    for record in report.with_status(Status::Issued).take(3) {
        println!(
            "  {} {} → {} {}  {}",
            record.number, record.issuer, record.recipient, record.total, record.file.name
        );
    }
    let again = issue_to_directory(&dataset, &options, &target, &NoProgress)?;
    println!(
        "again: {} issued, {} kept, ledger head {} entries",
        again.with_status(Status::Issued).count(),
        again.with_status(Status::Kept).count(),
        again.ledger_head.entries
    );
    assert_eq!(again.ledger_head, report.ledger_head, "a second run on the same inputs issues nothing");
    Ok(())
}
