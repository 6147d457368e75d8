//! The exact splitter: share an amount among targets in proportion to their weights, exact to the cent.
//!
//! The method is the largest remainder method, computed entirely in integers. Every weight is scaled to an
//! integer `wᵢ` by the largest number of decimals among the weights, and `W = Σwᵢ`. For a total of `T`
//! cents, target `i` first receives `⌊|T|·wᵢ / W⌋` cents, with the remainder `|T|·wᵢ mod W`; the
//! `r = |T| − Σfloors` cents left over (always fewer than the number of targets) go one each to the `r`
//! targets with the largest remainders, equal remainders being ordered by ascending key. The key, not the
//! position in the input, breaks ties, so the result for a key never depends on the order of the targets.
//! A negative total (a credit) is split as its magnitude, and every part negated. The capped variant pays
//! the caps that bind (water-filling) and splits what they leave by the same rule.
//!
//! Nothing here goes through a float or a decimal division: the only decimal computed is the trace figure
//! [`Share::quota_exact`], and it is written out digit by digit from the same integers.

use std::collections::hash_map::DefaultHasher;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};

use mutua_core::Amount;
use rust_decimal::Decimal;

/// The most decimals a [`Decimal`] holds, and the most significant digits it always holds.
const DECIMAL_MAX_DIGITS: u32 = 28;

/// The scale of an [`Amount`]: quotas are written in euros, from integer cents.
const CENTS_SCALE: u32 = 2;

/// Powers of ten up to 10²⁸, all exact in a `u128` (10²⁸ < 2⁹⁴).
const POW10: [u128; 29] = {
    let mut table = [1_u128; 29];
    let mut exponent = 1;
    while exponent < table.len() {
        table[exponent] = table[exponent - 1] * 10;
        exponent += 1;
    }
    table
};

/// One recipient of a proportional split.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SplitTarget<K> {
    /// The target's stable identifier (a commune's INSEE code, say). Keys must be distinct; ascending key
    /// order breaks ties between equal remainders.
    pub key: K,
    /// The target's weight (population, full-time equivalents, metres, a percentage…): any exact decimal
    /// ≥ 0. Only the ratios between weights matter.
    pub weight: Decimal,
}

impl<K> SplitTarget<K> {
    /// A target with its key and weight.
    #[must_use]
    pub fn new(key: K, weight: Decimal) -> SplitTarget<K> {
        SplitTarget { key, weight }
    }

    fn key_of(&self) -> &K {
        &self.key
    }
}

/// One recipient of a capped split: a [`SplitTarget`] that may receive no more than its cap.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CappedTarget<K> {
    /// The target's stable identifier, as in [`SplitTarget::key`].
    pub key: K,
    /// The target's weight, as in [`SplitTarget::weight`].
    pub weight: Decimal,
    /// The most this target may receive, in magnitude (≥ 0); `None` for no limit. For a negative total the
    /// cap bounds the credit: a part never goes below `−cap`.
    pub cap: Option<Amount>,
}

impl<K> CappedTarget<K> {
    /// A target with its key, weight and optional cap.
    #[must_use]
    pub fn new(key: K, weight: Decimal, cap: Option<Amount>) -> CappedTarget<K> {
        CappedTarget { key, weight, cap }
    }

    fn key_of(&self) -> &K {
        &self.key
    }
}

/// The key of a bare key, for [`split_equal`]. (A closure cannot return a borrow of its argument.)
fn itself<K>(key: &K) -> &K {
    key
}

/// One target's part of a split, with what is needed to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Share<K> {
    /// The target's key.
    pub key: K,
    /// The target's weight, as given.
    pub weight: Decimal,
    /// The exact quota `total × weight / Σweight` in euros, for the trace. It is written out to the
    /// precision a decimal holds (28 significant digits), truncated toward zero beyond that, and carries no
    /// trailing zeros past the cents when the quota is exact. In a capped split it is the water-filled quota:
    /// the cap when the cap binds, otherwise the proportional share of what the binding caps leave.
    pub quota_exact: Decimal,
    /// The quota truncated toward zero to the cent.
    pub floor: Amount,
    /// The part allotted: `floor` plus `remainder_cents` cents.
    pub amount: Amount,
    /// The cents the remainder rule added to this part: 0, or 1 with the sign of the total.
    pub remainder_cents: i64,
}

/// Why a split was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SplitError {
    /// There is no target to split among.
    #[error("nothing to split among: the list of targets is empty")]
    NoTargets,
    /// A weight is below zero.
    #[error("target #{index} has a negative weight")]
    NegativeWeight {
        /// The position of the target in the input (from 0).
        index: usize,
    },
    /// Two targets have the same key.
    #[error("target #{index} repeats the key of target #{first}")]
    DuplicateKey {
        /// The position of the first target whose key already appeared (from 0).
        index: usize,
        /// The position of that key's first appearance.
        first: usize,
    },
    /// Every weight is zero: there is no proportion to split by (even a zero total is refused).
    #[error("every weight is zero: there is no proportion to split by")]
    ZeroTotalWeight,
    /// A cap is below zero.
    #[error("target #{index} has a negative cap")]
    NegativeCap {
        /// The position of the target in the input (from 0).
        index: usize,
    },
    /// Every target with a positive weight is capped, and the caps cannot hold the total.
    #[error(
        "the caps of the targets with a positive weight add up to {caps}, less than the {total} to split"
    )]
    CapsBelowTotal {
        /// The magnitude of the total to split.
        total: Amount,
        /// The sum of the caps of the targets with a positive weight.
        caps: Amount,
    },
    /// The weights, scaled to integers, are too large or too finely divided for exact 128-bit arithmetic
    /// with this total: a weight scaled to the finest scale among the weights, times the total in cents,
    /// must stay below 2¹²⁸, and the scaled weights must add up to less than 3.4 × 10³⁷.
    #[error("the split exceeds exact integer arithmetic: the weights are too large or too finely divided")]
    Overflow,
    /// The total to apportion is not the sum of the exact amounts rounded to the cent ([`apportion`]).
    #[error("{total} is not the sum of the exact amounts rounded to the cent")]
    TotalOutOfReach {
        /// The total asked for.
        total: Amount,
    },
}

/// Splits `total` among `targets` in proportion to their weights, exactly to the cent.
///
/// The parts, returned in the order of `targets`, add up to `total` exactly; each is within one cent of
/// its exact quota (it is the quota truncated toward zero, or one cent further from zero); the leftover
/// cents go to the largest remainders, ties broken by ascending key. A zero-weight target gets nothing; a
/// zero total gives zero parts; a negative total gives the negated parts of its magnitude.
///
/// It runs in `O(n)` (expected): the leftover cents are chosen by selection, not by sorting, and distinct
/// keys are checked by hashing them (not at all when they come in ascending order). That is why keys are
/// `Hash` as well as `Ord`; as usual, `Eq`, `Hash` and `Ord` must agree. A million targets split in well
/// under a quarter of a second on one core (see `benches/split.rs`).
///
/// Errors, checked in this order: [`SplitError::NoTargets`], [`SplitError::NegativeWeight`] (the first),
/// [`SplitError::DuplicateKey`], [`SplitError::Overflow`], [`SplitError::ZeroTotalWeight`].
///
/// ```
/// use mutua_alloc::{split, SplitTarget};
/// use mutua_core::Amount;
/// use rust_decimal::Decimal;
///
/// let targets = [
///     SplitTarget::new("69387", Decimal::ONE),
///     SplitTarget::new("69123", Decimal::ONE),
///     SplitTarget::new("69266", Decimal::ONE),
/// ];
/// let shares = split(Amount::from_cents(100_00), &targets)?;
/// let parts: Vec<String> = shares.iter().map(|share| share.amount.to_string()).collect();
/// // The leftover cent goes to the smallest key, 69123, whatever its position.
/// assert_eq!(parts, ["33.33", "33.34", "33.33"]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn split<K: Ord + Hash + Clone>(
    total: Amount,
    targets: &[SplitTarget<K>],
) -> Result<Vec<Share<K>>, SplitError> {
    let weight = |target: &SplitTarget<K>| target.weight;
    let key = SplitTarget::key_of;
    let prepared = prepare(targets, key, weight)?;
    let allocation = Allocation {
        total,
        magnitude: total.cents().unsigned_abs(),
        denominator: prepared.total_weight,
        fixed: None,
    };
    let scaled_weight = |index: usize| scaled_weight(targets[index].weight, prepared.scale);
    build_shares(targets, key, weight, scaled_weight, &allocation)
}

/// Splits `total` equally among `keys`: [`split`] with every weight 1, so the leftover cents go to the
/// smallest keys. The shares carry a weight of 1.
pub fn split_equal<K: Ord + Hash + Clone>(total: Amount, keys: &[K]) -> Result<Vec<Share<K>>, SplitError> {
    let key = itself;
    let weight = |_: &K| Decimal::ONE;
    let prepared = prepare(keys, key, weight)?;
    let allocation = Allocation {
        total,
        magnitude: total.cents().unsigned_abs(),
        denominator: prepared.total_weight,
        fixed: None,
    };
    build_shares(keys, key, weight, |_| Ok(1), &allocation)
}

/// Rounds exact amounts of either sign to the cent so that they add up to `total`, by the largest remainder
/// rule: the regularisation of a year, where each member's exact difference (its exact share of the actual, less
/// what it was billed) is rounded once, as a whole.
///
/// Each part first gets its exact amount rounded toward negative infinity to the cent; the cents that `total`
/// leaves go one each to the largest remainders (the part of a cent dropped), **equal remainders by ascending key**.
/// Every part is the floor of its exact amount or one cent above it, so it is within a cent of it; the parts add
/// up to `total`. `total` must lie between the sum of the floors and that sum plus one cent per part: it does
/// when it is the sum of the exact amounts rounded to the cent by any rule. The shares' `weight` and
/// `quota_exact` are the exact amount, `floor` its floor, `remainder_cents` 0 or 1.
///
/// Errors: [`SplitError::NoTargets`], [`SplitError::DuplicateKey`], [`SplitError::Overflow`] (an exact amount
/// beyond 128-bit cents), [`SplitError::TotalOutOfReach`].
///
/// ```
/// use mutua_alloc::apportion;
/// use mutua_core::Amount;
///
/// // Exact differences of −0.335, −0.335 and 1.67 € (1.00 € in all): the floors −0.34, −0.34 and 1.67 leave one
/// // cent, which goes to the largest remainder, a tie of "a" and "b" broken by key.
/// let exact = [("a", "-0.335".parse()?), ("b", "-0.335".parse()?), ("c", "1.67".parse()?)];
/// let shares = apportion(Amount::from_cents(100), &exact)?;
/// let parts: Vec<i128> = shares.iter().map(|share| share.amount.cents()).collect();
/// assert_eq!(parts, [-33, -34, 167]);
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apportion<K: Ord + Hash + Clone>(
    total: Amount,
    exact: &[(K, Decimal)],
) -> Result<Vec<Share<K>>, SplitError> {
    if exact.is_empty() {
        return Err(SplitError::NoTargets);
    }
    let mut first_of: std::collections::HashMap<&K, usize> = std::collections::HashMap::new();
    for (index, (key, _)) in exact.iter().enumerate() {
        if let Some(first) = first_of.insert(key, index) {
            return Err(SplitError::DuplicateKey { index, first });
        }
    }
    let hundred = Decimal::ONE_HUNDRED;
    let mut floors = Vec::with_capacity(exact.len());
    for (_, value) in exact {
        let in_cents = value.checked_mul(hundred).ok_or(SplitError::Overflow)?;
        let floor = in_cents.floor();
        let remainder = in_cents - floor;
        let cents = rust_decimal::prelude::ToPrimitive::to_i128(&floor).ok_or(SplitError::Overflow)?;
        floors.push((cents, remainder));
    }
    let sum_of_floors = floors.iter().try_fold(0i128, |sum, (cents, _)| sum.checked_add(*cents));
    let sum_of_floors = sum_of_floors.ok_or(SplitError::Overflow)?;
    let left = total.cents() - sum_of_floors;
    let reach = i128::try_from(exact.len()).map_err(|_| SplitError::Overflow)?;
    if left < 0 || left > reach {
        return Err(SplitError::TotalOutOfReach { total });
    }
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| floors[b].1.cmp(&floors[a].1).then_with(|| exact[a].0.cmp(&exact[b].0)));
    let mut extra = vec![0i64; exact.len()];
    // `left` is at most the number of parts.
    for &index in order.iter().take(usize::try_from(left).unwrap_or(usize::MAX)) {
        extra[index] = 1;
    }
    exact
        .iter()
        .zip(floors)
        .zip(extra)
        .map(|(((key, value), (cents, _)), extra)| {
            let floor = Amount::try_from_cents(cents).map_err(|_| SplitError::Overflow)?;
            let amount =
                Amount::try_from_cents(cents + i128::from(extra)).map_err(|_| SplitError::Overflow)?;
            Ok(Share {
                key: key.clone(),
                weight: *value,
                quota_exact: *value,
                floor,
                amount,
                remainder_cents: extra,
            })
        })
        .collect()
}

/// Splits `total` in proportion to the weights, no part exceeding its cap, exactly to the cent.
///
/// Water-filling: a target whose exact quota reaches its cap receives exactly its cap, and what the caps
/// leave is split again among the other targets in proportion to their weights, until no quota exceeds its
/// cap; that last split follows the rules of [`split`]. The binding caps are found in one pass over the
/// capped targets sorted by cap per unit of weight, compared exactly, so the cost is `O(n log n)`. A cap
/// bounds the magnitude of a part, so a credit is capped like the charge it cancels.
///
/// Errors: those of [`split`], then [`SplitError::NegativeCap`] (the first), then
/// [`SplitError::CapsBelowTotal`] when every target with a positive weight is capped and the caps add up
/// to less than the magnitude of the total (a zero-weight target receives nothing, cap or no cap).
pub fn split_capped<K: Ord + Hash + Clone>(
    total: Amount,
    targets: &[CappedTarget<K>],
) -> Result<Vec<Share<K>>, SplitError> {
    let weight = |target: &CappedTarget<K>| target.weight;
    let key = CappedTarget::key_of;
    let prepared = prepare(targets, key, weight)?;
    let mut caps = Vec::with_capacity(targets.len());
    for (index, target) in targets.iter().enumerate() {
        let cap = match target.cap {
            Some(cap) if cap.is_negative() => return Err(SplitError::NegativeCap { index }),
            Some(cap) => Some(cap.cents().unsigned_abs()),
            None => None,
        };
        caps.push(cap);
    }
    let weights = targets
        .iter()
        .map(|target| scaled_weight(target.weight, prepared.scale))
        .collect::<Result<Vec<u128>, SplitError>>()?;
    let level = water_fill(total, weights, prepared.total_weight, &caps, |index| &targets[index].key)?;
    let allocation = Allocation {
        total,
        magnitude: level.remaining,
        denominator: level.denominator,
        fixed: Some(&level.fixed),
    };
    build_shares(targets, key, weight, |index| Ok(level.weights[index]), &allocation)
}

/// Validated targets, in integers.
struct Prepared {
    /// The largest number of significant decimals among the weights: each weight times 10^scale is an
    /// integer (see [`scaled_weight`]).
    scale: u32,
    /// The sum of the scaled weights, > 0.
    total_weight: u128,
}

fn prepare<T, K: Ord + Hash>(
    items: &[T],
    key: impl Fn(&T) -> &K,
    weight: impl Fn(&T) -> Decimal,
) -> Result<Prepared, SplitError> {
    if items.is_empty() {
        return Err(SplitError::NoTargets);
    }
    let mut scale = 0;
    for (index, item) in items.iter().enumerate() {
        let weight = weight(item);
        if weight.is_sign_negative() && !weight.is_zero() {
            return Err(SplitError::NegativeWeight { index });
        }
        scale = scale.max(significant_decimals(weight));
    }
    check_distinct(items, &key)?;
    let mut total_weight: u128 = 0;
    for item in items {
        let scaled = scaled_weight(weight(item), scale)?;
        total_weight = total_weight.checked_add(scaled).ok_or(SplitError::Overflow)?;
    }
    // The quota's decimal expansion multiplies remainders (< Σw) by ten at least once.
    if total_weight > u128::MAX / 10 {
        return Err(SplitError::Overflow);
    }
    if total_weight == 0 {
        return Err(SplitError::ZeroTotalWeight);
    }
    Ok(Prepared { scale, total_weight })
}

/// The decimals of a weight, trailing zeros left out: "12.50" has one. Trailing zeros would only inflate
/// the integers and bring overflow closer. The test on the last digit spares the cost of normalizing the
/// usual weights, which have none.
fn significant_decimals(weight: Decimal) -> u32 {
    match u64::try_from(weight.mantissa().unsigned_abs()) {
        Ok(mantissa) if weight.scale() == 0 || !mantissa.is_multiple_of(10) => weight.scale(),
        _ => weight.normalize().scale(),
    }
}

/// `weight × 10^scale` as an integer, for a weight of at most `scale` significant decimals. Computed
/// again wherever it is needed rather than stored: a multiplication costs less than the memory.
#[inline]
fn scaled_weight(weight: Decimal, scale: u32) -> Result<u128, SplitError> {
    let mantissa = weight.mantissa().unsigned_abs();
    let decimals = weight.scale();
    if decimals <= scale {
        mantissa.checked_mul(POW10[(scale - decimals) as usize]).ok_or(SplitError::Overflow)
    } else {
        // Only trailing zeros lie beyond `scale`: the division is exact.
        Ok(mantissa / POW10[(decimals - scale) as usize])
    }
}

/// Refuses a repeated key, naming its first repeat in input order.
///
/// Equal keys have equal hashes, so the keys are hashed and the hashes grouped by a counting sort on
/// their leading bits, into buckets of a handful each; only the keys of equal hashes are then compared.
/// Neither a sort of the keys, which costs a cache miss per comparison (twenty million of them for a
/// million string keys), nor a hash set, which costs one per insertion at random, comes close on large
/// inputs. The fixed hasher keeps the run time reproducible; the outcome never depends on the hashes.
fn check_distinct<T, K: Ord + Hash>(items: &[T], key: &impl Fn(&T) -> &K) -> Result<(), SplitError> {
    // Keys already strictly ascending (a referential sorted by code) need no check.
    if items.windows(2).all(|pair| key(&pair[0]) < key(&pair[1])) {
        return Ok(());
    }
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let hashes: Vec<u64> = items.iter().map(|item| hasher.hash_one(key(item))).collect();
    // About eight hashes a bucket.
    let bits = (usize::BITS - items.len().leading_zeros()).saturating_sub(3).clamp(1, 24);
    let bucket_of = |hash: u64| (hash >> (u64::BITS - bits)) as usize;
    let mut starts = vec![0_usize; (1 << bits) + 1];
    for &hash in &hashes {
        starts[bucket_of(hash) + 1] += 1;
    }
    for bucket in 1..starts.len() {
        starts[bucket] += starts[bucket - 1];
    }
    let mut next = starts.clone();
    let mut grouped = vec![(0_u64, 0_usize); items.len()];
    for (index, &hash) in hashes.iter().enumerate() {
        let slot = &mut next[bucket_of(hash)];
        grouped[*slot] = (hash, index);
        *slot += 1;
    }
    let mut duplicate: Option<(usize, usize)> = None;
    for bounds in starts.windows(2) {
        let bucket = &mut grouped[bounds[0]..bounds[1]];
        if bucket.len() < 2 {
            continue;
        }
        bucket.sort_unstable();
        for run in bucket.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
            // Equal hashes, almost always equal keys: order them by key, then input order.
            let mut indices: Vec<usize> = run.iter().map(|&(_, index)| index).collect();
            indices.sort_unstable_by(|&a, &b| key(&items[a]).cmp(key(&items[b])).then(a.cmp(&b)));
            for group in indices.chunk_by(|&a, &b| key(&items[a]) == key(&items[b])) {
                if let [first, repeat, ..] = *group
                    && duplicate.is_none_or(|(known, _)| repeat < known)
                {
                    duplicate = Some((repeat, first));
                }
            }
        }
    }
    match duplicate {
        Some((index, first)) => Err(SplitError::DuplicateKey { index, first }),
        None => Ok(()),
    }
}

/// What the remainder rule works on, once the inputs are validated (and the binding caps set aside).
struct Allocation<'a> {
    /// The total to split, for its sign and the final check.
    total: Amount,
    /// The cents to split in proportion to the weights: the magnitude of the total, less the fixed cents.
    magnitude: u128,
    /// The sum of the integer weights of the proportional split; 0 only when `magnitude` is 0.
    denominator: u128,
    /// Cents given outright before the proportional split (the binding caps), by target.
    fixed: Option<&'a [u128]>,
}

/// A target with a nonzero remainder, competing for a leftover cent. The remainder is held in a `u64`
/// when the denominator allows, which halves the memory the selection walks through.
#[derive(Clone, Copy)]
struct Candidate<R> {
    remainder: R,
    index: usize,
}

/// The last target to get a leftover cent: a target gets one when its remainder is larger than this one's,
/// or equal and its key not after this one's.
struct Threshold {
    remainder: u128,
    /// The target whose key closes the tie at `remainder`; `None` when every tied target gets a cent.
    last_tied: Option<usize>,
}

/// The largest remainder method proper, over `items` whose integer weights `scaled_weight` gives.
fn build_shares<T, K: Ord + Clone>(
    items: &[T],
    key: impl Fn(&T) -> &K,
    weight: impl Fn(&T) -> Decimal,
    scaled_weight: impl Fn(usize) -> Result<u128, SplitError>,
    allocation: &Allocation<'_>,
) -> Result<Vec<Share<K>>, SplitError> {
    let denominator = allocation.denominator;
    // A zero denominator (every positive weight capped) comes with nothing left to split.
    let divide = |index: usize| -> Result<(u128, u128), SplitError> {
        let numerator =
            allocation.magnitude.checked_mul(scaled_weight(index)?).ok_or(SplitError::Overflow)?;
        let floor = numerator.checked_div(denominator).unwrap_or(0);
        Ok((floor, numerator - floor * denominator))
    };
    // First pass: the floors, and the remainders competing for the leftover cents. Only the competitors
    // are stored; the second pass divides again, which measured cheaper than storing every quotient.
    let threshold = if u64::try_from(denominator).is_ok() {
        leftover_threshold::<u64, T, K>(items, &key, &divide, allocation.magnitude)?
    } else {
        leftover_threshold::<u128, T, K>(items, &key, &divide, allocation.magnitude)?
    };
    let negative = allocation.total.is_negative();
    let step: i64 = if negative { -1 } else { 1 };
    let expansion = QuotaExpansion::new(denominator);
    let mut shares = Vec::with_capacity(items.len());
    let mut sum: i128 = 0;
    for (index, item) in items.iter().enumerate() {
        let (floor, remainder) = divide(index)?;
        let fixed = allocation.fixed.map_or(0, |fixed| fixed[index]);
        let whole = fixed.checked_add(floor).ok_or(SplitError::Overflow)?;
        let gains_a_cent = threshold.as_ref().is_some_and(|threshold| {
            remainder > threshold.remainder
                || remainder == threshold.remainder
                    && threshold.last_tied.is_none_or(|last| key(item) <= key(&items[last]))
        });
        let floor_amount = signed_cents(whole, negative)?;
        let amount = if gains_a_cent { signed_cents(whole + 1, negative)? } else { floor_amount };
        sum += amount.cents();
        shares.push(Share {
            key: key(item).clone(),
            weight: weight(item),
            quota_exact: expansion.quota(whole, remainder, negative)?,
            floor: floor_amount,
            amount,
            remainder_cents: if gains_a_cent { step } else { 0 },
        });
    }
    assert_eq!(sum, allocation.total.cents(), "split: the parts must add up to the total exactly");
    Ok(shares)
}

/// Chooses which targets get the leftover cents: the largest remainders, then the smallest keys among
/// equal remainders. Two selections, O(n) each, no sort: the first finds the smallest remainder that gets
/// a cent, the second, among the targets tied at that remainder, the key that closes the list. `R` holds a
/// remainder (below the denominator).
fn leftover_threshold<R, T, K: Ord>(
    items: &[T],
    key: &impl Fn(&T) -> &K,
    divide: &impl Fn(usize) -> Result<(u128, u128), SplitError>,
    magnitude: u128,
) -> Result<Option<Threshold>, SplitError>
where
    R: Ord + Copy + TryFrom<u128> + Into<u128>,
{
    let mut candidates: Vec<Candidate<R>> = Vec::with_capacity(items.len());
    let mut floors: u128 = 0;
    for index in 0..items.len() {
        let (floor, remainder) = divide(index)?;
        // Each floor is at most the magnitude, and so is their sum.
        floors += floor;
        if remainder > 0 {
            let remainder = R::try_from(remainder).map_err(|_| SplitError::Overflow)?;
            candidates.push(Candidate { remainder, index });
        }
    }
    // Σremainders = leftover × denominator with every remainder < denominator, so there are always more
    // candidates than leftover cents.
    let leftover = magnitude - floors;
    assert!(
        leftover == 0 || leftover < candidates.len() as u128,
        "split: {leftover} leftover cents for {} nonzero remainders",
        candidates.len()
    );
    // Fewer than the candidates, which fit in memory: it fits a usize.
    let leftover = leftover as usize;
    if leftover == 0 {
        return Ok(None);
    }
    let by_remainder_descending = |a: &Candidate<R>, b: &Candidate<R>| b.remainder.cmp(&a.remainder);
    let remainder = candidates.select_nth_unstable_by(leftover - 1, by_remainder_descending).1.remainder;
    // The first `leftover` candidates now hold every remainder above `remainder`, and some tied at it.
    let above = candidates[..leftover].iter().filter(|candidate| candidate.remainder > remainder).count();
    let mut tied: Vec<usize> = candidates
        .iter()
        .filter(|candidate| candidate.remainder == remainder)
        .map(|candidate| candidate.index)
        .collect();
    drop(candidates);
    let wanted = leftover - above;
    let remainder = remainder.into();
    if wanted == tied.len() {
        return Ok(Some(Threshold { remainder, last_tied: None }));
    }
    let by_key = |a: &usize, b: &usize| key(&items[*a]).cmp(key(&items[*b]));
    let last = *tied.select_nth_unstable_by(wanted - 1, by_key).1;
    Ok(Some(Threshold { remainder, last_tied: Some(last) }))
}

/// A whole number of cents, with the sign of the total, as an amount.
fn signed_cents(cents: u128, negative: bool) -> Result<Amount, SplitError> {
    if let Ok(cents) = i64::try_from(cents) {
        // The common case, and a cheaper construction.
        return Ok(Amount::from_cents(if negative { -cents } else { cents }));
    }
    let cents = i128::try_from(cents).map_err(|_| SplitError::Overflow)?;
    Amount::try_from_cents(if negative { -cents } else { cents }).map_err(|_| SplitError::Overflow)
}

/// Writes quotas `whole + remainder / denominator` (in cents) as decimals in euros, by long division in
/// chunks of as many digits as a `u128` allows for this denominator.
struct QuotaExpansion {
    denominator: u128,
    /// The most digits one step can produce: `denominator × 10^chunk_digits` fits a `u128`.
    chunk_digits: u32,
}

impl QuotaExpansion {
    fn new(denominator: u128) -> QuotaExpansion {
        // At most 19 digits a step keeps each quotient within 64 bits, the fast path of a 128-bit division.
        let most = 19;
        let chunk_digits = (1..=most)
            .rev()
            .find(|&digits| denominator.checked_mul(POW10[digits as usize]).is_some())
            .unwrap_or(1);
        QuotaExpansion { denominator, chunk_digits }
    }

    #[inline]
    fn quota(&self, whole: u128, remainder: u128, negative: bool) -> Result<Decimal, SplitError> {
        let mut mantissa = whole;
        let mut scale = CENTS_SCALE;
        if remainder != 0 {
            // With d digits before the point, 28 − d digits after it keep the mantissa below 10²⁸ < 2⁹⁶.
            let whole_digits = match u64::try_from(whole) {
                Ok(whole) => whole.checked_ilog10().map_or(0, |log| log + 1),
                Err(_) => whole.ilog10() + 1,
            };
            let mut digits =
                DECIMAL_MAX_DIGITS.saturating_sub(whole_digits).min(DECIMAL_MAX_DIGITS - CENTS_SCALE);
            let mut rest = remainder;
            while digits > 0 && rest != 0 {
                let step = digits.min(self.chunk_digits);
                let power = POW10[step as usize];
                // rest < denominator, and denominator × 10^step fits by the choice of chunk_digits.
                let scaled = rest * power;
                let quotient = scaled / self.denominator;
                rest = scaled - quotient * self.denominator;
                mantissa = mantissa * power + quotient;
                scale += step;
                digits -= step;
            }
            if rest == 0 {
                // The expansion ended: drop the zeros the last step padded with.
                while scale > CENTS_SCALE && mantissa.is_multiple_of(10) {
                    mantissa /= 10;
                    scale -= 1;
                }
            }
        }
        // whole ≤ |total| < 2⁹⁶ and the digits were counted to keep the mantissa below 2⁹⁶: this never fails.
        if mantissa >> 96 != 0 {
            return Err(SplitError::Overflow);
        }
        // A decimal is 96 bits of mantissa in three words, a sign and a scale (here at most 28).
        let word = |shift: u32| (mantissa >> shift) as u32;
        Ok(Decimal::from_parts(word(0), word(32), word(64), negative, scale))
    }
}

/// The outcome of water-filling: the binding caps, and the proportional split left to do.
struct WaterLevel {
    /// The cents fixed by a binding cap, by target (0 where the cap does not bind).
    fixed: Vec<u128>,
    /// The weights of the remaining split: 0 for a target whose cap binds.
    weights: Vec<u128>,
    /// The cents left once the binding caps are paid.
    remaining: u128,
    /// The sum of `weights`.
    denominator: u128,
}

fn water_fill<'a, K: Ord + 'a>(
    total: Amount,
    weights: Vec<u128>,
    total_weight: u128,
    caps: &[Option<u128>],
    key: impl Fn(usize) -> &'a K,
) -> Result<WaterLevel, SplitError> {
    let magnitude = total.cents().unsigned_abs();
    let mut unbounded = false;
    let mut capacity: u128 = 0;
    for (&weight, cap) in weights.iter().zip(caps) {
        match cap {
            _ if weight == 0 => {}
            None => unbounded = true,
            Some(cap) => capacity = capacity.saturating_add(*cap),
        }
    }
    if !unbounded && capacity < magnitude {
        let caps = signed_cents(capacity, false)?;
        return Err(SplitError::CapsBelowTotal { total: total.abs(), caps });
    }
    // A cap binds when the exact quota reaches it: remaining × w ≥ cap × Σw, i.e. when the cap per unit of
    // weight is at or below the level remaining / Σw. Paying a binding cap never lowers the level, so in
    // ascending order of cap per unit of weight the binding caps come first.
    let mut capped: Vec<(usize, u128)> = caps
        .iter()
        .enumerate()
        .filter_map(|(index, cap)| cap.filter(|_| weights[index] > 0).map(|cap| (index, cap)))
        .collect();
    capped.sort_unstable_by(|&(a, cap_a), &(b, cap_b)| {
        wide_product(cap_a, weights[b]).cmp(&wide_product(cap_b, weights[a])).then_with(|| key(a).cmp(key(b)))
    });
    let mut level = WaterLevel {
        fixed: vec![0; weights.len()],
        weights,
        remaining: magnitude,
        denominator: total_weight,
    };
    for (index, cap) in capped {
        let weight = level.weights[index];
        if wide_product(level.remaining, weight) < wide_product(cap, level.denominator) {
            break;
        }
        // cap ≤ remaining × w / Σw ≤ remaining, and w is part of Σw: neither subtraction underflows.
        level.fixed[index] = cap;
        level.weights[index] = 0;
        level.remaining -= cap;
        level.denominator -= weight;
    }
    Ok(level)
}

/// The exact product of two `u128`, as (high, low) halves of a 256-bit integer: the tuples compare like
/// the products.
fn wide_product(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a_high, a_low) = (a >> 64, a & LOW);
    let (b_high, b_low) = (b >> 64, b & LOW);
    let low = a_low * b_low;
    let (middle, middle_carry) = (a_low * b_high).overflowing_add(a_high * b_low);
    let (low, low_carry) = low.overflowing_add(middle << 64);
    let high = a_high * b_high + (middle >> 64) + (u128::from(middle_carry) << 64) + u128::from(low_carry);
    (high, low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        mutua_core::parse_decimal_exact(text).expect("test decimal")
    }

    fn euros(text: &str) -> Amount {
        Amount::parse(text).expect("test amount")
    }

    fn targets(rows: &[(&'static str, &str)]) -> Vec<SplitTarget<&'static str>> {
        rows.iter().map(|&(key, weight)| SplitTarget::new(key, dec(weight))).collect()
    }

    /// (key, amount, remainder cents) in input order.
    fn parts<K: Copy>(shares: &[Share<K>]) -> Vec<(K, String, i64)> {
        shares.iter().map(|share| (share.key, share.amount.to_string(), share.remainder_cents)).collect()
    }

    #[test]
    fn proportional_splits_table() {
        type Row = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static [(&'static str, &'static str, i64)],
        );
        let cases: &[Row] = &[
            // The leftover cent goes to the smallest key…
            (
                "100.00",
                &[("a", "1"), ("b", "1"), ("c", "1")],
                &[("a", "33.34", 1), ("b", "33.33", 0), ("c", "33.33", 0)],
            ),
            // …whatever the input order.
            (
                "100.00",
                &[("c", "1"), ("b", "1"), ("a", "1")],
                &[("c", "33.33", 0), ("b", "33.33", 0), ("a", "33.34", 1)],
            ),
            // A credit splits like the charge, negated.
            (
                "-100.00",
                &[("a", "1"), ("b", "1"), ("c", "1")],
                &[("a", "-33.34", -1), ("b", "-33.33", 0), ("c", "-33.33", 0)],
            ),
            (
                "100.01",
                &[("a", "0.5"), ("b", "0.25"), ("c", "0.25")],
                &[("a", "50.01", 1), ("b", "25.00", 0), ("c", "25.00", 0)],
            ),
            // The largest remainder wins before the smallest key; a zero weight gets nothing.
            (
                "10.00",
                &[("a", "0"), ("b", "1"), ("c", "2")],
                &[("a", "0.00", 0), ("b", "3.33", 0), ("c", "6.67", 1)],
            ),
            (
                "0.02",
                &[("c", "1"), ("a", "1"), ("b", "1")],
                &[("c", "0.00", 0), ("a", "0.01", 1), ("b", "0.01", 1)],
            ),
            ("0.00", &[("a", "1"), ("b", "3")], &[("a", "0.00", 0), ("b", "0.00", 0)]),
            // Weights of different scales: 1 : 1.5 : 2.25 is 100 : 150 : 225.
            (
                "4.75",
                &[("a", "1"), ("b", "1.5"), ("c", "2.25")],
                &[("a", "1.00", 0), ("b", "1.50", 0), ("c", "2.25", 0)],
            ),
            ("1234.56", &[("x", "7")], &[("x", "1234.56", 0)]),
        ];
        for (total, rows, expected) in cases {
            let shares = split(euros(total), &targets(rows)).expect("valid split");
            let expected: Vec<_> =
                expected.iter().map(|&(key, amount, cents)| (key, amount.to_owned(), cents)).collect();
            assert_eq!(parts(&shares), expected, "{total} over {rows:?}");
        }
    }

    #[test]
    fn trace_figures() {
        let shares = split(euros("100.00"), &targets(&[("a", "1"), ("b", "1"), ("c", "1")])).expect("split");
        // 28 significant digits, truncated.
        assert_eq!(shares[1].quota_exact.to_string(), "33.33333333333333333333333333");
        assert_eq!(shares[1].floor, euros("33.33"));
        assert_eq!(shares[0].floor, euros("33.33"));
        assert_eq!(shares[0].weight, dec("1"));
        let credit = split(euros("-100.00"), &targets(&[("a", "1"), ("b", "2")])).expect("split");
        assert_eq!(credit[0].quota_exact.to_string(), "-33.33333333333333333333333333");
        assert_eq!(credit[1].quota_exact.to_string(), "-66.66666666666666666666666666");
        assert_eq!(credit[1].floor, euros("-66.66"));
        assert_eq!(credit[1].amount, euros("-66.67"));
        // An exact quota is written without padding zeros, but keeps its cents.
        let exact =
            split(euros("100.01"), &targets(&[("a", "0.5"), ("b", "0.25"), ("c", "0.25")])).expect("split");
        let quotas: Vec<String> = exact.iter().map(|share| share.quota_exact.to_string()).collect();
        assert_eq!(quotas, ["50.005", "25.0025", "25.0025"]);
        let whole = split(euros("4.00"), &targets(&[("a", "1"), ("b", "1")])).expect("split");
        assert_eq!(whole[0].quota_exact.to_string(), "2.00");
        // The quota agrees with a decimal division to within its last digit.
        let division = dec("100") / dec("3");
        assert!((division - shares[2].quota_exact).abs() < dec("0.00000000000000000000000001"));
    }

    #[test]
    fn equal_split_uses_the_key_order() {
        let shares = split_equal(euros("1.00"), &["z", "y", "x"]).expect("split");
        assert_eq!(
            parts(&shares),
            [("z", "0.33".to_owned(), 0), ("y", "0.33".to_owned(), 0), ("x", "0.34".to_owned(), 1)]
        );
        assert!(shares.iter().all(|share| share.weight == Decimal::ONE));
        assert_eq!(split_equal::<u32>(euros("1.00"), &[]), Err(SplitError::NoTargets));
        assert_eq!(
            split_equal(euros("1.00"), &[3, 1, 3]),
            Err(SplitError::DuplicateKey { index: 2, first: 0 })
        );
    }

    #[test]
    fn refusals_table() {
        let huge = Amount::try_from_cents(10_i128.pow(28)).expect("fits a decimal");
        let cases: &[(Amount, Vec<SplitTarget<&str>>, SplitError)] = &[
            (euros("1"), vec![], SplitError::NoTargets),
            (euros("1"), targets(&[("a", "0"), ("b", "0.000")]), SplitError::ZeroTotalWeight),
            (euros("0"), targets(&[("a", "0")]), SplitError::ZeroTotalWeight),
            (
                euros("1"),
                targets(&[("a", "1"), ("b", "-0.01"), ("c", "-2")]),
                SplitError::NegativeWeight { index: 1 },
            ),
            (
                euros("1"),
                targets(&[("b", "1"), ("a", "1"), ("b", "1"), ("a", "1")]),
                SplitError::DuplicateKey { index: 2, first: 0 },
            ),
            (euros("1"), targets(&[("a", "1"), ("a", "1")]), SplitError::DuplicateKey { index: 1, first: 0 }),
            // 79228162514264337593543950335 scaled by 10²⁸ to meet the other weight's scale.
            (
                euros("1"),
                vec![SplitTarget::new("a", Decimal::MAX), SplitTarget::new("b", Decimal::new(1, 28))],
                SplitError::Overflow,
            ),
            // 10²⁸ cents × 10¹² does not fit 128 bits.
            (huge, targets(&[("a", "1000000000000"), ("b", "1")]), SplitError::Overflow),
        ];
        for (total, targets, error) in cases {
            assert_eq!(split(*total, targets).as_ref(), Err(error), "{total} over {targets:?}");
        }
        // A negative zero weight is zero, not negative.
        let shares = split(euros("1"), &[SplitTarget::new("a", dec("-0")), SplitTarget::new("b", dec("1"))]);
        assert_eq!(shares.expect("valid split")[1].amount, euros("1"));
    }

    /// A key whose hashes all collide: the duplicate check must fall back on comparing keys.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    struct Colliding(u32);

    impl Hash for Colliding {
        fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
    }

    #[test]
    fn duplicate_check_survives_hash_collisions() {
        let keys: Vec<Colliding> = [5, 3, 9, 1, 7].into_iter().map(Colliding).collect();
        let shares = split_equal(euros("0.02"), &keys).expect("distinct keys");
        let winners: Vec<u32> =
            shares.iter().filter(|share| share.remainder_cents == 1).map(|share| share.key.0).collect();
        assert_eq!(winners, [3, 1]);
        let repeated: Vec<Colliding> = [5, 3, 9, 3, 1, 5].into_iter().map(Colliding).collect();
        assert_eq!(split_equal(euros("1"), &repeated), Err(SplitError::DuplicateKey { index: 3, first: 1 }));
        let many: Vec<Colliding> = (0..1_000).rev().chain([500]).map(Colliding).collect();
        assert_eq!(
            split_equal(euros("1"), &many),
            Err(SplitError::DuplicateKey { index: 1_000, first: 499 })
        );
    }

    #[test]
    fn extreme_totals_stay_exact() {
        let largest = Amount::try_from_cents(i128::from(u64::MAX) << 32).expect("fits 96 bits");
        for total in [largest, largest.negated()] {
            let shares = split(total, &targets(&[("a", "1"), ("b", "1"), ("c", "1")])).expect("split");
            let sum = Amount::checked_sum(shares.iter().map(|share| share.amount)).expect("sum");
            assert_eq!(sum, total);
        }
    }

    fn capped(rows: &[(&'static str, &str, Option<&str>)]) -> Vec<CappedTarget<&'static str>> {
        rows.iter().map(|&(key, weight, cap)| CappedTarget::new(key, dec(weight), cap.map(euros))).collect()
    }

    #[test]
    fn capped_splits_table() {
        type Row = (
            &'static str,
            &'static [(&'static str, &'static str, Option<&'static str>)],
            &'static [&'static str],
        );
        let cases: &[Row] = &[
            // No cap binds: the plain split.
            (
                "100.00",
                &[("a", "1", Some("50")), ("b", "1", None), ("c", "1", None)],
                &["33.34", "33.33", "33.33"],
            ),
            // The excess over a's cap goes to b and c by weight.
            (
                "100.00",
                &[("a", "1", Some("20")), ("b", "1", None), ("c", "1", None)],
                &["20.00", "40.00", "40.00"],
            ),
            // a binds, then b binds at the new level (30 = its cap), and c takes the rest.
            (
                "100.00",
                &[("a", "1", Some("10")), ("b", "1", Some("30")), ("c", "2", None)],
                &["10.00", "30.00", "60.00"],
            ),
            // a's quota 50.005 reaches its cap; 50.01 left over b and c, the odd cent to b (smaller key).
            (
                "100.01",
                &[("a", "2", Some("50")), ("c", "1", None), ("b", "1", None)],
                &["50.00", "25.00", "25.01"],
            ),
            (
                "-100.01",
                &[("a", "2", Some("50")), ("c", "1", None), ("b", "1", None)],
                &["-50.00", "-25.00", "-25.01"],
            ),
            // Caps exactly holding the total.
            ("30.00", &[("a", "1", Some("10")), ("b", "1", Some("20"))], &["10.00", "20.00"]),
            // A zero cap binds at once.
            ("10.00", &[("a", "1", Some("0")), ("b", "1", None)], &["0.00", "10.00"]),
            // Every cap binds against the total's rounding: 3 × 3.33 < 10 is refused below; 3 × 3.34 holds it.
            (
                "10.00",
                &[("a", "1", Some("3.34")), ("b", "1", Some("3.34")), ("c", "1", Some("3.34"))],
                &["3.34", "3.33", "3.33"],
            ),
            ("0.00", &[("a", "1", Some("0")), ("b", "1", Some("0"))], &["0.00", "0.00"]),
        ];
        for (total, rows, expected) in cases {
            let shares = split_capped(euros(total), &capped(rows)).expect("valid capped split");
            let amounts: Vec<String> = shares.iter().map(|share| share.amount.to_string()).collect();
            assert_eq!(amounts, *expected, "{total} over {rows:?}");
        }
        let shares = split_capped(euros("100.00"), &capped(&[("a", "1", Some("20")), ("b", "1", None)]))
            .expect("split");
        assert_eq!(shares[0].quota_exact.to_string(), "20.00");
        assert_eq!((shares[0].floor, shares[0].remainder_cents), (euros("20"), 0));
        assert_eq!(shares[1].quota_exact.to_string(), "80.00");
    }

    #[test]
    fn capped_refusals_table() {
        type Row = (&'static str, &'static [(&'static str, &'static str, Option<&'static str>)], SplitError);
        let cases: &[Row] = &[
            (
                "50.00",
                &[("a", "1", Some("10")), ("b", "1", Some("20"))],
                SplitError::CapsBelowTotal { total: euros("50"), caps: euros("30") },
            ),
            (
                "-50.00",
                &[("a", "1", Some("10")), ("b", "1", Some("20"))],
                SplitError::CapsBelowTotal { total: euros("50"), caps: euros("30") },
            ),
            (
                "10.00",
                &[("a", "1", Some("3.33")), ("b", "1", Some("3.33")), ("c", "1", Some("3.33"))],
                SplitError::CapsBelowTotal { total: euros("10"), caps: euros("9.99") },
            ),
            // A zero-weight target receives nothing, so it cannot absorb the excess.
            (
                "20.00",
                &[("a", "1", Some("10")), ("b", "0", None)],
                SplitError::CapsBelowTotal { total: euros("20"), caps: euros("10") },
            ),
            ("1.00", &[("a", "1", None), ("b", "1", Some("-0.01"))], SplitError::NegativeCap { index: 1 }),
            (
                "1.00",
                &[("a", "1", None), ("a", "1", Some("-1"))],
                SplitError::DuplicateKey { index: 1, first: 0 },
            ),
            ("1.00", &[("a", "0", Some("1"))], SplitError::ZeroTotalWeight),
        ];
        for (total, rows, error) in cases {
            assert_eq!(
                split_capped(euros(total), &capped(rows)).as_ref(),
                Err(error),
                "{total} over {rows:?}"
            );
        }
    }

    #[test]
    fn wide_product_table() {
        let cases = [
            (0, u128::MAX, (0, 0)),
            (1 << 64, 1 << 64, (1, 0)),
            (u128::MAX, u128::MAX, (u128::MAX - 1, 1)),
            (u128::MAX, 2, (1, u128::MAX - 1)),
            (123_456_789, 987_654_321, (0, 121_932_631_112_635_269)),
        ];
        for (a, b, product) in cases {
            assert_eq!(wide_product(a, b), product, "{a} × {b}");
            assert_eq!(wide_product(b, a), product, "{b} × {a}");
        }
    }
}
