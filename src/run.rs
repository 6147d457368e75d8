//! `mutua run`: the semester batch, through the issuing library — this module only reads the arguments, the
//! clock and the terminal, and prints what the library reports.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "printing is the CLI's job")]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mutua_core::{Amount, Dataset, Semester, ValidatedDataset};
use mutua_issue::{
    DirectoryTarget, DraftReport, IssueOptions, IssueReport, LockWait, OutputFormat, Progress, Series,
    Status, draft_to_directory, issue_to_directory,
};

/// What `mutua run` was asked to do.
#[derive(Debug)]
pub struct RunArgs {
    /// The dataset directory.
    pub data: PathBuf,
    /// The semester, or the dataset's current one.
    pub semester: Option<String>,
    /// The output directory (by default `out`, or `out-projet` for a dry run).
    pub out: Option<PathBuf>,
    /// The issue date, or today.
    pub issue_date: Option<String>,
    /// Render drafts ("PROJET") instead of numbered documents, leaving the ledger untouched.
    pub draft: bool,
    /// The ledger file, or the default beside the output directory.
    pub ledger: Option<PathBuf>,
    /// First numbers of series without records.
    pub series_start: Vec<(Series, u64)>,
    /// How invoices and credit notes are written: Factur-X, plain PDF, or PDF + CII XML.
    pub format: OutputFormat,
    /// How long to wait for another run's lock, in seconds (0: fail at once).
    pub wait_seconds: u64,
    /// Documents per commit group.
    pub chunk: usize,
}

/// Today's date in UTC: the CLI is the only place that reads the clock.
pub fn today() -> NaiveDate {
    now_utc().date()
}

/// The current time in UTC, for the default issue date and to describe a run to another one its lock refuses.
#[allow(clippy::disallowed_methods, reason = "the CLI is where the clock is read")]
fn now_utc() -> chrono::NaiveDateTime {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    chrono::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(0), 0).unwrap_or_default().naive_utc()
}

/// How this process describes itself in a lock file.
pub fn holder(command: &str) -> String {
    format!(
        "{command}, processus {}, depuis le {} UTC",
        std::process::id(),
        now_utc().format("%d/%m/%Y %H:%M:%S")
    )
}

/// Parses a semester given on the command line, with a clear message.
pub fn parse_semester(text: &str) -> anyhow::Result<Semester> {
    text.parse::<Semester>().with_context(|| format!("--semester « {text} » invalide"))
}

/// Checks that the dataset has data for the semester's year.
pub fn check_semester_covered(dataset: &Dataset, semester: Semester) -> anyhow::Result<()> {
    let years = dataset.years_covered();
    if !years.contains(&semester.year) {
        let covered = years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        bail!("le jeu de données n'a aucune donnée pour {semester} (années couvertes : {covered})");
    }
    Ok(())
}

/// Loads a dataset and picks the semester (the one given, or the dataset's current one), checking the dataset
/// covers it. An invalid dataset has its errors printed and gives the exit code to return.
pub fn load_for_semester(
    data: &Path,
    semester: Option<&str>,
) -> anyhow::Result<Result<(ValidatedDataset, Semester), ExitCode>> {
    let dataset = match load(data) {
        Ok(dataset) => dataset,
        Err(code) => return Ok(Err(code)),
    };
    let semester = match semester {
        Some(text) => parse_semester(text)?,
        None => dataset.meta.current_semester,
    };
    check_semester_covered(&dataset, semester)?;
    Ok(Ok((dataset, semester)))
}

/// Prints every located error on stderr, then `summary` (their count and what was not done): exit 1.
pub fn refused<E: std::fmt::Display>(errors: impl IntoIterator<Item = E>, summary: &str) -> ExitCode {
    let mut count = 0;
    for error in errors {
        eprintln!("{error}");
        count += 1;
    }
    eprintln!("{count} erreur(s) dans {summary}");
    ExitCode::FAILURE
}

/// Loads a dataset, printing every error on stderr when it is invalid.
pub fn load(data: &Path) -> Result<ValidatedDataset, ExitCode> {
    match mutua_dataset::load(data) {
        Ok(dataset) => Ok(dataset),
        Err(errors) => Err(refused(&errors, &format!("{} : rien n'a été calculé ni écrit", data.display()))),
    }
}

/// A progress bar on stderr, drawn only on a terminal (logs and CI stay clean).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.set_length(total as u64);
        self.0.set_position(0);
    }

    fn rendered(&self) {
        self.0.inc(1);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn progress_bar() -> Bar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} rendu {pos}/{len} documents [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Bar(bar)
}

/// What the ledger at `ledger` (and the dataset's titres) say past semesters billed and carried, for the run of
/// `semester`, read without changing it; titres or `carried.csv` rows the ledger supersedes are printed, located,
/// and give `Err(exit 1)`.
pub fn read_history(
    dataset: &mutua_core::ValidatedDataset,
    semester: mutua_core::Semester,
    ledger: &Path,
    data: &Path,
) -> anyhow::Result<Result<mutua_alloc::History, ExitCode>> {
    match mutua_issue::ledger_history(dataset, semester, ledger, LockWait::Fail) {
        Ok(history) => Ok(Ok(history)),
        Err(mutua_issue::IssueError::Check(errors)) => Ok(Err(refused(
            &errors,
            &format!("{} au regard du registre {}", data.display(), ledger.display()),
        ))),
        Err(error) => Err(error.into()),
    }
}

/// The default ledger: `mutua-ledger.jsonl` in the output directory's parent, so that it outlives the outputs.
pub fn default_ledger(out: &Path) -> PathBuf {
    mutua_issue::ledger_dir(out).join("mutua-ledger.jsonl")
}

/// Runs the batch.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let (dataset, semester) = match load_for_semester(&args.data, args.semester.as_deref())? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    // What the batch runs with but a finance officer should know first (members leaving their eligibility).
    for warning in dataset.warnings() {
        eprintln!("attention : {}", mutua_documents::present::warning_located_fr(warning));
    }
    let issue_date = match &args.issue_date {
        Some(text) => {
            mutua_core::parse_date(text).with_context(|| format!("--issue-date « {text} » invalide"))?
        }
        None => today(),
    };
    let wait = LockWait::up_to(Duration::from_secs(args.wait_seconds));
    let bar = progress_bar();
    if args.draft {
        let out = args.out.unwrap_or_else(|| PathBuf::from("out-projet"));
        let ledger = args.ledger.clone().unwrap_or_else(|| default_ledger(&out));
        let report = match draft_to_directory(
            &dataset,
            semester,
            issue_date,
            &out,
            &ledger,
            &holder("mutua run --dry-run"),
            wait,
            &bar,
        ) {
            Ok(report) => report,
            Err(mutua_issue::IssueError::Check(errors)) => {
                let summary = format!("{} pour {semester} : aucun projet écrit", args.data.display());
                return Ok(refused(&errors, &summary));
            }
            Err(error) => return Err(error.into()),
        };
        for line in mutua_documents::present::reconciliation::unbilled_warnings(&report.pools) {
            eprintln!("attention : {line}");
        }
        crate::output::print_out(&draft_summary(&report, &out))?;
        return Ok(ExitCode::SUCCESS);
    }
    let out = args.out.unwrap_or_else(|| PathBuf::from("out"));
    let ledger = args.ledger.unwrap_or_else(|| default_ledger(&out));
    let mut series_start = BTreeMap::new();
    for (series, start) in args.series_start {
        if series_start.insert(series.clone(), start).is_some() {
            bail!("--series-start {series} est donné deux fois");
        }
    }
    let options = IssueOptions { semester, issue_date, format: args.format, series_start, chunk: args.chunk };
    let target =
        DirectoryTarget { out: out.clone(), ledger: ledger.clone(), holder: holder("mutua run"), wait };
    let report = match issue_to_directory(&dataset, &options, &target, &bar) {
        Ok(report) => report,
        Err(mutua_issue::IssueError::Check(errors)) => {
            let summary = format!(
                "{} pour {semester} : rien n'est émis (mutua check --semester {semester} dit la même chose)",
                args.data.display()
            );
            return Ok(refused(&errors, &summary));
        }
        Err(error) => return Err(error.into()),
    };
    for line in mutua_documents::present::reconciliation::unbilled_warnings(&report.pools) {
        eprintln!("attention : {line}");
    }
    for notice in &report.notices {
        eprintln!("note : {notice}");
    }
    crate::output::print_out(&summary(&report, &out, &ledger))?;
    if report.after_commit.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &report.after_commit {
        eprintln!("erreur après validation : {failure}");
    }
    eprintln!(
        "les documents sont émis et enregistrés au registre ; relancez la même commande pour compléter le dossier \
         de sortie (rien ne sera émis deux fois)"
    );
    Ok(ExitCode::FAILURE)
}

fn status_fr(status: Status) -> &'static str {
    match status {
        Status::Issued => "émis",
        Status::Kept => "conservé",
        Status::Cancelled => "annulé",
        Status::Draft => "projet",
    }
}

fn table(out: &mut String, rows: &BTreeMap<(String, &'static str, &'static str), (usize, Amount)>) {
    let _ = writeln!(
        out,
        "  {:<8} {:<21} {:<9} {:>6} {:>18}",
        "émetteur", "document", "statut", "nombre", "total"
    );
    for ((issuer, kind, status), (count, total)) in rows {
        let _ = writeln!(out, "  {issuer:<8} {kind:<21} {status:<9} {count:>6} {:>18}", total.format_fr());
    }
}

fn add(
    rows: &mut BTreeMap<(String, &'static str, &'static str), (usize, Amount)>,
    key: (String, &'static str, &'static str),
    total: Amount,
) {
    let entry = rows.entry(key).or_insert((0, Amount::ZERO));
    entry.0 += 1;
    entry.1 = entry.1.checked_add(total).unwrap_or(entry.1);
}

fn carried_line(out: &mut String, carried: &[mutua_core::CarriedAmount]) {
    let total = Amount::checked_sum(carried.iter().map(|c| c.amount)).unwrap_or_default();
    let _ = writeln!(
        out,
        "  reporté au semestre suivant (sous le seuil de mise en recouvrement) : {} ligne(s), {}",
        carried.len(),
        total.format_fr()
    );
}

fn summary(report: &IssueReport, out: &Path, ledger: &Path) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "mutua run — {} ({}) — date d'émission {}",
        report.semester.label_fr(),
        report.semester,
        report.issue_date.format("%d/%m/%Y")
    );
    let mut rows = BTreeMap::new();
    for document in &report.documents {
        let key =
            (document.record.issuer.to_string(), document.record.kind.name_fr(), status_fr(document.status));
        add(&mut rows, key, document.record.total);
    }
    table(&mut text, &rows);
    if !report.cancelled.is_empty() {
        let _ = writeln!(text, "  annulés par cette exécution : {}", report.cancelled.join(", "));
    }
    carried_line(&mut text, &report.carried);
    text.push_str(&mutua_documents::present::reconciliation::text(report.semester, &report.dispositifs));
    let issued = report.with_status(Status::Issued).count();
    let _ = writeln!(
        text,
        "{issued} document(s) émis dans {} ; registre {} ({} entrées)",
        out.display(),
        ledger.display(),
        report.ledger_head.entries
    );
    text
}

fn draft_summary(report: &DraftReport, out: &Path) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "mutua run --dry-run — {} ({}) — PROJETS datés du {}",
        report.semester.label_fr(),
        report.semester,
        report.issue_date.format("%d/%m/%Y")
    );
    let mut rows = BTreeMap::new();
    for (document, _) in &report.documents {
        add(&mut rows, (document.issuer.to_string(), document.kind.name_fr(), "projet"), document.total);
    }
    table(&mut text, &rows);
    carried_line(&mut text, &report.carried);
    let _ = writeln!(
        text,
        "projets écrits dans {} : aucun numéro attribué, le registre n'est pas modifié",
        out.display()
    );
    text
}
