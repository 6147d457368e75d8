//! Regularisation against what was billed: the difference of each member is kept exact, the component's total
//! difference is rounded once and split back by those exact differences.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use mutua_alloc::trace::Step;
use mutua_alloc::{Allocation, Charge, ChargeKind, allocate};
use mutua_core::*;
use proptest::prelude::*;
use rust_decimal::Decimal;
use support::*;

fn regularisations(allocation: &Allocation) -> Vec<&Charge> {
    allocation.charges.iter().filter(|c| matches!(c.kind, ChargeKind::Regularisation { .. })).collect()
}

fn exact_difference(charge: &Charge) -> Decimal {
    charge
        .trace
        .steps
        .iter()
        .find_map(|step| match step {
            Step::Regularisation { exact, .. } => Some(*exact),
            _ => None,
        })
        .unwrap()
}

/// Six communes on an equal key of the dispositif's full cost, regularised in S1; `billed` is what each was
/// billed in each semester of 2025.
fn six_equal(forecast: &str, actual: &str, billed: &[[&str; 2]; 6]) -> ValidatedDataset {
    let mut builder = Builder::new();
    for n in 1..=6 {
        builder = builder.numbered_commune(n, 1000);
    }
    builder = builder
        .convention(
            "geo",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms(
                "Convention SIG",
                "2020-01-01",
                None,
                vec![component("cost", Rule::full_cost_pool(Key::Equal))],
            )],
        )
        .with_convention("geo", |c| {
            c.regularisation = Some(RegularisationPolicy { billed_in: RegularisationHalf::S1 })
        })
        .valuation("geo", 2025, ValuationBasis::Forecast, forecast, "1")
        .valuation("geo", 2025, ValuationBasis::Actual, actual, "1")
        .valuation("geo", 2026, ValuationBasis::Forecast, forecast, "1");
    for (n, billed) in billed.iter().enumerate() {
        let member = format!("59{:03}", n + 1);
        builder = builder
            .member("geo", &member, "2020-01-01", None)
            .titre("2025-S1", ("MEL", &member), ("geo", "cost"), billed[0])
            .titre("2025-S2", ("MEL", &member), ("geo", "cost"), billed[1]);
    }
    builder.build()
}

#[test]
fn six_equal_shares_stay_within_a_cent_of_each_other() {
    // Forecast 12,000.00: 1,000.00 a semester each. Actual 12,888.88: each owes 12,888.88 / 6 = 2,148.1466… for
    // the year, 148.1466… more than billed. The total, 888.88, is split back: floors 148.14 × 6 = 888.84, and
    // the 4 cents left go to the equal remainders by ascending payer.
    let billed = [["1000.00", "1000.00"]; 6];
    let dataset = six_equal("12000.00", "12888.88", &billed);
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let lines: Vec<(String, Amount)> =
        regularisations(&allocation).iter().map(|c| (c.payer.to_string(), c.amount)).collect();
    assert_eq!(
        lines,
        [
            ("59001".to_owned(), amount("148.15")),
            ("59002".to_owned(), amount("148.15")),
            ("59003".to_owned(), amount("148.15")),
            ("59004".to_owned(), amount("148.15")),
            ("59005".to_owned(), amount("148.14")),
            ("59006".to_owned(), amount("148.14")),
        ]
    );
    for charge in regularisations(&allocation) {
        let exact = exact_difference(charge);
        assert_eq!(Rounding::HalfUp.apply(exact, 10), Decimal::new(1_481_466_666_667, 10));
        assert!((charge.amount.to_decimal() - exact).abs() < Decimal::new(1, 2));
    }
}

#[test]
fn what_was_billed_is_read_not_recomputed() {
    // One commune was billed 10.00 less in S2 than the forecast says (a correction after the titre): the
    // regularisation bills the 10.00 back with the actual's difference, and its trace names the titres.
    let mut billed = [["1000.00", "1000.00"]; 6];
    billed[2][1] = "990.00";
    let dataset = six_equal("12000.00", "12000.00", &billed);
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let lines = regularisations(&allocation);
    assert_eq!(lines.len(), 1, "only the commune billed less is regularised");
    assert_eq!((lines[0].payer.as_str(), lines[0].amount), ("59003", amount("10.00")));
    let titres: Vec<&str> = lines[0]
        .trace
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Billed { source, .. } => source.number(),
            _ => None,
        })
        .collect();
    assert_eq!(titres, ["T-5", "T-6"]);
}

#[test]
fn a_semester_nobody_recorded_is_refused() {
    let billed = [["1000.00", "1000.00"]; 6];
    let mut dataset: Dataset = six_equal("12000.00", "12888.88", &billed).into_inner();
    dataset.titres.retain(|t| t.semester == s("2025-S1"));
    let dataset = ValidatedDataset::new(dataset).unwrap();
    let refused = allocate(&dataset, s("2026-S1")).unwrap_err();
    assert_eq!(
        refused,
        mutua_alloc::AllocError::BilledUnknown { convention: "geo".into(), semester: s("2025-S2") }
    );
}

proptest! {
    /// Whatever was billed, the lines add up to the total difference rounded once, each within a cent of its
    /// exact difference.
    #[test]
    fn lines_add_up_to_the_rounded_difference(
        actual in 1_000_000i64..2_000_000_000,
        billed in proptest::collection::vec((0i64..200_000_000, 0i64..200_000_000), 6),
    ) {
        let texts: Vec<[String; 2]> = billed
            .iter()
            .map(|(a, b)| [Amount::from_cents(*a).to_string(), Amount::from_cents(*b).to_string()])
            .collect();
        let refs: Vec<[&str; 2]> = texts.iter().map(|[a, b]| [a.as_str(), b.as_str()]).collect();
        let billed_refs: [[&str; 2]; 6] = refs.try_into().unwrap();
        let actual = Amount::from_cents(actual).to_string();
        let dataset = six_equal("12000.00", &actual, &billed_refs);
        let allocation = allocate(&dataset, s("2026-S1")).unwrap();
        let lines = regularisations(&allocation);
        let sum: Decimal = lines.iter().map(|c| c.amount.to_decimal()).sum();
        if let Some(first) = lines.first() {
            let (exact, total) = first
                .trace
                .steps
                .iter()
                .find_map(|step| match step {
                    Step::RegularisationTotal { exact, total, .. } => Some((*exact, *total)),
                    _ => None,
                })
                .unwrap();
            prop_assert_eq!(total.to_decimal(), sum);
            prop_assert_eq!(Amount::from_decimal(exact, Rounding::HalfUp), total);
        }
        for charge in lines {
            prop_assert!((charge.amount.to_decimal() - exact_difference(charge)).abs() < Decimal::new(1, 2));
        }
    }
}
