//! Why a document has no valid e-invoice form: the EN 16931 rules it breaks, or what kept it from being built.

use std::fmt;

use mutua_documents::InvoiceError;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleViolation {
    /// The rule's identifier (`BR-CO-10`, `BR-O-02`, `CHORUS-01`).
    pub rule: &'static str,
    /// What is wrong, with the figures.
    pub message: String,
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// Every rule a document breaks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub struct RuleViolations {
    /// The document's number.
    pub number: String,
    /// The broken rules, in the order they are checked.
    pub violations: Vec<RuleViolation>,
}

impl RuleViolations {
    /// Whether `rule` is among the broken rules.
    #[must_use]
    pub fn breaks(&self, rule: &str) -> bool {
        self.violations.iter().any(|violation| violation.rule == rule)
    }
}

impl fmt::Display for RuleViolations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {} would not be a valid EN 16931 e-invoice: ", self.number)?;
        for (index, violation) in self.violations.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// Why a document has no valid CII form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EInvoiceError {
    /// Only invoices and credit notes are e-invoices; payment notices, statements and refund notices stay plain PDF.
    #[error("document {number}: a {kind} is not an invoice or a credit note and has no CII form")]
    NotAnInvoice {
        /// Its number.
        number: String,
        /// Its kind (`payment_notice`…).
        kind: &'static str,
    },
    /// The document would break EN 16931 (or Chorus Pro) rules: nothing is written.
    #[error(transparent)]
    Rules(#[from] RuleViolations),
    /// The document cannot be built or rendered.
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    /// The XML writer failed (it writes into memory: not expected in practice).
    #[error("document {number}: cannot write the CII XML: {message}")]
    Xml {
        /// Its number.
        number: String,
        /// Why.
        message: String,
    },
}
