//! The named steps of the commit protocol, and test-only fault injection at each of them.
//!
//! [`Step`] names every point where a crash or an I/O error leaves a different state on disk (`docs/issuing.md`
//! says what each leaves and how the next run repairs it). With the `fault-injection` feature — enabled only by the
//! test suites, never in a release build — a [`Fault`] can be installed for the process: when the run reaches its
//! step it either fails with an I/O error, as a full disk would, or aborts the process on the spot, as a kill
//! would (no destructor runs, nothing is flushed or cleaned up). Without the feature `hit` does nothing and is
//! compiled away.

use std::fmt;
use std::str::FromStr;

/// A step of the commit protocol where a fault can strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The locks are taken; nothing is written yet.
    Locked,
    /// Recovery of an interrupted run: after removing one file it had left.
    Recover,
    /// The intent (the list of files about to be written) is written, not yet synced.
    Intent,
    /// A new document file is written, not yet synced (the `n`-th of the run).
    Write,
    /// Every new file of the chunk is written; neither they nor the output directory are synced yet.
    Publish,
    /// The ledger append: an error before writing, or an abort after writing half of the entries (a torn tail).
    LedgerWrite,
    /// The ledger entries are written, not yet synced.
    LedgerSync,
    /// The ledger is committed; its anchor file is not yet updated.
    Anchor,
    /// The anchor is updated; the output's state (its copy of the head) is not.
    OutputState,
    /// The output's state is updated; the manifest and exports are not written.
    Reports,
    /// Everything is written; the intent is not yet removed.
    Cleanup,
}

impl Step {
    /// Every step, in protocol order.
    pub const ALL: [Step; 11] = [
        Step::Locked,
        Step::Recover,
        Step::Intent,
        Step::Write,
        Step::Publish,
        Step::LedgerWrite,
        Step::LedgerSync,
        Step::Anchor,
        Step::OutputState,
        Step::Reports,
        Step::Cleanup,
    ];

    /// The step's name (`ledger-write`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Step::Locked => "locked",
            Step::Recover => "recover",
            Step::Intent => "intent",
            Step::Write => "write",
            Step::Publish => "publish",
            Step::LedgerWrite => "ledger-write",
            Step::LedgerSync => "ledger-sync",
            Step::Anchor => "anchor",
            Step::OutputState => "output-state",
            Step::Reports => "reports",
            Step::Cleanup => "cleanup",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The step fails with an I/O error.
    Error,
    /// The process aborts at the step, as if killed.
    Abort,
}

/// A fault: at the `occurrence`-th time (1-based) the run reaches `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Where.
    pub step: Step,
    /// What.
    pub kind: FaultKind,
    /// At which occurrence of the step (1 = the first).
    pub occurrence: u32,
}

/// A fault that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "« {0} » : attendu ÉTAPE:error|abort[:N], ÉTAPE parmi locked, recover, intent, write, publish, ledger-write, ledger-sync, anchor, output-state, reports, cleanup"
)]
pub struct BadFault(pub String);

impl FromStr for Fault {
    type Err = BadFault;
    /// `write:abort:3`, `ledger-sync:error`.
    fn from_str(text: &str) -> Result<Fault, BadFault> {
        let bad = || BadFault(text.to_owned());
        let mut parts = text.split(':');
        let step =
            parts.next().and_then(|name| Step::ALL.into_iter().find(|s| s.name() == name)).ok_or_else(bad)?;
        let kind = match parts.next() {
            Some("error") => FaultKind::Error,
            Some("abort") => FaultKind::Abort,
            _ => return Err(bad()),
        };
        let occurrence = match parts.next() {
            None => 1,
            Some(n) => n.parse().ok().filter(|&n| n >= 1).ok_or_else(bad)?,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Fault { step, kind, occurrence })
    }
}

/// Whether this build can inject faults (the `fault-injection` feature).
pub const ENABLED: bool = cfg!(feature = "fault-injection");

#[cfg(feature = "fault-injection")]
mod active {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::{Fault, FaultKind, Step};

    static FAULT: Mutex<Option<Fault>> = Mutex::new(None);
    static SEEN: AtomicU32 = AtomicU32::new(0);

    pub fn install(fault: Option<Fault>) {
        if let Ok(mut slot) = FAULT.lock() {
            *slot = fault;
        }
        SEEN.store(0, Ordering::SeqCst);
    }

    pub fn due(step: Step) -> Option<FaultKind> {
        let fault = (*FAULT.lock().ok()?)?;
        if fault.step != step {
            return None;
        }
        let seen = SEEN.fetch_add(1, Ordering::SeqCst) + 1;
        (seen == fault.occurrence).then_some(fault.kind)
    }
}

/// This build has no fault hooks (the `fault-injection` feature is off, as in every release build).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("injection de fautes indisponible : ce programme n'est pas une version de test")]
pub struct FaultsDisabled;

/// Installs a fault for the whole process. Refused unless built with the `fault-injection` feature.
pub fn install(fault: Fault) -> Result<(), FaultsDisabled> {
    #[cfg(feature = "fault-injection")]
    {
        active::install(Some(fault));
        Ok(())
    }
    #[cfg(not(feature = "fault-injection"))]
    {
        let _ = fault;
        Err(FaultsDisabled)
    }
}

/// Whether a fault strikes now, at `step` (always `None` without the feature).
#[inline]
#[must_use]
pub(crate) fn due(step: Step) -> Option<FaultKind> {
    #[cfg(feature = "fault-injection")]
    {
        active::due(step)
    }
    #[cfg(not(feature = "fault-injection"))]
    {
        let _ = step;
        None
    }
}

/// Reaches a step: an installed fault for it fails with an I/O error or aborts the process.
#[inline]
pub(crate) fn hit(step: Step) -> std::io::Result<()> {
    match due(step) {
        None => Ok(()),
        Some(FaultKind::Error) => Err(injected(step)),
        Some(FaultKind::Abort) => std::process::abort(),
    }
}

/// The I/O error of an injected fault.
pub(crate) fn injected(step: Step) -> std::io::Error {
    std::io::Error::other(format!("erreur d'entrée-sortie simulée à l'étape {step}"))
}
