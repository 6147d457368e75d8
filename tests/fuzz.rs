//! Mutations of the bundled dataset, from a seeded generator: whatever the files say, `load` and `check` never
//! panic, every refusal names its file, line and field, and every dataset they accept is reconciled to the cent —
//! and issues without a data error (`mutua run` never fails where `check` passed).
//!
//! The number of cases is `MUTUA_FUZZ_CASES` (2,000 by default, what CI runs); the first seed is
//! `MUTUA_FUZZ_SEED` (to replay a failure, run with the seed and `MUTUA_FUZZ_CASES=1`); `MUTUA_FUZZ_VERBOSE=1`
//! prints why each refused dataset was refused.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use mutua_core::{Amount, Semester};
use mutua_dataset::ErrorKind;
use mutua_issue::{Depth, IssueOptions, MemoryLedger, MemorySink, NoProgress, OutputFormat};

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values a cell or a TOML string may be mutated into: extremes, signs, precision, dates, texts a document
/// cannot print, formula characters.
const VALUES: &[&str] = &[
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "50000000000000000000000000000",
    "99999999999999999999.99",
    "1000000000000.01",
    "1e30",
    "0",
    "0.00",
    "-1",
    "-0.01",
    "0.0000001",
    "1.123456789",
    "12,5",
    "",
    " ",
    "NaN",
    "2026-02-30",
    "1800-01-01",
    "2300-12-31",
    "2026-13-01",
    "2025-12-31",
    "2026-06-30",
    "2026-S3",
    "1899-S1",
    "2025-S2",
    "2026-S1",
    "yes",
    "MEL",
    "59350",
    "FEAL",
    "x",
    "Nom\u{7}caché",
    "Lille\u{202e}",
    "里尔",
    "ليل",
    "🏛️ Mairie",
    "=HYPERLINK(\"x\")",
    "-A1",
    "@SUM(A1)",
    "+33",
    "taxable",
    "pool_share",
];

/// One dataset: path → text, and how to turn it into a directory.
#[derive(Clone)]
struct Files(BTreeMap<String, String>);

impl Files {
    fn read(root: &Path) -> Files {
        let mut files = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if matches!(path.extension().and_then(|e| e.to_str()), Some("csv" | "toml")) {
                    let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                    files.insert(relative, std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        Files(files)
    }

    fn write_changed(&self, base: &Files, dir: &Path) {
        for (name, text) in &self.0 {
            if base.0.get(name) != Some(text) {
                let path = dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
        }
    }

    fn restore(&self, base: &Files, dir: &Path) {
        for (name, text) in &self.0 {
            if base.0.get(name) != Some(text) {
                std::fs::write(dir.join(name), &base.0[name]).unwrap();
            }
        }
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().filter_map(Result::ok).map(|r| r.iter().map(str::to_owned).collect()).collect()
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// A value near the original: a number scaled by a power of ten, negated, zeroed or given more decimals; a date
/// moved by some days; anything else kept.
fn plausible(original: &str, rng: &mut Rng) -> String {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(original, "%Y-%m-%d") {
        let days = i64::try_from(rng.below(2000)).unwrap() - 1000;
        return (date + chrono::TimeDelta::days(days)).to_string();
    }
    let Ok(value) = original.parse::<rust_decimal::Decimal>() else {
        return original.to_owned();
    };
    let scale = |power: u32| rust_decimal::Decimal::from(10u64.pow(power));
    let changed = match rng.below(7) {
        0 => value.checked_mul(scale(3)),
        1 => value.checked_mul(scale(9)),
        2 => value.checked_mul(scale(15)),
        3 => Some(-value),
        4 => Some(rust_decimal::Decimal::ZERO),
        5 => value.checked_add(rust_decimal::Decimal::new(1, 7)),
        _ => value.checked_div(scale(3)),
    };
    changed.map_or_else(|| original.to_owned(), |v| v.to_string())
}

/// One mutation of one file.
fn mutate(files: &mut Files, rng: &mut Rng) -> String {
    let names: Vec<String> = files.0.keys().cloned().collect();
    let name = rng.pick(&names).clone();
    let text = files.0[&name].clone();
    let (changed, what) = if name.ends_with(".csv") {
        let mut rows = csv_rows(&text);
        if rows.len() < 2 {
            return format!("{name}: nothing to mutate");
        }
        let row = 1 + rng.below(rows.len() - 1);
        match rng.below(10) {
            0 => {
                rows.remove(row);
                (csv_text(&rows), format!("{name}: row {} removed", row + 1))
            }
            1 => {
                let copy = rows[row].clone();
                rows.insert(row, copy);
                (csv_text(&rows), format!("{name}: row {} repeated", row + 1))
            }
            2 => {
                // A value of the same column, from another row (a member of another convention, another date…).
                let column = rng.below(rows[row].len());
                let other = 1 + rng.below(rows.len() - 1);
                let value = rows[other].get(column).cloned().unwrap_or_default();
                rows[row][column] = value.clone();
                (
                    csv_text(&rows),
                    format!(
                        "{name}: row {} column {} = {value:?} (from row {})",
                        row + 1,
                        column + 1,
                        other + 1
                    ),
                )
            }
            3..=6 => {
                // A plausible change of a figure or a date: scaled, negated, zeroed, made finer, moved.
                let column = rng.below(rows[row].len());
                let value = plausible(&rows[row][column], rng);
                rows[row][column] = value.clone();
                (csv_text(&rows), format!("{name}: row {} column {} = {value:?}", row + 1, column + 1))
            }
            _ => {
                let column = rng.below(rows[row].len());
                let value = (*rng.pick(VALUES)).to_owned();
                rows[row][column] = value.clone();
                (csv_text(&rows), format!("{name}: row {} column {} = {value:?}", row + 1, column + 1))
            }
        }
    } else {
        // A TOML value: a quoted string or a bare number after `=`.
        let spots: Vec<(usize, usize)> = text
            .match_indices("= ")
            .filter_map(|(at, _)| {
                let start = at + 2;
                let rest = &text[start..];
                if let Some(inner) = rest.strip_prefix('"') {
                    inner.find('"').map(|end| (start, start + end + 2))
                } else {
                    let end = rest
                        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                        .unwrap_or(rest.len());
                    (end > 0).then_some((start, start + end))
                }
            })
            .collect();
        if spots.is_empty() {
            return format!("{name}: nothing to mutate");
        }
        let (start, end) = *rng.pick(&spots);
        let current = &text[start..end];
        let replacement = if rng.below(10) < 7 {
            // A plausible change of the same value, quoted as it was.
            match current.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(inner) => format!("\"{}\"", plausible(inner, rng)),
                None => plausible(current, rng),
            }
        } else {
            let value = rng.pick(VALUES);
            if rng.below(4) == 0 && value.parse::<f64>().is_ok() {
                (*value).to_owned()
            } else {
                format!("\"{}\"", value.replace('"', "\\\""))
            }
        };
        let mut changed = text.clone();
        changed.replace_range(start..end, &replacement);
        (changed, format!("{name}: `{}` → `{replacement}`", &text[start..end]))
    };
    files.0.insert(name, changed);
    what
}

/// Whether a load error names its file, line and field (a line is not needed for an error about a whole file).
fn load_error_located(error: &mutua_dataset::LoadError) -> bool {
    let whole_file = matches!(
        error.kind,
        ErrorKind::MissingFile | ErrorKind::MissingDirectory | ErrorKind::Io(_) | ErrorKind::NoHeader
    );
    !error.file.is_empty()
        && error.file != "<code>"
        && !error.field.is_empty()
        && (error.line > 0 || whole_file)
}

fn check_error_located(error: &mutua_core::ValidationError) -> bool {
    // An internal error (a broken invariant of mutua's) is a failure, however it is located.
    error.field != mutua_issue::check::INTERNAL
        && !error.source.file.is_empty()
        && error.source.file != "<code>"
        && !error.field.is_empty()
        && (error.source.line > 0 || error.source.file == "dataset.toml")
}

/// Σ of the batch's documents and carried lines per dispositif and destination, recomputed from the documents,
/// against the reconciliation the batch states.
fn assert_reconciled(batch: &mutua_documents::Batch) -> Result<(), String> {
    let mut listed: BTreeMap<(String, &str), Amount> = BTreeMap::new();
    for document in &batch.documents {
        let destination = match document.kind {
            mutua_documents::DocumentKind::Invoice => "invoiced",
            mutua_documents::DocumentKind::CreditNote => "credited",
            mutua_documents::DocumentKind::AcStatement => "imputed",
            mutua_documents::DocumentKind::Refund => "refunded",
            _ => "paid",
        };
        for line in &document.lines {
            let entry = listed.entry((line.dispositif.to_string(), destination)).or_insert(Amount::ZERO);
            *entry = entry.checked_add(line.amount).map_err(|e| e.to_string())?;
        }
    }
    for summary in &batch.dispositifs {
        let d = &summary.destinations;
        for (destination, stated) in [
            ("invoiced", d.invoiced),
            ("credited", d.credited),
            ("imputed", d.imputed),
            ("paid", d.paid),
            ("refunded", d.refunded),
        ] {
            let found =
                listed.get(&(summary.dispositif.clone(), destination)).copied().unwrap_or(Amount::ZERO);
            if found != stated {
                return Err(format!(
                    "{} {destination}: documents {found} ≠ stated {stated}",
                    summary.dispositif
                ));
            }
        }
        if d.total().map_err(|e| e.to_string())? != summary.computed {
            return Err(format!("{}: Σ destinations ≠ computed {}", summary.dispositif, summary.computed));
        }
    }
    for pool in &batch.pools {
        let accounted = pool
            .shares
            .total()
            .and_then(|placed| placed.checked_add(pool.unbilled_total()?))
            .map_err(|e| e.to_string())?;
        if accounted != pool.to_distribute {
            return Err(format!(
                "{} {}: {accounted} ≠ {}",
                pool.convention, pool.component, pool.to_distribute
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    refused_by_load: usize,
    refused_by_check: usize,
    accepted: usize,
    issued: usize,
    failures: Vec<String>,
}

fn run_case(seed: u64, base: &Files, dir: &Path, tally: &mut Tally) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut files = base.clone();
    let mutations: Vec<String> = (0..1 + rng.below(2)).map(|_| mutate(&mut files, &mut rng)).collect();
    let label = format!("seed {seed} [{}]", mutations.join("; "));
    files.write_changed(base, dir);
    let semester: Semester = rng.pick(&["2026-S1", "2026-S1", "2026-S1", "2025-S2"]).parse().unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<&'static str, String> {
        let dataset = match mutua_dataset::load(dir) {
            Ok(dataset) => dataset,
            Err(errors) => {
                if let Some(error) = errors.iter().find(|e| !load_error_located(e)) {
                    return Err(format!("unlocated load error: {error}"));
                }
                if std::env::var_os("MUTUA_FUZZ_VERBOSE").is_some() {
                    eprintln!(
                        "{label}\n    {}",
                        errors.iter().next().map(ToString::to_string).unwrap_or_default()
                    );
                }
                return Ok("load");
            }
        };
        let report = mutua_issue::check(
            &dataset,
            semester,
            None,
            Depth::Layout,
            &mutua_alloc::History::of_titres(&dataset),
        );
        if !report.errors.is_empty() {
            if let Some(error) = report.errors.iter().find(|e| !check_error_located(e)) {
                return Err(format!("unlocated check error: {error}"));
            }
            if setting("MUTUA_FUZZ_VERBOSE", 0) > 0 {
                eprintln!("{label}\n    check: {}", report.errors[0]);
            }
            return Ok("check");
        }
        let batch = report.batch.ok_or("check accepted without a batch")?;
        assert_reconciled(&batch)?;
        // One accepted dataset in eight is issued in full, rendering every document: it must not fail.
        if seed.is_multiple_of(8) {
            let options = IssueOptions {
                semester,
                issue_date: semester.period().last(),
                format: OutputFormat::FacturX,
                series_start: BTreeMap::new(),
                chunk: mutua_issue::DEFAULT_CHUNK,
            };
            let mut ledger = MemoryLedger::new();
            let mut sink = MemorySink::new();
            let issued = mutua_issue::issue(&dataset, &options, &mut ledger, &mut sink, &NoProgress)
                .map_err(|error| format!("check passed but the run failed: {error}"))?;
            if !issued.after_commit.is_empty() {
                return Err(format!("after commit: {:?}", issued.after_commit));
            }
            return Ok("issued");
        }
        Ok("accepted")
    }));
    files.restore(base, dir);
    match outcome {
        Ok(Ok("load")) => tally.refused_by_load += 1,
        Ok(Ok("check")) => tally.refused_by_check += 1,
        Ok(Ok("issued")) => {
            tally.accepted += 1;
            tally.issued += 1;
        }
        Ok(Ok(_)) => tally.accepted += 1,
        Ok(Err(message)) => tally.failures.push(format!("{label}: {message}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            tally.failures.push(format!("{label}: PANIC {message}"));
        }
    }
}

/// A test setting from the environment (the test, not the library, reads it).
#[allow(clippy::disallowed_methods, reason = "a test's knobs, for replaying a failure")]
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn mutated_datasets_never_panic_are_refused_with_a_location_or_balance_to_the_cent() {
    let cases = setting("MUTUA_FUZZ_CASES", 2000);
    let first = setting("MUTUA_FUZZ_SEED", 1);
    let base = Files::read(&common::fixtures());
    // Panics are caught and reported as failures; keep the default hook from printing each one.
    std::panic::set_hook(Box::new(|_| {}));
    let workers = 2u64;
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let base = &base;
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    let root: PathBuf = dir.path().to_path_buf();
                    common::copy_dir(&common::fixtures(), &root);
                    let mut tally = Tally::default();
                    let mut seed = first + worker;
                    while seed < first + cases {
                        run_case(seed, base, &root, &mut tally);
                        seed += workers;
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let _ = std::panic::take_hook();
    let mut total = Tally::default();
    for tally in tallies {
        total.refused_by_load += tally.refused_by_load;
        total.refused_by_check += tally.refused_by_check;
        total.accepted += tally.accepted;
        total.issued += tally.issued;
        total.failures.extend(tally.failures);
    }
    eprintln!(
        "{cases} mutated datasets: {} refused by load, {} refused by check, {} accepted ({} issued in full)",
        total.refused_by_load, total.refused_by_check, total.accepted, total.issued
    );
    assert!(total.failures.is_empty(), "{} failure(s):\n{}", total.failures.len(), total.failures.join("\n"));
    assert!(
        total.accepted as u64 > cases / 10,
        "too few accepted datasets to test the reconciliation: {}",
        total.accepted
    );
}
