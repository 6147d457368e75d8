//! Shared by the library tests: the bundled dataset and records of its documents without rendering.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mutua_core::{Dataset, Semester, ValidatedDataset};
use mutua_documents::{Batch, BatchOptions, Document, build_batch};
use mutua_issue::record::{DocumentRecord, FileRecord};
use mutua_issue::{FileName, OutputFormat, Sha256};

pub fn fixtures() -> &'static ValidatedDataset {
    static DATASET: OnceLock<ValidatedDataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel"))
            .unwrap_or_else(|errors| panic!("{errors}"))
    })
}

pub fn semester() -> Semester {
    "2026-S1".parse().unwrap()
}

pub fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

/// A changed dataset, validated again.
pub fn validated(dataset: Dataset) -> ValidatedDataset {
    ValidatedDataset::new(dataset).unwrap_or_else(|rejected| panic!("{rejected}"))
}

/// The documents of 2026-S1 for a dataset, issued on a day of July 2026.
pub fn batch(dataset: &ValidatedDataset, day: u32) -> Batch {
    let allocation = mutua_alloc::allocate(dataset, semester()).unwrap();
    build_batch(
        dataset,
        &allocation,
        &BatchOptions { issue_date: date(7, day), series_start: BTreeMap::new() },
    )
    .unwrap()
}

/// The record of a numbered document, with a made-up file (its hash is of its number).
pub fn record(document: &Document) -> DocumentRecord {
    DocumentRecord::of(
        document,
        FileRecord {
            output: "out".to_owned(),
            name: FileName::parse(&document.file_name("pdf")).unwrap(),
            sha256: Sha256::of(document.number.as_bytes()),
            format: OutputFormat::Pdf,
            xml: None,
        },
    )
}
