//! The index of a dataset answers every lookup as the dataset's own scans do, on the bundled MEL dataset.

use std::path::Path;

use mutua_core::{DatasetIndex, ValuationBasis};

#[test]
fn index_answers_as_the_scans_do() {
    let validated = mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel"))
        .expect("the bundled dataset loads");
    let dataset = validated.dataset();
    let index = DatasetIndex::new(dataset);
    assert!(!dataset.memberships.is_empty() && !dataset.cee_operations.is_empty());
    for convention in dataset.conventions.values() {
        let indexed: Vec<_> = index.members_of(dataset, &convention.id).collect();
        let scanned: Vec<_> = dataset.members_of(&convention.id).collect();
        assert_eq!(indexed, scanned, "{}", convention.id);
        assert_eq!(index.member_count(&convention.id), dataset.member_count(&convention.id));
        for membership in &scanned {
            let of_member: Vec<_> =
                index.memberships_of(dataset, &convention.id, &membership.member).map(|(_, m)| m).collect();
            let scanned_member: Vec<_> =
                scanned.iter().copied().filter(|m| m.member == membership.member).collect();
            assert_eq!(of_member, scanned_member);
        }
        let deposits: Vec<_> = index.deposits_of(dataset, &convention.id).collect();
        let scanned_deposits: Vec<_> =
            dataset.cee_deposits.iter().filter(|d| d.convention == convention.id).collect();
        assert_eq!(deposits, scanned_deposits);
        for deposit in deposits {
            let operations: Vec<_> = index.operations_of(dataset, &deposit.id).collect();
            let scanned: Vec<_> = dataset.cee_operations.iter().filter(|o| o.deposit == deposit.id).collect();
            assert!(!operations.is_empty());
            assert_eq!(operations, scanned);
        }
    }
    for dispositif in dataset.dispositifs.keys() {
        let indexed: Vec<_> = index.conventions_of(dataset, dispositif).collect();
        assert_eq!(indexed, dataset.conventions_of(dispositif).collect::<Vec<_>>());
        for year in 2015..=2028 {
            for basis in [ValuationBasis::Forecast, ValuationBasis::Actual] {
                assert_eq!(
                    index.valuation(dataset, dispositif, year, basis),
                    dataset.valuation(dispositif, year, basis)
                );
            }
            assert_eq!(
                index.unit_cost_derivation(dataset, dispositif, year),
                dataset.unit_cost_derivation(dispositif, year)
            );
        }
    }
    assert_eq!(index.millesimes().iter().copied().collect::<Vec<_>>(), dataset.populations.millesimes());
}
