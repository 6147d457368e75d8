//! M57 accounts: on which account each side of a flow books it, chosen by the relation between the party owed (the
//! payee) and the party owing (the payer), as the reciprocal pairs of the M57 nomenclature distinguish them — the
//! DGFiP matches a 7087x revenue in one budget with the 6287x expense in the other.
//!
//! [`Convention::account_family`] says what decides a convention's accounts (the `accounts` key of a convention,
//! its settlement, its rules); [`LineAccounts::of`] gives the pair for a relation; [`Dataset::line_accounts`] reads
//! the relation from the parties. [`nature`] tells a revenue account from an expense account, so that a stated
//! account is never booked on the wrong side. The whole mapping, with its source and what is to be verified with
//! the comptable public, is in `docs/accounts.md`.

use serde::{Deserialize, Serialize};

use crate::convention::{Convention, Settlement};
use crate::dataset::Dataset;
use crate::party::{PartyId, PartyKind};
use crate::rule::Rule;

/// The M57 account numbers the mapping uses (nomenclature M57, plan de comptes développé; the labels are printed
/// by `mutua_documents::present`).
pub mod m57 {
    /// 70875 « Remboursements de frais par les communes membres du GFP » (the GFP's revenue).
    pub const REIMBURSEMENT_BY_MEMBERS: &str = "70875";
    /// 70876 « Remboursements de frais par le GFP de rattachement » (a member commune's revenue).
    pub const REIMBURSEMENT_BY_GFP: &str = "70876";
    /// 70878 « Remboursements de frais par d'autres redevables ».
    pub const REIMBURSEMENT_BY_OTHERS: &str = "70878";
    /// 62875 « Remboursements de frais aux communes membres du GFP » (the GFP's expense).
    pub const REIMBURSEMENT_TO_MEMBERS: &str = "62875";
    /// 62876 « Remboursements de frais au GFP de rattachement » (a member commune's expense).
    pub const REIMBURSEMENT_TO_GFP: &str = "62876";
    /// 62878 « Remboursements de frais à d'autres organismes ».
    pub const REIMBURSEMENT_TO_OTHERS: &str = "62878";
    /// 70845 « Mise à disposition de personnel facturée aux communes membres du GFP ».
    pub const STAFF_BILLED_TO_MEMBERS: &str = "70845";
    /// 70846 « Mise à disposition de personnel facturée au GFP de rattachement ».
    pub const STAFF_BILLED_TO_GFP: &str = "70846";
    /// 70848 « Mise à disposition de personnel facturée aux autres organismes ».
    pub const STAFF_BILLED_TO_OTHERS: &str = "70848";
    /// 62175 « Personnel affecté par les communes membres du GFP ».
    pub const STAFF_FROM_MEMBERS: &str = "62175";
    /// 62176 « Personnel affecté par le GFP de rattachement ».
    pub const STAFF_FROM_GFP: &str = "62176";
    /// 62178 « Personnel affecté par d'autres organismes ».
    pub const STAFF_FROM_OTHERS: &str = "62178";
    /// 7588 « Autres produits divers de gestion courante »: a beneficiary's share of the sale of pooled CEE.
    pub const CEE_PROCEEDS: &str = "7588";
    /// 65888 « Autres charges diverses de gestion courante — autres »: the seller returning a beneficiary's share.
    pub const CEE_PROCEEDS_RETURNED: &str = "65888";
    /// 739211 « Attributions de compensation » (an atténuation de produits, chapter 014): the AC the GFP pays, which
    /// an imputation reduces.
    pub const AC_PAID: &str = "739211";
    /// 73211 « Attribution de compensation »: the AC a member commune receives, which an imputation reduces.
    pub const AC_RECEIVED: &str = "73211";
    /// 673 « Titres annulés (sur exercices antérieurs) »: the payee reducing a titre of a past year.
    pub const PAST_YEAR_TITRE_CANCELLED: &str = "673";
    /// 773 « Mandats annulés (sur exercices antérieurs) »: the payer reducing a mandat of a past year.
    pub const PAST_YEAR_MANDAT_CANCELLED: &str = "773";
}

/// How the payee and the payer of a flow stand to each other, as the M57 reciprocal accounts tell them apart.
///
/// A dataset describes one GFP (the party of kind [`PartyKind::Metropole`], an EPCI à fiscalité propre) and its
/// member communes (the parties of kind [`PartyKind::Commune`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// A member commune pays its GFP: the MEL bills Wasquehal.
    MemberPaysGfp,
    /// The GFP pays one of its member communes: Lille bills the MEL, the MEL pays Lille for housing files.
    GfpPaysMember,
    /// Any other pair: a commune and another commune, a syndicate or any other body (Lille bills
    /// Villeneuve-d'Ascq, the MEL pays the FEAL).
    Other,
}

impl Relation {
    /// The relation of a payee of kind `payee` and a payer of kind `payer`.
    #[must_use]
    pub fn between(payee: PartyKind, payer: PartyKind) -> Relation {
        match (payee, payer) {
            (PartyKind::Metropole, PartyKind::Commune) => Relation::MemberPaysGfp,
            (PartyKind::Commune, PartyKind::Metropole) => Relation::GfpPaysMember,
            _ => Relation::Other,
        }
    }

    /// Every relation, in their order.
    pub const ALL: [Relation; 3] = [Relation::MemberPaysGfp, Relation::GfpPaysMember, Relation::Other];
}

/// What a convention's flows are, for their accounts: the `accounts` key of a convention file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountsRule {
    /// A reimbursement of the cost of a service (service commun, mise à disposition de services, prestation, bien
    /// partagé): 7087x / 6287x by relation. The default of a convention without a `cee_redistribution` component.
    Reimbursement,
    /// Staff put at the disposal of another body (mise à disposition de personnel): 7084x / 6217x by relation.
    Staff,
    /// A beneficiary's share of the sale of pooled CEE: 7588 / 65888 unless the convention states its own. The
    /// default of a convention with a `cee_redistribution` component.
    Cee,
    /// The accounts the convention states (`revenue_account`, `expense_account`), for a flow the relation does not
    /// decide.
    Stated,
}

impl AccountsRule {
    /// The spelling in the data (`reimbursement`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AccountsRule::Reimbursement => "reimbursement",
            AccountsRule::Staff => "staff",
            AccountsRule::Cee => "cee",
            AccountsRule::Stated => "stated",
        }
    }
}

/// What decides the accounts of a convention's lines ([`Convention::account_family`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountFamily {
    /// Remboursement de frais, by relation.
    Reimbursement,
    /// Mise à disposition de personnel, by relation.
    Staff,
    /// A share of CEE proceeds.
    Cee,
    /// An imputation on the attribution de compensation (`settlement = "attribution_compensation"`): the GFP's AC
    /// paid and the commune's AC received are both reduced (CGCT L5211-4-2, CGI 1609 nonies C).
    AttributionCompensation,
    /// The convention's own accounts.
    Stated,
}

impl AccountFamily {
    /// Whether the relation (or the settlement) decides the accounts, so that a convention stating accounts of
    /// its own must state these.
    #[must_use]
    pub fn decided(self) -> bool {
        matches!(
            self,
            AccountFamily::Reimbursement | AccountFamily::Staff | AccountFamily::AttributionCompensation
        )
    }
}

/// The two accounts of a flow: where the payee books it and where the payer books it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct LineAccounts {
    /// The payee's account: its revenue (70875…), or, for an imputation on the AC, the GFP's AC expense that the
    /// imputation reduces (739211).
    pub payee: String,
    /// The payer's account: its expense (62876…), or, for an imputation on the AC, the commune's AC revenue that
    /// the imputation reduces (73211).
    pub payer: String,
}

impl LineAccounts {
    /// A pair of accounts.
    #[must_use]
    pub fn new(payee: &str, payer: &str) -> LineAccounts {
        LineAccounts { payee: payee.to_owned(), payer: payer.to_owned() }
    }

    /// The accounts of a flow of `family` between parties in `relation`; `stated` is the convention's own
    /// (`revenue_account`, `expense_account`), used by [`AccountFamily::Stated`] and, where given, by
    /// [`AccountFamily::Cee`]. A decided family ignores `stated` (validation refuses a stated account that differs).
    #[must_use]
    pub fn of(
        family: AccountFamily,
        relation: Relation,
        stated: (Option<&str>, Option<&str>),
    ) -> LineAccounts {
        use m57::*;
        let (payee, payer) = match family {
            AccountFamily::Reimbursement => match relation {
                Relation::MemberPaysGfp => (REIMBURSEMENT_BY_MEMBERS, REIMBURSEMENT_TO_GFP),
                Relation::GfpPaysMember => (REIMBURSEMENT_BY_GFP, REIMBURSEMENT_TO_MEMBERS),
                Relation::Other => (REIMBURSEMENT_BY_OTHERS, REIMBURSEMENT_TO_OTHERS),
            },
            AccountFamily::Staff => match relation {
                Relation::MemberPaysGfp => (STAFF_BILLED_TO_MEMBERS, STAFF_FROM_GFP),
                Relation::GfpPaysMember => (STAFF_BILLED_TO_GFP, STAFF_FROM_MEMBERS),
                Relation::Other => (STAFF_BILLED_TO_OTHERS, STAFF_FROM_OTHERS),
            },
            // The GFP's side is the AC it pays, the commune's the AC it receives, whichever is owed.
            AccountFamily::AttributionCompensation => match relation {
                Relation::GfpPaysMember => (AC_RECEIVED, AC_PAID),
                Relation::MemberPaysGfp | Relation::Other => (AC_PAID, AC_RECEIVED),
            },
            AccountFamily::Cee => {
                (stated.0.unwrap_or(CEE_PROCEEDS), stated.1.unwrap_or(CEE_PROCEEDS_RETURNED))
            }
            AccountFamily::Stated => (stated.0.unwrap_or_default(), stated.1.unwrap_or_default()),
        };
        LineAccounts::new(payee, payer)
    }

    /// The accounts on which a past year's document is reduced or cancelled: the payee cancels its titre (673),
    /// the payer its mandat (773).
    #[must_use]
    pub fn past_year_cancellation() -> LineAccounts {
        LineAccounts::new(m57::PAST_YEAR_TITRE_CANCELLED, m57::PAST_YEAR_MANDAT_CANCELLED)
    }
}

impl Convention {
    /// What decides the accounts of this convention's lines: an imputation on the attribution de compensation has
    /// the AC's; otherwise the `accounts` key, by default [`AccountsRule::Cee`] for a convention with a
    /// `cee_redistribution` component and [`AccountsRule::Reimbursement`] for any other.
    #[must_use]
    pub fn account_family(&self) -> AccountFamily {
        if self.settlement == Settlement::AttributionCompensation {
            return AccountFamily::AttributionCompensation;
        }
        let rule = self.accounts.unwrap_or_else(|| {
            let cee = self
                .terms
                .iter()
                .flat_map(|terms| &terms.components)
                .any(|component| matches!(component.rule, Rule::CeeRedistribution(_)));
            if cee { AccountsRule::Cee } else { AccountsRule::Reimbursement }
        });
        match rule {
            AccountsRule::Reimbursement => AccountFamily::Reimbursement,
            AccountsRule::Staff => AccountFamily::Staff,
            AccountsRule::Cee => AccountFamily::Cee,
            AccountsRule::Stated => AccountFamily::Stated,
        }
    }

    /// The accounts of a line of this convention between a payee and a payer of these kinds.
    #[must_use]
    pub fn line_accounts(&self, payee: PartyKind, payer: PartyKind) -> LineAccounts {
        let stated = (self.revenue_account.as_deref(), self.expense_account.as_deref());
        LineAccounts::of(self.account_family(), Relation::between(payee, payer), stated)
    }
}

impl Dataset {
    /// The relation between two parties of the dataset ([`Relation::Other`] for a party it does not know).
    #[must_use]
    pub fn relation(&self, payee: &PartyId, payer: &PartyId) -> Relation {
        match (self.party(payee), self.party(payer)) {
            (Some(payee), Some(payer)) => Relation::between(payee.kind, payer.kind),
            _ => Relation::Other,
        }
    }

    /// The accounts of a line of `convention` owed by `payer` to `payee`.
    #[must_use]
    pub fn line_accounts(&self, convention: &Convention, payee: &PartyId, payer: &PartyId) -> LineAccounts {
        let stated = (convention.revenue_account.as_deref(), convention.expense_account.as_deref());
        LineAccounts::of(convention.account_family(), self.relation(payee, payer), stated)
    }
}

/// Which side of the budget an account books on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountNature {
    /// A revenue (recette): class 7, and the atténuations de charges of class 6 (609, 619, 629, 6419, 6459,
    /// 6479: rebates obtained, staff costs refunded).
    Revenue,
    /// An expense (dépense): class 6, and the atténuations de produits of class 7 (709 rebates granted, 739
    /// reversals such as 739211, the AC the GFP pays).
    Expense,
}

/// The class-6 prefixes that book a revenue (atténuations de charges) and the class-7 prefixes that book an
/// expense (atténuations de produits).
const ATTENUATIONS: [(&str, AccountNature); 8] = [
    ("609", AccountNature::Revenue),
    ("619", AccountNature::Revenue),
    ("629", AccountNature::Revenue),
    ("6419", AccountNature::Revenue),
    ("6459", AccountNature::Revenue),
    ("6479", AccountNature::Revenue),
    ("709", AccountNature::Expense),
    ("739", AccountNature::Expense),
];

/// The most digits an account of the nomenclature, with a local subdivision, is written with.
pub const MAX_ACCOUNT_DIGITS: usize = 10;

/// The nature of an M57 account of the operating section (classes 6 and 7), or `None` for text that is not one:
/// not 2 to [`MAX_ACCOUNT_DIGITS`] digits, or of another class (capital, third parties, cash).
#[must_use]
pub fn nature(account: &str) -> Option<AccountNature> {
    if !(2..=MAX_ACCOUNT_DIGITS).contains(&account.len()) || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some((_, nature)) = ATTENUATIONS.iter().find(|(prefix, _)| account.starts_with(prefix)) {
        return Some(*nature);
    }
    match account.as_bytes()[0] {
        b'6' => Some(AccountNature::Expense),
        b'7' => Some(AccountNature::Revenue),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relation_decides_the_pair() {
        use AccountFamily::*;
        use PartyKind::*;
        // (family, payee, payer, payee's account, payer's account)
        let cases = [
            (Reimbursement, Metropole, Commune, "70875", "62876"),
            (Reimbursement, Commune, Metropole, "70876", "62875"),
            (Reimbursement, Commune, Commune, "70878", "62878"),
            (Reimbursement, Metropole, Syndicate, "70878", "62878"),
            (Reimbursement, Syndicate, Metropole, "70878", "62878"),
            (Reimbursement, Commune, Other, "70878", "62878"),
            (Staff, Metropole, Commune, "70845", "62176"),
            (Staff, Commune, Metropole, "70846", "62175"),
            (Staff, Commune, Commune, "70848", "62178"),
            (AttributionCompensation, Metropole, Commune, "739211", "73211"),
            (AttributionCompensation, Commune, Metropole, "73211", "739211"),
            (Cee, Commune, Metropole, "7588", "65888"),
            (Cee, Syndicate, Metropole, "7588", "65888"),
        ];
        for (family, payee, payer, payee_account, payer_account) in cases {
            let accounts = LineAccounts::of(family, Relation::between(payee, payer), (None, None));
            assert_eq!(
                accounts,
                LineAccounts::new(payee_account, payer_account),
                "{family:?} {payee:?} ← {payer:?}"
            );
        }
        // Stated accounts replace the CEE defaults and are the stated family; the decided families ignore them.
        let stated = (Some("7478"), Some("6574"));
        assert_eq!(LineAccounts::of(Cee, Relation::GfpPaysMember, stated), LineAccounts::new("7478", "6574"));
        assert_eq!(LineAccounts::of(Stated, Relation::Other, stated), LineAccounts::new("7478", "6574"));
        assert_eq!(
            LineAccounts::of(Reimbursement, Relation::GfpPaysMember, stated),
            LineAccounts::new("70876", "62875")
        );
    }

    #[test]
    fn every_pair_books_a_revenue_against_an_expense() {
        for family in [AccountFamily::Reimbursement, AccountFamily::Staff, AccountFamily::Cee] {
            for relation in Relation::ALL {
                let accounts = LineAccounts::of(family, relation, (None, None));
                assert_eq!(nature(&accounts.payee), Some(AccountNature::Revenue), "{family:?} {relation:?}");
                assert_eq!(nature(&accounts.payer), Some(AccountNature::Expense), "{family:?} {relation:?}");
            }
        }
        // The AC is reduced on both sides: an expense of the GFP, a revenue of the commune.
        let ac =
            LineAccounts::of(AccountFamily::AttributionCompensation, Relation::MemberPaysGfp, (None, None));
        assert_eq!(
            (nature(&ac.payee), nature(&ac.payer)),
            (Some(AccountNature::Expense), Some(AccountNature::Revenue))
        );
        let past = LineAccounts::past_year_cancellation();
        assert_eq!(
            (nature(&past.payee), nature(&past.payer)),
            (Some(AccountNature::Expense), Some(AccountNature::Revenue))
        );
    }

    #[test]
    fn natures_table() {
        let cases = [
            ("70875", Some(AccountNature::Revenue)),
            ("7588", Some(AccountNature::Revenue)),
            ("73211", Some(AccountNature::Revenue)),
            ("773", Some(AccountNature::Revenue)),
            ("6419", Some(AccountNature::Revenue)),
            ("6291", Some(AccountNature::Revenue)),
            ("62876", Some(AccountNature::Expense)),
            ("65888", Some(AccountNature::Expense)),
            ("673", Some(AccountNature::Expense)),
            ("739211", Some(AccountNature::Expense)),
            ("7096", Some(AccountNature::Expense)),
            ("6411", Some(AccountNature::Expense)),
            ("4111", None),
            ("2051", None),
            ("7", None),
            ("70875A", None),
            (" 70875", None),
            ("", None),
            ("70875123456", None),
        ];
        for (account, expected) in cases {
            assert_eq!(nature(account), expected, "{account:?}");
        }
    }
}
