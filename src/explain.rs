//! `mutua explain`: a party's computation for a semester, in French, line by line, from the batch its documents
//! come from.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "printing is the CLI's job")]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use mutua_core::{DispositifId, PartyId};
use mutua_documents::present::{reconciliation, statement};

use crate::run::load_for_semester;

/// What `mutua explain` was asked to explain.
#[derive(Debug)]
pub struct ExplainArgs {
    /// The commune's INSEE code (or any party id).
    pub commune: String,
    /// The semester, or the dataset's current one.
    pub semester: Option<String>,
    /// Only this dispositif.
    pub dispositif: Option<String>,
    /// The dataset.
    pub data: PathBuf,
    /// The ledger, for what past semesters billed.
    pub ledger: PathBuf,
}

/// Prints the explanation.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let (dataset, semester) = match load_for_semester(&args.data, args.semester.as_deref())? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let Some(party) = PartyId::parse(&args.commune).ok().filter(|id| dataset.party(id).is_some()) else {
        bail!(
            "commune « {} » inconnue : aucune partie de ce code INSEE ou de cet identifiant dans {}",
            args.commune,
            args.data.display()
        );
    };
    let dispositif = match &args.dispositif {
        Some(text) => {
            let id = DispositifId::parse(text).ok().filter(|id| dataset.dispositifs.contains_key(id));
            let Some(id) = id else {
                let known: Vec<&str> = dataset.dispositifs.keys().map(DispositifId::as_str).collect();
                bail!("dispositif « {text} » inconnu (connus : {})", known.join(", "));
            };
            Some(id)
        }
        None => None,
    };
    // The same computation as `mutua run`: the batch its documents come from.
    let history = match crate::run::read_history(&dataset, semester, &args.ledger, &args.data)? {
        Ok(history) => history,
        Err(code) => return Ok(code),
    };
    let report = mutua_issue::check(&dataset, semester, None, mutua_issue::Depth::Documents, &history);
    let Some(batch) = report.batch.as_ref().filter(|_| report.is_ok()) else {
        let summary = format!("{} pour {semester}", args.data.display());
        return Ok(crate::run::refused(&report.errors, &summary));
    };
    let mut out = statement::party_statement(&dataset, batch, &party, dispositif.as_ref())?;
    if let Some(id) = &dispositif {
        out.push('\n');
        out.push_str(&reconciliation::dispositif_text(
            semester,
            &batch.dispositifs,
            &batch.pools,
            id.as_str(),
        ));
    }
    crate::output::print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
