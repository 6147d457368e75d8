//! Amounts under the titre threshold are carried through the ledger: each run's commit records what it carried,
//! the next semester's run takes it in, an amount carried again keeps the semester it was computed for, and a
//! regularisation counts what is carried as billed.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mutua_alloc::trace::{CarriedRecord as Recorded, Step};
use mutua_alloc::{BilledSource, ChargeKind};
use mutua_core::{
    CarriedAmount, ConventionBuilder, DatasetBuilder, Key, ProRata, RegularisationHalf, RegularisationPolicy,
    Rule, Semester, Source, ValidatedDataset, ValuationBasis,
};
use mutua_issue::record::{CarriedRecord, DocumentRecord};
use mutua_issue::{
    IssueError, IssueOptions, IssueReport, Ledger, MemoryLedger, MemorySink, NoProgress, OutputFormat,
    Status, issue,
};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn semester(text: &str) -> Semester {
    text.parse().unwrap()
}

/// Issues `semester` on `date` (PDF only: these tests read the ledger, not the files).
fn run(
    dataset: &ValidatedDataset,
    semester_run: &str,
    date: &str,
    ledger: &mut MemoryLedger,
    sink: &mut MemorySink,
) -> Result<IssueReport, IssueError> {
    let options = IssueOptions {
        semester: semester(semester_run),
        issue_date: day(date),
        format: OutputFormat::Pdf,
        series_start: BTreeMap::new(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    };
    issue(dataset, &options, ledger, sink, &NoProgress)
}

/// Allennes owes 6,40 € a semester (100 inhabitants × 0,128 € a year, half a year each semester), under the
/// 15 € threshold; Anstaing, 640 €.
fn per_inhabitant(allennes: u64) -> DatasetBuilder {
    let since = day("2024-01-01");
    DatasetBuilder::new("carried", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", allennes)
        .commune("59013", "Anstaing", "215900135", 10_000)
        .dispositif("cep", "Conseil en énergie partagé")
        .convention(
            ConventionBuilder::new("cep", "cep", "MEL", since).pro_rata(ProRata::DaysOfSemester).component(
                "hab",
                "Conseil en énergie partagé",
                Rule::per_inhabitant("0.128".parse().unwrap()),
            ),
        )
        .member("cep", "59005", since, None)
        .member("cep", "59013", since, None)
}

fn invoice_of<'a>(report: &'a IssueReport, debtor: &str) -> Option<&'a DocumentRecord> {
    report.with_status(Status::Issued).find(|r| r.recipient.as_str() == debtor)
}

fn carried_record(origin: &str, amount: &str) -> CarriedRecord {
    CarriedRecord {
        origin: semester(origin),
        regularises: None,
        issuer: "MEL".parse().unwrap(),
        debtor: "59005".parse().unwrap(),
        convention: "cep".parse().unwrap(),
        component: "hab".to_owned(),
        label: "Conseil en énergie partagé".to_owned(),
        amount: amount.parse().unwrap(),
    }
}

#[test]
fn an_amount_carried_twice_under_the_threshold_is_billed_in_the_third_semester_with_its_origins() {
    let dataset = per_inhabitant(100).build().unwrap();
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();

    // 2026-S1: 6,40 € carried; Anstaing invoiced. The commit records what was carried.
    let s1 = run(&dataset, "2026-S1", "2026-07-15", &mut ledger, &mut sink).unwrap();
    assert!(invoice_of(&s1, "59005").is_none());
    assert!(invoice_of(&s1, "59013").is_some());
    assert_eq!(ledger.commits().last().unwrap().carried, Some(vec![carried_record("2026-S1", "6.40")]));

    // 2026-S2: 6,40 + 6,40 = 12,80 €, still under 15 €: both carried, each with its origin (in the order of the
    // lines: the semester's own amount, then what was carried in).
    let s2 = run(&dataset, "2026-S2", "2027-01-15", &mut ledger, &mut sink).unwrap();
    assert!(invoice_of(&s2, "59005").is_none());
    assert_eq!(
        s2.carried.iter().map(|c| (c.semester, c.origin, c.amount.to_string())).collect::<Vec<_>>(),
        [
            (semester("2026-S2"), semester("2026-S2"), "6.40".to_owned()),
            (semester("2026-S2"), semester("2026-S1"), "6.40".to_owned())
        ]
    );
    assert_eq!(
        ledger.commits().last().unwrap().carried,
        Some(vec![carried_record("2026-S2", "6.40"), carried_record("2026-S1", "6.40")])
    );

    // 2027-S1: 19,20 € reaches the threshold: one invoice, one line per semester of origin.
    let s3 = run(&dataset, "2027-S1", "2027-07-15", &mut ledger, &mut sink).unwrap();
    let invoice = invoice_of(&s3, "59005").expect("Allennes is invoiced in 2027-S1");
    assert_eq!(invoice.total.to_string(), "19.20");
    let lines: Vec<(&str, String)> =
        invoice.lines.iter().map(|l| (l.line_kind.as_str(), l.amount.to_string())).collect();
    assert_eq!(
        lines,
        [
            ("current", "6.40".to_owned()),
            ("carried:2026-S1", "6.40".to_owned()),
            ("carried:2026-S2", "6.40".to_owned())
        ]
    );
    assert!(s3.carried.is_empty());
    assert_eq!(ledger.commits().last().unwrap().carried, Some(Vec::new()));

    // The trace of the oldest amount: computed for 2026-S1, carried last by the run of 2026-S2, from the ledger.
    let history = mutua_issue::history(
        &dataset,
        semester("2027-S1"),
        ledger.records(),
        ledger.commits(),
        ledger.index(),
    )
    .unwrap();
    let allocation = mutua_alloc::allocate_with(&dataset, semester("2027-S1"), &history).unwrap();
    let oldest = allocation
        .charges
        .iter()
        .find(|c| c.kind == ChargeKind::Carried { semester: semester("2026-S1"), regularises: None })
        .unwrap();
    assert!(oldest.trace.steps.contains(&Step::CarriedFrom { semester: semester("2026-S1") }));
    assert!(
        oldest
            .trace
            .steps
            .contains(&Step::CarriedBy { semester: semester("2026-S2"), recorded: Recorded::Ledger })
    );
    let explained = mutua_documents::present::explain_charge(&dataset, oldest).join("\n");
    assert!(explained.contains("Semestre d'origine : 1er semestre 2026"), "{explained}");
    assert!(
        explained.contains("Reporté par : l'exécution du 2d semestre 2026 (registre de mutua)"),
        "{explained}"
    );

    // Nothing is billed twice: each semester of 2026 billed 6,40 € to Allennes, once.
    let billed: i128 = ledger
        .records()
        .iter()
        .flat_map(|r| &r.lines)
        .filter(|l| l.payer.as_str() == "59005")
        .map(|l| l.amount.cents())
        .sum();
    assert_eq!(billed, 19_20);
}

#[test]
fn a_run_that_issues_nothing_records_the_semester_and_a_rerun_commits_nothing_new() {
    // Allennes alone, under the threshold: no document, but the commit records the semester and what it carried.
    let dataset =
        per_inhabitant(100).with(|d| d.memberships.retain(|m| m.member.as_str() == "59005")).build();
    let dataset = dataset.unwrap();
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    let report = run(&dataset, "2026-S1", "2026-07-15", &mut ledger, &mut sink).unwrap();
    assert!(report.documents.is_empty());
    assert_eq!(ledger.commits().len(), 1);
    assert_eq!(ledger.commits()[0].documents, 0);
    assert_eq!(ledger.commits()[0].carried, Some(vec![carried_record("2026-S1", "6.40")]));
    let head = ledger.head();
    run(&dataset, "2026-S1", "2026-07-20", &mut ledger, &mut sink).unwrap();
    assert_eq!(ledger.head(), head, "same inputs: nothing new to record");
}

#[test]
fn what_a_later_semester_took_in_cannot_change_and_carried_csv_cannot_repeat_the_ledger() {
    let dataset = per_inhabitant(100).build().unwrap();
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    run(&dataset, "2026-S1", "2026-07-15", &mut ledger, &mut sink).unwrap();
    run(&dataset, "2026-S2", "2027-01-15", &mut ledger, &mut sink).unwrap();
    let head = ledger.head();

    // 2026-S1 again on the same data: what it carries is what 2026-S2 took in, nothing changes.
    run(&dataset, "2026-S1", "2027-01-20", &mut ledger, &mut sink).unwrap();
    assert_eq!(ledger.head(), head);

    // Corrected populations that would invoice Allennes in 2026-S1: its 6,40 € were taken in by 2026-S2 already.
    let corrected = per_inhabitant(300).build().unwrap();
    let error = run(&corrected, "2026-S1", "2027-01-20", &mut ledger, &mut sink).unwrap_err();
    assert!(
        matches!(&error, IssueError::CarriedTaken { semester: s, later } if *s == semester("2026-S1") && *later == semester("2026-S2")),
        "{error}"
    );
    assert!(error.to_string().contains("déjà été repris par l'exécution du 2d semestre 2026"), "{error}");
    assert_eq!(ledger.head(), head, "refused: nothing recorded");

    // A carried.csv row for 2026-S2, which the ledger records: refused, located, nothing issued.
    let copied = per_inhabitant(100)
        .with(|d| {
            d.carried.push(CarriedAmount {
                semester: semester("2026-S2"),
                origin: semester("2026-S2"),
                regularises: None,
                issuer: "MEL".parse().unwrap(),
                debtor: "59005".parse().unwrap(),
                convention: "cep".parse().unwrap(),
                component: "hab".to_owned(),
                label: "Conseil en énergie partagé".to_owned(),
                amount: "6.40".parse().unwrap(),
                source: Source { file: "carried.csv".into(), line: 2 },
            })
        })
        .build()
        .unwrap();
    let error = run(&copied, "2027-S1", "2027-07-15", &mut ledger, &mut sink).unwrap_err();
    let IssueError::Check(errors) = &error else { panic!("{error}") };
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "carried.csv:2: semester: ce que l'exécution du 2d semestre 2026 a reporté est au registre de mutua, qui \
          le reprend : retirez cette ligne de carried.csv (carried.csv ne sert qu'aux montants reportés avant \
          mutua)"
        ]
    );
    assert_eq!(ledger.head(), head);
}

/// Two communes on an equal key of a cost of 20 € a year forecast, 40 € actual in 2025, regularised in S1: each
/// is billed 5 € a semester, under the threshold, and owes 20 € for 2025 on the actual.
fn pool() -> ValidatedDataset {
    let since = day("2024-01-01");
    DatasetBuilder::new("carried-regularised", "2025-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1_000)
        .commune("59013", "Anstaing", "215900135", 1_000)
        .dispositif("sig", "Système d'information géographique")
        .convention(
            ConventionBuilder::new("sig", "sig", "MEL", since)
                .pro_rata(ProRata::DaysOfSemester)
                .component("cost", "SIG", Rule::full_cost_pool(Key::Equal))
                .with(|c| {
                    c.regularisation = Some(RegularisationPolicy { billed_in: RegularisationHalf::S1 })
                }),
        )
        .member("sig", "59005", since, None)
        .member("sig", "59013", since, None)
        .valuation("sig", 2025, ValuationBasis::Forecast, "20.00", "1")
        .valuation("sig", 2025, ValuationBasis::Actual, "40.00", "1")
        .valuation("sig", 2026, ValuationBasis::Forecast, "20.00", "1")
        .build()
        .unwrap()
}

#[test]
fn a_regularisation_counts_what_is_still_carried_as_billed() {
    let dataset = pool();
    let mut ledger = MemoryLedger::new();
    let mut sink = MemorySink::new();
    // 2025-S1: 5 € each, carried. 2025-S2: 5 + 5 = 10 € each, carried again. Nothing issued in 2025.
    let s1 = run(&dataset, "2025-S1", "2025-07-15", &mut ledger, &mut sink).unwrap();
    assert!(s1.documents.is_empty());
    let s2 = run(&dataset, "2025-S2", "2026-01-15", &mut ledger, &mut sink).unwrap();
    assert!(s2.documents.is_empty());
    assert_eq!(s2.carried.len(), 4);
    // 2026-S1: due 20 € each on the 2025 actual; the 10 € still carried are billed by this run, so the
    // regularisation is 20 − 10 = 10 €, not 20 €; with 5 € of 2026-S1, each invoice is 5 + 5 + 5 + 10 = 25 €.
    let s3 = run(&dataset, "2026-S1", "2026-07-15", &mut ledger, &mut sink).unwrap();
    for debtor in ["59005", "59013"] {
        let invoice = invoice_of(&s3, debtor).unwrap();
        let mut lines: Vec<(&str, String)> =
            invoice.lines.iter().map(|l| (l.line_kind.as_str(), l.amount.to_string())).collect();
        lines.sort();
        assert_eq!(
            lines,
            [
                ("carried:2025-S1", "5.00".to_owned()),
                ("carried:2025-S2", "5.00".to_owned()),
                ("current", "5.00".to_owned()),
                ("regularisation:2025", "10.00".to_owned())
            ],
            "{debtor}"
        );
        assert_eq!(invoice.total.to_string(), "25.00");
    }
    // The regularisation's trace names what was billed: the two amounts carried by the run of 2025-S2.
    let history = mutua_issue::history(
        &dataset,
        semester("2026-S1"),
        ledger.records(),
        ledger.commits(),
        ledger.index(),
    )
    .unwrap();
    let allocation = mutua_alloc::allocate_with(&dataset, semester("2026-S1"), &history).unwrap();
    let regularisation = allocation
        .charges
        .iter()
        .find(|c| c.payer.as_str() == "59005" && matches!(c.kind, ChargeKind::Regularisation { year: 2025 }))
        .unwrap();
    let billed: Vec<(Semester, String, &BilledSource)> = regularisation
        .trace
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Billed { semester, amount, source } => Some((*semester, amount.to_string(), source)),
            _ => None,
        })
        .collect();
    let by_s2 = BilledSource::Carried(semester("2025-S2"));
    assert_eq!(
        billed,
        [(semester("2025-S1"), "5.00".to_owned(), &by_s2), (semester("2025-S2"), "5.00".to_owned(), &by_s2)]
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever Allennes owes each semester (its population changing from run to run), every amount is billed
        /// once or still carried after the last run: Σ billed + Σ carried = Σ owed, each semester of origin once.
        #[test]
        fn a_carried_amount_is_never_lost_nor_billed_twice(fives in proptest::collection::vec(0u64..80, 4)) {
            // Multiples of 5 inhabitants owe whole cents a semester (5 × 6,4 c = 32 c): no rounding to follow.
            let populations: Vec<u64> = fives.iter().map(|k| k * 5).collect();
            let runs = [("2025-S1", "2025-07-15"), ("2025-S2", "2026-01-15"), ("2026-S1", "2026-07-15"), ("2026-S2", "2027-01-15")];
            let mut ledger = MemoryLedger::new();
            let mut sink = MemorySink::new();
            let mut owed = 0i128;
            let mut last = None;
            for ((semester_run, date), population) in runs.into_iter().zip(&populations) {
                let dataset = per_inhabitant(*population).build().unwrap();
                // 0,128 € a year per inhabitant, half of it each semester: 6,4 cents.
                owed += i128::from(*population) * 64 / 10;
                last = Some(run(&dataset, semester_run, date, &mut ledger, &mut sink).unwrap());
            }
            let lines: Vec<_> = ledger
                .records()
                .iter()
                .flat_map(|r| &r.lines)
                .filter(|l| l.payer.as_str() == "59005")
                .collect();
            let billed: i128 = lines.iter().map(|l| l.amount.cents()).sum();
            let carried = &last.unwrap().carried;
            let still: i128 = carried.iter().map(|c| c.amount.cents()).sum();
            prop_assert_eq!(billed + still, owed);
            let mut origins: Vec<String> = lines
                .iter()
                .map(|l| l.line_kind.strip_prefix("carried:").map_or_else(|| "current".to_owned(), str::to_owned))
                .filter(|kind| kind != "current")
                .chain(carried.iter().map(|c| c.origin.to_string()))
                .collect();
            let count = origins.len();
            origins.sort();
            origins.dedup();
            prop_assert_eq!(origins.len(), count, "a semester of origin carried or billed twice");
        }
    }
}
