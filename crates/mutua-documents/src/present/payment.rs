//! The wording of a payment notice (avis de versement): who pays whom, and why.
//!
//! A payment notice is issued by a convention's provider to a member it owes, for one of two reasons, which its
//! lines say:
//!
//! - **the member's work** (any line but a CEE share): under a convention whose flow is `provider_pays_members`,
//!   the member did work for the provider — the housing files a commune instructs for the MEL. The member is then
//!   the one who provides the service, and the provider of the convention the one who benefits from it: the
//!   notice says so, and never speaks of « sommes reversées par le prestataire »;
//! - **CEE proceeds** (a CEE share): the provider sold the energy-saving certificates of the member's operations
//!   in a pooled deposit and returns the member's part of the net proceeds.
//!
//! Each reason is worded once per convention, with its title and reference.

use mutua_alloc::{Charge, ChargeKind};
use mutua_core::{Amount, ConventionId, Dataset};

use crate::document::Document;

/// Why a provider pays a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PaymentReason {
    /// The member did work for the provider under the convention (housing files): it is paid for it.
    MemberWork,
    /// The member's part of the net proceeds of energy-saving certificates sold for it.
    CeeProceeds,
}

/// Why a line of a payment notice is paid.
#[must_use]
pub fn payment_reason(charge: &Charge) -> PaymentReason {
    match charge.kind {
        ChargeKind::CeeShare { .. } => PaymentReason::CeeProceeds,
        ChargeKind::Current | ChargeKind::Regularisation { .. } | ChargeKind::Carried { .. } => {
            PaymentReason::MemberWork
        }
    }
}

/// The reasons of a notice, each with its convention and amount, in the order of the lines.
fn reasons(document: &Document) -> Vec<(PaymentReason, ConventionId, Amount)> {
    let mut reasons: Vec<(PaymentReason, ConventionId, Amount)> = Vec::new();
    for line in &document.lines {
        let reason = payment_reason(line);
        match reasons.iter_mut().find(|(r, id, _)| *r == reason && *id == line.convention) {
            Some((_, _, amount)) => *amount = amount.checked_add(line.amount).unwrap_or(*amount),
            None => reasons.push((reason, line.convention.clone(), line.amount)),
        }
    }
    reasons
}

/// The « Objet » of a payment notice, from what it pays.
#[must_use]
pub fn object_fr(document: &Document) -> &'static str {
    let reasons = reasons(document);
    let has = |reason: PaymentReason| reasons.iter().any(|(r, _, _)| *r == reason);
    match (has(PaymentReason::MemberWork), has(PaymentReason::CeeProceeds)) {
        (true, true) => {
            "Rémunération des prestations réalisées par le destinataire pour le compte de l'émetteur et \
             reversement du produit de certificats d'économies d'énergie"
        }
        (false, true) => "Reversement du produit de la vente de certificats d'économies d'énergie (CEE)",
        (true, false) | (false, false) => {
            "Rémunération des prestations réalisées par le destinataire pour le compte de l'émetteur"
        }
    }
}

/// « la « Convention de prestations de services : … » (Délibération n° 22 C 0118 du 29 avril 2022) »: a
/// convention by its title (« la convention « … » » when its title does not say it is one) and reference.
fn convention_fr(dataset: &Dataset, id: &ConventionId) -> String {
    match dataset.conventions.get(id) {
        Some(convention) if convention.title.to_lowercase().starts_with("convention") => {
            format!("la « {} » ({})", convention.title, convention.reference)
        }
        Some(convention) => format!("la convention « {} » ({})", convention.title, convention.reference),
        None => format!("la convention « {id} »"),
    }
}

/// The mentions of a payment notice: for each reason, who pays whom and why; then how it is paid and that it is
/// never netted; then VAT. `issuer` and `recipient` are the names as the document prints them.
#[must_use]
pub fn mentions_fr(dataset: &Dataset, document: &Document, named: &super::Named) -> Vec<String> {
    let super::Named { issuer, issuer_par, recipient, recipient_a, .. } = named;
    let issuer_cap = super::capitalise(issuer);
    let mut mentions = Vec::new();
    for (reason, convention, amount) in reasons(document) {
        let convention = convention_fr(dataset, &convention);
        mentions.push(match reason {
                PaymentReason::MemberWork => format!(
                    "{issuer_cap} verse {} {recipient_a} en rémunération des prestations réalisées pour son compte au \
                     titre de {convention} : pour ces prestations, {recipient} est le prestataire et {issuer} le \
                     bénéficiaire.",
                    amount.format_fr()
                ),
                PaymentReason::CeeProceeds => format!(
                    "{issuer_cap} reverse {} {recipient_a}, sa part du produit de la vente des certificats \
                     d'économies d'énergie de ses opérations, déposés {issuer_par} dans un dépôt mutualisé, au \
                     titre de {convention} : la part de chaque bénéficiaire est le rapport de ses kWh cumac à ceux \
                     du dépôt, appliqué au produit net des frais de gestion.",
                    amount.format_fr()
                ),
        });
    }
    mentions.push(
        "Versement par mandat administratif au comptable public du bénéficiaire. Conformément à la règle de \
         non-compensation de la comptabilité publique, ce versement est distinct de toute somme due par le \
         bénéficiaire, dont il n'est pas déduit."
            .to_owned(),
    );
    mentions.push("Opération hors du champ de la TVA – article 256 B du CGI.".to_owned());
    mentions
}
