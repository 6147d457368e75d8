//! `pool_share`: a pool (a fixed amount per year, revised or not, or a share of the dispositif's full cost) split
//! among the members present by a key — population, weighted activity, equal parts or fixed percentages — with
//! the exact largest-remainder splitter, the semester's fraction of the year per semester (a half, or its days
//! over the year's under `days_of_year`), each member weighted by its presence under the day count.
//!
//! What the split cannot allot is reported, with its reason: no member present, a key of zero for everyone,
//! caps that cannot hold the pool (the provider bears the rest), and — for fixed percentages that the convention
//! does not redistribute — the percentages of absent members.

use std::collections::BTreeMap;

use mutua_core::{
    AbsentShares, Amount, Component, Key, Millesime, PartyId, PoolShare, PoolSource, Rounding, ValuationBasis,
};
use rust_decimal::Decimal;

use super::{
    Engine, MEMBER_ROUNDING, Presence, SliceContext, checked_total, div, mul, overflow, semester_fraction,
    semester_part,
};
use crate::allocation::{Charge, ChargeKind, PoolOrigin, PoolSummary, Unbilled, UnbilledReason};
use crate::error::AllocError;
use crate::split::{CappedTarget, Share, SplitError, SplitTarget, split, split_capped};
use crate::trace::{
    BasisKind, KeyTrace, LineBasis, MemberBasis, PoolTrace, RevisionTrace, RuleKind, Step, Trace, Unit,
};

/// Who a pool's share goes to: a member, or — for a fixed-percentage key that does not redistribute them — the
/// percentages of members absent for part of the period, which nobody pays. Members sort first, so that they
/// take the odd cents of equal remainders.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PoolTarget {
    Member(PartyId),
    Absent,
}

/// The key of a pool, its unit, and whether it scales by presence (activity is only recorded while a member, so
/// it needs no pro rata; the other keys weigh each member by its presence in the slice).
fn key_of(engine: &Engine<'_>, key: &Key, date: chrono::NaiveDate) -> (KeyTrace, Unit, bool) {
    match key {
        Key::Population { population } => {
            let millesime = match population.millesime {
                Millesime::InForce => engine.dataset.populations.in_force(date),
                Millesime::Fixed(year) => year,
            };
            (KeyTrace::Population { kind: population.kind, millesime }, Unit::Inhabitants, true)
        }
        Key::Activity(activity) => (
            KeyTrace::Activity {
                activity: activity.activity.clone(),
                unit_label: activity.unit_label.clone(),
            },
            Unit::Named(activity.unit_label.clone()),
            false,
        ),
        Key::Equal => (KeyTrace::Equal, Unit::Part, true),
        Key::FixedPercentages { .. } => (KeyTrace::FixedPercentages, Unit::Percent, true),
    }
}

/// What one member weighs under the key, before its presence.
fn member_basis(
    engine: &Engine<'_>,
    context: &SliceContext<'_>,
    key: &Key,
    presence: &Presence,
) -> Result<(Decimal, MemberBasis), AllocError> {
    let convention = context.convention;
    Ok(match key {
        Key::Population { population } => {
            let figure =
                engine.population(convention, &presence.member, *population, context.slice.first())?;
            (Decimal::from(figure.inhabitants), MemberBasis::Inhabitants { inhabitants: figure.inhabitants })
        }
        Key::Activity(activity) => {
            let (units, _) =
                engine.weighted_units(convention, &presence.member, context.semester, activity)?;
            (units, MemberBasis::Units { units, unit_label: activity.unit_label.clone() })
        }
        Key::Equal => (Decimal::ONE, MemberBasis::EqualPart),
        Key::FixedPercentages { shares, .. } => {
            let share = shares.get(&presence.member).ok_or_else(|| AllocError::MissingPercentage {
                convention: convention.id.to_string(),
                member: presence.member.to_string(),
            })?;
            (share.value(), MemberBasis::Percent { percent: share.value() })
        }
    })
}

/// The annual pool and where it comes from.
fn annual_pool(
    engine: &mut Engine<'_>,
    context: &SliceContext<'_>,
    rule: &PoolShare,
    revision: Option<RevisionTrace>,
    basis: ValuationBasis,
) -> Result<(Amount, PoolTrace), AllocError> {
    match &rule.pool {
        PoolSource::Fixed { amount_per_year } => {
            let stated = *amount_per_year;
            let revised = match revision {
                Some(revision) => {
                    let annual = Amount::from_decimal(
                        mul(stated.to_decimal(), revision.coefficient, "pool × revision")?,
                        MEMBER_ROUNDING,
                    );
                    Some((Box::new(revision), annual))
                }
                None => None,
            };
            let annual = revised.as_ref().map_or(stated, |(_, annual)| *annual);
            Ok((annual, PoolTrace::Fixed { stated, revised }))
        }
        PoolSource::Valuation { share } => {
            let valuation = engine.required_valuation(context.convention, context.semester.year, basis)?;
            let annual = Amount::from_decimal(
                mul(valuation.full_cost.to_decimal(), share.value(), "full cost × share")?,
                MEMBER_ROUNDING,
            );
            Ok((
                annual,
                PoolTrace::Valuation {
                    basis: valuation.basis,
                    year: valuation.year,
                    document: valuation.document.clone(),
                    full_cost: valuation.full_cost,
                    share: share.value(),
                    annual,
                },
            ))
        }
    }
}

/// The shares of a pool for the members present in a slice, and the pool's summary for the reconciliation.
pub(super) fn split_pool(
    engine: &mut Engine<'_>,
    context: &SliceContext<'_>,
    component: &Component,
    rule: &PoolShare,
    presences: &[Presence],
    revision: Option<RevisionTrace>,
    basis: ValuationBasis,
) -> Result<(Vec<Charge>, PoolSummary), AllocError> {
    let convention = context.convention;
    let split_error = |source| AllocError::Split {
        convention: convention.id.to_string(),
        component: component.id.clone(),
        source,
    };
    // 1. The annual pool, the semester's part of it under the day count (a half, or its days over the year's), and
    // this slice's part of that.
    let (annual, pool_trace) = annual_pool(engine, context, rule, revision, basis)?;
    let semester_pool = semester_part(annual, context.semester, context.pro_rata)?;
    let pool = context.slice_part(semester_pool)?;
    // 2. The weights: the key's basis × the pro rata measure of presence in the slice.
    let (key_trace, unit, by_presence) = key_of(engine, &rule.key, context.slice.first());
    let mut targets = Vec::with_capacity(presences.len());
    let mut basis_of: BTreeMap<PartyId, (Decimal, MemberBasis)> = BTreeMap::new();
    for presence in presences {
        let (member_basis, member_trace) = member_basis(engine, context, &rule.key, presence)?;
        let weight = if by_presence {
            mul(member_basis, Decimal::from(presence.measure), "basis × presence")?
        } else {
            member_basis
        };
        basis_of.insert(presence.member.clone(), (member_basis, member_trace));
        let cap = match component.cap_per_year {
            Some(cap) => {
                let fraction = context.fraction(presence)?;
                let for_period = fraction.of(cap.to_decimal()).ok_or_else(|| overflow("cap × pro rata"))?;
                Some(Amount::from_decimal(for_period, Rounding::Floor))
            }
            None => None,
        };
        targets.push(CappedTarget::new(presence.member.clone(), weight, cap));
    }
    if component.floor_per_year.is_some() {
        // Refused by validation: a floor on a pool would bill more than the pool.
        return Err(AllocError::UnsupportedRule {
            convention: convention.id.to_string(),
            component: component.id.clone(),
            rule: "floor_per_year on a pool_share".to_owned(),
        });
    }
    let total_weight = checked_total(targets.iter().map(|t| t.weight), "Σ weights")?;
    // The percentages of members absent for part of the period, when the convention does not redistribute them.
    let absent = match &rule.key {
        Key::FixedPercentages { shares, absent: AbsentShares::Unbilled } => {
            let full = mul(Decimal::ONE_HUNDRED, Decimal::from(context.period_measure), "full weight")?;
            let missing = full.checked_sub(total_weight).ok_or_else(|| overflow("absent weight"))?;
            let members: Vec<PartyId> = shares
                .keys()
                .filter(|party| {
                    !presences.iter().any(|p| &p.member == *party && p.measure == context.period_measure)
                })
                .cloned()
                .collect();
            (missing > Decimal::ZERO).then_some((missing, members))
        }
        Key::FixedPercentages { absent: AbsentShares::Rescale, .. }
        | Key::Population { .. }
        | Key::Activity(_)
        | Key::Equal => None,
    };
    let mut unbilled = Vec::new();
    let mut shares = Vec::new();
    if pool.is_zero() {
        // Nothing to split.
    } else if targets.is_empty() && absent.is_none() {
        unbilled.push(Unbilled { amount: pool, reason: UnbilledReason::NoMemberPresent });
    } else if total_weight.is_zero() && absent.is_none() {
        unbilled.push(Unbilled { amount: pool, reason: UnbilledReason::ZeroKey });
    } else {
        // 1. The absent members' part, split off with everyone's percentages.
        let mut members_pool = pool;
        if let Some((missing, members)) = &absent {
            let mut keyed: Vec<SplitTarget<PoolTarget>> = targets
                .iter()
                .map(|t| SplitTarget::new(PoolTarget::Member(t.key.clone()), t.weight))
                .collect();
            keyed.push(SplitTarget::new(PoolTarget::Absent, *missing));
            let split_shares = split(pool, &keyed).map_err(split_error)?;
            let absent_part = split_shares.last().map_or(Amount::ZERO, |share| share.amount);
            members_pool = pool.checked_sub(absent_part)?;
            unbilled.push(Unbilled {
                amount: absent_part,
                reason: UnbilledReason::AbsentMembers { members: members.clone() },
            });
            if component.cap_per_year.is_none() {
                shares = split_shares
                    .into_iter()
                    .filter_map(|share| match share.key {
                        PoolTarget::Member(key) => Some(Share {
                            key,
                            weight: share.weight,
                            quota_exact: share.quota_exact,
                            floor: share.floor,
                            amount: share.amount,
                            remainder_cents: share.remainder_cents,
                        }),
                        PoolTarget::Absent => None,
                    })
                    .collect();
            }
        }
        // 2. The members' part, within their caps: what the caps cannot hold is the provider's.
        if targets.is_empty() || total_weight.is_zero() {
            if !members_pool.is_zero() {
                unbilled.push(Unbilled { amount: members_pool, reason: UnbilledReason::ZeroKey });
            }
        } else if component.cap_per_year.is_some() {
            shares = match split_capped(members_pool, &targets) {
                Ok(shares) => shares,
                Err(SplitError::CapsBelowTotal { .. }) => {
                    let capped = capped_in_full(&targets, members_pool)?;
                    let held = Amount::checked_sum(capped.iter().map(|s| s.amount))?;
                    unbilled.push(Unbilled {
                        amount: members_pool.checked_sub(held)?,
                        reason: UnbilledReason::CapsReached,
                    });
                    capped
                }
                Err(error) => return Err(split_error(error)),
            };
        } else if absent.is_none() {
            let plain: Vec<SplitTarget<PartyId>> =
                targets.iter().map(|t| SplitTarget::new(t.key.clone(), t.weight)).collect();
            shares = split(members_pool, &plain).map_err(split_error)?;
        }
    }
    let allocated = Amount::checked_sum(shares.iter().map(|s| s.amount))?;
    let summary = PoolSummary {
        convention: convention.id.clone(),
        dispositif: convention.dispositif.clone(),
        component: component.id.clone(),
        origin: PoolOrigin::Component { label: component.label.clone(), semester: context.semester },
        pool,
        allocated,
        unbilled,
    };
    // Weights are basis × presence measure (integers, so the split stays exact); for reading, they are shown per
    // full period: a full member's weighted basis is its basis.
    let per_period = |weight: Decimal| -> Result<Decimal, AllocError> {
        if by_presence {
            div(weight, Decimal::from(context.period_measure), "weight per period")
        } else {
            Ok(weight)
        }
    };
    let mut charges = Vec::with_capacity(shares.len());
    for share in &shares {
        if share.amount.is_zero() {
            continue;
        }
        // Presences are ordered by party id.
        let Ok(found) = presences.binary_search_by(|p| p.member.cmp(&share.key)) else { continue };
        let Some(presence) = presences.get(found) else { continue };
        let Some((member_basis, member_trace)) = basis_of.get(&share.key).cloned() else { continue };
        let ratio =
            if total_weight.is_zero() { Decimal::ZERO } else { div(share.weight, total_weight, "ratio")? };
        let mut trace = Trace::new(
            RuleKind::PoolShare,
            &context.terms.reference,
            share.quota_exact,
            Rounding::TowardZero,
        );
        trace.key = Some(key_trace.clone());
        trace.member_basis = Some(share.weight);
        trace.total_basis = Some(total_weight);
        trace.ratio = Some(ratio);
        trace.remainder_cents = share.remainder_cents;
        trace.step(Step::Pool(pool_trace.clone()));
        trace.step(Step::SemesterPart {
            pool,
            sliced: context.slices > 1,
            fraction: semester_fraction(context.pro_rata, context.semester)?,
        });
        trace.step(Step::Key(key_trace.clone()));
        trace.step(Step::MemberBasis(member_trace));
        if by_presence {
            trace.step(Step::Presence {
                measure: presence.measure,
                period_measure: context.period_measure,
                day_count: context.pro_rata,
            });
        }
        let (member_per_period, total_per_period) = (per_period(share.weight)?, per_period(total_weight)?);
        trace.step(Step::Ratio { member: member_per_period, total: total_per_period, ratio });
        let unit_price = if member_basis.is_zero() || share.weight.is_zero() {
            None
        } else {
            // Euros per unit of the key for this member: quota / basis.
            div(share.quota_exact, member_basis, "price per unit of key").ok()
        };
        let line = LineBasis {
            quantity: Some(member_basis),
            unit: unit.clone(),
            unit_price,
            kind: BasisKind::PoolShare {
                member: member_per_period,
                total: total_per_period,
                key: key_trace.clone(),
                pool,
            },
            presence: None,
            revision: None,
            bounds: Vec::new(),
        };
        charges.push(context.charge(component, &share.key, share.amount, ChargeKind::Current, line, trace));
    }
    Ok((charges, summary))
}

/// Every target with a positive weight at its cap: the split when the caps cannot hold the pool. Each share keeps
/// its weight, its cap as quota and amount.
fn capped_in_full(
    targets: &[CappedTarget<PartyId>],
    pool: Amount,
) -> Result<Vec<Share<PartyId>>, AllocError> {
    let sign = if pool.is_negative() { -Decimal::ONE } else { Decimal::ONE };
    targets
        .iter()
        .map(|target| {
            let cap = if target.weight.is_zero() { Amount::ZERO } else { target.cap.unwrap_or(Amount::ZERO) };
            let amount =
                Amount::from_decimal(mul(cap.to_decimal(), sign, "cap × sign")?, Rounding::TowardZero);
            Ok(Share {
                key: target.key.clone(),
                weight: target.weight,
                quota_exact: amount.to_decimal(),
                floor: amount,
                amount,
                remainder_cents: 0,
            })
        })
        .collect()
}
