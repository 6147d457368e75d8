//! CEE redistribution: each deposit's net proceeds returned pro rata of the kWh cumac each beneficiary earned.
//!
//! Per deposit and kind (classique, précarité): gross = kWh cumac ÷ 1,000 × price per MWh cumac, rounded half up
//! to the cent; fee = gross × the convention's management fee %, rounded half up; net = gross − fee, split among
//! the beneficiaries by their kWh cumac of that kind with the exact splitter. The operator's own operations keep
//! their share (payer and payee are then the same party: nothing is paid).

use std::collections::BTreeMap;

use mutua_core::{Amount, CeeKind, Convention, Dataset, PartyId, Rounding, Rule, Semester};
use rust_decimal::Decimal;

use crate::allocation::{Charge, ChargeKind, LineBasis, PoolSummary, Trace, decimal_fr, price_fr};
use crate::error::AllocError;
use crate::split::{SplitTarget, split};

/// The rounding of a deposit's gross proceeds and of its fee.
pub const PROCEEDS_ROUNDING: Rounding = Rounding::HalfUp;

/// The CEE shares of the deposits of a convention sold during a semester.
pub fn deposits(
    dataset: &Dataset,
    convention: &Convention,
    semester: Semester,
    pools: &mut Vec<PoolSummary>,
) -> Result<Vec<Charge>, AllocError> {
    let period = semester.period();
    let mut charges = Vec::new();
    for deposit in
        dataset.cee_deposits.iter().filter(|d| d.convention == convention.id && period.contains(d.sold_on))
    {
        let Some(terms) = convention.terms_on(deposit.sold_on) else { continue };
        let Some(fee_percent) = terms.components.iter().find_map(|c| match &c.rule {
            Rule::CeeRedistribution(rule) => Some(rule.management_fee_percent.value()),
            _ => None,
        }) else {
            continue;
        };
        for kind in [CeeKind::Classique, CeeKind::Precarite] {
            let mut kwh_by_beneficiary: BTreeMap<&PartyId, Decimal> = BTreeMap::new();
            let mut operations: BTreeMap<&PartyId, usize> = BTreeMap::new();
            for operation in
                dataset.cee_operations.iter().filter(|o| o.deposit == deposit.id && o.kind == kind)
            {
                *kwh_by_beneficiary.entry(&operation.beneficiary).or_default() += operation.kwh_cumac.value();
                *operations.entry(&operation.beneficiary).or_default() += 1;
            }
            let total_kwh: Decimal = kwh_by_beneficiary.values().copied().sum();
            if total_kwh.is_zero() {
                continue;
            }
            let price = deposit.price_per_mwh(kind).value();
            let gross_exact = total_kwh
                .checked_mul(price)
                .ok_or(AllocError::Money(mutua_core::MoneyError::Overflow("kWh × price")))?
                / Decimal::ONE_THOUSAND;
            let gross = Amount::from_decimal(gross_exact, PROCEEDS_ROUNDING);
            let fee = Amount::from_decimal(
                gross.to_decimal() * fee_percent / Decimal::ONE_HUNDRED,
                PROCEEDS_ROUNDING,
            );
            let net = gross.checked_sub(fee)?;
            let targets: Vec<SplitTarget<PartyId>> = kwh_by_beneficiary
                .iter()
                .map(|(party, kwh)| SplitTarget::new((*party).clone(), *kwh))
                .collect();
            let shares = split(net, &targets).map_err(|source| AllocError::Split {
                convention: convention.id.to_string(),
                component: format!("{}/{}", deposit.id, kind.label_fr()),
                source,
            })?;
            pools.push(PoolSummary {
                convention: convention.id.clone(),
                component: format!("{}/{}", deposit.id, kind.label_fr()),
                label: format!("Produit net du {} ({})", deposit.label, kind.label_fr()),
                pool: net,
                allocated: Amount::checked_sum(shares.iter().map(|s| s.amount))?,
            });
            let net_price = if total_kwh.is_zero() {
                Decimal::ZERO
            } else {
                net.to_decimal() * Decimal::ONE_THOUSAND / total_kwh
            };
            for share in shares {
                if share.amount.is_zero() {
                    continue;
                }
                let ratio = share.weight / total_kwh;
                let mut trace = Trace::new(
                    "cee_redistribution",
                    &terms.reference,
                    share.quota_exact,
                    Rounding::TowardZero,
                );
                trace.key = Some(format!("kWh cumac {} du dépôt", kind.label_fr()));
                trace.member_basis = Some(share.weight);
                trace.total_basis = Some(total_kwh);
                trace.ratio = Some(ratio);
                trace.remainder_cents = share.remainder_cents;
                trace.step(
                    "Dépôt",
                    format!("{} vendu le {}", deposit.label, deposit.sold_on.format("%d/%m/%Y")),
                );
                trace.step(
                    "Produit brut",
                    format!(
                        "{} kWh cumac × {}/MWh cumac = {}",
                        decimal_fr(total_kwh, 3),
                        price_fr(price),
                        gross.format_fr()
                    ),
                );
                trace.step(
                    "Frais de gestion",
                    format!("{} % = {}", decimal_fr(fee_percent, 4), fee.format_fr()),
                );
                trace.step("Produit net", net.format_fr());
                trace.step(
                    "kWh cumac du bénéficiaire",
                    format!(
                        "{} ({} opération(s)) / {} = {}",
                        decimal_fr(share.weight, 3),
                        operations.get(&share.key).copied().unwrap_or(0),
                        decimal_fr(total_kwh, 3),
                        decimal_fr(ratio, 8)
                    ),
                );
                let mwh = share.weight / Decimal::ONE_THOUSAND;
                charges.push(Charge {
                    convention: convention.id.clone(),
                    dispositif: convention.dispositif.clone(),
                    component: format!(
                        "{}-{}",
                        deposit.id,
                        match kind {
                            CeeKind::Classique => "classique",
                            CeeKind::Precarite => "precarite",
                        }
                    ),
                    label: format!(
                        "{} — certificats {}",
                        deposit.label,
                        match kind {
                            CeeKind::Classique => "classiques",
                            CeeKind::Precarite => "« précarité énergétique »",
                        }
                    ),
                    kind: ChargeKind::CeeShare { deposit: deposit.id.clone() },
                    payer: convention.provider.clone(),
                    payee: share.key.clone(),
                    provider_pays: true,
                    settlement: convention.settlement,
                    vat: convention.vat.clone(),
                    revenue_account: convention.revenue_account.clone(),
                    expense_account: convention.expense_account.clone(),
                    convention_reference: convention.reference.clone(),
                    amount: share.amount,
                    basis: LineBasis {
                        quantity: Some(mwh),
                        unit: "MWh cumac".into(),
                        unit_price: Some(net_price),
                        description: format!(
                            "{} / {} kWh cumac × produit net {}",
                            decimal_fr(share.weight, 3),
                            decimal_fr(total_kwh, 3),
                            net.format_fr()
                        ),
                    },
                    trace,
                });
            }
        }
    }
    Ok(charges)
}
