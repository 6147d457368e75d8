//! French formatting of figures and dates.

use chrono::{Datelike, NaiveDate};
use mutua_core::{Rounding, format_decimal_fr};
use rust_decimal::Decimal;

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date in French words: "1er mars 2026", "15 janvier 2026".
#[must_use]
pub fn date_fr(date: NaiveDate) -> String {
    let day = if date.day() == 1 { "1er".to_owned() } else { date.day().to_string() };
    format!("{day} {} {}", MONTHS_FR[date.month0() as usize], date.year())
}

/// The French name of a month (1–12): "juillet"; an empty string for any other number.
#[must_use]
pub fn month_fr(month: u32) -> &'static str {
    month.checked_sub(1).and_then(|index| MONTHS_FR.get(index as usize)).copied().unwrap_or_default()
}

/// "de juillet 2026", "d'août 2026": a month and its year after « de », elided before a vowel.
#[must_use]
pub fn of_month_fr(month: u32, year: i32) -> String {
    let name = month_fr(month);
    let elides = name.starts_with(['a', 'o']);
    if elides { format!("d'{name} {year}") } else { format!("de {name} {year}") }
}

/// A date in figures: "01/03/2026".
#[must_use]
pub fn date_numeric_fr(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// A decimal for a French reader with up to `max_decimals` decimals, trailing zeros removed ("12 450", "1,5").
#[must_use]
pub fn decimal_fr(value: Decimal, max_decimals: u32) -> String {
    let rounded = Rounding::HalfUp.apply(value, max_decimals).normalize();
    format_decimal_fr(rounded, rounded.scale())
}

/// A price in euros: at least two decimals, more when the price has them (up to 6): "1,20 €", "0,0725 €".
#[must_use]
pub fn price_fr(value: Decimal) -> String {
    let normalized = Rounding::HalfUp.apply(value, 6).normalize();
    let decimals = normalized.scale().max(2);
    format!("{}\u{a0}€", format_decimal_fr(normalized, decimals))
}

/// The text with its first letter in capitals.
#[must_use]
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_figures() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date_fr(d(2026, 3, 1)), "1er mars 2026");
        assert_eq!(date_fr(d(2026, 1, 15)), "15 janvier 2026");
        assert_eq!(date_fr(d(2026, 8, 31)), "31 août 2026");
        assert_eq!(date_numeric_fr(d(2026, 3, 1)), "01/03/2026");
        let cases = [
            (Decimal::new(12_450, 0), 0, "12\u{202f}450"),
            (Decimal::new(15, 1), 4, "1,5"),
            (Decimal::new(123_456, 5), 4, "1,2346"),
            (Decimal::new(-25, 1), 2, "-2,5"),
        ];
        for (value, decimals, expected) in cases {
            assert_eq!(decimal_fr(value, decimals), expected, "{value}");
        }
        assert_eq!(price_fr(Decimal::new(12, 1)), "1,20\u{a0}€");
        assert_eq!(price_fr(Decimal::new(725, 4)), "0,0725\u{a0}€");
        assert_eq!(capitalise("population totale"), "Population totale");
        assert_eq!(of_month_fr(7, 2026), "de juillet 2026");
        assert_eq!(of_month_fr(8, 2026), "d'août 2026");
        assert_eq!(of_month_fr(4, 2026), "d'avril 2026");
        assert_eq!(of_month_fr(10, 2026), "d'octobre 2026");
        assert_eq!(month_fr(13), "");
    }
}
