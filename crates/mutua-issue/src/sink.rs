//! Where issued files go: the [`Sink`] trait, and [`MemorySink`] for tests and embedders.
//!
//! The issuing workflow drives a sink through one group of new files at a time, in this order: [`Sink::begin`]
//! (the names and hashes about to be written: a sink records this intent durably and refuses any name already
//! present), [`Sink::write`] for each file, [`Sink::publish`] (every file durable at its final place), then the
//! ledger commit, then [`Sink::committed`] with the ledger's new head, the run reports ([`Sink::write_report`])
//! and [`Sink::finish`]. If the ledger refuses the group, [`Sink::abandon`] removes its files; if the process dies
//! first, the sink's next open removes the files whose numbers the ledger does not have.
//!
//! A sink never overwrites or deletes an issued file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::hash::Sha256;
use crate::ledger::LedgerHead;
use crate::lock::LockError;
use crate::names::FileName;

/// A file of a group about to be written: its name, the number of the document it belongs to and its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingFile {
    /// The file name.
    pub name: FileName,
    /// The document's number.
    pub number: String,
    /// SHA-256 of the bytes to be written.
    pub sha256: Sha256,
}

/// Why a sink refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// An I/O error.
    #[error("{path} : {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The output is locked by another run.
    #[error(transparent)]
    Busy(#[from] LockError),
    /// The output path is a file.
    #[error("{path} est un fichier, pas un dossier de sortie : rien n'est écrit")]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// A non-empty folder that mutua did not write.
    #[error(
        "{path} n'est pas un dossier de sortie de mutua (il contient « {entry} ») : rien n'y est écrit ni supprimé ; \
         choisissez un dossier vide ou nouveau"
    )]
    NotAnOutput {
        /// The folder.
        path: PathBuf,
        /// An entry mutua does not know.
        entry: String,
    },
    /// Drafts asked into a folder of issued documents.
    #[error(
        "{path} contient des documents émis : un projet (--dry-run) n'y est jamais écrit ; choisissez un autre \
         dossier"
    )]
    IssuedOutput {
        /// The folder.
        path: PathBuf,
    },
    /// A new file's name is already taken.
    #[error("{path} existe déjà : un fichier émis n'est jamais remplacé ; rien n'est émis")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The output knows a ledger state the ledger does not have.
    #[error(
        "{path} a été écrit avec un registre de {anchored} entrée(s) que le registre actuel ne contient pas \
         (registre tronqué, restauré d'une ancienne copie, ou autre registre) : rien n'est émis"
    )]
    RolledBack {
        /// The output folder.
        path: PathBuf,
        /// The entries of the head the output recorded.
        anchored: u64,
    },
    /// A document file the ledger does not know.
    #[error(
        "{path} : document émis inconnu du registre (registre tronqué ou remplacé ?) ; son numéro serait \
         réattribué : rien n'est émis"
    )]
    UnknownDocument {
        /// The file.
        path: PathBuf,
    },
    /// The output's own state cannot be read.
    #[error("{path} : état du dossier de sortie illisible : {message}")]
    BadState {
        /// The state file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// Where issued documents are written, with the guarantees of the commit protocol (see the module docs).
pub trait Sink {
    /// How records name this output ([`crate::record::FileRecord::output`]).
    fn location(&self) -> &str;

    /// The SHA-256 of an issued file, in this output or another `location`, or `None` when it is not there.
    fn issued_file(&self, location: &str, name: &FileName) -> Result<Option<Sha256>, SinkError>;

    /// Starts a group of new files, to be committed after the ledger's `head`: records the intent durably,
    /// refuses a name already present.
    fn begin(&mut self, head: &LedgerHead, files: &[PendingFile]) -> Result<(), SinkError>;

    /// Writes one file of the group at its final place.
    fn write(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError>;

    /// Writes several files of the group at their final places, as that many [`Sink::write`]s would; an
    /// implementation may write them in parallel. On an error, the files of the group that were written are
    /// still the sink's to remove ([`Sink::abandon`]). By default, one by one in order.
    fn write_all(&mut self, files: &[(&FileName, &[u8])]) -> Result<(), SinkError> {
        for (name, bytes) in files {
            self.write(name, bytes)?;
        }
        Ok(())
    }

    /// Makes every file of the group durable at its final place.
    fn publish(&mut self) -> Result<(), SinkError>;

    /// The ledger has not committed the group: removes its files.
    fn abandon(&mut self) -> Result<(), SinkError>;

    /// The ledger committed the group: keeps its new head as proof of what was issued here.
    fn committed(&mut self, head: &LedgerHead) -> Result<(), SinkError>;

    /// Writes an issued file that is missing, re-created identical to its record (never replaces a file).
    fn restore(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError>;

    /// Writes a run report (the manifest, an export), replacing the previous one as a whole.
    fn write_report(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError>;

    /// Ends the run: forgets the intent.
    fn finish(&mut self) -> Result<(), SinkError>;
}

/// A sink in memory: issued files and reports by name (tests, embedders that store documents themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemorySink {
    /// The issued files.
    pub files: BTreeMap<FileName, Vec<u8>>,
    /// The run reports.
    pub reports: BTreeMap<FileName, Vec<u8>>,
    /// The last head committed.
    pub head: Option<LedgerHead>,
    pending: Vec<PendingFile>,
}

/// The location a [`MemorySink`] gives its records.
pub const MEMORY_LOCATION: &str = "memory";

impl MemorySink {
    /// An empty sink.
    #[must_use]
    pub fn new() -> MemorySink {
        MemorySink::default()
    }
}

impl Sink for MemorySink {
    fn location(&self) -> &str {
        MEMORY_LOCATION
    }

    fn issued_file(&self, location: &str, name: &FileName) -> Result<Option<Sha256>, SinkError> {
        Ok((location == MEMORY_LOCATION)
            .then(|| self.files.get(name).map(|bytes| Sha256::of(bytes)))
            .flatten())
    }

    fn begin(&mut self, _head: &LedgerHead, files: &[PendingFile]) -> Result<(), SinkError> {
        if let Some(taken) = files.iter().find(|file| self.files.contains_key(&file.name)) {
            return Err(SinkError::Exists { path: PathBuf::from(taken.name.as_str()) });
        }
        self.pending = files.to_vec();
        Ok(())
    }

    fn write(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        if self.files.contains_key(name) {
            return Err(SinkError::Exists { path: PathBuf::from(name.as_str()) });
        }
        self.files.insert(name.clone(), bytes.to_vec());
        Ok(())
    }

    fn publish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    fn abandon(&mut self) -> Result<(), SinkError> {
        for file in std::mem::take(&mut self.pending) {
            self.files.remove(&file.name);
        }
        Ok(())
    }

    fn committed(&mut self, head: &LedgerHead) -> Result<(), SinkError> {
        self.head = Some(*head);
        self.pending.clear();
        Ok(())
    }

    fn restore(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        self.write(name, bytes)
    }

    fn write_report(&mut self, name: &FileName, bytes: &[u8]) -> Result<(), SinkError> {
        self.reports.insert(name.clone(), bytes.to_vec());
        Ok(())
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}
