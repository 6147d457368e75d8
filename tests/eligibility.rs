//! End to end: a CEP commune (Wervicq-Sud, 59656, 5,446 inhabitants in millésime 2022) whose population in
//! millésime 2023 (in force in 2026) crosses the CEP threshold of 15,000. `mutua check` and `mutua run` report it
//! before the batch and succeed; under the default reading (`each_year`) it is no longer billed for the CEP in
//! 2026, under `until_end` it is. And `mutua explain` names the day count of a prorated line.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;
use common::{copy_dir, fixtures, mutua};

/// The bundled dataset with 59656's millésime 2023 at 15,204 inhabitants, and `convention_line` added to the CEP
/// convention's file (after its `pro_rata`).
fn crossing_dataset(convention_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), dir.path());
    let populations = dir.path().join("populations.csv");
    let text = std::fs::read_to_string(&populations).unwrap();
    assert!(text.contains("\n59656,2023,5426,5478\n"));
    std::fs::write(&populations, text.replace("\n59656,2023,5426,5478\n", "\n59656,2023,15204,15300\n"))
        .unwrap();
    let cep = dir.path().join("conventions/cep-2021.toml");
    let text = std::fs::read_to_string(&cep).unwrap();
    std::fs::write(
        &cep,
        text.replace("pro_rata = \"days\"\n", &format!("pro_rata = \"days\"\n{convention_line}\n")),
    )
    .unwrap();
    dir
}

/// The line of 59656's CEP membership in `memberships.csv`.
fn membership_line() -> usize {
    let text = std::fs::read_to_string(fixtures().join("memberships.csv")).unwrap();
    text.lines().position(|line| line.starts_with("cep-2021,59656,")).unwrap() + 1
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_and_run_report_a_member_leaving_its_eligibility_and_succeed() {
    let line = membership_line();
    let cases = [
        (
            "",
            format!(
                "attention : memberships.csv:{line}: member: la commune « 59656 » quitte la convention « cep-2021 » au \
                 1er janvier 2026 : population municipale 15\u{202f}204 (millésime 2023) ≥ 15\u{202f}000 ; l'éligibilité \
                 se vérifie chaque année, elle n'est plus facturée à partir de cette date"
            ),
            false,
        ),
        (
            "eligibility_check = \"until_end\"",
            format!(
                "attention : memberships.csv:{line}: member: la commune « 59656 » ne remplit plus la condition \
                 d'éligibilité de la convention « cep-2021 » à partir de 2026 : population municipale 15\u{202f}204 \
                 (millésime 2023) ≥ 15\u{202f}000 ; la convention garde ses membres jusqu'à sa fin : elle reste \
                 membre et facturée sans date de fin"
            ),
            true,
        ),
    ];
    for (reading, warning, billed) in cases {
        let dir = crossing_dataset(reading);
        let data = dir.path().to_str().unwrap();
        let check = mutua(&["check", "--data", data, "--semester", "2026-S1"]);
        let stderr = text(&check.stderr);
        assert!(check.status.success(), "{reading}: check succeeds: {stderr}");
        assert!(stderr.lines().any(|l| l == warning), "{reading}: {stderr}");
        let out = dir.path().join("out-projet");
        let run = mutua(&[
            "run",
            "--data",
            data,
            "--semester",
            "2026-S1",
            "--dry-run",
            "--out",
            out.to_str().unwrap(),
            "--issue-date",
            "2026-07-15",
        ]);
        let stderr = text(&run.stderr);
        assert!(run.status.success(), "{reading}: run succeeds: {stderr}");
        assert!(stderr.lines().any(|l| l == warning), "{reading}: run warns before the batch: {stderr}");
        let explain = mutua(&["explain", "--data", data, "--commune", "59656", "--semester", "2026-S1"]);
        assert!(explain.status.success(), "{}", text(&explain.stderr));
        let statement = text(&explain.stdout);
        assert_eq!(
            statement.contains("Conseil en énergie partagé (par habitant)"),
            billed,
            "{reading}: {statement}"
        );
    }
}

#[test]
fn explain_names_the_day_count_of_a_prorated_line() {
    // 59005's GéOxalis share is weighted by its presence, counted in months started.
    let explain =
        mutua(&["explain", "--commune", "59005", "--semester", "2026-S1", "--dispositif", "geoxalis"]);
    assert!(explain.status.success(), "{}", text(&explain.stderr));
    let statement = text(&explain.stdout);
    assert!(
        statement.contains("Décompte du prorata : mois commencés sur les 12 mois de l'année"),
        "{statement}"
    );
    assert!(statement.contains("Présence : 6 mois sur 6"), "{statement}");
}
