//! The semester on the bundled MEL dataset: the whole 2026-S1 allocation (target: under 10 ms), building the
//! documents from it, and the full batch in process (allocate, build, render every document on all cores,
//! exports) — the in-process part of `mutua run` (target for the whole command: under 1 s in release).

use std::hint::black_box;
use std::path::Path;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use mutua_core::Semester;
use mutua_invoice::export::{RenderedFile, RunRecord, lines_csv, manifest_json};
use mutua_invoice::render::{FontSet, RenderOptions};
use mutua_invoice::{BatchOptions, build_batch, render_document};
use rayon::prelude::*;

fn semester(c: &mut Criterion) {
    let dataset = mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    let s1: Semester = "2026-S1".parse().unwrap_or_else(|error| panic!("{error}"));
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default(),
        series_start: Default::default(),
    };
    let fonts = FontSet::dejavu().unwrap_or_else(|error| panic!("{error}"));
    let render_options = RenderOptions { pdfa: true, attachments: vec![], xmp_extensions: vec![] };

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
    group.bench_function("allocate + build + render all + exports, 2026-S1", |b| {
        b.iter(|| {
            let allocation = mutua_alloc::allocate(&dataset, s1).unwrap_or_else(|error| panic!("{error}"));
            let batch =
                build_batch(&dataset, &allocation, &options).unwrap_or_else(|error| panic!("{error}"));
            let files: Vec<RenderedFile> = batch
                .documents
                .par_iter()
                .map(|document| {
                    let bytes = render_document(&dataset, document, &fonts, &render_options, false)
                        .unwrap_or_else(|error| panic!("{error}"));
                    RenderedFile {
                        file: document.file_name("pdf"),
                        sha256: bytes.len().to_string(),
                        format: "pdf".into(),
                        cii: None,
                    }
                })
                .collect();
            black_box(manifest_json(&dataset, &batch, &files, &RunRecord::default()).unwrap_or_default());
            black_box(lines_csv(&dataset, &batch.documents).unwrap_or_default());
        })
    });
    group.finish();
}

criterion_group!(benches, semester);
criterion_main!(benches);
