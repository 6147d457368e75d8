//! `conventions/*.toml` and `dataset.toml`: TOML files deserialized into the core types.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use mutua_core::{
    AccountsRule, Amount, Convention, ConventionId, DatasetMeta, DateRange, DispositifId, Eligibility,
    EligibilityCheck, Flow, LegalVehicle, PartyId, ProRata, RegularisationPolicy, Semester, Settlement,
    Source, Terms, VatRegime, parse_date,
};
use serde::{Deserialize, Deserializer};

use crate::error::{ErrorKind, LoadError};
use crate::text::{self, Presence};
use crate::toml_doc::{Document, Located, PathLines, without_indices};

/// The directory of convention files, relative to the dataset directory.
pub(crate) const CONVENTIONS_DIR: &str = "conventions";

/// A date written as a `YYYY-MM-DD` string, parsed as strictly as in the CSV files.
fn strict_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_date(&text).map_err(serde::de::Error::custom)
}

fn strict_optional_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<NaiveDate>, D::Error> {
    strict_date(deserializer).map(Some)
}

/// One convention file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConventionFile {
    id: ConventionId,
    dispositif: DispositifId,
    title: String,
    reference: String,
    vehicle: LegalVehicle,
    provider: PartyId,
    flow: Flow,
    settlement: Settlement,
    vat: VatRegime,
    #[serde(default)]
    accounts: Option<AccountsRule>,
    #[serde(default)]
    revenue_account: Option<String>,
    #[serde(default)]
    expense_account: Option<String>,
    #[serde(deserialize_with = "strict_date")]
    valid_from: NaiveDate,
    #[serde(default, deserialize_with = "strict_optional_date")]
    valid_until: Option<NaiveDate>,
    #[serde(default)]
    pro_rata: ProRata,
    #[serde(default)]
    regularisation: Option<RegularisationPolicy>,
    #[serde(default)]
    eligibility: Vec<Eligibility>,
    #[serde(default)]
    eligibility_check: EligibilityCheck,
    #[serde(default)]
    payment_term_days: Option<u32>,
    terms: Vec<Terms>,
}

/// The conventions of a dataset, with the key-path lines of each file to locate validation errors.
#[derive(Debug, Default)]
pub(crate) struct Conventions {
    /// The conventions, in file-name order, without duplicates.
    pub list: Vec<Convention>,
    /// File (`conventions/cep.toml`) → line of each key path.
    pub lines: BTreeMap<String, PathLines>,
}

/// Reads every `conventions/*.toml` file, sorted by file name; other files are ignored.
pub(crate) fn conventions(dir: &Path, errors: &mut Vec<LoadError>) -> Conventions {
    let mut loaded = Conventions::default();
    let entries = match std::fs::read_dir(dir.join(CONVENTIONS_DIR)) {
        Ok(entries) => entries,
        Err(error) => {
            let kind = if error.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::MissingDirectory
            } else {
                ErrorKind::Io(error.to_string())
            };
            errors.push(LoadError::new(CONVENTIONS_DIR, 0, "file", kind));
            return loaded;
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    let mut first_seen: BTreeMap<ConventionId, String> = BTreeMap::new();
    for name in names {
        let file = format!("{CONVENTIONS_DIR}/{name}");
        let Some(text) = text::read(dir, &file, Presence::Required, errors) else { continue };
        let Some((convention, lines)) = convention(&file, &text, errors) else { continue };
        if let Some(first) = first_seen.get(&convention.id) {
            errors.push(LoadError::new(
                &file,
                convention.source.line,
                "id",
                ErrorKind::Duplicate {
                    what: format!("convention id `{}`", convention.id),
                    first: first.clone(),
                },
            ));
            continue;
        }
        first_seen.insert(convention.id.clone(), convention.source.to_string());
        loaded.lines.insert(file, lines);
        loaded.list.push(convention);
    }
    loaded
}

fn push_located(errors: &mut Vec<LoadError>, file: &str, located: Located) {
    errors.push(LoadError::new(file, located.line, located.field, located.kind));
}

/// Parses one convention file.
fn convention(file: &str, text: &str, errors: &mut Vec<LoadError>) -> Option<(Convention, PathLines)> {
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(syntax) => {
            syntax.into_iter().for_each(|located| push_located(errors, file, located));
            return None;
        }
    };
    let parsed: ConventionFile = match document.deserialize() {
        Ok(parsed) => parsed,
        Err(located) => {
            push_located(errors, file, *located);
            return None;
        }
    };
    let before = errors.len();
    for located in unit_variant_extras(&document) {
        push_located(errors, file, located);
    }
    for (t, terms) in parsed.terms.iter().enumerate() {
        for (c, component) in terms.components.iter().enumerate() {
            if let Err(error) = ConventionId::parse(&component.id) {
                let path = format!("terms[{t}].components[{c}].id");
                errors.push(LoadError::new(file, document.line_of_path(&path), path, error.into()));
            }
        }
    }
    let validity = match DateRange::new(parsed.valid_from, parsed.valid_until) {
        Ok(validity) => Some(validity),
        Err(error) => {
            errors.push(LoadError::new(
                file,
                document.line_of_path("valid_until"),
                "valid_until",
                error.into(),
            ));
            None
        }
    };
    if errors.len() > before {
        return None;
    }
    let convention = Convention {
        id: parsed.id,
        dispositif: parsed.dispositif,
        title: parsed.title,
        reference: parsed.reference,
        vehicle: parsed.vehicle,
        provider: parsed.provider,
        flow: parsed.flow,
        settlement: parsed.settlement,
        vat: parsed.vat,
        accounts: parsed.accounts,
        revenue_account: parsed.revenue_account,
        expense_account: parsed.expense_account,
        validity: validity?,
        pro_rata: parsed.pro_rata,
        eligibility: parsed.eligibility,
        eligibility_check: parsed.eligibility_check,
        regularisation: parsed.regularisation,
        payment_term_days: parsed.payment_term_days,
        terms: parsed.terms,
        source: Source::at(file.to_owned(), document.line_of_path("id")),
    };
    Some((convention, document.path_lines()))
}

/// Keys next to a tag that selects a variant without fields (`regime = "out_of_scope"`,
/// `rule = "communes_only"`, `key = "equal"`). serde ignores them even with `deny_unknown_fields`, so a
/// `shares` table left under `key = "equal"` would silently do nothing: refuse it here.
fn unit_variant_extras(document: &Document<'_>) -> Vec<Located> {
    let mut found = Vec::new();
    for table in document.tables() {
        let (tag, unit_variants): (&str, &[&str]) = match without_indices(table).as_str() {
            "vat" => ("regime", &["out_of_scope"]),
            "eligibility[]" => ("rule", &["communes_only"]),
            "terms[].components[].rule.key" => ("key", &["equal"]),
            _ => continue,
        };
        let tag_path = format!("{table}.{tag}");
        let Some(variant) = document.string_at(&tag_path) else { continue };
        if !unit_variants.contains(&variant) {
            continue;
        }
        for child in document.children(table) {
            if child == tag_path {
                continue;
            }
            let key = child.rsplit('.').next().unwrap_or(child);
            found.push(Located {
                line: document.line_of_path(child),
                field: child.to_owned(),
                kind: ErrorKind::Toml(format!(
                    "unknown key `{key}`: `{tag} = \"{variant}\"` takes no other key"
                )),
            });
        }
    }
    found
}

/// The file of the dataset's settings.
pub(crate) const DATASET_FILE: &str = "dataset.toml";

/// `dataset.toml`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    name: String,
    current_semester: Semester,
    titre_threshold: Amount,
    population_vintage_lag_years: i32,
    #[serde(default)]
    series_start: BTreeMap<String, u64>,
}

/// The most years a millésime may lag behind the year it is in force (INSEE's own lag is 3).
const MAX_VINTAGE_LAG_YEARS: i32 = 10;

/// Reads `dataset.toml`: the settings and the population vintage lag.
pub(crate) fn meta(dir: &Path, errors: &mut Vec<LoadError>) -> Option<(DatasetMeta, i32)> {
    let text = text::read(dir, DATASET_FILE, Presence::Required, errors)?;
    let document = match Document::parse(&text) {
        Ok(document) => document,
        Err(syntax) => {
            syntax.into_iter().for_each(|located| push_located(errors, DATASET_FILE, located));
            return None;
        }
    };
    let parsed: MetaFile = match document.deserialize() {
        Ok(parsed) => parsed,
        Err(located) => {
            push_located(errors, DATASET_FILE, *located);
            return None;
        }
    };
    let lag = parsed.population_vintage_lag_years;
    if !(0..=MAX_VINTAGE_LAG_YEARS).contains(&lag) {
        let field = "population_vintage_lag_years";
        errors.push(LoadError::new(
            DATASET_FILE,
            document.line_of_path(field),
            field,
            ErrorKind::Invalid(format!("must be between 0 and {MAX_VINTAGE_LAG_YEARS} years (got {lag})")),
        ));
        return None;
    }
    let meta = DatasetMeta {
        name: parsed.name,
        current_semester: parsed.current_semester,
        titre_threshold: parsed.titre_threshold,
        series_start: parsed.series_start,
        source: Source::at(DATASET_FILE, 1),
    };
    Some((meta, lag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"id = "cep-2021"
dispositif = "cep"
title = "Convention de Conseil en Énergie Partagé"
reference = "Délibération 21 C 0042"
vehicle = "prestation_de_services"
provider = "MEL"
flow = "members_pay_provider"
settlement = "invoice"
vat = { regime = "out_of_scope" }
revenue_account = "70875"
expense_account = "62876"
valid_from = "2021-01-01"
valid_until = "2026-12-31"
pro_rata = "days"
regularisation = { billed_in = "S1" }

[[eligibility]]
rule = "population_below"
threshold = 15000
population = { kind = "municipale", millesime = "in_force" }

[[eligibility]]
rule = "communes_only"

[[terms]]
reference = "Convention initiale"
from = "2021-01-01"

[[terms.components]]
id = "per-inhabitant"
label = "Conseil en énergie partagé"
cap_per_year = "5000.00"
rule = { kind = "per_inhabitant", rate_per_year = "1.10", population = { kind = "municipale", millesime = "2022" } }

[[terms.components]]
id = "pool"
label = "Part commune"
revision = { index = "SYNTEC", base = "2024-01", from = "2026-01-01", coefficient_decimals = 4 }
[terms.components.rule]
kind = "pool_share"
pool = { source = "fixed", amount_per_year = "100.00" }
key = { key = "fixed_percentages", shares = { MEL = "30", "59350" = "70" } }

[[terms]]
reference = "Avenant n° 1"
from = "2026-01-01"

[[terms.components]]
id = "bands"
label = "Forfait"
[terms.components.rule]
kind = "population_bands"
mode = "marginal"
population = { kind = "totale", millesime = "in_force" }
bands = [
  { from = 0, to = 999, value = "5" },
  { from = 1000, value = "2" },
]

[[terms.components]]
id = "units"
label = "Instruction"
rule = { kind = "unit_price", price = "150", tiers = [{ from = "100", price = "120" }], basis = { activity = "ads", unit_label = "équivalent PC", weights = { PC = "1.0", DP = "0.7" } } }

[[terms.components]]
id = "cost"
label = "Coût unitaire"
rule = { kind = "unit_cost", basis = { activity = "ads", unit_label = "équivalent PC", weights = { PC = "1.0" } } }

[[terms.components]]
id = "flat"
label = "Forfait annuel"
rule = { kind = "flat_fee", amount_per_year = "1200.00" }

[[terms.components]]
id = "cee"
label = "CEE"
rule = { kind = "cee_redistribution", management_fee_percent = "15" }

[[terms.components]]
id = "equal"
label = "Parts égales"
rule = { kind = "pool_share", pool = { source = "valuation", share = "0.5" }, key = { key = "equal" } }

[[terms.components]]
id = "by-activity"
label = "Par activité"
rule = { kind = "pool_share", pool = { source = "valuation", share = "1" }, key = { key = "activity", activity = "hours", unit_label = "heure", weights = { hour = "1" } } }

[[terms.components]]
id = "by-population"
label = "Par habitant"
rule = { kind = "pool_share", pool = { source = "fixed", amount_per_year = "10" }, key = { key = "population", population = { kind = "municipale", millesime = "in_force" } } }
"#;

    fn parse(text: &str) -> Result<Convention, Vec<String>> {
        let mut errors = Vec::new();
        match convention("conventions/cep.toml", text, &mut errors) {
            Some((convention, _)) if errors.is_empty() => Ok(convention),
            _ => Err(errors.iter().map(ToString::to_string).collect()),
        }
    }

    #[test]
    fn every_rule_kind_and_tagged_enum_deserializes() {
        use mutua_core::{BandMode, Key, Millesime, PoolSource, PopulationKind, Rule};
        let convention = parse(BASE).unwrap();
        assert_eq!(convention.id.as_str(), "cep-2021");
        assert_eq!(convention.source.to_string(), "conventions/cep.toml:1");
        assert_eq!(convention.validity.to_string(), "2021-01-01..=2026-12-31");
        assert_eq!(convention.vat, VatRegime::OutOfScope);
        assert_eq!(convention.eligibility.len(), 2);
        assert!(matches!(
            convention.eligibility[0],
            Eligibility::PopulationBelow { threshold: 15000, population }
                if population.millesime == Millesime::InForce && population.kind == PopulationKind::Municipale
        ));
        assert_eq!(convention.eligibility[1], Eligibility::CommunesOnly);
        assert_eq!(convention.terms.len(), 2);
        let kinds: Vec<&str> =
            convention.terms.iter().flat_map(|t| &t.components).map(|c| c.rule.kind_name()).collect();
        assert_eq!(
            kinds,
            [
                "per_inhabitant",
                "pool_share",
                "population_bands",
                "unit_price",
                "unit_cost",
                "flat_fee",
                "cee_redistribution",
                "pool_share",
                "pool_share",
                "pool_share"
            ]
        );
        let first = &convention.terms[0].components;
        let Rule::PerInhabitant(rule) = &first[0].rule else { panic!("per inhabitant") };
        assert_eq!(rule.rate_per_year.value().to_string(), "1.10", "exact, not through a float");
        assert_eq!(rule.population.millesime, Millesime::Fixed(2022));
        assert_eq!(first[0].cap_per_year, Some(Amount::from_cents(500_000)));
        let Rule::PoolShare(pool) = &first[1].rule else { panic!("pool share") };
        assert_eq!(pool.pool, PoolSource::Fixed { amount_per_year: Amount::from_cents(10_000) });
        let Key::FixedPercentages { shares, .. } = &pool.key else { panic!("fixed percentages") };
        assert_eq!(shares.len(), 2);
        assert_eq!(first[1].revision.as_ref().map(|r| r.from.to_string()), Some("2026-01-01".into()));
        let second = &convention.terms[1].components;
        let Rule::PopulationBands(bands) = &second[0].rule else { panic!("bands") };
        assert_eq!((bands.mode, bands.bands.len(), bands.bands[1].to), (BandMode::Marginal, 2, None));
        let Rule::UnitPrice(price) = &second[1].rule else { panic!("unit price") };
        assert_eq!(price.basis.weights.len(), 2);
        assert_eq!(price.tiers.len(), 1);
        let Rule::PoolShare(equal) = &second[5].rule else { panic!("pool share") };
        assert_eq!(equal.key, Key::Equal);
    }

    #[test]
    fn day_counts_and_eligibility_readings_are_spelled_in_the_file() {
        use mutua_core::{EligibilityCheck, ProRata};
        // (what replaces `pro_rata = "days"` in the base, the day count read, the reading of eligibility).
        let cases = [
            ("pro_rata = \"days\"", ProRata::DaysOfSemester, EligibilityCheck::EachYear),
            ("pro_rata = \"days_of_semester\"", ProRata::DaysOfSemester, EligibilityCheck::EachYear),
            ("pro_rata = \"days_of_year\"", ProRata::DaysOfYear, EligibilityCheck::EachYear),
            ("pro_rata = \"months_started\"", ProRata::MonthsStarted, EligibilityCheck::EachYear),
            ("pro_rata = \"months_full\"", ProRata::MonthsFull, EligibilityCheck::EachYear),
            ("pro_rata = \"none\"", ProRata::None, EligibilityCheck::EachYear),
            // Left out: days of the semester, read each year.
            ("", ProRata::DaysOfSemester, EligibilityCheck::EachYear),
            ("eligibility_check = \"at_joining\"", ProRata::DaysOfSemester, EligibilityCheck::AtJoining),
            ("eligibility_check = \"until_end\"", ProRata::DaysOfSemester, EligibilityCheck::UntilEnd),
            ("eligibility_check = \"each_year\"", ProRata::DaysOfSemester, EligibilityCheck::EachYear),
        ];
        for (line, pro_rata, check) in cases {
            let convention = parse(&BASE.replace("pro_rata = \"days\"", line)).unwrap();
            assert_eq!((convention.pro_rata, convention.eligibility_check), (pro_rata, check), "{line}");
        }
        // A component may state its own day count; the others keep the convention's.
        let text = BASE
            .replace("cap_per_year = \"5000.00\"", "cap_per_year = \"5000.00\"\npro_rata = \"days_of_year\"");
        let convention = parse(&text).unwrap();
        let components = &convention.terms[0].components;
        assert_eq!(components[0].pro_rata, Some(ProRata::DaysOfYear));
        assert_eq!(components[0].day_count(&convention), ProRata::DaysOfYear);
        assert_eq!(components[1].day_count(&convention), ProRata::DaysOfSemester);
        // A misspelling names its line and the spellings.
        let errors =
            parse(&BASE.replace("pro_rata = \"days\"", "pro_rata = \"days_of_the_year\"")).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("conventions/cep.toml:14: pro_rata: unknown variant `days_of_the_year`"),
            "{}",
            errors[0]
        );
        assert!(errors[0].contains("`days_of_year`") && errors[0].contains("`months_full`"), "{}", errors[0]);
        let errors =
            parse(&BASE.replace("pro_rata = \"days\"", "eligibility_check = \"yearly\"")).unwrap_err();
        assert!(
            errors[0].starts_with("conventions/cep.toml:14: eligibility_check: unknown variant `yearly`"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn typos_and_wrong_types_are_refused_with_their_line_and_path() {
        let cases: Vec<(String, &str)> = vec![
            (
                BASE.replace("rate_per_year = \"1.10\"", "rate_per_yer = \"1.10\""),
                "conventions/cep.toml:33: terms[0].components[0].rule.rate_per_yer: unknown key `rate_per_yer`, expected `rate_per_year` or `population`",
            ),
            (
                BASE.replace("rate_per_year = \"1.10\"", "rate_per_year = 1.10"),
                "conventions/cep.toml:33: terms[0].components[0].rule.rate_per_year: write decimals as strings (\"1.10\"), not as TOML floats",
            ),
            (
                BASE.replace("from = \"2026-01-01\"\n\n", "from = 2026-01-01\n\n"),
                "conventions/cep.toml:46: terms[1].from: write dates as strings (\"2026-01-01\"), not as TOML dates",
            ),
            (
                BASE.replace("valid_from = \"2021-01-01\"", "valid_from = 2021-01-01"),
                "conventions/cep.toml:12: valid_from: write dates as strings (\"2021-01-01\"), not as TOML dates",
            ),
            (
                BASE.replace("kind = \"per_inhabitant\"", "kind = \"per_inhabitants\""),
                "conventions/cep.toml:33: terms[0].components[0].rule.kind: unknown variant `per_inhabitants`, expected one of `per_inhabitant`, `population_bands`, `unit_price`, `flat_fee`, `pool_share`, `unit_cost`, `cee_redistribution`",
            ),
            (
                BASE.replace("source = \"fixed\", amount_per_year = \"100.00\"", "source = \"fixd\""),
                "conventions/cep.toml:41: terms[0].components[1].rule.pool.source: unknown variant `fixd`, expected `fixed` or `valuation`",
            ),
            (
                BASE.replace("amount_per_year = \"100.00\"", "amount_per_year = \"100.001\""),
                "conventions/cep.toml:41: terms[0].components[1].rule.pool.amount_per_year: `100.001` has more than 2 decimals: amounts are in euros and cents",
            ),
            (
                BASE.replace("MEL = \"30\"", "MEL = 30"),
                "conventions/cep.toml:42: terms[0].components[1].rule.key.shares.MEL: expected a string, found the number 30 (write \"30\")",
            ),
            (
                BASE.replace("threshold = 15000", "threshold = \"15000\""),
                "conventions/cep.toml:19: eligibility[0].threshold: invalid type: string \"15000\", expected a whole number, not negative",
            ),
            (
                BASE.replace("millesime = \"2022\"", "millesime = \"22\""),
                "conventions/cep.toml:33: terms[0].components[0].rule.population.millesime: `22` is not a millésime (expected \"in_force\" or a year such as \"2022\")",
            ),
            (
                BASE.replace("from = \"2026-01-01\"\n\n", "from = \"2026-1-1\"\n\n"),
                "conventions/cep.toml:46: terms[1].from: `2026-1-1` is not a date (expected YYYY-MM-DD)",
            ),
            (
                BASE.replace("valid_until = \"2026-12-31\"", "valid_until = \"2020-12-31\""),
                "conventions/cep.toml:13: valid_until: the range ends (2020-12-31) before it starts (2021-01-01)",
            ),
            (
                BASE.replace("reference = \"Avenant n° 1\"\n", ""),
                "conventions/cep.toml:44: terms[1].reference: missing key",
            ),
            (
                BASE.replace("rate_per_year = \"1.10\", ", ""),
                "conventions/cep.toml:33: terms[0].components[0].rule: missing key `rate_per_year` (in this table or one inside it)",
            ),
            (
                BASE.replace("{ from = 1000, value = \"2\" }", "{ from = 1000 }"),
                "conventions/cep.toml:51: terms[1].components[0].rule: missing key `value` (in this table or one inside it)",
            ),
            (
                BASE.replace("kind = \"flat_fee\", amount_per_year = \"1200.00\"", "kind = \"flat_fee\""),
                "conventions/cep.toml:73: terms[1].components[3].rule.amount_per_year: missing key",
            ),
            (
                BASE.replace("id = \"flat\"\n", ""),
                "conventions/cep.toml:70: terms[1].components[3].id: missing key",
            ),
            (BASE.replace("provider = \"MEL\"\n", ""), "conventions/cep.toml:1: provider: missing key"),
            (
                BASE.replace("pro_rata = \"days\"", "pro_rata = \"days\"\nprorata = \"days\""),
                "conventions/cep.toml:15: prorata: unknown key `prorata`, expected one of `id`, `dispositif`, `title`, `reference`, `vehicle`, `provider`, `flow`, `settlement`, `vat`, `accounts`, `revenue_account`, `expense_account`, `valid_from`, `valid_until`, `pro_rata`, `regularisation`, `eligibility`, `eligibility_check`, `payment_term_days`, `terms`",
            ),
            (
                BASE.replace("{ from = 1000, value = \"2\" }", "{ from = 1000, vlaue = \"2\" }"),
                "conventions/cep.toml:57: terms[1].components[0].rule.bands[1].vlaue: unknown key `vlaue`, expected one of `from`, `to`, `value`",
            ),
            (
                BASE.replace("threshold = 15000\n", "threshold = 15000\ncommunes = true\n"),
                "conventions/cep.toml:20: eligibility[0].communes: unknown key `communes`, expected `threshold` or `population`",
            ),
            (
                BASE.replace(
                    "{ regime = \"out_of_scope\" }",
                    "{ regime = \"out_of_scope\", rate_percent = \"20\" }",
                ),
                "conventions/cep.toml:9: vat.rate_percent: unknown key `rate_percent`: `regime = \"out_of_scope\"` takes no other key",
            ),
            (
                BASE.replace(
                    "key = { key = \"equal\" }",
                    "key = { key = \"equal\", shares = { MEL = \"1\" } }",
                ),
                "conventions/cep.toml:83: terms[1].components[5].rule.key.shares: unknown key `shares`: `key = \"equal\"` takes no other key",
            ),
            (
                BASE.replace("rule = \"communes_only\"", "rule = \"communes_only\"\nthreshold = 3"),
                "conventions/cep.toml:24: eligibility[1].threshold: unknown key `threshold`: `rule = \"communes_only\"` takes no other key",
            ),
            (
                BASE.replace("id = \"flat\"", "id = \"flat fee\""),
                "conventions/cep.toml:71: terms[1].components[3].id: `flat fee` is not an identifier (1 to 40 letters, digits, `-` or `_`)",
            ),
            (
                BASE.replace("coefficient_decimals = 4", "coefficient_decimals = -4"),
                "conventions/cep.toml:38: terms[0].components[1].revision.coefficient_decimals: invalid value: integer `-4`, expected a whole number, not negative",
            ),
            (
                BASE.replace("threshold = 15000", "threshold = 15000.0"),
                "conventions/cep.toml:19: eligibility[0].threshold: invalid type: floating point `15000.0`, expected a whole number, not negative",
            ),
            (
                BASE.replace("threshold = 15000", "threshold = 2026-01-01"),
                "conventions/cep.toml:19: eligibility[0].threshold: expected a whole number, not negative, found a TOML date",
            ),
            (
                BASE.replace(
                    "title = \"Convention de Conseil en Énergie Partagé\"",
                    "title = 2026-01-01T10:00:00",
                ),
                "conventions/cep.toml:3: title: write dates as strings (\"2026-01-01T10:00:00\"), not as TOML dates",
            ),
            (
                BASE.replace(
                    "title = \"Convention de Conseil en Énergie Partagé\"",
                    "title = { fr = \"x\" }",
                ),
                "conventions/cep.toml:3: title: expected a string, found a table",
            ),
            (
                BASE.replace("vat = { regime = \"out_of_scope\" }", "vat = \"out_of_scope\""),
                "conventions/cep.toml:9: vat: invalid type: string \"out_of_scope\", expected internally tagged enum VatRegime",
            ),
        ];
        let mut mismatches = Vec::new();
        for (text, expected) in cases {
            let got = parse(&text).map(|c| c.id);
            if got != Err(vec![expected.to_owned()]) {
                mismatches.push(format!("expected {expected}\n     got {got:?}"));
            }
        }
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    }

    #[test]
    fn syntax_errors() {
        let errors = parse("id = \"x\"\nid = \"y\"\n").unwrap_err();
        assert_eq!(errors, ["conventions/cep.toml:2: syntax: TOML syntax: duplicate key"]);
    }

    #[test]
    fn meta_file() {
        let dir = tempfile::tempdir().unwrap();
        let write = |text: &str| std::fs::write(dir.path().join(DATASET_FILE), text).unwrap();
        let run = || {
            let mut errors = Vec::new();
            let meta = meta(dir.path(), &mut errors);
            (meta, errors.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        write(
            "name = \"Test\"\ncurrent_semester = \"2026-S1\"\ntitre_threshold = \"15.00\"\npopulation_vintage_lag_years = 3\n[series_start]\nFAC-MEL-2026 = 12\n",
        );
        let (meta, errors) = run();
        let (meta, lag) = meta.unwrap();
        assert!(errors.is_empty());
        assert_eq!((meta.current_semester.to_string(), lag), ("2026-S1".to_owned(), 3));
        assert_eq!(meta.series_start["FAC-MEL-2026"], 12);
        assert_eq!(meta.titre_threshold, Amount::from_cents(1500));
        write(
            "name = \"Test\"\ncurrent_semester = \"2026-S3\"\ntitre_threshold = \"15.00\"\npopulation_vintage_lag_years = 3\n",
        );
        assert_eq!(
            run().1,
            ["dataset.toml:2: current_semester: `2026-S3` is not a semester (expected YYYY-S1 or YYYY-S2)"]
        );
        write(
            "name = \"Test\"\ncurrent_semester = \"2026-S1\"\ntitre_threshold = 15.0\npopulation_vintage_lag_years = -1\n",
        );
        assert_eq!(
            run().1,
            ["dataset.toml:3: titre_threshold: write decimals as strings (\"15.0\"), not as TOML floats"]
        );
        write(
            "name = \"Test\"\ncurrent_semester = \"2026-S1\"\ntitre_threshold = \"15\"\npopulation_vintage_lag_years = -1\n",
        );
        assert_eq!(
            run().1,
            ["dataset.toml:4: population_vintage_lag_years: must be between 0 and 10 years (got -1)"]
        );
    }
}
