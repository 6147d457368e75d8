//! The `mutua` command-line tool: the only place that reads the clock, the environment or prints.
#![forbid(unsafe_code)]

// mimalloc rather than the system allocator: a national run allocates and frees millions of small buffers
// (records, cells, page content), and at 35,000 communes it spends about 13% less CPU with it. The library
// crates choose no allocator: an embedding program keeps its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod explain;
mod import;
mod ledger;
mod notice;
mod output;
mod run;

/// Valorise, répartit et facture les services mutualisés d'une métropole et de ses communes.
#[derive(Debug, Parser)]
#[command(name = "mutua", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Vérifie un jeu de données et le semestre tel que `mutua run` le calculerait, sans rien écrire ; sur des
    /// données invalides, affiche chaque erreur (`fichier:ligne: champ: message`, ou `table[clé]: champ: message`).
    Check {
        /// Le jeu de données : un dossier de fichiers CSV et TOML, ou un document JSON (`mutua import`).
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// Le semestre à vérifier comme `mutua run` le calculerait (`2026-S1`) ; par défaut le semestre courant.
        #[arg(long)]
        semester: Option<String>,
        /// Le registre de numérotation, pour ce que les semestres passés ont facturé (régularisations) ; par
        /// défaut `mutua-ledger.jsonl`, celui de `mutua run`. Un registre absent n'a rien facturé.
        #[arg(long, default_value = "mutua-ledger.jsonl")]
        ledger: PathBuf,
    },
    /// Émet le semestre : une facture consolidée par débiteur, les avis de versement, avis de remboursement et
    /// états d'imputation, en PDF (Factur-X), avec manifest.json, lines.csv et carried.csv. Chaque document est
    /// numéroté une fois, enregistré au registre et jamais remplacé.
    Run {
        /// Le jeu de données : un dossier de fichiers CSV et TOML, ou un document JSON (`mutua import`).
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// Le semestre (`2026-S1`) ; par défaut le semestre courant du jeu de données.
        #[arg(long)]
        semester: Option<String>,
        /// Le dossier des documents émis (par défaut `out`, ou `out-projet` avec --dry-run). Il est créé s'il
        /// n'existe pas ; un fichier, ou un dossier non vide que mutua n'a pas écrit, est refusé.
        #[arg(long)]
        out: Option<PathBuf>,
        /// La date d'émission des nouveaux documents (`AAAA-MM-JJ`) ; par défaut aujourd'hui. Les documents
        /// conservés gardent la leur.
        #[arg(long)]
        issue_date: Option<String>,
        /// Produit des projets marqués « PROJET », sans numéro, sans toucher au registre ni aux documents émis.
        #[arg(long)]
        dry_run: bool,
        /// Le registre de numérotation ; par défaut `mutua-ledger.jsonl` dans le dossier parent de --out.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// Premier numéro d'une série encore vide, `SÉRIE=N` (par exemple `FAC-MEL-2026=412`) ; répétable.
        #[arg(long, value_parser = parse_series_start)]
        series_start: Vec<(mutua_issue::Series, u64)>,
        /// Format des factures et avoirs : `facturx` (PDF/A-3 avec le XML CII intégré), `pdf` (PDF/A simple),
        /// `cii` (PDF/A et le XML CII à côté). Les autres documents sont toujours en PDF/A simple.
        #[arg(long, default_value = "facturx", value_parser = ["facturx", "pdf", "cii"])]
        format: String,
        /// Attendre jusqu'à N secondes qu'une autre exécution libère le registre (par défaut : refus immédiat).
        #[arg(long, value_name = "SECONDES", default_value_t = 0)]
        wait: u64,
        /// Nombre de documents rendus, écrits et enregistrés ensemble (un engagement du registre par lot) ; il ne
        /// change aucun octet des documents ni du registre.
        #[arg(long, value_name = "N", default_value_t = mutua_issue::DEFAULT_CHUNK as u64,
              value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        chunk: u64,
        /// Tests only: inject a fault in the commit protocol (`STEP:error|abort[:N]`); refused by a release build.
        #[arg(long, hide = true)]
        test_fault: Option<mutua_issue::fault::Fault>,
    },
    /// Liste les documents émis et vérifie le registre : numérotation continue, chaîne de contrôle, ancre, et
    /// chaque fichier émis présent et identique à son empreinte.
    Ledger {
        /// Le registre ; par défaut `mutua-ledger.jsonl` à côté du dossier de sortie par défaut.
        #[arg(long, default_value = "mutua-ledger.jsonl")]
        ledger: PathBuf,
        /// Convertit d'abord un registre d'un ancien format (l'original est conservé en `.v1` ou `.v2`).
        #[arg(long)]
        migrate: bool,
        /// Réécrit l'ancre perdue d'un registre à partir du registre tel qu'il est : seulement pour un registre
        /// dont vous savez qu'il est complet.
        #[arg(long)]
        reanchor: bool,
        /// Un dossier de sortie à vérifier en plus de ceux que nomme le registre (par défaut `out` à côté du
        /// registre) : aucun document inconnu du registre ne doit s'y trouver.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Explique le calcul de chaque montant d'une commune pour un semestre, ligne par ligne, tel que les
    /// documents du semestre le portent.
    Explain {
        /// Le code INSEE de la commune (ou l'identifiant d'une partie, comme MEL).
        #[arg(long)]
        commune: String,
        /// Le semestre (`2026-S1`) ; par défaut le semestre courant du jeu de données.
        #[arg(long)]
        semester: Option<String>,
        /// Seulement ce dispositif (`cep`, `sim-ads`…), avec son rapprochement.
        #[arg(long)]
        dispositif: Option<String>,
        /// Le jeu de données : un dossier de fichiers CSV et TOML, ou un document JSON.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// Le registre de numérotation, pour ce que les semestres passés ont facturé (régularisations) ; par
        /// défaut `mutua-ledger.jsonl`, celui de `mutua run`. Un registre absent n'a rien facturé.
        #[arg(long, default_value = "mutua-ledger.jsonl")]
        ledger: PathBuf,
    },
    /// Établit la notification annuelle du coût unitaire de fonctionnement (article D5211-16 du CGCT) de chaque
    /// dispositif facturé au coût unitaire pendant l'exercice : DOSSIER/ANNÉE/DISPOSITIF.pdf et .csv. Le coût est
    /// constaté sur le compte administratif nommé dans unit_costs.csv, actualisé par unit_cost_updates.csv. Un
    /// fichier déjà écrit à l'identique est laissé tel quel ; un fichier différent n'est jamais remplacé.
    Notice {
        /// L'exercice dont le coût unitaire est notifié (`2027`).
        #[arg(long)]
        year: String,
        /// La date de la notification (`AAAA-MM-JJ`), imprimée sur le document ; elle précède le vote des budgets.
        #[arg(long)]
        date: String,
        /// Le jeu de données : un dossier de fichiers CSV et TOML, ou un document JSON.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// Le dossier des notifications (créé s'il n'existe pas), distinct du dossier de sortie d'un semestre.
        #[arg(long, default_value = "notices")]
        out: PathBuf,
    },
    /// Écrit un jeu de données valide en un seul document JSON, que `--data` accepte partout à la place du
    /// dossier (une source de données comme une autre pour un système d'information financier).
    Import {
        /// Le jeu de données à lire.
        #[arg(long, default_value = "fixtures/mel")]
        data: PathBuf,
        /// Le document JSON à écrire ; un fichier existant est refusé.
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_series_start(text: &str) -> Result<(mutua_issue::Series, u64), String> {
    let (series, start) = text.split_once('=').ok_or_else(|| format!("attendu SÉRIE=N, reçu « {text} »"))?;
    let series: mutua_issue::Series =
        series.parse().map_err(|error: mutua_issue::SeriesError| error.to_string())?;
    let start: u64 = start.parse().map_err(|_| format!("« {start} » n'est pas un nombre entier positif"))?;
    if start == 0 {
        return Err(format!("le premier numéro doit être ≥ 1 (reçu « {text} »)"));
    }
    Ok((series, start))
}

/// An error and its causes, each cause once: a cause that its error already prints is not repeated.
fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check { data, semester, ledger } => check::run(&data, semester.as_deref(), &ledger),
        Command::Run {
            data,
            semester,
            out,
            issue_date,
            dry_run,
            ledger,
            series_start,
            format,
            wait,
            chunk,
            test_fault,
        } => {
            if let Some(fault) = test_fault
                && let Err(error) = mutua_issue::fault::install(fault)
            {
                eprintln!("erreur : {error}");
                return ExitCode::FAILURE;
            }
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
                    wait_seconds: wait,
                    chunk: usize::try_from(chunk).unwrap_or(mutua_issue::DEFAULT_CHUNK),
                }),
                Err(error) => Err(anyhow::Error::new(error)),
            }
        }
        Command::Ledger { ledger, migrate, reanchor, out } => {
            ledger::run(&ledger::LedgerArgs { path: &ledger, migrate, reanchor, out: out.as_deref() })
        }
        Command::Explain { commune, semester, dispositif, data, ledger } => {
            explain::run(explain::ExplainArgs { commune, semester, dispositif, data, ledger })
        }
        Command::Import { data, out } => import::run(&data, &out),
        Command::Notice { year, date, data, out } => {
            notice::run(&notice::NoticeArgs { data, year, out, date })
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("erreur : {}", error_text(&error));
            ExitCode::FAILURE
        }
    }
}
