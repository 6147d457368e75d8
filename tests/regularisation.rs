//! A regularisation subtracts what the ledger says was billed: Aubers' 2025-S2 activity corrected after its
//! invoice (five more planning files) is regularised in 2026-S1 against the 9 060,39 € its invoice billed, and a
//! titre for a semester the ledger covers is refused.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{copy_dir, fixtures, mutua};

fn text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn a_correction_after_billing_is_regularised_against_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_dir(&fixtures(), &data);
    // mutua issues 2025 itself: no titres, and nothing carried into 2025-S1.
    let titres = std::fs::read_to_string(data.join("titres.csv")).unwrap();
    std::fs::remove_file(data.join("titres.csv")).unwrap();
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
        assert!(run.status.success(), "{}", text(&run));
    }
    // Five more planning files for Aubers in 2025-S2, recorded after its invoice.
    let activity = data.join("activity.csv");
    let corrected = std::fs::read_to_string(&activity)
        .unwrap()
        .replace("sim-ads-2015,59025,2025-S2,ads,PC,9\n", "sim-ads-2015,59025,2025-S2,ads,PC,14\n");
    std::fs::write(&activity, corrected).unwrap();
    let explain = mutua(&[
        "explain",
        "--data",
        data_arg,
        "--commune",
        "59025",
        "--dispositif",
        "sim-ads",
        "--ledger",
        ledger_arg,
    ]);
    let explained = text(&explain);
    assert!(explain.status.success(), "{explained}");
    // What the 2025-S2 invoice billed, with its number; the corrected activity is due on the actual.
    assert!(
        explained.contains("Facturé, 2nd semestre 2025 : 9\u{202f}060,39\u{a0}€ — document n° FAC-MEL-2026-"),
        "{explained}"
    );
    assert!(
        explained.contains("Facturé, 1er semestre 2025 : 6\u{202f}629,55\u{a0}€ — document n° FAC-MEL-2025-"),
        "{explained}"
    );
    assert!(explained.contains("25,5 × 465,64\u{a0}€ par équivalent PC"), "{explained}");
    // 2026-S1 is issued with that regularisation.
    let run = mutua(&["run", "--data", data_arg, "--out", out_arg, "--issue-date", "2026-07-15"]);
    assert!(run.status.success(), "{}", text(&run));
    let lines = std::fs::read_to_string(out.join("lines.csv")).unwrap();
    let aubers = lines
        .lines()
        .find(|l| {
            l.contains(",59025,") && l.contains(",sim-ads-2015,") && l.contains(",regularisation:2025,")
        })
        .unwrap_or_else(|| panic!("no regularisation line for Aubers:\n{lines}"));
    // 18 858,42 € due on the actual (exactly: 15 and 25,5 units × 465,64 €) − 15 689,94 € billed.
    assert!(aubers.contains(",3168.48,"), "{aubers}");
    // A titre for a semester the ledger holds is refused, located, by check as by run.
    std::fs::write(data.join("titres.csv"), titres).unwrap();
    let check = mutua(&["check", "--data", data_arg, "--ledger", ledger_arg]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(
        text(&check).contains("titres.csv:2: semester: le 1er semestre 2025 est déjà au registre de mutua"),
        "{}",
        text(&check)
    );
}
