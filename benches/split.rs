//! Benchmarks of the exact splitter: a pool of 1 234 567,89 € over 1 000, 35 000 (about the number of
//! French communes) and 1 000 000 targets, with varied decimal weights.
//!
//! Budgets on one core: 35 000 targets in under 5 ms, 1 000 000 in under 250 ms. The shares are dropped
//! outside the timing (`iter_with_large_drop`): freeing a million keys is the caller's cost, not the split's.
//! Run with `cargo bench --bench split`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mutua_alloc::{CappedTarget, SplitTarget, split, split_capped, split_equal};
use mutua_core::{Amount, parse_decimal_exact};

const SIZES: [usize; 3] = [1_000, 35_000, 1_000_000];

/// SplitMix64: deterministic pseudo-random weights without a dependency.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A target with a weight of 0 to 3 decimals below 10⁹, like a population, a surface or a full-time
    /// equivalent. (The weight goes through its text: this package does not depend on rust_decimal.)
    fn target<K>(&mut self, key: K) -> SplitTarget<K> {
        let decimals = (self.next() % 4) as usize;
        let digits = format!("{:04}", self.next() % 1_000_000_000);
        let (integer, fraction) = digits.split_at(digits.len() - decimals);
        let text = if decimals == 0 { integer.to_owned() } else { format!("{integer}.{fraction}") };
        SplitTarget::new(key, parse_decimal_exact(&text).expect("a generated decimal"))
    }
}

fn pool() -> Amount {
    Amount::from_cents(123_456_789)
}

/// Distinct keys in scrambled order: multiplying by an odd constant is a bijection of u32.
fn shuffled_key(index: usize) -> u32 {
    (index as u32).wrapping_mul(0x9E37_79B1)
}

fn u32_targets(size: usize, sorted: bool) -> Vec<SplitTarget<u32>> {
    let mut sequence = Sequence(size as u64);
    (0..size)
        .map(|index| {
            let key = if sorted { index as u32 } else { shuffled_key(index) };
            sequence.target(key)
        })
        .collect()
}

fn string_targets(size: usize) -> Vec<SplitTarget<String>> {
    let mut sequence = Sequence(size as u64);
    (0..size).map(|index| sequence.target(format!("C{:010}", shuffled_key(index)))).collect()
}

fn bench_split(c: &mut Criterion) {
    let mut group = c.benchmark_group("split");
    for size in SIZES {
        if size >= 1_000_000 {
            group.sample_size(10).measurement_time(Duration::from_secs(10));
        } else {
            group.sample_size(50).measurement_time(Duration::from_secs(5));
        }
        group.throughput(Throughput::Elements(size as u64));
        let shuffled = u32_targets(size, false);
        group.bench_with_input(BenchmarkId::new("u32_shuffled", size), &shuffled, |b, targets| {
            b.iter_with_large_drop(|| split(black_box(pool()), black_box(targets)))
        });
        let sorted = u32_targets(size, true);
        group.bench_with_input(BenchmarkId::new("u32_sorted", size), &sorted, |b, targets| {
            b.iter_with_large_drop(|| split(black_box(pool()), black_box(targets)))
        });
        let strings = string_targets(size);
        group.bench_with_input(BenchmarkId::new("string_shuffled", size), &strings, |b, targets| {
            b.iter_with_large_drop(|| split(black_box(pool()), black_box(targets)))
        });
        let keys: Vec<u32> = (0..size).map(shuffled_key).collect();
        group.bench_with_input(BenchmarkId::new("equal_u32_shuffled", size), &keys, |b, keys| {
            b.iter_with_large_drop(|| split_equal(black_box(pool()), black_box(keys)))
        });
        // Every fourth target capped at 0.05 ‰ of the pool: many caps bind, the excess flows to the rest.
        let mut sequence = Sequence(7);
        let capped: Vec<CappedTarget<u32>> = shuffled
            .iter()
            .map(|target| {
                let cap = sequence.next().is_multiple_of(4).then(|| Amount::from_cents(6_173));
                CappedTarget::new(target.key, target.weight, cap)
            })
            .collect();
        group.bench_with_input(BenchmarkId::new("capped_u32_shuffled", size), &capped, |b, targets| {
            b.iter_with_large_drop(|| split_capped(black_box(pool()), black_box(targets)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_split);
criterion_main!(benches);
