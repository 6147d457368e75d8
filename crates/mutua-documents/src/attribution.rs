//! The attribution de compensation a statement of imputation (`AC-…`) reduces: the AC of the year before and
//! after the statement, what earlier statements of the year imputed, and the instalments it reduces
//! ([`mutua_core::attribution`] has the rule).

use mutua_alloc::PriorImputations;
use mutua_core::attribution::imputation_changes;
use mutua_core::{Amount, Dataset, Instalment, InstalmentChange, MoneyError, PartyId, Semester};
use serde::{Deserialize, Serialize};

/// What an earlier statement of the year imputed on the same AC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierImputation {
    /// The semester it imputed.
    pub semester: Semester,
    /// The amount, or `None` when neither the ledger nor the titres record that semester.
    pub amount: Option<Amount>,
    /// The documents (or titres) that imputed it.
    pub documents: Vec<String>,
}

/// The attribution de compensation of a statement's recipient, before and after the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcPosition {
    /// The year of the AC.
    pub year: i32,
    /// The act that set it, as the dataset names it.
    pub reference: Option<String>,
    /// The AC of the year, as set.
    pub annual: Amount,
    /// The number of instalments it is paid in.
    pub instalments: u32,
    /// The instalments, as scheduled.
    pub schedule: Vec<Instalment>,
    /// What earlier statements of the year imputed, semester by semester.
    pub earlier: Vec<EarlierImputation>,
    /// The AC before this statement: the year's, less the earlier imputations (`None` when one is unknown).
    pub before: Option<Amount>,
    /// What this statement imputes (its total).
    pub imputed: Amount,
    /// The AC after this statement (`None` when an earlier imputation is unknown).
    pub after: Option<Amount>,
    /// The instalments this statement reduces, with their amounts before and after.
    pub changes: Vec<InstalmentChange>,
}

impl AcPosition {
    /// The position of `recipient`'s AC paid by `issuer` once a statement of `semester` imputes `imputed`, when the
    /// dataset states that AC for the semester's year (`None` otherwise).
    ///
    /// # Errors
    ///
    /// An overflow.
    pub fn of(
        dataset: &Dataset,
        prior: &[PriorImputations],
        (issuer, recipient): (&PartyId, &PartyId),
        semester: Semester,
        imputed: Amount,
    ) -> Result<Option<AcPosition>, MoneyError> {
        let Some(attribution) = dataset
            .attributions
            .iter()
            .find(|a| &a.payer == issuer && &a.commune == recipient && a.year == semester.year)
        else {
            return Ok(None);
        };
        AcPosition::from_attribution(attribution, prior, (issuer, recipient), semester, imputed).map(Some)
    }

    /// [`AcPosition::of`] with the attribution already found (a batch looks each up in an index); `prior` may
    /// hold only the recipient's lines.
    ///
    /// # Errors
    ///
    /// An overflow adding or subtracting amounts.
    pub fn from_attribution(
        attribution: &mutua_core::AttributionCompensation,
        prior: &[PriorImputations],
        (issuer, recipient): (&PartyId, &PartyId),
        semester: Semester,
        imputed: Amount,
    ) -> Result<AcPosition, MoneyError> {
        let mut earlier = Vec::new();
        for record in prior.iter().filter(|p| &p.provider == issuer && p.semester.year == semester.year) {
            earlier.push(EarlierImputation {
                semester: record.semester,
                amount: record.of_member(recipient)?,
                documents: record.sources_of(recipient),
            });
        }
        earlier.sort_by_key(|e| e.semester);
        let known: Option<Vec<(Semester, Amount)>> =
            earlier.iter().map(|e| e.amount.map(|amount| (e.semester, amount))).collect();
        let before = match &known {
            Some(known) => {
                let taken = Amount::checked_sum(known.iter().map(|(_, amount)| *amount))?;
                Some(attribution.amount.checked_sub(taken)?)
            }
            None => None,
        };
        let after = before.map(|before| before.checked_sub(imputed)).transpose()?;
        // An unknown earlier imputation: the instalments are shown as scheduled.
        let changes =
            imputation_changes(attribution, known.as_deref().unwrap_or_default(), semester, imputed)?;
        Ok(AcPosition {
            year: attribution.year,
            reference: attribution.reference.clone(),
            annual: attribution.amount,
            instalments: attribution.instalments,
            schedule: attribution.schedule()?,
            earlier,
            before,
            imputed,
            after,
            changes,
        })
    }

    /// The figures a fingerprint holds: a statement whose AC, earlier imputations or instalments change is
    /// issued again.
    #[must_use]
    pub fn fingerprint_text(&self) -> String {
        let mut text = format!("AC {} {} /{}", self.year, self.annual, self.instalments);
        if let Some(reference) = &self.reference {
            text.push_str(&format!(" [{reference}]"));
        }
        for earlier in &self.earlier {
            let amount = earlier.amount.map_or_else(|| "?".to_owned(), |a| a.to_string());
            text.push_str(&format!(" {}={amount}", earlier.semester));
        }
        for change in &self.changes {
            text.push_str(&format!(
                " #{} {} {} {}",
                change.instalment.number, change.before, change.imputed, change.after
            ));
        }
        text
    }
}
