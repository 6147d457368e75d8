//! Each rule on a small dataset, with expected values computed by hand in the comments.

mod support;

use mutua_alloc::{Allocation, ChargeKind, allocate};
use mutua_core::*;
use rust_decimal::Decimal;
use support::*;

/// The amount a payer owes a payee for a component in the allocation (summing slices), or `None`.
fn owed(allocation: &Allocation, payer: &str, payee: &str, component: &str) -> Option<Amount> {
    let matching: Vec<Amount> = allocation
        .charges
        .iter()
        .filter(|c| c.payer.as_str() == payer && c.payee.as_str() == payee && c.component == component)
        .filter(|c| c.kind == ChargeKind::Current || matches!(c.kind, ChargeKind::CeeShare { .. }))
        .map(|c| c.amount)
        .collect();
    (!matching.is_empty()).then(|| Amount::checked_sum(matching).expect("no overflow"))
}

fn per_inhabitant(rate_text: &str) -> Rule {
    Rule::PerInhabitant(PerInhabitant { rate_per_year: rate(rate_text), population: municipale() })
}

#[test]
fn per_inhabitant_with_mid_semester_join_and_floor() {
    let mut cep = component("cep", per_inhabitant("1.20"));
    cep.floor_per_year = Some(amount("400.00"));
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .commune("59009", 1, 3545)
        .commune("59011", 2, 231)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention CEP", "2020-01-01", None, vec![cep])],
        )
        .member("cep", "59005", "2021-06-01", None)
        .member("cep", "59009", "2026-03-15", None)
        .member("cep", "59011", "2021-06-01", None)
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let cases = [
        // 3,545 × 1.20 / 2 = 2,127.00
        ("59005", "2127.00"),
        // 3,545 × 1.20 × 108 / (2 × 181) = 1,269.1491… (15 March – 30 June is 108 of 181 days)
        ("59009", "1269.15"),
        // 231 × 1.20 / 2 = 138.60, under the floor of 400.00 / 2 = 200.00
        ("59011", "200.00"),
    ];
    for (member, expected) in cases {
        assert_eq!(owed(&allocation, member, "MEL", "cep"), Some(amount(expected)), "{member}");
    }
    let joiner = allocation.charges.iter().find(|c| c.payer.as_str() == "59009").unwrap();
    let presence = joiner.basis.presence.expect("a partial presence on the basis");
    assert_eq!((presence.measure, presence.period_measure, presence.months), (108, 181, false));
    assert_eq!(presence.first, chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
    assert!(joiner.trace.steps.contains(&mutua_alloc::trace::Step::ProRata(presence)));
}

#[test]
fn band_tariffs_flat_and_marginal() {
    let bands = |mode, values: [&str; 3]| {
        Rule::PopulationBands(PopulationBands {
            mode,
            population: municipale(),
            bands: vec![
                Band { from: 0, to: Some(1999), value: rate(values[0]) },
                Band { from: 2000, to: Some(9999), value: rate(values[1]) },
                Band { from: 10000, to: None, value: rate(values[2]) },
            ],
        })
    };
    let dataset = Builder::new()
        .commune("59005", 0, 1500)
        .commune("59009", 1, 10847)
        .convention(
            "rgpd",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::MonthsStarted,
            vec![terms(
                "Convention RGPD",
                "2020-01-01",
                None,
                vec![
                    component("forfait", bands(BandMode::Flat, ["900", "3000", "4800"])),
                    component("marginal", bands(BandMode::Marginal, ["1", "0.5", "0.25"])),
                ],
            )],
        )
        .member("rgpd", "59005", "2020-01-01", None)
        // Leaves on 30 April: 4 months started of 6.
        .member("rgpd", "59009", "2020-01-01", Some("2026-04-30"))
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let cases = [
        // Flat: 900 / 2 = 450.00
        ("59005", "forfait", "450.00"),
        // Flat: 4,800 × 4 / (2 × 6) = 1,600.00
        ("59009", "forfait", "1600.00"),
        // Marginal: 1,500 × 1 / 2 = 750.00
        ("59005", "marginal", "750.00"),
        // Marginal: (1,999 × 1 + 8,000 × 0.5 + 848 × 0.25) = 6,211 a year; × 4 / 12 = 2,070.333… → 2,070.33
        ("59009", "marginal", "2070.33"),
    ];
    for (member, component, expected) in cases {
        assert_eq!(
            owed(&allocation, member, "MEL", component),
            Some(amount(expected)),
            "{member} {component}"
        );
    }
}

#[test]
fn pool_share_moves_with_a_mid_semester_join() {
    let pool = Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: amount("1000.00") },
        key: Key::Population { population: municipale() },
    });
    let dataset = Builder::new()
        .commune("59005", 0, 1000)
        .commune("59009", 1, 1000)
        .convention(
            "geo",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Règlement", "2020-01-01", None, vec![component("variable", pool)])],
        )
        .member("geo", "59005", "2020-01-01", None)
        .member("geo", "59009", "2026-04-01", None)
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // Semester pool 500.00; weights 1,000 × 181 days and 1,000 × 91 days (1 April – 30 June).
    // 500 × 181 / 272 = 332.7205… → 332.72; 500 × 91 / 272 = 167.2794… → 167.27; the left-over cent goes to
    // the larger remainder (0.94 > 0.05): 167.28.
    assert_eq!(owed(&allocation, "59005", "MEL", "variable"), Some(amount("332.72")));
    assert_eq!(owed(&allocation, "59009", "MEL", "variable"), Some(amount("167.28")));
    let pool = allocation.pools.iter().find(|p| p.convention.as_str() == "geo").unwrap();
    assert_eq!((pool.pool, pool.allocated), (amount("500.00"), amount("500.00")));
    let moved = allocation.charges.iter().find(|c| c.payer.as_str() == "59009").unwrap();
    assert_eq!(moved.trace.remainder_cents, 1);
}

#[test]
fn unit_cost_with_regularisation_credit() {
    let rule = Rule::UnitCost(UnitCost { basis: basis("ads", &[("PC", "1"), ("DP", "0.5")]) });
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "ads",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention ADS", "2020-01-01", None, vec![component("files", rule)])],
        )
        .with_convention("ads", |c| {
            c.regularisation = Some(RegularisationPolicy { billed_in: RegularisationHalf::S1 })
        })
        .member("ads", "59005", "2020-01-01", None)
        .activity("ads", "59005", "2025-S1", "ads", "PC", "10")
        .activity("ads", "59005", "2025-S2", "ads", "PC", "5")
        .activity("ads", "59005", "2025-S2", "ads", "DP", "2")
        .activity("ads", "59005", "2026-S1", "ads", "PC", "8")
        // Forecast 2025: 100,000 / 1,000 = 100.00 per unit; actual 2025: 90,000 / 1,000 = 90.00.
        .valuation("ads", 2025, ValuationBasis::Forecast, "100000.00", "1000")
        .valuation("ads", 2025, ValuationBasis::Actual, "90000.00", "1000")
        // Forecast 2026: 105,000 / 1,000 = 105.00.
        .valuation("ads", 2026, ValuationBasis::Forecast, "105000.00", "1000")
        // What the finance system billed for 2025 on the forecast: 10 × 100 = 1,000.00, then 6 × 100 = 600.00.
        .titre("2025-S1", ("MEL", "59005"), ("ads", "files"), "1000.00")
        .titre("2025-S2", ("MEL", "59005"), ("ads", "files"), "600.00")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // 2026-S1: 8 units × 105.00 = 840.00.
    assert_eq!(owed(&allocation, "59005", "MEL", "files"), Some(amount("840.00")));
    // 2025 billed: 1,600.00; due on the actual: 10 × 90 + 6 × 90 = 1,440.00.
    let regularisation = allocation
        .charges
        .iter()
        .find(|c| c.kind == ChargeKind::Regularisation { year: 2025 })
        .expect("a regularisation line");
    assert_eq!(regularisation.amount, amount("-160.00"));
    assert_eq!(
        regularisation.trace.steps.last(),
        Some(&mutua_alloc::trace::Step::RegularisationTotal {
            exact: Decimal::from(-160),
            total: amount("-160.00"),
            rounding: Rounding::HalfUp,
        })
    );
    // No regularisation in S2.
    let s2 = allocate(&dataset, s("2026-S2"));
    assert!(matches!(s2, Err(mutua_alloc::AllocError::MissingValuation { .. }) | Ok(_)));
}

#[test]
fn cee_deposit_with_both_kinds_and_a_fee() {
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .commune("59009", 1, 62868)
        .syndicate("FEAL")
        .convention(
            "cee",
            "MEL",
            Flow::ProviderPaysMembers,
            ProRata::DaysOfSemester,
            vec![terms(
                "Convention CEE",
                "2020-01-01",
                None,
                vec![component(
                    "cee",
                    Rule::CeeRedistribution(CeeRedistribution {
                        management_fee_percent: Ratio::parse("5").unwrap(),
                    }),
                )],
            )],
        )
        .member("cee", "59005", "2022-01-01", None)
        .member("cee", "59009", "2022-01-01", None)
        .member("cee", "FEAL", "2022-01-01", None)
        .deposit("d4", "cee", "2026-03-18", "8.00", "12.50")
        .operation("d4", "59005", CeeKind::Classique, "1000000")
        .operation("d4", "59009", CeeKind::Classique, "500000")
        .operation("d4", "MEL", CeeKind::Classique, "250000")
        .operation("d4", "59005", CeeKind::Precarite, "200000")
        .operation("d4", "FEAL", CeeKind::Precarite, "100000")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // Classique: 1,750 MWh × 8.00 = 14,000.00; fee 5 % = 700.00; net 13,300.00 split 4:2:1.
    // Précarité: 300 MWh × 12.50 = 3,750.00; fee 187.50; net 3,562.50 split 2:1.
    let cases = [
        ("59005", "d4-classique", "7600.00"),
        ("59009", "d4-classique", "3800.00"),
        ("MEL", "d4-classique", "1900.00"),
        ("59005", "d4-precarite", "2375.00"),
        ("FEAL", "d4-precarite", "1187.50"),
    ];
    for (beneficiary, component, expected) in cases {
        assert_eq!(
            owed(&allocation, "MEL", beneficiary, component),
            Some(amount(expected)),
            "{beneficiary} {component}"
        );
    }
    let pools: Vec<(Amount, Amount)> = allocation.pools.iter().map(|p| (p.pool, p.allocated)).collect();
    assert_eq!(pools, vec![(amount("13300.00"), amount("13300.00")), (amount("3562.50"), amount("3562.50"))]);
    // Not sold in S2.
    assert!(allocate(&dataset, s("2026-S2")).unwrap().charges.is_empty());
}

#[test]
fn lille_bills_the_members_and_the_mel_by_fixed_percentages() {
    let shares = [("MEL", "40"), ("59005", "35"), ("59009", "25")]
        .into_iter()
        .map(|(party, share)| (pid(party), Ratio::parse(share).unwrap()))
        .collect();
    let rule = Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: amount("380000.00") },
        key: Key::FixedPercentages { shares, absent: mutua_core::AbsentShares::Unbilled },
    });
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .commune("59009", 1, 62868)
        .commune("59350", 7, 238246)
        .convention(
            "carrieres",
            "59350",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention carrières", "2020-01-01", None, vec![component("service", rule)])],
        )
        .member("carrieres", "MEL", "2020-01-01", None)
        .member("carrieres", "59005", "2020-01-01", None)
        .member("carrieres", "59009", "2020-01-01", None)
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // 190,000.00 for the semester: 40 % = 76,000.00, 35 % = 66,500.00, 25 % = 47,500.00, all owed to Lille.
    for (payer, expected) in [("MEL", "76000.00"), ("59005", "66500.00"), ("59009", "47500.00")] {
        assert_eq!(owed(&allocation, payer, "59350", "service"), Some(amount(expected)), "{payer}");
    }
}

#[test]
fn provider_pays_members_for_housing_files() {
    let rule = Rule::UnitPrice(UnitPrice {
        basis: basis("housing", &[("APML", "1"), ("DML", "0.3")]),
        price: rate("70.00"),
        tiers: vec![],
    });
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "logement",
            "MEL",
            Flow::ProviderPaysMembers,
            ProRata::DaysOfSemester,
            vec![terms("Convention logement", "2020-01-01", None, vec![component("files", rule)])],
        )
        .member("logement", "59005", "2023-01-01", None)
        .activity("logement", "59005", "2026-S1", "housing", "APML", "12")
        .activity("logement", "59005", "2026-S1", "housing", "DML", "5")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // (12 × 1 + 5 × 0.3) × 70.00 = 13.5 × 70 = 945.00, paid by the MEL to the commune.
    assert_eq!(owed(&allocation, "MEL", "59005", "files"), Some(amount("945.00")));
    assert!(allocation.charges[0].provider_pays);
}

#[test]
fn index_revision_degressive_price_and_amendment() {
    let mut hours = component(
        "hours",
        Rule::UnitPrice(UnitPrice {
            basis: basis("hours", &[("hour", "1")]),
            price: rate("68.00"),
            tiers: vec![],
        }),
    );
    hours.revision = Some(IndexRevision {
        index: "SYNTEC".into(),
        base: "2025-01".into(),
        from: d("2026-01-01"),
        coefficient_decimals: 4,
    });
    let pages = component(
        "pages",
        Rule::UnitPrice(UnitPrice {
            basis: basis("printing", &[("A4", "1"), ("A3", "2")]),
            price: rate("0.025"),
            tiers: vec![PriceTier { from: Quantity::parse("20000").unwrap(), price: rate("0.020") }],
        }),
    );
    let fee = |value: &str| component("fee", Rule::FlatFee(FlatFee { amount_per_year: amount(value) }));
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .index("SYNTEC", "2025-01", "300.0")
        .index("SYNTEC", "2025-12", "309.1")
        .convention(
            "mixed",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![
                terms("Convention", "2020-01-01", None, vec![hours.clone(), pages.clone(), fee("1000.00")]),
                terms("Avenant n° 1", "2026-04-01", None, vec![hours, pages, fee("1200.00")]),
            ],
        )
        .member("mixed", "59005", "2020-01-01", None)
        .activity("mixed", "59005", "2026-S1", "hours", "hour", "10")
        .activity("mixed", "59005", "2026-S1", "printing", "A4", "15000")
        .activity("mixed", "59005", "2026-S1", "printing", "A3", "5000")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // Flat fee: 1,000 × 90 / 362 = 248.618… → 248.62 (January–March), 1,200 × 91 / 362 = 301.657… → 301.66.
    let fees: Vec<Amount> =
        allocation.charges.iter().filter(|c| c.component == "fee").map(|c| c.amount).collect();
    assert_eq!(fees, vec![amount("248.62"), amount("301.66")]);
    // Hours, split across the two slices (90 and 91 days of 181): coefficient 309.1 / 300 = 1.0303.
    // 10 × 90/181 × 68 = 338.1215…, × 1.0303 = 348.3666… → 348.37;
    // 10 × 91/181 × 68 = 341.8784…, × 1.0303 = 352.2374… → 352.24.
    let hours: Vec<Amount> =
        allocation.charges.iter().filter(|c| c.component == "hours").map(|c| c.amount).collect();
    assert_eq!(hours, vec![amount("348.37"), amount("352.24")]);
    // Pages: 25,000 equivalent pages (15,000 A4 + 5,000 A3 × 2) in the semester, spread over its 181 days: the
    // first slice (90 days) counts pages 0 to 12,430.9392…, the second from there to 25,000. The 20,000 tier is
    // reached in the second slice, whatever the amendment:
    //   12,430.9392… × 0.025 = 310.7734… → 310.77 (slice 1)
    //    7,569.0607… × 0.025 = 189.2265… → 189.23 (slice 2, up to the 20,000th page)
    //    5,000       × 0.020 = 100.00            (slice 2, beyond)
    // 600.00 in all, as 20,000 × 0.025 + 5,000 × 0.020 (not 625.00, each slice restarting the count at zero).
    let pages: Vec<(Amount, Option<Decimal>, Option<Decimal>)> = allocation
        .charges
        .iter()
        .filter(|c| c.component == "pages")
        .map(|c| (c.amount, c.basis.quantity, c.basis.unit_price))
        .collect();
    let d = |text: &str| Decimal::from_str_exact(text).unwrap();
    assert_eq!(
        pages.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![amount("310.77"), amount("189.23"), amount("100.00")]
    );
    // Every printed unit price is a deliberated one, and every line is its quantity × its unit price.
    assert_eq!(
        pages.iter().map(|p| p.2).collect::<Vec<_>>(),
        vec![Some(d("0.025")), Some(d("0.025")), Some(d("0.020"))]
    );
    assert_eq!(pages[2].1, Some(d("5000")));
    for (line_amount, quantity, price) in &pages {
        assert_eq!(*line_amount, Amount::from_decimal(quantity.unwrap() * price.unwrap(), Rounding::HalfUp));
    }
    let total = Amount::checked_sum(pages.iter().map(|p| p.0)).unwrap();
    assert_eq!(total, amount("600.00"));
}

#[test]
fn degressive_tier_applies_beyond_its_threshold() {
    let pages = component(
        "pages",
        Rule::UnitPrice(UnitPrice {
            basis: basis("printing", &[("A4", "1")]),
            price: rate("0.025"),
            tiers: vec![PriceTier { from: Quantity::parse("20000").unwrap(), price: rate("0.020") }],
        }),
    );
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "print",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention", "2020-01-01", None, vec![pages])],
        )
        .member("print", "59005", "2020-01-01", None)
        .activity("print", "59005", "2026-S1", "printing", "A4", "30000")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    // 20,000 × 0.025 + 10,000 × 0.020 = 500 + 200 = 700.00, printed as two lines, one per tier.
    let lines: Vec<(Amount, Option<Decimal>)> = allocation
        .charges
        .iter()
        .filter(|c| c.component == "pages")
        .map(|c| (c.amount, c.basis.quantity))
        .collect();
    assert_eq!(
        lines,
        vec![
            (amount("500.00"), Some(Decimal::from(20_000))),
            (amount("200.00"), Some(Decimal::from(10_000)))
        ]
    );
}

#[test]
fn two_semesters_add_up_to_the_year_exactly() {
    let dataset = Builder::new()
        .commune("59005", 0, 3547)
        .convention(
            "cep",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention", "2020-01-01", None, vec![component("cep", per_inhabitant("1.17"))])],
        )
        .member("cep", "59005", "2020-01-01", None)
        .build();
    let year: Vec<Amount> = ["2026-S1", "2026-S2"]
        .iter()
        .map(|semester| owed(&allocate(&dataset, s(semester)).unwrap(), "59005", "MEL", "cep").unwrap())
        .collect();
    // 3,547 × 1.17 = 4,149.99 a year. S1: 4,149.99 / 2 = 2,074.995 → 2,075.00 (half up). S2, rounded cumulatively:
    // round(4,149.99 × 1) − round(4,149.99 × 1/2) = 4,149.99 − 2,075.00 = 2,074.99. The year is its amount.
    assert_eq!(year, vec![amount("2075.00"), amount("2074.99")]);
    assert_eq!(year[0].checked_add(year[1]).unwrap(), amount("4149.99"));
}
