//! End-to-end tests of `mutua run --format`: Factur-X by default (invoices and credit notes only), the CII XML
//! beside the PDF with `--format cii`, byte-identical to the XML embedded in the Factur-X PDF (read back with
//! `qpdf --show-attachment`), and every format recorded in the manifest.
#![allow(clippy::unwrap_used, clippy::print_stderr, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

mod common;
use common::mutua;

/// Runs the 2026-S1 batch in `format` into `dir/out` (ledger in `dir`), returning the output and its manifest.
fn run(dir: &Path, format: Option<&str>) -> (PathBuf, Value) {
    let out = dir.join("out");
    let ledger = dir.join("ledger.jsonl");
    let mut args = vec![
        "run",
        "--semester",
        "2026-S1",
        "--issue-date",
        "2026-07-15",
        "--out",
        out.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    let output = mutua(&args);
    assert!(output.status.success(), "mutua run failed: {}", String::from_utf8_lossy(&output.stderr));
    let manifest =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    (out, manifest)
}

fn is_e_invoice(document: &Value) -> bool {
    matches!(document["kind"].as_str(), Some("invoice" | "credit_note"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn facturx_by_default_cii_beside_the_pdf_and_the_same_xml_in_both() {
    let facturx_dir = tempfile::tempdir().unwrap();
    let cii_dir = tempfile::tempdir().unwrap();
    let pdf_dir = tempfile::tempdir().unwrap();
    let (facturx_out, facturx) = run(facturx_dir.path(), None);
    let (cii_out, cii) = run(cii_dir.path(), Some("cii"));
    let (_, pdf) = run(pdf_dir.path(), Some("pdf"));

    let documents = facturx["documents"].as_array().unwrap();
    let cii_documents = cii["documents"].as_array().unwrap();
    assert_eq!(documents.len(), cii_documents.len());
    assert!(documents.iter().any(|d| !is_e_invoice(d)), "the batch has payment notices or statements");
    let mut compared = 0;
    for ((document, cii_document), pdf_document) in
        documents.iter().zip(cii_documents).zip(pdf["documents"].as_array().unwrap())
    {
        assert_eq!(document["number"], cii_document["number"]);
        assert_eq!(pdf_document["format"], "pdf");
        if !is_e_invoice(document) {
            assert_eq!(document["format"], "pdf", "{document}");
            assert_eq!(cii_document["format"], "pdf");
            assert!(cii_document.get("cii").is_none());
            continue;
        }
        assert_eq!(document["format"], "facturx");
        assert!(document.get("cii").is_none());
        assert_eq!(cii_document["format"], "cii");
        // The plain PDF of --format cii is the PDF of --format pdf.
        assert_eq!(cii_document["sha256"], pdf_document["sha256"]);
        let xml_name = cii_document["cii"]["file"].as_str().unwrap();
        assert_eq!(xml_name, cii_document["file"].as_str().unwrap().replace(".pdf", ".xml"));
        let xml = std::fs::read(cii_out.join(xml_name)).unwrap();
        assert_eq!(cii_document["cii"]["sha256"].as_str().unwrap(), sha256_hex(&xml));
        if compared < 12 {
            let pdf = facturx_out.join(document["file"].as_str().unwrap());
            let shown = Command::new("qpdf")
                .arg("--show-attachment=factur-x.xml")
                .arg(&pdf)
                .output()
                .expect("qpdf is installed (.ci/run installs it)");
            assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
            assert_eq!(shown.stdout, xml, "{}: embedded XML ≠ {xml_name}", pdf.display());
            let check = Command::new("qpdf").arg("--check").arg(&pdf).output().unwrap();
            assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
            compared += 1;
        }
    }
    assert_eq!(compared, 12);
}

#[test]
fn an_unknown_format_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output =
        mutua(&["run", "--format", "ubl", "--out", out.to_str().unwrap(), "--issue-date", "2026-07-15"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("facturx") && stderr.contains("cii"), "{stderr}");
    assert!(!out.exists());
}
