//! `mutua run`: the semester batch — allocate, build the documents, render them in parallel, write them
//! atomically with `manifest.json`, `lines.csv` and `carried.csv`.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "printing is the CLI's job")]

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mutua_core::{Dataset, Semester};
use mutua_invoice::export::{CiiFile, RenderedFile, RunRecord, carried_csv, lines_csv, manifest_json};
use mutua_invoice::facturx::{OutputFormat, render_in_format};
use mutua_invoice::issue::{self, IssueStatus};
use mutua_invoice::ledger::{FileLedger, Ledger as _};
use mutua_invoice::render::FontSet;
use mutua_invoice::{Batch, BatchOptions, build_batch};
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

/// What `mutua run` was asked to do.
#[derive(Debug)]
pub struct RunArgs {
    /// The dataset directory.
    pub data: PathBuf,
    /// The semester, or the dataset's current one.
    pub semester: Option<String>,
    /// The output directory.
    pub out: PathBuf,
    /// The issue date, or today.
    pub issue_date: Option<String>,
    /// Render drafts ("PROJET") instead of numbered documents, leaving the ledger untouched.
    pub draft: bool,
    /// The ledger file, or the default beside the output directory.
    pub ledger: Option<PathBuf>,
    /// First numbers of series, overriding the dataset's `series_start`.
    pub series_start: Vec<(String, u64)>,
    /// How invoices and credit notes are written: Factur-X, plain PDF, or PDF + CII XML.
    pub format: OutputFormat,
}

/// Today's date in UTC: the CLI is the only place that reads the clock.
#[allow(
    clippy::disallowed_methods,
    reason = "the CLI is where the clock is read, once, for the default issue date"
)]
pub fn today() -> NaiveDate {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(days)))
        .unwrap_or_default()
}

/// Parses a semester given on the command line, with a clear message.
pub fn parse_semester(text: &str) -> anyhow::Result<Semester> {
    text.parse::<Semester>().with_context(|| format!("invalid --semester `{text}`"))
}

/// Checks that the dataset has data for the semester's year.
pub fn check_semester_covered(dataset: &Dataset, semester: Semester) -> anyhow::Result<()> {
    let years = dataset.years_covered();
    if !years.contains(&semester.year) {
        let covered = years.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        bail!("the dataset has no data for {semester} (years covered: {covered})");
    }
    Ok(())
}

/// Loads a dataset and picks the semester (the one given, or the dataset's current one), checking the dataset
/// covers it. An invalid dataset has its errors printed and gives the exit code to return.
pub fn load_for_semester(
    data: &Path,
    semester: Option<&str>,
) -> anyhow::Result<Result<(Dataset, Semester), ExitCode>> {
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

/// Loads a dataset, printing every error on stderr when it is invalid.
pub fn load(data: &Path) -> Result<Dataset, ExitCode> {
    match mutua_dataset::load(data) {
        Ok(dataset) => Ok(dataset),
        Err(errors) => {
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!("{} error(s) in {}: nothing was computed or written", errors.len(), data.display());
            Err(ExitCode::FAILURE)
        }
    }
}

struct Rendered {
    file: RenderedFile,
    bytes: Vec<u8>,
    /// The CII XML written beside the PDF (`--format cii`).
    xml: Option<Vec<u8>>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    // indicatif draws nothing when stderr is not a terminal, so logs and CI stay clean.
    bar.set_style(
        ProgressStyle::with_template("{spinner} rendu {pos}/{len} documents [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Renders every document, `formats[i]` being the format of `batch.documents[i]`.
fn render_all(
    dataset: &Dataset,
    batch: &Batch,
    draft: bool,
    formats: &[OutputFormat],
) -> anyhow::Result<Vec<Rendered>> {
    let fonts = FontSet::dejavu().context("loading the fonts")?;
    let bar = progress_bar(batch.documents.len());
    let rendered: Result<Vec<Rendered>, _> = batch
        .documents
        .par_iter()
        .zip(formats)
        .map(|(document, &format)| {
            let rendered = render_in_format(dataset, document, &fonts, format, draft)?;
            let bytes = rendered.pdf;
            bar.inc(1);
            let name = if draft {
                format!("PROJET_{}_{}.pdf", document.kind.code(), document.recipient)
            } else {
                document.file_name("pdf")
            };
            let cii = rendered
                .xml
                .as_ref()
                .map(|xml| CiiFile { file: document.file_name("xml"), sha256: sha256_hex(xml) });
            Ok::<_, mutua_invoice::cii::EInvoiceError>(Rendered {
                file: RenderedFile {
                    file: name,
                    sha256: sha256_hex(&bytes),
                    format: rendered.format.as_str().to_owned(),
                    cii,
                },
                bytes,
                xml: rendered.xml,
            })
        })
        .collect();
    bar.finish_and_clear();
    Ok(rendered?)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut file = fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    file.sync_all().with_context(|| format!("syncing {}", path.display()))?;
    Ok(())
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn dir_name(out: &Path) -> String {
    out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".to_owned())
}

/// Writes every output into a fresh temporary directory beside `out` (each file synced) and returns it.
fn stage(out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<PathBuf> {
    let parent = parent_of(out);
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = parent.join(format!(".{}.tmp-{}", dir_name(out), std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let written = files.iter().try_for_each(|(file, bytes)| write_file(&staging, file, bytes));
    if let Err(error) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    Ok(staging)
}

/// Swaps a staged directory into place: an earlier `out` is moved aside, the new one renamed in, the earlier one
/// removed. On failure the earlier output is put back.
fn swap(staging: &Path, out: &Path) -> anyhow::Result<()> {
    let previous = parent_of(out).join(format!(".{}.old-{}", dir_name(out), std::process::id()));
    if out.exists() {
        fs::rename(out, &previous).with_context(|| format!("moving the earlier {} aside", out.display()))?;
    }
    if let Err(error) = fs::rename(staging, out) {
        if previous.exists() {
            let _ = fs::rename(&previous, out);
        }
        let _ = fs::remove_dir_all(staging);
        return Err(error).with_context(|| format!("moving the new output into {}", out.display()));
    }
    if previous.exists() {
        fs::remove_dir_all(&previous)
            .with_context(|| format!("removing the earlier output {}", previous.display()))?;
    }
    Ok(())
}

/// The default ledger: `mutua-ledger.jsonl` in the output directory's parent, so that it outlives the outputs.
pub fn default_ledger(out: &Path) -> PathBuf {
    parent_of(out).join("mutua-ledger.jsonl")
}

/// The path of an output file as the ledger records it: relative to the ledger's directory when the output is
/// inside it, absolute otherwise.
fn ledger_file_path(ledger: &Path, out: &Path, file: &str) -> String {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base = absolute(&parent_of(ledger));
    let target = absolute(out).join(file);
    match target.strip_prefix(&base) {
        Ok(relative) => relative.to_string_lossy().into_owned(),
        Err(_) => target.to_string_lossy().into_owned(),
    }
}

/// A pause between ledger appends, for the crash tests only (`MUTUA_TEST_APPEND_DELAY_MS`): it widens the window
/// in which a test kills the process mid-issue.
#[allow(clippy::disallowed_methods, reason = "the CLI may read the environment; this is a test hook")]
fn test_append_delay() -> Option<std::time::Duration> {
    std::env::var("MUTUA_TEST_APPEND_DELAY_MS").ok()?.parse().ok().map(std::time::Duration::from_millis)
}

/// Runs the batch.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let (dataset, semester) = match load_for_semester(&args.data, args.semester.as_deref())? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let issue_date = match &args.issue_date {
        Some(text) => {
            mutua_core::parse_date(text).with_context(|| format!("invalid --issue-date `{text}`"))?
        }
        None => today(),
    };
    let allocation = mutua_alloc::allocate(&dataset, semester).context("allocation failed")?;
    let mut series_start = dataset.meta.series_start.clone();
    series_start.extend(args.series_start.iter().cloned());
    let batch =
        build_batch(&dataset, &allocation, &BatchOptions { issue_date, series_start: series_start.clone() })
            .context("building the documents failed")?;
    if args.draft {
        let rendered = render_all(&dataset, &batch, true, &vec![args.format; batch.documents.len()])?;
        let record =
            RunRecord { statuses: vec!["draft".to_owned(); rendered.len()], cancelled: vec![], draft: true };
        let staging = stage(&args.out, &outputs(&dataset, &batch, rendered, &record)?)?;
        swap(&staging, &args.out)?;
        print_summary(&batch, &record, &args.out, None);
        return Ok(ExitCode::SUCCESS);
    }
    let ledger_path = args.ledger.clone().unwrap_or_else(|| default_ledger(&args.out));
    let (mut ledger, torn) = FileLedger::open(&ledger_path).context("opening the ledger")?;
    if torn > 0 {
        eprintln!(
            "ledger {}: cut a torn last record ({torn} bytes) left by an interrupted run; its number is issued again",
            ledger_path.display()
        );
    }
    let plan = issue::plan(&batch, ledger.records(), &series_start).context("planning the issue")?;
    let statuses: Vec<String> = plan
        .documents
        .iter()
        .map(|p| match p.status {
            IssueStatus::Issued => "issued".to_owned(),
            IssueStatus::Kept => "kept".to_owned(),
            IssueStatus::Cancelled => "cancelled".to_owned(),
        })
        .collect();
    let planned = Batch { documents: plan.documents.iter().map(|p| p.document.clone()).collect(), ..batch };
    // A document issued earlier is written again in the format it was issued in, whatever this run's format, so
    // that it stays byte for byte what was issued.
    let issued_before: std::collections::BTreeMap<&str, &mutua_invoice::ledger::LedgerRecord> =
        ledger.records().iter().map(|r| (r.number.as_str(), r)).collect();
    let formats: Vec<OutputFormat> = plan
        .documents
        .iter()
        .map(|p| match p.status {
            IssueStatus::Issued => args.format,
            IssueStatus::Kept | IssueStatus::Cancelled => issued_before
                .get(p.document.number.as_str())
                .and_then(|r| r.format.as_deref())
                .and_then(|format| format.parse().ok())
                .unwrap_or(args.format),
        })
        .collect();
    let rendered = render_all(&dataset, &planned, false, &formats)?;
    // Kept documents must come out byte for byte as issued; say so if the software changed them.
    for (planned_document, rendered_file) in plan.documents.iter().zip(&rendered) {
        if planned_document.status == IssueStatus::Kept
            && let Some(record) = issued_before.get(planned_document.document.number.as_str())
            && record.sha256 != rendered_file.file.sha256
        {
            eprintln!(
                "warning: {} renders differently from the issued file (recorded SHA-256 {}): keep the issued file",
                record.number, record.sha256
            );
        }
    }
    // Records in the order the plan says (cancellations first, then by number within each series).
    let files_by_number: std::collections::BTreeMap<&str, &RenderedFile> =
        plan.documents.iter().zip(&rendered).map(|(p, r)| (p.document.number.as_str(), &r.file)).collect();
    let new_records: Vec<_> = plan
        .issued()
        .filter_map(|document| {
            let file = files_by_number.get(document.number.as_str())?;
            Some(issue::record(
                document,
                file.sha256.clone(),
                ledger_file_path(&ledger_path, &args.out, &file.file),
                args.format.as_str(),
            ))
        })
        .collect();
    let record = RunRecord { statuses, cancelled: plan.cancelled.clone(), draft: false };
    // Write order: every file staged and synced, then each record appended and synced (the commit point),
    // then the staged directory renamed into place. A crash before the appends issues nothing; a crash after
    // some appends leaves those documents issued, and the next run keeps them with the same numbers.
    let staging = stage(&args.out, &outputs(&dataset, &planned, rendered, &record)?)?;
    let delay = test_append_delay();
    for new_record in new_records {
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
        if let Err(error) = ledger.append(new_record) {
            let _ = fs::remove_dir_all(&staging);
            return Err(error).context("recording in the ledger");
        }
    }
    swap(&staging, &args.out)?;
    print_summary(&planned, &record, &args.out, Some(&ledger_path));
    Ok(ExitCode::SUCCESS)
}

/// Every output file of a run: the manifest, the exports, the documents.
fn outputs(
    dataset: &Dataset,
    batch: &Batch,
    rendered: Vec<Rendered>,
    record: &RunRecord,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let files_meta: Vec<RenderedFile> = rendered.iter().map(|r| r.file.clone()).collect();
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::with_capacity(rendered.len() + 3);
    outputs.push(("manifest.json".to_owned(), manifest_json(dataset, batch, &files_meta, record)?));
    outputs.push(("lines.csv".to_owned(), lines_csv(dataset, &batch.documents)?));
    outputs.push(("carried.csv".to_owned(), carried_csv(batch)));
    for rendered in rendered {
        if let (Some(cii), Some(xml)) = (rendered.file.cii, rendered.xml) {
            outputs.push((cii.file, xml));
        }
        outputs.push((rendered.file.file, rendered.bytes));
    }
    Ok(outputs)
}

fn print_summary(batch: &Batch, record: &RunRecord, out: &Path, ledger: Option<&Path>) {
    let mut by_kind: std::collections::BTreeMap<(&str, &str), (usize, mutua_core::Amount)> =
        std::collections::BTreeMap::new();
    for (document, status) in batch.documents.iter().zip(&record.statuses) {
        let entry = by_kind
            .entry((document.kind.name_fr(), status.as_str()))
            .or_insert((0, mutua_core::Amount::ZERO));
        entry.0 += 1;
        entry.1 = entry.1.checked_add(document.total).unwrap_or(entry.1);
    }
    println!(
        "mutua run — {} — issued {}{}",
        batch.semester,
        batch.issue_date,
        if record.draft { " — DRAFT (PROJET)" } else { "" }
    );
    for ((kind, status), (count, total)) in by_kind {
        println!("  {count:>4} × {kind:<20} {status:<7} total {total:>14}");
    }
    if !record.cancelled.is_empty() {
        println!("  cancelled: {}", record.cancelled.join(", "));
    }
    let carried =
        mutua_core::Amount::checked_sum(batch.carried_forward.iter().map(|c| c.amount)).unwrap_or_default();
    println!("  carried to the next semester: {} line(s), {carried}", batch.carried_forward.len());
    match ledger {
        Some(ledger) => println!("written to {}; ledger {}", out.display(), ledger.display()),
        None => println!("written to {} (dry run: the ledger is untouched)", out.display()),
    }
}
