//! Eligibility read over time (`eligibility_check`): a commune of 14,900 inhabitants (millésime 2022, in force in
//! 2025) that grows to 15,204 (millésime 2023, in force in 2026), in a convention for communes under 15,000, under
//! each reading — billed or not in 2026, and the warning before the batch. The batch never fails for it; a member
//! that does not meet the threshold on the day it joins is an error under every reading.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use mutua_alloc::{Allocation, ChargeKind, UnbilledReason, allocate};
use mutua_core::*;
use support::*;

fn owed(allocation: &Allocation, payer: &str, component: &str) -> Amount {
    Amount::checked_sum(
        allocation
            .charges
            .iter()
            .filter(|c| {
                c.payer.as_str() == payer && c.component == component && c.kind == ChargeKind::Current
            })
            .map(|c| c.amount),
    )
    .unwrap()
}

fn below_15000() -> Eligibility {
    Eligibility::PopulationBelow { threshold: 15_000, population: municipale() }
}

/// Two communes in `cep` (valid until 31 December 2026), joined on `joined`: 59009 stays at 3,545 inhabitants;
/// 59005 has 14,900 in millésime 2022 and `later` in millésime 2023. Components: a fee of 1,000.00 a year, a pool of
/// 2,000.00 a year in equal parts, a price of 10.00 per file (each records 3 files a semester).
fn dataset(check: EligibilityCheck, later: u64, joined: &str) -> Dataset {
    let mut builder = Builder::new()
        .commune("59005", 0, 14_900)
        .commune("59009", 1, 3_545)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms(
                "Convention",
                "2020-01-01",
                None,
                vec![
                    component("fee", Rule::flat_fee(amount("1000.00"))),
                    component("pool", Rule::fixed_pool(amount("2000.00"), Key::Equal)),
                    component("files", Rule::unit_price(rate("10"), "ads", "dossier", &["PC"])),
                ],
            )],
        )
        .with_convention("cep", |c| {
            c.eligibility = vec![below_15000(), Eligibility::CommunesOnly];
            c.eligibility_check = check;
            c.validity = DateRange::new(d("2020-01-01"), Some(d("2026-12-31"))).unwrap();
        })
        .member("cep", "59005", joined, None)
        .member("cep", "59009", "2020-01-01", None);
    for semester in ["2025-S2", "2026-S1"] {
        for member in ["59005", "59009"] {
            builder = builder.activity("cep", member, semester, "ads", "PC", "3");
        }
    }
    let mut dataset = builder.dataset;
    dataset.populations.insert(PopulationRecord {
        party: pid("59005"),
        millesime: 2023,
        municipale: later,
        totale: later,
        source: Source::code(),
    });
    dataset
}

#[test]
fn each_reading_with_and_without_a_crossing() {
    // (reading, population 2023, 59005's fee / pool share / files in 2026-S1, 59009's pool share, warning: its
    // reading and the last day billed).
    // Billed: the fee 1,000 / 2 = 500.00; the pool 2,000 / 2 = 1,000.00 in equal parts, 500.00 each (or all of it
    // to 59009 alone); 3 files × 10.00 = 30.00.
    let until_end = Some(d("2026-12-31"));
    let cases = [
        (
            EligibilityCheck::EachYear,
            15_204,
            ("0.00", "0.00", "0.00"),
            "1000.00",
            Some((EligibilityCheck::EachYear, Some(d("2025-12-31")))),
        ),
        (EligibilityCheck::EachYear, 14_999, ("500.00", "500.00", "30.00"), "500.00", None),
        (
            EligibilityCheck::AtJoining,
            15_204,
            ("500.00", "500.00", "30.00"),
            "500.00",
            Some((EligibilityCheck::AtJoining, until_end)),
        ),
        (EligibilityCheck::AtJoining, 14_999, ("500.00", "500.00", "30.00"), "500.00", None),
        (
            EligibilityCheck::UntilEnd,
            15_204,
            ("500.00", "500.00", "30.00"),
            "500.00",
            Some((EligibilityCheck::UntilEnd, until_end)),
        ),
        (EligibilityCheck::UntilEnd, 14_999, ("500.00", "500.00", "30.00"), "500.00", None),
    ];
    for (check, later, (fee, pool, files), other, warning) in cases {
        let validated = ValidatedDataset::new(dataset(check, later, "2025-01-01"))
            .unwrap_or_else(|rejected| panic!("{check:?} {later}: the batch does not fail: {rejected}"));
        let allocation = allocate(&validated, "2026-S1".parse().unwrap()).unwrap();
        let case = format!("{check:?} {later}");
        assert_eq!(owed(&allocation, "59005", "fee"), amount(fee), "{case}");
        assert_eq!(owed(&allocation, "59005", "pool"), amount(pool), "{case}");
        assert_eq!(owed(&allocation, "59005", "files"), amount(files), "{case}");
        assert_eq!(owed(&allocation, "59009", "pool"), amount(other), "{case}");
        // 2025 is billed under every reading: 14,900 < 15,000.
        let before = allocate(&validated, "2025-S2".parse().unwrap()).unwrap();
        assert_eq!(owed(&before, "59005", "fee"), amount("500.00"), "{case}");
        let crossings: Vec<(EligibilityCheck, Option<chrono::NaiveDate>)> = validated
            .warnings()
            .iter()
            .filter_map(|w| match w {
                Warning::NoLongerEligible(crossing) => {
                    assert_eq!(crossing.member, pid("59005"));
                    assert_eq!(crossing.crossing.year, 2026);
                    assert_eq!(crossing.crossing.population.inhabitants, 15_204);
                    assert_eq!(crossing.crossing.population.millesime, 2023);
                    assert_eq!(crossing.crossing.threshold, 15_000);
                    Some((crossing.check, crossing.billed_until))
                }
                _ => None,
            })
            .collect();
        assert_eq!(crossings, warning.into_iter().collect::<Vec<_>>(), "{case}");
        // The files of a member no longer billed are left aside, with a warning of their own.
        let left_aside = validated
            .warnings()
            .iter()
            .filter(|w| matches!(w, Warning::ActivityNotBilled { semester, .. } if semester.to_string() == "2026-S1"))
            .count();
        assert_eq!(left_aside, usize::from(check == EligibilityCheck::EachYear && later == 15_204), "{case}");
    }
}

#[test]
fn a_member_not_eligible_on_the_day_it_joins_is_an_error_under_every_reading() {
    for check in [EligibilityCheck::EachYear, EligibilityCheck::AtJoining, EligibilityCheck::UntilEnd] {
        // Joined on 1 January 2026, when millésime 2023 (15,204) is in force.
        let mut joined_in_2026 = dataset(check, 15_204, "2026-01-01");
        joined_in_2026.activity.retain(|a| a.member != pid("59005") || a.semester.year == 2026);
        let rejected = ValidatedDataset::new(joined_in_2026).unwrap_err();
        let problems: Vec<String> = rejected.errors.iter().map(|e| e.problem.to_string()).collect();
        assert_eq!(
            problems,
            vec![
                "`59005` is not eligible to `cep`: 15204 population municipale (millésime 2023) is not below the \
                 threshold of 15000"
                    .to_owned()
            ],
            "{check:?}"
        );
    }
}

#[test]
fn a_population_missing_for_a_later_year_is_an_error_only_when_it_decides_membership() {
    // Without 59005's millésime 2023, whether it stays in 2026 cannot be told under `each_year`.
    let without_2023 = |check| {
        let mut dataset = dataset(check, 15_204, "2025-01-01");
        let mut populations = PopulationTable::new(3);
        for record in dataset.populations.records() {
            if !(record.party == pid("59005") && record.millesime == 2023) {
                populations.insert(record.clone());
            }
        }
        dataset.populations = populations;
        dataset
    };
    let rejected = ValidatedDataset::new(without_2023(EligibilityCheck::EachYear)).unwrap_err();
    assert!(
        rejected
            .errors
            .iter()
            .any(|e| matches!(&e.problem, Problem::MissingPopulation { millesime: 2023, .. })),
        "{rejected}"
    );
    for check in [EligibilityCheck::AtJoining, EligibilityCheck::UntilEnd] {
        let validated = ValidatedDataset::new(without_2023(check)).unwrap();
        assert!(validated.warnings().is_empty(), "{check:?}");
    }
}

#[test]
fn an_absent_fixed_percentage_follows_the_keys_rule() {
    // 40 % / 60 % of 2,000.00 a year; 59005 leaves on 1 January 2026 (each year): its 40 % of the semester's 1,000.00
    // is unbilled (400.00), 59009 pays its 60 % (600.00); with `absent = "rescale"` 59009 pays it all.
    for (absent, other, unbilled) in
        [(AbsentShares::Unbilled, "600.00", "400.00"), (AbsentShares::Rescale, "1000.00", "0.00")]
    {
        let mut dataset = dataset(EligibilityCheck::EachYear, 15_204, "2025-01-01");
        let convention = dataset.conventions.values_mut().next().unwrap();
        let shares: BTreeMap<PartyId, Ratio> =
            [(pid("59005"), Ratio::parse("40").unwrap()), (pid("59009"), Ratio::parse("60").unwrap())].into();
        convention.terms[0].components[1].rule =
            Rule::fixed_pool(amount("2000.00"), Key::FixedPercentages { shares, absent });
        let validated = ValidatedDataset::new(dataset).unwrap();
        let allocation = allocate(&validated, "2026-S1".parse().unwrap()).unwrap();
        assert_eq!(owed(&allocation, "59005", "pool"), Amount::ZERO, "{absent:?}");
        assert_eq!(owed(&allocation, "59009", "pool"), amount(other), "{absent:?}");
        let pool = allocation.pools.iter().find(|p| p.component == "pool").unwrap();
        assert_eq!(pool.unbilled_total().unwrap(), amount(unbilled), "{absent:?}");
        if absent == AbsentShares::Unbilled {
            assert_eq!(
                pool.unbilled[0].reason,
                UnbilledReason::AbsentMembers { members: vec![pid("59005")] },
                "the member that left is named"
            );
        }
    }
}
