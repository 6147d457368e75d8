//! `mutua-synth`: writes a synthetic dataset of any number of communes, cloned from a template, for benchmarks.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, reason = "printing the summary is the command line's job")]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mutua_synth::{Overwrite, Summary};

/// Génère un jeu de données synthétique de taille nationale (des milliers d'EPCI et de communes, clonés d'un
/// modèle), pour mesurer les performances de mutua. Le même nombre de communes et le même modèle donnent
/// toujours les mêmes fichiers, octet pour octet.
#[derive(Debug, Parser)]
#[command(name = "mutua-synth", version)]
struct Args {
    /// Le nombre de communes du jeu (35000 : la France)
    #[arg(long)]
    communes: usize,
    /// Le jeu de données modèle : un EPCI, ses communes et ses conventions
    #[arg(long, default_value = "fixtures/mel")]
    template: PathBuf,
    /// Le dossier où écrire le jeu (absent ou vide)
    #[arg(long)]
    out: PathBuf,
    /// Remplace les fichiers d'un jeu déjà présent dans le dossier (dataset.toml, *.csv, conventions/*.toml)
    #[arg(long)]
    force: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let overwrite = if args.force { Overwrite::Replace } else { Overwrite::Refuse };
    #[allow(clippy::disallowed_methods, reason = "the command line reports how long the generation took")]
    let started = std::time::Instant::now();
    match mutua_synth::generate_with(&args.template, args.communes, &args.out, overwrite) {
        Ok(summary) => {
            print!("{}", report(&summary, &args.out, started.elapsed().as_millis()));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mutua-synth : {error}");
            ExitCode::FAILURE
        }
    }
}

/// `1234567` → `1 234 567`.
fn grouped(number: u128) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// `12345678` bytes → `12,3 Mo`.
fn megabytes(bytes: u64) -> String {
    let tenths = (u128::from(bytes) + 50_000) / 100_000;
    format!("{},{} Mo", grouped(tenths / 10), tenths % 10)
}

fn report(summary: &Summary, out: &std::path::Path, millis: u128) -> String {
    let mut text = format!(
        "{} communes en {} EPCI écrites dans {} en {},{:03} s\n",
        grouped(summary.communes as u128),
        grouped(summary.epci_sizes.len() as u128),
        out.display(),
        millis / 1000,
        millis % 1000
    );
    for file in &summary.files {
        let what = if file.name == "conventions/" { "fichiers" } else { "lignes" };
        text.push_str(&format!(
            "  {:<24}{:>12} {what:<9}{:>12}\n",
            file.name,
            grouped(file.rows as u128),
            megabytes(file.bytes)
        ));
    }
    text
}
