//! `mutua explain`'s statement is read from the batch: what the batch carries, the statement says is carried —
//! per issuer, on the total with VAT, as the documents are built.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use mutua_core::{ConventionBuilder, DatasetBuilder, PartyId, Rule};
use mutua_documents::present::statement::party_statement;
use mutua_documents::{BatchOptions, build_batch};

#[test]
fn amounts_under_the_threshold_per_issuer_are_carried_in_the_statement_as_in_the_batch() {
    let since = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    // 59005 owes 10 € to the MEL and 10 € to Lille: 20 € in all, but each document would be under 15 €.
    let dataset = DatasetBuilder::new("test", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1523)
        .commune("59350", "Lille", "215903501", 238_246)
        .dispositif("a", "Service A")
        .dispositif("b", "Service B")
        .convention(ConventionBuilder::new("a", "a", "MEL", since).component(
            "forfait",
            "Forfait A",
            Rule::flat_fee("20.00".parse().unwrap()),
        ))
        .convention(ConventionBuilder::new("b", "b", "59350", since).component(
            "forfait",
            "Forfait B",
            Rule::flat_fee("20.00".parse().unwrap()),
        ))
        .member("a", "59005", since, None)
        .member("b", "59005", since, None)
        .build()
        .unwrap();
    let allocation = mutua_alloc::allocate(&dataset, "2026-S1".parse().unwrap()).unwrap();
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap(),
        series_start: Default::default(),
    };
    let batch = build_batch(&dataset, &allocation, &options).unwrap();
    assert!(batch.documents.is_empty());
    assert_eq!(batch.carried_forward.len(), 2);
    let statement = party_statement(&dataset, &batch, &PartyId::parse("59005").unwrap(), None).unwrap();
    assert!(
        statement.contains(
            "Sans document — facture de la Métropole Européenne de Lille à la commune d'Allennes-les-Marais"
        ),
        "{statement}"
    );
    assert!(
        statement
            .contains("Sans document — facture de la commune de Lille à la commune d'Allennes-les-Marais"),
        "{statement}"
    );
    assert_eq!(statement.matches("sont reportés au semestre suivant").count(), 2, "{statement}");
    assert!(
        statement.contains("Total à facturer à la commune d'Allennes-les-Marais : 0,00\u{a0}€"),
        "{statement}"
    );
    assert!(
        statement.starts_with("Commune d'Allennes-les-Marais (INSEE 59005) — 1er semestre 2026"),
        "{statement}"
    );
    assert!(
        statement.contains("Forfait A — 10,00\u{a0}€ (dû par la commune d'Allennes-les-Marais)"),
        "{statement}"
    );
}
