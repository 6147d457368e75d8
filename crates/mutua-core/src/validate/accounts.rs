//! The M57 accounts a convention states, and the parties an imputation on the attribution de compensation is
//! between (`docs/accounts.md`).

use super::{Problem, Report};
use crate::accounts::{AccountFamily, AccountNature, AccountsRule, LineAccounts, Relation, nature};
use crate::convention::{Convention, Eligibility, Flow, Settlement};
use crate::party::{PartyId, PartyKind};

/// Checks every convention's accounts and the parties of every imputation on the AC.
pub(super) fn check_accounts(report: &mut Report<'_>) {
    let dataset = report.dataset;
    for convention in dataset.conventions.values() {
        check_stated(report, convention);
        if convention.settlement == Settlement::AttributionCompensation {
            check_ac_parties(report, convention);
        }
    }
}

fn refuse(report: &mut Report<'_>, convention: &Convention, field: &str, message: String) {
    report.push(&convention.source, field, Problem::OutOfRange(message));
}

/// When a relation holds, in an error message ("… prévoit quand …").
fn relation_fr(family: AccountFamily, relation: Relation) -> &'static str {
    match (family, relation) {
        (AccountFamily::AttributionCompensation, _) => {
            "le montant est imputé sur l'attribution de compensation"
        }
        (_, Relation::MemberPaysGfp) => "une commune membre paie le GFP",
        (_, Relation::GfpPaysMember) => "le GFP paie une commune membre",
        (_, Relation::Other) => "les parties ne sont pas un GFP et sa commune membre",
    }
}

/// The payee and payer of the lines of each member of a convention through which money flows.
fn flows(report: &Report<'_>, convention: &Convention) -> Vec<(PartyId, PartyId)> {
    if convention.flow == Flow::None {
        return Vec::new();
    }
    let mut flows: Vec<(PartyId, PartyId)> = report
        .dataset
        .memberships
        .iter()
        .filter(|m| m.convention == convention.id && m.member != convention.provider)
        .map(|m| match convention.flow {
            Flow::ProviderPaysMembers => (m.member.clone(), convention.provider.clone()),
            Flow::MembersPayProvider | Flow::None => (convention.provider.clone(), m.member.clone()),
        })
        .collect();
    flows.sort();
    flows.dedup();
    flows
}

/// A stated account is an operating account of the right side; where the relation decides, it is the account the
/// relation gives for every member; `accounts = "stated"` states both.
fn check_stated(report: &mut Report<'_>, convention: &Convention) {
    let family = convention.account_family();
    if convention.settlement == Settlement::AttributionCompensation
        && let Some(rule) = convention.accounts
    {
        refuse(
            report,
            convention,
            "accounts",
            format!(
                "une imputation sur l'attribution de compensation a ses propres comptes (739211 chez le GFP, \
                 73211 chez la commune) : retirez accounts = \"{}\"",
                rule.as_str()
            ),
        );
    }
    let fields = [
        ("revenue_account", &convention.revenue_account, AccountNature::Revenue),
        ("expense_account", &convention.expense_account, AccountNature::Expense),
    ];
    for (field, account, side) in fields {
        let Some(account) = account else {
            if family == AccountFamily::Stated {
                refuse(
                    report,
                    convention,
                    field,
                    format!(
                        "accounts = \"{}\" : la convention indique ses comptes, et {field} manque",
                        AccountsRule::Stated.as_str()
                    ),
                );
            }
            continue;
        };
        let (wanted, other) = match side {
            AccountNature::Revenue => ("de recette", "de dépense"),
            AccountNature::Expense => ("de dépense", "de recette"),
        };
        match nature(account) {
            None => refuse(
                report,
                convention,
                field,
                format!(
                    "« {account} » n'est pas un compte de fonctionnement de la nomenclature M57 (2 à 10 chiffres, \
                     de la classe 6 ou 7, tel 70875)"
                ),
            ),
            Some(found) if found != side => {
                let kind = match account.get(..3) {
                    Some("739" | "709") => " (atténuation de produits, chapitre 014)",
                    Some(prefix) if prefix.starts_with('6') => " (atténuation de charges)",
                    _ => "",
                };
                refuse(
                    report,
                    convention,
                    field,
                    format!("« {account} » est un compte {other}{kind} : {field} est un compte {wanted}"),
                );
            }
            Some(_) if family.decided() => check_decided(report, convention, family, field, account),
            Some(_) => {}
        }
    }
}

/// A stated account where the relation decides: it must be the relation's for every member.
fn check_decided(
    report: &mut Report<'_>,
    convention: &Convention,
    family: AccountFamily,
    field: &str,
    account: &str,
) {
    let known = |party: &PartyId| report.dataset.parties.contains_key(party);
    // A member the dataset does not know is reported at its membership.
    for (payee, payer) in
        flows(report, convention).into_iter().filter(|(payee, payer)| known(payee) && known(payer))
    {
        let relation = report.dataset.relation(&payee, &payer);
        let decided = LineAccounts::of(family, relation, (None, None));
        let revenue = field == "revenue_account";
        let (expected, who) = if revenue {
            (decided.payee, format!("« {payee} » impute ce que lui doit « {payer} »"))
        } else {
            (decided.payer, format!("« {payer} » impute ce qu'il doit à « {payee} »"))
        };
        if expected != account {
            refuse(
                report,
                convention,
                field,
                format!(
                    "« {account} » n'est pas le compte que la nomenclature M57 prévoit quand {} : {who} au compte \
                     {expected}. Retirez {field} : les comptes sont choisis par la relation entre les parties \
                     (accounts = \"stated\" impose ceux de la convention)",
                    relation_fr(family, relation)
                ),
            );
            return;
        }
    }
}

/// An imputation on the AC is between a GFP and its member communes (CGI 1609 nonies C, CGCT L5211-4-2).
fn check_ac_parties(report: &mut Report<'_>, convention: &Convention) {
    let dataset = report.dataset;
    let provider_kind = dataset.party(&convention.provider).map(|p| p.kind);
    if provider_kind.is_some_and(|kind| kind != PartyKind::Metropole) {
        refuse(
            report,
            convention,
            "settlement",
            format!(
                "seul un GFP verse une attribution de compensation à ses communes membres (article 1609 nonies C \
                 du CGI) : « {} », le prestataire, n'en est pas un",
                convention.provider
            ),
        );
    }
    // A convention open to communes only refuses any other member already (its eligibility).
    if convention.eligibility.iter().any(|rule| matches!(rule, Eligibility::CommunesOnly)) {
        return;
    }
    for membership in report.members_of(&convention.id) {
        let kind = dataset.party(&membership.member).map(|p| p.kind);
        if kind.is_some_and(|kind| kind != PartyKind::Commune) {
            report.push(
                &membership.source,
                "member",
                Problem::OutOfRange(format!(
                    "« {} » n'est pas une commune : elle ne perçoit pas d'attribution de compensation, sur \
                     laquelle la convention « {} » impute ce qu'elle doit",
                    membership.member, convention.id
                )),
            );
        }
    }
}
