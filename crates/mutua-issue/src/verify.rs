//! The checks of `mutua ledger`: a ledger file, its anchor, every issued file, and the outputs it wrote into.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::directory::{STATE_DIR, location_of, looks_like_document, resolve_location};
use crate::file_ledger::{FileLedger, Inspection};
use crate::hash::Sha256;
use crate::ledger::{LedgerError, LedgerHead};
use crate::lock::LockWait;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Harmless: an interrupted run the next one repairs, a folder to look at.
    Warning,
    /// The ledger or an issued file is not whole: `mutua ledger` exits 1 and `mutua run` refuses to issue.
    Error,
}

/// One thing a check found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Finding {
    /// The ledger itself is unusable (rolled back, unanchored, a gap, a duplicate…).
    Ledger(LedgerError),
    /// A torn last line: an interrupted commit.
    TornTail {
        /// Its bytes.
        bytes: u64,
    },
    /// Documents written without their commit: an interrupted commit.
    Uncommitted {
        /// Their numbers.
        numbers: Vec<String>,
    },
    /// An issued file is missing.
    Missing {
        /// Its number.
        number: String,
        /// The file.
        file: PathBuf,
    },
    /// An issued file's bytes differ from the recorded SHA-256.
    Tampered {
        /// Its number.
        number: String,
        /// The file.
        file: PathBuf,
    },
    /// A document file in an output that the ledger does not know.
    Unknown {
        /// The file.
        file: PathBuf,
    },
    /// A file of an interrupted run, for a number never issued: the next run removes it.
    Pending {
        /// The file.
        file: PathBuf,
    },
    /// An output's state names a ledger head the ledger does not contain.
    OutputAhead {
        /// The output.
        output: PathBuf,
    },
}

impl Finding {
    /// How serious it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Finding::TornTail { .. } | Finding::Uncommitted { .. } | Finding::Pending { .. } => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Ledger(error) => write!(f, "{error}"),
            Finding::TornTail { bytes } => write!(
                f,
                "dernière ligne tronquée ({bytes} octets) : une exécution a été interrompue pendant sa validation ; \
                 ces numéros n'ont pas été émis et la prochaine exécution la retire"
            ),
            Finding::Uncommitted { numbers } => write!(
                f,
                "{} document(s) écrits sans validation (exécution interrompue) : {} ; non émis, la prochaine \
                 exécution les retire",
                numbers.len(),
                numbers.join(", ")
            ),
            Finding::Missing { number, file } => {
                write!(
                    f,
                    "{number} : le fichier émis {} est introuvable (déplacé ou supprimé ?)",
                    file.display()
                )
            }
            Finding::Tampered { number, file } => write!(
                f,
                "{number} : {} ne correspond plus à son empreinte SHA-256 enregistrée (modifié après émission)",
                file.display()
            ),
            Finding::Unknown { file } => write!(
                f,
                "{} : document inconnu du registre (registre tronqué ou remplacé ?)",
                file.display()
            ),
            Finding::Pending { file } => write!(
                f,
                "{} : fichier d'une exécution interrompue, pour un numéro jamais émis ; la prochaine exécution le \
                 retire",
                file.display()
            ),
            Finding::OutputAhead { output } => write!(
                f,
                "{} a été écrit avec un état du registre que celui-ci ne contient plus (registre tronqué ou \
                 restauré d'une ancienne copie)",
                output.display()
            ),
        }
    }
}

/// What `mutua ledger` checked and found.
#[derive(Debug)]
pub struct Verification {
    /// The ledger as read.
    pub inspection: Inspection,
    /// Every finding, errors and warnings.
    pub findings: Vec<Finding>,
}

impl Verification {
    /// The findings that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.severity() == Severity::Error)
    }

    /// Whether nothing is wrong (warnings allowed).
    #[must_use]
    pub fn is_sound(&self) -> bool {
        self.errors().next().is_none()
    }
}

fn hash_of(path: &Path) -> Option<Sha256> {
    std::fs::read(path).ok().map(|bytes| Sha256::of(&bytes))
}

#[derive(serde::Deserialize)]
struct PendingIntent {
    files: Vec<crate::sink::PendingFile>,
}

#[derive(serde::Deserialize)]
struct State {
    ledger: LedgerHead,
}

/// Checks the ledger at `path` (under a shared lock: a run in progress makes it wait or fail), every output its
/// records name and the `outputs` given: files present and intact, no document the ledger does not know, outputs
/// consistent with the ledger.
pub fn verify(path: &Path, outputs: &[PathBuf], wait: LockWait) -> Result<Verification, LedgerError> {
    let mut inspection = FileLedger::inspect(path, wait)?;
    let mut findings: Vec<Finding> = Vec::new();
    if inspection.torn_bytes > 0 {
        findings.push(Finding::TornTail { bytes: inspection.torn_bytes });
    }
    if !inspection.uncommitted.is_empty() {
        findings.push(Finding::Uncommitted { numbers: inspection.uncommitted.clone() });
    }
    let mut known: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for record in &inspection.records {
        let dir = resolve_location(path, &record.file.output);
        let files = std::iter::once((&record.file.name, record.file.sha256))
            .chain(record.file.xml.as_ref().map(|xml| (&xml.name, xml.sha256)));
        for (name, sha256) in files {
            let file = dir.join(name.as_str());
            match hash_of(&file) {
                None => findings.push(Finding::Missing { number: record.number.clone(), file }),
                Some(found) if found != sha256 => {
                    findings.push(Finding::Tampered { number: record.number.clone(), file });
                }
                Some(_) => {}
            }
            known.entry(record.file.output.as_str()).or_default().insert(name.as_str());
        }
    }
    let empty = BTreeSet::new();
    let given: Vec<String> = outputs.iter().map(|out| location_of(path, out)).collect();
    let mut locations: BTreeMap<&str, &BTreeSet<&str>> = known.iter().map(|(l, n)| (*l, n)).collect();
    for location in &given {
        locations.entry(location.as_str()).or_insert(&empty);
    }
    for (location, names) in locations {
        let dir = resolve_location(path, location);
        let state = dir.join(STATE_DIR);
        let pending: BTreeSet<String> = std::fs::read(state.join("pending.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<PendingIntent>(&bytes).ok())
            .map(|intent| intent.files.into_iter().map(|f| f.name.to_string()).collect())
            .unwrap_or_default();
        let state = std::fs::read(state.join("state.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<State>(&bytes).ok());
        if let Some(state) = state
            && !inspection.contains(&state.ledger)
        {
            findings.push(Finding::OutputAhead { output: dir.clone() });
        }
        let Ok(listing) = std::fs::read_dir(&dir) else { continue };
        let mut unknown: Vec<String> = listing
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| looks_like_document(name) && !names.contains(name.as_str()))
            .collect();
        unknown.sort();
        for name in unknown {
            let file = dir.join(&name);
            if pending.contains(&name) {
                findings.push(Finding::Pending { file });
            } else {
                findings.push(Finding::Unknown { file });
            }
        }
    }
    findings.extend(std::mem::take(&mut inspection.problems).into_iter().map(Finding::Ledger));
    Ok(Verification { inspection, findings })
}
