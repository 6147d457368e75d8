//! The national benchmark: France-sized datasets generated from `fixtures/mel` (`mutua-synth`: EPCIs of realistic
//! sizes, the 16 conventions each), issued end to end (Factur-X) into a folder on a memory file system and on disk,
//! so that the engine and the file system are measured apart.
//!
//! ```text
//! cargo bench --bench national                      # 1,000, 5,000 and 35,000 communes
//! NATIONAL_SIZES=1000,5000 cargo bench --bench national
//! NATIONAL_DISK=/var/tmp cargo bench --bench national   # where the on-disk runs write (default: target/)
//! NATIONAL_OUTPUTS=/dev/shm cargo bench --bench national # only the memory file system (or `disk`)
//! ```
//!
//! For each size and output it reports the wall time of each phase (generate, load and validate, compute —
//! allocation, documents, reconciliation —, issue — plan, render, write, sync, commit, reports), the wall and CPU time of the
//! run (load + issue: the issue computes again what it issues), the peak resident memory of the run (the process's high-water mark, reset before each run), the documents and
//! bytes written (documents and reports), documents per second and bytes per document. Linux only (it reads `/proc/self`).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, missing_docs)]
#![allow(clippy::float_arithmetic, reason = "rates and sizes for the report, never an amount")]
#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark times itself and reads its settings from the environment"
)]

// The CLI's allocator, so that the figures are the CLI's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use mutua_issue::{DirectoryTarget, IssueOptions, LockWait, NoProgress};

/// The process's CPU time (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name is in parentheses and may hold spaces: fields are counted after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // After the name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
    let field = |n: usize| after.split_whitespace().nth(n).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(11) + field(12);
    // Linux reports in clock ticks of 1/100 s (USER_HZ).
    Duration::from_millis(ticks * 10)
}

/// The peak resident set since the last reset, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The resident set now, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Resets the peak resident set to the current one.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn bytes_under(dir: &Path) -> (u64, usize) {
    let mut total = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(metadata) = entry.metadata() else { continue };
        if metadata.is_file() {
            total += metadata.len();
            files += 1;
        }
    }
    (total, files)
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

struct Row {
    communes: usize,
    output: &'static str,
    documents: usize,
    load: Duration,
    compute: Duration,
    issue: Duration,
    wall: Duration,
    cpu: Duration,
    peak: u64,
    /// Resident after loading (the dataset) and with the computed batch besides.
    loaded: u64,
    batch: u64,
    written: u64,
    ledger: u64,
}

fn run(communes: usize, dataset: &Path, output: &'static str, root: &Path) -> Row {
    let out = root.join(format!("mutua-national-{communes}-out"));
    let ledger = root.join(format!("mutua-national-{communes}.jsonl"));
    let _ = std::fs::remove_dir_all(&out);
    for path in [ledger.clone(), mutua_issue::anchor_path(&ledger), mutua_issue::lock_path(&ledger)] {
        let _ = std::fs::remove_file(path);
    }
    reset_peak();
    let cpu_before = cpu_time();
    let start = Instant::now();
    let validated = mutua_dataset::load(dataset).unwrap_or_else(|errors| panic!("{errors}"));
    let load = start.elapsed();
    let cpu_load = cpu_time().saturating_sub(cpu_before);
    let loaded = rss();
    let semester = validated.meta.current_semester;
    let issue_date = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
    let history = mutua_issue::ledger_history(&validated, semester, &ledger, LockWait::Fail).unwrap();
    let computed = Instant::now();
    let check =
        mutua_issue::check(&validated, semester, Some(issue_date), mutua_issue::Depth::Documents, &history);
    assert!(check.is_ok(), "{:?}", check.errors.first());
    let compute = computed.elapsed();
    let batch = rss();
    drop(check);
    // The issue computes the same again (it checks what it issues): the wall and CPU of the run are load + issue.
    let cpu_computed = cpu_time();
    let issuing = Instant::now();
    let target = DirectoryTarget {
        out: out.clone(),
        ledger: ledger.clone(),
        holder: "national".into(),
        wait: LockWait::Fail,
    };
    let report = mutua_issue::issue_to_directory(
        &validated,
        &IssueOptions::new(semester, issue_date),
        &target,
        &NoProgress,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let issue = issuing.elapsed();
    let wall = load + issue;
    let cpu = cpu_load + cpu_time().saturating_sub(cpu_computed);
    let peak = peak_rss();
    let (written, _) = bytes_under(&out);
    let ledger_bytes = std::fs::metadata(&ledger).map_or(0, |m| m.len());
    let documents = report.documents.len();
    drop(report);
    drop(validated);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_file(&ledger);
    Row {
        communes,
        output,
        documents,
        load,
        compute,
        issue,
        wall,
        cpu,
        peak,
        loaded,
        batch,
        written,
        ledger: ledger_bytes,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no other argument.
    let sizes: Vec<usize> = std::env::var("NATIONAL_SIZES")
        .unwrap_or_else(|_| "1000,5000,35000".to_owned())
        .split(',')
        .filter_map(|size| size.trim().parse().ok())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let memory = PathBuf::from("/dev/shm");
    let disk = std::env::var_os("NATIONAL_DISK").map_or_else(|| root.join("target"), PathBuf::from);
    let outputs: Vec<String> = std::env::var("NATIONAL_OUTPUTS")
        .unwrap_or_else(|_| "/dev/shm,disk".to_owned())
        .split(',')
        .map(|output| output.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for &communes in &sizes {
        let dataset = memory.join(format!("mutua-national-{communes}"));
        let _ = std::fs::remove_dir_all(&dataset);
        let generating = Instant::now();
        let summary = mutua_synth::generate(&root.join("fixtures/mel"), communes, &dataset)
            .unwrap_or_else(|error| panic!("{error}"));
        eprintln!(
            "{communes} communes, {} EPCI: generated in {}",
            summary.epci_sizes.len(),
            seconds(generating.elapsed())
        );
        for (output, dir) in [("/dev/shm", &memory), ("disk", &disk)] {
            if !outputs.iter().any(|wanted| wanted == output) {
                continue;
            }
            let row = run(communes, &dataset, output, dir);
            eprintln!("  {output}: {} documents in {}", row.documents, seconds(row.wall));
            rows.push(row);
        }
        let _ = std::fs::remove_dir_all(&dataset);
    }
    println!(
        "| communes | output | documents | load + validate | compute | issue | wall | CPU | peak RSS | RSS loaded | RSS + batch | written | per document | documents/s | ledger |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let per_document = row.written / (row.documents.max(1) as u64);
        let rate = row.documents as f64 / row.wall.as_secs_f64().max(1e-9);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} KB | {:.0} | {} |",
            row.communes,
            row.output,
            row.documents,
            seconds(row.load),
            seconds(row.compute),
            seconds(row.issue),
            seconds(row.wall),
            seconds(row.cpu),
            mib(row.peak),
            mib(row.loaded),
            mib(row.batch),
            mib(row.written),
            per_document as f64 / 1000.0,
            rate,
            mib(row.ledger),
        );
    }
}
