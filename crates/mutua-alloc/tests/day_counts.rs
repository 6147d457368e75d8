//! Day counts (`pro_rata`): a commune joining on 15 March, in 2024 (leap) and 2025, a full-year member and a
//! mid-month leaver under each day count, with the values computed by hand in the comments; a full year adds up
//! to the annual amount under every day count (also as a property over amounts and join dates).
//!
//! 2024: S1 = 1 January – 30 June = 182 days, S2 = 184 days, the year 366. 2025: S1 = 181 days, S2 = 184, the year
//! 365. 15 March – 30 June = 17 + 30 + 31 + 30 = 108 days in both years; it touches 4 months (March to June) and
//! holds 3 whole ones (April to June).
#![allow(clippy::unwrap_used)]

mod support;

use mutua_alloc::trace::{Fraction, Step};
use mutua_alloc::{Allocation, Charge, ChargeKind, allocate};
use mutua_core::*;
use proptest::prelude::*;
use support::*;

const ALL: [ProRata; 5] = [
    ProRata::DaysOfYear,
    ProRata::DaysOfSemester,
    ProRata::MonthsStarted,
    ProRata::MonthsFull,
    ProRata::None,
];

/// The current charges a payer owes for a component, summed over the slices, or zero.
fn owed(allocation: &Allocation, payer: &str, component: &str) -> Amount {
    Amount::checked_sum(charges(allocation, payer, component).iter().map(|charge| charge.amount)).unwrap()
}

fn charges<'a>(allocation: &'a Allocation, payer: &str, component: &str) -> Vec<&'a Charge> {
    allocation
        .charges
        .iter()
        .filter(|c| c.payer.as_str() == payer && c.component == component && c.kind == ChargeKind::Current)
        .collect()
}

/// One commune in a convention with a flat fee of `annual` a year under `pro_rata`, member from `joined` to `left`.
fn flat_fee_dataset(pro_rata: ProRata, annual: &str, joined: &str, left: Option<&str>) -> ValidatedDataset {
    Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            pro_rata,
            vec![terms(
                "Convention",
                "2020-01-01",
                None,
                vec![component("fee", Rule::flat_fee(amount(annual)))],
            )],
        )
        .member("cep", "59005", joined, left)
        .build()
}

fn semesters(dataset: &ValidatedDataset, year: i32) -> (Amount, Amount) {
    let [first, second] = Semester::of_year(year);
    (
        owed(&allocate(dataset, first).unwrap(), "59005", "fee"),
        owed(&allocate(dataset, second).unwrap(), "59005", "fee"),
    )
}

#[test]
fn a_15_march_joiner_under_each_day_count_in_a_leap_and_a_common_year() {
    // (day count, joined, S1, S2): 1,000.00 € a year. S2 is rounded cumulatively: round(1,000 × fraction of the year
    // up to 31 December) − S1.
    let cases = [
        // 1,000 × 108 / 366 = 295.0819… → 295.08; the year: 1,000 × 292 / 366 = 797.8142… → 797.81; S2 = 502.73.
        (ProRata::DaysOfYear, "2024-03-15", "295.08", "502.73"),
        // 1,000 × 108 / 365 = 295.8904… → 295.89; the year: 1,000 × 292 / 365 = 800.00; S2 = 504.11.
        (ProRata::DaysOfYear, "2025-03-15", "295.89", "504.11"),
        // 1,000 × 108 / (2 × 182) = 296.7032… → 296.70; the year: 296.7032… + 500 → 796.70; S2 = 500.00.
        (ProRata::DaysOfSemester, "2024-03-15", "296.70", "500.00"),
        // 1,000 × 108 / (2 × 181) = 298.3425… → 298.34; the year: 798.3425… → 798.34; S2 = 500.00.
        (ProRata::DaysOfSemester, "2025-03-15", "298.34", "500.00"),
        // 4 months started: 1,000 × 4 / 12 = 333.333… → 333.33; the year: 10 / 12 → 833.33; S2 = 500.00.
        (ProRata::MonthsStarted, "2024-03-15", "333.33", "500.00"),
        (ProRata::MonthsStarted, "2025-03-15", "333.33", "500.00"),
        // 3 full months: 1,000 × 3 / 12 = 250.00; the year: 9 / 12 = 750.00; S2 = 500.00.
        (ProRata::MonthsFull, "2024-03-15", "250.00", "500.00"),
        (ProRata::MonthsFull, "2025-03-15", "250.00", "500.00"),
        // Any day makes the semester due: 1,000 / 2 = 500.00, and the rest.
        (ProRata::None, "2024-03-15", "500.00", "500.00"),
        (ProRata::None, "2025-03-15", "500.00", "500.00"),
    ];
    for (pro_rata, joined, first, second) in cases {
        let dataset = flat_fee_dataset(pro_rata, "1000.00", joined, None);
        let year = parse_date(joined).unwrap().format("%Y").to_string().parse().unwrap();
        assert_eq!(semesters(&dataset, year), (amount(first), amount(second)), "{pro_rata:?} {joined}");
    }
}

#[test]
fn a_full_year_adds_up_to_the_annual_amount_under_every_day_count() {
    // 100.01 € a year, a member all year.
    let cases = [
        // 100.01 × 182 / 366 = 49.7318… → 49.73; S2 = 100.01 − 49.73 = 50.28.
        (ProRata::DaysOfYear, 2024, "49.73", "50.28"),
        // 100.01 × 181 / 365 = 49.5940… → 49.59; S2 = 50.42.
        (ProRata::DaysOfYear, 2025, "49.59", "50.42"),
        // Half a year each: 50.005 → 50.01, then round(100.01) − 50.01 = 50.00 (rounding each half alone would
        // bill 50.01 twice, 100.02 for a year of 100.01).
        (ProRata::DaysOfSemester, 2024, "50.01", "50.00"),
        (ProRata::DaysOfSemester, 2025, "50.01", "50.00"),
        (ProRata::MonthsStarted, 2025, "50.01", "50.00"),
        (ProRata::MonthsFull, 2025, "50.01", "50.00"),
        (ProRata::None, 2025, "50.01", "50.00"),
    ];
    for (pro_rata, year, first, second) in cases {
        let dataset = flat_fee_dataset(pro_rata, "100.01", "2020-01-01", None);
        let (s1, s2) = semesters(&dataset, year);
        assert_eq!((s1, s2), (amount(first), amount(second)), "{pro_rata:?} {year}");
        assert_eq!(s1.checked_add(s2).unwrap(), amount("100.01"), "{pro_rata:?} {year}");
    }
}

#[test]
fn a_mid_month_leaver_under_each_day_count() {
    // Left on 20 April 2025 (its last day): 1 January – 20 April = 31 + 28 + 31 + 20 = 110 days, 4 months touched
    // (January to April), 3 whole (January to March). 1,000.00 € a year; nothing in S2.
    let cases = [
        // 1,000 × 110 / 365 = 301.3698… → 301.37
        (ProRata::DaysOfYear, "301.37"),
        // 1,000 × 110 / (2 × 181) = 303.8674… → 303.87
        (ProRata::DaysOfSemester, "303.87"),
        // 1,000 × 4 / 12 = 333.33
        (ProRata::MonthsStarted, "333.33"),
        // 1,000 × 3 / 12 = 250.00
        (ProRata::MonthsFull, "250.00"),
        // the whole semester
        (ProRata::None, "500.00"),
    ];
    for (pro_rata, first) in cases {
        let dataset = flat_fee_dataset(pro_rata, "1000.00", "2020-01-01", Some("2025-04-20"));
        assert_eq!(semesters(&dataset, 2025), (amount(first), Amount::ZERO), "{pro_rata:?}");
    }
}

#[test]
fn the_trace_and_the_basis_name_the_day_count_and_the_fraction() {
    let dataset = flat_fee_dataset(ProRata::DaysOfYear, "1000.00", "2024-03-15", None);
    let allocation = allocate(&dataset, "2024-S1".parse().unwrap()).unwrap();
    let charge = charges(&allocation, "59005", "fee")[0];
    let presence = charge.basis.presence.expect("days of the year always state their fraction");
    assert_eq!(
        (presence.measure, presence.period_measure, presence.months, presence.day_count),
        (108, 366, false, Some(ProRata::DaysOfYear))
    );
    assert_eq!((presence.first, presence.last), (d("2024-03-15"), d("2024-06-30")));
    assert!(charge.trace.steps.contains(&Step::ProRata(presence)));
    // The fraction is of the year: the line's price is the fee per year, not half of it.
    assert_eq!(charge.basis.unit_price, Some(amount("1000.00").to_decimal()));
    // A full semester by days of the year is not a half: 181 / 365 of 1,000.00 = 495.89.
    let full = flat_fee_dataset(ProRata::DaysOfYear, "1000.00", "2020-01-01", None);
    let allocation = allocate(&full, "2025-S1".parse().unwrap()).unwrap();
    let charge = charges(&allocation, "59005", "fee")[0];
    assert_eq!(charge.amount, amount("495.89"));
    let presence = charge.basis.presence.unwrap();
    assert_eq!((presence.measure, presence.period_measure), (181, 365));
    // Under days of the semester, a full member's line is × 1/2: no presence on it.
    let half = flat_fee_dataset(ProRata::DaysOfSemester, "1000.00", "2020-01-01", None);
    let allocation = allocate(&half, "2025-S1".parse().unwrap()).unwrap();
    assert_eq!(charges(&allocation, "59005", "fee")[0].basis.presence, None);
}

#[test]
fn the_cumulative_rounding_is_in_the_trace_when_it_moves_a_cent() {
    let dataset = flat_fee_dataset(ProRata::DaysOfSemester, "100.01", "2020-01-01", None);
    let allocation = allocate(&dataset, "2025-S2".parse().unwrap()).unwrap();
    let charge = charges(&allocation, "59005", "fee")[0];
    // Alone, S2 is 100.01 / 2 = 50.005 → 50.01; the year up to 31 December is 100.01, up to 30 June 50.005 → 50.01
    // already billed: 100.01 − 50.01 = 50.00.
    assert_eq!(charge.trace.exact, "50.005".parse().unwrap());
    assert_eq!(charge.amount, amount("50.00"));
    assert!(charge.trace.steps.contains(&Step::YearToDate {
        before: "50.005".parse().unwrap(),
        billed_before: amount("50.01"),
        through: "100.01".parse().unwrap(),
        billed_through: amount("100.01"),
    }));
    // Where it moves no cent, nothing is added: 1,000.00 a year, S2 = 500.00 either way.
    let round = flat_fee_dataset(ProRata::DaysOfSemester, "1000.00", "2020-01-01", None);
    let allocation = allocate(&round, "2025-S2".parse().unwrap()).unwrap();
    let charge = charges(&allocation, "59005", "fee")[0];
    assert!(!charge.trace.steps.iter().any(|step| matches!(step, Step::YearToDate { .. })));
}

#[test]
fn a_component_may_state_its_own_day_count() {
    // The convention counts days of the semester; its second component counts days of the year.
    let mut own = component("own", Rule::flat_fee(amount("1000.00")));
    own.pro_rata = Some(ProRata::DaysOfYear);
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms(
                "Convention",
                "2020-01-01",
                None,
                vec![component("fee", Rule::flat_fee(amount("1000.00"))), own],
            )],
        )
        .member("cep", "59005", "2024-03-15", None)
        .build();
    let allocation = allocate(&dataset, "2024-S1".parse().unwrap()).unwrap();
    // 1,000 × 108 / 364 = 296.70 by the convention's count; 1,000 × 108 / 366 = 295.08 by the component's.
    assert_eq!(owed(&allocation, "59005", "fee"), amount("296.70"));
    assert_eq!(owed(&allocation, "59005", "own"), amount("295.08"));
}

#[test]
fn caps_and_floors_are_their_fraction_of_the_year() {
    // 1,000.00 a year capped at 730.00, by days of the year, a member all of 2025: 730 × 181 / 365 = 362.00 in S1,
    // 730 − 362 = 368.00 in S2. A fee of 100.00 floored at 365.00: 365 × 181 / 365 = 181.00, then 184.00.
    let mut capped = component("capped", Rule::flat_fee(amount("1000.00")));
    capped.cap_per_year = Some(amount("730.00"));
    let mut floored = component("floored", Rule::flat_fee(amount("100.00")));
    floored.floor_per_year = Some(amount("365.00"));
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfYear,
            vec![terms("Convention", "2020-01-01", None, vec![capped, floored])],
        )
        .member("cep", "59005", "2020-01-01", None)
        .build();
    let [s1, s2] = Semester::of_year(2025).map(|semester| allocate(&dataset, semester).unwrap());
    assert_eq!(
        (owed(&s1, "59005", "capped"), owed(&s2, "59005", "capped")),
        (amount("362.00"), amount("368.00"))
    );
    assert_eq!(
        (owed(&s1, "59005", "floored"), owed(&s2, "59005", "floored")),
        (amount("181.00"), amount("184.00"))
    );
}

#[test]
fn a_pool_counted_by_days_of_the_year_splits_the_year_by_its_semesters_days() {
    // A fixed pool of 3,650.00 a year, one member: S1 2025 = 3,650 × 181 / 365 = 1,810.00, S2 = the rest, 1,840.00.
    // By days of the semester it would be 1,825.00 each.
    let pool = |pro_rata| {
        Builder::new()
            .commune("59005", 0, 3545)
            .convention(
                "geo",
                "MEL",
                Flow::MembersPayProvider,
                pro_rata,
                vec![terms(
                    "Convention",
                    "2020-01-01",
                    None,
                    vec![component("pool", Rule::fixed_pool(amount("3650.00"), Key::Equal))],
                )],
            )
            .member("geo", "59005", "2020-01-01", None)
            .build()
    };
    let cases = [
        (ProRata::DaysOfYear, "1810.00", "1840.00", (181, 365)),
        (ProRata::DaysOfSemester, "1825.00", "1825.00", (1, 2)),
    ];
    for (pro_rata, first, second, (numerator, denominator)) in cases {
        let dataset = pool(pro_rata);
        let [s1, s2] = Semester::of_year(2025).map(|semester| allocate(&dataset, semester).unwrap());
        assert_eq!((owed(&s1, "59005", "pool"), owed(&s2, "59005", "pool")), (amount(first), amount(second)));
        let charge = charges(&s1, "59005", "pool")[0];
        assert!(charge.trace.steps.iter().any(|step| matches!(
            step,
            Step::SemesterPart { fraction, .. } if *fraction == Fraction { numerator, denominator }
        )));
    }
}

/// The fraction of its year a membership from `joined` to 31 December stands for, counted by hand: what S1 and S2
/// must add up to (rounded once).
fn year_fraction(pro_rata: ProRata, joined: chrono::NaiveDate) -> (i64, i64) {
    use chrono::Datelike as _;
    let year = joined.year();
    let days_to_end = |last: chrono::NaiveDate| (last - joined).num_days() + 1;
    let june = chrono::NaiveDate::from_ymd_opt(year, 6, 30).unwrap();
    let december = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
    let year_days = days_to_end(december) + i64::from(joined.ordinal0());
    let s1_days = days_to_end(june) + i64::from(joined.ordinal0());
    let in_s1 = joined <= june;
    let month = i64::from(joined.month());
    match pro_rata {
        ProRata::DaysOfYear => (days_to_end(december), year_days),
        // S1 days / (2 × S1) + S2 days / (2 × 184), over the common denominator 4 × S1 × 184.
        ProRata::DaysOfSemester => {
            let (first, second) = if in_s1 { (days_to_end(june), 184) } else { (0, days_to_end(december)) };
            (first * 2 * 184 + second * 2 * s1_days, 4 * s1_days * 184)
        }
        ProRata::MonthsStarted => (13 - month, 12),
        ProRata::MonthsFull => (12 - month + i64::from(joined.day() == 1), 12),
        ProRata::None => (if in_s1 { 2 } else { 1 }, 2),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the amount, the year and the day of joining: S1 + S2 = the annual amount × the fraction of the year
    /// present, rounded once (half up) — the annual amount itself for a member all year.
    #[test]
    fn semesters_add_up_to_the_year(
        annual_cents in 1i64..100_000_000_000,
        leap in any::<bool>(),
        day in 0u32..365,
        count in 0usize..5,
    ) {
        let pro_rata = ALL[count];
        let year = if leap { 2024 } else { 2025 };
        let annual = Amount::from_cents(annual_cents);
        let joined = chrono::NaiveDate::from_yo_opt(year, day + 1).unwrap();
        let dataset = flat_fee_dataset(pro_rata, &annual.to_string(), &joined.to_string(), None);
        let (s1, s2) = semesters(&dataset, year);
        let (numerator, denominator) = year_fraction(pro_rata, joined);
        let expected = Amount::from_decimal(
            annual.to_decimal() * rust_decimal::Decimal::from(numerator) / rust_decimal::Decimal::from(denominator),
            Rounding::HalfUp,
        );
        prop_assert_eq!(s1.checked_add(s2).unwrap(), expected, "{:?} joined {}", pro_rata, joined);
        // A member all year: exactly the annual amount.
        let always = flat_fee_dataset(pro_rata, &annual.to_string(), "2020-01-01", None);
        let (s1, s2) = semesters(&always, year);
        prop_assert_eq!(s1.checked_add(s2).unwrap(), annual, "{:?} all year", pro_rata);
    }
}

#[test]
fn a_per_inhabitant_tariff_joined_on_15_march_2025_by_days_of_the_year() {
    // 3,545 inhabitants × 1.20 € = 4,254.00 a year; joined 15 March 2025: 4,254 × 108 / 365 = 1,258.7178… →
    // 1,258.72; S2: round(4,254 × 292 / 365) = 3,403.20 − 1,258.72 = 2,144.48.
    let rule = Rule::per_inhabitant(rate("1.20"));
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfYear,
            vec![terms("Convention", "2020-01-01", None, vec![component("fee", rule)])],
        )
        .member("cep", "59005", "2025-03-15", None)
        .build();
    assert_eq!(semesters(&dataset, 2025), (amount("1258.72"), amount("2144.48")));
}
