//! Units in French: the name of an activity's unit type (`A4_COULEUR` is « page A4 couleur »), the plural of a
//! unit's name, and a quantity with its unit (« 375 dossiers pondérés », « 2 288,51 MWh cumac »).
//!
//! A unit type is named by its convention's grid (`labels`), else by [`COMMON_UNIT_TYPES`], the French names of
//! the codes datasets commonly use (`hour`, `day`, `metre`…), else printed as the data writes it.
//!
//! The plural follows French usage for unit names (`docs/data-format.md`, « Unit names »): a quantity takes the
//! plural from 2 on (« 1,5 heure », « 2 heures »); the first word of the name takes it, and so do the words right
//! after it that read as adjectives (ending in -é, -ée, -el, -elle, -al, -ale, -aire, -able, -ible, -if, -ive,
//! -ique), up to the first other word: « dossier pondéré » → « dossiers pondérés », « mètre linéaire conservé
//! (semestre) » → « mètres linéaires conservés (semestre) », « équivalent page A4 N&B » → « équivalents page A4
//! N&B », « heure d'accompagnement » → « heures d'accompagnement ». A word in capitals or with a digit (`PC`,
//! `A4`), ending in -s, -x or -z, or ending in a period (`hab.`) does not change.

use mutua_alloc::trace::Unit;
use rust_decimal::Decimal;

use super::format::decimal_fr;

/// The French names of the unit-type codes datasets commonly use, for a grid without `labels` (the code compared
/// without regard to case).
pub const COMMON_UNIT_TYPES: [(&str, &str); 16] = [
    ("hour", "heure"),
    ("hours", "heure"),
    ("half_day", "demi-journée"),
    ("day", "journée"),
    ("days", "journée"),
    ("week", "semaine"),
    ("month", "mois"),
    ("year", "année"),
    ("metre", "mètre"),
    ("meter", "mètre"),
    ("linear_metre", "mètre linéaire"),
    ("page", "page"),
    ("file", "dossier"),
    ("procedure", "procédure"),
    ("unit", "unité"),
    ("person", "personne"),
];

/// The French name of an activity's unit type: its convention's label, else the name [`COMMON_UNIT_TYPES`] gives
/// its code, else the code as the data writes it.
#[must_use]
pub fn unit_type_fr<'a>(code: &'a str, label: Option<&'a str>) -> &'a str {
    if let Some(label) = label {
        return label;
    }
    COMMON_UNIT_TYPES
        .iter()
        .find(|(common, _)| common.eq_ignore_ascii_case(code))
        .map_or(code, |(_, name)| name)
}

/// Whether a quantity takes the plural in French: 2 and more (« 1,5 heure », « 2 heures »).
#[must_use]
pub fn takes_plural(quantity: Decimal) -> bool {
    quantity.abs() >= Decimal::TWO
}

/// Endings of the words that read as adjectives after a unit's first word, and take its plural.
const ADJECTIVE_ENDINGS: [&str; 12] =
    ["é", "ée", "el", "elle", "al", "ale", "aire", "able", "ible", "if", "ive", "ique"];

/// Words whose plural is not the regular one.
const IRREGULAR: [(&str, &str); 3] = [("bal", "bals"), ("festival", "festivals"), ("final", "finals")];

/// Whether a word never changes in the plural: capitals or digits inside (`PC`, `A4`, `MWh`), a final -s, -x, -z,
/// a final period (`hab.`), or no letter at all (`%`, `&`).
fn invariable(word: &str) -> bool {
    let inner_capital = word.chars().skip(1).any(char::is_uppercase);
    inner_capital
        || word.chars().any(|c| c.is_ascii_digit())
        || word.ends_with(['s', 'x', 'z', '.'])
        || !word.chars().any(char::is_alphabetic)
}

/// The plural of one word.
fn plural_word(word: &str) -> String {
    if invariable(word) {
        return word.to_owned();
    }
    // A compound word takes the plural on its last part (« demi-journée » → « demi-journées »).
    if let Some((head, last)) = word.rsplit_once('-') {
        return format!("{head}-{}", plural_word(last));
    }
    if let Some((_, plural)) = IRREGULAR.iter().find(|(singular, _)| *singular == word) {
        return (*plural).to_owned();
    }
    if let Some(stem) = word.strip_suffix("al") {
        return format!("{stem}aux");
    }
    if word.ends_with("au") || word.ends_with("eu") {
        return format!("{word}x");
    }
    format!("{word}s")
}

/// Whether a word after the first reads as an adjective, and so takes the plural with it.
fn agrees(word: &str) -> bool {
    let lower = word.to_lowercase();
    !invariable(word) && ADJECTIVE_ENDINGS.iter().any(|ending| lower.ends_with(ending))
}

/// The plural of a unit's name: its first word, and the adjectives right after it (see the module).
#[must_use]
pub fn plural_fr(name: &str) -> String {
    let mut words = name.split(' ');
    let Some(first) = words.next() else { return String::new() };
    let mut out = plural_word(first);
    let mut agreeing = true;
    for word in words {
        out.push(' ');
        if agreeing && agrees(word) {
            out.push_str(&plural_word(word));
        } else {
            agreeing = false;
            out.push_str(word);
        }
    }
    out
}

/// A unit's name for a quantity of it: singular under 2, plural from 2 on.
#[must_use]
pub fn unit_for_fr(quantity: Decimal, name: &str) -> String {
    if takes_plural(quantity) { plural_fr(name) } else { name.to_owned() }
}

/// The name of a line's unit for a quantity of it (« habitants » are « hab. », MWh cumac never change and never
/// break).
#[must_use]
pub fn line_unit_fr(quantity: Decimal, unit: &Unit) -> String {
    match unit {
        Unit::Inhabitants => "hab.".to_owned(),
        Unit::Percent => "%".to_owned(),
        // A no-break space: the unit is one word to the reader.
        Unit::MwhCumac => "MWh\u{a0}cumac".to_owned(),
        Unit::Flat => unit_for_fr(quantity, "forfait"),
        Unit::Part => unit_for_fr(quantity, "part"),
        Unit::Regularisation => unit_for_fr(quantity, "régularisation"),
        Unit::Carried => unit_for_fr(quantity, "report"),
        Unit::Named(name) => unit_for_fr(quantity, name),
    }
}

/// A quantity with its unit, as the quantity column prints it: « 375 dossiers pondérés », « 3 582 hab. »,
/// « 40 % ». The number has up to `decimals` decimals.
#[must_use]
pub fn quantity_fr(quantity: Decimal, unit: &Unit, decimals: u32) -> String {
    // The plural follows the number as printed.
    let shown = mutua_core::Rounding::HalfUp.apply(quantity, decimals);
    let number = decimal_fr(shown, decimals);
    match unit {
        // « 40 % »: a narrow no-break space, the percent sign never alone on a line.
        Unit::Percent => format!("{number}\u{202f}%"),
        _ => format!("{number} {}", line_unit_fr(shown, unit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_take_the_plural_of_french() {
        // Every unit name of the bundled conventions, and the usual cases.
        let cases = [
            ("dossier pondéré", "dossiers pondérés"),
            ("heure", "heures"),
            ("heure d'accompagnement", "heures d'accompagnement"),
            ("procédure", "procédures"),
            ("procédure de consultation", "procédures de consultation"),
            ("journée", "journées"),
            ("demi-journée", "demi-journées"),
            ("mètre linéaire conservé (semestre)", "mètres linéaires conservés (semestre)"),
            ("équivalent PC", "équivalents PC"),
            ("équivalent page A4 N&B", "équivalents page A4 N&B"),
            ("équivalent temps plein", "équivalents temps plein"),
            ("page A4 noir et blanc", "pages A4 noir et blanc"),
            ("page A4 couleur", "pages A4 couleur"),
            ("permis de construire", "permis de construire"),
            ("déclaration préalable", "déclarations préalables"),
            ("autorisation préalable de mise en location", "autorisations préalables de mise en location"),
            ("enseigne", "enseignes"),
            ("dispositif publicitaire", "dispositifs publicitaires"),
            ("journal", "journaux"),
            ("bureau", "bureaux"),
            ("mois", "mois"),
            ("hab.", "hab."),
            ("%", "%"),
            ("forfait", "forfaits"),
        ];
        for (singular, plural) in cases {
            assert_eq!(plural_fr(singular), plural, "{singular}");
        }
    }

    #[test]
    fn a_quantity_takes_the_plural_from_two() {
        let named = Unit::Named("heure".into());
        let cases = [
            (Decimal::ONE, &named, "1 heure"),
            (Decimal::new(15, 1), &named, "1,5 heure"),
            (Decimal::new(199_999, 5), &named, "2 heures"),
            (Decimal::TWO, &named, "2 heures"),
            (Decimal::new(-3, 0), &named, "-3 heures"),
            (Decimal::new(3_582, 0), &Unit::Inhabitants, "3\u{202f}582 hab."),
            (Decimal::new(228_851, 2), &Unit::MwhCumac, "2\u{202f}288,51 MWh\u{a0}cumac"),
            (Decimal::new(40, 0), &Unit::Percent, "40\u{202f}%"),
            (Decimal::ONE, &Unit::Flat, "1 forfait"),
        ];
        for (quantity, unit, expected) in cases {
            assert_eq!(quantity_fr(quantity, unit, 4), expected);
        }
    }

    #[test]
    fn unit_types_are_named_by_their_label_or_the_common_table() {
        assert_eq!(unit_type_fr("A4_COULEUR", Some("page A4 couleur")), "page A4 couleur");
        assert_eq!(unit_type_fr("hour", None), "heure");
        assert_eq!(unit_type_fr("HOUR", None), "heure");
        assert_eq!(unit_type_fr("metre", None), "mètre");
        assert_eq!(unit_type_fr("PC", None), "PC");
    }
}
