//! The annual unit-cost notices (CGCT D5211-16) as files: `YEAR/DISPOSITIF.pdf` (PDF/A-3B) and
//! `YEAR/DISPOSITIF.csv` (the same figures) in a notices folder, in one call.
//!
//! A notice is not a numbered document: it goes into no ledger and no semester output. It is written once; a
//! second call with the same inputs finds the same bytes and leaves the files alone, and a call that would give
//! different bytes for an existing file refuses before writing anything (a notice sent is never silently
//! replaced: a corrected notice goes to another folder, or the old file is moved away by hand).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use mutua_core::ValidatedDataset;
use mutua_documents::{
    InvoiceError, NoticeError, UnitCostNotice, export, render_unit_cost_notice, unit_cost_notices,
};
use mutua_render::{FontSet, RenderError, RenderOptions};

use crate::directory::STATE_DIR;
use crate::fsx;

/// One file of a notice, in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFile {
    /// Its path relative to the notices folder: `2027/sim-ads.pdf`.
    pub path: PathBuf,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeFileStatus {
    /// Written now.
    Written,
    /// Already there with the same bytes: left alone.
    Unchanged,
}

/// The notices of a year and where their files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeReport {
    /// The notices, by dispositif.
    pub notices: Vec<UnitCostNotice>,
    /// Each file written or found, with its path (the notices folder joined with the relative path), in the
    /// order of the notices (PDF, then CSV).
    pub files: Vec<(PathBuf, NoticeFileStatus)>,
}

/// Why the notices could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeWriteError {
    /// The notices cannot be made from the dataset.
    #[error(transparent)]
    Notice(#[from] NoticeError),
    /// A notice cannot be presented, rendered or exported.
    #[error(transparent)]
    Document(#[from] InvoiceError),
    /// The fonts cannot be loaded.
    #[error("fonts: {0}")]
    Fonts(RenderError),
    /// The folder is a semester's output (it has a `.mutua` folder): notices are kept apart from issued documents.
    #[error("{} is the output folder of a semester run", .0.display())]
    RunOutput(PathBuf),
    /// Files already there hold other bytes: nothing was written.
    #[error("{} already exist with other content", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Different(Vec<PathBuf>),
    /// A file-system operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// The notices of `year` dated `notified_on`, and their files in memory: for each dispositif, `YEAR/ID.pdf`
/// (PDF/A-3B, like the invoices) and `YEAR/ID.csv` ([`export::unit_cost_csv`]). The same inputs give the same
/// bytes.
///
/// # Errors
///
/// [`NoticeWriteError::Notice`] when the notices cannot be made ([`unit_cost_notices`]),
/// [`NoticeWriteError::Document`] or [`NoticeWriteError::Fonts`] when one cannot be rendered.
pub fn unit_cost_notice_files(
    dataset: &ValidatedDataset,
    year: i32,
    notified_on: NaiveDate,
) -> Result<(Vec<UnitCostNotice>, Vec<NoticeFile>), NoticeWriteError> {
    let notices = unit_cost_notices(dataset, year, notified_on)?;
    let fonts = FontSet::dejavu().map_err(NoticeWriteError::Fonts)?;
    let options = RenderOptions::pdfa();
    let mut files = Vec::with_capacity(notices.len() * 2);
    for notice in &notices {
        let folder = PathBuf::from(year.to_string());
        let pdf = render_unit_cost_notice(dataset, notice, &fonts, &options)?;
        files.push(NoticeFile { path: folder.join(format!("{}.pdf", notice.dispositif)), bytes: pdf });
        let csv = export::unit_cost_csv(notice)?;
        files.push(NoticeFile { path: folder.join(format!("{}.csv", notice.dispositif)), bytes: csv });
    }
    Ok((notices, files))
}

/// Makes the notices of `year` dated `notified_on` and writes them into `folder` (`folder/YEAR/ID.pdf` and
/// `.csv`, the folders created as needed, each file synced). A file already there with the same bytes is left
/// alone; if any holds other bytes, nothing is written.
///
/// # Errors
///
/// Those of [`unit_cost_notice_files`]; [`NoticeWriteError::RunOutput`] for a semester's output folder;
/// [`NoticeWriteError::Different`] for files that exist with other bytes; [`NoticeWriteError::Io`].
pub fn write_unit_cost_notices(
    dataset: &ValidatedDataset,
    year: i32,
    notified_on: NaiveDate,
    folder: &Path,
) -> Result<NoticeReport, NoticeWriteError> {
    if folder.join(STATE_DIR).exists() {
        return Err(NoticeWriteError::RunOutput(folder.to_path_buf()));
    }
    let (notices, files) = unit_cost_notice_files(dataset, year, notified_on)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| NoticeWriteError::Io { path, source }
    };
    let mut statuses = Vec::with_capacity(files.len());
    let mut different = Vec::new();
    for file in &files {
        let path = folder.join(&file.path);
        match std::fs::read(&path) {
            Ok(existing) if existing == file.bytes => statuses.push((path, NoticeFileStatus::Unchanged)),
            Ok(_) => different.push(path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                statuses.push((path, NoticeFileStatus::Written));
            }
            Err(error) => return Err(io(&path)(error)),
        }
    }
    if !different.is_empty() {
        return Err(NoticeWriteError::Different(different));
    }
    for (file, (path, status)) in files.iter().zip(&statuses) {
        if *status == NoticeFileStatus::Unchanged {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fsx::write_new(path, &file.bytes).map_err(io(path))?;
        fsx::sync_parent(path).map_err(io(path))?;
    }
    Ok(NoticeReport { notices, files: statuses })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> ValidatedDataset {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel");
        mutua_dataset::load(&path).expect("the bundled dataset loads")
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
    }

    #[test]
    fn same_inputs_same_bytes_and_a_second_call_writes_nothing() {
        let dataset = fixtures();
        let (_, first) = unit_cost_notice_files(&dataset, 2027, date()).unwrap();
        let (_, second) = unit_cost_notice_files(&dataset, 2027, date()).unwrap();
        assert_eq!(first, second);
        let names: Vec<String> = first.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(names, ["2027/sim-ads.pdf", "2027/sim-ads.csv"]);
        assert!(first[0].bytes.starts_with(b"%PDF-1.7"));

        let dir = tempfile::tempdir().unwrap();
        let report = write_unit_cost_notices(&dataset, 2027, date(), dir.path()).unwrap();
        assert!(report.files.iter().all(|(_, status)| *status == NoticeFileStatus::Written));
        assert_eq!(std::fs::read(dir.path().join("2027/sim-ads.pdf")).unwrap(), first[0].bytes);
        let again = write_unit_cost_notices(&dataset, 2027, date(), dir.path()).unwrap();
        assert!(again.files.iter().all(|(_, status)| *status == NoticeFileStatus::Unchanged));

        // Another date gives other bytes: refused, and the CSV (which would differ too) is not written either.
        let csv = dir.path().join("2027/sim-ads.csv");
        std::fs::remove_file(&csv).unwrap();
        let later = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        match write_unit_cost_notices(&dataset, 2027, later, dir.path()) {
            Err(NoticeWriteError::Different(paths)) => {
                assert_eq!(paths, [dir.path().join("2027/sim-ads.pdf")]);
            }
            other => panic!("{other:?}"),
        }
        assert!(!csv.exists());
    }

    #[test]
    fn a_semester_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(STATE_DIR)).unwrap();
        assert!(matches!(
            write_unit_cost_notices(&fixtures(), 2027, date(), dir.path()),
            Err(NoticeWriteError::RunOutput(_))
        ));
    }
}
