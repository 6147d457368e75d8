//! The semester on the bundled MEL dataset: the whole 2026-S1 allocation (target: under 10 ms), building the
//! documents from it, and the full issue in process (allocate, build, plan, render every document on all cores,
//! commit to an in-memory ledger and sink, manifest and exports) — `mutua run` without the file system (target
//! for the whole command: under 1 s in release).

use std::hint::black_box;
use std::path::Path;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use mutua_core::Semester;
use mutua_documents::{BatchOptions, build_batch};
use mutua_issue::{IssueOptions, MemoryLedger, MemorySink, NoProgress, OutputFormat, issue};

fn semester(c: &mut Criterion) {
    let dataset = mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    let s1: Semester = "2026-S1".parse().unwrap_or_else(|error| panic!("{error}"));
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default(),
        series_start: Default::default(),
    };

    c.bench_function("load fixtures/mel", |b| {
        b.iter(|| mutua_dataset::load(black_box(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"))))
    });
    c.bench_function("allocate 2026-S1 (fixtures/mel)", |b| {
        b.iter(|| {
            mutua_alloc::allocate(black_box(&dataset), black_box(s1))
                .unwrap_or_else(|error| panic!("{error}"))
        })
    });
    let allocation = mutua_alloc::allocate(&dataset, s1).unwrap_or_else(|error| panic!("{error}"));
    c.bench_function("build documents 2026-S1", |b| {
        b.iter(|| build_batch(black_box(&dataset), black_box(&allocation), &options))
    });
    let mut group = c.benchmark_group("batch");
    group.sample_size(20);
    let issue_options = IssueOptions {
        semester: s1,
        issue_date: options.issue_date,
        format: OutputFormat::FacturX,
        series_start: Default::default(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    };
    group.bench_function("issue 2026-S1 into memory (allocate, build, plan, render, commit, reports)", |b| {
        b.iter(|| {
            let mut ledger = MemoryLedger::new();
            let mut sink = MemorySink::new();
            let report = issue(&dataset, &issue_options, &mut ledger, &mut sink, &NoProgress)
                .unwrap_or_else(|error| panic!("{error}"));
            black_box(report.documents.len())
        })
    });
    group.finish();
}

criterion_group!(benches, semester);
criterion_main!(benches);
