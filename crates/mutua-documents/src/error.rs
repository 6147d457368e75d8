//! Why documents cannot be built or written.

use mutua_core::{Amount, MoneyError};

use mutua_render::RenderError;

/// Why a batch of documents cannot be built, rendered or exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceError {
    /// A party named by a charge is not in the dataset.
    #[error("unknown party `{0}`")]
    UnknownParty(String),
    /// A dispositif's amounts do not add up (an internal invariant: invoiced + imputed + carried = computed).
    #[error("dispositif `{dispositif}`: computed {computed} but invoiced + imputed + carried = {accounted}")]
    Unbalanced {
        /// Dispositif.
        dispositif: String,
        /// Σ computed.
        computed: Amount,
        /// Σ accounted for.
        accounted: Amount,
    },
    /// A document could not be rendered.
    #[error("document {number}: {source}")]
    Render {
        /// Its number.
        number: String,
        /// Why.
        source: RenderError,
    },
    /// An export could not be serialised.
    #[error("cannot serialise {what}: {message}")]
    Export {
        /// What.
        what: &'static str,
        /// Why.
        message: String,
    },
    /// Arithmetic overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}
