//! Units of the conventions ("hab.", "heure", "mètre linéaire"…) as UN/ECE recommendation 20 codes (BT-130).
//!
//! The conventions name their units in free French text; the few with an exact UN/ECE code get it, everything
//! counted in units of its own (inhabitants, files, procedures, "équivalent PC") is `C62` ("one").

/// `C62`, "one": a count of things (inhabitants, files, procedures) and the unit of a 1 × amount line.
pub const ONE: &str = "C62";

/// The UN/ECE recommendation 20 code of a convention's unit:
///
/// | unit (case and accents ignored, leading "équivalent" ignored) | code |
/// |---|---|
/// | `heure`, `heures`, `h` | `HUR` (hour) |
/// | `jour`, `jours`, `journée`, `journées` | `DAY` (day) |
/// | starting with `mètre`, `metre`, `ml`, `m` + space | `MTR` (metre) |
/// | `%` | `P1` (percent) |
/// | `forfait` | `LS` (lump sum) |
/// | starting with `page` | `ZP` (page) |
/// | anything else (`hab.`, `dossier`, `procédure`, `équivalent PC`…) | `C62` (one) |
#[must_use]
pub fn unit_code(unit: &str) -> &'static str {
    let lower = unit.trim().to_lowercase();
    let word =
        lower.strip_prefix("équivalent ").or_else(|| lower.strip_prefix("equivalent ")).unwrap_or(&lower);
    let first = word.split([' ', '(']).next().unwrap_or_default();
    match first {
        "heure" | "heures" | "h" => "HUR",
        "jour" | "jours" | "journée" | "journées" | "journee" | "journees" => "DAY",
        "mètre" | "mètres" | "metre" | "metres" | "ml" | "m" => "MTR",
        "%" => "P1",
        "forfait" => "LS",
        "page" | "pages" => "ZP",
        _ => ONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convention_units() {
        let cases = [
            ("hab.", "C62"),
            ("heure", "HUR"),
            ("Heures", "HUR"),
            ("jour", "DAY"),
            ("mètre linéaire conservé (semestre)", "MTR"),
            ("ml", "MTR"),
            ("%", "P1"),
            ("forfait", "LS"),
            ("équivalent page A4 N&B", "ZP"),
            ("équivalent PC", "C62"),
            ("procédure", "C62"),
            ("régularisation", "C62"),
            ("", "C62"),
        ];
        for (unit, code) in cases {
            assert_eq!(unit_code(unit), code, "{unit:?}");
        }
    }
}
