//! Money and the unrounded quantities it is computed from.
//!
//! An [`Amount`] is euros at scale 2, always: it can only be built from cents, parsed from a string with at
//! most two decimals, or rounded from an exact value with a named [`Rounding`]. Unrounded intermediates
//! (rates, quantities, ratios, FTE) are [`Decimal`]-backed newtypes of their own, so the type system keeps
//! an exact figure from being mistaken for a billed one. Nothing here converts from or to a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The number of decimals of an [`Amount`]: euros and cents.
pub const CENTS_SCALE: u32 = 2;

/// How an exact value is brought to a given number of decimals. Every rounding in mutua names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rounding {
    /// Half away from zero (2.345 → 2.35, −2.345 → −2.35): commercial rounding, the usual rule of French
    /// public accounting.
    HalfUp,
    /// Half to even, the banker's rounding (2.345 → 2.34, 2.355 → 2.36).
    HalfEven,
    /// Toward zero, truncation (2.349 → 2.34, −2.349 → −2.34).
    TowardZero,
    /// Toward negative infinity (2.341 → 2.34, −2.341 → −2.35).
    Floor,
    /// Toward positive infinity (2.341 → 2.35, −2.341 → −2.34).
    Ceiling,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::TowardZero => RoundingStrategy::ToZero,
            Rounding::Floor => RoundingStrategy::ToNegativeInfinity,
            Rounding::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }

    /// Rounds `value` to `decimals` decimals by this rule.
    #[must_use]
    pub fn apply(self, value: Decimal, decimals: u32) -> Decimal {
        let mut rounded = value.round_dp_with_strategy(decimals, self.strategy());
        // round_dp_with_strategy never adds decimals: pad so that "12" at 2 decimals is "12.00".
        if rounded.scale() < decimals {
            rounded.rescale(decimals);
        }
        rounded
    }
}

/// Why a decimal or an amount could not be parsed or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text is not a plain decimal number (`-1234.56`): no exponent, no thousands separator, no comma.
    #[error("`{0}` is not a decimal number (expected digits with an optional `.` and sign, such as 1234.56)")]
    NotADecimal(String),
    /// The text has more significant digits than a decimal can hold exactly (28).
    #[error("`{0}` has too many digits to be represented exactly")]
    TooManyDigits(String),
    /// An amount of money was written with more than two decimals.
    #[error("`{0}` has more than 2 decimals: amounts are in euros and cents")]
    SubCent(String),
    /// An arithmetic operation overflowed the representable range.
    #[error("arithmetic overflow in {0}")]
    Overflow(&'static str),
    /// A division by zero.
    #[error("division by zero in {0}")]
    DivisionByZero(&'static str),
}

/// Parses a decimal number exactly, refusing anything that is not plain `[-+]digits[.digits]`.
///
/// `rust_decimal`'s own `from_str` silently rounds past 28 digits and accepts forms a spreadsheet export
/// should never produce; this accepts only what a finance officer would type and loses nothing.
///
/// ```
/// use mutua_core::parse_decimal_exact;
/// assert_eq!(parse_decimal_exact("12.30").unwrap().to_string(), "12.30");
/// assert!(parse_decimal_exact("1e3").is_err());
/// assert!(parse_decimal_exact("1,5").is_err());
/// ```
pub fn parse_decimal_exact(text: &str) -> Result<Decimal, MoneyError> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut parts = body.splitn(2, '.');
    let integer = parts.next().unwrap_or("");
    let fraction = parts.next();
    let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_formed = digits_only(integer) && fraction.is_none_or(digits_only);
    if !well_formed {
        return Err(MoneyError::NotADecimal(text.to_owned()));
    }
    Decimal::from_str_exact(text).map_err(|_| MoneyError::TooManyDigits(text.to_owned()))
}

/// An amount of money in euros, always at scale 2 (cents).
///
/// Arithmetic is checked: an overflow is an error, never a wrap or a panic. Building one from an exact
/// decimal requires a [`Rounding`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Default for Amount {
    /// Zero euros, at scale 2 (`0.00`).
    fn default() -> Amount {
        Amount::ZERO
    }
}

impl Amount {
    /// Zero euros.
    pub const ZERO: Amount = Amount(Decimal::from_parts(0, 0, 0, false, CENTS_SCALE));

    /// An amount from a number of cents: `Amount::from_cents(123456)` is 1 234,56 €.
    #[must_use]
    pub fn from_cents(cents: i64) -> Amount {
        Amount(Decimal::new(cents, CENTS_SCALE))
    }

    /// The amount as a whole number of cents.
    #[must_use]
    pub fn cents(self) -> i128 {
        // The invariant (scale 2) makes the mantissa the number of cents.
        self.0.mantissa()
    }

    /// An amount from a whole number of cents held in an `i128`, if it fits a decimal.
    pub fn try_from_cents(cents: i128) -> Result<Amount, MoneyError> {
        Decimal::try_from_i128_with_scale(cents, CENTS_SCALE)
            .map(Amount)
            .map_err(|_| MoneyError::Overflow("Amount::try_from_cents"))
    }

    /// Parses an amount written with at most two decimals (`1234.5` is 1 234,50 €; `1234.567` is an error).
    pub fn parse(text: &str) -> Result<Amount, MoneyError> {
        let value = parse_decimal_exact(text)?;
        if value.scale() > CENTS_SCALE {
            return Err(MoneyError::SubCent(text.to_owned()));
        }
        let mut value = value;
        value.rescale(CENTS_SCALE);
        Ok(Amount(value))
    }

    /// Rounds an exact value to cents by the given rule.
    #[must_use]
    pub fn from_decimal(exact: Decimal, rounding: Rounding) -> Amount {
        Amount(rounding.apply(exact, CENTS_SCALE))
    }

    /// The amount as a decimal at scale 2, for exact computations that go on from it.
    #[must_use]
    pub fn to_decimal(self) -> Decimal {
        self.0
    }

    /// `self + other`, or an overflow error.
    pub fn checked_add(self, other: Amount) -> Result<Amount, MoneyError> {
        let sum = self.0.checked_add(other.0).ok_or(MoneyError::Overflow("Amount addition"))?;
        Amount::keep_cents(sum, "Amount addition")
    }

    /// `self − other`, or an overflow error.
    pub fn checked_sub(self, other: Amount) -> Result<Amount, MoneyError> {
        let difference = self.0.checked_sub(other.0).ok_or(MoneyError::Overflow("Amount subtraction"))?;
        Amount::keep_cents(difference, "Amount subtraction")
    }

    /// `rust_decimal` silently drops decimals instead of overflowing near its limit: refuse that.
    fn keep_cents(mut value: Decimal, operation: &'static str) -> Result<Amount, MoneyError> {
        if value.scale() != CENTS_SCALE {
            value.rescale(CENTS_SCALE);
        }
        if value.scale() == CENTS_SCALE { Ok(Amount(value)) } else { Err(MoneyError::Overflow(operation)) }
    }

    /// The sum of amounts, or an overflow error.
    pub fn checked_sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Result<Amount, MoneyError> {
        amounts.into_iter().try_fold(Amount::ZERO, Amount::checked_add)
    }

    /// The opposite amount (a credit for a charge).
    #[must_use]
    pub fn negated(self) -> Amount {
        // Zero stays zero: a negated zero would print as `-0.00`.
        if self.0.is_zero() { Amount(self.0.abs()) } else { Amount(-self.0) }
    }

    /// The absolute value.
    #[must_use]
    pub fn abs(self) -> Amount {
        Amount(self.0.abs())
    }

    /// Whether the amount is zero.
    #[must_use]
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Whether the amount is strictly negative.
    #[must_use]
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// Whether the amount is strictly positive.
    #[must_use]
    pub fn is_positive(self) -> bool {
        self.0.is_sign_positive() && !self.0.is_zero()
    }

    /// The amount formatted the French way: `12 345,67 €`, with a narrow no-break space (U+202F) between
    /// groups of thousands and a no-break space (U+00A0) before the euro sign.
    #[must_use]
    pub fn format_fr(self) -> String {
        let mut text = format_decimal_fr(self.0, CENTS_SCALE);
        text.push('\u{a0}');
        text.push('€');
        text
    }
}

/// Formats a decimal the French way with exactly `decimals` decimals, grouping thousands with a narrow
/// no-break space (U+202F) and using a comma as the decimal separator. The value is rounded half up when it
/// has more decimals than asked for (a display rounding, never a billing one).
#[must_use]
pub fn format_decimal_fr(value: Decimal, decimals: u32) -> String {
    let value = Rounding::HalfUp.apply(value, decimals);
    let plain = value.abs().to_string();
    let (integer, fraction) = match plain.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (plain.as_str(), None),
    };
    let mut out = String::with_capacity(plain.len() + 8);
    if value.is_sign_negative() && !value.is_zero() {
        out.push('-');
    }
    let len = integer.len();
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (len - index) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction.filter(|f| !f.is_empty()) {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

impl fmt::Display for Amount {
    /// The plain machine form, `-1234.56`, always with two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.0)
    }
}

impl FromStr for Amount {
    type Err = MoneyError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Amount::parse(text)
    }
}

impl Serialize for Amount {
    /// Amounts serialize as decimal strings (`"1234.56"`), never as JSON numbers.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// Only a string is accepted: a float in an input file is refused, not rounded.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Amount::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Declares a newtype over an exact [`Decimal`] for a quantity that is not money.
macro_rules! exact_quantity {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(Decimal);

        impl $name {
            /// Zero.
            pub const ZERO: $name = $name(Decimal::ZERO);

            /// Wraps an exact decimal.
            #[must_use]
            pub const fn new(value: Decimal) -> $name {
                $name(value)
            }

            /// Parses the plain decimal form exactly (see [`parse_decimal_exact`]).
            pub fn parse(text: &str) -> Result<$name, MoneyError> {
                parse_decimal_exact(text).map($name)
            }

            /// The exact value.
            #[must_use]
            pub const fn value(self) -> Decimal {
                self.0
            }

            /// Whether the value is strictly negative.
            #[must_use]
            pub fn is_negative(self) -> bool {
                self.0.is_sign_negative() && !self.0.is_zero()
            }

            /// Whether the value is zero.
            #[must_use]
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> $name {
                $name(Decimal::from(value))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.normalize(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = MoneyError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::parse(text)
            }
        }

        impl Serialize for $name {
            /// As written (`"67.0"` stays `"67.0"`), so that a dataset written and read back is the same dataset.
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Only a string is accepted: a float in an input file is refused, not rounded.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

exact_quantity!(
    /// A price or rate in euros per unit (per inhabitant, per file, per hour, per metre…), unrounded.
    Rate
);
exact_quantity!(
    /// A measured or counted quantity (files, hours, metres, pages, kWh cumac, inhabitants), unrounded.
    Quantity
);
exact_quantity!(
    /// A dimensionless ratio or coefficient (a weighting, a share, an index ratio), unrounded.
    Ratio
);
exact_quantity!(
    /// Full-time equivalents (ETP) of staff time, unrounded.
    Fte
);

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        parse_decimal_exact(text).expect("test decimal")
    }

    #[test]
    fn rounding_rules_table() {
        let cases = [
            ("2.345", Rounding::HalfUp, "2.35"),
            ("-2.345", Rounding::HalfUp, "-2.35"),
            ("2.345", Rounding::HalfEven, "2.34"),
            ("2.355", Rounding::HalfEven, "2.36"),
            ("2.349", Rounding::TowardZero, "2.34"),
            ("-2.349", Rounding::TowardZero, "-2.34"),
            ("2.341", Rounding::Floor, "2.34"),
            ("-2.341", Rounding::Floor, "-2.35"),
            ("2.341", Rounding::Ceiling, "2.35"),
            ("-2.341", Rounding::Ceiling, "-2.34"),
            ("12", Rounding::HalfUp, "12.00"),
            ("1.999", Rounding::HalfUp, "2.00"),
            ("0.005", Rounding::HalfUp, "0.01"),
            ("0.004999", Rounding::HalfUp, "0.00"),
        ];
        for (input, rule, expected) in cases {
            let got = Amount::from_decimal(dec(input), rule);
            assert_eq!(got.to_string(), expected, "{input} {rule:?}");
        }
    }

    #[test]
    fn negating_zero_gives_zero_not_minus_zero() {
        let cases = [("0.00", "0.00"), ("12.30", "-12.30"), ("-0.01", "0.01")];
        for (input, expected) in cases {
            let negated = Amount::parse(input).unwrap().negated();
            assert_eq!(negated.to_string(), expected, "{input}");
            assert_eq!(negated.format_fr().starts_with('-'), expected.starts_with('-'), "{input}");
        }
        assert_eq!(Amount::ZERO.negated().negated().to_string(), "0.00");
    }

    #[test]
    fn parse_amounts_table() {
        let ok = [("1234.56", 123456), ("12.3", 1230), ("-0.01", -1), ("0", 0), ("+5", 500)];
        for (text, cents) in ok {
            assert_eq!(Amount::parse(text).expect(text).cents(), i128::from(cents), "{text}");
        }
        let bad = [
            ("12.345", MoneyError::SubCent("12.345".into())),
            ("1e3", MoneyError::NotADecimal("1e3".into())),
            ("1,5", MoneyError::NotADecimal("1,5".into())),
            ("", MoneyError::NotADecimal(String::new())),
            ("1 000", MoneyError::NotADecimal("1 000".into())),
            (".5", MoneyError::NotADecimal(".5".into())),
            ("5.", MoneyError::NotADecimal("5.".into())),
            ("NaN", MoneyError::NotADecimal("NaN".into())),
        ];
        for (text, error) in bad {
            assert_eq!(Amount::parse(text), Err(error), "{text:?}");
        }
        assert!(matches!(
            parse_decimal_exact("1.00000000000000000000000000001"),
            Err(MoneyError::TooManyDigits(_))
        ));
    }

    #[test]
    fn french_formatting_table() {
        let cases = [
            (123456, "1\u{202f}234,56\u{a0}€"),
            (1234567, "12\u{202f}345,67\u{a0}€"),
            (100, "1,00\u{a0}€"),
            (-123456789, "-1\u{202f}234\u{202f}567,89\u{a0}€"),
            (0, "0,00\u{a0}€"),
            (99999, "999,99\u{a0}€"),
        ];
        for (cents, expected) in cases {
            assert_eq!(Amount::from_cents(cents).format_fr(), expected);
        }
        assert_eq!(format_decimal_fr(dec("1234.5"), 3), "1\u{202f}234,500");
        assert_eq!(format_decimal_fr(dec("7"), 0), "7");
    }

    #[test]
    fn checked_arithmetic() {
        let a = Amount::from_cents(150);
        let b = Amount::from_cents(-275);
        assert_eq!(a.checked_add(b).unwrap().cents(), -125);
        assert_eq!(a.checked_sub(b).unwrap().cents(), 425);
        assert_eq!(Amount::checked_sum([a, b, a]).unwrap().cents(), 25);
        assert!(b.is_negative() && a.is_positive() && Amount::ZERO.is_zero());
        assert_eq!((Amount::ZERO.to_string(), Amount::default().to_string()), ("0.00".into(), "0.00".into()));
        let huge = Amount::try_from_cents(70_000_000_000_000_000_000_000_000_000).expect("fits 96 bits");
        assert_eq!(huge.checked_add(huge), Err(MoneyError::Overflow("Amount addition")));
        assert!(Amount::try_from_cents(i128::MAX).is_err());
    }

    #[test]
    fn serde_refuses_numbers() {
        #[derive(Deserialize)]
        struct Row {
            #[allow(dead_code)]
            amount: Amount,
        }
        let from_json: Result<Row, _> = serde_json_like("{\"amount\": 12.3}");
        assert!(from_json.is_err());
        let ok: Row = serde_json_like("{\"amount\": \"12.30\"}").expect("string amount");
        assert_eq!(ok.amount.cents(), 1230);
    }

    /// A tiny deserializer driver: the core crate has no JSON dependency, so use serde's value machinery.
    fn serde_json_like<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error, MapDeserializer};
        // Only the shapes used above: {"amount": <string or number>}.
        let raw = text.trim_matches(|c| c == '{' || c == '}').trim();
        let (_, value) = raw.split_once(':').ok_or("shape")?;
        let value = value.trim();
        if let Some(string) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            let map = MapDeserializer::<_, Error>::new(std::iter::once(("amount", string.to_owned())));
            T::deserialize(map).map_err(|e| e.to_string())
        } else {
            let number: i64 = value.split('.').next().unwrap_or("0").parse().map_err(|_| "number")?;
            let map =
                MapDeserializer::<_, Error>::new(std::iter::once(("amount", number.into_deserializer())));
            T::deserialize(map).map_err(|e| e.to_string())
        }
    }
}
