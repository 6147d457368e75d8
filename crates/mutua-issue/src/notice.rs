//! What a run noticed and repaired on its way, for the caller to show: nothing here is an error.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::names::FileName;

/// Something a run noticed or repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A torn last line of the ledger (an interrupted commit) was cut off.
    TornTail {
        /// Its length in bytes.
        bytes: u64,
    },
    /// Documents of an interrupted commit were cut off the ledger: they were never issued, their numbers are
    /// issued again.
    UncommittedCut {
        /// Their numbers.
        numbers: Vec<String>,
    },
    /// The anchor was behind the ledger (a run interrupted just after its commit) and was brought up to date.
    AnchorAdvanced,
    /// Files an interrupted run had written for numbers it never issued were removed.
    InterruptedRunCleaned {
        /// The files.
        files: Vec<FileName>,
    },
    /// Drafts of an earlier dry run were removed from the output before issuing into it.
    DraftsRemoved {
        /// How many.
        count: usize,
    },
    /// An output written by an earlier version (every file known to the ledger) is now managed as an output.
    OutputAdopted {
        /// The folder.
        path: PathBuf,
    },
    /// A temporary folder left by an earlier version of mutua: it may hold issued documents, so it is left as it is.
    StaleFolder {
        /// The folder.
        path: PathBuf,
    },
    /// A kept document's file was missing and was written again, identical to the one issued.
    Restored {
        /// Its number.
        number: String,
        /// The file.
        file: FileName,
    },
    /// An earlier document of the semester (cancelled since) is no longer in the output.
    HistoryMissing {
        /// Its number.
        number: String,
        /// The file.
        file: FileName,
    },
    /// Documents kept from earlier runs keep their own issue dates, not the run's.
    KeptDates {
        /// How many documents were kept.
        count: usize,
        /// Their issue dates.
        dates: Vec<NaiveDate>,
        /// The run's issue date.
        requested: NaiveDate,
    },
}

fn date_fr(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::TornTail { bytes } => write!(
                f,
                "registre : fin de ligne tronquée ({bytes} octets) laissée par une exécution interrompue, retirée ; \
                 ces numéros n'avaient pas été émis"
            ),
            Notice::UncommittedCut { numbers } => write!(
                f,
                "registre : {} numéro(s) d'une exécution interrompue avant sa validation retirés (jamais émis, ils \
                 sont réattribués) : {}",
                numbers.len(),
                numbers.join(", ")
            ),
            Notice::AnchorAdvanced => f.write_str(
                "registre : ancre mise à jour après une exécution interrompue juste après sa validation",
            ),
            Notice::InterruptedRunCleaned { files } => write!(
                f,
                "{} fichier(s) d'une exécution interrompue, pour des numéros jamais émis, supprimé(s)",
                files.len()
            ),
            Notice::DraftsRemoved { count } => {
                write!(f, "{count} projet(s) d'une simulation précédente supprimé(s) du dossier de sortie")
            }
            Notice::OutputAdopted { path } => write!(
                f,
                "{} : dossier écrit par une version antérieure, entièrement connu du registre, repris tel quel",
                path.display()
            ),
            Notice::StaleFolder { path } => write!(
                f,
                "dossier temporaire d'une version antérieure : {} ; il peut contenir des documents émis : vérifiez-le \
                 (mutua ledger) avant de le supprimer vous-même",
                path.display()
            ),
            Notice::Restored { number, file } => {
                write!(f, "{number} : fichier {file} absent, réécrit à l'identique du document émis")
            }
            Notice::HistoryMissing { number, file } => write!(
                f,
                "{number} : le fichier {file} (document annulé depuis) n'est plus dans le dossier ; restaurez-le \
                 depuis vos archives"
            ),
            Notice::KeptDates { count, dates, requested } => {
                let dates: Vec<String> = dates.iter().copied().map(date_fr).collect();
                write!(
                    f,
                    "{count} document(s) déjà émis conservé(s) avec leur date d'émission ({}) ; la date du \
                     {} ne s'applique qu'aux documents nouveaux",
                    dates.join(", "),
                    date_fr(*requested)
                )
            }
        }
    }
}
