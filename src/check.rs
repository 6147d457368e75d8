//! `mutua check`: validate a dataset and summarise it.

use std::path::Path;
use std::process::ExitCode;

/// Loads and validates the dataset in `data`; prints a summary (exit 0) or every error (exit 1).
pub fn run(data: &Path) -> anyhow::Result<ExitCode> {
    let _ = data;
    Ok(ExitCode::FAILURE)
}
