//! [`ValidatedDataset`]: a dataset that passed [`validate`], the only kind the allocation accepts.

use std::ops::Deref;

use crate::dataset::Dataset;
use crate::validate::{ValidationError, validate};

/// A dataset every rule of [`validate`] accepts. Only [`ValidatedDataset::new`] makes one, and it cannot be changed
/// afterwards (it derefs to [`Dataset`] for reading, never for writing): what `mutua_alloc::allocate` is given has
/// been validated, and stays so.
///
/// ```
/// use mutua_core::{DatasetBuilder, ValidatedDataset};
///
/// let validated = DatasetBuilder::new("test", "2026-S1").metropole("MEL", "Métropole", "200093201").build()?;
/// // To change a validated dataset, take it back and validate it again.
/// let mut dataset = validated.into_inner();
/// dataset.meta.name = "test 2".into();
/// let again = ValidatedDataset::new(dataset)?;
/// assert_eq!(again.meta.name, "test 2");
/// Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedDataset {
    dataset: Dataset,
}

/// A dataset [`validate`] refused: the dataset, given back, and every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The dataset as it was.
    pub dataset: Dataset,
    /// Every problem, ordered by file and line.
    pub errors: Vec<ValidationError>,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejected {}

impl ValidatedDataset {
    /// Validates a dataset.
    ///
    /// # Errors
    ///
    /// [`Rejected`] with the dataset and every problem, when any rule is broken.
    pub fn new(dataset: Dataset) -> Result<ValidatedDataset, Box<Rejected>> {
        let errors = validate(&dataset);
        if errors.is_empty() {
            Ok(ValidatedDataset { dataset })
        } else {
            Err(Box::new(Rejected { dataset, errors }))
        }
    }

    /// The dataset, to read.
    #[must_use]
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// The dataset back, to change it (and validate it again).
    #[must_use]
    pub fn into_inner(self) -> Dataset {
        self.dataset
    }
}

impl Deref for ValidatedDataset {
    type Target = Dataset;

    fn deref(&self) -> &Dataset {
        &self.dataset
    }
}

impl AsRef<Dataset> for ValidatedDataset {
    fn as_ref(&self) -> &Dataset {
        &self.dataset
    }
}
