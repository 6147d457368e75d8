//! `mutua notice`: the annual notices of the D5211-16 unit costs (PDF and CSV), through one library call — this
//! module reads the arguments and prints, in French, what the library reports.
#![allow(clippy::print_stderr, reason = "printing is the CLI's job")]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mutua_documents::present::unit_cost_notice::notice_error_fr;
use mutua_documents::present::{date_fr, decimal_fr, price_fr};
use mutua_issue::{NoticeFileStatus, NoticeWriteError, write_unit_cost_notices};

/// What `mutua notice` was asked to do.
#[derive(Debug)]
pub struct NoticeArgs {
    /// The dataset.
    pub data: PathBuf,
    /// The year of the unit costs.
    pub year: String,
    /// The notices folder.
    pub out: PathBuf,
    /// The date of notification.
    pub date: String,
}

/// The message of an error of the library, in French.
fn error_fr(error: &NoticeWriteError) -> String {
    match error {
        NoticeWriteError::Notice(error) => notice_error_fr(error),
        NoticeWriteError::Document(error) => format!("une notification ne peut être produite : {error}"),
        NoticeWriteError::Fonts(error) => format!("les polices ne peuvent être chargées : {error}"),
        NoticeWriteError::RunOutput(path) => format!(
            "{} est le dossier de sortie d'un semestre : les notifications du coût unitaire, qui ne sont pas des \
             documents numérotés, vont dans un dossier à part (--out)",
            path.display()
        ),
        NoticeWriteError::Different(paths) => {
            let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            format!(
                "{} {} déjà avec un autre contenu : une notification envoyée n'est jamais remplacée ; écrivez la \
                 nouvelle dans un autre dossier (--out) ou déplacez l'ancienne. Rien n'a été écrit",
                list.join(", "),
                if list.len() > 1 { "existent" } else { "existe" }
            )
        }
        NoticeWriteError::Io { path, source } => format!("{} : {source}", path.display()),
        other => other.to_string(),
    }
}

/// Loads the dataset, makes the notices of the year and writes them; prints each file and each unit cost.
pub fn run(args: &NoticeArgs) -> anyhow::Result<ExitCode> {
    let year: i32 =
        args.year.parse().ok().filter(|year| (1900..=2200).contains(year)).with_context(|| {
            format!("--year « {} » invalide : une année de 1900 à 2200, comme 2027", args.year)
        })?;
    let date = mutua_core::parse_date(&args.date).with_context(|| {
        format!("--date « {} » invalide : une date AAAA-MM-JJ, comme 2026-11-16", args.date)
    })?;
    if !args.data.is_dir() && !args.data.is_file() {
        bail!("aucun jeu de données à `{}` (ni dossier, ni document JSON)", args.data.display());
    }
    let dataset = match crate::run::load(&args.data) {
        Ok(dataset) => dataset,
        Err(code) => return Ok(code),
    };
    let report = match write_unit_cost_notices(&dataset, year, date, &args.out) {
        Ok(report) => report,
        Err(error) => bail!("{}", error_fr(&error)),
    };
    for notice in &report.notices {
        let cost = &notice.cost;
        let unit = notice.unit_labels().join(" / ");
        eprintln!(
            "{} {year} : {} par {unit} ({} ÷ {} {unit} ; compte administratif {} actualisé : {} ; {} \
             destinataires)",
            notice.dispositif,
            price_fr(cost.unit_cost.value()),
            cost.full_cost.format_fr(),
            decimal_fr(cost.units.value(), 6),
            cost.accounts.year,
            cost.document,
            notice.members.len()
        );
    }
    for (path, status) in &report.files {
        let what = match status {
            NoticeFileStatus::Written => "écrit",
            NoticeFileStatus::Unchanged => "inchangé",
        };
        eprintln!("{what} : {}", shown(path));
    }
    if let Some(deadline) = mutua_documents::budget_vote_deadline(year)
        && date > deadline
    {
        eprintln!(
            "attention : notification datée du {}, après le {} : le coût unitaire doit être connu des bénéficiaires \
             avant l'adoption de leur budget {year} (articles D5211-16 et L1612-2 du CGCT)",
            date_fr(date),
            date_fr(deadline)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}
