//! `mutua ledger`: list the issued documents and check the ledger, its anchor and every issued file; convert a
//! ledger of the first format; re-anchor a ledger whose anchor was lost.
#![allow(clippy::print_stderr, reason = "printing is the CLI's job")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mutua_issue::verify::{Severity, verify};
use mutua_issue::{FileLedger, LockWait, migrate};

/// What `mutua ledger` was asked to do.
#[derive(Debug)]
pub struct LedgerArgs<'a> {
    /// The ledger file.
    pub path: &'a Path,
    /// Convert a first-format ledger.
    pub migrate: bool,
    /// Write the anchor from the ledger as it is.
    pub reanchor: bool,
    /// An output folder to check besides those the records name.
    pub out: Option<&'a Path>,
}

/// Runs `mutua ledger`: exit 1 when the ledger or an issued file is not whole.
pub fn run(args: &LedgerArgs<'_>) -> anyhow::Result<ExitCode> {
    let path = args.path;
    if args.migrate {
        let migration = migrate::migrate(
            path,
            &crate::run::holder("mutua ledger --migrate"),
            LockWait::Fail,
            args.reanchor,
        )?;
        eprintln!(
            "{} : {} document(s) convertis au format {} ; l'original est conservé dans {}",
            path.display(),
            migration.records,
            mutua_issue::record::LEDGER_SCHEMA,
            migration.original.display()
        );
        if migration.torn_bytes > 0 {
            eprintln!(
                "une dernière ligne tronquée ({} octets, jamais validée) n'a pas été reprise",
                migration.torn_bytes
            );
        }
    }
    if args.reanchor {
        let head =
            FileLedger::reanchor(path, &crate::run::holder("mutua ledger --reanchor"), LockWait::Fail)?;
        eprintln!(
            "{} : ancre réécrite à partir du registre tel qu'il est ({} entrées) ; faites-le seulement pour un \
             registre dont vous savez qu'il est complet",
            path.display(),
            head.entries
        );
    }
    // The outputs to look into, besides those the records name: the one given, or `out` beside the ledger.
    let outputs: Vec<PathBuf> = match args.out {
        Some(out) => vec![out.to_path_buf()],
        None => {
            let beside = mutua_issue::ledger_dir(path).join("out");
            if beside.is_dir() { vec![beside] } else { Vec::new() }
        }
    };
    let verification = match verify(path, &outputs, LockWait::Fail) {
        Ok(verification) => verification,
        Err(error) => {
            eprintln!("erreur : {error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let some_output = outputs.iter().any(|out| out.join(mutua_issue::STATE_DIR).is_dir());
    if !verification.inspection.exists && verification.inspection.anchor.is_none() && !some_output {
        eprintln!("erreur : aucun registre à {} (ni dossier de sortie à côté)", path.display());
        return Ok(ExitCode::FAILURE);
    }
    let inspection = &verification.inspection;
    let mut out = String::new();
    writeln!(
        out,
        "{:<22} {:<18} {:<8} {:<9} {:<8} {:<10} {:>13}  état",
        "numéro", "type", "émetteur", "destin.", "semestre", "émis le", "total"
    )?;
    let cancelled: std::collections::BTreeSet<&str> =
        inspection.records.iter().filter_map(|r| r.corrects.as_deref()).collect();
    for record in &inspection.records {
        let status = match (&record.corrects, cancelled.contains(record.number.as_str())) {
            (Some(number), _) => format!("annule {number}"),
            (None, true) => "annulé".to_owned(),
            (None, false) => "en vigueur".to_owned(),
        };
        writeln!(
            out,
            "{:<22} {:<18} {:<8} {:<9} {:<8} {:<10} {:>13}  {status}",
            record.number,
            record.kind.name_fr(),
            record.issuer.as_str(),
            record.recipient.as_str(),
            record.semester.to_string(),
            record.issue_date.format("%d/%m/%Y"),
            record.total
        )?;
    }
    writeln!(
        out,
        "{} document(s) dans {} ({} entrées)",
        inspection.records.len(),
        path.display(),
        inspection.head.entries
    )?;
    // What each semester's last run carried to the next (under the titre threshold), as the next run takes it.
    let semesters: std::collections::BTreeSet<mutua_core::Semester> =
        inspection.commits.iter().map(|c| c.semester).collect();
    for semester in semesters {
        let Some(carried) = mutua_issue::carried_by(&inspection.commits, semester).filter(|c| !c.is_empty())
        else {
            continue;
        };
        writeln!(
            out,
            "Reporté par l'exécution du {} (sous le seuil de mise en recouvrement) :",
            semester.label_fr()
        )?;
        for amount in carried {
            writeln!(
                out,
                "  {:<8} → {:<8} {:<24} {:>10}  calculé pour le {}",
                amount.issuer.as_str(),
                amount.debtor.as_str(),
                amount.convention.as_str(),
                amount.amount.to_string(),
                amount.origin.label_fr()
            )?;
        }
    }
    crate::output::print_out(&out)?;
    let mut errors = 0;
    for finding in &verification.findings {
        match finding.severity() {
            Severity::Error => {
                errors += 1;
                eprintln!("erreur : {finding}");
            }
            Severity::Warning => eprintln!("attention : {finding}"),
        }
    }
    if errors > 0 {
        eprintln!("{errors} erreur(s) : le registre ou les documents émis ne sont pas intègres");
        return Ok(ExitCode::FAILURE);
    }
    eprintln!(
        "registre intègre : numérotation continue, chaîne de contrôle et ancre vérifiées, chaque fichier émis présent et identique"
    );
    Ok(ExitCode::SUCCESS)
}
