//! A semester built in memory, as a finance system that reads its own database would: three communes, two shared
//! services, built with the model's builders, validated, issued into a temporary folder with a file ledger, and
//! the reconciliation printed.
//!
//! ```sh
//! cargo run --example in_memory_semester
//! ```
#![allow(clippy::print_stdout, reason = "an example prints what it did")]

use chrono::NaiveDate;
use mutua_core::{ConventionBuilder, DatasetBuilder, Key, Rule, municipale_in_force};
use mutua_issue::{
    DirectoryTarget, IssueOptions, LockWait, NoProgress, OutputFormat, Status, issue_to_directory,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let day = |month, day| NaiveDate::from_ymd_opt(2026, month, day).ok_or("date");
    let since = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("date")?;
    // The dataset: the provider, three communes (INSEE, name, SIREN, population municipale), two conventions.
    let dataset = DatasetBuilder::new("Métropole de démonstration", "2026-S1")
        .metropole("MEL", "Métropole Européenne de Lille", "200093201")
        .commune("59005", "Allennes-les-Marais", "215900051", 1523)
        .commune("59009", "Villeneuve-d'Ascq", "215900093", 62_868)
        .commune("59011", "Annœullin", "215900119", 10_847)
        .dispositif("cep", "Conseil en énergie partagé")
        .dispositif("sig", "Système d'information géographique")
        .convention(
            ConventionBuilder::new("cep-2021", "cep", "MEL", since)
                .reference("Délibération n° 21 C 0262 du 23 avril 2021")
                .component("habitants", "Conseil en énergie partagé", Rule::per_inhabitant("1.20".parse()?)),
        )
        .convention(
            ConventionBuilder::new("sig-2021", "sig", "MEL", since)
                .reference("Délibération n° 21 C 0100 du 12 février 2021")
                .component("forfait", "SIG : part fixe", Rule::flat_fee("300.00".parse()?))
                .component(
                    "variable",
                    "SIG : part variable",
                    Rule::fixed_pool(
                        "24000.00".parse()?,
                        Key::Population { population: municipale_in_force() },
                    ),
                ),
        )
        .member("cep-2021", "59005", since, None)
        .member("cep-2021", "59011", day(3, 15)?, None)
        .member("sig-2021", "59005", since, None)
        .member("sig-2021", "59009", since, None)
        .member("sig-2021", "59011", since, Some(day(4, 30)?))
        .build()?;

    // Issue 2026-S1 into a temporary folder: numbered documents, a ledger, the reports.
    let folder = tempfile::tempdir()?;
    let options = IssueOptions {
        semester: "2026-S1".parse()?,
        issue_date: day(7, 15)?,
        format: OutputFormat::FacturX,
        series_start: Default::default(),
        chunk: mutua_issue::DEFAULT_CHUNK,
    };
    let target = DirectoryTarget {
        out: folder.path().join("out"),
        ledger: folder.path().join("mutua-ledger.jsonl"),
        holder: format!("example in_memory_semester, process {}", std::process::id()),
        wait: LockWait::Fail,
    };
    let report = issue_to_directory(&dataset, &options, &target, &NoProgress)?;
    for record in report.with_status(Status::Issued) {
        println!("{} → {} : {} € ({})", record.number, record.recipient, record.total, record.file.name);
    }
    print!("{}", mutua_documents::present::reconciliation::text(report.semester, &report.dispositifs));
    for line in mutua_documents::present::reconciliation::unbilled_warnings(&report.pools) {
        println!("{line}");
    }
    Ok(())
}
