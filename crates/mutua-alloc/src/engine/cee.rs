//! CEE redistribution: each deposit's net proceeds returned pro rata of the kWh cumac each beneficiary earned.
//!
//! Per deposit and kind (classique, précarité): gross = kWh cumac ÷ 1,000 × price per MWh cumac, rounded half up
//! to the cent; fee = gross × the convention's management fee %, rounded half up; net = gross − fee, split among
//! the beneficiaries by their kWh cumac of that kind with the exact splitter. The operator's own operations keep
//! their share (payer and payee are then the same party: nothing is paid).

use std::collections::BTreeMap;

use mutua_core::{Amount, CeeKind, Convention, PartyId, Rounding, Rule, Semester, ValidatedDataset};
use rust_decimal::Decimal;

use crate::allocation::{Charge, ChargeKind, PoolOrigin, PoolSummary};
use crate::error::AllocError;
use crate::split::{SplitTarget, split};
use crate::trace::{BasisKind, KeyTrace, LineBasis, RuleKind, Step, Trace, Unit};

/// The rounding of a deposit's gross proceeds and of its fee.
pub const PROCEEDS_ROUNDING: Rounding = Rounding::HalfUp;

/// The suffix of a kind of certificates in a component.
fn kind_suffix(kind: CeeKind) -> &'static str {
    match kind {
        CeeKind::Classique => "-classique",
        CeeKind::Precarite => "-precarite",
    }
}

/// The component of a deposit's proceeds of one kind, on its charges and its pool (`depot-1-classique`).
#[must_use]
pub fn component_of(deposit: &str, kind: CeeKind) -> String {
    format!("{deposit}{}", kind_suffix(kind))
}

/// The kind of certificates a CEE share's component names (the inverse of [`component_of`]), if it names one.
#[must_use]
pub fn kind_of_component(deposit: &str, component: &str) -> Option<CeeKind> {
    let suffix = component.strip_prefix(deposit)?;
    [CeeKind::Classique, CeeKind::Precarite].into_iter().find(|kind| kind_suffix(*kind) == suffix)
}

fn overflow(convention: &Convention, deposit: &mutua_core::CeeDeposit) -> AllocError {
    AllocError::Arithmetic {
        convention: convention.id.to_string(),
        component: deposit.id.clone(),
        source: mutua_core::MoneyError::Overflow("kWh cumac × price"),
    }
}

/// The CEE shares of the deposits of a convention sold during a semester.
pub(crate) fn deposits(
    dataset: &ValidatedDataset,
    convention: &Convention,
    semester: Semester,
    pools: &mut Vec<PoolSummary>,
) -> Result<Vec<Charge>, AllocError> {
    let period = semester.period();
    let mut charges = Vec::new();
    for deposit in dataset.deposits_of(&convention.id).filter(|d| period.contains(d.sold_on)) {
        let Some(terms) = convention.terms_on(deposit.sold_on) else { continue };
        let Some(fee_percent) = terms.components.iter().find_map(|c| match &c.rule {
            Rule::CeeRedistribution(rule) => Some(rule.management_fee_percent.value()),
            Rule::PerInhabitant(_)
            | Rule::PopulationBands(_)
            | Rule::UnitPrice(_)
            | Rule::FlatFee(_)
            | Rule::PoolShare(_)
            | Rule::UnitCost(_) => None,
        }) else {
            continue;
        };
        for kind in [CeeKind::Classique, CeeKind::Precarite] {
            let mut kwh_by_beneficiary: BTreeMap<&PartyId, Decimal> = BTreeMap::new();
            let mut operations: BTreeMap<&PartyId, usize> = BTreeMap::new();
            for operation in dataset.operations_of(&deposit.id).filter(|o| o.kind == kind) {
                let kwh = kwh_by_beneficiary.entry(&operation.beneficiary).or_default();
                *kwh = kwh
                    .checked_add(operation.kwh_cumac.value())
                    .ok_or_else(|| overflow(convention, deposit))?;
                *operations.entry(&operation.beneficiary).or_default() += 1;
            }
            let total_kwh = kwh_by_beneficiary
                .values()
                .try_fold(Decimal::ZERO, |total, kwh| total.checked_add(*kwh))
                .ok_or_else(|| overflow(convention, deposit))?;
            if total_kwh.is_zero() {
                continue;
            }
            let price = deposit.price_per_mwh(kind).value();
            let gross_exact = total_kwh.checked_mul(price).ok_or_else(|| overflow(convention, deposit))?
                / Decimal::ONE_THOUSAND;
            let gross = Amount::from_decimal(gross_exact, PROCEEDS_ROUNDING);
            let fee_exact =
                gross.to_decimal().checked_mul(fee_percent).ok_or_else(|| overflow(convention, deposit))?;
            let fee = Amount::from_decimal(fee_exact / Decimal::ONE_HUNDRED, PROCEEDS_ROUNDING);
            let net = gross.checked_sub(fee)?;
            let targets: Vec<SplitTarget<PartyId>> = kwh_by_beneficiary
                .iter()
                .map(|(party, kwh)| SplitTarget::new((*party).clone(), *kwh))
                .collect();
            let shares = split(net, &targets).map_err(|source| AllocError::Split {
                convention: convention.id.to_string(),
                component: component_of(&deposit.id, kind),
                source,
            })?;
            pools.push(PoolSummary {
                convention: convention.id.clone(),
                dispositif: convention.dispositif.clone(),
                component: component_of(&deposit.id, kind),
                origin: PoolOrigin::CeeProceeds { deposit: deposit.label.clone(), kind },
                pool: net,
                allocated: Amount::checked_sum(shares.iter().map(|s| s.amount))?,
                unbilled: Vec::new(),
            });
            let net_price = net
                .to_decimal()
                .checked_mul(Decimal::ONE_THOUSAND)
                .ok_or_else(|| overflow(convention, deposit))?
                / total_kwh;
            for share in shares {
                if share.amount.is_zero() {
                    continue;
                }
                // A beneficiary's kWh are part of the total, so the ratio is at most 1.
                let ratio = share.weight / total_kwh;
                let mut trace = Trace::new(
                    RuleKind::CeeRedistribution,
                    &terms.reference,
                    share.quota_exact,
                    Rounding::TowardZero,
                );
                trace.key = Some(KeyTrace::KwhCumac { kind });
                trace.member_basis = Some(share.weight);
                trace.total_basis = Some(total_kwh);
                trace.ratio = Some(ratio);
                trace.remainder_cents = share.remainder_cents;
                trace.step(Step::Deposit { label: deposit.label.clone(), sold_on: deposit.sold_on });
                trace.step(Step::GrossProceeds { kwh: total_kwh, price, gross });
                trace.step(Step::ManagementFee { percent: fee_percent, fee });
                trace.step(Step::NetProceeds { net });
                trace.step(Step::BeneficiaryKwh {
                    kwh: share.weight,
                    operations: operations.get(&share.key).copied().unwrap_or(0),
                    total: total_kwh,
                    ratio,
                });
                let mwh = share.weight / Decimal::ONE_THOUSAND;
                charges.push(Charge {
                    convention: convention.id.clone(),
                    dispositif: convention.dispositif.clone(),
                    component: component_of(&deposit.id, kind),
                    label: deposit.label.clone(),
                    kind: ChargeKind::CeeShare { deposit: deposit.id.clone(), kind },
                    payer: convention.provider.clone(),
                    payee: share.key.clone(),
                    provider_pays: true,
                    settlement: convention.settlement,
                    vat: convention.vat.clone(),
                    accounts: dataset.line_accounts(convention, &share.key, &convention.provider),
                    convention_reference: convention.reference.clone(),
                    amount: share.amount,
                    basis: LineBasis {
                        quantity: Some(mwh),
                        unit: Unit::MwhCumac,
                        unit_price: Some(net_price),
                        kind: BasisKind::Cee { kwh: share.weight, total: total_kwh, net },
                        presence: None,
                        revision: None,
                        bounds: Vec::new(),
                    },
                    trace,
                });
            }
        }
    }
    Ok(charges)
}
