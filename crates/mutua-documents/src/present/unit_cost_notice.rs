//! The notice of a unit operating cost in French: from a [`UnitCostNotice`] to the [`NoticeView`] the renderer
//! prints, and the errors of [`crate::unit_cost_notices`] in words.

use mutua_core::{Amount, CostLine, Dataset, PartyKind, RegularisationHalf};
use mutua_render::{
    CellAlign, ColumnView, DocumentMetadata, NoticeSection, NoticeView, PartyBlock, RowStyle, RowView,
    TableView,
};

use super::names::{self, Preposition};
use super::{decimal_fr, party, party_lines, price_fr};
use crate::document::Naming;
use crate::error::InvoiceError;
use crate::present::date_fr;
use crate::unit_cost_notice::{NoticeError, UnitCostNotice};

/// The name of a line of the cost, as the article lists the charges.
#[must_use]
pub fn cost_line_fr(line: CostLine) -> &'static str {
    match line {
        CostLine::Staff => "Charges de personnel",
        CostLine::RunningCosts => "Fournitures et contrats de services rattachés",
        CostLine::Depreciation => "Renouvellement des biens (amortissements)",
        CostLine::Subsidies => "Subventions reçues (déduites)",
    }
}

/// The title of the notice: "Notification du coût unitaire de fonctionnement — article D5211-16 du CGCT — exercice
/// 2027".
#[must_use]
pub fn title_fr(year: i32) -> String {
    format!("Notification du coût unitaire de fonctionnement — article D5211-16 du CGCT — exercice {year}")
}

/// A signed change: "+8 181,60 €", "−1 500,00 €" (with the minus sign U+2212), "0,00 €".
fn signed_fr(amount: Amount) -> String {
    if amount.is_negative() {
        format!("−{}", amount.abs().format_fr())
    } else if amount.is_zero() {
        amount.format_fr()
    } else {
        format!("+{}", amount.format_fr())
    }
}

fn unit_label(notice: &UnitCostNotice) -> String {
    let labels = notice.unit_labels();
    if labels.is_empty() { "unité de fonctionnement".to_owned() } else { labels.join(" / ") }
}

fn column(header: &str, weight: u16, align: CellAlign) -> ColumnView {
    ColumnView { header: header.to_owned(), weight, align }
}

fn row(cells: &[&str], style: RowStyle) -> RowView {
    RowView { cells: cells.iter().map(|cell| (*cell).to_owned()).collect(), style }
}

/// The computation table: each line of the compte administratif, its updates, the figure retained; the full cost,
/// the units and the unit cost of both.
fn computation(notice: &UnitCostNotice, unit: &str) -> Result<TableView, InvoiceError> {
    let cost = &notice.cost;
    let accounts = &cost.accounts;
    let year = notice.year;
    let mut rows = Vec::with_capacity(cost.lines.len() + 3);
    for line in &cost.lines {
        let (stated, change, retained) = (line.accounts, line.updates, line.retained);
        rows.push(row(
            &[cost_line_fr(line.line), &stated.format_fr(), &signed_fr(change), &retained.format_fr()],
            RowStyle::Normal,
        ));
    }
    let full_change = cost.full_cost.checked_sub(accounts.full_cost)?;
    rows.push(row(
        &[
            "Coût de fonctionnement du service",
            &accounts.full_cost.format_fr(),
            &signed_fr(full_change),
            &cost.full_cost.format_fr(),
        ],
        RowStyle::Total,
    ));
    rows.push(row(
        &[
            &format!("Unités de fonctionnement ({unit})"),
            &decimal_fr(accounts.units.value(), 6),
            "",
            &decimal_fr(cost.units.value(), 6),
        ],
        RowStyle::Normal,
    ));
    rows.push(row(
        &[
            &format!("Coût unitaire de fonctionnement, par {unit}"),
            &price_fr(accounts.unit_cost.value()),
            "",
            &price_fr(cost.unit_cost.value()),
        ],
        RowStyle::Emphasis,
    ));
    Ok(TableView {
        columns: vec![
            column("Poste", 40, CellAlign::Left),
            column(&format!("Compte administratif {}", accounts.year), 20, CellAlign::Right),
            column(&format!("Actualisation {year}"), 18, CellAlign::Right),
            column(&format!("Retenu pour {year}"), 20, CellAlign::Right),
        ],
        rows,
    })
}

fn updates_section(notice: &UnitCostNotice) -> NoticeSection {
    let cost = &notice.cost;
    let heading = format!("Modifications prévisibles au vu du {}", lowercase_first(&cost.document));
    if cost.updates.is_empty() {
        return NoticeSection {
            heading,
            paragraphs: vec![format!(
                "Aucune modification prévisible des conditions d'exercice : le coût retenu pour {} est celui du \
                 compte administratif {}.",
                notice.year, cost.accounts.year
            )],
            table: None,
        };
    }
    let rows = cost
        .updates
        .iter()
        .map(|update| {
            row(&[cost_line_fr(update.line), &update.reason, &signed_fr(update.amount)], RowStyle::Normal)
        })
        .collect();
    NoticeSection {
        heading,
        paragraphs: vec![
            "Chaque modification s'ajoute au poste du compte administratif qu'elle concerne (une hausse des \
             subventions diminue le coût)."
                .to_owned(),
        ],
        table: Some(TableView {
            columns: vec![
                column("Poste", 30, CellAlign::Left),
                column("Objet", 50, CellAlign::Left),
                column("Montant", 18, CellAlign::Right),
            ],
            rows,
        }),
    }
}

fn staff_section(notice: &UnitCostNotice) -> Option<NoticeSection> {
    let accounts = &notice.cost.accounts;
    if accounts.staff.is_empty() {
        return None;
    }
    let mut rows: Vec<RowView> = accounts
        .staff
        .iter()
        .map(|line| {
            row(
                &[
                    &format!("Catégorie {}", line.category),
                    &decimal_fr(line.fte.value(), 4),
                    &line.loaded_cost_per_year.format_fr(),
                    &line.amount.format_fr(),
                ],
                RowStyle::Normal,
            )
        })
        .collect();
    rows.push(row(&["Charges de personnel", "", "", &accounts.staff_cost.format_fr()], RowStyle::Total));
    Some(NoticeSection {
        heading: format!("Charges de personnel du compte administratif {}", accounts.year),
        paragraphs: vec![format!(
            "Équivalents temps plein affectés au service × coût annuel chargé d'un ETP de leur catégorie en {}, \
             chaque ligne arrondie au centime ({}).",
            accounts.year, accounts.document
        )],
        table: Some(TableView {
            columns: vec![
                column("Catégorie", 30, CellAlign::Left),
                column("ETP", 15, CellAlign::Right),
                column("Coût chargé d'un ETP", 27, CellAlign::Right),
                column("Montant", 26, CellAlign::Right),
            ],
            rows,
        }),
    })
}

fn regularisation_fr(half: RegularisationHalf) -> &'static str {
    match half {
        RegularisationHalf::S1 => "au premier semestre",
        RegularisationHalf::S2 => "au second semestre",
    }
}

fn grids_sections(notice: &UnitCostNotice) -> Vec<NoticeSection> {
    notice
        .conventions
        .iter()
        .flat_map(|convention| {
            convention.tariffs.iter().map(move |tariff| {
                let basis = &tariff.basis;
                let rows = basis
                    .weights
                    .iter()
                    .map(|(unit, weight)| {
                        row(&[unit.as_str(), &decimal_fr(weight.value(), 4)], RowStyle::Normal)
                    })
                    .collect();
                NoticeSection {
                    heading: format!("Unités de fonctionnement — {}", convention.title),
                    paragraphs: vec![format!(
                        "{} ({}), en vigueur depuis le {} : « {} », chaque acte compté en {} selon la grille \
                         ci-dessous.",
                        convention.reference,
                        convention.id,
                        date_fr(tariff.from),
                        tariff.label,
                        basis.unit_label
                    )],
                    table: Some(TableView {
                        columns: vec![
                            column("Type d'unité", 50, CellAlign::Left),
                            column(&format!("Pondération (en {})", basis.unit_label), 50, CellAlign::Right),
                        ],
                        rows,
                    }),
                }
            })
        })
        .collect()
}

fn members_section(dataset: &Dataset, notice: &UnitCostNotice) -> Result<NoticeSection, InvoiceError> {
    let rows = notice
        .members
        .iter()
        .map(|member| {
            let party = party(dataset, &member.party)?;
            let conventions: Vec<&str> = member.conventions.iter().map(|c| c.as_str()).collect();
            Ok(row(
                &[
                    &names::legal_name(party),
                    party.insee.as_ref().map_or("", |insee| insee.as_str()),
                    &conventions.join(", "),
                ],
                RowStyle::Normal,
            ))
        })
        .collect::<Result<Vec<_>, InvoiceError>>()?;
    Ok(NoticeSection {
        heading: format!("Destinataires ({} membres en {})", notice.members.len(), notice.year),
        paragraphs: Vec::new(),
        table: Some(TableView {
            columns: vec![
                column("Membre", 50, CellAlign::Left),
                column("Code INSEE", 20, CellAlign::Left),
                column("Convention", 30, CellAlign::Left),
            ],
            rows,
        }),
    })
}

/// "Budget primitif 2027" → "budget primitif 2027", for the middle of a sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// Builds the printed view of a unit-cost notice.
///
/// # Errors
///
/// [`InvoiceError::UnknownParty`] for an issuer or member the dataset does not know; [`InvoiceError::Money`] on
/// overflow.
pub fn view(dataset: &Dataset, notice: &UnitCostNotice) -> Result<NoticeView, InvoiceError> {
    let issuer = party(dataset, &notice.issuer)?;
    let issuer_name = names::legal_name(issuer);
    let name = dataset
        .dispositifs
        .get(&notice.dispositif)
        .map_or_else(|| notice.dispositif.to_string(), |d| d.name.clone());
    let cost = &notice.cost;
    let year = notice.year;
    let unit = unit_label(notice);
    let unit_cost = price_fr(cost.unit_cost.value());
    let all_communes =
        notice.members.iter().all(|m| dataset.party(&m.party).is_some_and(|p| p.kind == PartyKind::Commune));
    let recipient = if all_communes {
        PartyBlock {
            name: "Mesdames et Messieurs les Maires".to_owned(),
            lines: vec![
                format!("des communes membres du service « {name} »"),
                format!("({} destinataires, liste en fin de notification)", notice.members.len()),
            ],
        }
    } else {
        PartyBlock {
            name: format!("Membres du service « {name} »"),
            lines: vec![format!("({} destinataires, liste en fin de notification)", notice.members.len())],
        }
    };
    let conventions: Vec<String> =
        notice.conventions.iter().map(|c| format!("{} — {}", c.title, c.reference)).collect();
    let meta = vec![
        ("Date de notification".to_owned(), date_fr(notice.notified_on)),
        ("Service".to_owned(), name.clone()),
        (if conventions.len() > 1 { "Conventions" } else { "Convention" }.to_owned(), conventions.join("\n")),
        ("Exercice".to_owned(), year.to_string()),
        ("Coût unitaire notifié".to_owned(), format!("{unit_cost} par {unit}")),
    ];
    let regularised: Vec<RegularisationHalf> =
        notice.conventions.iter().filter_map(|c| c.regularisation).collect();
    let mut billing = format!(
        "Le remboursement dû par chaque membre au titre de {year} est égal à ce coût unitaire multiplié par les \
         unités de fonctionnement constatées pour lui, pondérées selon la grille de sa convention (ci-dessous) ; il \
         est facturé chaque semestre."
    );
    if regularised.len() == notice.conventions.len()
        && let Some(half) = regularised.first()
    {
        billing.push_str(&format!(
            " Une fois le compte administratif {year} voté, l'écart entre le coût réel et le coût notifié est \
             régularisé {} {}.",
            regularisation_fr(*half),
            year + 1
        ));
    }
    let body = vec![
        "Madame la Maire, Monsieur le Maire,".to_owned(),
        format!(
            "En application de l'article D5211-16 du code général des collectivités territoriales, {} \
             vous notifie, avant l'adoption de votre budget, le coût unitaire de fonctionnement du service « {name} » \
             pour l'exercice {year} : {unit_cost} par {unit}.",
            names::party_fr(issuer, Preposition::None)
        ),
        format!(
            "Ce coût comprend les charges liées au fonctionnement du service — charges de personnel, fournitures, \
             renouvellement des biens et contrats de services rattachés —, à l'exclusion de toute autre dépense. Il \
             est constaté à partir des dépenses du compte administratif {} ({}), actualisées des modifications \
             prévisibles des conditions d'exercice de l'activité au vu du {}, et rapporté aux unités de \
             fonctionnement prévues pour {year}.",
            cost.accounts.year,
            cost.accounts.document,
            lowercase_first(&cost.document)
        ),
        billing,
    ];
    let mut sections = vec![NoticeSection {
        heading: "Calcul du coût unitaire".to_owned(),
        paragraphs: vec![format!(
            "Coût unitaire {year} = {} ÷ {} {unit} = {} €, arrondi au centime (le demi-centime au centime \
             supérieur) : {unit_cost}.",
            cost.full_cost.format_fr(),
            decimal_fr(cost.units.value(), 6),
            decimal_fr(cost.unit_cost_exact, 4)
        )],
        table: Some(computation(notice, &unit)?),
    }];
    sections.push(updates_section(notice));
    sections.extend(staff_section(notice));
    sections.extend(grids_sections(notice));
    sections.push(members_section(dataset, notice)?);
    let mentions = vec![
        "Article D5211-16 du CGCT : le remboursement des frais de fonctionnement du service mis à disposition \
         s'effectue sur la base d'un coût unitaire de fonctionnement multiplié par le nombre d'unités de \
         fonctionnement constaté ; le coût unitaire est porté à la connaissance des bénéficiaires avant la date \
         d'adoption du budget prévisionnel de l'exercice."
            .to_owned(),
        "Ce document n'est pas une facture et n'appelle aucun paiement.".to_owned(),
    ];
    Ok(NoticeView {
        issuer: PartyBlock { name: issuer_name.clone(), lines: party_lines(issuer, Naming::LegalPerson) },
        recipient,
        title: title_fr(year),
        meta,
        body,
        sections,
        signature: vec![format!("Fait le {},", date_fr(notice.notified_on)), issuer_name.clone()],
        mentions,
        running_head: format!("Coût unitaire de fonctionnement {year} — {name} (suite)"),
        footer: format!("Coût unitaire de fonctionnement {year} — {}", notice.dispositif),
        metadata: DocumentMetadata {
            title: format!("Notification du coût unitaire de fonctionnement {year} — {name}"),
            author: issuer_name,
            subject: format!("Article D5211-16 du CGCT — exercice {year}"),
            keywords: vec![
                "coût unitaire".to_owned(),
                "D5211-16".to_owned(),
                year.to_string(),
                notice.dispositif.to_string(),
            ],
            creation_date: notice.notified_on.and_hms_opt(0, 0, 0).unwrap_or_default(),
            language: "fr-FR".to_owned(),
        },
    })
}

/// Why the notices of a year cannot be made, in French, for the finance officer.
#[must_use]
pub fn notice_error_fr(error: &NoticeError) -> String {
    match error {
        NoticeError::BadYear(year) => format!("{year} n'est pas un exercice pris en charge"),
        NoticeError::NothingToNotify { year } => format!(
            "aucun dispositif n'est facturé au coût unitaire (`unit_cost`) en {year} à des membres : aucune \
             notification à établir"
        ),
        NoticeError::NotDerived { year, dispositifs } => {
            let list: Vec<String> = dispositifs
                .iter()
                .map(|d| match &d.free_forecast {
                    Some(source) => {
                        format!("« {} » (valorisation prévisionnelle libre en {source})", d.dispositif)
                    }
                    None => format!("« {} »", d.dispositif),
                })
                .collect();
            format!(
                "aucun coût unitaire D5211-16 n'est établi pour {year} (unit_costs.csv) pour {} : ajoutez-y le \
                 compte administratif dont il est constaté et les unités prévues, puis ses actualisations \
                 (unit_cost_updates.csv) ; rien n'a été écrit",
                list.join(", ")
            )
        }
        NoticeError::Valuation { dispositif, source } => {
            format!("le coût unitaire de « {dispositif} » ne peut être calculé : {source}")
        }
        NoticeError::DateOutOfRange { year, compte_administratif, date } => format!(
            "une notification du coût unitaire {year}, constaté sur le compte administratif {compte_administratif}, \
             ne peut être datée du {} : elle est datée entre le vote de ce compte administratif (en {}) et la fin \
             de {year}",
            date_fr(*date),
            compte_administratif + 1
        ),
        NoticeError::SeveralProviders { dispositif } => format!(
            "les conventions qui facturent « {dispositif} » au coût unitaire ont des prestataires différents : \
             une notification n'a qu'un émetteur"
        ),
    }
}
