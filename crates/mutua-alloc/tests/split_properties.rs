//! Property tests of the exact splitter.
//!
//! Every property is checked with exact integer arithmetic written here, never with the splitter's own
//! helpers; [`reference_split`] and [`reference_water_fill`] are deliberately plain re-implementations
//! (a full sort, a fixed-point loop) whose results must equal the real ones. The canary at the end runs the
//! first property against a naive splitter, which rounds each share on its own, to show that the
//! properties do catch a splitter that loses cents.

use std::collections::BTreeMap;

use mutua_alloc::{CappedTarget, Share, SplitError, SplitTarget, split, split_capped, split_equal};
use mutua_core::{Amount, Rounding};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use rust_decimal::Decimal;

/// Cases per property: each property below runs this many random splits.
const CASES: u32 = 8192;

/// The generated weights have at most this many decimals.
const WEIGHT_DECIMALS: u32 = 6;

/// A random split: a total in cents and distinct keys with their weights, in a random order.
#[derive(Debug, Clone)]
struct Case {
    total_cents: i64,
    targets: Vec<SplitTarget<u32>>,
}

impl Case {
    fn total(&self) -> Amount {
        Amount::from_cents(self.total_cents)
    }

    /// Each weight as an integer of millionths: exact, since weights have at most six decimals.
    fn integer_weights(&self) -> Vec<i128> {
        self.targets.iter().map(|target| integer_weight(target.weight)).collect()
    }

    fn keys(&self) -> Vec<u32> {
        self.targets.iter().map(|target| target.key).collect()
    }
}

fn integer_weight(weight: Decimal) -> i128 {
    assert!(weight.scale() <= WEIGHT_DECIMALS, "generated weights have at most six decimals");
    weight.mantissa() * 10_i128.pow(WEIGHT_DECIMALS - weight.scale())
}

/// Totals: zero, small (many ties and zero floors), and up to ±10¹² cents.
fn total_cents() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => Just(0_i64),
        3 => -1_000_i64..=1_000,
        6 => -1_000_000_000_000_i64..=1_000_000_000_000,
    ]
}

/// Weights: zero, small integers (equal weights, so equal remainders), and decimals of 0 to 6 decimals
/// up to 10⁹.
fn weight() -> impl Strategy<Value = Decimal> {
    let decimal = (0..=WEIGHT_DECIMALS, 0..=1_000_000_000_000_000_i64).prop_map(|(scale, raw)| {
        let most = 1_000_000_000_i64 * 10_i64.pow(scale);
        Decimal::new(raw % (most + 1), scale)
    });
    prop_oneof![
        2 => Just(Decimal::ZERO),
        3 => (1_i64..=3).prop_map(Decimal::from),
        10 => decimal,
    ]
}

/// 1 to 199 targets with distinct keys, in random order, at least one weight positive. (A plain vector,
/// deduplicated by key, shrinks well: a failure comes down to a handful of targets.)
fn case() -> impl Strategy<Value = Case> {
    let targets = prop::collection::vec((any::<u32>(), weight()), 1..200);
    (total_cents(), targets).prop_map(|(total_cents, rows)| {
        let mut seen = std::collections::BTreeSet::new();
        let mut targets: Vec<SplitTarget<u32>> = rows
            .into_iter()
            .filter(|&(key, _)| seen.insert(key))
            .map(|(key, weight)| SplitTarget::new(key, weight))
            .collect();
        if targets.iter().all(|target| target.weight.is_zero()) {
            targets[0].weight = Decimal::ONE;
        }
        Case { total_cents, targets }
    })
}

/// A case with a permutation of its targets.
fn case_and_permutation() -> impl Strategy<Value = (Case, Vec<usize>)> {
    case().prop_flat_map(|case| {
        let order: Vec<usize> = (0..case.targets.len()).collect();
        (Just(case), Just(order).prop_shuffle())
    })
}

/// The configuration of every property: [`CASES`] cases; XorShift, because ChaCha, the default generator,
/// takes most of the time of an unoptimized test build; no failure persistence, because a failing case is
/// printed, shrunk, and belongs in a unit test of its own.
fn config() -> Config {
    Config {
        cases: CASES,
        rng_algorithm: RngAlgorithm::XorShift,
        failure_persistence: None,
        ..Config::default()
    }
}

/// The largest remainder method, written plainly: i128, a full sort by (remainder descending, key
/// ascending), the leftover cents to the first ones. Returns the parts in cents, in input order.
fn reference_split(total_cents: i128, weights: &[i128], keys: &[u32]) -> Vec<i128> {
    let magnitude = total_cents.abs();
    let total_weight: i128 = weights.iter().sum();
    let mut parts: Vec<i128> = weights.iter().map(|weight| magnitude * weight / total_weight).collect();
    let remainders: Vec<i128> = weights.iter().map(|weight| magnitude * weight % total_weight).collect();
    let leftover = magnitude - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(keys[a].cmp(&keys[b])));
    for &index in order.iter().take(usize::try_from(leftover).expect("fewer leftover cents than targets")) {
        parts[index] += 1;
    }
    parts.iter().map(|part| part * total_cents.signum()).collect()
}

/// The exact quota `magnitude × weight / Σweight` cents written as euros one digit at a time, up to 28
/// significant digits, truncated: the reference for `Share::quota_exact`.
fn reference_quota(magnitude: i128, weight: i128, total_weight: i128, negative: bool) -> String {
    let whole = magnitude * weight / total_weight;
    let mut rest = magnitude * weight % total_weight;
    let mut digits = whole.to_string();
    let mut fraction = String::new();
    let room = 28_usize.saturating_sub(if whole == 0 { 0 } else { digits.len() }).min(26);
    while rest != 0 && fraction.len() < room {
        rest *= 10;
        fraction.push(char::from(b'0' + u8::try_from(rest / total_weight).expect("a digit")));
        rest %= total_weight;
    }
    while digits.len() < 3 {
        digits.insert(0, '0');
    }
    let (euros, cents) = digits.split_at(digits.len() - 2);
    let sign = if negative && (whole != 0 || !fraction.is_empty()) { "-" } else { "" };
    format!("{sign}{euros}.{cents}{fraction}")
}

fn cents(shares: &[Share<u32>]) -> Vec<i128> {
    shares.iter().map(|share| share.amount.cents()).collect()
}

fn by_key(shares: Vec<Share<u32>>) -> BTreeMap<u32, Share<u32>> {
    shares.into_iter().map(|share| (share.key, share)).collect()
}

/// Property (1), shared with the canary: the parts add up to the total exactly.
fn parts_sum_to_total(
    case: &Case,
    splitter: fn(Amount, &[SplitTarget<u32>]) -> Vec<Amount>,
) -> Result<(), TestCaseError> {
    let parts = splitter(case.total(), &case.targets);
    let sum: i128 = parts.iter().map(|part| part.cents()).sum();
    prop_assert_eq!(sum, i128::from(case.total_cents), "parts {:?}", parts);
    Ok(())
}

fn exact_splitter(total: Amount, targets: &[SplitTarget<u32>]) -> Vec<Amount> {
    split(total, targets).expect("a valid split").into_iter().map(|share| share.amount).collect()
}

/// The canary: each share computed in decimals and rounded half up on its own. Within half a cent of its
/// quota, but the roundings do not add up to the total.
fn naive_splitter(total: Amount, targets: &[SplitTarget<u32>]) -> Vec<Amount> {
    let total_weight: Decimal = targets.iter().map(|target| target.weight).sum();
    targets
        .iter()
        .map(|target| {
            Amount::from_decimal(total.to_decimal() * target.weight / total_weight, Rounding::HalfUp)
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    /// (1) The parts add up to the total exactly.
    #[test]
    fn parts_add_up_to_the_total(case in case()) {
        parts_sum_to_total(&case, exact_splitter)?;
    }

    /// (2) Each part is within one cent of its exact quota: |part × W − total × wᵢ| < W, in integers. The
    /// floor is the quota truncated, the added cent 0 or the sign of the total, and the trace quota is the
    /// exact expansion, truncated at 28 digits.
    #[test]
    fn each_part_is_within_a_cent_of_its_quota(case in case()) {
        let shares = split(case.total(), &case.targets).expect("a valid split");
        let weights = case.integer_weights();
        let total_weight: i128 = weights.iter().sum();
        let total = i128::from(case.total_cents);
        for (share, &weight) in shares.iter().zip(&weights) {
            let part = share.amount.cents();
            prop_assert!((part * total_weight - total * weight).abs() < total_weight, "{:?}", share);
            let floor = share.floor.cents();
            // |floor| = ⌊|quota|⌋: |floor| × W ≤ |total × wᵢ| < (|floor| + 1) × W.
            let (floor_magnitude, exact) = (floor.abs(), (total * weight).abs());
            prop_assert!(floor_magnitude * total_weight <= exact, "floor above the quota: {:?}", share);
            prop_assert!((floor_magnitude + 1) * total_weight > exact, "floor a cent short: {:?}", share);
            prop_assert!(floor == 0 || floor.signum() == total.signum());
            prop_assert!(share.remainder_cents == 0 || i128::from(share.remainder_cents) == total.signum());
            prop_assert_eq!(part, floor + i128::from(share.remainder_cents));
            let quota = reference_quota(total.abs(), weight, total_weight, total < 0);
            prop_assert_eq!(share.quota_exact.to_string(), quota, "{:?}", share);
            prop_assert_eq!(Amount::from_decimal(share.quota_exact, Rounding::TowardZero), share.floor);
        }
    }

    /// The independent oracle: the plain re-implementation gives the same parts, cent for cent.
    #[test]
    fn equals_the_reference_implementation(case in case()) {
        let shares = split(case.total(), &case.targets).expect("a valid split");
        let expected = reference_split(i128::from(case.total_cents), &case.integer_weights(), &case.keys());
        prop_assert_eq!(cents(&shares), expected);
    }

    /// (3) Permuting the targets changes no key's share; (4) the same input gives the same output.
    #[test]
    fn input_order_changes_nothing((case, order) in case_and_permutation()) {
        let shares = split(case.total(), &case.targets).expect("a valid split");
        prop_assert_eq!(&split(case.total(), &case.targets).expect("a valid split"), &shares);
        let permuted: Vec<SplitTarget<u32>> = order.iter().map(|&index| case.targets[index].clone()).collect();
        let permuted_shares = split(case.total(), &permuted).expect("a valid split");
        prop_assert_eq!(permuted_shares.iter().map(|share| share.key).collect::<Vec<_>>(), permuted.iter().map(|target| target.key).collect::<Vec<_>>());
        prop_assert_eq!(by_key(permuted_shares), by_key(shares));
    }

    /// (5) A credit splits like the charge, every figure negated.
    #[test]
    fn a_credit_mirrors_the_charge(case in case()) {
        let shares = split(case.total(), &case.targets).expect("a valid split");
        let credits = split(case.total().negated(), &case.targets).expect("a valid split");
        for (share, credit) in shares.iter().zip(&credits) {
            prop_assert_eq!(credit.amount, share.amount.negated());
            prop_assert_eq!(credit.floor, share.floor.negated());
            prop_assert_eq!(credit.quota_exact, -share.quota_exact);
            prop_assert_eq!(credit.remainder_cents, -share.remainder_cents);
        }
    }

    /// (6) Monotonic: a larger weight never gets a smaller part (in magnitude) than a smaller weight.
    #[test]
    fn a_larger_weight_never_gets_less(case in case()) {
        let shares = split(case.total(), &case.targets).expect("a valid split");
        let mut pairs: Vec<(Decimal, i128)> = shares.iter().map(|share| (share.weight, share.amount.cents().abs())).collect();
        // Sorted by weight, then part: any inversion shows as a part smaller than the one before it.
        pairs.sort();
        for pair in pairs.windows(2) {
            prop_assert!(pair[0].1 <= pair[1].1, "weight {} gets {} but weight {} gets {}", pair[0].0, pair[0].1, pair[1].0, pair[1].1);
        }
    }

    /// A repeated key is refused, naming its first repeat in input order and the key's first appearance.
    #[test]
    fn a_repeated_key_is_refused((case, copied, at) in case().prop_flat_map(|case| {
        let count = case.targets.len();
        (Just(case), 0..count, 0..=count)
    })) {
        let mut targets = case.targets.clone();
        targets.insert(at, targets[copied].clone());
        let mut seen = BTreeMap::new();
        let expected = targets
            .iter()
            .enumerate()
            .find_map(|(index, target)| seen.insert(target.key, index).map(|_| (index, seen[&target.key])));
        let (index, _) = expected.expect("a repeated key");
        let first = targets.iter().position(|target| target.key == targets[index].key).expect("an earlier key");
        prop_assert_eq!(split(case.total(), &targets), Err(SplitError::DuplicateKey { index, first }));
    }

    /// split_equal is split with every weight 1.
    #[test]
    fn equal_split_is_a_split_by_ones(case in case()) {
        let keys = case.keys();
        let ones: Vec<SplitTarget<u32>> = keys.iter().map(|&key| SplitTarget::new(key, Decimal::ONE)).collect();
        prop_assert_eq!(split_equal(case.total(), &keys).expect("a valid split"), split(case.total(), &ones).expect("a valid split"));
    }

    /// (7) The capped split respects every cap, adds up exactly, and equals a plain water-filling loop;
    /// when the caps cannot hold the total it says so.
    #[test]
    fn capped_split_respects_caps_and_adds_up(
        case in case(),
        caps_per_mille in prop::collection::vec(prop::option::weighted(0.5, 0_u32..=3_000), 200),
    ) {
        let count = i128::try_from(case.targets.len()).expect("a small count");
        let magnitude = i128::from(case.total_cents).abs();
        // Caps around the equal share |total| / n, so that they often bind and sometimes cannot hold the total.
        let caps: Vec<Option<i128>> = caps_per_mille.iter().take(case.targets.len())
            .map(|cap| cap.map(|per_mille| magnitude * i128::from(per_mille) / 1_000 / count))
            .collect();
        let targets: Vec<CappedTarget<u32>> = case.targets.iter().zip(&caps)
            .map(|(target, cap)| CappedTarget::new(target.key, target.weight, cap.map(|cap| Amount::try_from_cents(cap).expect("a cap"))))
            .collect();
        let result = split_capped(case.total(), &targets);
        match reference_water_fill(i128::from(case.total_cents), &case.integer_weights(), &caps, &case.keys()) {
            None => {
                let is_refused = matches!(result, Err(SplitError::CapsBelowTotal { .. }));
                prop_assert!(is_refused, "{:?}", result);
            }
            Some(expected) => {
                let shares = result.expect("a feasible capped split");
                let parts = cents(&shares);
                prop_assert_eq!(parts.iter().sum::<i128>(), i128::from(case.total_cents));
                for (part, cap) in parts.iter().zip(&caps) {
                    prop_assert!(cap.is_none_or(|cap| part.abs() <= cap), "part {} over cap {:?}", part, cap);
                }
                prop_assert_eq!(parts, expected);
            }
        }
    }
}

/// Water-filling written as a fixed point: pay every cap the current exact quota reaches, recompute, until
/// none does; then the reference split of what is left. `None` when the caps cannot hold the total.
fn reference_water_fill(
    total_cents: i128,
    weights: &[i128],
    caps: &[Option<i128>],
    keys: &[u32],
) -> Option<Vec<i128>> {
    let magnitude = total_cents.abs();
    let positive = |index: usize| weights[index] > 0;
    let bounded = (0..weights.len()).filter(|&index| positive(index)).all(|index| caps[index].is_some());
    let capacity: i128 =
        (0..weights.len()).filter(|&index| positive(index)).filter_map(|index| caps[index]).sum();
    if bounded && capacity < magnitude {
        return None;
    }
    let mut paid: Vec<Option<i128>> = vec![None; weights.len()];
    let mut remaining = magnitude;
    loop {
        let level_weight: i128 =
            (0..weights.len()).filter(|&index| paid[index].is_none()).map(|index| weights[index]).sum();
        let binding: Vec<usize> = (0..weights.len())
            .filter(|&index| paid[index].is_none() && positive(index))
            .filter(|&index| caps[index].is_some_and(|cap| remaining * weights[index] >= cap * level_weight))
            .collect();
        if binding.is_empty() {
            break;
        }
        for index in binding {
            let cap = caps[index].expect("a binding cap");
            paid[index] = Some(cap);
            remaining -= cap;
        }
    }
    let rest_weights: Vec<i128> =
        (0..weights.len()).map(|index| if paid[index].is_some() { 0 } else { weights[index] }).collect();
    let rest = if rest_weights.iter().all(|&weight| weight == 0) {
        vec![0; weights.len()]
    } else {
        reference_split(remaining, &rest_weights, keys)
    };
    let sign = total_cents.signum();
    Some(rest.iter().zip(&paid).map(|(part, paid)| part * sign + paid.unwrap_or(0) * sign).collect())
}

/// The canary: the very property (1) above, run over the naive splitter, must fail, and proptest must
/// shrink it to a small counterexample.
#[test]
fn canary_the_naive_splitter_loses_cents() {
    let mut runner = TestRunner::new_with_rng(config(), TestRng::deterministic_rng(RngAlgorithm::XorShift));
    let result = runner.run(&case(), |case| parts_sum_to_total(&case, naive_splitter));
    match result {
        Err(TestError::Fail(reason, counterexample)) => {
            let parts = naive_splitter(counterexample.total(), &counterexample.targets);
            let sum: i128 = parts.iter().map(|part| part.cents()).sum();
            assert_ne!(sum, i128::from(counterexample.total_cents), "the counterexample must really fail");
            // The exact splitter passes on the very same input.
            assert!(parts_sum_to_total(&counterexample, exact_splitter).is_ok());
            let weights: Vec<String> =
                counterexample.targets.iter().map(|target| target.weight.to_string()).collect();
            let parts: Vec<String> = parts.iter().map(ToString::to_string).collect();
            eprintln!(
                "canary caught: {} over weights {weights:?} → {parts:?}, sum {sum} cents",
                counterexample.total()
            );
            assert!(counterexample.targets.len() <= 10, "proptest shrinks the counterexample: {reason}");
        }
        other => panic!("the properties did not catch the naive splitter: {other:?}"),
    }
}

/// Exact amounts of either sign with up to four decimals, as integers of ten-thousandths, under distinct keys.
fn signed_exact() -> impl Strategy<Value = Vec<(u32, i64)>> {
    proptest::collection::btree_map(any::<u32>(), -10_000_000i64..10_000_000, 1..40)
        .prop_map(|map| map.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The regularisation rule: exact amounts of either sign, rounded once as a whole (their sum half up), give
    /// parts adding up to that total, each its exact amount's floor or one cent above (within a cent), the extra
    /// cents on the largest remainders with ties by ascending key.
    #[test]
    fn apportion_adds_up_and_stays_within_a_cent(exact in signed_exact()) {
        let values: Vec<(u32, Decimal)> =
            exact.iter().map(|(key, tenths)| (*key, Decimal::new(*tenths, 4))).collect();
        let sum: i64 = exact.iter().map(|(_, v)| v).sum();
        let total = Amount::from_decimal(Decimal::new(sum, 4), Rounding::HalfUp);
        let shares = mutua_alloc::apportion(total, &values).unwrap();
        let parts: i128 = shares.iter().map(|s| s.amount.cents()).sum();
        prop_assert_eq!(parts, total.cents());
        // In ten-thousandths: floor(v / 100) cents, and the part is the floor or one more.
        let mut remainders = Vec::new();
        for ((key, v), share) in exact.iter().zip(&shares) {
            prop_assert_eq!(share.key, *key);
            let floor = v.div_euclid(100);
            let cents = i64::try_from(share.amount.cents()).unwrap();
            prop_assert!(cents == floor || cents == floor + 1, "{} for exact {}", cents, v);
            remainders.push((v.rem_euclid(100), *key, cents - floor));
        }
        // Every part that got a cent has a remainder at least as large as every part that did not, ties by key.
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let got: Vec<i64> = remainders.iter().map(|r| r.2).collect();
        let mut sorted = got.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        prop_assert_eq!(got, sorted);
    }

    /// A total that no rounding of the exact sum gives is refused, never silently spread.
    #[test]
    fn apportion_refuses_a_total_out_of_reach(exact in signed_exact(), off in 1i64..50) {
        let values: Vec<(u32, Decimal)> =
            exact.iter().map(|(key, tenths)| (*key, Decimal::new(*tenths, 4))).collect();
        let floors: i64 = exact.iter().map(|(_, v)| v.div_euclid(100)).sum();
        let n = i64::try_from(exact.len()).unwrap();
        for total in [floors - off, floors + n + off] {
            prop_assert_eq!(
                mutua_alloc::apportion(Amount::from_cents(total), &values),
                Err(SplitError::TotalOutOfReach { total: Amount::from_cents(total) })
            );
        }
    }
}
