//! What past semesters billed: the amounts a regularisation subtracts from what is due on the actual valuation.
//!
//! A regularisation of year N needs what each member was billed in each semester of N, per component. That is
//! known, not recomputed: for the semesters mutua issued, from its ledger (the documents not cancelled, the
//! amounts each line billed, the amounts carried from that semester and billed later); for the years before
//! mutua, from the titres the finance system issued (`titres.csv`, [`mutua_core::Titre`]). The amounts carried
//! into the semester run (under the titre threshold) count as billed for the semester they were computed for:
//! this run bills them or carries them again. A semester neither source covers cannot be regularised: the engine refuses it ([`AllocError::BilledUnknown`]) rather than guess.
//!
//! [`AllocError::BilledUnknown`]: crate::AllocError::BilledUnknown

use std::collections::{BTreeMap, BTreeSet};

use mutua_core::{Amount, CarriedAmount, ConventionId, Dataset, PartyId, Semester};
use serde::{Deserialize, Serialize};

/// Where a billed amount is recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "source", content = "number", rename_all = "snake_case")]
pub enum BilledSource {
    /// A document mutua issued (its number in the ledger).
    Document(String),
    /// A titre the finance system issued before mutua (its number in `titres.csv`).
    Titre(String),
    /// An amount carried into the semester run by the run of this semester (the titre threshold): it is billed
    /// by this run, or carried again, so it counts as billed.
    Carried(Semester),
}

impl BilledSource {
    /// The document's or titre's number (`None` for an amount carried).
    #[must_use]
    pub fn number(&self) -> Option<&str> {
        match self {
            BilledSource::Document(number) | BilledSource::Titre(number) => Some(number),
            BilledSource::Carried(_) => None,
        }
    }
}

/// An amount billed for one component of a convention, computed for a semester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billed {
    /// The semester the amount was computed for (for a carried amount, the semester it was carried from).
    pub semester: Semester,
    /// The convention.
    pub convention: ConventionId,
    /// The component of its tariff.
    pub component: String,
    /// Who was billed.
    pub payer: PartyId,
    /// Who billed it.
    pub payee: PartyId,
    /// The amount.
    pub amount: Amount,
    /// The document or titre that billed it.
    pub source: BilledSource,
}

/// What past semesters billed, and which semesters that record is complete for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Semesters whose every document is known (the ledger covers them), for every convention.
    covered: BTreeSet<Semester>,
    /// Semesters known for one convention only (the finance system's titres name it).
    imported: BTreeSet<(Semester, ConventionId)>,
    /// The amounts billed, by convention and semester.
    billed: BTreeMap<(ConventionId, Semester), Vec<Billed>>,
    /// What the ledger says the run of a semester carried to the next (its last run's record).
    carried: BTreeMap<Semester, Vec<CarriedAmount>>,
}

impl History {
    /// An empty history: no semester is known.
    #[must_use]
    pub fn new() -> History {
        History::default()
    }

    /// The history a dataset holds on its own: its titres (`titres.csv`), each semester and convention they
    /// name being known in full.
    #[must_use]
    pub fn of_titres(dataset: &Dataset) -> History {
        let mut history = History::new();
        for titre in &dataset.titres {
            history.imported.insert((titre.semester, titre.convention.clone()));
            history.push(Billed {
                semester: titre.semester,
                convention: titre.convention.clone(),
                component: titre.component.clone(),
                payer: titre.debtor.clone(),
                payee: titre.issuer.clone(),
                amount: titre.amount,
                source: BilledSource::Titre(titre.number.clone()),
            });
        }
        history
    }

    /// Records that every document of a semester is known (the ledger holds the semester's runs): a convention
    /// with nothing billed that semester was billed nothing.
    pub fn cover(&mut self, semester: Semester) {
        self.covered.insert(semester);
    }

    /// Records an amount billed. Its semester is known only once [`History::cover`] says so, or a titre names
    /// it for the convention.
    pub fn push(&mut self, billed: Billed) {
        self.billed.entry((billed.convention.clone(), billed.semester)).or_default().push(billed);
    }

    /// Whether a semester is covered in full (by the ledger).
    #[must_use]
    pub fn covers(&self, semester: Semester) -> bool {
        self.covered.contains(&semester)
    }

    /// The semesters covered in full (by the ledger), in order.
    pub fn covered(&self) -> impl Iterator<Item = Semester> + '_ {
        self.covered.iter().copied()
    }

    /// Records what the run of `semester` carried to the next one, as the ledger holds it: the run of the next
    /// semester takes these amounts, and the dataset's `carried.csv` rows for `semester` no longer apply.
    pub fn record_carried(&mut self, semester: Semester, amounts: Vec<CarriedAmount>) {
        self.carried.insert(semester, amounts);
    }

    /// What the run of `semester` carried to the next one, or `None` when the ledger does not record it (the
    /// semester was not run by mutua, or by a version that did not record it: `carried.csv` says).
    #[must_use]
    pub fn carried_by(&self, semester: Semester) -> Option<&[CarriedAmount]> {
        self.carried.get(&semester).map(Vec::as_slice)
    }

    /// What a convention billed for a semester, or `None` when neither the ledger nor the titres know it.
    #[must_use]
    pub fn billed(&self, convention: &ConventionId, semester: Semester) -> Option<&[Billed]> {
        let known =
            self.covered.contains(&semester) || self.imported.contains(&(semester, convention.clone()));
        known.then(|| self.billed.get(&(convention.clone(), semester)).map(Vec::as_slice).unwrap_or_default())
    }
}

/// What the semesters of `semester`'s year before it imputed on the attributions de compensation, per provider of
/// a convention settled on the AC (for a 2d semester, the 1st; nothing for a 1st semester).
pub(crate) fn prior_imputations(
    dataset: &Dataset,
    semester: Semester,
    history: &History,
) -> Vec<crate::allocation::PriorImputations> {
    let earlier: Vec<Semester> =
        Semester::of_year(semester.year).into_iter().filter(|s| *s < semester).collect();
    let mut prior: BTreeMap<(PartyId, Semester), crate::allocation::PriorImputations> = BTreeMap::new();
    for convention in dataset.conventions.values().filter(|c| {
        c.settlement == mutua_core::Settlement::AttributionCompensation && c.flow != mutua_core::Flow::None
    }) {
        for &earlier in &earlier {
            let entry = prior.entry((convention.provider.clone(), earlier)).or_insert_with(|| {
                crate::allocation::PriorImputations {
                    provider: convention.provider.clone(),
                    semester: earlier,
                    recorded: true,
                    imputed: Vec::new(),
                }
            });
            match history.billed(&convention.id, earlier) {
                Some(lines) => {
                    entry.imputed.extend(lines.iter().filter(|b| b.payee == convention.provider).cloned())
                }
                None => entry.recorded = false,
            }
        }
    }
    prior.into_values().collect()
}
