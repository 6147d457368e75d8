//! The D5211-16 unit cost derived from a compte administratif and its updates is the forecast the allocation
//! bills on, and the one the year's regularisation compares with the actual.
#![allow(clippy::unwrap_used, missing_docs)]

use chrono::NaiveDate;
use mutua_alloc::trace::Step;
use mutua_alloc::{AllocError, Billed, BilledSource, ChargeKind, History, allocate, allocate_with};
use mutua_core::{
    ActivityBasis, Amount, ConventionBuilder, CostLine, DatasetBuilder, Ratio, RegularisationHalf,
    RegularisationPolicy, Rule, UnitCost, ValidatedDataset, ValuationBasis,
};
use rust_decimal::Decimal;

fn amount(text: &str) -> Amount {
    Amount::parse(text).unwrap()
}

fn dataset() -> ValidatedDataset {
    let since = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let rule = Rule::UnitCost(UnitCost {
        basis: ActivityBasis {
            activity: "ads".into(),
            unit_label: "équivalent PC".into(),
            weights: [("PC".to_owned(), Ratio::new(Decimal::ONE))].into(),
            labels: Default::default(),
        },
    });
    DatasetBuilder::new("test", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1523)
        .dispositif("ads", "Instruction ADS")
        .convention(
            ConventionBuilder::new("ads", "ads", "MEL", since).component("files", "ADS", rule).with(|c| {
                c.regularisation = Some(RegularisationPolicy { billed_in: RegularisationHalf::S1 })
            }),
        )
        .member("ads", "59005", since, None)
        .activity("ads", "59005", "2026-S1", ("ads", "PC"), "8")
        .activity("ads", "59005", "2026-S2", ("ads", "PC"), "4")
        .activity("ads", "59005", "2027-S1", ("ads", "PC"), "2")
        .valuation("ads", 2025, ValuationBasis::Forecast, "95000.00", "1000")
        // Compte administratif 2025: 90,000.00 € over 1,000 units (90.00).
        .valuation("ads", 2025, ValuationBasis::Actual, "90000.00", "1000")
        // 2026 from the compte administratif 2025: staff 0 + 12,000.00, running 90,000.00 + 6,000.00; 108,000.00
        // / 1,200 forecast units = 90.00.
        .unit_cost("ads", 2026, 2025, "1200", "Budget primitif 2026")
        .unit_cost_update("ads", 2026, CostLine::Staff, "12000.00", "Recrutement d'un instructeur")
        .unit_cost_update("ads", 2026, CostLine::RunningCosts, "6000.00", "Nouveau logiciel")
        // Actual 2026: 110,000.00 / 1,000 = 110.00.
        .valuation("ads", 2026, ValuationBasis::Actual, "110000.00", "1000")
        // 2027 from the compte administratif 2026, unchanged: 110,000.00 / 1,000 = 110.00.
        .unit_cost("ads", 2027, 2026, "1000", "Budget primitif 2027")
        .build()
        .unwrap()
}

#[test]
fn the_derived_unit_cost_is_billed_and_regularised() {
    let dataset = dataset();
    // Nothing was billed in 2025 (no activity): the ledger covers both semesters with no document of `ads`.
    let mut history = History::new();
    for semester in ["2025-S1", "2025-S2"] {
        history.cover(semester.parse().unwrap());
    }
    let s1 = allocate_with(&dataset, "2026-S1".parse().unwrap(), &history).unwrap();
    let charge = s1.charges.iter().find(|c| c.kind == ChargeKind::Current).unwrap();
    // 8 units × 90.00 = 720.00.
    assert_eq!(charge.amount, amount("720.00"));
    let cost = charge.trace.steps.iter().find_map(|step| match step {
        Step::UnitCost(cost) => Some(cost.clone()),
        _ => None,
    });
    let cost = cost.unwrap();
    assert_eq!(
        (cost.basis, cost.year, cost.unit_cost, cost.full_cost, cost.units, cost.document.as_str()),
        (
            ValuationBasis::Forecast,
            2026,
            Decimal::new(9000, 2),
            amount("108000.00"),
            Decimal::from(1200),
            "Budget primitif 2026"
        )
    );
    // What 2026 billed, as its documents would record it.
    let s2 = allocate_with(&dataset, "2026-S2".parse().unwrap(), &history).unwrap();
    for (allocation, number) in [(&s1, "FAC-MEL-2026-000001"), (&s2, "FAC-MEL-2026-000002")] {
        history.cover(allocation.semester);
        for charge in allocation.charges.iter().filter(|c| c.kind == ChargeKind::Current) {
            history.push(Billed {
                semester: allocation.semester,
                convention: charge.convention.clone(),
                component: charge.component.clone(),
                payer: charge.payer.clone(),
                payee: charge.payee.clone(),
                amount: charge.amount,
                source: BilledSource::Document(number.into()),
            });
        }
    }
    let s1_2027 = allocate_with(&dataset, "2027-S1".parse().unwrap(), &history).unwrap();
    // 2027-S1: 2 units × 110.00 = 220.00.
    let current = s1_2027.charges.iter().find(|c| c.kind == ChargeKind::Current).unwrap();
    assert_eq!(current.amount, amount("220.00"));
    // 2026 billed 12 units × 90.00 = 1,080.00 on the derived cost; due 12 × 110.00 = 1,320.00: +240.00.
    let regularisation =
        s1_2027.charges.iter().find(|c| c.kind == ChargeKind::Regularisation { year: 2026 }).unwrap();
    assert_eq!(regularisation.amount, amount("240.00"));
    let billed: Vec<_> = regularisation
        .trace
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Billed { amount, source, .. } => source.number().map(|n| (*amount, n.to_owned())),
            _ => None,
        })
        .collect();
    assert_eq!(
        billed,
        [
            (amount("720.00"), "FAC-MEL-2026-000001".to_owned()),
            (amount("360.00"), "FAC-MEL-2026-000002".to_owned())
        ]
    );
    // Without what 2026 billed, the regularisation is refused, not guessed.
    let refused = allocate(&dataset, "2027-S1".parse().unwrap());
    assert!(matches!(refused, Err(AllocError::BilledUnknown { ref convention, semester })
        if convention == "ads" && semester == "2026-S1".parse().unwrap()));
}
