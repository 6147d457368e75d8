//! The mentions of invoices, credit notes, cancellations and refund notices, chosen by what each document holds —
//! one rule per mention, the table of `docs/mentions.md` — then worded in French; the payment term and due date,
//! the issuer's accountant and account, and the reason of a cancellation.
//!
//! [`select`] decides (typed [`Mention`]s, no wording), [`mention_fr`] words. A document issued before its
//! particulars were recorded keeps the mentions it was printed with (`super::legacy`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use mutua_alloc::trace::BasisKind;
use mutua_alloc::{Charge, ChargeKind};
use mutua_core::{Amount, Dataset, Party, Rule, Semester, VatRegime};

use super::format::date_fr;
use crate::document::{Document, DocumentKind};
use crate::particulars::{Change, CorrectionReason, PaymentDue};

/// One mention of a document, with the facts it states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// The VAT regime: outside VAT's scope (article 256 B of the CGI), or taxable lines beside such lines. Every
    /// document.
    Vat {
        /// Whether a line is taxable.
        taxable: bool,
    },
    /// The payment term and the due date. Invoices.
    PaymentTerms(PaymentDue),
    /// Who is paid and how: the issuer's comptable public assignataire and its account. Invoices.
    PaymentMeans {
        /// The issuer after « de », as the document names it (« de la Métropole Européenne de Lille »).
        issuer: String,
        /// The accountant, when the dataset names it.
        accountant: Option<String>,
        /// The IBAN, grouped for reading.
        iban: Option<String>,
        /// The BIC.
        bic: Option<String>,
    },
    /// No discount for early payment, no late-payment penalty or recovery fee. Invoices.
    NoDiscountNoPenalty,
    /// The debtor's right to contest (CGCT L1617-5). Invoices.
    Recourse,
    /// The reimbursement of a service's operating costs by unit cost × units (CGCT D5211-16). Invoices and credit
    /// notes with a line that rests on a unit cost.
    UnitCost {
        /// The names of the dispositifs billed so.
        dispositifs: Vec<String>,
    },
    /// Amounts carried under the titre threshold (CGCT D1611-1) from earlier semesters. Invoices and credit notes
    /// with a line carried in.
    Carried {
        /// The semesters the amounts were computed for.
        semesters: Vec<Semester>,
        /// The threshold.
        threshold: Amount,
    },
    /// How a credit note is settled: the titre of the invoice it cancels is cancelled, or its amount is paid.
    CreditNoteSettlement {
        /// The invoice it cancels (number, issue date), if it cancels one.
        cancels: Option<(String, NaiveDate)>,
        /// The issuer's accountant, when the dataset names it.
        accountant: Option<String>,
        /// For a credit note that cancels an invoice: whether a new invoice replaces it.
        replaced: bool,
    },
    /// What an avis d'annulation does: the document cancelled, and whether a new one replaces it.
    Cancellation {
        /// The kind, number and issue date of the document cancelled.
        cancelled: Option<(DocumentKind, String, NaiveDate)>,
        /// Whether a new document is issued in its place.
        replaced: bool,
    },
    /// A refund is paid by mandat, never netted. Refund notices.
    RefundPayment,
    /// A refund under the titre threshold is issued all the same. Refund notices under the threshold.
    RefundUnderThreshold {
        /// The threshold.
        threshold: Amount,
    },
}

/// Whether a line rests on a unit cost (CGCT D5211-16): its basis is a unit cost, or — for a regularisation, an
/// amount carried, a line read back from the ledger — its component bills by unit cost.
#[must_use]
pub fn rests_on_unit_cost(dataset: &Dataset, charge: &Charge) -> bool {
    if matches!(charge.basis.kind, BasisKind::UnitCost { .. }) {
        return true;
    }
    dataset.conventions.get(&charge.convention).is_some_and(|convention| {
        convention
            .terms
            .iter()
            .flat_map(|terms| &terms.components)
            .any(|component| component.id == charge.component && matches!(component.rule, Rule::UnitCost(_)))
    })
}

fn dispositif_name(dataset: &Dataset, charge: &Charge) -> String {
    dataset
        .dispositifs
        .get(&charge.dispositif)
        .map_or_else(|| charge.dispositif.to_string(), |d| d.name.clone())
}

fn payment_means(issuer: &Party, naming: crate::document::Naming) -> Mention {
    Mention::PaymentMeans {
        issuer: super::party_text(issuer, super::Side::Issuer, naming, super::Preposition::De),
        accountant: issuer.payment.accountant.clone(),
        iban: issuer.payment.iban.as_ref().map(mutua_core::Iban::grouped),
        bic: issuer.payment.bic.as_ref().map(ToString::to_string),
    }
}

/// The mentions of an invoice, a credit note, a cancellation or a refund notice, in printing order, each where
/// its rule says it applies (`docs/mentions.md`). Other kinds have none here.
#[must_use]
pub fn select(dataset: &Dataset, document: &Document, issuer: &Party) -> Vec<Mention> {
    let threshold = dataset.meta.titre_threshold;
    let vat =
        Mention::Vat { taxable: document.lines.iter().any(|c| matches!(c.vat, VatRegime::Taxable { .. })) };
    let unit_cost = {
        let names: BTreeSet<String> = document
            .lines
            .iter()
            .filter(|charge| rests_on_unit_cost(dataset, charge))
            .map(|charge| dispositif_name(dataset, charge))
            .collect();
        (!names.is_empty()).then(|| Mention::UnitCost { dispositifs: names.into_iter().collect() })
    };
    let carried = {
        let semesters: BTreeSet<Semester> = document
            .lines
            .iter()
            .filter_map(|charge| match charge.kind {
                ChargeKind::Carried { semester, .. } => Some(semester),
                _ => None,
            })
            .collect();
        (!semesters.is_empty())
            .then(|| Mention::Carried { semesters: semesters.into_iter().collect(), threshold })
    };
    let payment = document.particulars.as_ref().and_then(|p| p.payment);
    let mut mentions = Vec::new();
    match document.kind {
        DocumentKind::Invoice => {
            mentions.push(vat);
            mentions.extend(payment.map(Mention::PaymentTerms));
            mentions.push(payment_means(issuer, document.naming));
            mentions.push(Mention::NoDiscountNoPenalty);
            mentions.push(Mention::Recourse);
            mentions.extend(unit_cost);
            mentions.extend(carried);
        }
        DocumentKind::CreditNote => {
            mentions.push(vat);
            mentions.push(Mention::CreditNoteSettlement {
                cancels: document.corrects.as_ref().map(|r| (r.number.clone(), r.issue_date)),
                accountant: issuer.payment.accountant.clone(),
                replaced: document
                    .particulars
                    .as_ref()
                    .and_then(|p| p.reason.as_ref())
                    .is_some_and(|r| r.replaced),
            });
            mentions.extend(unit_cost);
            mentions.extend(carried);
        }
        DocumentKind::Cancellation => {
            mentions.push(Mention::Cancellation {
                cancelled: document.corrects.as_ref().map(|r| (r.kind, r.number.clone(), r.issue_date)),
                replaced: document
                    .particulars
                    .as_ref()
                    .and_then(|p| p.reason.as_ref())
                    .is_none_or(|r| r.replaced),
            });
            mentions.push(vat);
        }
        DocumentKind::Refund => {
            mentions.push(Mention::RefundPayment);
            if document.total.abs() < threshold {
                mentions.push(Mention::RefundUnderThreshold { threshold });
            }
            mentions.push(vat);
        }
        DocumentKind::PaymentNotice | DocumentKind::AcStatement => {}
    }
    mentions
}

/// A kind of document with its definite article: « la facture », « l'avoir », « l'avis de versement », « l'état
/// d'imputation ».
#[must_use]
pub fn kind_with_article(kind: DocumentKind) -> String {
    match kind {
        DocumentKind::Invoice => "la facture".to_owned(),
        other => format!("l'{}", other.name_fr()),
    }
}

/// "30 jours", "1 jour".
fn days_fr(days: u32) -> String {
    if days == 1 { "1 jour".to_owned() } else { format!("{days} jours") }
}

/// The payment terms of an invoice in words (also the Factur-X BT-20): « Conditions de paiement : à régler dans
/// les 30 jours suivant la date d'émission, soit au plus tard le 14 août 2026. … »
#[must_use]
pub fn payment_terms_fr(payment: &PaymentDue) -> String {
    format!(
        "Conditions de paiement : à régler dans les {} suivant la date d'émission, soit au plus tard le {}.",
        days_fr(payment.term_days),
        date_fr(payment.due_date)
    )
}

/// "1er semestre 2025", "1er semestre 2025 et 2d semestre 2025".
fn semesters_fr(semesters: &[Semester]) -> String {
    let labels: Vec<String> = semesters.iter().map(|s| s.label_fr()).collect();
    match labels.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("«\u{a0}{n}\u{a0}»")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// A mention in French.
#[must_use]
pub fn mention_fr(mention: &Mention) -> String {
    match mention {
        Mention::Vat { taxable: false } => "TVA non applicable – article 256 B du CGI.".to_owned(),
        Mention::Vat { taxable: true } => "TVA appliquée aux seuls dispositifs assujettis ; les autres lignes : TVA \
                                           non applicable – article 256 B du CGI."
            .to_owned(),
        Mention::PaymentTerms(payment) => payment_terms_fr(payment),
        Mention::PaymentMeans { issuer, accountant, iban, bic } => {
            let accountant = accountant.as_ref().map_or_else(
                || format!("Paiement au comptable public assignataire {issuer}"),
                |name| format!("Paiement au comptable public assignataire {issuer}, {name}"),
            );
            match iban {
                Some(iban) => {
                    // An IBAN is never broken across lines.
                    let iban = iban.replace(' ', "\u{a0}");
                    let bic = bic.as_ref().map(|bic| format!(", BIC\u{a0}{bic}")).unwrap_or_default();
                    format!(
                        "{accountant}, par virement au compte IBAN\u{a0}{iban}{bic}, en rappelant le numéro de la \
                         facture."
                    )
                }
                None => format!(
                    "{accountant}, selon l'avis des sommes à payer du titre de recettes, en rappelant le numéro de la \
                     facture."
                ),
            }
        }
        Mention::NoDiscountNoPenalty => "Aucun escompte pour paiement anticipé ; ni pénalité de retard ni \
                                         indemnité forfaitaire pour frais de recouvrement : ce remboursement de \
                                         frais entre personnes publiques n'est pas une transaction commerciale."
            .to_owned(),
        Mention::Recourse => "Voies et délais de recours : le débiteur peut contester la créance dans un délai de \
                              deux mois à compter de la réception du titre de recettes (article L1617-5 du CGCT)."
            .to_owned(),
        Mention::UnitCost { dispositifs } => {
            let those = if dispositifs.len() > 1 { "ces services" } else { "ce service" };
            format!(
                "Lignes {} : remboursement des frais de fonctionnement de {those} selon l'article D5211-16 du CGCT, \
                 coût unitaire de fonctionnement × nombre d'unités de fonctionnement (détail en annexe).",
                quoted_list(dispositifs)
            )
        }
        Mention::Carried { semesters, threshold } => format!(
            "Cette facture reprend des montants du {} restés en deçà du seuil de {} sous lequel aucun titre de \
             recettes n'est émis (article D1611-1 du CGCT) et reportés jusqu'à ce semestre.",
            semesters_fr(semesters),
            threshold.format_fr()
        ),
        Mention::CreditNoteSettlement { cancels, accountant, replaced } => {
            let accountant = accountant
                .as_ref()
                .map_or_else(|| "le comptable public assignataire de l'émetteur".to_owned(), |name| {
                    format!("le comptable public assignataire ({name})")
                });
            match cancels {
                Some((number, date)) => format!(
                    "Le titre de recettes de la facture n° {number} du {} est annulé par {accountant} à hauteur du \
                     présent avoir ; une somme déjà payée est remboursée par mandat administratif. L'avoir ne peut \
                     être compensé avec une autre créance.{}",
                    date_fr(*date),
                    if *replaced { " Une nouvelle facture est émise pour le même semestre." } else { "" }
                ),
                None => format!(
                    "Le montant de cet avoir est versé par mandat administratif par {accountant} ; il ne peut être \
                     compensé avec une autre créance."
                ),
            }
        }
        Mention::Cancellation { cancelled, replaced } => {
            let cancelled = cancelled.as_ref().map_or_else(String::new, |(kind, number, date)| {
                format!("{} n° {number} du {}", kind_with_article(*kind), date_fr(*date))
            });
            let next = if *replaced {
                "un nouveau document est émis pour la même période."
            } else {
                "aucun nouveau document n'est émis : plus rien n'est dû à ce titre pour la période."
            };
            format!(
                "Le présent avis annule en totalité {cancelled} ; {next} Un document émis n'est jamais modifié ni \
                 renuméroté."
            )
        }
        Mention::RefundPayment => "Ce montant est versé par mandat administratif au comptable public du \
                                   destinataire. Conformément à la règle de non-compensation de la comptabilité \
                                   publique, ce remboursement est distinct de toute facture et de l'attribution de \
                                   compensation, dont il n'est pas déduit."
            .to_owned(),
        Mention::RefundUnderThreshold { threshold } => format!(
            "Un remboursement est émis quel qu'en soit le montant : le seuil de {} de l'article D1611-1 du CGCT ne \
             s'applique qu'au recouvrement des créances.",
            threshold.format_fr()
        ),
    }
}

/// One change in French: « activité du 1er semestre 2026 corrigée pour « Registre dématérialisé … » ».
fn change_fr(dataset: &Dataset, change: &Change) -> String {
    let what = match change {
        Change::Activity { semester, .. } => format!("activité du {} corrigée", semester.label_fr()),
        Change::Population { .. } => "population corrigée".to_owned(),
        Change::Tariff { .. } => "tarif modifié".to_owned(),
        Change::MembershipAdded { .. } => "adhésion ajoutée".to_owned(),
        Change::MembershipEnded { .. } => "adhésion retirée".to_owned(),
        Change::MembershipDates { .. } => "dates d'adhésion modifiées".to_owned(),
        Change::Key { .. } => "clé de répartition modifiée".to_owned(),
        Change::Pool { .. } => "montant à répartir ou données des autres membres modifiés".to_owned(),
        Change::Regularisation { year, .. } => format!("régularisation {year} recalculée"),
        Change::Cee { .. } => "opérations ou produit de vente des certificats corrigés".to_owned(),
        Change::Carried { .. } => "montant reporté modifié".to_owned(),
        Change::Label { .. } => "libellé modifié".to_owned(),
        Change::Amount { .. } => "montant recalculé".to_owned(),
    };
    let dispositif = change.dispositif();
    let name = dataset.dispositifs.get(dispositif).map_or_else(|| dispositif.to_string(), |d| d.name.clone());
    format!("{what} pour «\u{a0}{name}\u{a0}»")
}

/// The reason of a cancellation in French, for its « Motif » row: « Activité du 1er semestre 2026 corrigée pour
/// « Registre … » ; adhésion ajoutée pour « Conseil en Énergie Partagé (CEP) » ».
#[must_use]
pub fn reason_fr(dataset: &Dataset, reason: &CorrectionReason) -> String {
    let changes: Vec<String> = reason.changes.iter().map(|change| change_fr(dataset, change)).collect();
    super::format::capitalise(&changes.join(" ; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::particulars::Particulars;
    use mutua_alloc::trace::Unit;
    use rust_decimal::Decimal;

    fn kinds(mentions: &[Mention]) -> Vec<&'static str> {
        mentions
            .iter()
            .map(|mention| match mention {
                Mention::Vat { .. } => "vat",
                Mention::PaymentTerms(_) => "terms",
                Mention::PaymentMeans { .. } => "means",
                Mention::NoDiscountNoPenalty => "no penalty",
                Mention::Recourse => "recourse",
                Mention::UnitCost { .. } => "D5211-16",
                Mention::Carried { .. } => "D1611-1",
                Mention::CreditNoteSettlement { .. } => "credit note",
                Mention::Cancellation { .. } => "cancellation",
                Mention::RefundPayment => "refund",
                Mention::RefundUnderThreshold { .. } => "refund threshold",
            })
            .collect()
    }

    #[test]
    fn each_mention_is_printed_where_its_rule_applies() {
        let (dataset, invoice) = crate::particulars::tests::invoice();
        let issuer = dataset.party(&invoice.issuer).unwrap().clone();
        let edit = |change: &dyn Fn(&mut Document)| {
            let mut document = invoice.clone();
            change(&mut document);
            document
        };
        let invoice_mentions = ["vat", "terms", "means", "no penalty", "recourse"];
        let cases: Vec<(&str, Document, Vec<&str>)> = vec![
            ("an invoice by inhabitant and by procedure", invoice.clone(), invoice_mentions.to_vec()),
            (
                "a line resting on a unit cost",
                edit(&|d| {
                    d.lines[1].basis.kind = BasisKind::UnitCost {
                        units: Decimal::from(2),
                        unit_label: "équivalent PC".into(),
                        unit_cost: Decimal::from(420),
                        basis: mutua_core::ValuationBasis::Forecast,
                        year: 2026,
                    };
                }),
                [&invoice_mentions[..], &["D5211-16"]].concat(),
            ),
            (
                "an amount carried in under the threshold",
                edit(&|d| {
                    d.lines[0].kind =
                        ChargeKind::Carried { semester: "2025-S2".parse().unwrap(), regularises: None };
                    d.lines[0].basis.unit = Unit::Carried;
                }),
                [&invoice_mentions[..], &["D1611-1"]].concat(),
            ),
            ("a credit note", edit(&|d| d.kind = DocumentKind::CreditNote), vec!["vat", "credit note"]),
            ("a cancellation", edit(&|d| d.kind = DocumentKind::Cancellation), vec!["cancellation", "vat"]),
            ("a refund of more than 15 €", edit(&|d| d.kind = DocumentKind::Refund), vec!["refund", "vat"]),
            (
                "a refund under 15 €",
                edit(&|d| {
                    d.kind = DocumentKind::Refund;
                    d.total = Amount::from_cents(-1_200);
                }),
                vec!["refund", "refund threshold", "vat"],
            ),
            ("a payment notice: its own mentions", edit(&|d| d.kind = DocumentKind::PaymentNotice), vec![]),
        ];
        for (case, document, expected) in cases {
            assert_eq!(kinds(&select(&dataset, &document, &issuer)), expected, "{case}");
        }
    }

    #[test]
    fn mentions_in_french() {
        let (dataset, invoice) = crate::particulars::tests::invoice();
        let mut issuer = dataset.party(&invoice.issuer).unwrap().clone();
        let texts = |document: &Document, issuer: &Party| -> Vec<String> {
            select(&dataset, document, issuer).iter().map(mention_fr).collect()
        };
        let printed = texts(&invoice, &issuer);
        assert_eq!(
            printed[1],
            "Conditions de paiement : à régler dans les 30 jours suivant la date d'émission, soit au plus tard le 14 \
             août 2026."
        );
        assert_eq!(
            printed[2],
            "Paiement au comptable public assignataire de la Métropole Européenne de Lille, selon l'avis des sommes à \
             payer du titre de recettes, en rappelant le numéro de la facture."
        );
        assert!(printed.iter().all(|text| !text.contains("délai global")), "{printed:?}");
        issuer.payment = mutua_core::PaymentDetails {
            accountant: Some("Service de gestion comptable de Lille Métropole".into()),
            iban: Some(mutua_core::Iban::parse("FR1420041010050500013M02606").unwrap()),
            bic: Some(mutua_core::Bic::parse("BDFEFRPPCCT").unwrap()),
        };
        assert_eq!(
            texts(&invoice, &issuer)[2],
            "Paiement au comptable public assignataire de la Métropole Européenne de Lille, Service de gestion \
             comptable de Lille Métropole, par virement au compte IBAN\u{a0}FR14\u{a0}2004\u{a0}1010\u{a0}0505\u{a0}0001\u{a0}3M02\u{a0}606, BIC\u{a0}BDFEFRPPCCT, \
             en rappelant le numéro de la facture."
        );
        // A cancellation says whether a new document replaces the one it cancels.
        let mut cancellation = invoice.clone();
        cancellation.kind = DocumentKind::Cancellation;
        cancellation.corrects = Some(crate::DocumentRef {
            kind: DocumentKind::PaymentNotice,
            number: "AVI-MEL-2026-00002".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap(),
        });
        for (replaced, expected) in [
            (true, "; un nouveau document est émis pour la même période."),
            (false, "; aucun nouveau document n'est émis : plus rien n'est dû à ce titre pour la période."),
        ] {
            cancellation.particulars = Some(Particulars {
                payment: None,
                reason: Some(CorrectionReason { replaced, changes: Vec::new() }),
            });
            let text = &texts(&cancellation, &issuer)[0];
            assert!(text.starts_with("Le présent avis annule en totalité l'avis de versement n° AVI-MEL-2026-00002 du 15 juillet 2026"), "{text}");
            assert!(text.contains(expected), "{text}");
        }
        let reason = CorrectionReason {
            replaced: true,
            changes: vec![
                Change::Activity {
                    dispositif: mutua_core::DispositifId::parse("registre").unwrap(),
                    semester: "2026-S1".parse().unwrap(),
                },
                Change::MembershipAdded { dispositif: mutua_core::DispositifId::parse("cep").unwrap() },
            ],
        };
        assert_eq!(
            reason_fr(&dataset, &reason),
            "Activité du 1er semestre 2026 corrigée pour «\u{a0}Registre dématérialisé\u{a0}» ; adhésion ajoutée pour \
             «\u{a0}Conseil en énergie partagé\u{a0}»"
        );
    }
}
