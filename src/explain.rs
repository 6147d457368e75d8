//! `mutua explain`: a commune's computation for a semester, in French, line by line.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "printing is the CLI's job")]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mutua_alloc::ChargeKind;
use mutua_core::{Amount, DispositifId, PartyId, Settlement};

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
    /// The dataset directory.
    pub data: PathBuf,
}

/// Prints the explanation.
pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let (dataset, semester) = match load_for_semester(&args.data, args.semester.as_deref())? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let Some(party) = PartyId::parse(&args.commune).ok().and_then(|id| dataset.party(&id)) else {
        bail!(
            "unknown commune `{}`: no party with that INSEE code or id in {}",
            args.commune,
            args.data.display()
        );
    };
    let dispositif = match &args.dispositif {
        Some(text) => {
            let id = DispositifId::parse(text).ok().filter(|id| dataset.dispositifs.contains_key(id));
            let Some(id) = id else {
                let known: Vec<&str> = dataset.dispositifs.keys().map(DispositifId::as_str).collect();
                bail!("unknown dispositif `{text}` (known: {})", known.join(", "));
            };
            Some(id)
        }
        None => None,
    };
    let allocation = mutua_alloc::allocate(&dataset, semester).context("allocation failed")?;
    let mut out = String::new();
    let name = match &party.insee {
        Some(insee) => format!("{} (INSEE {insee})", party.name),
        None => party.name.clone(),
    };
    writeln!(out, "{name} — {} ({})", semester.label_fr(), semester.period().label_fr())?;
    writeln!(out, "Jeu de données : {}", dataset.meta.name)?;
    writeln!(out)?;
    let mut owed = Amount::ZERO;
    let mut paid_to = Amount::ZERO;
    let mut imputed = Amount::ZERO;
    let mut billed_by = Amount::ZERO;
    let mut paid_by = Amount::ZERO;
    let mut count = 0;
    let mut current_dispositif: Option<&DispositifId> = None;
    for charge in allocation.charges_of(&party.id, dispositif.as_ref()) {
        if charge.payer == charge.payee {
            continue;
        }
        if current_dispositif != Some(&charge.dispositif) {
            let title = dataset
                .dispositifs
                .get(&charge.dispositif)
                .map_or(charge.dispositif.as_str(), |d| d.name.as_str());
            writeln!(out, "■ {title}")?;
            current_dispositif = Some(&charge.dispositif);
        }
        for line in mutua_documents::present::explain_charge(charge) {
            writeln!(out, "  {line}")?;
        }
        writeln!(out)?;
        count += 1;
        let pays = charge.payer == party.id;
        match (pays, charge.provider_pays, charge.settlement) {
            // The party owes a provider: on an invoice, or imputed on its attribution de compensation.
            (true, false, Settlement::AttributionCompensation) => {
                imputed = imputed.checked_add(charge.amount)?
            }
            (true, false, Settlement::Invoice) => owed = owed.checked_add(charge.amount)?,
            // The party, as a provider, pays a member (payment notices).
            (true, true, _) => paid_by = paid_by.checked_add(charge.amount)?,
            // A provider pays the party (payment notices).
            (false, true, _) => paid_to = paid_to.checked_add(charge.amount)?,
            // The party, as a provider, bills a member.
            (false, false, _) => billed_by = billed_by.checked_add(charge.amount)?,
        }
        if let ChargeKind::Regularisation { year } = charge.kind {
            writeln!(out, "  (régularisation de l'exercice {year})")?;
            writeln!(out)?;
        }
    }
    // With a dispositif: where every cent of it went, from the same batch the documents come from.
    let reconciliation = match &dispositif {
        Some(id) => {
            let report = mutua_issue::check(&dataset, semester, None, mutua_issue::Depth::Documents);
            if !report.is_ok() {
                for error in &report.errors {
                    eprintln!("{error}");
                }
                eprintln!("{} erreur(s) dans {} pour {semester}", report.errors.len(), args.data.display());
                return Ok(ExitCode::FAILURE);
            }
            report.batch.map(|batch| {
                mutua_documents::present::reconciliation::dispositif_text(
                    semester,
                    &batch.dispositifs,
                    &batch.pools,
                    id.as_str(),
                )
            })
        }
        None => None,
    };
    if count == 0 {
        writeln!(out, "Aucun montant pour cette période.")?;
        if let Some(text) = &reconciliation {
            writeln!(out)?;
            out.push_str(text);
        }
        crate::output::print_out(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "Total à facturer à {} : {}", party.name, owed.format_fr())?;
    if !imputed.is_zero() {
        writeln!(out, "Total imputé sur l'attribution de compensation : {}", imputed.format_fr())?;
    }
    if !paid_to.is_zero() {
        writeln!(
            out,
            "Total versé à {} (avis de versement, sans compensation) : {}",
            party.name,
            paid_to.format_fr()
        )?;
    }
    if !billed_by.is_zero() {
        writeln!(
            out,
            "Total facturé par {} aux membres de ses services : {}",
            party.name,
            billed_by.format_fr()
        )?;
    }
    if !paid_by.is_zero() {
        writeln!(out, "Total versé par {} (avis de versement) : {}", party.name, paid_by.format_fr())?;
    }
    if owed.is_positive() && owed < dataset.meta.titre_threshold {
        writeln!(
            out,
            "Montant inférieur au seuil de {} (art. D1611-1 CGCT) : aucun titre n'est émis, le montant est reporté au semestre suivant.",
            dataset.meta.titre_threshold.format_fr()
        )?;
    }
    if let Some(text) = &reconciliation {
        writeln!(out)?;
        out.push_str(text);
    }
    crate::output::print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
