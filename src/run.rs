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
use mutua_invoice::export::{RenderedFile, carried_csv, lines_csv, manifest_json};
use mutua_invoice::render::{FontSet, RenderOptions};
use mutua_invoice::{Batch, BatchOptions, build_batch, render_document};
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
    /// Render drafts ("PROJET") instead of numbered documents.
    pub draft: bool,
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

fn render_all(dataset: &Dataset, batch: &Batch, draft: bool) -> anyhow::Result<Vec<Rendered>> {
    let fonts = FontSet::dejavu().context("loading the fonts")?;
    let options = RenderOptions { pdfa: true, attachments: vec![], xmp_extensions: vec![] };
    let bar = progress_bar(batch.documents.len());
    let rendered: Result<Vec<Rendered>, _> = batch
        .documents
        .par_iter()
        .map(|document| {
            let bytes = render_document(dataset, document, &fonts, &options, draft)?;
            bar.inc(1);
            let name = if draft {
                format!("PROJET_{}_{}.pdf", document.kind.code(), document.recipient)
            } else {
                document.file_name("pdf")
            };
            Ok::<_, mutua_invoice::InvoiceError>(Rendered {
                file: RenderedFile { file: name, sha256: sha256_hex(&bytes), format: "pdf".to_owned() },
                bytes,
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

/// Writes every output into a fresh temporary directory beside `out`, then swaps it into place: on any error
/// nothing is left half-written and an earlier `out` is untouched.
fn write_atomically(out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".to_owned());
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    fs::create_dir(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let written = files.iter().try_for_each(|(file, bytes)| write_file(&staging, file, bytes));
    if let Err(error) = written {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    let previous = parent.join(format!(".{name}.old-{}", std::process::id()));
    if out.exists() {
        fs::rename(out, &previous).with_context(|| format!("moving the earlier {} aside", out.display()))?;
    }
    if let Err(error) = fs::rename(&staging, out) {
        // Put the earlier output back before reporting.
        if previous.exists() {
            let _ = fs::rename(&previous, out);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(error).with_context(|| format!("moving the new output into {}", out.display()));
    }
    if previous.exists() {
        fs::remove_dir_all(&previous)
            .with_context(|| format!("removing the earlier output {}", previous.display()))?;
    }
    Ok(())
}

/// Runs the batch.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let dataset = match load(&args.data) {
        Ok(dataset) => dataset,
        Err(code) => return Ok(code),
    };
    let semester = match &args.semester {
        Some(text) => parse_semester(text)?,
        None => dataset.meta.current_semester,
    };
    check_semester_covered(&dataset, semester)?;
    let issue_date = match &args.issue_date {
        Some(text) => {
            mutua_core::parse_date(text).with_context(|| format!("invalid --issue-date `{text}`"))?
        }
        None => today(),
    };
    let allocation = mutua_alloc::allocate(&dataset, semester).context("allocation failed")?;
    let batch =
        build_batch(&dataset, &allocation, &BatchOptions { issue_date, series_start: Default::default() })
            .context("building the documents failed")?;
    let rendered = render_all(&dataset, &batch, args.draft)?;
    let files_meta: Vec<RenderedFile> = rendered.iter().map(|r| r.file.clone()).collect();
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::with_capacity(rendered.len() + 3);
    outputs.push(("manifest.json".to_owned(), manifest_json(&dataset, &batch, &files_meta)?));
    outputs.push(("lines.csv".to_owned(), lines_csv(&dataset, &batch.documents)?));
    outputs.push(("carried.csv".to_owned(), carried_csv(&batch)));
    outputs.extend(rendered.into_iter().map(|r| (r.file.file, r.bytes)));
    write_atomically(&args.out, &outputs)?;
    print_summary(&batch, &args.out);
    Ok(ExitCode::SUCCESS)
}

fn print_summary(batch: &Batch, out: &Path) {
    let mut by_kind: std::collections::BTreeMap<&str, (usize, mutua_core::Amount)> =
        std::collections::BTreeMap::new();
    for document in &batch.documents {
        let entry = by_kind.entry(document.kind.name_fr()).or_insert((0, mutua_core::Amount::ZERO));
        entry.0 += 1;
        entry.1 = entry.1.checked_add(document.total).unwrap_or(entry.1);
    }
    println!("mutua run — {} — issued {}", batch.semester, batch.issue_date);
    for (kind, (count, total)) in by_kind {
        println!("  {count:>4} × {kind:<20} total {total:>14}");
    }
    let carried =
        mutua_core::Amount::checked_sum(batch.carried_forward.iter().map(|c| c.amount)).unwrap_or_default();
    println!("  carried to the next semester: {} line(s), {carried}", batch.carried_forward.len());
    println!("written to {}", out.display());
}
