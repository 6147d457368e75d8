//! What a pool allots to nobody, and why: each reason on a small dataset, with the amounts computed by hand (and
//! by the reference split of `split_properties`), and `pool = allocated + Σ unbilled` to the cent.
#![allow(clippy::unwrap_used, missing_docs)]

mod support;

use mutua_alloc::{Allocation, ChargeKind, PoolSummary, UnbilledReason, allocate};
use mutua_core::*;
use support::*;

fn share_of(allocation: &Allocation, payer: &str, component: &str) -> Option<Amount> {
    allocation
        .charges
        .iter()
        .find(|c| c.payer.as_str() == payer && c.component == component && c.kind == ChargeKind::Current)
        .map(|c| c.amount)
}

fn only_pool(allocation: &Allocation) -> &PoolSummary {
    assert_eq!(allocation.pools.len(), 1, "{:?}", allocation.pools);
    let pool = &allocation.pools[0];
    let accounted = pool.allocated.checked_add(pool.unbilled_total().unwrap()).unwrap();
    assert_eq!(accounted, pool.pool, "pool = allocated + Σ unbilled");
    pool
}

fn percentages(absent: AbsentShares) -> ValidatedDataset {
    let shares = [("MEL", "40"), ("59005", "35"), ("59009", "25")]
        .into_iter()
        .map(|(party, share)| (pid(party), Ratio::parse(share).unwrap()))
        .collect();
    let rule = Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: amount("380000.00") },
        key: Key::FixedPercentages { shares, absent },
    });
    Builder::new()
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
        // Leaves after 90 of the 181 days of 2026-S1.
        .member("carrieres", "59009", "2020-01-01", Some("2026-03-31"))
        .build()
}

#[test]
fn a_departed_members_percentage_is_unbilled_unless_the_convention_rescales() {
    // Weights: 40 × 181 = 7,240; 35 × 181 = 6,335; 25 × 90 = 2,250; absent 100 × 181 − 15,825 = 2,275.
    // 190,000.00 × each / 18,100: 76,000.00; 66,500.00; 23,618.7845 → 23,618.78; 23,881.2154 → 23,881.22
    // (the one cent left goes to the largest remainder, the absent part's .54 over .45).
    let allocation = allocate(&percentages(AbsentShares::Unbilled), s("2026-S1")).unwrap();
    for (payer, expected) in [("MEL", "76000.00"), ("59005", "66500.00"), ("59009", "23618.78")] {
        assert_eq!(share_of(&allocation, payer, "service"), Some(amount(expected)), "{payer}");
    }
    let pool = only_pool(&allocation);
    assert_eq!(pool.unbilled.len(), 1);
    assert_eq!(pool.unbilled[0].amount, amount("23881.22"));
    assert_eq!(pool.unbilled[0].reason, UnbilledReason::AbsentMembers { members: vec![pid("59009")] });
    // Rescaled: 190,000.00 × each / 15,825: 86,925.75; 76,060.03; 27,014.22 — the others pay the departed share.
    let allocation = allocate(&percentages(AbsentShares::Rescale), s("2026-S1")).unwrap();
    for (payer, expected) in [("MEL", "86925.75"), ("59005", "76060.03"), ("59009", "27014.22")] {
        assert_eq!(share_of(&allocation, payer, "service"), Some(amount(expected)), "{payer}");
    }
    assert!(only_pool(&allocation).unbilled.is_empty());
    // A full semester of everyone: nothing unbilled either way.
    let allocation = allocate(&percentages(AbsentShares::Unbilled), s("2025-S2")).unwrap();
    assert!(only_pool(&allocation).unbilled.is_empty());
}

fn equal_pool(cap: Option<&str>) -> Builder {
    let rule = Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: amount("1000.00") },
        key: Key::Equal,
    });
    let mut part = component("part", rule);
    part.cap_per_year = cap.map(amount);
    Builder::new().commune("59005", 0, 3545).commune("59009", 1, 62868).convention(
        "pool",
        "MEL",
        Flow::MembersPayProvider,
        ProRata::DaysOfSemester,
        vec![terms("Convention", "2020-01-01", None, vec![part])],
    )
}

#[test]
fn a_pool_without_a_member_present_is_reported_unbilled() {
    let dataset = equal_pool(None)
        .member("pool", "59005", "2020-01-01", Some("2025-12-31"))
        .member("pool", "59009", "2020-01-01", Some("2025-06-30"))
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let pool = only_pool(&allocation);
    assert_eq!((pool.pool, pool.allocated), (amount("500.00"), Amount::ZERO));
    assert_eq!(pool.unbilled[0].reason, UnbilledReason::NoMemberPresent);
    assert!(allocation.charges.is_empty());
}

#[test]
fn what_the_caps_cannot_hold_is_reported_unbilled() {
    // 500.00 for the semester, each member capped at 150.00 a year (75.00 for the semester): 150.00 billed.
    let dataset = equal_pool(Some("150.00"))
        .member("pool", "59005", "2020-01-01", None)
        .member("pool", "59009", "2020-01-01", None)
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    for payer in ["59005", "59009"] {
        assert_eq!(share_of(&allocation, payer, "part"), Some(amount("75.00")), "{payer}");
    }
    let pool = only_pool(&allocation);
    assert_eq!(pool.unbilled[0].amount, amount("350.00"));
    assert_eq!(pool.unbilled[0].reason, UnbilledReason::CapsReached);
}

#[test]
fn an_activity_pool_without_activity_is_reported_unbilled() {
    let rule = Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: amount("800.00") },
        key: Key::Activity(basis("archives", &[("metre", "1")])),
    });
    let dataset = Builder::new()
        .commune("59005", 0, 3545)
        .convention(
            "archives",
            "MEL",
            Flow::MembersPayProvider,
            ProRata::DaysOfSemester,
            vec![terms("Convention", "2020-01-01", None, vec![component("metres", rule)])],
        )
        .member("archives", "59005", "2020-01-01", None)
        .activity("archives", "59005", "2026-S1", "archives", "metre", "0")
        .build();
    let allocation = allocate(&dataset, s("2026-S1")).unwrap();
    let pool = only_pool(&allocation);
    assert_eq!(pool.unbilled[0].amount, amount("400.00"));
    assert_eq!(pool.unbilled[0].reason, UnbilledReason::ZeroKey);
}
