//! Factur-X throughput on one core, beside plain PDF: a typical invoice of the 2026-S1 batch on fixtures/mel
//! (the invoice with the median number of lines) rendered as plain PDF/A, as Factur-X (CII built, checked against
//! EN 16931, written, embedded; XMP with the Factur-X extension), and its CII XML alone. The font set is built once,
//! outside the timed loop, as in a real run. Target: at least 3,000 Factur-X invoices per second (< 0.33 ms each).

use std::hint::black_box;
use std::path::Path;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mutua_core::Semester;
use mutua_documents::{BatchOptions, DocumentKind, build_batch};
use mutua_einvoice::facturx::{OutputFormat, cii_options, cii_xml, render_in_format};
use mutua_render::FontSet;

fn bench_facturx(criterion: &mut Criterion) {
    let dataset = mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"))
        .unwrap_or_else(|errors| panic!("{errors}"));
    let semester: Semester = "2026-S1".parse().unwrap_or_else(|error| panic!("{error}"));
    let allocation = mutua_alloc::allocate(&dataset, semester).unwrap_or_else(|error| panic!("{error}"));
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default(),
        series_start: Default::default(),
    };
    let batch = build_batch(&dataset, &allocation, &options).unwrap_or_else(|error| panic!("{error}"));
    let mut invoices: Vec<_> = batch.documents.iter().filter(|d| d.kind == DocumentKind::Invoice).collect();
    invoices.sort_by_key(|document| (document.lines.len(), document.number.clone()));
    let document = invoices[invoices.len() / 2];
    let fonts = FontSet::dejavu().unwrap_or_else(|error| panic!("{error}"));
    let xml = cii_xml(&dataset, document, &cii_options(document)).unwrap_or_else(|error| panic!("{error}"));
    eprintln!("typical invoice {}: {} lines, CII {} bytes", document.number, document.lines.len(), xml.len());

    let mut group = criterion.benchmark_group("facturx");
    group.throughput(Throughput::Elements(1));
    group.bench_function("plain_pdf_typical_invoice", |bencher| {
        bencher.iter(|| {
            render_in_format(&dataset, black_box(document), &fonts, OutputFormat::Pdf, false)
                .unwrap_or_else(|error| panic!("{error}"))
        });
    });
    group.bench_function("facturx_typical_invoice", |bencher| {
        bencher.iter(|| {
            render_in_format(&dataset, black_box(document), &fonts, OutputFormat::FacturX, false)
                .unwrap_or_else(|error| panic!("{error}"))
        });
    });
    group.bench_function("cii_xml_typical_invoice", |bencher| {
        bencher.iter(|| {
            cii_xml(&dataset, black_box(document), &cii_options(document))
                .unwrap_or_else(|error| panic!("{error}"))
        });
    });
    group.finish();
}

criterion_group!(benches, bench_facturx);
criterion_main!(benches);
