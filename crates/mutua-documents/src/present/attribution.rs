//! The wording of a statement of imputation on the attribution de compensation (`AC-…`): its legal basis
//! (CGCT article L5211-4-2, imputation on the AC of CGI article 1609 nonies C), the AC of the year before and
//! after the statement, and the instalments it reduces ([`crate::attribution::AcPosition`]).

use mutua_core::InstalmentChange;
use mutua_render::{AnnexSection, TotalView};

use super::format::{month_fr, of_month_fr};
use crate::attribution::AcPosition;
use crate::document::Document;

/// The legal basis every statement cites.
pub const LEGAL_BASIS: &str = "article L5211-4-2 du CGCT";

/// « mensuelles », « trimestrielles »…: how often `count` equal instalments a year fall.
fn frequency_fr(count: u32) -> &'static str {
    match count {
        1 => "annuelle",
        2 => "semestrielles",
        3 => "quadrimestrielles",
        4 => "trimestrielles",
        6 => "bimestrielles",
        _ => "mensuelles",
    }
}

/// « l'échéance de juillet 2026 (n° 7 sur 12) ».
fn instalment_fr(change: &InstalmentChange, year: i32, count: u32) -> String {
    format!(
        "l'échéance {} (n° {} sur {count})",
        of_month_fr(change.instalment.month, year),
        change.instalment.number
    )
}

/// « 12 échéances mensuelles de 10 000,00 € », « 3 échéances quadrimestrielles de 333,33 € (la dernière de
/// 333,34 €) », « 1 échéance annuelle de 600,00 € ».
fn schedule_fr(position: &AcPosition) -> String {
    let count = position.instalments;
    let (Some(first), Some(last)) = (position.schedule.first(), position.schedule.last()) else {
        return format!("{count} échéances");
    };
    let plural = if count > 1 { "s" } else { "" };
    let mut text =
        format!("{count} échéance{plural} {} de {}", frequency_fr(count), first.amount.format_fr());
    if last.amount != first.amount {
        text.push_str(&format!(" (la dernière de {})", last.amount.format_fr()));
    }
    text
}

/// The instalments a statement reduces, for its « Échéance(s) réduite(s) » line: « juillet 2026 (n° 7 sur 12) »,
/// « juillet 2026 (n° 7 sur 12), août 2026 (n° 8 sur 12) », and three or more that follow each other as one span,
/// « juillet à décembre 2026 (n° 7 à 12 sur 12) ».
#[must_use]
pub fn instalments_meta_fr(position: &AcPosition) -> Option<(String, String)> {
    let (first, last) = (position.changes.first()?, position.changes.last()?);
    let year = position.year;
    let count = position.instalments;
    let consecutive =
        position.changes.windows(2).all(|w| w[1].instalment.number == w[0].instalment.number + 1);
    let text = if position.changes.len() >= 3 && consecutive {
        format!(
            "{} à {} {year} (n° {} à {} sur {count})",
            month_fr(first.instalment.month),
            month_fr(last.instalment.month),
            first.instalment.number,
            last.instalment.number
        )
    } else {
        let each: Vec<String> = position
            .changes
            .iter()
            .map(|c| {
                format!("{} {year} (n° {} sur {count})", month_fr(c.instalment.month), c.instalment.number)
            })
            .collect();
        each.join(", ")
    };
    let label = if position.changes.len() > 1 { "Échéances réduites" } else { "Échéance réduite" };
    Some((label.to_owned(), text))
}

/// What the imputation does to each instalment, in words: consecutive instalments of the same amount brought to
/// zero as one span (« les échéances de juillet à novembre 2026 (n° 7 à 11 sur 12) de 50,00 € chacune à 0,00 € »),
/// each other one on its own (« l'échéance de décembre 2026 (n° 12 sur 12) de 50,00 € à 15,00 € »).
fn changes_fr(position: &AcPosition) -> Vec<String> {
    let year = position.year;
    let count = position.instalments;
    let mut parts = Vec::new();
    let mut index = 0;
    let changes = &position.changes;
    while index < changes.len() {
        let start = &changes[index];
        let mut end = index;
        while end + 1 < changes.len()
            && changes[end + 1].instalment.number == changes[end].instalment.number + 1
            && changes[end + 1].before == start.before
            && changes[end + 1].after.is_zero()
            && start.after.is_zero()
        {
            end += 1;
        }
        if end > index {
            let last = &changes[end];
            parts.push(format!(
                "les échéances de {} à {} {year} (n° {} à {} sur {count}) de {} chacune à {}",
                month_fr(start.instalment.month),
                month_fr(last.instalment.month),
                start.instalment.number,
                last.instalment.number,
                start.before.format_fr(),
                start.after.format_fr()
            ));
        } else {
            parts.push(format!(
                "{} de {} à {}",
                instalment_fr(start, year, count),
                start.before.format_fr(),
                start.after.format_fr()
            ));
        }
        index = end + 1;
    }
    parts
}

/// The mentions of a statement: its legal basis and what it is not, then its AC before and after and the
/// instalments it reduces. `issuer` and `recipient` are the names as the document prints them.
#[must_use]
pub fn mentions_fr(document: &Document, named: &super::Named) -> Vec<String> {
    let super::Named { issuer, issuer_a, recipient, recipient_a, recipient_de, .. } = named;
    let mut mentions = vec![format!(
        "Imputation sur l'attribution de compensation ({LEGAL_BASIS}) : les effets de la mise en commun de \
         services (service commun) sont réglés par imputation sur l'attribution de compensation prévue à l'article \
         1609 nonies C du CGI. Le montant ci-dessus est déduit de l'attribution de compensation que {issuer} verse \
         {recipient_a} : ce document n'est pas une facture et n'appelle ni paiement ni titre de recettes."
    )];
    let Some(position) = &document.attribution else {
        mentions.push(
            "L'attribution de compensation de l'année n'est pas donnée par les données de l'émetteur : le présent \
             état n'en montre pas le montant avant et après imputation."
                .to_owned(),
        );
        return mentions;
    };
    let year = position.year;
    let mut text = format!(
        "Attribution de compensation {year} {recipient_de} : {}{}, versée en {}.",
        position.annual.format_fr(),
        position.reference.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
        schedule_fr(position)
    );
    for earlier in &position.earlier {
        text.push_str(&match earlier.amount {
            Some(amount) => format!(
                " Imputé au {} : {}{}.",
                earlier.semester.label_fr(),
                amount.format_fr(),
                documents_fr(&earlier.documents)
            ),
            None => format!(
                " Ce qui a été imputé au {} n'est connu ni du registre ni des titres : l'attribution avant et \
                 après le présent état n'en tient pas compte.",
                earlier.semester.label_fr()
            ),
        });
    }
    match (position.before, position.after) {
        (Some(before), Some(after)) => text.push_str(&format!(
            " Le présent état impute {} : l'attribution de compensation {year} passe de {} à {}.",
            position.imputed.format_fr(),
            before.format_fr(),
            after.format_fr()
        )),
        _ => text.push_str(&format!(" Le présent état impute {}.", position.imputed.format_fr())),
    }
    let changes = changes_fr(position);
    if !changes.is_empty() {
        text.push_str(&format!(" Il réduit {}.", join_fr(&changes)));
    }
    if position
        .changes
        .last()
        .is_some_and(|c| c.after.is_negative() && c.instalment.number == position.instalments)
    {
        text.push_str(&format!(
            " La dernière échéance de l'année ne suffit pas : {recipient} reverse la différence {issuer_a}."
        ));
    }
    mentions.push(text);
    mentions
}

/// What the cancellation of a statement does to the AC: the imputation is undone, and the statement issued for
/// the same period, if any, imputes its own amount from the same instalments.
#[must_use]
pub fn cancellation_fr(document: &Document, named: &super::Named) -> String {
    let super::Named { issuer, recipient_a, .. } = named;
    format!(
        "L'imputation de {} sur l'attribution de compensation que {issuer} verse {recipient_a} est annulée ({LEGAL_BASIS}) \
         ; le nouvel état d'imputation émis pour la même période, s'il y en a un, impute le montant rectifié.",
        document.total.abs().format_fr()
    )
}

/// « (AC-MEL-2026-00001) », or nothing.
fn documents_fr(documents: &[String]) -> String {
    if documents.is_empty() { String::new() } else { format!(" ({})", documents.join(", ")) }
}

/// « a », « a et b », « a, b et c ».
fn join_fr(parts: &[String]) -> String {
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// The totals box of a statement: the AC of the year, what earlier statements imputed, this statement's amount,
/// and the AC after; only the amount imputed when the dataset does not state the AC.
#[must_use]
pub fn totals(document: &Document) -> Vec<TotalView> {
    let imputed = TotalView {
        label: "Montant imputé par le présent état".into(),
        amount: document.total.format_fr(),
        emphasis: true,
    };
    let Some(position) = &document.attribution else {
        return vec![TotalView { label: "Montant imputé".into(), ..imputed }];
    };
    let year = position.year;
    let mut totals = vec![TotalView {
        label: format!("Attribution de compensation {year}"),
        amount: position.annual.format_fr(),
        emphasis: false,
    }];
    for earlier in &position.earlier {
        totals.push(TotalView {
            label: format!("Imputé au {}", earlier.semester.label_fr()),
            amount: earlier.amount.map_or_else(|| "non connu".to_owned(), |a| a.format_fr()),
            emphasis: false,
        });
    }
    totals.push(imputed);
    if let Some(after) = position.after {
        totals.push(TotalView {
            label: format!("Attribution de compensation {year} après imputation"),
            amount: after.format_fr(),
            emphasis: false,
        });
    }
    totals
}

/// The annex section of a statement: the AC and its instalments, step by step.
#[must_use]
pub fn annex_section(position: &AcPosition) -> AnnexSection {
    let year = position.year;
    let mut lines = vec![format!(
        "Attribution de compensation {year} : {}{}, en {}",
        position.annual.format_fr(),
        position.reference.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
        schedule_fr(position)
    )];
    for earlier in &position.earlier {
        lines.push(match earlier.amount {
            Some(amount) => format!(
                "  Imputé au {} : {}{}",
                earlier.semester.label_fr(),
                amount.format_fr(),
                documents_fr(&earlier.documents)
            ),
            None => {
                format!("  Imputé au {} : non connu du registre ni des titres", earlier.semester.label_fr())
            }
        });
    }
    if let Some(before) = position.before {
        lines.push(format!("  Avant le présent état : {}", before.format_fr()));
    }
    lines.push(format!("  Imputé par le présent état : {}", position.imputed.format_fr()));
    if let Some(after) = position.after {
        lines.push(format!("  Après imputation : {}", after.format_fr()));
    }
    lines.push(
        "  Échéances : l'imputation d'un semestre commence à la première échéance qui suit sa fin (la dernière \
         de l'année pour le 2d semestre) et réduit chaque échéance jusqu'à zéro avant de passer à la suivante ; \
         la dernière échéance de l'année prend le reste."
            .to_owned(),
    );
    for change in &position.changes {
        lines.push(format!(
            "  Échéance {} (n° {} sur {}) : {} − {} = {}",
            of_month_fr(change.instalment.month, year),
            change.instalment.number,
            position.instalments,
            change.before.format_fr(),
            change.imputed.format_fr(),
            change.after.format_fr()
        ));
    }
    AnnexSection {
        heading: format!("Attribution de compensation {year} : imputation du présent état"),
        lines,
    }
}
