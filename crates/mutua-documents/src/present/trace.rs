//! The computation of every amount in French: line labels, bases of liquidation, units, the steps of a trace, the
//! rules and roundings, and the allocation's errors. The only place where the allocation's typed facts
//! ([`mutua_alloc::trace`]) become words.

use std::fmt::Write as _;

use chrono::Datelike as _;
use mutua_alloc::trace::{
    BandTrace, BasisKind, Bounded, CarriedRecord, KeyTrace, LineBasis, MemberBasis, PoolTrace, PresenceTrace,
    RevisionTrace, RuleKind, Step, TierSpan, Unit,
};
use mutua_alloc::{AllocError, BilledSource, Charge, ChargeKind, PoolOrigin};
use mutua_core::{Amount, CeeKind, Dataset, ProRata, Rounding, Semester, ValuationBasis};
use rust_decimal::Decimal;

use super::format::{capitalise, date_numeric_fr, decimal_fr, price_fr};
use super::names::{self, Preposition};
use super::units;
use crate::document::Naming;

/// The French name of a rule.
#[must_use]
pub fn rule_fr(rule: RuleKind) -> &'static str {
    match rule {
        RuleKind::PerInhabitant => "tarif par habitant",
        RuleKind::PopulationBands => "forfait par tranche de population",
        RuleKind::UnitPrice => "prix unitaire × unités d'œuvre",
        RuleKind::FlatFee => "forfait annuel",
        RuleKind::PoolShare => "quote-part d'une enveloppe selon une clé de répartition",
        RuleKind::UnitCost => "coût unitaire de fonctionnement × unités (art. D5211-16 CGCT)",
        RuleKind::CeeRedistribution => "reversement du produit des CEE au prorata des kWh cumac",
        RuleKind::Regularisation => "régularisation sur le coût réel",
        RuleKind::Carried => "report d'un semestre antérieur (seuil de mise en recouvrement)",
        RuleKind::Issued => "ligne d'un document émis",
    }
}

/// The French name of a rounding to the cent.
#[must_use]
pub fn rounding_fr(rounding: Rounding) -> &'static str {
    match rounding {
        Rounding::HalfUp => "au centime le plus proche (un demi-centime au centime supérieur)",
        Rounding::HalfEven => "au centime pair le plus proche",
        Rounding::TowardZero => "au centime, les décimales suivantes écartées",
        Rounding::Floor => "au centime inférieur",
        Rounding::Ceiling => "au centime supérieur",
        // `Rounding` may gain modes; each is named here when it does.
        _ => "au centime",
    }
}

/// The unit of a line's quantity, as printed ("hab.", "forfait", the convention's own unit).
#[must_use]
pub fn unit_fr(unit: &Unit) -> &str {
    match unit {
        Unit::Inhabitants => "hab.",
        Unit::Flat => "forfait",
        Unit::Named(label) => label,
        Unit::Part => "part",
        Unit::Percent => "%",
        Unit::MwhCumac => "MWh cumac",
        Unit::Regularisation => "régularisation",
        Unit::Carried => "report",
    }
}

fn valuation_fr(basis: ValuationBasis) -> &'static str {
    basis.label_fr()
}

fn cee_certificates_fr(kind: CeeKind) -> &'static str {
    match kind {
        CeeKind::Classique => "classiques",
        CeeKind::Precarite => "« précarité énergétique »",
    }
}

/// "jours" or "mois", the measure of a pro rata.
fn measure_unit_fr(months: bool) -> &'static str {
    if months { "mois" } else { "jours" }
}

/// The French name of a day count, as a convention states it ("jours de présence sur les jours de l'année").
#[must_use]
pub fn day_count_fr(day_count: ProRata) -> &'static str {
    match day_count {
        ProRata::DaysOfYear => "jours de présence sur les jours de l'année (365 ou 366)",
        ProRata::DaysOfSemester => {
            "jours de présence sur les jours du semestre, chaque semestre valant une demi-année"
        }
        ProRata::MonthsStarted => "mois commencés sur les 12 mois de l'année",
        ProRata::MonthsFull => "mois complets sur les 12 mois de l'année",
        ProRata::None => "semestre entier dû dès un jour de présence",
    }
}

/// A presence as a fraction, for the step of a trace: "108 jours / 366 (année 2024)" under `days_of_year`; under
/// the counts over the semester, as documents have always worded it ("108 jours sur 181", "4 mois sur 6"), so that
/// an issued document renders again byte for byte (`mutua explain` names their day count on a line of its own).
fn presence_fraction_fr(p: &PresenceTrace) -> String {
    match p.day_count {
        Some(ProRata::DaysOfYear) => {
            format!("{} jours / {} (année {})", p.measure, p.period_measure, p.first.year())
        }
        None
        | Some(ProRata::DaysOfSemester | ProRata::MonthsStarted | ProRata::MonthsFull | ProRata::None) => {
            format!("{} {} sur {}", p.measure, measure_unit_fr(p.months), p.period_measure)
        }
    }
}

/// The day count of a charge's pro rata, when its trace has one (a partial presence, or a pool weighted by
/// presence): what `mutua explain` names.
#[must_use]
pub fn day_count_of(charge: &Charge) -> Option<ProRata> {
    charge.trace.steps.iter().find_map(|step| match step {
        Step::ProRata(presence) => presence.day_count(),
        Step::Presence { day_count, .. } => Some(*day_count),
        _ => None,
    })
}

fn inhabitants_fr(inhabitants: u64) -> String {
    format!("{} hab.", decimal_fr(Decimal::from(inhabitants), 0))
}

/// The label of a line: the data's label, with what its kind says (regularisation, report, certificates). A line
/// read back from the ledger keeps the label it was issued with.
#[must_use]
pub fn line_label_fr(charge: &Charge) -> String {
    if matches!(charge.basis.kind, BasisKind::Issued { .. }) {
        return charge.label.clone();
    }
    match &charge.kind {
        ChargeKind::Current => charge.label.clone(),
        ChargeKind::Regularisation { year } => {
            format!("Régularisation {year} sur coût réel — {}", charge.label)
        }
        ChargeKind::CeeShare { kind, .. } => {
            format!("{} — certificats {}", charge.label, cee_certificates_fr(*kind))
        }
        ChargeKind::Carried { semester, .. } => {
            format!("{} (report du {})", charge.label, semester.label_fr())
        }
    }
}

/// A tier of a degressive price, in French ("tranche jusqu'à 20 000", "tranche au-delà de 20 000").
#[must_use]
pub fn tier_fr(span: &TierSpan) -> String {
    match span.to {
        None => format!("tranche au-delà de {}", decimal_fr(span.from, 4)),
        Some(to) if span.from.is_zero() => format!("tranche jusqu'à {}", decimal_fr(to, 4)),
        Some(to) => format!("tranche de {} à {}", decimal_fr(span.from, 4), decimal_fr(to, 4)),
    }
}

/// What a pool is, in French ("Part fixe — 2026-S1", "Produit net du dépôt 1 (classique)").
#[must_use]
pub fn pool_label_fr(origin: &PoolOrigin) -> String {
    match origin {
        PoolOrigin::Component { label, semester } => format!("{label} — {semester}"),
        PoolOrigin::CeeProceeds { deposit, kind } => {
            format!("Produit net du {deposit} ({})", kind.label_fr())
        }
    }
}

/// A key of a split, in French ("population totale, millésime 2023", "parts égales").
#[must_use]
pub fn key_fr(key: &KeyTrace) -> String {
    match key {
        KeyTrace::Population { kind, millesime } => format!("{}, millésime {millesime}", kind.label_fr()),
        KeyTrace::Activity { unit_label, .. } => {
            format!("activité pondérée, en {}", units::plural_fr(unit_label))
        }
        KeyTrace::Equal => "parts égales".to_owned(),
        KeyTrace::FixedPercentages => "pourcentages fixés par la convention".to_owned(),
        KeyTrace::KwhCumac { kind } => format!("kWh cumac {} du dépôt", kind.label_fr()),
    }
}

/// Where a population falls in a band tariff.
#[must_use]
pub fn band_fr(band: &BandTrace) -> String {
    let number = |n: u64| decimal_fr(Decimal::from(n), 0);
    match band {
        BandTrace::Flat { from, to: Some(to) } => {
            format!("tranche de {} à {} hab.", number(*from), number(*to))
        }
        BandTrace::Flat { from, to: None } => format!("tranche de {} hab. et plus", number(*from)),
        BandTrace::OutOfBands => "hors tranches".to_owned(),
        BandTrace::Marginal { parts } => {
            let parts: Vec<String> = parts
                .iter()
                .map(|(count, rate)| format!("{} hab. × {}", number(*count), price_fr(*rate)))
                .collect();
            format!("barème marginal : {}", parts.join(" + "))
        }
    }
}

/// An index revision: "SYNTEC 2026-01 = 310,5 / SYNTEC 2024-01 = 300 → coefficient 1,035".
#[must_use]
pub fn revision_fr(revision: &RevisionTrace) -> String {
    format!(
        "{} {} = {} / {} {} = {} → coefficient {}",
        revision.index,
        revision.current_month,
        decimal_fr(revision.current, 6),
        revision.index,
        revision.base_month,
        decimal_fr(revision.base, 6),
        decimal_fr(revision.coefficient, revision.decimals)
    )
}

/// What a line's annual amount is multiplied by for its semester: " × 1/2", with the pro rata of a partial
/// presence (" × 1/2 × 108/181 jours", " × 1/2 × 4/6 mois", as documents have always worded it), or under
/// `days_of_year` its fraction of the year alone (" × 108/366 jours (année 2024)").
fn semester_share_fr(presence: Option<&PresenceTrace>) -> String {
    let Some(p) = presence else { return " × 1/2".to_owned() };
    match p.day_count {
        Some(ProRata::DaysOfYear) => {
            format!(" × {}/{} jours (année {})", p.measure, p.period_measure, p.first.year())
        }
        None
        | Some(ProRata::DaysOfSemester | ProRata::MonthsStarted | ProRata::MonthsFull | ProRata::None) => {
            format!(" × 1/2 × {}/{} {}", p.measure, p.period_measure, measure_unit_fr(p.months))
        }
    }
}

/// A member's weight in a split, with its unit: « 3 582 hab. », « 12,5 équivalents PC », « 1 part ».
fn weight_fr(weight: Decimal, key: &KeyTrace) -> String {
    let number = decimal_fr(weight, 4);
    let shown = Rounding::HalfUp.apply(weight, 4);
    match key {
        KeyTrace::Population { .. } => format!("{number} hab."),
        KeyTrace::Activity { unit_label, .. } => {
            format!("{number} {}", units::unit_for_fr(shown, unit_label))
        }
        KeyTrace::Equal => format!("{number} {}", units::unit_for_fr(shown, "part")),
        KeyTrace::FixedPercentages => format!("{number}\u{202f}%"),
        KeyTrace::KwhCumac { .. } => format!("{} kWh cumac", decimal_fr(weight, 3)),
    }
}

/// A share of a pool, as what it is: « 40 % de 190 000,00 € (pourcentage fixé par la convention) »,
/// « 3 582 hab. / 396 684 hab. × 80 000,00 € (clé : population totale, millésime 2023) ». `prorated` says the
/// member's weight is its basis weighted by its presence in the period.
fn share_fr(member: Decimal, total: Decimal, key: &KeyTrace, pool: Amount, prorated: bool) -> String {
    let presence = if prorated { ", au prorata de la présence" } else { "" };
    match key {
        KeyTrace::FixedPercentages if total == Decimal::ONE_HUNDRED => format!(
            "{} de {} (pourcentage fixé par la convention{presence})",
            weight_fr(member, key),
            pool.format_fr()
        ),
        KeyTrace::FixedPercentages => format!(
            "{} / {} × {} (pourcentages fixés par la convention, membres présents{presence})",
            weight_fr(member, key),
            weight_fr(total, key),
            pool.format_fr()
        ),
        _ => format!(
            "{} / {} × {} (clé : {}{presence})",
            weight_fr(member, key),
            weight_fr(total, key),
            pool.format_fr(),
            key_fr(key)
        ),
    }
}

/// The basis of liquidation printed on a line: "12 450 hab. (population municipale 2023) × 1,20 €/an × 1/2".
#[must_use]
pub fn basis_fr(basis: &LineBasis) -> String {
    let share = semester_share_fr(basis.presence.as_ref());
    let mut text = match &basis.kind {
        BasisKind::PerInhabitant { population, rate_per_year } => format!(
            "{} ({} {}) × {}/an{share}",
            inhabitants_fr(population.inhabitants),
            population.kind.label_fr(),
            population.millesime,
            price_fr(*rate_per_year)
        ),
        BasisKind::Band { population, band, annual } => format!(
            "{} ({}, {} {}) : {}/an{share}",
            band_fr(band),
            inhabitants_fr(population.inhabitants),
            population.kind.label_fr(),
            population.millesime,
            price_fr(*annual)
        ),
        BasisKind::FlatFee { annual } => format!("Forfait {}/an{share}", price_fr(*annual)),
        BasisKind::Units { units, price, unit_label, degressive, tier } => format!(
            "{} × {} par {unit_label}{}",
            decimal_fr(*units, 4),
            price_fr(*price),
            match tier {
                Some(span) => format!(" (tarif dégressif, {})", tier_fr(span)),
                None if *degressive => " (tarif dégressif)".to_owned(),
                None => String::new(),
            }
        ),
        BasisKind::UnitCost { units, unit_label, unit_cost, basis, year } => format!(
            "{} × {} par {unit_label} (coût unitaire {} {year})",
            decimal_fr(*units, 4),
            price_fr(*unit_cost),
            valuation_fr(*basis)
        ),
        BasisKind::PoolShare { member, total, key, pool } => {
            share_fr(*member, *total, key, *pool, basis.quantity.is_some_and(|q| q != *member))
        }
        BasisKind::Cee { kwh, total, net } => format!(
            "{} kWh cumac / {} kWh cumac × produit net {}",
            decimal_fr(*kwh, 3),
            decimal_fr(*total, 3),
            net.format_fr()
        ),
        BasisKind::Regularisation { due, billed, year } => {
            // The printed line rounds what is due to the cent; `explain` shows it exact.
            format!(
                "Réalisé {} − facturé {} (exercice {year})",
                Amount::from_decimal(*due, Rounding::HalfUp).format_fr(),
                billed.format_fr()
            )
        }
        BasisKind::Carried { semester } => format!("Montant reporté du {}", semester.label_fr()),
        BasisKind::Issued { description } => description.clone(),
    };
    if let Some(coefficient) = basis.revision {
        let _ = write!(text, " × révision {}", decimal_fr(coefficient, 6));
    }
    for bound in &basis.bounds {
        text.push_str(match bound {
            Bounded::Capped => " (plafonné)",
            Bounded::Floored => " (plancher)",
        });
    }
    text
}

/// A number of units with their name, singular or plural: « 119 dossiers pondérés », « 1 heure ».
fn units_fr(units: Decimal, name: &str) -> String {
    let shown = Rounding::HalfUp.apply(units, 4);
    format!("{} {}", decimal_fr(shown, 4), units::unit_for_fr(shown, name))
}

/// The activity records of a semester in words: « 220 pages A4 noir et blanc × 1 + 35 pages A4 couleur × 4 », each
/// unit type named by its convention's label (or the French name of a common code); the weights only when one is
/// not 1 (« 11 heures »).
fn activity_fr(records: &[mutua_alloc::trace::ActivityTrace]) -> String {
    let weighted = records.iter().any(|r| r.weight != Decimal::ONE);
    let parts: Vec<String> = records
        .iter()
        .map(|r| {
            let name = units::unit_type_fr(&r.unit, r.label.as_deref());
            let counted = units_fr(r.quantity, name);
            if weighted { format!("{counted} × {}", decimal_fr(r.weight, 4)) } else { counted }
        })
        .collect();
    if parts.is_empty() { "aucune".to_owned() } else { parts.join(" + ") }
}

fn member_basis_fr(basis: &MemberBasis) -> String {
    match basis {
        MemberBasis::Inhabitants { inhabitants } => inhabitants_fr(*inhabitants),
        MemberBasis::Units { units, unit_label } => units_fr(*units, unit_label),
        MemberBasis::EqualPart => "1 part".to_owned(),
        MemberBasis::Percent { percent } => format!("{}\u{202f}%", decimal_fr(*percent, 6)),
    }
}

fn pool_fr(pool: &PoolTrace) -> String {
    match pool {
        PoolTrace::Fixed { stated, revised } => {
            let mut text = format!("{} par an", stated.format_fr());
            if let Some((revision, annual)) = revised {
                let _ = write!(text, " × révision ({}) = {}", revision_fr(revision), annual.format_fr());
            }
            text
        }
        PoolTrace::Valuation { basis, year, document, full_cost, share, annual } => format!(
            "Coût complet {} {year} ({document}) {} × {} = {}",
            valuation_fr(*basis),
            full_cost.format_fr(),
            decimal_fr(*share, 6),
            annual.format_fr()
        ),
    }
}

/// One step of a computation: its label and its value ("Population municipale 2023", "12 450 hab.").
#[must_use]
pub fn step_fr(step: &Step) -> (String, String) {
    let pair = |label: &str, value: String| (label.to_owned(), value);
    match step {
        Step::Population(p) => {
            (format!("{} {}", capitalise(p.kind.label_fr()), p.millesime), inhabitants_fr(p.inhabitants))
        }
        Step::AnnualRate { rate } => pair("Tarif annuel", format!("{} par habitant", price_fr(*rate))),
        Step::AnnualAmount { amount } => pair("Montant annuel", price_fr(*amount)),
        Step::Band(band) => pair("Tranche", band_fr(band)),
        Step::FlatFee { amount } => pair("Forfait annuel", amount.format_fr()),
        Step::Activity { records } => pair("Activité du semestre", activity_fr(records)),
        Step::WeightedUnits { units, unit_label } => pair("Unités pondérées", units_fr(*units, unit_label)),
        Step::Price { price, unit_label, tiers } => {
            let mut text = format!("{} par {unit_label}", price_fr(*price));
            for (from, price) in tiers {
                let _ = write!(text, ", {} au-delà de {}", price_fr(*price), decimal_fr(*from, 4));
            }
            pair("Prix", text)
        }
        Step::Tier { span, counted, units, price } => (
            format!("Tarif dégressif, {}", tier_fr(span)),
            format!(
                "unités du semestre comptées de {} à {} : {} dans la tranche × {}",
                decimal_fr(counted.0, 4),
                decimal_fr(counted.1, 4),
                decimal_fr(*units, 4),
                price_fr(*price)
            ),
        ),
        Step::OperatingUnits { units, unit_label } => {
            pair("Unités de fonctionnement", units_fr(*units, unit_label))
        }
        Step::UnitCost(cost) => (
            format!("Coût unitaire {} {}", valuation_fr(cost.basis), cost.year),
            format!(
                "{} = coût complet {} / {} unités ({})",
                price_fr(cost.unit_cost),
                cost.full_cost.format_fr(),
                decimal_fr(cost.units, 4),
                cost.document
            ),
        ),
        Step::Revision(revision) => pair("Révision", revision_fr(revision)),
        Step::ProRata(p) => pair(
            "Prorata temporis",
            format!(
                "{} (du {} au {})",
                presence_fraction_fr(p),
                date_numeric_fr(p.first),
                date_numeric_fr(p.last)
            ),
        ),
        Step::YearToDate { before, billed_before, through, billed_through } => pair(
            "Arrondi cumulé sur l'année",
            format!(
                "{} (montant de l'année jusqu'à la fin de cette période, {}) − {} (déjà dû sur l'année, {}) ; \
                 ainsi l'année totalise son montant annuel",
                billed_through.format_fr(),
                price_fr(*through),
                billed_before.format_fr(),
                price_fr(*before)
            ),
        ),
        Step::Cap { per_year, for_period } => pair(
            "Plafond",
            format!("{}/an → {} pour la période", per_year.format_fr(), price_fr(*for_period)),
        ),
        Step::Floor { per_year, for_period } => pair(
            "Plancher",
            format!("{}/an → {} pour la période", per_year.format_fr(), price_fr(*for_period)),
        ),
        Step::Pool(pool) => pair("Enveloppe", pool_fr(pool)),
        Step::SemesterPart { pool, sliced, fraction } => pair(
            "Part du semestre",
            format!(
                "{} ({}/{} de l'enveloppe annuelle{})",
                pool.format_fr(),
                fraction.numerator,
                fraction.denominator,
                if *sliced { ", part de la tranche" } else { "" }
            ),
        ),
        Step::Key(key) => pair("Clé de répartition", key_fr(key)),
        Step::MemberBasis(basis) => pair("Base du membre", member_basis_fr(basis)),
        Step::Presence { measure, period_measure, day_count } => pair(
            "Présence",
            format!("{measure} {} sur {period_measure}", measure_unit_fr(day_count.counts_months())),
        ),
        Step::Ratio { member, total, ratio } => pair(
            "Base du membre / base totale (au prorata de la présence)",
            format!("{} / {} = {}", decimal_fr(*member, 4), decimal_fr(*total, 4), decimal_fr(*ratio, 8)),
        ),
        Step::RegularisationCosts { year, forecast, actual } => (
            format!("Coût unitaire {year}"),
            format!(
                "prévisionnel {} ({}) ; réalisé {} ({})",
                price_fr(forecast.0),
                forecast.1,
                price_fr(actual.0),
                actual.1
            ),
        ),
        Step::RegularisationFullCosts { year, forecast, actual } => (
            format!("Coût complet {year}"),
            format!("prévisionnel {} ; réalisé {}", forecast.format_fr(), actual.format_fr()),
        ),
        Step::Billed { semester, amount, source } => (
            format!("Facturé, {}", semester.label_fr()),
            format!("{} — {}", amount.format_fr(), billed_source_fr(source)),
        ),
        Step::DueOnActual { semester, amount, exact, basis } => (
            format!("Dû sur le réalisé, {}", semester.label_fr()),
            format!("{} (exact {}) — {}", amount.format_fr(), price_fr(*exact), basis_fr(basis)),
        ),
        Step::Regularisation { due, billed, exact, amount } => pair(
            "Régularisation",
            format!(
                "{} − {} = {} exactement, ligne {}",
                price_fr(*due),
                billed.format_fr(),
                price_fr(*exact),
                amount.format_fr()
            ),
        ),
        Step::RegularisationTotal { exact, total, rounding } => pair(
            "Régularisation de la composante, tous membres",
            format!(
                "{} exactement, arrondi {} : {}, puis réparti entre les membres selon leurs écarts exacts, chaque \
                 ligne à moins d'un centime du sien",
                price_fr(*exact),
                rounding_fr(*rounding),
                total.format_fr()
            ),
        ),
        Step::CarriedFrom { semester } => pair("Semestre d'origine", semester.label_fr()),
        Step::CarriedBy { semester, recorded } => pair(
            "Reporté par",
            format!(
                "l'exécution du {} ({})",
                semester.label_fr(),
                match recorded {
                    CarriedRecord::Ledger => "registre de mutua",
                    CarriedRecord::Import => "carried.csv du jeu de données",
                }
            ),
        ),
        Step::CarriedReason { threshold } => pair(
            "Motif",
            format!("total du document inférieur au seuil de {} (art. D1611-1 CGCT)", threshold.format_fr()),
        ),
        Step::Deposit { label, sold_on } => {
            pair("Dépôt", format!("{label}, vente du {}", date_numeric_fr(*sold_on)))
        }
        Step::GrossProceeds { kwh, price, gross } => pair(
            "Produit brut",
            format!(
                "{} kWh cumac, soit {} MWh cumac × {}/MWh cumac = {}",
                decimal_fr(*kwh, 3),
                decimal_fr(kwh.checked_div(Decimal::ONE_THOUSAND).unwrap_or_default(), 6),
                price_fr(*price),
                gross.format_fr()
            ),
        ),
        Step::ManagementFee { percent, fee } => pair(
            "Frais de gestion",
            format!("{}\u{202f}% du produit brut = {}", decimal_fr(*percent, 4), fee.format_fr()),
        ),
        Step::NetProceeds { net } => pair("Produit net", net.format_fr()),
        Step::BeneficiaryKwh { kwh, operations, total, ratio } => pair(
            "kWh cumac du bénéficiaire",
            format!(
                "{} kWh cumac ({operations} {}) / {} kWh cumac du dépôt = {} ({}\u{202f}%)",
                decimal_fr(*kwh, 3),
                if *operations > 1 { "opérations" } else { "opération" },
                decimal_fr(*total, 3),
                decimal_fr(*ratio, 8),
                decimal_fr(ratio.checked_mul(Decimal::ONE_HUNDRED).unwrap_or_default(), 4)
            ),
        ),
    }
}

/// The computation of a charge in French, one line per step, for `mutua explain`; the party who owes it or is
/// paid it is named as documents name it (« dû par la commune de Wicres »).
#[must_use]
pub fn explain_charge(dataset: &Dataset, charge: &Charge) -> Vec<String> {
    charge_lines(dataset, charge, false, Naming::LegalPerson)
}

/// The computation of a charge in French as the annex of its document prints it: [`explain_charge`] without
/// where an amount carried once is recorded (the ledger or `carried.csv`: the run's concern, not the debtor's).
/// An amount carried more than once says which run carried it last. A document issued before parties had
/// legal names ([`Naming::Mairie`]) named the party by its id.
#[must_use]
pub fn annex_charge(dataset: &Dataset, charge: &Charge, naming: Naming) -> Vec<String> {
    charge_lines(dataset, charge, true, naming)
}

fn charge_lines(dataset: &Dataset, charge: &Charge, annex: bool, naming: Naming) -> Vec<String> {
    let trace = &charge.trace;
    let mut lines = Vec::with_capacity(trace.steps.len() + 3);
    let (direction, preposition, party) = if charge.provider_pays {
        ("versé", Preposition::A, &charge.payee)
    } else if crate::batch::is_refund(charge) {
        ("remboursé", Preposition::A, &charge.payer)
    } else {
        ("dû", Preposition::Par, &charge.payer)
    };
    let named = match (naming, dataset.party(party)) {
        (Naming::LegalPerson, Some(known)) => names::party_fr(known, preposition),
        _ => {
            let word = if preposition == Preposition::A { "à" } else { "par" };
            format!("{word} {party}")
        }
    };
    lines.push(format!("{} — {} ({direction} {named})", line_label_fr(charge), charge.amount.format_fr()));
    lines.push(format!("  Règle : {} ; {}", rule_fr(trace.rule), trace.terms_reference));
    let carried_once =
        |by: Semester| matches!(charge.kind, ChargeKind::Carried { semester, .. } if semester == by);
    for step in &trace.steps {
        if annex && matches!(step, Step::CarriedBy { semester, .. } if carried_once(*semester)) {
            continue;
        }
        let (label, value) = match (step, &trace.key) {
            // A split's ratio with the key's unit: « 868 hab. / 396 684 hab. = 0,00218814 (0,2188 %) ».
            (Step::Ratio { member, total, ratio }, Some(key)) => (
                "Part du membre (au prorata de la présence)".to_owned(),
                format!(
                    "{} / {} = {} ({}\u{202f}%)",
                    weight_fr(*member, key),
                    weight_fr(*total, key),
                    decimal_fr(*ratio, 8),
                    decimal_fr(ratio.checked_mul(Decimal::ONE_HUNDRED).unwrap_or_default(), 4)
                ),
            ),
            _ => step_fr(step),
        };
        lines.push(format!("  {label} : {value}"));
    }
    lines.push(format!(
        "  {}",
        rounding_line_fr(trace.exact, trace.rounding, trace.remainder_cents, charge.amount)
    ));
    lines
}

/// How a rounding to the cent is said to a reader: « au centime le plus proche », « au centime inférieur ».
fn rounding_plain_fr(rounding: Rounding, negative: bool) -> &'static str {
    match rounding {
        Rounding::HalfUp => "au centime le plus proche",
        Rounding::HalfEven => "au centime le plus proche (un demi-centime au centime pair)",
        Rounding::TowardZero if negative => "au centime, vers zéro",
        Rounding::TowardZero | Rounding::Floor => "au centime inférieur",
        Rounding::Ceiling => "au centime supérieur",
        // `Rounding` may gain modes; each is named here when it does.
        _ => "au centime",
    }
}

/// The last line of a computation: the exact amount, how it was rounded, and the cents a split moved onto it, in
/// plain words (« Montant exact : 722,388602 € ; arrondi au centime inférieur : 722,38 €, plus 1 centime … »).
#[must_use]
pub fn rounding_line_fr(exact: Decimal, rounding: Rounding, remainder_cents: i64, amount: Amount) -> String {
    if remainder_cents == 0 && exact == amount.to_decimal() {
        return format!("Montant exact : {} (sans arrondi)", amount.format_fr());
    }
    let how = rounding_plain_fr(rounding, amount.is_negative());
    if remainder_cents == 0 {
        return format!("Montant exact : {} ; arrondi {how} : {}", price_fr(exact), amount.format_fr());
    }
    let moved = Amount::from_cents(remainder_cents);
    let before = amount.checked_sub(moved).unwrap_or(amount);
    let cents = remainder_cents.unsigned_abs();
    let (sign, word) = if remainder_cents > 0 { ("plus", "centime") } else { ("moins", "centime") };
    format!(
        "Montant exact : {} ; arrondi {how} : {}, {sign} {cents} {word}{} pour que les parts totalisent exactement le \
         montant réparti (les centimes qui restent vont aux parts aux plus fortes décimales) : {}",
        price_fr(exact),
        before.format_fr(),
        if cents > 1 { "s" } else { "" },
        amount.format_fr()
    )
}

/// Where a billed amount is recorded, in French.
fn billed_source_fr(source: &BilledSource) -> String {
    match source {
        BilledSource::Document(number) => format!("document n° {number}"),
        BilledSource::Titre(number) => format!("titre n° {number} (titres.csv)"),
        BilledSource::Carried(semester) => {
            format!("montant reporté par l'exécution du {}, facturé par la présente", semester.label_fr())
        }
    }
}

/// An allocation error in French, for the finance officer (`mutua check`, `mutua run`).
#[must_use]
pub fn alloc_error_fr(error: &AllocError) -> String {
    match error {
        AllocError::MissingPopulation { member, millesime, convention } => format!(
            "aucune population du millésime {millesime} pour « {member} » (nécessaire à la convention « {convention} »)"
        ),
        AllocError::MissingValuation { dispositif, year, basis } => format!(
            "le dispositif « {dispositif} » n'a pas de valorisation {} pour {year}",
            match basis {
                ValuationBasis::Forecast => "prévisionnelle",
                ValuationBasis::Actual => "réalisée",
            }
        ),
        AllocError::Valuation { dispositif, year, source } => {
            format!("la valorisation de « {dispositif} » pour {year} ne peut être calculée : {source}")
        }
        AllocError::MissingIndex { index, month } => {
            format!("l'indice « {index} » n'a aucune valeur pour {month} ni avant")
        }
        AllocError::Split { convention, component, source } => {
            format!(
                "la composante « {component} » de la convention « {convention} » ne peut être répartie : {source}"
            )
        }
        AllocError::Tariff { convention, component, source } => {
            format!(
                "la composante « {component} » de la convention « {convention} » ne peut être appliquée : {source}"
            )
        }
        AllocError::MissingPercentage { convention, member } => {
            format!("le membre « {member} » de la convention « {convention} » n'a pas de pourcentage fixé")
        }
        AllocError::UnknownUnit { convention, unit } => {
            format!("l'unité « {unit} » n'a pas de pondération dans la convention « {convention} »")
        }
        AllocError::UnknownParty(party) => format!("partie inconnue « {party} »"),
        AllocError::UnknownConvention(convention) => format!("convention inconnue « {convention} »"),
        AllocError::UnsupportedRule { convention, component, rule } => {
            format!(
                "« {rule} » n'est pas applicable à la composante « {component} » de la convention « {convention} »"
            )
        }
        AllocError::Arithmetic { convention, component, source } => {
            format!("convention « {convention} », « {component} » : calcul hors limites ({source})")
        }
        AllocError::OutOfBounds { convention, component, member, amount, limit } => format!(
            "convention « {convention} », « {component} » : {} pour « {member} » dépasse la limite d'un montant \
             ({limit})",
            amount.format_fr()
        ),
        AllocError::BilledUnknown { convention, semester } => format!(
            "la régularisation de la convention « {convention} » a besoin de ce qui a été facturé au {} : ni le \
             registre ni titres.csv ne l'indiquent (ajoutez à titres.csv les titres émis pour ce semestre)",
            semester.label_fr()
        ),
        AllocError::Money(source) => format!("calcul hors limites ({source})"),
        // `AllocError` may gain variants; each is worded here when it does.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use mutua_alloc::trace::PopulationTrace;
    use mutua_core::{Amount, PopulationKind, Semester};

    use super::*;

    fn basis(kind: BasisKind) -> LineBasis {
        LineBasis {
            quantity: None,
            unit: Unit::Flat,
            unit_price: None,
            kind,
            presence: None,
            revision: None,
            bounds: Vec::new(),
        }
    }

    #[test]
    fn bases_of_liquidation() {
        let population =
            PopulationTrace { kind: PopulationKind::Municipale, millesime: 2023, inhabitants: 12_450 };
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let mut partial = basis(BasisKind::PerInhabitant { population, rate_per_year: Decimal::new(12, 1) });
        partial.presence = Some(PresenceTrace {
            measure: 108,
            period_measure: 181,
            months: false,
            first: day(3, 15),
            last: day(6, 30),
            day_count: Some(ProRata::DaysOfSemester),
        });
        partial.revision = Some(Decimal::new(1035, 3));
        partial.bounds.push(Bounded::Capped);
        let cases = [
            (
                partial,
                "12\u{202f}450 hab. (population municipale 2023) × 1,20\u{a0}€/an × 1/2 × 108/181 jours × révision \
                 1,035 (plafonné)",
            ),
            (
                basis(BasisKind::Band {
                    population,
                    band: BandTrace::Flat { from: 10_000, to: None },
                    annual: Decimal::new(5_000, 0),
                }),
                "tranche de 10\u{202f}000 hab. et plus (12\u{202f}450 hab., population municipale 2023) : \
                 5\u{202f}000,00\u{a0}€/an × 1/2",
            ),
            (
                basis(BasisKind::Units {
                    units: Decimal::new(125, 1),
                    price: Decimal::new(300, 0),
                    unit_label: "équivalent PC".into(),
                    degressive: true,
                    tier: None,
                }),
                "12,5 × 300,00\u{a0}€ par équivalent PC (tarif dégressif)",
            ),
            (
                basis(BasisKind::Units {
                    units: Decimal::new(5_000, 0),
                    price: Decimal::new(20, 3),
                    unit_label: "page".into(),
                    degressive: true,
                    tier: Some(TierSpan { from: Decimal::new(20_000, 0), to: None }),
                }),
                "5\u{202f}000 × 0,02\u{a0}€ par page (tarif dégressif, tranche au-delà de 20\u{202f}000)",
            ),
            (
                basis(BasisKind::Units {
                    units: Decimal::new(7_569, 0),
                    price: Decimal::new(25, 3),
                    unit_label: "page".into(),
                    degressive: true,
                    tier: Some(TierSpan { from: Decimal::ZERO, to: Some(Decimal::new(20_000, 0)) }),
                }),
                "7\u{202f}569 × 0,025\u{a0}€ par page (tarif dégressif, tranche jusqu'à 20\u{202f}000)",
            ),
            (
                basis(BasisKind::PoolShare {
                    member: Decimal::new(25, 0),
                    total: Decimal::new(100, 0),
                    key: KeyTrace::FixedPercentages,
                    pool: Amount::from_cents(100_000),
                }),
                "25\u{202f}% de 1\u{202f}000,00\u{a0}€ (pourcentage fixé par la convention)",
            ),
            (
                basis(BasisKind::PoolShare {
                    member: Decimal::new(25, 0),
                    total: Decimal::new(95, 0),
                    key: KeyTrace::FixedPercentages,
                    pool: Amount::from_cents(100_000),
                }),
                "25\u{202f}% / 95\u{202f}% × 1\u{202f}000,00\u{a0}€ (pourcentages fixés par la convention, membres \
                 présents)",
            ),
            (
                basis(BasisKind::PoolShare {
                    member: Decimal::new(12_450, 0),
                    total: Decimal::new(1_130_000, 0),
                    key: KeyTrace::Population { kind: PopulationKind::Totale, millesime: 2023 },
                    pool: Amount::from_cents(9_170_000),
                }),
                "12\u{202f}450 hab. / 1\u{202f}130\u{202f}000 hab. × 91\u{202f}700,00\u{a0}€ (clé : population \
                 totale, millésime 2023)",
            ),
            (
                basis(BasisKind::PoolShare {
                    member: Decimal::new(125, 1),
                    total: Decimal::new(300, 0),
                    key: KeyTrace::Activity { activity: "ads".into(), unit_label: "équivalent PC".into() },
                    pool: Amount::from_cents(100_000),
                }),
                "12,5 équivalents PC / 300 équivalents PC × 1\u{202f}000,00\u{a0}€ (clé : activité pondérée, en \
                 équivalents PC)",
            ),
            (
                basis(BasisKind::Cee {
                    kwh: Decimal::new(2_288_510, 0),
                    total: Decimal::new(21_424_820, 0),
                    net: Amount::from_cents(16_486_399),
                }),
                "2\u{202f}288\u{202f}510 kWh cumac / 21\u{202f}424\u{202f}820 kWh cumac × produit net \
                 164\u{202f}863,99\u{a0}€",
            ),
            (
                basis(BasisKind::Carried { semester: "2025-S2".parse::<Semester>().unwrap() }),
                "Montant reporté du 2d semestre 2025",
            ),
            (basis(BasisKind::Issued { description: "as issued".into() }), "as issued"),
        ];
        for (basis, expected) in cases {
            assert_eq!(basis_fr(&basis), expected);
        }
    }

    #[test]
    fn a_presence_states_its_fraction_on_the_basis_and_in_the_trace() {
        let population =
            PopulationTrace { kind: PopulationKind::Municipale, millesime: 2023, inhabitants: 3_545 };
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let presence = |measure, period_measure, day_count: Option<ProRata>, year| PresenceTrace {
            measure,
            period_measure,
            months: day_count.is_some_and(ProRata::counts_months),
            first: day(year, 3, 15),
            last: day(year, 6, 30),
            day_count,
        };
        // (presence, basis, step): a 15 March joiner, in 2024 (leap) and 2025. The counts over the semester keep the
        // wording issued documents have (they must render again byte for byte); days of the year state theirs.
        let cases = [
            (
                presence(108, 366, Some(ProRata::DaysOfYear), 2024),
                ": 4\u{202f}254,00\u{a0}€/an × 108/366 jours (année 2024)",
                "108 jours / 366 (année 2024) (du 15/03/2024 au 30/06/2024)",
            ),
            (
                presence(108, 365, Some(ProRata::DaysOfYear), 2025),
                ": 4\u{202f}254,00\u{a0}€/an × 108/365 jours (année 2025)",
                "108 jours / 365 (année 2025) (du 15/03/2025 au 30/06/2025)",
            ),
            (
                presence(108, 182, Some(ProRata::DaysOfSemester), 2024),
                ": 4\u{202f}254,00\u{a0}€/an × 1/2 × 108/182 jours",
                "108 jours sur 182 (du 15/03/2024 au 30/06/2024)",
            ),
            (
                presence(4, 6, Some(ProRata::MonthsStarted), 2025),
                ": 4\u{202f}254,00\u{a0}€/an × 1/2 × 4/6 mois",
                "4 mois sur 6 (du 15/03/2025 au 30/06/2025)",
            ),
            (
                presence(3, 6, Some(ProRata::MonthsFull), 2025),
                ": 4\u{202f}254,00\u{a0}€/an × 1/2 × 3/6 mois",
                "3 mois sur 6 (du 15/03/2025 au 30/06/2025)",
            ),
            // A record written before day counts were named reads as it was worded.
            (
                presence(4, 6, None, 2025).with_months(),
                ": 4\u{202f}254,00\u{a0}€/an × 1/2 × 4/6 mois",
                "4 mois sur 6 (du 15/03/2025 au 30/06/2025)",
            ),
        ];
        for (presence, share, step) in cases {
            let mut line = basis(BasisKind::Band {
                population,
                band: BandTrace::Flat { from: 0, to: None },
                annual: Decimal::new(4_254, 0),
            });
            line.presence = Some(presence);
            let text = basis_fr(&line);
            assert!(text.ends_with(share), "{text} ends with {share}");
            assert_eq!(step_fr(&Step::ProRata(presence)), ("Prorata temporis".to_owned(), step.to_owned()));
        }
        let names = [
            (ProRata::DaysOfYear, "jours de présence sur les jours de l'année (365 ou 366)"),
            (
                ProRata::DaysOfSemester,
                "jours de présence sur les jours du semestre, chaque semestre valant une demi-année",
            ),
            (ProRata::MonthsStarted, "mois commencés sur les 12 mois de l'année"),
            (ProRata::MonthsFull, "mois complets sur les 12 mois de l'année"),
            (ProRata::None, "semestre entier dû dès un jour de présence"),
        ];
        for (count, name) in names {
            assert_eq!(day_count_fr(count), name);
        }
    }

    trait WithMonths {
        fn with_months(self) -> Self;
    }

    impl WithMonths for PresenceTrace {
        fn with_months(mut self) -> Self {
            self.months = true;
            self
        }
    }

    #[test]
    fn the_rounding_is_said_in_words() {
        let amount = |cents| Amount::from_cents(cents);
        let cases = [
            (
                Decimal::new(15_000, 2),
                Rounding::HalfUp,
                0,
                amount(15_000),
                "Montant exact : 150,00\u{a0}€ (sans arrondi)",
            ),
            (
                Decimal::new(8_899_228, 4),
                Rounding::HalfUp,
                0,
                amount(88_992),
                "Montant exact : 889,9228\u{a0}€ ; arrondi au centime le plus proche : 889,92\u{a0}€",
            ),
            (
                Decimal::new(17_505_117, 5),
                Rounding::TowardZero,
                0,
                amount(17_505),
                "Montant exact : 175,05117\u{a0}€ ; arrondi au centime inférieur : 175,05\u{a0}€",
            ),
            (
                Decimal::new(722_388_602, 6),
                Rounding::TowardZero,
                1,
                amount(72_239),
                "Montant exact : 722,388602\u{a0}€ ; arrondi au centime inférieur : 722,38\u{a0}€, plus 1 centime pour \
                 que les parts totalisent exactement le montant réparti (les centimes qui restent vont aux parts aux \
                 plus fortes décimales) : 722,39\u{a0}€",
            ),
            (
                Decimal::new(-1_0051, 3),
                Rounding::TowardZero,
                -2,
                amount(-1_007),
                "Montant exact : -10,051\u{a0}€ ; arrondi au centime, vers zéro : -10,05\u{a0}€, moins 2 centimes pour \
                 que les parts totalisent exactement le montant réparti (les centimes qui restent vont aux parts aux \
                 plus fortes décimales) : -10,07\u{a0}€",
            ),
        ];
        for (exact, rounding, cents, amount, expected) in cases {
            assert_eq!(rounding_line_fr(exact, rounding, cents, amount), expected);
        }
    }

    #[test]
    fn every_unit_and_rule_is_named() {
        let units = [
            (Unit::Inhabitants, "hab."),
            (Unit::Flat, "forfait"),
            (Unit::Named("heure".into()), "heure"),
            (Unit::Part, "part"),
            (Unit::Percent, "%"),
            (Unit::MwhCumac, "MWh cumac"),
            (Unit::Regularisation, "régularisation"),
            (Unit::Carried, "report"),
        ];
        for (unit, expected) in units {
            assert_eq!(unit_fr(&unit), expected);
        }
        assert_eq!(
            rule_fr(RuleKind::UnitCost),
            "coût unitaire de fonctionnement × unités (art. D5211-16 CGCT)"
        );
        assert_eq!(
            band_fr(&BandTrace::Marginal {
                parts: vec![(1_000, Decimal::new(2, 0)), (500, Decimal::new(1, 0))]
            }),
            "barème marginal : 1\u{202f}000 hab. × 2,00\u{a0}€ + 500 hab. × 1,00\u{a0}€"
        );
    }
}
