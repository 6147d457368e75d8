//! The `mutua` command-line tool: the only place that reads the clock, the environment or prints.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { data } => check::run(&data),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
