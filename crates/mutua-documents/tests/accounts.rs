//! The accounts of each line of a document, on both sides, and their wording (`docs/accounts.md`): a document
//! books on the accounts of its lines' relation; a credit note or a cancellation reduces them within the year and
//! cancels a past year's titre and mandat on 673 / 773; a refund notice pays back on 673 / 773; an imputation on
//! the AC reduces the AC paid and received.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mutua_core::{Semester, ValidatedDataset};
use mutua_documents::accounts::{Booking, line_accounts};
use mutua_documents::present::accounts::{accounts_mention_fr, line_accounts_fr};
use mutua_documents::{Batch, BatchOptions, Document, DocumentKind, DocumentRef, build_batch};

fn dataset() -> &'static ValidatedDataset {
    static DATASET: OnceLock<ValidatedDataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel");
        mutua_dataset::load(&fixtures).unwrap_or_else(|errors| panic!("{errors}"))
    })
}

fn batch() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let semester: Semester = "2026-S1".parse().unwrap();
        let allocation = mutua_alloc::allocate(dataset(), semester).unwrap();
        let issue_date = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        build_batch(dataset(), &allocation, &BatchOptions { issue_date, series_start: BTreeMap::new() })
            .unwrap()
    })
}

/// The batch's document of `kind` from `issuer` to `recipient`.
fn document(kind: DocumentKind, issuer: &str, recipient: &str) -> Document {
    batch()
        .documents
        .iter()
        .find(|d| d.kind == kind && d.issuer.as_str() == issuer && d.recipient.as_str() == recipient)
        .unwrap_or_else(|| panic!("no {kind:?} {issuer} → {recipient}"))
        .clone()
}

/// `document` cancelled by a document of `kind` issued on `day`, its lines negated.
fn cancelled_by(document: &Document, kind: DocumentKind, day: NaiveDate) -> Document {
    let mut cancelling = document.clone();
    cancelling.kind = kind;
    cancelling.issue_date = day;
    cancelling.corrects = Some(DocumentRef {
        kind: document.kind,
        number: document.number.clone(),
        issue_date: document.issue_date,
    });
    for line in &mut cancelling.lines {
        line.amount = line.amount.negated();
    }
    cancelling
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

#[test]
fn each_kind_of_document_books_each_side_on_its_account() {
    let invoice = document(DocumentKind::Invoice, "MEL", "59009");
    let lille_to_mel = document(DocumentKind::Invoice, "59350", "MEL");
    let lille_to_commune = document(DocumentKind::Invoice, "59350", "59009");
    let housing = document(DocumentKind::PaymentNotice, "MEL", "59350");
    let statement = document(DocumentKind::AcStatement, "MEL", "59009");
    // A refund notice of the invoice's lines (a regularisation paid back, as the batch builds one).
    let mut refund = invoice.clone();
    refund.kind = DocumentKind::Refund;
    let same_year = day(2026, 9, 1);
    let next_year = day(2027, 2, 1);
    use Booking::*;
    // (case, document, issuer's (account, booking), recipient's (account, booking))
    let cases = [
        ("MEL → commune", invoice.clone(), ("70875", Titre), ("62876", Mandat)),
        ("Lille → MEL", lille_to_mel.clone(), ("70876", Titre), ("62875", Mandat)),
        ("Lille → commune", lille_to_commune.clone(), ("70878", Titre), ("62878", Mandat)),
        ("MEL pays Lille", housing.clone(), ("62875", Mandat), ("70876", Titre)),
        ("refund", refund.clone(), ("673", Mandat), ("773", Titre)),
        (
            "AC",
            statement.clone(),
            ("739211", AcPaid { cancelled: false }),
            ("73211", AcReceived { cancelled: false }),
        ),
        (
            "credit note, same year",
            cancelled_by(&invoice, DocumentKind::CreditNote, same_year),
            ("70875", TitreReduced),
            ("62876", MandatReduced),
        ),
        (
            "credit note, next year",
            cancelled_by(&lille_to_mel, DocumentKind::CreditNote, next_year),
            ("673", Mandat),
            ("773", Titre),
        ),
        (
            "payment notice cancelled, same year",
            cancelled_by(&housing, DocumentKind::Cancellation, same_year),
            ("62875", MandatReduced),
            ("70876", TitreReduced),
        ),
        (
            "payment notice cancelled, next year: the payer cancels its mandat, the payee its titre",
            cancelled_by(&housing, DocumentKind::Cancellation, next_year),
            ("773", Titre),
            ("673", Mandat),
        ),
        (
            "refund cancelled, same year: its mandat and its titre reduced",
            cancelled_by(&refund, DocumentKind::Cancellation, same_year),
            ("673", MandatReduced),
            ("773", TitreReduced),
        ),
        (
            "refund cancelled, next year: the past year's mandat cancelled by a titre, its titre by a mandat",
            cancelled_by(&refund, DocumentKind::Cancellation, next_year),
            ("773", Titre),
            ("673", Mandat),
        ),
        (
            "AC statement cancelled, next year: still on the AC",
            cancelled_by(&statement, DocumentKind::Cancellation, next_year),
            ("739211", AcPaid { cancelled: true }),
            ("73211", AcReceived { cancelled: true }),
        ),
    ];
    for (case, document, (issuer_account, issuer_booking), (recipient_account, recipient_booking)) in cases {
        for line in &document.lines {
            let accounts = line_accounts(&document, line);
            assert_eq!(
                (accounts.issuer.account.as_str(), accounts.issuer.booking),
                (issuer_account, issuer_booking),
                "{case}: issuer"
            );
            assert_eq!(
                (accounts.recipient.account.as_str(), accounts.recipient.booking),
                (recipient_account, recipient_booking),
                "{case}: recipient"
            );
            assert_eq!(
                line_accounts_fr(&document, line),
                format!("Imputation : {issuer_account} / {recipient_account}"),
                "{case}"
            );
        }
    }
}

#[test]
fn the_mention_names_each_sides_booking_and_the_m57_label() {
    let cases = [
        (
            document(DocumentKind::Invoice, "59350", "MEL"),
            "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
             destinataire) : chez l'émetteur, titre de recettes au compte 70876 \
             « Remboursements de frais par le GFP de rattachement » ; chez le destinataire, mandat au compte 62875 \
             « Remboursements de frais aux communes membres du GFP ».",
        ),
        (
            cancelled_by(
                &document(DocumentKind::Invoice, "MEL", "59009"),
                DocumentKind::CreditNote,
                day(2026, 9, 1),
            ),
            "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
             destinataire) : chez l'émetteur, réduction du titre de recettes au compte \
             70875 « Remboursements de frais par les communes membres du GFP » ; chez le destinataire, réduction du \
             mandat au compte 62876 « Remboursements de frais au GFP de rattachement ».",
        ),
        (
            cancelled_by(
                &document(DocumentKind::Invoice, "MEL", "59009"),
                DocumentKind::CreditNote,
                day(2027, 1, 20),
            ),
            "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
             destinataire) : chez l'émetteur, mandat au compte 673 « Titres annulés (sur \
             exercices antérieurs) » ; chez le destinataire, titre de recettes au compte 773 « Mandats annulés (sur \
             exercices antérieurs) ».",
        ),
        (
            document(DocumentKind::AcStatement, "MEL", "59009"),
            "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
             destinataire) : chez l'émetteur, minoration de l'attribution de compensation \
             versée au compte 739211 « Attributions de compensation » ; chez le destinataire, minoration de \
             l'attribution de compensation perçue au compte 73211 « Attribution de compensation ».",
        ),
    ];
    for (document, expected) in cases {
        assert_eq!(accounts_mention_fr(&document).as_deref(), Some(expected), "{}", document.number);
    }
    // A payment notice with CEE shares and housing files: each side lists its accounts once, by booking.
    let mixed = batch()
        .documents
        .iter()
        .find(|d| {
            d.kind == DocumentKind::PaymentNotice
                && d.lines.iter().any(|l| l.dispositif.as_str() == "cee")
                && d.lines.iter().any(|l| l.dispositif.as_str() == "logement")
        })
        .unwrap();
    assert_eq!(
        accounts_mention_fr(mixed).unwrap(),
        "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
         destinataire) : chez l'émetteur, mandat au compte 65888 « Autres \
         charges diverses de gestion courante » ou au compte 62875 « Remboursements de frais aux communes membres \
         du GFP » ; chez le destinataire, titre de recettes au compte 7588 « Autres produits divers de gestion \
         courante » ou au compte 70876 « Remboursements de frais par le GFP de rattachement »."
    );
}
