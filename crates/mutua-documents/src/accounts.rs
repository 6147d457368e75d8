//! The M57 accounts of each line of a document, on both sides: where its issuer books it and where its recipient
//! does, and how (a titre de recettes, a mandat, the reduction of one, an imputation on the attribution de
//! compensation).
//!
//! A line carries the accounts of its flow ([`Charge::accounts`], chosen by the relation between payee and payer:
//! [`mutua_core::accounts`]). The document decides the rest: a credit note or a cancellation reduces the titre and
//! the mandat of the document it cancels on the same accounts within the year, and on 673 / 773 when that
//! document was issued in an earlier year (a past year's titre or mandat cancelled); a refund notice pays back a
//! past year's excess on 673 / 773, and its cancellation in a later year cancels that mandat and that titre in
//! turn (on 773 and 673). Typed facts only: `present::accounts` words them (`docs/accounts.md`).

use chrono::Datelike as _;
use mutua_alloc::Charge;
use mutua_core::{LineAccounts, Settlement};
use serde::Serialize;

use crate::document::{Document, DocumentKind};

/// How one side books a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Booking {
    /// A titre de recettes: the side is owed the amount.
    Titre,
    /// A mandat: the side pays the amount.
    Mandat,
    /// The reduction (or cancellation) of a titre of the year, on its account.
    TitreReduced,
    /// The reduction (or cancellation) of a mandat of the year, on its account.
    MandatReduced,
    /// The attribution de compensation the GFP pays, reduced by the imputation (or restored by its cancellation).
    AcPaid {
        /// Whether the document cancels an earlier imputation.
        cancelled: bool,
    },
    /// The attribution de compensation the commune receives, reduced by the imputation (or restored by its
    /// cancellation).
    AcReceived {
        /// Whether the document cancels an earlier imputation.
        cancelled: bool,
    },
}

/// One side's account of a line and how it books it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SideAccount {
    /// The M57 account.
    pub account: String,
    /// How it is booked.
    pub booking: Booking,
}

/// The accounts of one line of a document, on each side.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DocumentLineAccounts {
    /// In the issuer's books.
    pub issuer: SideAccount,
    /// In the recipient's books.
    pub recipient: SideAccount,
}

/// What a document does to the lines it lists, for their booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Bills, pays or imputes them.
    Books,
    /// Reduces or cancels what a document of the same year booked.
    Reduces,
    /// Reduces or cancels what a document of an earlier year booked.
    ReducesPastYear,
    /// Pays back a past year's excess (a refund notice).
    Refunds,
    /// Cancels a refund notice of the same year.
    CancelsRefund,
    /// Cancels a refund notice of an earlier year: the payee cancels its past year's mandat (673) by a titre on
    /// 773, the payer its past year's titre (773) by a mandat on 673.
    CancelsPastYearRefund,
}

fn effect(document: &Document) -> Effect {
    let earlier_year = |issued: chrono::NaiveDate| issued.year() < document.issue_date.year();
    match (document.kind, &document.corrects) {
        (DocumentKind::Refund, _) => Effect::Refunds,
        (DocumentKind::Cancellation, Some(cancelled)) if cancelled.kind == DocumentKind::Refund => {
            if earlier_year(cancelled.issue_date) {
                Effect::CancelsPastYearRefund
            } else {
                Effect::CancelsRefund
            }
        }
        // Cancelling a credit note books again what it reduced.
        (DocumentKind::Cancellation, Some(cancelled)) if cancelled.kind == DocumentKind::CreditNote => {
            Effect::Books
        }
        (DocumentKind::CreditNote | DocumentKind::Cancellation, Some(cancelled)) => {
            if earlier_year(cancelled.issue_date) { Effect::ReducesPastYear } else { Effect::Reduces }
        }
        // A credit note of a semester whose lines net to a credit reduces what the year billed.
        (DocumentKind::CreditNote, None) => Effect::Reduces,
        _ => Effect::Books,
    }
}

/// The accounts of `charge` on `document`, for its issuer and its recipient.
#[must_use]
pub fn line_accounts(document: &Document, charge: &Charge) -> DocumentLineAccounts {
    let effect = effect(document);
    let imputed = charge.settlement == Settlement::AttributionCompensation
        && matches!(effect, Effect::Books | Effect::Reduces | Effect::ReducesPastYear);
    let (payee, payer) = if imputed {
        // The imputation is on the AC whatever the year: the GFP's AC paid and the commune's AC received.
        let cancelled = effect != Effect::Books;
        let (gfp, commune) = (Booking::AcPaid { cancelled }, Booking::AcReceived { cancelled });
        let (payee_booking, payer_booking) =
            if charge.provider_pays { (commune, gfp) } else { (gfp, commune) };
        (
            SideAccount { account: charge.accounts.payee.clone(), booking: payee_booking },
            SideAccount { account: charge.accounts.payer.clone(), booking: payer_booking },
        )
    } else {
        let past = LineAccounts::past_year_cancellation();
        let (accounts, payee_booking, payer_booking) = match effect {
            Effect::Books => (charge.accounts.clone(), Booking::Titre, Booking::Mandat),
            Effect::Reduces => (charge.accounts.clone(), Booking::TitreReduced, Booking::MandatReduced),
            // The payee cancels a past year's titre by a mandat, the payer a past year's mandat by a titre.
            Effect::ReducesPastYear | Effect::Refunds => (past, Booking::Mandat, Booking::Titre),
            Effect::CancelsRefund => (past, Booking::MandatReduced, Booking::TitreReduced),
            Effect::CancelsPastYearRefund => {
                (LineAccounts::new(&past.payer, &past.payee), Booking::Titre, Booking::Mandat)
            }
        };
        (
            SideAccount { account: accounts.payee, booking: payee_booking },
            SideAccount { account: accounts.payer, booking: payer_booking },
        )
    };
    if document.issuer == charge.payee {
        DocumentLineAccounts { issuer: payee, recipient: payer }
    } else {
        DocumentLineAccounts { issuer: payer, recipient: payee }
    }
}

/// The distinct accounts of a document's lines, in the order they first appear.
#[must_use]
pub fn document_accounts(document: &Document) -> Vec<DocumentLineAccounts> {
    let mut seen = Vec::new();
    for charge in &document.lines {
        let accounts = line_accounts(document, charge);
        if !seen.contains(&accounts) {
            seen.push(accounts);
        }
    }
    seen
}
