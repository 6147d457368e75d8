//! Issuing: a semester's documents numbered once, written once, and recorded in a ledger that proves it.
//!
//! French public accounting asks that a number stand for one document forever, that numbering be continuous and
//! chronological per series, and that nothing issued be lost or changed. This crate holds those promises for the
//! CLI and for any finance system that embeds mutua, through one workflow:
//!
//! - [`issue`] (or [`issue_to_directory`]): allocate a semester, build its documents, [`plan`] them against the
//!   [`Ledger`] (keep what is unchanged, cancel what changed by a credit note or a cancellation notice, number the
//!   new), render them, and commit them through a [`Sink`] — files first, durably, then the ledger, then the
//!   anchors and the reports. [`draft_to_directory`] renders drafts that touch nothing issued.
//! - [`Ledger`]: the sequence of issued documents, with its rules ([`LedgerIndex`]) and its hash chain;
//!   [`FileLedger`] (a locked, anchored file) and [`MemoryLedger`] implement it, a finance system can too.
//! - [`Sink`]: where files go; [`DirectorySink`] (a folder, with recovery after a crash) and [`MemorySink`].
//! - [`record`]: the ledger's own record format (`mutua-ledger/3`: what each line bills and its typed basis, no
//!   wording); [`migrate`] converts the earlier formats.
//! - [`verify`]: the checks of `mutua ledger`, for any ledger file and its outputs.
//! - [`write_unit_cost_notices`]: the annual D5211-16 unit-cost notices, PDF and CSV, in a folder of their own
//!   (not numbered, not in the ledger; written once, an identical rewrite is a no-op, a different one refused).
//!
//! `docs/issuing.md` gives the commit protocol step by step, what a crash after each step leaves, and how the next
//! run repairs it. Nothing here reads the clock or the environment: the issue date and the lock holder's
//! description come from the caller.
//!
//! ```
//! use mutua_issue::{DirectoryTarget, IssueOptions, LockWait, NoProgress, OutputFormat, Status, issue_to_directory};
//!
//! let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel");
//! let dataset = mutua_dataset::load(&fixtures).map_err(|e| e.to_string())?;
//! let folder = tempfile::tempdir()?;
//! let options = IssueOptions {
//!     format: OutputFormat::FacturX,
//!     ..IssueOptions::new("2026-S1".parse()?, chrono::NaiveDate::from_ymd_opt(2026, 7, 15).ok_or("date")?)
//! };
//! let target = DirectoryTarget {
//!     out: folder.path().join("out"),
//!     ledger: folder.path().join("mutua-ledger.jsonl"),
//!     holder: "exemple".into(),
//!     wait: LockWait::Fail,
//! };
//! let report = issue_to_directory(&dataset, &options, &target, &NoProgress)?;
//! assert_eq!(report.with_status(Status::Issued).count(), 176);
//! // Again on the same inputs: nothing is issued twice.
//! let again = issue_to_directory(&dataset, &options, &target, &NoProgress)?;
//! assert_eq!((again.with_status(Status::Issued).count(), again.with_status(Status::Kept).count()), (0, 176));
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod check;
mod directory;
pub mod fault;
mod file_ledger;
mod fsx;
mod hash;
mod history;
mod issue;
mod ledger;
mod lock;
mod manifest;
pub mod migrate;
mod names;
mod notice;
mod plan;
pub mod record;
mod sink;
mod unit_cost_notices;
pub mod verify;

pub use check::{CheckReport, Depth, check};
pub use directory::{
    DirectorySink, DraftDirectory, OUTPUT_SCHEMA, REPORT_NAMES, STATE_DIR, ledger_dir, location_of,
    looks_like_document, resolve_location,
};
pub use file_ledger::{ANCHOR_SCHEMA, FileLedger, Inspection, Repairs, anchor_path, lock_path};
pub use hash::{BadDigest, Sha256};
pub use history::{carried_by, history, ledger_history};
pub use issue::{
    AfterCommit, DEFAULT_CHUNK, DirectoryTarget, DraftReport, IssueError, IssueOptions, IssueReport,
    NoProgress, Progress, ReportedDocument, draft, draft_to_directory, issue, issue_to_directory,
};
pub use ledger::{
    Chain, CommitInfo, Ledger, LedgerError, LedgerHead, LedgerIndex, MemoryLedger, RecordProblem,
};
pub use lock::{LockError, LockGuard, LockWait, lock_exclusive, lock_shared};
pub use manifest::{MANIFEST_SCHEMA, Status, draft_file_name};
pub use mutua_einvoice::facturx::OutputFormat;
pub use names::{FileName, MAX_FILE_NAME_BYTES, NameError, Series, SeriesError, kind_of_code};
pub use notice::Notice;
pub use plan::{Plan, plan};
pub use sink::{MEMORY_LOCATION, MemorySink, PendingFile, Sink, SinkError};
pub use unit_cost_notices::{
    NoticeFile, NoticeFileStatus, NoticeReport, NoticeWriteError, unit_cost_notice_files,
    write_unit_cost_notices,
};
