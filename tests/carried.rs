//! Carried amounts go through the ledger, not a hand-copied file: Wasquehal's 6,40 € carried by the run of
//! 2025-S2 is billed by the run of 2026-S1 with nothing copied, `explain` says where it comes from, and a copy of
//! it left in the dataset's `carried.csv` is refused rather than billed twice.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{copy_dir, fixtures, mutua, output_text};

#[test]
fn an_amount_carried_by_a_run_is_billed_by_the_next_from_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // mutua issues 2025 itself: no titres, and nothing carried into 2025-S1.
    std::fs::remove_file(data.join("titres.csv")).unwrap();
    let imported = std::fs::read_to_string(data.join("carried.csv")).unwrap();
    std::fs::remove_file(data.join("carried.csv")).unwrap();
    let out = dir.path().join("out");
    let ledger = dir.path().join("mutua-ledger.jsonl");
    let (data_arg, out_arg, ledger_arg) =
        (data.to_str().unwrap(), out.to_str().unwrap(), ledger.to_str().unwrap());
    for (semester, date) in [("2025-S1", "2025-07-15"), ("2025-S2", "2026-01-15")] {
        let run = mutua(&[
            "run",
            "--data",
            data_arg,
            "--semester",
            semester,
            "--out",
            out_arg,
            "--issue-date",
            date,
        ]);
        assert!(run.status.success(), "{}", output_text(&run));
    }
    // The run of 2025-S2 carried Wasquehal's printing (256 equivalent pages, 6,40 €): its commit says so.
    let last_commit = std::fs::read_to_string(&ledger).unwrap().lines().last().unwrap().to_owned();
    assert!(
        last_commit.contains(r#""semester":"2025-S2""#)
            && last_commit.contains(r#""debtor":"59646""#)
            && last_commit.contains(r#""amount":"6.40""#),
        "{last_commit}"
    );
    // `mutua ledger` lists it under the run that carried it.
    let listing = mutua(&["ledger", "--ledger", ledger_arg]);
    assert!(listing.status.success(), "{}", output_text(&listing));
    let listed = output_text(&listing);
    let header = "Reporté par l'exécution du 2d semestre 2025 (sous le seuil de mise en recouvrement) :";
    let after = listed.split(header).nth(1).unwrap_or_else(|| panic!("{listed}"));
    let first = after.lines().nth(1).unwrap();
    assert!(
        first.contains("59646") && first.contains("6.40") && first.contains("2d semestre 2025"),
        "{first}"
    );
    // explain for 2026-S1 shows the amount, its origin and where it is recorded.
    let explain = mutua(&[
        "explain",
        "--data",
        data_arg,
        "--commune",
        "59646",
        "--dispositif",
        "impression",
        "--ledger",
        ledger_arg,
    ]);
    let explained = output_text(&explain);
    assert!(explain.status.success(), "{explained}");
    assert!(explained.contains("Semestre d'origine : 2d semestre 2025"), "{explained}");
    assert!(
        explained.contains("Reporté par : l'exécution du 2d semestre 2025 (registre de mutua)"),
        "{explained}"
    );
    // 2026-S1 bills it, with nothing copied into the dataset: 36,25 € + 6,40 €.
    let run = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-15"]);
    assert!(run.status.success(), "{}", output_text(&run));
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    let wasquehal: Vec<&str> =
        lines.lines().filter(|l| l.contains(",59646,") && l.contains("impression")).collect();
    assert!(
        wasquehal.iter().any(|l| l.contains(",carried:2025-S2,") && l.contains(",6.40,")),
        "{wasquehal:?}"
    );
    assert!(wasquehal.iter().any(|l| l.contains(",current,") && l.contains(",36.25,")), "{wasquehal:?}");
    // The old habit, copying the carried amounts into the dataset, is refused, located, rather than billed twice.
    std::fs::write(data.join("carried.csv"), imported).unwrap();
    let check = mutua(&["check", "--data", data_arg, "--ledger", ledger_arg]);
    assert_eq!(check.status.code(), Some(1), "{}", output_text(&check));
    assert!(
        output_text(&check).contains(
            "carried.csv:2: semester: ce que l'exécution du 2d semestre 2025 a reporté est au registre de mutua"
        ),
        "{}",
        output_text(&check)
    );
    let again = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-16"]);
    assert_eq!(again.status.code(), Some(1), "{}", output_text(&again));
}
