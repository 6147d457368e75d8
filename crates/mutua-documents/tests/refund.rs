//! A negative regularisation of a past year is not netted against the semester's charges: it is paid back on a
//! refund notice of its own (`REM`), line by line, whatever its size and whatever the convention's settlement,
//! and the reconciliation still adds up to the cent.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use mutua_alloc::ChargeKind;
use mutua_core::{
    Amount, ConventionBuilder, DatasetBuilder, Key, PartyId, RegularisationHalf, RegularisationPolicy, Rule,
    Settlement, ValidatedDataset, ValuationBasis,
};
use mutua_documents::present::statement::party_statement;
use mutua_documents::reconcile::Buckets;
use mutua_documents::{Batch, BatchOptions, Document, DocumentKind, build_batch};
use mutua_render::LineView;

fn amount(text: &str) -> Amount {
    text.parse().unwrap()
}

fn since() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
}

/// A full-cost pool split equally between 59005 and 59011, regularised in S1 of the next year. 2025 and 2026
/// are forecast at `forecast`, 2025's actual is `actual`; each member was billed `forecast` / 4 a semester of
/// 2025 (titres before mutua).
struct Pool {
    id: &'static str,
    forecast: &'static str,
    actual: &'static str,
    settlement: Settlement,
}

fn dataset(pools: &[Pool]) -> ValidatedDataset {
    let mut builder = DatasetBuilder::new("test", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1523)
        .commune("59011", "Annœullin", "215900119", 10_785);
    for pool in pools {
        let settlement = pool.settlement;
        builder = builder
            .dispositif(pool.id, &format!("Service {}", pool.id))
            .convention(
                ConventionBuilder::new(pool.id, pool.id, "MEL", since())
                    .reference(&format!("Convention {} du 1er janvier 2020", pool.id))
                    .component("cout", &format!("Coût complet {}", pool.id), Rule::full_cost_pool(Key::Equal))
                    .with(|c| {
                        c.settlement = settlement;
                        c.regularisation = Some(RegularisationPolicy { billed_in: RegularisationHalf::S1 });
                    }),
            )
            .valuation(pool.id, 2025, ValuationBasis::Forecast, pool.forecast, "1")
            .valuation(pool.id, 2025, ValuationBasis::Actual, pool.actual, "1")
            .valuation(pool.id, 2026, ValuationBasis::Forecast, pool.forecast, "1");
        let quarter = Amount::from_decimal(
            amount(pool.forecast).to_decimal() / rust_decimal::Decimal::from(4),
            mutua_core::Rounding::HalfUp,
        )
        .to_string();
        for member in ["59005", "59011"] {
            builder = builder
                .member(pool.id, member, since(), None)
                .titre(
                    &format!("T-{}-{member}-1", pool.id),
                    "2025-S1",
                    ("MEL", member),
                    (pool.id, "cout"),
                    &quarter,
                )
                .titre(
                    &format!("T-{}-{member}-2", pool.id),
                    "2025-S2",
                    ("MEL", member),
                    (pool.id, "cout"),
                    &quarter,
                );
        }
    }
    builder.build().unwrap()
}

fn batch(dataset: &ValidatedDataset) -> Batch {
    let allocation = mutua_alloc::allocate(dataset, "2026-S1".parse().unwrap()).unwrap();
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap(),
        series_start: Default::default(),
    };
    build_batch(dataset, &allocation, &options).unwrap()
}

fn document<'a>(batch: &'a Batch, kind: DocumentKind, recipient: &str) -> &'a Document {
    batch
        .documents
        .iter()
        .find(|d| d.kind == kind && d.recipient.as_str() == recipient)
        .unwrap_or_else(|| panic!("no {} for {recipient}: {:#?}", kind.as_str(), batch.documents))
}

/// (dispositif, kind, amount) of each line.
fn lines(document: &Document) -> Vec<(String, bool, Amount)> {
    document
        .lines
        .iter()
        .map(|l| {
            (l.dispositif.to_string(), matches!(l.kind, ChargeKind::Regularisation { year: 2025 }), l.amount)
        })
        .collect()
}

fn buckets(batch: &Batch, dispositif: &str) -> (Amount, Buckets) {
    let summary = batch.dispositifs.iter().find(|s| s.dispositif == dispositif).unwrap();
    (summary.computed, summary.destinations)
}

/// Every dispositif and pool adds up, refunds included.
fn assert_reconciled(batch: &Batch) {
    for summary in &batch.dispositifs {
        assert_eq!(summary.destinations.total().unwrap(), summary.computed, "{summary:?}");
    }
    for pool in &batch.pools {
        let placed = pool.shares.total().unwrap().checked_add(pool.unbilled_total().unwrap()).unwrap();
        assert_eq!(placed, pool.to_distribute, "{pool:?}");
    }
}

#[test]
fn a_negative_regularisation_is_refunded_on_its_own_document_and_the_invoice_bills_the_semester() {
    // 2025 billed on 12 000 € (3 000 € a semester each); the actual is 10 000 €: each owed 5 000 €, was billed
    // 6 000 €, and is paid back 1 000 €. 2026-S1 bills 3 000 € each on the forecast.
    let dataset = dataset(&[Pool {
        id: "geo",
        forecast: "12000.00",
        actual: "10000.00",
        settlement: Settlement::Invoice,
    }]);
    let batch = batch(&dataset);
    let invoice = document(&batch, DocumentKind::Invoice, "59005");
    assert_eq!(lines(invoice), [("geo".to_owned(), false, amount("3000.00"))]);
    assert_eq!(invoice.total, amount("3000.00"));
    let refund = document(&batch, DocumentKind::Refund, "59005");
    assert_eq!(lines(refund), [("geo".to_owned(), true, amount("-1000.00"))]);
    assert_eq!(
        (refund.issuer.as_str(), refund.total, refund.total_net),
        ("MEL", amount("-1000.00"), amount("-1000.00"))
    );
    assert_eq!((refund.series.as_str(), refund.number.as_str()), ("REM-MEL-2026", "REM-MEL-2026-00001"));
    let other = document(&batch, DocumentKind::Refund, "59011");
    assert_eq!(other.number, "REM-MEL-2026-00002");
    assert_eq!(document(&batch, DocumentKind::Invoice, "59011").number, "FAC-MEL-2026-00002");
    assert!(batch.documents.iter().all(|d| d.kind != DocumentKind::CreditNote));
    assert!(batch.not_issued.is_empty() && batch.carried_forward.is_empty());
    let (computed, destinations) = buckets(&batch, "geo");
    assert_eq!(computed, amount("4000.00"));
    assert_eq!(
        destinations,
        Buckets { invoiced: amount("6000.00"), refunded: amount("-2000.00"), ..Buckets::default() }
    );
    assert_reconciled(&batch);
    // The current pool is invoiced in full; the regularisation is no pool's.
    assert_eq!(batch.pools.len(), 1);
    assert_eq!(
        (batch.pools[0].to_distribute, batch.pools[0].shares.invoiced),
        (amount("6000.00"), amount("6000.00"))
    );
}

#[test]
fn a_refund_under_the_titre_threshold_is_still_issued() {
    // Actual 11 990 €: 5 995 € owed each, 6 000 € billed: 5 € paid back, under the 15 € threshold.
    let dataset = dataset(&[Pool {
        id: "geo",
        forecast: "12000.00",
        actual: "11990.00",
        settlement: Settlement::Invoice,
    }]);
    let batch = batch(&dataset);
    for member in ["59005", "59011"] {
        let refund = document(&batch, DocumentKind::Refund, member);
        assert_eq!(refund.total, amount("-5.00"));
        assert!(refund.number.starts_with("REM-MEL-2026-0000"), "{}", refund.number);
    }
    assert!(batch.carried_forward.is_empty(), "{:?}", batch.carried_forward);
    assert!(batch.not_issued.is_empty());
    let (_, destinations) = buckets(&batch, "geo");
    assert_eq!((destinations.refunded, destinations.carried_forward), (amount("-10.00"), Amount::ZERO));
    assert_reconciled(&batch);
}

#[test]
fn a_positive_regularisation_stays_on_the_invoice_and_a_negative_one_goes_to_the_refund_whatever_the_settlement()
 {
    // geo: paid back 1 000 € each; arch: 500 € more each (forecast 4 000 €, actual 5 000 €); rlpi, settled on
    // the attribution de compensation: paid back 250 € each (forecast 2 000 €, actual 1 500 €).
    let dataset = dataset(&[
        Pool { id: "arch", forecast: "4000.00", actual: "5000.00", settlement: Settlement::Invoice },
        Pool { id: "geo", forecast: "12000.00", actual: "10000.00", settlement: Settlement::Invoice },
        Pool {
            id: "rlpi",
            forecast: "2000.00",
            actual: "1500.00",
            settlement: Settlement::AttributionCompensation,
        },
    ]);
    let batch = batch(&dataset);
    let invoice = document(&batch, DocumentKind::Invoice, "59005");
    assert_eq!(
        lines(invoice),
        [
            ("arch".to_owned(), false, amount("1000.00")),
            ("arch".to_owned(), true, amount("500.00")),
            ("geo".to_owned(), false, amount("3000.00")),
        ]
    );
    let statement = document(&batch, DocumentKind::AcStatement, "59005");
    assert_eq!(lines(statement), [("rlpi".to_owned(), false, amount("500.00"))]);
    let refund = document(&batch, DocumentKind::Refund, "59005");
    assert_eq!(
        lines(refund),
        [("geo".to_owned(), true, amount("-1000.00")), ("rlpi".to_owned(), true, amount("-250.00"))]
    );
    assert_eq!(refund.total, amount("-1250.00"));
    let (_, arch) = buckets(&batch, "arch");
    assert_eq!(arch, Buckets { invoiced: amount("3000.00"), ..Buckets::default() });
    let (_, rlpi) = buckets(&batch, "rlpi");
    assert_eq!(
        rlpi,
        Buckets { imputed: amount("1000.00"), refunded: amount("-500.00"), ..Buckets::default() }
    );
    assert_reconciled(&batch);
    // One series per kind and issuer: the refunds are REM-MEL-2026-00001 and -00002, beside FAC and AC.
    let mut numbers: Vec<&str> = batch.documents.iter().map(|d| d.number.as_str()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        [
            "AC-MEL-2026-00001",
            "AC-MEL-2026-00002",
            "FAC-MEL-2026-00001",
            "FAC-MEL-2026-00002",
            "REM-MEL-2026-00001",
            "REM-MEL-2026-00002"
        ]
    );
}

#[test]
fn a_refund_is_presented_as_an_amount_paid_back_with_its_basis_and_accounts() {
    let dataset = dataset(&[
        Pool { id: "geo", forecast: "12000.00", actual: "10000.00", settlement: Settlement::Invoice },
        Pool {
            id: "rlpi",
            forecast: "2000.00",
            actual: "1500.00",
            settlement: Settlement::AttributionCompensation,
        },
    ]);
    let batch = batch(&dataset);
    let refund = document(&batch, DocumentKind::Refund, "59005");
    let view = mutua_documents::present::view(&dataset, refund, false).unwrap();
    assert_eq!(view.kind_title, "AVIS DE REMBOURSEMENT");
    assert_eq!(view.number, "REM-MEL-2026-00001");
    let meta: Vec<(&str, &str)> = view.meta.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(
        meta.contains(&("Période d'exécution", "exercice 2025 (du 01/01/2025 au 31/12/2025)")),
        "{meta:?}"
    );
    assert!(meta.contains(&("Semestre de régularisation", "1er semestre 2026")), "{meta:?}");
    assert!(
        meta.contains(&(
            "Motif",
            "Régularisation de l'exercice 2025 sur coût réel : le montant facturé dépasse le montant dû sur le coût \
             réel ; la différence est remboursée."
        )),
        "{meta:?}"
    );
    let totals: Vec<(&str, &str)> =
        view.totals.iter().map(|t| (t.label.as_str(), t.amount.as_str())).collect();
    assert_eq!(totals, [("Montant remboursé en votre faveur", "1\u{202f}250,00\u{a0}€")]);
    let items: Vec<(&str, &str, &str)> = view
        .lines
        .iter()
        .filter_map(|line| match line {
            LineView::Item { description, basis, amount, .. } => {
                Some((description.as_str(), basis.as_str(), amount.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        (
            "Régularisation 2025 sur coût réel — Coût complet geo\nActe : Convention geo du 1er janvier 2020\n\
             Imputation : 673 / 773",
            "Réalisé 5\u{202f}000,00\u{a0}€ − facturé 6\u{202f}000,00\u{a0}€ (exercice 2025)",
            "-1\u{202f}000,00\u{a0}€"
        )
    );
    assert!(
        view.mentions.iter().any(|m| m.contains(
            "Imputation comptable (nomenclature M57 ; sous chaque ligne, compte de l'émetteur / compte du \
             destinataire) : chez l'émetteur, mandat au compte 673 « Titres annulés (sur \
             exercices antérieurs) » ; chez le destinataire, titre de recettes au compte 773 « Mandats annulés (sur \
             exercices antérieurs) »."
        )),
        "{:?}",
        view.mentions
    );
    assert!(view.mentions.iter().any(|m| m.contains("non-compensation")));
    // The annex explains each line as paid back to the member.
    let annex = &view.annex.as_ref().unwrap().sections[0].lines;
    assert!(
        annex[0].ends_with("— -1\u{202f}000,00\u{a0}€ (remboursé à la commune d'Allennes-les-Marais)"),
        "{annex:?}"
    );
    // lines.csv: the refund's lines on the issuer's account 673 and the recipient's 773, negative.
    let csv =
        String::from_utf8(mutua_documents::export::lines_csv(&dataset, &batch.documents).unwrap()).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("REM-MEL-2026-00001,refund,MEL,59005,") && l.contains(",geo,"))
        .unwrap();
    assert!(row.ends_with(",-1000.00,673,773,out_of_scope"), "{row}");
    // And the member's statement counts it as paid back, apart from what it is invoiced.
    let statement = party_statement(&dataset, &batch, &PartyId::parse("59005").unwrap(), None).unwrap();
    assert!(
        statement.contains("Avis de remboursement de la Métropole Européenne de Lille à la commune d'Allennes-les-Marais — 1\u{202f}250,00\u{a0}€ remboursés"),
        "{statement}"
    );
    assert!(
        statement.contains("Total à facturer à la commune d'Allennes-les-Marais : 3\u{202f}000,00\u{a0}€"),
        "{statement}"
    );
    assert!(
        statement.contains(
            "Total remboursé à la commune d'Allennes-les-Marais (avis de remboursement, sans compensation) : 1\u{202f}250,00\u{a0}€"
        ),
        "{statement}"
    );
}
