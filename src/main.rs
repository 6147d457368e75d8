//! The `mutua` command-line tool: the only place that reads the clock, the environment or prints.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod explain;
mod ledger;
mod output;
mod run;

/// Value, split and bill the shared services of a French métropole.
#[derive(Debug, Parser)]
#[command(name = "mutua", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a dataset and print a summary; on invalid data print every error as `file:line: field: message`.
    Check {
        /// The dataset directory.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
    },
    /// Run the semester batch: one consolidated document per debtor, as PDF, with manifest.json, lines.csv and
    /// carried.csv, written atomically into the output directory.
    Run {
        /// The dataset directory.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// The semester (`2026-S1`); by default the dataset's current semester.
        #[arg(long)]
        semester: Option<String>,
        /// The output directory, replaced as a whole on success.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The issue date printed on the documents (`YYYY-MM-DD`); by default today.
        #[arg(long)]
        issue_date: Option<String>,
        /// Render drafts marked "PROJET" instead of numbered documents; the ledger is not touched.
        #[arg(long)]
        dry_run: bool,
        /// The numbering ledger; by default `mutua-ledger.jsonl` in the output directory's parent.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// First number of a series without records yet, `SERIES=N` (e.g. `FAC-MEL-2026=412`); repeatable.
        #[arg(long, value_parser = parse_series_start)]
        series_start: Vec<(String, u64)>,
        /// How invoices and credit notes are written: `facturx` (PDF/A-3 with the CII XML embedded), `pdf` (plain
        /// PDF/A), `cii` (plain PDF/A and the CII XML beside it). Other documents are always plain PDF/A.
        #[arg(long, default_value = "facturx", value_parser = ["facturx", "pdf", "cii"])]
        format: String,
    },
    /// List the issued documents of a ledger and check it: no gap, no duplicate, every file matching its SHA-256.
    Ledger {
        /// The ledger file; by default `mutua-ledger.jsonl` beside the default output directory.
        #[arg(long, default_value = "mutua-ledger.jsonl")]
        ledger: PathBuf,
    },
    /// Explain, in French, how every amount of a commune for a semester was computed.
    Explain {
        /// The commune's INSEE code (or a party id such as MEL).
        #[arg(long)]
        commune: String,
        /// The semester (`2026-S1`); by default the dataset's current semester.
        #[arg(long)]
        semester: Option<String>,
        /// Only this dispositif (`cep`, `sim-ads`…).
        #[arg(long)]
        dispositif: Option<String>,
        /// The dataset directory.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
    },
}

fn parse_series_start(text: &str) -> Result<(String, u64), String> {
    let (series, start) = text.split_once('=').ok_or_else(|| format!("expected SERIES=N, got `{text}`"))?;
    let start: u64 = start.parse().map_err(|_| format!("`{start}` is not a positive number"))?;
    if start == 0 || series.is_empty() {
        return Err(format!("expected SERIES=N with N ≥ 1, got `{text}`"));
    }
    Ok((series.to_owned(), start))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { data } => check::run(&data),
        Command::Run { data, semester, out, issue_date, dry_run, ledger, series_start, format } => {
            match format.parse() {
                Ok(format) => run::run(run::RunArgs {
                    data,
                    semester,
                    out,
                    issue_date,
                    draft: dry_run,
                    ledger,
                    series_start,
                    format,
                }),
                Err(error) => Err(anyhow::Error::new(error)),
            }
        }
        Command::Ledger { ledger } => ledger::run(&ledger),
        Command::Explain { commune, semester, dispositif, data } => {
            explain::run(explain::ExplainArgs { commune, semester, dispositif, data })
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
