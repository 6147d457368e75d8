//! Property tests of the pool rules as the engine applies them: random members, populations, activity, join and
//! leave dates, pools. The parts add up to the pool, each is within a cent of its exact quota, the order of the
//! input files changes nothing, more basis never means a smaller share, and two semesters make a year.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;

use mutua_alloc::{Allocation, allocate};
use mutua_core::*;
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
struct Member {
    population: u64,
    /// Days after 1 January 2026 the member joins (0 = a member all along), and days before 30 June it leaves.
    join_offset: i64,
    leave_offset: Option<i64>,
    files: u32,
}

fn member() -> impl Strategy<Value = Member> {
    (
        1u64..300_000,
        prop_oneof![3 => Just(0i64), 1 => 1i64..170],
        proptest::option::weighted(0.2, 0i64..60),
        0u32..80,
    )
        .prop_map(|(population, join_offset, leave_offset, files)| Member {
            population,
            join_offset,
            leave_offset,
            files,
        })
}

#[derive(Debug, Clone, Copy)]
enum KeyKind {
    Population,
    Activity,
    Equal,
}

fn key_kind() -> impl Strategy<Value = KeyKind> {
    prop_oneof![Just(KeyKind::Population), Just(KeyKind::Activity), Just(KeyKind::Equal)]
}

fn pool_rule(kind: KeyKind, annual_cents: i64) -> Rule {
    let key = match kind {
        KeyKind::Population => Key::Population { population: municipale() },
        KeyKind::Activity => Key::Activity(basis("ads", &[("PC", "1"), ("DP", "0.7")])),
        KeyKind::Equal => Key::Equal,
    };
    Rule::PoolShare(PoolShare {
        pool: PoolSource::Fixed { amount_per_year: Amount::from_cents(annual_cents) },
        key,
    })
}

/// Builds the dataset with the memberships in the given order.
fn dataset(
    members: &[Member],
    order: &[usize],
    kind: KeyKind,
    annual_cents: i64,
    pro_rata: ProRata,
) -> ValidatedDataset {
    let mut builder = Builder::new();
    for (index, member) in members.iter().enumerate() {
        builder = builder.numbered_commune(index + 1, member.population);
    }
    builder = builder.convention(
        "pool",
        "MEL",
        Flow::MembersPayProvider,
        pro_rata,
        vec![terms("Convention", "2020-01-01", None, vec![component("pool", pool_rule(kind, annual_cents))])],
    );
    let start = d("2026-01-01");
    for &index in order {
        let member = &members[index];
        let insee = format!("59{:03}", index + 1);
        let joined = if member.join_offset == 0 {
            d("2020-01-01")
        } else {
            start + chrono::TimeDelta::days(member.join_offset)
        };
        let left = member.leave_offset.map(|offset| d("2026-06-30") - chrono::TimeDelta::days(offset));
        let left = left.filter(|left| *left >= joined).map(|left| left.format("%Y-%m-%d").to_string());
        builder = builder.member("pool", &insee, &joined.format("%Y-%m-%d").to_string(), left.as_deref());
    }
    for &index in order.iter().filter(|_| matches!(kind, KeyKind::Activity)) {
        let member = &members[index];
        if member.files > 0 {
            let insee = format!("59{:03}", index + 1);
            builder = builder.activity("pool", &insee, "2026-S1", "ads", "PC", &member.files.to_string());
            builder =
                builder.activity("pool", &insee, "2026-S1", "ads", "DP", &(member.files / 2).to_string());
        }
    }
    builder.build()
}

fn shares(
    allocation: &Allocation,
) -> BTreeMap<String, (Amount, rust_decimal::Decimal, rust_decimal::Decimal)> {
    allocation
        .charges
        .iter()
        .map(|c| {
            (c.payer.to_string(), (c.amount, c.trace.member_basis.unwrap(), c.trace.total_basis.unwrap()))
        })
        .collect()
}

fn any_activity(members: &[Member]) -> bool {
    members.iter().any(|m| m.files > 0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// The shares add up to the semester's pool exactly; each is within one cent of its exact quota.
    #[test]
    fn shares_sum_to_the_pool_and_stay_within_a_cent(
        members in proptest::collection::vec(member(), 1..25),
        kind in key_kind(),
        annual_cents in 0i64..2_000_000_000,
        days in any::<bool>(),
    ) {
        prop_assume!(!matches!(kind, KeyKind::Activity) || any_activity(&members));
        let order: Vec<usize> = (0..members.len()).collect();
        let pro_rata = if days { ProRata::DaysOfSemester } else { ProRata::MonthsStarted };
        let allocation = allocate(&dataset(&members, &order, kind, annual_cents, pro_rata), s("2026-S1")).unwrap();
        let pool = &allocation.pools[0];
        // S1 is half the annual pool, rounded half up.
        let expected_pool = (annual_cents + 1) / 2;
        prop_assert_eq!(pool.pool.cents(), i128::from(expected_pool));
        let total: i128 = allocation.charges.iter().map(|c| c.amount.cents()).sum();
        prop_assert_eq!(total, pool.pool.cents());
        for (_, (amount, weight, total_weight)) in shares(&allocation) {
            // |part × W − pool × w| < W, in exact decimal arithmetic on integers and short decimals.
            let lhs = rust_decimal::Decimal::from_i128_with_scale(amount.cents(), 0) * total_weight;
            let rhs = rust_decimal::Decimal::from_i128_with_scale(pool.pool.cents(), 0) * weight;
            prop_assert!((lhs - rhs).abs() < total_weight, "{amount} for weight {weight} of {total_weight}");
        }
    }

    /// The order of the membership and activity rows changes no member's share, and the same input gives the
    /// same output.
    #[test]
    fn input_order_does_not_matter(
        members in proptest::collection::vec(member(), 1..20),
        kind in key_kind(),
        annual_cents in 1i64..500_000_000,
        seed in any::<u64>(),
    ) {
        prop_assume!(!matches!(kind, KeyKind::Activity) || any_activity(&members));
        let order: Vec<usize> = (0..members.len()).collect();
        let mut shuffled = order.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        let a = allocate(&dataset(&members, &order, kind, annual_cents, ProRata::DaysOfSemester), s("2026-S1")).unwrap();
        let b = allocate(&dataset(&members, &shuffled, kind, annual_cents, ProRata::DaysOfSemester), s("2026-S1")).unwrap();
        prop_assert_eq!(shares(&a), shares(&b));
        let again = allocate(&dataset(&members, &order, kind, annual_cents, ProRata::DaysOfSemester), s("2026-S1")).unwrap();
        prop_assert_eq!(a, again);
    }

    /// Under a population key, a member with more inhabitants and the same presence never pays less.
    #[test]
    fn more_basis_never_means_a_smaller_share(
        members in proptest::collection::vec(member(), 2..20),
        annual_cents in 1i64..500_000_000,
    ) {
        let order: Vec<usize> = (0..members.len()).collect();
        let allocation = allocate(&dataset(&members, &order, KeyKind::Population, annual_cents, ProRata::DaysOfSemester), s("2026-S1")).unwrap();
        let by_member = shares(&allocation);
        let weights: Vec<(rust_decimal::Decimal, Amount)> = by_member.values().map(|(amount, weight, _)| (*weight, *amount)).collect();
        for (w1, a1) in &weights {
            for (w2, a2) in &weights {
                if w1 > w2 {
                    prop_assert!(a1 >= a2, "weight {w1} got {a1} but weight {w2} got {a2}");
                }
            }
        }
    }

    /// A member all year pays, over S1 and S2, its annual per-inhabitant tariff within one cent per semester.
    #[test]
    fn two_semesters_make_the_year(population in 1u64..300_000, rate_thousandths in 1i64..10_000) {
        let rate = rust_decimal::Decimal::new(rate_thousandths, 3);
        let rule = Rule::PerInhabitant(PerInhabitant { rate_per_year: Rate::new(rate), population: municipale() });
        let dataset = Builder::new()
            .numbered_commune(1, population)
            .convention("cep", "MEL", Flow::MembersPayProvider, ProRata::DaysOfSemester, vec![terms("Convention", "2020-01-01", None, vec![component("cep", rule)])])
            .member("cep", "59001", "2020-01-01", None)
            .build();
        let year: i128 = ["2026-S1", "2026-S2"]
            .iter()
            .map(|semester| allocate(&dataset, s(semester)).unwrap().charges.iter().map(|c| c.amount.cents()).sum::<i128>())
            .sum();
        let annual_exact = rust_decimal::Decimal::from(population) * rate * rust_decimal::Decimal::ONE_HUNDRED;
        let difference = (rust_decimal::Decimal::from_i128_with_scale(year, 0) - annual_exact).abs();
        prop_assert!(difference <= rust_decimal::Decimal::ONE, "{year} cents vs {annual_exact}");
    }

    /// A pool split over two semesters: S1 + S2 add up to the annual pool exactly, and each member present all
    /// year gets its two halves within one cent per semester of its annual share.
    #[test]
    fn pool_halves_add_up_to_the_annual_pool(
        populations in proptest::collection::vec(1u64..300_000, 1..15),
        annual_cents in 0i64..2_000_000_000,
    ) {
        let members: Vec<Member> = populations.iter().map(|&population| Member { population, join_offset: 0, leave_offset: None, files: 0 }).collect();
        let order: Vec<usize> = (0..members.len()).collect();
        let dataset = dataset(&members, &order, KeyKind::Population, annual_cents, ProRata::DaysOfSemester);
        let s1 = allocate(&dataset, s("2026-S1")).unwrap();
        let s2 = allocate(&dataset, s("2026-S2")).unwrap();
        prop_assert_eq!(s1.pools[0].pool.cents() + s2.pools[0].pool.cents(), i128::from(annual_cents));
        let total_population: u64 = populations.iter().sum();
        for (member, (a1, _, _)) in shares(&s1) {
            let a2 = shares(&s2)[&member].0;
            let index: usize = member[2..].parse::<usize>().unwrap() - 1;
            let exact = rust_decimal::Decimal::from(annual_cents) * rust_decimal::Decimal::from(populations[index]) / rust_decimal::Decimal::from(total_population);
            let got = rust_decimal::Decimal::from_i128_with_scale(a1.cents() + a2.cents(), 0);
            prop_assert!((got - exact).abs() < rust_decimal::Decimal::TWO, "{member}: {got} vs {exact}");
        }
    }
}
