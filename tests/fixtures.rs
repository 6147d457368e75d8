//! The bundled MEL dataset against the reference data and the seed report, and its 2026-S1 allocation.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use std::path::Path;

use mutua_core::{ConventionId, Dataset, PartyKind, PopulationKind, Semester};

fn dataset() -> mutua_core::ValidatedDataset {
    mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mel"))
        .unwrap_or_else(|errors| panic!("{errors}"))
}

/// The reference file, parsed independently of the loader: (insee, name, siren, pmun 2023).
fn reference() -> Vec<(String, String, String, u64)> {
    let text = include_str!("../fixtures/mel/populations.csv");
    assert!(text.starts_with("insee,"), "populations.csv header");
    let parties = include_str!("../fixtures/mel/parties.csv");
    let header: Vec<&str> = parties.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, kind, name, siren) = (column("id"), column("kind"), column("name"), column("siren"));
    let mut rows = Vec::new();
    for line in parties.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.get(kind) == Some(&"commune") {
            let pmun = text
                .lines()
                .find(|l| l.starts_with(&format!("{},2023,", cells[id])))
                .and_then(|l| l.split(',').nth(2))
                .unwrap()
                .parse()
                .unwrap();
            rows.push((cells[id].to_owned(), cells[name].to_owned(), cells[siren].to_owned(), pmun));
        }
    }
    rows
}

#[test]
fn ninety_five_communes_with_the_reference_populations() {
    let dataset = dataset();
    let communes: Vec<_> = dataset.parties.values().filter(|p| p.kind == PartyKind::Commune).collect();
    assert_eq!(communes.len(), 95);
    assert_eq!(dataset.populations.total(2023, PopulationKind::Municipale), 1_195_234);
    assert_eq!(dataset.populations.total(2023, PopulationKind::Totale), 1_206_167);
    assert_eq!(dataset.populations.total(2022, PopulationKind::Municipale), 1_194_040);
    assert_eq!(dataset.populations.total(2022, PopulationKind::Totale), 1_204_796);
    let mel = dataset.parties.values().find(|p| p.kind == PartyKind::Metropole).unwrap();
    assert_eq!(mel.siren.as_str(), "200093201");
    assert!(dataset.parties.values().any(|p| p.id.as_str() == "FEAL" && p.kind == PartyKind::Syndicate));
    let lille = dataset.party(&"59350".parse().unwrap()).unwrap();
    assert_eq!((lille.name.as_str(), lille.siren.as_str()), ("Lille", "215903501"));
    let territoires: BTreeSet<_> = communes.iter().filter_map(|c| c.territoire.clone()).collect();
    assert_eq!(territoires.len(), 8);
    // The loader and an independent read of the files agree.
    let reference = reference();
    assert_eq!(reference.len(), 95);
    for (insee, name, siren, pmun) in reference {
        let party = dataset.party(&insee.parse().unwrap()).unwrap();
        assert_eq!((party.name.as_str(), party.siren.as_str()), (name.as_str(), siren.as_str()));
        assert_eq!(dataset.populations.record(&party.id, 2023).unwrap().municipale, pmun);
    }
}

fn active_members(dataset: &Dataset, convention: &str, day: &str) -> Vec<mutua_core::PartyId> {
    let id = ConventionId::parse(convention).unwrap();
    let day = mutua_core::parse_date(day).unwrap();
    let mut members: Vec<_> =
        dataset.members_of(&id).filter(|m| m.range.contains(day)).map(|m| m.member.clone()).collect();
    members.sort();
    members.dedup();
    members
}

#[test]
fn member_counts_are_the_seeds_and_thresholds_hold() {
    let dataset = dataset();
    // Members on 30 June 2026 (the CEP joiner of 1 March counted; the RGPD leaver of 30 April is not).
    let counts = [
        ("cam-2019", 83),
        ("ugap-2022", 89),
        ("impression-2023", 14),
        ("cep-2021", 39),
        ("sim-ads-2015", 22),
        ("geoxalis-2015", 78),
        ("sim-rlpi-2022", 28),
        ("registre-2022", 53),
        ("logement-2023", 28),
        ("archives-2023", 4),
        ("videoprotection-2023", 56),
        ("iard-2020", 36),
        ("carrieres-2018", 13),
    ];
    for (convention, expected) in counts {
        let members = active_members(&dataset, convention, "2026-01-01");
        let later = active_members(&dataset, convention, "2026-06-30");
        let count = members.len().max(later.len());
        assert_eq!(count, expected, "{convention}: {members:?}");
    }
    // The CEE's 49 communes (the FEAL, a beneficiary, is not counted by the seed).
    let cee: Vec<_> = active_members(&dataset, "cee-2022", "2026-01-01")
        .into_iter()
        .filter(|m| dataset.party(m).is_some_and(|p| p.kind == PartyKind::Commune))
        .collect();
    assert_eq!(cee.len(), 49);
    // The underground quarries: 12 communes and the MEL, billed by Lille.
    let carrieres = active_members(&dataset, "carrieres-2018", "2026-01-01");
    assert!(
        carrieres.iter().any(|m| m.as_str() == "MEL") && !carrieres.iter().any(|m| m.as_str() == "59350")
    );
    assert_eq!(
        dataset.conventions[&ConventionId::parse("carrieres-2018").unwrap()].provider.as_str(),
        "59350"
    );
    for (convention, threshold) in [("cep-2021", 15_000), ("sim-ads-2015", 10_000)] {
        for membership in dataset.members_of(&ConventionId::parse(convention).unwrap()) {
            for millesime in [2022, 2023] {
                let population =
                    dataset.populations.record(&membership.member, millesime).unwrap().municipale;
                assert!(population < threshold, "{convention}: {} has {population}", membership.member);
            }
        }
    }
    // Every commune joins at least one dispositif.
    for commune in dataset.parties.values().filter(|p| p.kind == PartyKind::Commune) {
        assert!(dataset.memberships.iter().any(|m| m.member == commune.id), "{} joins nothing", commune.id);
    }
}

#[test]
fn the_default_semester_exercises_every_outcome() {
    let dataset = dataset();
    let semester: Semester = "2026-S1".parse().unwrap();
    assert_eq!(dataset.meta.current_semester, semester);
    let period = semester.period();
    // A mid-semester join and a leave.
    assert!(
        dataset
            .memberships
            .iter()
            .any(|m| period.contains(m.range.start()) && m.range.start() != period.first())
    );
    assert!(
        dataset
            .memberships
            .iter()
            .any(|m| m.range.end().is_some_and(|end| period.contains(end) && end != period.last()))
    );
    // A CEE deposit sold in the semester.
    assert!(dataset.cee_deposits.iter().any(|d| period.contains(d.sold_on)));
    // The actual 2025 valuation is known.
    assert!(
        dataset.valuations.iter().any(|v| v.year == 2025 && v.basis == mutua_core::ValuationBasis::Actual)
    );
    let allocation = mutua_alloc::allocate(&dataset, semester).unwrap();
    // Every pool split and every CEE deposit's kind is shared out to the cent.
    assert!(allocation.pools.len() >= 3, "{:?}", allocation.pools);
    for pool in &allocation.pools {
        assert!(pool.unbilled.is_empty(), "{} {}: {:?}", pool.convention, pool.component, pool.unbilled);
        assert_eq!(pool.pool, pool.allocated, "{} {}", pool.convention, pool.component);
        let sum = mutua_core::Amount::checked_sum(
            allocation
                .charges
                .iter()
                .filter(|c| {
                    c.convention == pool.convention
                        && c.kind == mutua_alloc::ChargeKind::Current
                        && c.component == pool.component
                })
                .map(|c| c.amount),
        )
        .unwrap();
        // CEE shares are charges of their own kind; every other pool's shares are current charges.
        if !pool.convention.as_str().starts_with("cee") {
            assert_eq!(sum, pool.pool, "{} {}", pool.convention, pool.component);
        }
    }
    for deposit in dataset.cee_deposits.iter().filter(|d| period.contains(d.sold_on)) {
        let shares = mutua_core::Amount::checked_sum(
            allocation
                .charges
                .iter()
                .filter(|c| matches!(&c.kind, mutua_alloc::ChargeKind::CeeShare { deposit: d, .. } if *d == deposit.id))
                .map(|c| c.amount),
        )
        .unwrap();
        let net = mutua_core::Amount::checked_sum(
            allocation
                .pools
                .iter()
                .filter(|p| p.component.starts_with(&format!("{}-", deposit.id)))
                .map(|p| p.pool),
        )
        .unwrap();
        assert_eq!(shares, net, "deposit {}", deposit.id);
        assert!(net.is_positive());
    }
    // Regularisation lines for 2025, the Lille-provided service billed to the MEL.
    assert!(
        allocation.charges.iter().any(|c| c.kind == mutua_alloc::ChargeKind::Regularisation { year: 2025 })
    );
    assert!(allocation.charges.iter().any(|c| c.payee.as_str() == "59350" && c.payer.as_str() == "MEL"));
}
