//! Helpers shared by the end-to-end tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The bundled MEL dataset.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel")
}

/// Copies a directory tree (a dataset, to change it in a test).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs the built `mutua` binary from the workspace root.
pub fn mutua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mutua"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the mutua binary runs")
}

/// An external tool on the `PATH` (`pdftotext`, `qpdf`), or `None` — allowed only when `MUTUA_SKIP_PDF_TOOLS` is
/// set, so that CI, which installs them, never skips the PDF checks silently.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("MUTUA_SKIP_PDF_TOOLS").is_some(),
            "`{name}` is not installed: run .ci/run, or apt-get install poppler-utils qpdf (or set MUTUA_SKIP_PDF_TOOLS=1)"
        );
        eprintln!("skipping: {name} not installed");
    }
    found
}

/// Whitespace collapsed, the narrow and plain no-break spaces as spaces (as poppler writes them, or not).
pub fn normalise(text: &str) -> String {
    text.replace(['\u{202f}', '\u{a0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a run of the CLI printed, standard output then standard error.
pub fn output_text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
