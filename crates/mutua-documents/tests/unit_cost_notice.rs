//! The annual D5211-16 unit-cost notice of the bundled dataset: its figures, its CSV, its French view and its
//! refusals.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use chrono::NaiveDate;
use mutua_core::{Amount, CostLine, Rate, ValidatedDataset};
use mutua_documents::{NoticeError, export, present, unit_cost_notices};

fn fixtures() -> ValidatedDataset {
    mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel")).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

#[test]
fn the_bundled_sim_ads_notice_of_2027() {
    let notices = unit_cost_notices(&fixtures(), 2027, date(2026, 11, 16)).unwrap();
    assert_eq!(notices.len(), 1);
    let notice = &notices[0];
    assert_eq!((notice.dispositif.as_str(), notice.issuer.as_str()), ("sim-ads", "MEL"));
    let cost = &notice.cost;
    // Compte administratif 2025: staff 1 × 64,200 + 3.2 × 51,600 + 1 × 43,400 = 272,720.00; + 19,264.37 running
    // + 11,800.00 depreciation = 303,784.37 over 652.4 EPC (465.64).
    assert_eq!(cost.accounts.year, 2025);
    assert_eq!(cost.accounts.full_cost, amount("303784.37"));
    // (line, compte administratif, Σ updates, retained)
    let expected = [
        (CostLine::Staff, "272720.00", "8181.60", "280901.60"),
        (CostLine::RunningCosts, "19264.37", "2800.00", "22064.37"), // + 4,300.00 − 1,500.00
        (CostLine::Depreciation, "11800.00", "1200.00", "13000.00"),
        (CostLine::Subsidies, "0.00", "0.00", "0.00"),
    ];
    for (line, accounts, updates, retained) in expected {
        let derived = cost.line(line).unwrap();
        assert_eq!(
            (derived.accounts, derived.updates, derived.retained),
            (amount(accounts), amount(updates), amount(retained)),
            "{line}"
        );
    }
    // 280,901.60 + 22,064.37 + 13,000.00 = 315,965.97; / 690 EPC = 457.921695… → 457.92.
    assert_eq!(cost.full_cost, amount("315965.97"));
    assert_eq!(cost.unit_cost, Rate::parse("457.92").unwrap());
    assert_eq!(cost.updates.len(), 4);
    assert_eq!(notice.unit_labels(), ["équivalent PC"]);
    assert_eq!(notice.conventions.len(), 1);
    assert_eq!(notice.conventions[0].tariffs[0].basis.weights.len(), 6);
    // The 22 members of the SIM ADS.
    assert_eq!(notice.members.len(), 22);

    let csv = String::from_utf8(export::unit_cost_csv(notice).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], export::UNIT_COST_HEADER);
    assert_eq!(lines.len(), 1 + 7 + 4 + 7);
    assert_eq!(lines[5], "sim-ads,2027,2026-11-16,2025,accounts,full_cost,303784.37,EUR,");
    assert_eq!(lines[7], "sim-ads,2027,2026-11-16,2025,accounts,unit_cost,465.64,EUR/équivalent PC,");
    assert_eq!(
        lines[10],
        "sim-ads,2027,2026-11-16,2025,update,running_costs,-1500.00,EUR,Fin de la location de l'archivage externe \
         des dossiers au 31 décembre 2026"
    );
    assert_eq!(lines[16], "sim-ads,2027,2026-11-16,2025,retained,full_cost,315965.97,EUR,");
    assert_eq!(lines[17], "sim-ads,2027,2026-11-16,2025,retained,units,690,équivalent PC,");
    assert_eq!(lines[18], "sim-ads,2027,2026-11-16,2025,retained,unit_cost,457.92,EUR/équivalent PC,");

    let view = present::unit_cost_notice::view(&fixtures(), notice).unwrap();
    assert_eq!(
        view.title,
        "Notification du coût unitaire de fonctionnement — article D5211-16 du CGCT — exercice 2027"
    );
    assert!(view.meta.contains(&("Date de notification".to_owned(), "16 novembre 2026".to_owned())));
    assert!(
        view.meta
            .contains(&("Coût unitaire notifié".to_owned(), "457,92\u{a0}€ par équivalent PC".to_owned()))
    );
    let computation = view.sections[0].table.as_ref().unwrap();
    let last = computation.rows.last().unwrap();
    assert_eq!(last.cells[1..], ["465,64\u{a0}€", "", "457,92\u{a0}€"]);
    let total = &computation.rows[4];
    assert_eq!(
        total.cells[1..],
        ["303\u{202f}784,37\u{a0}€", "+12\u{202f}181,60\u{a0}€", "315\u{202f}965,97\u{a0}€"]
    );
}

#[test]
fn notices_are_refused_when_they_cannot_be_established() {
    let dataset = fixtures();
    // 2026 is billed on a free forecast row: no D5211-16 unit cost to notify.
    match unit_cost_notices(&dataset, 2026, date(2025, 11, 16)) {
        Err(NoticeError::NotDerived { year: 2026, dispositifs }) => {
            assert_eq!(dispositifs.len(), 1);
            assert_eq!(dispositifs[0].dispositif.as_str(), "sim-ads");
            assert_eq!(dispositifs[0].free_forecast.as_ref().unwrap().to_string(), "valuations.csv:4");
        }
        other => panic!("{other:?}"),
    }
    // Before the SIM ADS convention (1 July 2015), nothing is billed by unit cost.
    assert_eq!(
        unit_cost_notices(&dataset, 2014, date(2013, 12, 1)),
        Err(NoticeError::NothingToNotify { year: 2014 })
    );
    // The compte administratif 2025 is voted in 2026 at the earliest, and a notice of 2027 is dated by 2027.
    for day in [date(2025, 12, 31), date(2028, 1, 1)] {
        assert_eq!(
            unit_cost_notices(&dataset, 2027, day),
            Err(NoticeError::DateOutOfRange { year: 2027, compte_administratif: 2025, date: day })
        );
    }
    let message = present::unit_cost_notice::notice_error_fr(
        &unit_cost_notices(&dataset, 2026, date(2025, 11, 16)).unwrap_err(),
    );
    assert!(message.starts_with("aucun coût unitaire D5211-16 n'est établi pour 2026"), "{message}");
}

#[test]
fn a_notice_renders_to_the_same_bytes_twice() {
    let dataset = fixtures();
    let notice = &unit_cost_notices(&dataset, 2027, date(2026, 11, 16)).unwrap()[0];
    let fonts = mutua_render::FontSet::dejavu().unwrap();
    let options = mutua_render::RenderOptions::pdfa();
    let first = mutua_documents::render_unit_cost_notice(&dataset, notice, &fonts, &options).unwrap();
    let second = mutua_documents::render_unit_cost_notice(&dataset, notice, &fonts, &options).unwrap();
    assert!(first.starts_with(b"%PDF-1.7"));
    assert_eq!(first, second);
}
