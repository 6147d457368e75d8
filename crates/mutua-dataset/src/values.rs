//! Parsers of the cell values that the core types do not parse themselves: integers, years, months,
//! `yes`/`no`, and the words of enumerations.

use mutua_core::{Article, CeeKind, CostLine, GradeCategory, PartyKind, ValuationBasis};

use crate::error::ErrorKind;

fn invalid(message: String) -> ErrorKind {
    ErrorKind::Invalid(message)
}

/// A whole number written with digits only (no sign, no separator).
pub(crate) fn whole_number<T: std::str::FromStr>(text: &str) -> Result<T, ErrorKind> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let parsed = if digits { text.parse().ok() } else { None };
    parsed.ok_or_else(|| invalid(format!("`{text}` is not a whole number (digits only, such as 1250)")))
}

/// A year of four digits between 1900 and 2200 (the range the core's periods support).
pub(crate) fn year(text: &str) -> Result<i32, ErrorKind> {
    let bad = || invalid(format!("`{text}` is not a year (4 digits from 1900 to 2200, such as 2026)"));
    if text.len() != 4 {
        return Err(bad());
    }
    let year: i32 = whole_number(text).map_err(|_| bad())?;
    if (1900..=2200).contains(&year) { Ok(year) } else { Err(bad()) }
}

/// A month `YYYY-MM`.
pub(crate) fn month(text: &str) -> Result<String, ErrorKind> {
    let bad = || invalid(format!("`{text}` is not a month (expected YYYY-MM, such as 2024-01)"));
    let (year_text, month_text) = text.split_once('-').ok_or_else(bad)?;
    year(year_text).map_err(|_| bad())?;
    let month: u32 = if month_text.len() == 2 { whole_number(month_text).map_err(|_| bad())? } else { 0 };
    if (1..=12).contains(&month) { Ok(text.to_owned()) } else { Err(bad()) }
}

/// `yes` or `no`.
pub(crate) fn yes_no(text: &str) -> Result<bool, ErrorKind> {
    match text {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(invalid(format!("`{text}` is neither `yes` nor `no`"))),
    }
}

/// A party kind: `metropole`, `commune`, `syndicate` or `other`.
pub(crate) fn party_kind(text: &str) -> Result<PartyKind, ErrorKind> {
    [PartyKind::Metropole, PartyKind::Commune, PartyKind::Syndicate, PartyKind::Other]
        .into_iter()
        .find(|kind| kind.as_str() == text)
        .ok_or_else(|| {
            invalid(format!("`{text}` is not a party kind (expected metropole, commune, syndicate or other)"))
        })
}

/// The article of a party's legal name: `le`, `la`, `les` or `none`.
pub(crate) fn article(text: &str) -> Result<Article, ErrorKind> {
    [Article::Le, Article::La, Article::Les, Article::None]
        .into_iter()
        .find(|article| article.as_str() == text)
        .ok_or_else(|| invalid(format!("`{text}` is not an article (expected le, la, les or none)")))
}

/// A grade category: `A`, `B` or `C`.
pub(crate) fn grade_category(text: &str) -> Result<GradeCategory, ErrorKind> {
    match text {
        "A" => Ok(GradeCategory::A),
        "B" => Ok(GradeCategory::B),
        "C" => Ok(GradeCategory::C),
        _ => Err(invalid(format!("`{text}` is not a grade category (expected A, B or C)"))),
    }
}

/// A valuation basis: `forecast` or `actual`.
pub(crate) fn valuation_basis(text: &str) -> Result<ValuationBasis, ErrorKind> {
    [ValuationBasis::Forecast, ValuationBasis::Actual]
        .into_iter()
        .find(|basis| basis.as_str() == text)
        .ok_or_else(|| invalid(format!("`{text}` is not a valuation basis (expected forecast or actual)")))
}

/// A line of a valuation that a unit cost update changes: `staff`, `running_costs`, `depreciation` or
/// `subsidies`.
pub(crate) fn cost_line(text: &str) -> Result<CostLine, ErrorKind> {
    CostLine::ALL.into_iter().find(|line| line.as_str() == text).ok_or_else(|| {
        invalid(format!(
            "`{text}` is not a line of a valuation (expected staff, running_costs, depreciation or subsidies)"
        ))
    })
}

/// A kind of CEE certificate: `classique` or `precarite`.
pub(crate) fn cee_kind(text: &str) -> Result<CeeKind, ErrorKind> {
    match text {
        "classique" => Ok(CeeKind::Classique),
        "precarite" => Ok(CeeKind::Precarite),
        _ => Err(invalid(format!("`{text}` is not a CEE kind (expected classique or precarite)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<impl std::fmt::Debug, ErrorKind>) -> String {
        match result {
            Ok(value) => format!("ok {value:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn values_table() {
        let cases: Vec<(String, &str)> = vec![
            (message(whole_number::<u64>("238246")), "ok 238246"),
            (message(whole_number::<u64>("-3")), "`-3` is not a whole number (digits only, such as 1250)"),
            (
                message(whole_number::<u64>("1 000")),
                "`1 000` is not a whole number (digits only, such as 1250)",
            ),
            (
                message(whole_number::<u32>("99999999999")),
                "`99999999999` is not a whole number (digits only, such as 1250)",
            ),
            (message(year("2026")), "ok 2026"),
            (message(year("26")), "`26` is not a year (4 digits from 1900 to 2200, such as 2026)"),
            (message(year("3026")), "`3026` is not a year (4 digits from 1900 to 2200, such as 2026)"),
            (message(month("2024-01")), "ok \"2024-01\""),
            (message(month("2024-13")), "`2024-13` is not a month (expected YYYY-MM, such as 2024-01)"),
            (message(month("2024-1")), "`2024-1` is not a month (expected YYYY-MM, such as 2024-01)"),
            (message(yes_no("yes")), "ok true"),
            (message(yes_no("no")), "ok false"),
            (message(yes_no("Yes")), "`Yes` is neither `yes` nor `no`"),
            (message(party_kind("syndicate")), "ok Syndicate"),
            (
                message(party_kind("epci")),
                "`epci` is not a party kind (expected metropole, commune, syndicate or other)",
            ),
            (message(grade_category("B")), "ok B"),
            (message(grade_category("D")), "`D` is not a grade category (expected A, B or C)"),
            (message(valuation_basis("actual")), "ok Actual"),
            (
                message(valuation_basis("budget")),
                "`budget` is not a valuation basis (expected forecast or actual)",
            ),
            (message(cee_kind("precarite")), "ok Precarite"),
            (
                message(cee_kind("précarité")),
                "`précarité` is not a CEE kind (expected classique or precarite)",
            ),
        ];
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }
}
