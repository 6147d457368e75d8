//! A statement of imputation on the attribution de compensation shows the AC of the year before and after it and
//! the instalments it reduces: the 1st semester from July, the 2d from December after what the 1st took, an
//! unknown 1st semester said so; it cites CGCT L5211-4-2; a change of the AC changes its fingerprint.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use mutua_alloc::{Billed, BilledSource, History};
use mutua_core::{
    Amount, ConventionBuilder, DatasetBuilder, PartyId, Rule, Semester, Settlement, ValidatedDataset,
};
use mutua_documents::{Batch, BatchOptions, Document, DocumentKind, build_batch, present};

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// A service commun settled on the AC, 1 200 € a year (600 € a semester), for two communes: 59005, paid
/// 12 000 € a year (1 000 € a month), and 59009, paid 600 € (50 € a month).
fn dataset(ac_59005: &str) -> ValidatedDataset {
    DatasetBuilder::new("test", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1523)
        .commune("59009", "Villeneuve-d'Ascq", "215900093", 62_868)
        .dispositif("rlpi", "SIM RLPi")
        .convention(
            ConventionBuilder::new("rlpi", "rlpi", "MEL", day(2025, 1, 1))
                .component("forfait", "Instruction", Rule::flat_fee("1200.00".parse().unwrap()))
                .with(|c| c.settlement = Settlement::AttributionCompensation),
        )
        .member("rlpi", "59005", day(2025, 1, 1), None)
        .member("rlpi", "59009", day(2025, 1, 1), None)
        .attribution(("MEL", "59005"), 2026, ac_59005, 12)
        .attribution(("MEL", "59009"), 2026, "600.00", 12)
        .build()
        .unwrap()
}

fn batch(dataset: &ValidatedDataset, semester: &str, history: &History) -> Batch {
    let allocation = mutua_alloc::allocate_with(dataset, semester.parse().unwrap(), history).unwrap();
    let options = BatchOptions { issue_date: day(2026, 12, 15), series_start: Default::default() };
    build_batch(dataset, &allocation, &options).unwrap()
}

fn statement<'a>(batch: &'a Batch, recipient: &str) -> &'a Document {
    batch
        .documents
        .iter()
        .find(|d| d.kind == DocumentKind::AcStatement && d.recipient.as_str() == recipient)
        .unwrap()
}

/// The history of a ledger that issued the 1st semester: 600 € imputed on each commune's AC.
fn first_semester_issued() -> History {
    let s1: Semester = "2026-S1".parse().unwrap();
    let mut history = History::new();
    history.cover(s1);
    for (member, number) in [("59005", "AC-MEL-2026-00001"), ("59009", "AC-MEL-2026-00002")] {
        history.push(Billed {
            semester: s1,
            convention: "rlpi".parse().unwrap(),
            component: "forfait".into(),
            payer: PartyId::parse(member).unwrap(),
            payee: PartyId::parse("MEL").unwrap(),
            amount: "600.00".parse().unwrap(),
            source: BilledSource::Document(number.into()),
        });
    }
    history
}

fn cents(amount: Amount) -> i64 {
    i64::try_from(amount.cents()).unwrap()
}

/// (AC before, after, [(instalment, before, after)]) of a statement, in cents.
fn position(document: &Document) -> (Option<i64>, Option<i64>, Vec<(u32, i64, i64)>) {
    let position = document.attribution.as_ref().unwrap();
    (
        position.before.map(cents),
        position.after.map(cents),
        position.changes.iter().map(|c| (c.instalment.number, cents(c.before), cents(c.after))).collect(),
    )
}

#[test]
fn each_semester_reduces_the_instalments_after_it_from_what_earlier_ones_left() {
    let dataset = dataset("12000.00");
    // (case, semester, history, recipient, AC before, after, instalments reduced)
    type Case<'a> = (&'a str, &'a str, History, &'a str, Option<i64>, Option<i64>, Vec<(u32, i64, i64)>);
    let cases: [Case<'_>; 5] = [
        (
            "1st semester: July",
            "2026-S1",
            History::new(),
            "59005",
            Some(1_200_000),
            Some(1_140_000),
            vec![(7, 100_000, 40_000)],
        ),
        (
            "1st semester, a small AC: July to December, the last one negative",
            "2026-S1",
            History::new(),
            "59009",
            Some(60_000),
            Some(0),
            vec![
                (7, 5_000, 0),
                (8, 5_000, 0),
                (9, 5_000, 0),
                (10, 5_000, 0),
                (11, 5_000, 0),
                (12, 5_000, -30_000),
            ],
        ),
        (
            "2d semester after the 1st: December",
            "2026-S2",
            first_semester_issued(),
            "59005",
            Some(1_140_000),
            Some(1_080_000),
            vec![(12, 100_000, 40_000)],
        ),
        (
            "2d semester, the small AC: what the 1st left of December",
            "2026-S2",
            first_semester_issued(),
            "59009",
            Some(0),
            Some(-60_000),
            vec![(12, -30_000, -90_000)],
        ),
        (
            "2d semester, the 1st unknown",
            "2026-S2",
            History::new(),
            "59005",
            None,
            None,
            vec![(12, 100_000, 40_000)],
        ),
    ];
    for (case, semester, history, recipient, before, after, changes) in cases {
        let batch = batch(&dataset, semester, &history);
        assert_eq!(position(statement(&batch, recipient)), (before, after, changes), "{case}");
    }
}

/// The statement's words: the article, the AC before and after, the instalment, and what the totals box holds.
#[test]
fn the_statement_cites_l5211_4_2_and_shows_the_ac_and_its_instalments() {
    let dataset = dataset("12000.00");
    let batch = batch(&dataset, "2026-S2", &first_semester_issued());
    let view = present::view(&dataset, statement(&batch, "59005"), false).unwrap();
    let mentions = view.mentions.join("\n");
    // The commune as the document names it (the party layer's name).
    let name = present::party_text(
        dataset.party(&PartyId::parse("59005").unwrap()).unwrap(),
        present::Side::Recipient,
        mutua_documents::Naming::LegalPerson,
        present::names::Preposition::De,
    );
    let ac = format!(
        "Attribution de compensation 2026 {name} : 12\u{202f}000,00\u{a0}€, versée en 12 échéances mensuelles de \
         1\u{202f}000,00\u{a0}€."
    );
    for expected in [
        "article L5211-4-2 du CGCT",
        "article 1609 nonies C du CGI",
        ac.as_str(),
        "Imputé au 1er semestre 2026 : 600,00\u{a0}€ (AC-MEL-2026-00001).",
        "l'attribution de compensation 2026 passe de 11\u{202f}400,00\u{a0}€ à 10\u{202f}800,00\u{a0}€",
        "Il réduit l'échéance de décembre 2026 (n° 12 sur 12) de 1\u{202f}000,00\u{a0}€ à 400,00\u{a0}€.",
    ] {
        assert!(mentions.contains(expected), "{expected} not in {mentions}");
    }
    let totals: Vec<(&str, &str)> =
        view.totals.iter().map(|t| (t.label.as_str(), t.amount.as_str())).collect();
    assert_eq!(
        totals,
        [
            ("Attribution de compensation 2026", "12\u{202f}000,00\u{a0}€"),
            ("Imputé au 1er semestre 2026", "600,00\u{a0}€"),
            ("Montant imputé par le présent état", "600,00\u{a0}€"),
            ("Attribution de compensation 2026 après imputation", "10\u{202f}800,00\u{a0}€"),
        ]
    );
    assert!(
        view.meta
            .iter()
            .any(|(label, value)| label == "Échéance réduite" && value == "décembre 2026 (n° 12 sur 12)")
    );
    // The small AC: the last instalment does not suffice, and the statement says who owes the rest.
    let view = present::view(&dataset, statement(&batch, "59009"), false).unwrap();
    assert!(
        view.mentions.join("\n").contains("La dernière échéance de l'année ne suffit pas"),
        "{:?}",
        view.mentions
    );
    // Its 1st semester: five instalments brought to zero, said as one span, then December.
    let first = self::batch(&dataset, "2026-S1", &History::new());
    let view = present::view(&dataset, statement(&first, "59009"), false).unwrap();
    let mentions = view.mentions.join("\n");
    assert!(
        mentions.contains(
            "Il réduit les échéances de juillet à novembre 2026 (n° 7 à 11 sur 12) de 50,00\u{a0}€ chacune à \
             0,00\u{a0}€ et l'échéance de décembre 2026 (n° 12 sur 12) de 50,00\u{a0}€ à -300,00\u{a0}€."
        ),
        "{mentions}"
    );
    let span = ("Échéances réduites".to_owned(), "juillet à décembre 2026 (n° 7 à 12 sur 12)".to_owned());
    assert!(view.meta.contains(&span), "{:?}", view.meta);
    // The 1st semester unknown: said, and no AC after that would be wrong.
    let unknown = batch_unknown(&dataset);
    let view = present::view(&dataset, statement(&unknown, "59005"), false).unwrap();
    assert!(
        view.mentions
            .join("\n")
            .contains("Ce qui a été imputé au 1er semestre 2026 n'est connu ni du registre")
    );
    assert!(view.totals.iter().all(|t| !t.label.contains("après imputation")));
}

fn batch_unknown(dataset: &ValidatedDataset) -> Batch {
    batch(dataset, "2026-S2", &History::new())
}

#[test]
fn a_statement_is_issued_again_when_its_ac_changes_and_kept_without_one() {
    let s1 = |ac: &str| {
        let dataset = dataset(ac);
        statement(&batch(&dataset, "2026-S1", &History::new()), "59005").fingerprint()
    };
    assert_eq!(s1("12000.00"), s1("12000.00"));
    assert_ne!(s1("12000.00"), s1("12000.01"), "the AC it prints changed");
    // Without the AC, the statement's fingerprint is what it always was: its lines alone.
    let mut document = statement(&batch(&dataset("12000.00"), "2026-S1", &History::new()), "59005").clone();
    let with = document.fingerprint();
    document.attribution = None;
    assert_ne!(with, document.fingerprint());
    let view = present::view(&dataset("12000.00"), &document, false).unwrap();
    assert!(view.mentions[0].contains("article L5211-4-2 du CGCT"));
    assert_eq!(view.totals.len(), 1);
}
