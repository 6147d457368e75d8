//! `mutua check` as a library call: the whole computation of a semester without writing anything, so that a
//! dataset it accepts cannot fail `mutua run` for a reason in the data.
//!
//! [`check`] validates the dataset and the semester (carried amounts, recorded activity), allocates, builds the
//! documents and their reconciliation, checks that every printed text is within the renderer's repertoire and
//! that every e-invoice meets the EN 16931 rules, and — at [`Depth::Layout`] — lays out every document and checks
//! everything its rendering could refuse, or — at [`Depth::Render`] — renders every document in memory.
//! Every refusal is located: a file, a line and a field of the dataset.

use mutua_alloc::History;
use mutua_core::{Dataset, Problem, Semester, Source, ValidatedDataset, ValidationError};
use mutua_documents::present::alloc_error_fr;
use mutua_documents::{Batch, BatchOptions, InvoiceError, build_batch};
use mutua_einvoice::facturx::{
    OutputFormat, check_in_format, checked_cii, cii_options, is_e_invoice, render_in_format,
};
use mutua_render::{FontSet, printable};
use rayon::prelude::*;

/// The field of an error that is not the data's: an invariant of mutua broken (a bug to report), never expected.
pub const INTERNAL: &str = "internal";

/// How far [`check`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// Everything but the PDF: validation, allocation, documents, reconciliation, texts, EN 16931.
    Documents,
    /// Also everything a render can refuse, for every document: laid out on its pages as `mutua run` lays it
    /// out, its metadata, attachment and glyphs checked ([`mutua_einvoice::facturx::check_in_format`]), without
    /// subsetting fonts or compressing (a fraction of a render). What `mutua check` runs.
    Layout,
    /// Also every document rendered in memory, as `mutua run` would.
    #[default]
    Render,
}

/// What [`check`] found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// The semester checked.
    pub semester: Semester,
    /// What refuses the run, located.
    pub errors: Vec<ValidationError>,
    /// What the run leaves aside or should be known before it (a member leaving its convention's eligibility),
    /// located, in French.
    pub warnings: Vec<ValidationError>,
    /// The documents and the reconciliation, when the computation got that far.
    pub batch: Option<Batch>,
}

impl CheckReport {
    /// Whether the semester can be run.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn located(source: &Source, field: impl Into<String>, message: String) -> ValidationError {
    ValidationError { source: source.clone(), field: field.into(), problem: Problem::OutOfRange(message) }
}

/// Locates an allocation error at the convention it names (or the dataset's settings).
fn locate_alloc(dataset: &Dataset, error: &mutua_alloc::AllocError) -> ValidationError {
    let convention = error
        .convention()
        .and_then(|id| mutua_core::ConventionId::parse(id).ok())
        .and_then(|id| dataset.conventions.get(&id));
    match convention {
        Some(convention) => located(&convention.source, "terms", alloc_error_fr(error)),
        // An allocation error that names no convention is not one the data can cause.
        None => {
            located(&dataset.meta.source, INTERNAL, format!("erreur interne : {}", alloc_error_fr(error)))
        }
    }
}

/// Where a document's data comes from: its recipient's record (names, identifiers and addresses are the
/// usual cause of an e-invoice rule broken), or the issuer's.
fn locate_document(dataset: &Dataset, party: &mutua_core::PartyId, message: String) -> ValidationError {
    match dataset.party(party) {
        Some(party) => located(&party.source, "document", message),
        None => located(&dataset.meta.source, "document", message),
    }
}

/// Every printed text outside the renderer's repertoire, located.
fn unprintable_texts(dataset: &Dataset) -> Vec<ValidationError> {
    mutua_core::printed_texts(dataset)
        .into_iter()
        .filter_map(|text| {
            let character = text.text.chars().find(|&c| !printable(c))?;
            Some(located(
                text.source,
                text.field,
                format!(
                    "le caractère « {character} » (U+{:04X}) ne peut pas être imprimé sur les documents (hors du \
                     répertoire de la police : latin, ponctuation française, €) ; remplacez-le",
                    u32::from(character)
                ),
            ))
        })
        .collect()
}

/// Checks a semester of a validated dataset: everything `mutua run` computes, nothing written. `issue_date` dates
/// the documents built (it changes no amount and no rule); by default the semester's last day. `history` is what
/// past semesters billed, for regularisations: [`crate::history`] of the ledger, or
/// [`History::of_titres`] without one. (The dataset's own rules were checked when it was validated:
/// [`ValidatedDataset::new`], or loading it.)
#[must_use]
pub fn check(
    validated: &ValidatedDataset,
    semester: Semester,
    issue_date: Option<chrono::NaiveDate>,
    depth: Depth,
    history: &History,
) -> CheckReport {
    let dataset: &Dataset = validated;
    let mut report = CheckReport { semester, errors: Vec::new(), warnings: Vec::new(), batch: None };
    // What the dataset holds that the batch runs with (members leaving their convention's eligibility), first.
    report.warnings.extend(validated.warnings().iter().map(|warning| {
        located(warning.source(), warning.field(), mutua_documents::present::warning_fr(warning))
    }));
    let semester_check = mutua_core::validate_validated_semester(validated, semester);
    report.errors.extend(semester_check.errors);
    report.warnings.extend(semester_check.warnings);
    report.errors.extend(unprintable_texts(dataset));
    if !report.errors.is_empty() {
        return report;
    }
    let allocation = match mutua_alloc::allocate_with(validated, semester, history) {
        Ok(allocation) => allocation,
        Err(error) => {
            report.errors.push(locate_alloc(dataset, &error));
            return report;
        }
    };
    let issue_date = issue_date.unwrap_or(semester.period().last());
    let batch = match build_batch(
        dataset,
        &allocation,
        &BatchOptions { issue_date, series_start: Default::default() },
    ) {
        Ok(batch) => batch,
        Err(error) => {
            // Not a data error: every amount's rule was checked above. Reported, never hidden.
            report.errors.push(located(&dataset.meta.source, INTERNAL, format!("erreur interne : {error}")));
            return report;
        }
    };
    // Every e-invoice against EN 16931, on every thread; the errors in the batch's order.
    let failures: Vec<ValidationError> = batch
        .documents
        .par_iter()
        .filter(|d| is_e_invoice(d))
        .filter_map(|document| {
            let error = checked_cii(dataset, document, &cii_options(document)).err()?;
            Some(locate_document(
                dataset,
                &document.recipient,
                format!("facture électronique à {} : {error}", document.recipient),
            ))
        })
        .collect();
    report.errors.extend(failures);
    if depth != Depth::Documents && report.errors.is_empty() {
        match FontSet::dejavu() {
            Ok(fonts) => {
                let failures: Vec<ValidationError> = batch
                    .documents
                    .par_iter()
                    .filter_map(|document| {
                        let outcome = if depth == Depth::Render {
                            render_in_format(dataset, document, &fonts, OutputFormat::FacturX, false)
                                .map(drop)
                        } else {
                            check_in_format(dataset, document, &fonts, OutputFormat::FacturX, false)
                        };
                        outcome.err().map(|error| {
                            locate_document(
                                dataset,
                                &document.recipient,
                                format!("document pour {} : {error}", document.recipient),
                            )
                        })
                    })
                    .collect();
                report.errors.extend(failures);
            }
            Err(error) => report.errors.push(located(
                &dataset.meta.source,
                INTERNAL,
                format!("erreur interne : {}", InvoiceError::Render { number: String::new(), source: error }),
            )),
        }
    }
    report.batch = Some(batch);
    report
}
