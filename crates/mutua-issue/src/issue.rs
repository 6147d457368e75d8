//! The issuing workflow: from a dataset and a semester to documents issued once, durably, in one call.
//!
//! [`issue`] allocates the semester, builds its documents, plans them against the ledger ([`crate::plan`]),
//! renders what is new in parallel, checks what is kept, then runs the commit protocol through a [`Sink`] and a
//! [`Ledger`] (see `docs/issuing.md`): intent, files, publish, ledger commit, anchors, reports. [`issue_to_directory`]
//! does the same into a folder with a file ledger, taking both locks; [`draft_to_directory`] writes drafts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike as _, NaiveDate};
use mutua_alloc::History;
use mutua_core::{CarriedAmount, Dataset, PartyId, Semester, ValidatedDataset};
use mutua_documents::export::{carried_csv, lines_csv};
use mutua_documents::reconcile::PoolReconciliation;
use mutua_documents::{Batch, DispositifSummary, Document, InvoiceError};
use mutua_einvoice::cii::EInvoiceError;
use mutua_einvoice::facturx::{OutputFormat, render_in_format};
use mutua_render::FontSet;
use rayon::prelude::*;

use crate::directory::{DirectorySink, DraftDirectory};
use crate::file_ledger::FileLedger;
use crate::hash::Sha256;
use crate::ledger::{CommitInfo, Ledger, LedgerError, LedgerHead};
use crate::lock::LockWait;
use crate::manifest::{DraftFile, Status, draft_file_name, draft_manifest, issued_manifest};
use crate::names::{FileName, Series};
use crate::notice::Notice;
use crate::plan::plan;
use crate::record::{CarriedRecord, DocumentRecord, FileRecord, RecordError, XmlRecord};
use crate::sink::{PendingFile, Sink, SinkError};

/// What to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueOptions {
    /// The semester.
    pub semester: Semester,
    /// The issue date of new documents (never read from the clock by the library).
    pub issue_date: NaiveDate,
    /// How new invoices and credit notes are written.
    pub format: OutputFormat,
    /// First numbers of series that have no record yet, overriding the dataset's `series_start`. Each must be a
    /// series this run numbers in, of the issue date's year.
    pub series_start: BTreeMap<Series, u64>,
    /// How many new documents are rendered, written and committed together ([`DEFAULT_CHUNK`]): the run's
    /// memory for rendered files is bounded by one chunk, and each chunk is one commit group of the protocol
    /// (one sync of the output and one of the ledger). It changes no byte of any document or record.
    pub chunk: usize,
}

/// The default [`IssueOptions::chunk`]: enough documents per commit that syncs cost little, few enough that a
/// chunk's rendered files stay a few tens of megabytes.
pub const DEFAULT_CHUNK: usize = 512;

impl IssueOptions {
    /// Options for a semester and an issue date: Factur-X, the dataset's series starts, [`DEFAULT_CHUNK`].
    #[must_use]
    pub fn new(semester: Semester, issue_date: NaiveDate) -> IssueOptions {
        IssueOptions {
            semester,
            issue_date,
            format: OutputFormat::FacturX,
            series_start: BTreeMap::new(),
            chunk: DEFAULT_CHUNK,
        }
    }
}

/// Why a run issued nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The documents cannot be built or exported.
    #[error("documents impossibles à établir : {0}")]
    Build(#[from] InvoiceError),
    /// A document cannot be rendered (an EN 16931 rule, a glyph…).
    #[error(transparent)]
    Render(#[from] EInvoiceError),
    /// The ledger refused or failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The output refused or failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// An issued document's record cannot be read back.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The dataset is refused for this semester (`mutua check` says the same, located).
    #[error("{} erreur(s) dans le jeu de données pour ce semestre : rien n'est émis", .0.len())]
    Check(Vec<mutua_core::ValidationError>),
    /// A series start that does not apply.
    #[error("premier numéro de la série {series} : {reason}")]
    SeriesStart {
        /// The series as given.
        series: String,
        /// Why.
        reason: String,
    },
    /// The issue date is earlier than the issuer's last issued document.
    #[error(
        "date d'émission du {issue_date} antérieure au dernier document émis par {issuer} ({last_number} du \
         {last_date}) : la numérotation est chronologique ; choisissez le {last_date} ou une date postérieure"
    )]
    IssueDateBeforeLast {
        /// The issuer.
        issuer: PartyId,
        /// The date asked.
        issue_date: NaiveDate,
        /// The issuer's last number.
        last_number: String,
        /// Its date.
        last_date: NaiveDate,
    },
    /// A kept document's file was changed after issue.
    #[error(
        "{number} : le fichier émis {file} a été modifié depuis son émission (empreinte différente de celle du \
         registre) ; restaurez l'original : rien n'est émis"
    )]
    KeptTampered {
        /// The document.
        number: String,
        /// The file.
        file: PathBuf,
    },
    /// A kept document's file is missing and cannot be written again identical.
    #[error(
        "{number} : le fichier émis {file} est absent et cette version de mutua le produirait différemment ; \
         restaurez l'original depuis vos archives : rien n'est émis"
    )]
    KeptDiffers {
        /// The document.
        number: String,
        /// The file.
        file: PathBuf,
    },
    /// What the semester carried has been taken in by a later semester's run, and this run would carry
    /// something else.
    #[error(
        "les montants reportés du {} ont déjà été repris par l'exécution du {} ; cette exécution en reporterait \
         d'autres : corrigez par une régularisation ou sur le semestre suivant, rien n'est émis",
        .semester.label_fr(),
        .later.label_fr()
    )]
    CarriedTaken {
        /// The semester run.
        semester: Semester,
        /// The first later semester in the ledger.
        later: Semester,
    },
    /// A chunk failed after earlier chunks of the same run were committed: those documents are issued, the
    /// others are not; the same command, run again, keeps the first and issues the rest.
    #[error(
        "{issued} document(s) de cette exécution sont émis et enregistrés au registre ; les suivants ne le sont pas \
         ({source}) : corrigez la cause et relancez la même commande, elle garde les documents émis et émet les \
         autres"
    )]
    Partial {
        /// How many documents this run committed before the failure.
        issued: usize,
        /// What failed.
        source: Box<IssueError>,
    },
    /// A kept document's file is missing from another output than the run's.
    #[error("{number} : le fichier émis {file} est absent ; restaurez-le : rien n'est émis")]
    KeptMissing {
        /// The document.
        number: String,
        /// The file.
        file: PathBuf,
    },
}

/// A step after the ledger commit that failed: the documents are issued, something around them is not up to date
/// (the next run repairs it).
#[derive(Debug)]
pub struct AfterCommit {
    /// What was not done.
    pub step: &'static str,
    /// Why.
    pub error: String,
}

impl fmt::Display for AfterCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} : {}", self.step, self.error)
    }
}

/// A document of the semester and what the run did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedDocument {
    /// The document as recorded in the ledger.
    pub record: DocumentRecord,
    /// Issued now, kept or cancelled.
    pub status: Status,
}

/// What a run issued, kept, cancelled and carried.
#[derive(Debug)]
pub struct IssueReport {
    /// The semester.
    pub semester: Semester,
    /// The issue date of new documents.
    pub issue_date: NaiveDate,
    /// Every document of the semester, by kind, issuer and number.
    pub documents: Vec<ReportedDocument>,
    /// The numbers this run cancelled.
    pub cancelled: Vec<String>,
    /// Amounts under the titre threshold, carried to the next semester.
    pub carried: Vec<CarriedAmount>,
    /// Per dispositif, what was computed and where it went.
    pub dispositifs: Vec<DispositifSummary>,
    /// Per pool, what was to distribute and where every cent went, unbilled parts with their reason.
    pub pools: Vec<PoolReconciliation>,
    /// The ledger's head after the run.
    pub ledger_head: LedgerHead,
    /// The output the new documents went to.
    pub location: String,
    /// What the run noticed or repaired.
    pub notices: Vec<Notice>,
    /// Steps after the commit that failed: the documents are issued, the next run completes the rest.
    pub after_commit: Vec<AfterCommit>,
}

impl IssueReport {
    /// The documents with a status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &DocumentRecord> {
        self.documents.iter().filter(move |d| d.status == status).map(|d| &d.record)
    }
}

/// Progress of the rendering, for a caller that shows it. Called from several threads.
pub trait Progress: Sync {
    /// `total` documents are to be rendered.
    fn start(&self, total: usize) {
        let _ = total;
    }
    /// One more document is rendered.
    fn rendered(&self) {}
    /// Rendering is over.
    fn finish(&self) {}
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

struct Rendered {
    pdf: Vec<u8>,
    pdf_sha256: Sha256,
    xml: Option<(Vec<u8>, Sha256)>,
    format: OutputFormat,
}

fn file_name(document: &Document, extension: &str) -> Result<FileName, IssueError> {
    FileName::parse(&document.file_name(extension)).map_err(|error| {
        IssueError::Build(InvoiceError::Export { what: "nom de fichier", message: error.to_string() })
    })
}

fn fonts() -> Result<FontSet, IssueError> {
    Ok(FontSet::dejavu().map_err(|source| InvoiceError::Render { number: String::new(), source })?)
}

fn render_many(
    dataset: &Dataset,
    jobs: &[(&Document, OutputFormat)],
    draft: bool,
    progress: &dyn Progress,
) -> Result<Vec<Rendered>, IssueError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let fonts = fonts()?;
    progress.start(jobs.len());
    let rendered = render_with(dataset, &fonts, jobs, draft, progress);
    progress.finish();
    rendered
}

/// Renders documents in parallel, in their order.
fn render_with(
    dataset: &Dataset,
    fonts: &FontSet,
    jobs: &[(&Document, OutputFormat)],
    draft: bool,
    progress: &dyn Progress,
) -> Result<Vec<Rendered>, IssueError> {
    let rendered: Result<Vec<Rendered>, EInvoiceError> = jobs
        .par_iter()
        .map(|&(document, format)| {
            let rendered = render_in_format(dataset, document, fonts, format, draft)?;
            progress.rendered();
            Ok(Rendered {
                pdf_sha256: Sha256::of(&rendered.pdf),
                xml: rendered.xml.map(|xml| {
                    let sha = Sha256::of(&xml);
                    (xml, sha)
                }),
                pdf: rendered.pdf,
                format: rendered.format,
            })
        })
        .collect();
    Ok(rendered?)
}

fn file_record(location: &str, document: &Document, rendered: &Rendered) -> Result<FileRecord, IssueError> {
    let xml = match &rendered.xml {
        Some((_, sha256)) => Some(XmlRecord { name: file_name(document, "xml")?, sha256: *sha256 }),
        None => None,
    };
    Ok(FileRecord {
        output: location.to_owned(),
        name: file_name(document, "pdf")?,
        sha256: rendered.pdf_sha256,
        format: rendered.format,
        xml,
    })
}

/// The series starts that apply: the dataset's, for series without records, and the caller's, which must each be
/// a series of the issue year, of a known issuer, without records yet.
fn series_starts(
    dataset: &Dataset,
    options: &IssueOptions,
    ledger: &dyn Ledger,
) -> Result<BTreeMap<Series, u64>, IssueError> {
    let index = ledger.index();
    let mut starts = BTreeMap::new();
    for (text, &start) in &dataset.meta.series_start {
        let series: Series = text.parse().map_err(|error: crate::names::SeriesError| {
            IssueError::SeriesStart { series: text.clone(), reason: format!("dataset.toml : {error}") }
        })?;
        if start == 0 {
            return Err(IssueError::SeriesStart {
                series: text.clone(),
                reason: "dataset.toml : il doit être ≥ 1".into(),
            });
        }
        if index.last_sequence(&series).is_none() {
            starts.insert(series, start);
        }
    }
    for (series, &start) in &options.series_start {
        let refuse = |reason: String| IssueError::SeriesStart { series: series.to_string(), reason };
        if start == 0 {
            return Err(refuse("il doit être ≥ 1".to_owned()));
        }
        if series.year != options.issue_date.year() {
            return Err(refuse(format!("les documents sont émis en {}", options.issue_date.year())));
        }
        if dataset.party(&series.issuer).is_none() {
            return Err(refuse(format!("émetteur « {} » inconnu du jeu de données", series.issuer)));
        }
        if let Some(last) = index.last_sequence(series) {
            return Err(refuse(format!(
                "la série a déjà des numéros (dernier : {}) et continue à {}",
                series.number(last),
                series.number(last + 1)
            )));
        }
        starts.insert(series.clone(), start);
    }
    Ok(starts)
}

/// The documents of a semester, built by the same checks as `mutua check` (without rendering): a dataset they
/// refuse is refused here, with every located error.
fn checked_batch(
    dataset: &ValidatedDataset,
    semester: Semester,
    issue_date: NaiveDate,
    history: &History,
) -> Result<Batch, IssueError> {
    let checked =
        crate::check::check(dataset, semester, Some(issue_date), crate::check::Depth::Documents, history);
    match checked.batch {
        Some(batch) if checked.errors.is_empty() => Ok(batch),
        _ => Err(IssueError::Check(checked.errors)),
    }
}

/// Checks every kept document against its file: present and intact, or missing and re-created identical.
/// Returns the files to restore.
fn check_kept(
    dataset: &Dataset,
    kept: &[(Document, usize)],
    ledger: &dyn Ledger,
    sink: &dyn Sink,
    progress: &dyn Progress,
) -> Result<Vec<(usize, Rendered)>, IssueError> {
    let records = ledger.records();
    let mut missing = Vec::new();
    for (document, position) in kept {
        let file = &records[*position].file;
        let names =
            std::iter::once((&file.name, file.sha256)).chain(file.xml.as_ref().map(|x| (&x.name, x.sha256)));
        let mut absent = false;
        for (name, sha256) in names {
            match sink.issued_file(&file.output, name)? {
                Some(found) if found == sha256 => {}
                Some(_) => {
                    return Err(IssueError::KeptTampered {
                        number: document.number.clone(),
                        file: Path::new(&file.output).join(name.as_str()),
                    });
                }
                None => absent = true,
            }
        }
        if absent {
            if file.output != sink.location() {
                return Err(IssueError::KeptMissing {
                    number: document.number.clone(),
                    file: Path::new(&file.output).join(file.name.as_str()),
                });
            }
            missing.push((document, *position));
        }
    }
    let jobs: Vec<(&Document, OutputFormat)> =
        missing.iter().map(|(document, position)| (*document, records[*position].file.format)).collect();
    let rendered = render_many(dataset, &jobs, false, progress)?;
    let mut restore = Vec::with_capacity(rendered.len());
    for ((document, position), rendered) in missing.into_iter().zip(rendered) {
        let file = &records[position].file;
        let xml_matches = match (&file.xml, &rendered.xml) {
            (Some(recorded), Some((_, sha256))) => recorded.sha256 == *sha256,
            (None, None) => true,
            _ => false,
        };
        if rendered.pdf_sha256 != file.sha256 || !xml_matches {
            return Err(IssueError::KeptDiffers {
                number: document.number.clone(),
                file: Path::new(&file.output).join(file.name.as_str()),
            });
        }
        restore.push((position, rendered));
    }
    Ok(restore)
}

/// The new documents cut in chunks of `size`, in plan order, except that the first chunk holds every
/// cancellation and every document that replaces one: a debtor never has a document cancelled without its
/// replacement recorded in the same commit group, whatever the chunk size.
fn chunks(new: &[Document], size: usize) -> Vec<&[Document]> {
    let corrected: BTreeSet<_> = new.iter().filter(|d| d.corrects.is_some()).map(Document::slot).collect();
    let last_correction = new
        .iter()
        .rposition(|d| d.corrects.is_some() || corrected.contains(&d.slot()))
        .map_or(0, |position| position + 1);
    let size = size.max(1);
    let first = size.max(last_correction).min(new.len());
    let (head, rest) = new.split_at(first);
    std::iter::once(head).filter(|head| !head.is_empty()).chain(rest.chunks(size)).collect()
}

/// One chunk of new documents through the commit protocol: rendered in parallel, the intent, the files, one
/// sync of the output, the ledger commit (the commit point), the anchor and the output's state. Returns what
/// failed after the commit point (the documents are issued).
#[allow(clippy::too_many_arguments, reason = "one call site; the arguments are the run's state")]
fn commit_chunk(
    dataset: &Dataset,
    fonts: &FontSet,
    chunk: &[Document],
    format: OutputFormat,
    info: &CommitInfo,
    location: &str,
    ledger: &mut dyn Ledger,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> Result<Vec<AfterCommit>, IssueError> {
    let jobs: Vec<(&Document, OutputFormat)> = chunk.iter().map(|d| (d, format)).collect();
    let rendered = render_with(dataset, fonts, &jobs, false, progress)?;
    let mut records = Vec::with_capacity(chunk.len());
    let mut pending = Vec::with_capacity(chunk.len());
    for (document, rendered) in chunk.iter().zip(&rendered) {
        let record = DocumentRecord::of(document, file_record(location, document, rendered)?);
        pending.push(PendingFile {
            name: record.file.name.clone(),
            number: record.number.clone(),
            sha256: record.file.sha256,
        });
        if let Some(xml) = &record.file.xml {
            pending.push(PendingFile {
                name: xml.name.clone(),
                number: record.number.clone(),
                sha256: xml.sha256,
            });
        }
        records.push(record);
    }
    sink.begin(&ledger.head(), &pending)?;
    let written = (|| -> Result<(), SinkError> {
        let mut files: Vec<(&FileName, &[u8])> = Vec::with_capacity(pending.len());
        for (record, rendered) in records.iter().zip(&rendered) {
            if let (Some(xml), Some((bytes, _))) = (&record.file.xml, &rendered.xml) {
                files.push((&xml.name, bytes));
            }
            files.push((&record.file.name, &rendered.pdf));
        }
        sink.write_all(&files)?;
        sink.publish()
    })();
    if let Err(error) = written {
        let _ = sink.abandon();
        return Err(error.into());
    }
    drop(rendered);
    if let Err(error) = ledger.commit(records, info.clone()) {
        let _ = sink.abandon();
        return Err(error.into());
    }
    // Committed: the documents are issued. What follows keeps the proofs up to date.
    let mut after_commit = Vec::new();
    if let Err(error) = ledger.anchor() {
        after_commit.push(AfterCommit { step: "ancre du registre", error: error.to_string() });
    }
    if let Err(error) = sink.committed(&ledger.head()) {
        after_commit.push(AfterCommit { step: "état du dossier de sortie", error: error.to_string() });
    }
    Ok(after_commit)
}

/// Issues a semester: plans against the ledger, renders the new documents, commits them through the sink and the
/// ledger, and writes the run's reports (`manifest.json`, `lines.csv`, `carried.csv`).
///
/// The ledger must be held by this caller alone from now until the function returns (a [`FileLedger`] is locked
/// while open). Nothing is recorded unless every new document is rendered and written; a failure after the
/// commit is reported in [`IssueReport::after_commit`], with the documents issued.
pub fn issue(
    dataset: &ValidatedDataset,
    options: &IssueOptions,
    ledger: &mut dyn Ledger,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> Result<IssueReport, IssueError> {
    // The whole computation first, checked as `mutua check` does: nothing is planned from a dataset it refuses.
    // Regularisations subtract what the ledger (and the titres before it) says was billed.
    let history = crate::history::history(
        dataset,
        options.semester,
        ledger.records(),
        ledger.commits(),
        ledger.index(),
    )
    .map_err(IssueError::Check)?;
    let batch = checked_batch(dataset, options.semester, options.issue_date, &history)?;
    issue_batch(dataset, options, batch, ledger, sink, progress)
}

/// [`issue`] of a batch already built and checked.
fn issue_batch(
    dataset: &Dataset,
    options: &IssueOptions,
    mut batch: Batch,
    ledger: &mut dyn Ledger,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> Result<IssueReport, IssueError> {
    let starts = series_starts(dataset, options, ledger)?;
    let mut plan = plan(&batch, ledger, &starts)?;
    // The plan holds the documents to issue and to check; the batch's own copies are not needed again (the
    // reports take its reconciliation and what it carries).
    drop(std::mem::take(&mut batch.documents));
    // Every series start the caller gave must be used: a mistyped one would otherwise be silently ignored.
    let used: BTreeSet<Series> =
        plan.new.iter().map(|d| Series::of(d.kind, &d.issuer, d.issue_date)).collect();
    if let Some(unused) = options.series_start.keys().find(|series| !used.contains(*series)) {
        return Err(IssueError::SeriesStart {
            series: unused.to_string(),
            reason: "aucun document de cette exécution n'est numéroté dans cette série".to_owned(),
        });
    }
    // Chronology: no new document dated before its issuer's last one.
    for document in &plan.new {
        if let Some((last_number, last_date)) = ledger.index().last_of_issuer(&document.issuer)
            && last_date > document.issue_date
        {
            return Err(IssueError::IssueDateBeforeLast {
                issuer: document.issuer.clone(),
                issue_date: document.issue_date,
                last_number: last_number.to_owned(),
                last_date,
            });
        }
    }
    let mut notices = Vec::new();
    let restore = check_kept(dataset, &plan.kept, ledger, sink, progress)?;
    // The semester's other documents (cancelled, or credit notes and cancellations) stay as issued.
    for &position in &plan.history {
        let record = &ledger.records()[position];
        match sink.issued_file(&record.file.output, &record.file.name)? {
            Some(found) if found == record.file.sha256 => {}
            Some(_) => {
                return Err(IssueError::KeptTampered {
                    number: record.number.clone(),
                    file: Path::new(&record.file.output).join(record.file.name.as_str()),
                });
            }
            None => notices.push(Notice::HistoryMissing {
                number: record.number.clone(),
                file: record.file.name.clone(),
            }),
        }
    }
    // What this run carries to the next semester is recorded with its commit. A run commits when it issues, when
    // it is the semester's first, or when what it carries changed; once a later semester is in the ledger, what
    // this one carried has been taken in there and cannot change.
    let carried: Vec<CarriedRecord> = batch.carried_forward.iter().map(CarriedRecord::of).collect();
    let recorded = crate::history::carried_by(ledger.commits(), options.semester);
    let first = !ledger.commits().iter().any(|c| c.semester == options.semester);
    let carried_changed = recorded != Some(carried.as_slice());
    if carried_changed
        && recorded.is_some()
        && let Some(later) =
            ledger.commits().iter().map(|c| c.semester).filter(|s| *s > options.semester).min()
    {
        return Err(IssueError::CarriedTaken { semester: options.semester, later });
    }
    let location = sink.location().to_owned();
    let mut after_commit = Vec::new();
    let info = CommitInfo { semester: options.semester, issue_date: options.issue_date, carried };
    if plan.new.is_empty() {
        if first || carried_changed {
            // Nothing to write: the commit records the semester, and what it carries.
            ledger.commit(Vec::new(), info)?;
            if let Err(error) = ledger.anchor() {
                after_commit.push(AfterCommit { step: "ancre du registre", error: error.to_string() });
            }
        }
    } else {
        let fonts = fonts()?;
        progress.start(plan.new.len());
        let mut issued = 0;
        for chunk in chunks(&plan.new, options.chunk) {
            let committed = commit_chunk(
                dataset,
                &fonts,
                chunk,
                options.format,
                &info,
                &location,
                ledger,
                sink,
                progress,
            );
            match committed {
                Ok(anchor_error) => {
                    issued += chunk.len();
                    after_commit.extend(anchor_error);
                }
                Err(error) if issued == 0 => return Err(error),
                Err(error) => return Err(IssueError::Partial { issued, source: Box::new(error) }),
            }
        }
        progress.finish();
    }
    // The output keeps the head it is now in step with (after a commit, or unchanged: an output adopted or drafts
    // replaced become an output of this ledger).
    if let Err(error) = sink.committed(&ledger.head()) {
        after_commit.push(AfterCommit { step: "état du dossier de sortie", error: error.to_string() });
    }
    let records = ledger.records();
    for (position, rendered) in &restore {
        let file = &records[*position].file;
        let restored = (|| -> Result<(), SinkError> {
            if let (Some(xml), Some((bytes, _))) = (&file.xml, &rendered.xml)
                && sink.issued_file(&file.output, &xml.name)?.is_none()
            {
                sink.restore(&xml.name, bytes)?;
            }
            if sink.issued_file(&file.output, &file.name)?.is_none() {
                sink.restore(&file.name, &rendered.pdf)?;
            }
            Ok(())
        })();
        match restored {
            Ok(()) => notices.push(Notice::Restored {
                number: records[*position].number.clone(),
                file: file.name.clone(),
            }),
            Err(error) => {
                after_commit.push(AfterCommit { step: "fichier à réécrire", error: error.to_string() })
            }
        }
    }
    // Every document of the semester, from the ledger: issued now, kept, or history.
    let index = ledger.index();
    // Issued: only their numbers are needed from here on.
    let new_numbers: BTreeSet<String> = plan.new.iter().map(|d| d.number.clone()).collect();
    drop(std::mem::take(&mut plan.new));
    let mut documents: Vec<ReportedDocument> = Vec::new();
    for record in records.iter().filter(|r| r.semester == options.semester) {
        let status = if new_numbers.contains(record.number.as_str()) {
            Status::Issued
        } else if index.is_cancelled(&record.number) {
            Status::Cancelled
        } else {
            Status::Kept
        };
        documents.push(ReportedDocument { record: record.clone(), status });
    }
    documents.sort_by(|a, b| {
        (a.record.kind, &a.record.issuer, &a.record.series, a.record.sequence).cmp(&(
            b.record.kind,
            &b.record.issuer,
            &b.record.series,
            b.record.sequence,
        ))
    });
    let kept_dates: BTreeSet<NaiveDate> = plan.kept.iter().map(|(d, _)| d.issue_date).collect();
    if kept_dates.iter().any(|date| *date != options.issue_date) {
        notices.push(Notice::KeptDates {
            count: plan.kept.len(),
            dates: kept_dates.into_iter().collect(),
            requested: options.issue_date,
        });
    }
    let head = ledger.head();
    write_reports(
        dataset,
        &batch,
        &documents,
        &*ledger,
        &plan.cancelled,
        &location,
        head,
        sink,
        &mut after_commit,
    )?;
    if let Err(error) = sink.finish() {
        after_commit.push(AfterCommit { step: "fin de l'exécution", error: error.to_string() });
    }
    Ok(IssueReport {
        semester: options.semester,
        issue_date: options.issue_date,
        documents,
        cancelled: plan.cancelled,
        carried: batch.carried_forward,
        dispositifs: batch.dispositifs,
        pools: batch.pools,
        ledger_head: head,
        location,
        notices,
        after_commit,
    })
}

#[allow(clippy::too_many_arguments, reason = "one call site; the arguments are the run's results")]
fn write_reports(
    dataset: &Dataset,
    batch: &Batch,
    documents: &[ReportedDocument],
    ledger: &dyn Ledger,
    cancelled: &[String],
    location: &str,
    head: LedgerHead,
    sink: &mut dyn Sink,
    after_commit: &mut Vec<AfterCommit>,
) -> Result<(), IssueError> {
    let records = ledger.records();
    let index = ledger.index();
    // The manifest on one thread, `lines.csv` on another: the two biggest reports of a large run.
    let (manifest, lines) = rayon::join(
        || {
            let listed: Vec<(&DocumentRecord, Status)> =
                documents.iter().map(|d| (&d.record, d.status)).collect();
            issued_manifest(dataset, batch, &listed, cancelled, location, head)
        },
        || lines_of(dataset, documents, records, index),
    );
    let (manifest, lines) = (manifest?, lines?);
    let carried = carried_csv(batch)?;
    for (name, bytes) in [("manifest.json", manifest), ("lines.csv", lines), ("carried.csv", carried)] {
        let name = FileName::parse(name)
            .map_err(|error| InvoiceError::Export { what: "rapport", message: error.to_string() })?;
        if let Err(error) = sink.write_report(&name, &bytes) {
            after_commit.push(AfterCommit { step: "rapport de l'exécution", error: error.to_string() });
            // Later reports would describe a run whose manifest is stale: stop here, the next run rewrites all.
            break;
        }
    }
    Ok(())
}

/// `lines.csv` of the documents reported, made from their ledger records.
fn lines_of(
    dataset: &Dataset,
    documents: &[ReportedDocument],
    records: &[DocumentRecord],
    index: &crate::ledger::LedgerIndex,
) -> Result<Vec<u8>, IssueError> {
    // The documents as recorded, each credit note and cancellation with the reference of what it cancels, made
    // one at a time for `lines.csv` (a semester's documents are not held twice).
    let mut unreadable: Option<RecordError> = None;
    let as_documents = documents.iter().map_while(|d| {
        let corrects = d.record.corrects.as_deref().and_then(|number| {
            let position = index.position(number)?;
            records.get(position).map(DocumentRecord::reference)
        });
        match d.record.to_document(corrects) {
            Ok(document) => Some(document),
            Err(error) => {
                unreadable = Some(error);
                None
            }
        }
    });
    let lines = lines_csv(dataset, as_documents)?;
    match unreadable {
        Some(error) => Err(error.into()),
        None => Ok(lines),
    }
}

/// Where [`issue_to_directory`] writes: an output folder and a file ledger, each locked for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryTarget {
    /// The output folder.
    pub out: PathBuf,
    /// The ledger file.
    pub ledger: PathBuf,
    /// How this run describes itself to another run its locks refuse ("mutua run, pid 1234").
    pub holder: String,
    /// Whether to wait for another run's locks.
    pub wait: LockWait,
}

/// Issues a semester into a folder with a file ledger: opens and locks the ledger (repairing what an interrupted
/// run left), opens and locks the output, and runs [`issue`].
pub fn issue_to_directory(
    dataset: &ValidatedDataset,
    options: &IssueOptions,
    target: &DirectoryTarget,
    progress: &dyn Progress,
) -> Result<IssueReport, IssueError> {
    // The data first: a dataset refused for this semester creates no ledger and no output folder. What the
    // ledger billed is read without changing it, then again once it is locked: a run that committed in between
    // changes the regularisations, and the batch is computed again.
    let read = crate::history::ledger_history(dataset, options.semester, &target.ledger, target.wait)?;
    let mut batch = checked_batch(dataset, options.semester, options.issue_date, &read)?;
    DirectorySink::precheck(&target.out)?;
    let (mut ledger, repairs) = FileLedger::open(&target.ledger, &target.holder, target.wait)?;
    let locked = crate::history::history(
        dataset,
        options.semester,
        ledger.records(),
        ledger.commits(),
        ledger.index(),
    )
    .map_err(IssueError::Check)?;
    if locked != read {
        batch = checked_batch(dataset, options.semester, options.issue_date, &locked)?;
    }
    let mut notices = Vec::new();
    if repairs.torn_bytes > 0 {
        notices.push(Notice::TornTail { bytes: repairs.torn_bytes });
    }
    if !repairs.uncommitted.is_empty() {
        notices.push(Notice::UncommittedCut { numbers: repairs.uncommitted.clone() });
    }
    if repairs.anchor_advanced {
        notices.push(Notice::AnchorAdvanced);
    }
    let (mut sink, opened) =
        DirectorySink::open(&target.out, &target.ledger, &ledger, &target.holder, target.wait)?;
    notices.extend(opened);
    let mut report = issue_batch(dataset, options, batch, &mut ledger, &mut sink, progress)?;
    notices.append(&mut report.notices);
    report.notices = notices;
    Ok(report)
}

/// What a dry run wrote.
#[derive(Debug)]
pub struct DraftReport {
    /// The semester.
    pub semester: Semester,
    /// The date the drafts carry.
    pub issue_date: NaiveDate,
    /// The drafts, unnumbered, with their file names.
    pub documents: Vec<(Document, FileName)>,
    /// Amounts that would be carried.
    pub carried: Vec<CarriedAmount>,
    /// Per dispositif, what would be computed and where it would go.
    pub dispositifs: Vec<DispositifSummary>,
    /// Per pool, what would be distributed and where every cent would go.
    pub pools: Vec<PoolReconciliation>,
}

/// Renders a semester as drafts ("PROJET", no numbers), with the manifest and exports, in memory. `history` is
/// what past semesters billed, for regularisations ([`crate::ledger_history`] of the ledger the run would use).
pub fn draft(
    dataset: &ValidatedDataset,
    semester: Semester,
    issue_date: NaiveDate,
    history: &History,
    progress: &dyn Progress,
) -> Result<(DraftReport, Vec<(FileName, Vec<u8>)>), IssueError> {
    let batch = checked_batch(dataset, semester, issue_date, history)?;
    let jobs: Vec<(&Document, OutputFormat)> =
        batch.documents.iter().map(|d| (d, OutputFormat::Pdf)).collect();
    let rendered = render_many(dataset, &jobs, true, progress)?;
    let mut names = Vec::with_capacity(rendered.len());
    for document in &batch.documents {
        names.push(
            FileName::parse(&draft_file_name(document)).map_err(|error| InvoiceError::Export {
                what: "nom de fichier",
                message: error.to_string(),
            })?,
        );
    }
    let drafts: Vec<DraftFile<'_>> = batch
        .documents
        .iter()
        .zip(&names)
        .zip(&rendered)
        .map(|((document, file), rendered)| DraftFile { document, file, sha256: rendered.pdf_sha256 })
        .collect();
    let manifest = draft_manifest(dataset, &batch, &drafts)?;
    // Drafts carry no number: their lines are exported without one.
    let unnumbered: Vec<Document> =
        batch.documents.iter().map(|d| Document { number: String::new(), ..d.clone() }).collect();
    let mut files: Vec<(FileName, Vec<u8>)> = Vec::with_capacity(rendered.len() + 3);
    for (name, bytes) in [
        ("manifest.json", manifest),
        ("lines.csv", lines_csv(dataset, &unnumbered)?),
        ("carried.csv", carried_csv(&batch)?),
    ] {
        files.push((
            FileName::parse(name)
                .map_err(|error| InvoiceError::Export { what: "rapport", message: error.to_string() })?,
            bytes,
        ));
    }
    for (name, rendered) in names.iter().zip(rendered) {
        files.push((name.clone(), rendered.pdf));
    }
    let report = DraftReport {
        semester,
        issue_date,
        documents: batch.documents.into_iter().zip(names).collect(),
        carried: batch.carried_forward,
        dispositifs: batch.dispositifs,
        pools: batch.pools,
    };
    Ok((report, files))
}

/// Writes the drafts of a semester into a folder (never one of issued documents); the ledger at `ledger` is read
/// for what past semesters billed (an absent one has nothing), never changed.
#[allow(
    clippy::too_many_arguments,
    reason = "each is one setting of the dry run; a struct would only rename them"
)]
pub fn draft_to_directory(
    dataset: &ValidatedDataset,
    semester: Semester,
    issue_date: NaiveDate,
    out: &Path,
    ledger: &Path,
    holder: &str,
    wait: LockWait,
    progress: &dyn Progress,
) -> Result<DraftReport, IssueError> {
    let history = crate::history::ledger_history(dataset, semester, ledger, wait)?;
    let (report, files) = draft(dataset, semester, issue_date, &history, progress)?;
    let mut directory = DraftDirectory::open(out, holder, wait)?;
    directory.write_all(&files)?;
    Ok(report)
}
