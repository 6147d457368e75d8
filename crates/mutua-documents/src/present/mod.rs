//! The French presentation layer: from a [`Document`] to the [`DocumentView`] the renderer prints — every French
//! mention, every formatted figure — and, in [`trace`], every amount's computation in words. The allocation and
//! the documents carry numbers and typed traces; only this module words them.

pub mod accounts;
pub mod attribution;
pub mod format;
pub mod mentions;
pub mod names;
pub mod payment;
pub mod reconciliation;
pub mod statement;
pub mod trace;
pub mod unit_cost_notice;
pub mod units;
pub mod warning;

use mutua_alloc::Charge;
use mutua_core::{Amount, Dataset, Party, PartyKind, VatRegime};

pub use self::format::{capitalise, date_fr, decimal_fr, price_fr};
pub use self::trace::{
    alloc_error_fr, annex_charge, basis_fr, day_count_fr, day_count_of, explain_charge, line_label_fr,
    pool_label_fr, rule_fr, step_fr, unit_fr,
};
pub use self::warning::{warning_fr, warning_located_fr};

use self::names::Preposition;
use crate::document::{Document, DocumentKind, Naming};
use crate::error::InvoiceError;
use mutua_render::{
    AnnexSection, AnnexView, DocumentMetadata, DocumentView, LineView, PartyBlock, TotalView,
};

/// A SIRET grouped for reading: "200 093 201 00016".
fn siret_fr(siret: &str) -> String {
    if siret.len() == 14 {
        format!("{} {} {} {}", &siret[..3], &siret[3..6], &siret[6..9], &siret[9..])
    } else {
        siret.to_owned()
    }
}

fn party_lines(party: &Party, naming: Naming) -> Vec<String> {
    let mut lines = Vec::with_capacity(party.address.lines.len() + 4);
    // The usage name under the legal name, set apart from the address: « Commune de Lille » / « (Ville de Lille) ».
    if naming == Naming::LegalPerson
        && let Some(usage) = names::usage_name(party)
    {
        lines.push(format!("({usage})"));
    }
    lines.extend(party.address.lines.iter().filter(|l| !l.is_empty()).cloned());
    let city = format!("{} {}", party.address.postcode, party.address.city).trim().to_owned();
    if !city.is_empty() {
        lines.push(city);
    }
    lines.push(format!("SIRET {}", siret_fr(party.siret.as_str())));
    if let Some(insee) = &party.insee {
        lines.push(format!("Code INSEE {insee}"));
    }
    lines
}

fn party<'a>(dataset: &'a Dataset, id: &mutua_core::PartyId) -> Result<&'a Party, InvoiceError> {
    dataset.party(id).ok_or_else(|| InvoiceError::UnknownParty(id.to_string()))
}

/// Which side of a document a party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The party issuing it.
    Issuer,
    /// The party it is addressed to.
    Recipient,
}

/// The name heading a party's block on a document, and naming it in the document's e-invoice (BT-27, BT-44):
/// its legal person ([`names::legal_name`]: « Commune de Lille », « Métropole Européenne de Lille »). A document
/// issued before parties had legal names ([`Naming::Mairie`]) said « Mairie de Lille » for a commune recipient
/// and « Ville de Lille » for a commune issuer, and is rendered again so.
#[must_use]
pub fn block_name(party: &Party, side: Side, naming: Naming) -> String {
    match (naming, side) {
        (Naming::LegalPerson, _) => names::legal_name(party),
        (Naming::Mairie, Side::Issuer) => commune_title("Ville", party),
        (Naming::Mairie, Side::Recipient) => commune_title("Mairie", party),
    }
}

/// A party named in a document's running text after `preposition` ([`names::party_fr`]: « émis par la
/// Métropole Européenne de Lille », « à la commune de Lille »); a document issued before legal names
/// ([`Naming::Mairie`]) put its block name after the bare preposition.
#[must_use]
pub fn party_text(party: &Party, side: Side, naming: Naming, preposition: Preposition) -> String {
    match naming {
        Naming::LegalPerson => names::party_fr(party, preposition),
        Naming::Mairie => {
            let name = block_name(party, side, naming);
            match preposition {
                Preposition::None => name,
                Preposition::De => format!("de {name}"),
                Preposition::A => format!("à {name}"),
                Preposition::Par => format!("par {name}"),
            }
        }
    }
}

/// The payment terms printed on an invoice, or what happens to a credit note's amount (also the Factur-X BT-20).
/// `None` for documents that are not invoices or credit notes.
#[must_use]
pub fn payment_terms_fr(kind: DocumentKind, issuer: &Party, naming: Naming) -> Option<String> {
    match kind {
        DocumentKind::Invoice => Some(format!(
            "Conditions de paiement : à réception du titre de recettes émis {}, par virement au comptable \
             public assignataire, dans le délai global de paiement de 30 jours. Aucun escompte pour paiement \
             anticipé ; aucune pénalité de retard entre collectivités publiques.",
            party_text(issuer, Side::Issuer, naming, Preposition::Par)
        )),
        DocumentKind::CreditNote => Some(format!(
            "Le montant de cet avoir sera mandaté ou imputé par le comptable public {} ; il ne peut être \
             compensé avec une autre créance.",
            party_text(issuer, Side::Issuer, naming, Preposition::De)
        )),
        _ => None,
    }
}

/// The payment terms of an invoice, or how a credit note's amount is settled, as printed on `document` (also the
/// Factur-X BT-20). A document issued before its particulars were recorded keeps the wording it was issued with
/// ([`payment_terms_fr`]). `None` for documents that are not invoices or credit notes.
#[must_use]
pub fn document_payment_terms_fr(dataset: &Dataset, document: &Document, issuer: &Party) -> Option<String> {
    if document.particulars.is_none() {
        return payment_terms_fr(document.kind, issuer, document.naming);
    }
    let texts: Vec<String> = mentions::select(dataset, document, issuer)
        .iter()
        .filter(|mention| {
            matches!(
                mention,
                mentions::Mention::PaymentTerms(_)
                    | mentions::Mention::PaymentMeans { .. }
                    | mentions::Mention::CreditNoteSettlement { .. }
            )
        })
        .map(mentions::mention_fr)
        .collect();
    (!texts.is_empty()).then(|| texts.join(" "))
}

/// The earlier block names: « Mairie de Lille », « Ville d'Armentières », « Mairie du Maisnil ».
fn commune_title(title: &str, party: &Party) -> String {
    if party.kind != PartyKind::Commune {
        return party.name.clone();
    }
    let name = &party.name;
    if let Some(rest) = name.strip_prefix("Le ") {
        return format!("{title} du {rest}");
    }
    if let Some(rest) = name.strip_prefix("Les ") {
        return format!("{title} des {rest}");
    }
    let elides = name.chars().next().is_some_and(|c| "AEIOUYÉÈÊÎÔŒaeiouyéèêîôœ".contains(c));
    if elides { format!("{title} d'{name}") } else { format!("{title} de {name}") }
}

/// Why a part of a pool is billed to nobody, in French.
#[must_use]
pub fn unbilled_reason_fr(reason: &mutua_alloc::UnbilledReason) -> String {
    use mutua_alloc::UnbilledReason;
    match reason {
        UnbilledReason::NoMemberPresent => "aucun membre présent sur la période".to_owned(),
        UnbilledReason::ZeroKey => {
            "la clé de répartition est nulle pour tous les membres présents (aucune activité)".to_owned()
        }
        UnbilledReason::CapsReached => {
            "tous les membres ont atteint leur plafond : le reste est à la charge du prestataire".to_owned()
        }
        UnbilledReason::AbsentMembers { members } => {
            let names: Vec<&str> = members.iter().map(mutua_core::PartyId::as_str).collect();
            format!(
                "pourcentages fixes de membres absents sur une partie de la période ({}), que la convention ne \
                 répartit pas entre les autres",
                names.join(", ")
            )
        }
    }
}

/// The years a document's regularisation lines regularise, in ascending order.
fn regularised_years(document: &Document) -> Vec<i32> {
    let years: std::collections::BTreeSet<i32> = document
        .lines
        .iter()
        .filter_map(|line| match line.kind {
            mutua_alloc::ChargeKind::Regularisation { year } => Some(year),
            _ => None,
        })
        .collect();
    years.into_iter().collect()
}

/// "2025", "2024 et 2025", "2023, 2024 et 2025".
fn years_fr(years: &[i32]) -> String {
    match years.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => {
            let rest: Vec<String> = rest.iter().map(i32::to_string).collect();
            format!("{} et {last}", rest.join(", "))
        }
    }
}

/// Why a refund notice is issued: « Régularisation de l'exercice 2025 sur coût réel : … ».
#[must_use]
pub fn refund_reason_fr(document: &Document) -> String {
    let years = regularised_years(document);
    let exercise = if years.len() > 1 { "des exercices" } else { "de l'exercice" };
    format!(
        "Régularisation {exercise} {} sur coût réel : le montant facturé dépasse le montant dû sur le coût réel ; \
         la différence est remboursée.",
        years_fr(&years)
    )
}

/// A kind of document with its definite article: « la facture », « l'avoir », « l'état d'imputation ».
#[must_use]
pub fn kind_with_article_fr(kind: DocumentKind) -> String {
    let name = kind.name_fr();
    match kind {
        DocumentKind::Invoice => format!("la {name}"),
        DocumentKind::CreditNote
        | DocumentKind::PaymentNotice
        | DocumentKind::AcStatement
        | DocumentKind::Cancellation
        | DocumentKind::Refund => format!("l'{name}"),
    }
}

/// The label of a line on its document: a credit note or a cancellation says that it cancels it.
#[must_use]
pub fn document_line_label_fr(document: &Document, charge: &Charge) -> String {
    let label = line_label_fr(charge);
    if document.corrects.is_some() { format!("Annulation — {label}") } else { label }
}

/// The quantity and unit price columns of a line: the quantity with its unit (« 375 dossiers pondérés »,
/// « 1 749 hab. ») and its price. A line that is no quantity × price has no price, and its basis says what it is:
/// a share of a pool (an amount split by a key, with the ratio), a CEE share (the member's kWh cumac over the
/// deposit's, of the net proceeds: its quantity is the member's certificates, « 2 288,51 MWh cumac »), a
/// regularisation (due less billed), an amount carried from an earlier semester (neither of which has a quantity).
fn quantity_and_price(charge: &Charge, quantity: Option<rust_decimal::Decimal>) -> (String, String) {
    use mutua_alloc::trace::BasisKind;
    let quantity = || quantity.map(|q| units::quantity_fr(q, &charge.basis.unit, 4)).unwrap_or_default();
    match charge.basis.kind {
        BasisKind::PoolShare { .. } | BasisKind::Regularisation { .. } | BasisKind::Carried { .. } => {
            (String::new(), String::new())
        }
        BasisKind::Cee { .. } => (quantity(), String::new()),
        BasisKind::PerInhabitant { .. }
        | BasisKind::Band { .. }
        | BasisKind::FlatFee { .. }
        | BasisKind::Units { .. }
        | BasisKind::UnitCost { .. }
        | BasisKind::Issued { .. } => (quantity(), charge.basis.unit_price.map(price_fr).unwrap_or_default()),
    }
}

/// The act a line cites: the terms (the convention or the amendment in force) whose tariff it applies, as the annex
/// does; a document issued before lines cited their terms cites the convention, as it was printed.
#[must_use]
pub fn line_act(document: &Document, charge: &Charge) -> String {
    if document.particulars.is_some() {
        charge.trace.terms_reference.clone()
    } else {
        charge.convention_reference.clone()
    }
}

fn item(document: &Document, charge: &Charge) -> LineView {
    let act_label = if document.particulars.is_some() { "Acte" } else { "Convention" };
    let (quantity, unit_price) = if document.particulars.is_some() {
        // With its unit, negative beside a negative amount (`docs/mentions.md`, signs).
        quantity_and_price(charge, crate::particulars::signed_quantity(charge))
    } else {
        // As printed before: the number alone.
        (
            charge.basis.quantity.map(|q| decimal_fr(q, 4)).unwrap_or_default(),
            charge.basis.unit_price.map(price_fr).unwrap_or_default(),
        )
    };
    LineView::Item {
        description: format!(
            "{}\n{act_label} : {}{}",
            document_line_label_fr(document, charge),
            line_act(document, charge),
            if document.particulars.is_some() {
                format!("\n{}", accounts::line_accounts_fr(document, charge))
            } else {
                // As printed before the accounts were chosen by the relation: the issuer's own account.
                format!(" — compte {}", accounts::issued_account(document, charge))
            }
        ),
        basis: basis_fr(&charge.basis),
        quantity,
        unit_price,
        amount: charge.amount.format_fr(),
    }
}

fn lines_and_annex(dataset: &Dataset, document: &Document) -> (Vec<LineView>, Vec<AnnexSection>) {
    let mut lines = Vec::with_capacity(document.lines.len() * 2 + 4);
    let mut sections = Vec::with_capacity(document.lines.len());
    let mut index = 0;
    while index < document.lines.len() {
        let dispositif = &document.lines[index].dispositif;
        let name =
            dataset.dispositifs.get(dispositif).map_or_else(|| dispositif.to_string(), |d| d.name.clone());
        let end = document.lines[index..]
            .iter()
            .position(|c| &c.dispositif != dispositif)
            .map_or(document.lines.len(), |n| index + n);
        let group = &document.lines[index..end];
        lines.push(LineView::Group { title: name.clone() });
        for charge in group {
            lines.push(item(document, charge));
            if document.corrects.is_none() {
                sections.push(AnnexSection {
                    heading: format!("{name} — {}", line_label_fr(charge)),
                    lines: annex_charge(dataset, charge, document.naming),
                });
            }
        }
        if group.len() > 1 {
            let subtotal = Amount::checked_sum(group.iter().map(|c| c.amount)).unwrap_or(Amount::ZERO);
            lines.push(LineView::Subtotal {
                label: format!("Sous-total {name}"),
                amount: subtotal.format_fr(),
            });
        }
        index = end;
    }
    // A credit note or a cancellation repeats the issued lines, negated: their computation is explained in the
    // annex of the document it cancels, which it names.
    if let Some(cancelled) = &document.corrects {
        // « la facture », « l'avis de versement »; a document issued before its particulars were recorded keeps the
        // wording it was printed with.
        let named = if document.particulars.is_some() {
            mentions::kind_with_article(cancelled.kind)
        } else {
            format!("la {}", cancelled.kind.name_fr())
        };
        let mut explained = vec![format!(
            "Le présent document annule, ligne par ligne, {named} n° {} du {} ; le détail du calcul de chaque ligne \
             figure en annexe de ce document.",
            cancelled.number,
            date_fr(cancelled.issue_date)
        )];
        explained.extend(
            document
                .lines
                .iter()
                .map(|c| format!("  {} : {}", document_line_label_fr(document, c), c.amount.format_fr())),
        );
        sections.push(AnnexSection {
            heading: format!("Annulation de {named} n° {}", cancelled.number),
            lines: explained,
        });
    }
    (lines, sections)
}

fn vat_mention(document: &Document) -> String {
    let taxable = document.lines.iter().any(|c| matches!(c.vat, VatRegime::Taxable { .. }));
    if taxable {
        "TVA appliquée aux seuls dispositifs assujettis ; les autres lignes : TVA non applicable – article 256 B du CGI."
            .to_owned()
    } else {
        "TVA non applicable – article 256 B du CGI.".to_owned()
    }
}

fn totals(document: &Document) -> Vec<TotalView> {
    let vat_text = if document.total_vat.is_zero() {
        "non applicable".to_owned()
    } else {
        document.total_vat.format_fr()
    };
    match document.kind {
        DocumentKind::Invoice => vec![
            TotalView {
                label: "Total hors taxes".into(),
                amount: document.total_net.format_fr(),
                emphasis: false,
            },
            TotalView { label: "TVA".into(), amount: vat_text, emphasis: false },
            TotalView { label: "Net à payer".into(), amount: document.total.format_fr(), emphasis: true },
        ],
        DocumentKind::CreditNote => vec![
            TotalView {
                label: "Total hors taxes".into(),
                amount: document.total_net.format_fr(),
                emphasis: false,
            },
            TotalView { label: "TVA".into(), amount: vat_text, emphasis: false },
            TotalView {
                label: "Montant de l'avoir en votre faveur".into(),
                amount: document.total.abs().format_fr(),
                emphasis: true,
            },
        ],
        DocumentKind::PaymentNotice => {
            vec![TotalView {
                label: "Montant versé".into(),
                amount: document.total.format_fr(),
                emphasis: true,
            }]
        }
        DocumentKind::AcStatement => attribution::totals(document),
        DocumentKind::Cancellation => vec![TotalView {
            label: "Montant annulé".into(),
            amount: document.total.format_fr(),
            emphasis: true,
        }],
        // The lines are reductions of what was billed (negative); the total is what the recipient is paid.
        DocumentKind::Refund => {
            let mut totals = Vec::with_capacity(3);
            if !document.total_vat.is_zero() {
                totals.push(TotalView {
                    label: "Total hors taxes remboursé".into(),
                    amount: document.total_net.abs().format_fr(),
                    emphasis: false,
                });
                totals.push(TotalView {
                    label: "TVA remboursée".into(),
                    amount: document.total_vat.abs().format_fr(),
                    emphasis: false,
                });
            }
            totals.push(TotalView {
                label: "Montant remboursé en votre faveur".into(),
                amount: document.total.abs().format_fr(),
                emphasis: true,
            });
            totals
        }
    }
}

/// A document's parties as its sentences name them: bare, and after « par » and « à ».
pub struct Named {
    /// The issuer: « la Métropole Européenne de Lille ».
    pub issuer: String,
    /// « par la Métropole Européenne de Lille ».
    pub issuer_par: String,
    /// « à la Métropole Européenne de Lille ».
    pub issuer_a: String,
    /// The recipient: « la commune de Lille ».
    pub recipient: String,
    /// « de la commune de Lille ».
    pub recipient_de: String,
    /// « à la commune de Lille ».
    pub recipient_a: String,
}

impl Named {
    /// How `document` names `issuer` and `recipient`.
    #[must_use]
    pub fn of(document: &Document, issuer: &Party, recipient: &Party) -> Named {
        let naming = document.naming;
        let of = |party: &Party, side: Side, preposition: Preposition| {
            party_text(party, side, naming, preposition)
        };
        Named {
            issuer: of(issuer, Side::Issuer, Preposition::None),
            issuer_par: of(issuer, Side::Issuer, Preposition::Par),
            issuer_a: of(issuer, Side::Issuer, Preposition::A),
            recipient: of(recipient, Side::Recipient, Preposition::None),
            recipient_de: of(recipient, Side::Recipient, Preposition::De),
            recipient_a: of(recipient, Side::Recipient, Preposition::A),
        }
    }
}

fn mentions(
    dataset: &Dataset,
    document: &Document,
    issuer: &Party,
    recipient: &Party,
    threshold: Amount,
) -> Vec<String> {
    let naming = document.naming;
    let mut mentions = Vec::new();
    match document.kind {
        DocumentKind::Invoice | DocumentKind::CreditNote => {
            mentions.push(vat_mention(document));
            mentions.extend(payment_terms_fr(document.kind, issuer, naming));
            if document.kind == DocumentKind::Invoice {
                mentions.push(
                    "Voies et délais de recours : le débiteur peut contester la créance dans un délai de deux mois \
                     à compter de la réception du titre de recettes (article L1617-5 du CGCT)."
                        .to_owned(),
                );
            }
            mentions.push(format!(
                "Montants établis selon les conventions citées et, pour les services mis à disposition, l'article \
                 D5211-16 du CGCT (coût unitaire de fonctionnement × unités de fonctionnement). Aucun titre n'est émis \
                 pour un montant inférieur à {} (article D1611-1 du CGCT) : les montants inférieurs sont reportés au \
                 semestre suivant.",
                threshold.format_fr()
            ));
        }
        DocumentKind::PaymentNotice => {
            mentions.extend(payment::mentions_fr(dataset, document, &Named::of(document, issuer, recipient)));
        }
        DocumentKind::Cancellation => {
            let cancelled = document.corrects.as_ref().map_or_else(String::new, |r| {
                format!("{} n° {} du {}", kind_with_article_fr(r.kind), r.number, date_fr(r.issue_date))
            });
            mentions.push(format!(
                "Le présent avis annule en totalité {cancelled}, dont les montants ont été rectifiés ; un nouveau \
                 document est émis pour la même période. Un document émis n'est jamais modifié ni renuméroté."
            ));
            if document.corrects.as_ref().is_some_and(|r| r.kind == DocumentKind::AcStatement) {
                mentions
                    .push(attribution::cancellation_fr(document, &Named::of(document, issuer, recipient)));
            }
            mentions.push(vat_mention(document));
        }
        DocumentKind::Refund => {
            mentions.push(
                "Ce montant est versé par mandat administratif au comptable public du destinataire. Conformément \
                 à la règle de non-compensation de la comptabilité publique, ce remboursement est distinct de toute \
                 facture et de l'attribution de compensation, dont il n'est pas déduit."
                    .to_owned(),
            );
            mentions.push(format!(
                "Un remboursement est émis quel qu'en soit le montant : le seuil de {} de l'article D1611-1 du CGCT \
                 ne s'applique qu'au recouvrement des créances.",
                threshold.format_fr()
            ));
            mentions.push(vat_mention(document));
        }
        DocumentKind::AcStatement => {
            mentions.extend(attribution::mentions_fr(document, &Named::of(document, issuer, recipient)));
            mentions.push(vat_mention(document));
        }
    }
    mentions
}

/// The "Objet" line of a document.
fn object_fr(document: &Document) -> &'static str {
    match document.kind {
        DocumentKind::Invoice => "Services mutualisés — facturation consolidée semestrielle",
        DocumentKind::CreditNote => "Services mutualisés — avoir sur la facturation semestrielle",
        DocumentKind::PaymentNotice => payment::object_fr(document),
        DocumentKind::AcStatement => "Services communs — imputation sur l'attribution de compensation",
        DocumentKind::Cancellation => "Services mutualisés — annulation d'un document émis",
        DocumentKind::Refund => "Services mutualisés — remboursement d'un trop-perçu sur régularisation",
    }
}

/// Builds the printed view of a document.
pub fn view(dataset: &Dataset, document: &Document, draft: bool) -> Result<DocumentView, InvoiceError> {
    let issuer = party(dataset, &document.issuer)?;
    let recipient = party(dataset, &document.recipient)?;
    let period = document.semester.period();
    let execution = if document.kind == DocumentKind::Refund {
        // A refund is for the year regularised, issued in the semester the convention regularises it in.
        let years = regularised_years(document);
        let span = match (years.first(), years.last()) {
            (Some(first), Some(last)) => format!(" (du 01/01/{first} au 31/12/{last})"),
            _ => String::new(),
        };
        let exercise = if years.len() > 1 { "exercices" } else { "exercice" };
        format!("{exercise} {}{span}", years_fr(&years))
    } else {
        format!("{} ({})", period.label_fr(), document.semester.label_fr())
    };
    let mut meta = vec![
        ("Date d'émission".to_owned(), date_fr(document.issue_date)),
        ("Période d'exécution".to_owned(), execution),
        ("Objet".to_owned(), object_fr(document).to_owned()),
    ];
    if document.kind == DocumentKind::Refund {
        meta.insert(2, ("Semestre de régularisation".to_owned(), document.semester.label_fr()));
        meta.push(("Motif".to_owned(), refund_reason_fr(document)));
    }
    if let Some(instalments) = document.attribution.as_ref().and_then(attribution::instalments_meta_fr) {
        meta.push(instalments);
    }
    if let Some(payment) = document.particulars.as_ref().and_then(|p| p.payment)
        && document.kind == DocumentKind::Invoice
    {
        meta.insert(1, ("Date d'échéance".to_owned(), date_fr(payment.due_date)));
    }
    if let Some(cancelled) = &document.corrects {
        let label = match document.kind {
            DocumentKind::CreditNote => "Avoir sur",
            _ => "Annule",
        };
        meta.push((
            label.to_owned(),
            format!(
                "{} n° {} du {}",
                cancelled.kind.name_fr(),
                cancelled.number,
                date_fr(cancelled.issue_date)
            ),
        ));
    }
    if let Some(reason) = document.particulars.as_ref().and_then(|p| p.reason.as_ref()) {
        meta.push(("Motif".to_owned(), mentions::reason_fr(dataset, reason)));
    }
    if matches!(document.kind, DocumentKind::Invoice | DocumentKind::CreditNote) {
        if let Some(code) = &recipient.invoicing.service_code {
            meta.push(("Code service".to_owned(), code.clone()));
        }
        if let Some(number) = &recipient.invoicing.commitment_number {
            meta.push(("N° d'engagement".to_owned(), number.clone()));
        }
    }
    let (lines, mut sections) = lines_and_annex(dataset, document);
    if let Some(position) = &document.attribution {
        sections.push(attribution::annex_section(position));
    }
    let number = if draft { "PROJET".to_owned() } else { document.number.clone() };
    let title = document.kind.title_fr().to_owned();
    Ok(DocumentView {
        kind_title: title,
        number: number.clone(),
        draft_watermark: draft.then(|| "PROJET".to_owned()),
        issuer: PartyBlock {
            name: block_name(issuer, Side::Issuer, document.naming),
            lines: party_lines(issuer, document.naming),
        },
        recipient: PartyBlock {
            name: block_name(recipient, Side::Recipient, document.naming),
            lines: party_lines(recipient, document.naming),
        },
        meta,
        lines,
        totals: totals(document),
        mentions: match document.kind {
            // Issued with the mentions their rules select (`docs/mentions.md`), or as they were printed before.
            DocumentKind::Invoice
            | DocumentKind::CreditNote
            | DocumentKind::Cancellation
            | DocumentKind::Refund
                if document.particulars.is_some() =>
            {
                let mut printed: Vec<String> =
                    mentions::select(dataset, document, issuer).iter().map(mentions::mention_fr).collect();
                printed.extend(accounts::accounts_mention_fr(document));
                printed
            }
            _ => {
                let mut printed =
                    mentions(dataset, document, issuer, recipient, dataset.meta.titre_threshold);
                // Each side's accounts, on a document issued since they are chosen by the relation.
                if document.particulars.is_some() {
                    printed.extend(accounts::accounts_mention_fr(document));
                }
                printed
            }
        },
        annex: Some(AnnexView { title: "Détail du calcul".to_owned(), sections }),
        metadata: DocumentMetadata {
            title: format!("{} {}", capitalise(document.kind.name_fr()), number),
            author: block_name(issuer, Side::Issuer, document.naming),
            subject: format!(
                "Services mutualisés — {} — {}",
                document.semester.label_fr(),
                match document.naming {
                    Naming::Mairie => recipient.name.clone(),
                    Naming::LegalPerson => names::legal_name(recipient),
                }
            ),
            keywords: vec![
                document.kind.name_fr().to_owned(),
                "mutualisation".to_owned(),
                document.semester.to_string(),
                recipient.id.to_string(),
            ],
            creation_date: document.issue_date.and_hms_opt(0, 0, 0).unwrap_or_default(),
            language: "fr-FR".to_owned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets_are_grouped() {
        assert_eq!(siret_fr("20009320100016"), "200 093 201 00016");
        assert_eq!(siret_fr("123"), "123");
    }

    /// The block names of documents issued before parties had legal names, which such a document is rendered
    /// again with.
    #[test]
    fn kinds_take_their_article() {
        let cases = [
            (DocumentKind::Invoice, "la facture"),
            (DocumentKind::CreditNote, "l'avoir"),
            (DocumentKind::PaymentNotice, "l'avis de versement"),
            (DocumentKind::AcStatement, "l'état d'imputation"),
            (DocumentKind::Cancellation, "l'avis d'annulation"),
            (DocumentKind::Refund, "l'avis de remboursement"),
        ];
        for (kind, expected) in cases {
            assert_eq!(kind_with_article_fr(kind), expected);
        }
    }

    #[test]
    fn earlier_documents_keep_their_mairie_names() {
        let mut party = Party {
            id: mutua_core::PartyId::parse("59005").unwrap(),
            kind: PartyKind::Commune,
            name: String::new(),
            siren: mutua_core::Siren::parse("215900051").unwrap(),
            siret: mutua_core::Siret::parse("21590005100016").unwrap(),
            insee: None,
            territoire: None,
            address: mutua_core::Address::default(),
            invoicing: mutua_core::InvoicingRequirements::default(),
            naming: mutua_core::PartyNaming::default(),
            payment: mutua_core::PaymentDetails::default(),
            source: mutua_core::Source::code(),
        };
        let cases = [
            ("Lille", "Mairie de Lille", "Ville de Lille", "Commune de Lille"),
            (
                "Allennes-les-Marais",
                "Mairie d'Allennes-les-Marais",
                "Ville d'Allennes-les-Marais",
                "Commune d'Allennes-les-Marais",
            ),
            (
                "Erquinghem-Lys",
                "Mairie d'Erquinghem-Lys",
                "Ville d'Erquinghem-Lys",
                "Commune d'Erquinghem-Lys",
            ),
            ("Le Maisnil", "Mairie du Maisnil", "Ville du Maisnil", "Commune du Maisnil"),
            ("La Bassée", "Mairie de La Bassée", "Ville de La Bassée", "Commune de La Bassée"),
            (
                "Les Rues-des-Vignes",
                "Mairie des Rues-des-Vignes",
                "Ville des Rues-des-Vignes",
                "Commune des Rues-des-Vignes",
            ),
            ("Halluin", "Mairie de Halluin", "Ville de Halluin", "Commune d'Halluin"),
        ];
        for (name, mairie, ville, legal) in cases {
            party.name = name.to_owned();
            assert_eq!(block_name(&party, Side::Recipient, Naming::Mairie), mairie);
            assert_eq!(block_name(&party, Side::Issuer, Naming::Mairie), ville);
            assert_eq!(block_name(&party, Side::Recipient, Naming::LegalPerson), legal);
            assert_eq!(block_name(&party, Side::Issuer, Naming::LegalPerson), legal);
            assert_eq!(
                party_text(&party, Side::Recipient, Naming::Mairie, Preposition::A),
                format!("à {mairie}")
            );
        }
    }
}
