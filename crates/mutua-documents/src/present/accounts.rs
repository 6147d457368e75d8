//! The M57 accounts in words: the label of each account the mapping uses (nomenclature M57), how a side books a
//! line, the pair printed on each line and the document's mention of the imputation (`docs/accounts.md`).

use mutua_alloc::Charge;
use mutua_core::accounts::m57;

use crate::accounts::{Booking, DocumentLineAccounts, SideAccount, document_accounts, line_accounts};
use crate::document::Document;

/// The label of an account of the mapping in the M57 nomenclature, `None` for an account a convention states
/// that the mapping does not use.
#[must_use]
pub fn account_label_fr(account: &str) -> Option<&'static str> {
    let labels = [
        (m57::REIMBURSEMENT_BY_MEMBERS, "Remboursements de frais par les communes membres du GFP"),
        (m57::REIMBURSEMENT_BY_GFP, "Remboursements de frais par le GFP de rattachement"),
        (m57::REIMBURSEMENT_BY_OTHERS, "Remboursements de frais par d'autres redevables"),
        (m57::REIMBURSEMENT_TO_MEMBERS, "Remboursements de frais aux communes membres du GFP"),
        (m57::REIMBURSEMENT_TO_GFP, "Remboursements de frais au GFP de rattachement"),
        (m57::REIMBURSEMENT_TO_OTHERS, "Remboursements de frais à d'autres organismes"),
        (
            m57::STAFF_BILLED_TO_MEMBERS,
            "Mise à disposition de personnel facturée aux communes membres du GFP",
        ),
        (m57::STAFF_BILLED_TO_GFP, "Mise à disposition de personnel facturée au GFP de rattachement"),
        (m57::STAFF_BILLED_TO_OTHERS, "Mise à disposition de personnel facturée aux autres organismes"),
        (m57::STAFF_FROM_MEMBERS, "Personnel affecté par les communes membres du GFP"),
        (m57::STAFF_FROM_GFP, "Personnel affecté par le GFP de rattachement"),
        (m57::STAFF_FROM_OTHERS, "Personnel affecté par d'autres organismes"),
        (m57::CEE_PROCEEDS, "Autres produits divers de gestion courante"),
        (m57::CEE_PROCEEDS_RETURNED, "Autres charges diverses de gestion courante"),
        (m57::AC_PAID, "Attributions de compensation"),
        (m57::AC_RECEIVED, "Attribution de compensation"),
        (m57::PAST_YEAR_TITRE_CANCELLED, "Titres annulés (sur exercices antérieurs)"),
        (m57::PAST_YEAR_MANDAT_CANCELLED, "Mandats annulés (sur exercices antérieurs)"),
    ];
    labels.iter().find(|(number, _)| *number == account).map(|(_, label)| *label)
}

/// « compte 70876 « Remboursements de frais par le GFP de rattachement » », or « compte 6574 » for an account
/// without a label.
fn account_fr(account: &str) -> String {
    match account_label_fr(account) {
        Some(label) => format!("compte {account} « {label} »"),
        None => format!("compte {account}"),
    }
}

/// How a side books a line: « titre de recettes », « mandat », « minoration de l'attribution de compensation
/// versée »…
#[must_use]
pub fn booking_fr(booking: Booking) -> &'static str {
    match booking {
        Booking::Titre => "titre de recettes",
        Booking::Mandat => "mandat",
        Booking::TitreReduced => "réduction du titre de recettes",
        Booking::MandatReduced => "réduction du mandat",
        Booking::AcPaid { cancelled: false } => "minoration de l'attribution de compensation versée",
        Booking::AcReceived { cancelled: false } => "minoration de l'attribution de compensation perçue",
        Booking::AcPaid { cancelled: true } => "rétablissement de l'attribution de compensation versée",
        Booking::AcReceived { cancelled: true } => "rétablissement de l'attribution de compensation perçue",
    }
}

/// How a side books a line, with its account: « titre de recettes au compte 70876 « … » ».
#[must_use]
pub fn side_fr(side: &SideAccount) -> String {
    format!("{} au {}", booking_fr(side.booking), account_fr(&side.account))
}

/// One side of a document's lines: « mandat au compte 65888 « … » ou au compte 62875 « … » » (each booking once,
/// then its accounts in the order of the lines).
fn sides_fr(sides: &[&SideAccount]) -> String {
    let mut bookings: Vec<(Booking, Vec<&str>)> = Vec::new();
    for side in sides {
        match bookings.iter_mut().find(|(booking, _)| *booking == side.booking) {
            Some((_, accounts)) if accounts.contains(&side.account.as_str()) => {}
            Some((_, accounts)) => accounts.push(&side.account),
            None => bookings.push((side.booking, vec![&side.account])),
        }
    }
    let items: Vec<String> = bookings
        .iter()
        .map(|(booking, accounts)| {
            let accounts: Vec<String> =
                accounts.iter().map(|account| format!("au {}", account_fr(account))).collect();
            format!("{} {}", booking_fr(*booking), accounts.join(" ou "))
        })
        .collect();
    items.join(" ou ")
}

/// The one account a document issued before the accounts were chosen by the relation printed on a line, as the
/// ledger recorded it: the issuer's own (its revenue, its expense on a payment notice, 673 on a refund notice and
/// its cancellation), so that such a document is rendered again byte for byte.
#[must_use]
pub fn issued_account<'a>(document: &Document, charge: &'a Charge) -> &'a str {
    use crate::document::DocumentKind;
    let refund = document.kind == DocumentKind::Refund
        || (document.kind == DocumentKind::Cancellation
            && document.corrects.as_ref().is_some_and(|c| c.kind == DocumentKind::Refund));
    if refund {
        "673"
    } else if document.kind == DocumentKind::PaymentNotice {
        &charge.accounts.payer
    } else {
        &charge.accounts.payee
    }
}

/// The accounts printed under a line: « Imputation : 70876 / 62875 », the issuer's then the recipient's (the
/// document's mention says whose each is and what it is).
#[must_use]
pub fn line_accounts_fr(document: &Document, charge: &Charge) -> String {
    let DocumentLineAccounts { issuer, recipient } = line_accounts(document, charge);
    format!("Imputation : {} / {}", issuer.account, recipient.account)
}

/// The mention of a document's imputation: on which account and how each side books its lines.
///
/// « Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du destinataire) :
/// chez l'émetteur, titre de recettes au compte 70876 « … » ; chez le destinataire, mandat au compte 62875 « … ». »
/// Lines on several accounts list each side's, « ou ».
#[must_use]
pub fn accounts_mention_fr(document: &Document) -> Option<String> {
    let pairs = document_accounts(document);
    if pairs.is_empty() {
        return None;
    }
    let issuer: Vec<&SideAccount> = pairs.iter().map(|pair| &pair.issuer).collect();
    let recipient: Vec<&SideAccount> = pairs.iter().map(|pair| &pair.recipient).collect();
    Some(format!(
        "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
         destinataire) : chez l'émetteur, {} ; chez le destinataire, {}.",
        sides_fr(&issuer),
        sides_fr(&recipient)
    ))
}
