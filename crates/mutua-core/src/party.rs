//! Parties: the métropole, its communes and the other bodies money flows between.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a record came from: a file and a line (1-based), so that any error about it can be located.
///
/// Records built in code carry [`Source::code`]. Carrying provenance is not I/O: the core never opens a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Source {
    /// The file, relative to the dataset directory (`memberships.csv`, `conventions/cep.toml`). The name of a
    /// table is borrowed (`Source::at("memberships.csv", 12)` allocates nothing), so a million records do not
    /// carry a million copies of their file's name.
    pub file: Cow<'static, str>,
    /// The 1-based line, or 0 when unknown.
    pub line: u32,
}

impl Source {
    /// A record made in code rather than loaded from a file.
    #[must_use]
    pub fn code() -> Source {
        Source { file: Cow::Borrowed("<code>"), line: 0 }
    }

    /// A record from a file at a line.
    #[must_use]
    pub fn at(file: impl Into<Cow<'static, str>>, line: u32) -> Source {
        Source { file: file.into(), line }
    }

    /// A row of a table from a source without lines (a database, a JSON document, records built in memory):
    /// `memberships[cep-2021/59005]`.
    #[must_use]
    pub fn row(table: &str, key: &str) -> Source {
        Source { file: format!("{table}[{key}]").into(), line: 0 }
    }
}

impl fmt::Display for Source {
    /// `file:line` for a file, the row alone (`parties[59005]`, `<code>`) when there is no line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 { write!(f, "{}", self.file) } else { write!(f, "{}:{}", self.file, self.line) }
    }
}

/// Why an identifier is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// An INSEE commune code is five characters: two for the département (or 2A/2B) and three digits.
    #[error("`{0}` is not an INSEE commune code (5 characters, such as 59350)")]
    Insee(String),
    /// A SIREN is nine digits with a valid Luhn key.
    #[error("`{0}` is not a SIREN (9 digits with a valid Luhn key)")]
    Siren(String),
    /// A SIRET is fourteen digits with a valid Luhn key.
    #[error("`{0}` is not a SIRET (14 digits with a valid Luhn key)")]
    Siret(String),
    /// Identifiers of parties, dispositifs and conventions: 1–40 of `a-z A-Z 0-9 - _`.
    #[error("`{0}` is not an identifier (1 to 40 letters, digits, `-` or `_`)")]
    Identifier(String),
    /// An IBAN: a country code, two check digits and up to 30 letters or digits, the ISO 13616 key valid.
    #[error(
        "`{0}` n'est pas un IBAN (code pays, 2 chiffres de contrôle et jusqu'à 30 lettres ou chiffres, clé ISO 13616 valide ; sans espaces)"
    )]
    Iban(String),
    /// A BIC: 8 or 11 letters and digits (ISO 9362).
    #[error(
        "`{0}` n'est pas un BIC (8 ou 11 caractères : 4 lettres de banque, 2 lettres de pays, 2 lettres ou chiffres de lieu, 3 de branche)"
    )]
    Bic(String),
}

fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (index, byte) in digits.bytes().rev().enumerate() {
        let mut digit = u32::from(byte - b'0');
        if index % 2 == 1 {
            digit *= 2;
            if digit > 9 {
                digit -= 9;
            }
        }
        sum += digit;
    }
    sum % 10 == 0
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses and checks the identifier.
            pub fn parse(text: &str) -> Result<$name, IdError> {
                let check: fn(&str) -> Result<(), IdError> = $check;
                check(text)?;
                Ok($name(text.to_owned()))
            }

            /// The identifier as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::parse(text)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn check_identifier(text: &str) -> Result<(), IdError> {
    let ok = (1..=40).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(IdError::Identifier(text.to_owned())) }
}

string_id!(
    /// An INSEE commune code (`59350` is Lille). The key of a commune: match on it, never on the name.
    InseeCode,
    |text| {
        let bytes = text.as_bytes();
        let ok = bytes.len() == 5
            && (bytes[..2].iter().all(u8::is_ascii_digit) || matches!(&bytes[..2], b"2A" | b"2B"))
            && bytes[2..].iter().all(u8::is_ascii_digit);
        if ok { Ok(()) } else { Err(IdError::Insee(text.to_owned())) }
    }
);
string_id!(
    /// A SIREN: the nine-digit identifier of a legal person (`200093201` is the MEL).
    Siren,
    |text| {
        if all_digits(text, 9) && luhn_valid(text) { Ok(()) } else { Err(IdError::Siren(text.to_owned())) }
    }
);
string_id!(
    /// A SIRET: a SIREN followed by the five-digit number of an establishment.
    Siret,
    |text| {
        if all_digits(text, 14) && luhn_valid(text) { Ok(()) } else { Err(IdError::Siret(text.to_owned())) }
    }
);
string_id!(
    /// The key of a party in a dataset: the INSEE code for a commune, a short name otherwise (`MEL`, `FEAL`).
    PartyId,
    check_identifier
);
string_id!(
    /// The key of a dispositif (a shared service), such as `cep` or `sim-ads`.
    DispositifId,
    check_identifier
);
string_id!(
    /// The key of a convention, such as `cep-2021`.
    ConventionId,
    check_identifier
);

string_id!(
    /// An IBAN (ISO 13616), written without spaces: `FR7630001007941234567890185`. Its key (mod 97) is checked.
    Iban,
    |text| if iban_valid(text) { Ok(()) } else { Err(IdError::Iban(text.to_owned())) }
);
string_id!(
    /// A BIC (ISO 9362): 8 or 11 characters (`BDFEFRPPCCT`, the Banque de France's for the accounts of the
    /// comptables publics).
    Bic,
    |text| {
        let bytes = text.as_bytes();
        let ok = (bytes.len() == 8 || bytes.len() == 11)
            && bytes[..6].iter().all(u8::is_ascii_uppercase)
            && bytes[6..].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok { Ok(()) } else { Err(IdError::Bic(text.to_owned())) }
    }
);

/// Whether `text` is an IBAN: 2 upper-case letters, 2 digits, 11 to 30 upper-case letters or digits, and the
/// number formed by moving the first four characters to the end (letters as 10–35) is 1 modulo 97.
fn iban_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes[4..].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return false;
    }
    let mut remainder: u32 = 0;
    for &byte in bytes[4..].iter().chain(&bytes[..4]) {
        let value = if byte.is_ascii_digit() { u32::from(byte - b'0') } else { u32::from(byte - b'A') + 10 };
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    remainder == 1
}

impl Iban {
    /// The IBAN in groups of four for reading: `FR76 3000 1007 9412 3456 7890 185`.
    #[must_use]
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars.chunks(4).map(|chunk| chunk.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
    }
}

/// How a party is paid: its comptable public assignataire (the public accountant who collects its receivables
/// and pays its expenses) and the account its debtors pay into. Printed on the documents it issues; every field
/// is optional (`parties.csv`: `accountant`, `iban`, `bic`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct PaymentDetails {
    /// The comptable public assignataire (« Service de gestion comptable de Lille Métropole »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accountant: Option<String>,
    /// The account, held by the accountant at the Banque de France, that debtors pay by transfer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<Iban>,
    /// The bank's identifier, with the IBAN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<Bic>,
}

impl Siret {
    /// The SIREN part (the first nine digits).
    #[must_use]
    pub fn siren_part(&self) -> &str {
        &self.0[..9]
    }
}

/// What kind of body a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PartyKind {
    /// A métropole or other EPCI à fiscalité propre (the MEL).
    Metropole,
    /// A member commune.
    Commune,
    /// A syndicate (the FEAL, an electricity syndicate).
    Syndicate,
    /// Any other public body.
    Other,
}

impl PartyKind {
    /// The spelling used in data files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Metropole => "metropole",
            PartyKind::Commune => "commune",
            PartyKind::Syndicate => "syndicate",
            PartyKind::Other => "other",
        }
    }
}

/// A postal address, as printed on documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Address {
    /// Street lines (one or two).
    pub lines: Vec<String>,
    /// Postcode.
    pub postcode: String,
    /// City (commune of the address).
    pub city: String,
}

/// What a public debtor requires on the invoices it receives (Chorus Pro).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct InvoicingRequirements {
    /// The Chorus Pro service code the invoice must carry, when the debtor has one.
    pub service_code: Option<String>,
    /// Whether the debtor requires a commitment number (numéro d'engagement) on its invoices.
    pub commitment_required: bool,
    /// The commitment number to print, when the debtor gave one.
    pub commitment_number: Option<String>,
}

/// The article a party's legal name takes in running text: « la Métropole Européenne de Lille », « le Syndicat
/// intercommunal… », « les Régies… », or none for a name used bare. Elision (« l'Établissement… ») and contraction
/// with « de » and « à » (« du », « au », « des », « aux ») follow from it and from [`Party::elides`]; the
/// presentation writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Article {
    /// « le » (masculine singular).
    Le,
    /// « la » (feminine singular).
    La,
    /// « les » (plural).
    Les,
    /// No article: the name is used bare (« Lille Métropole Habitat »).
    None,
}

impl Article {
    /// The spelling used in data files: `le`, `la`, `les` or `none`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Article::Le => "le",
            Article::La => "la",
            Article::Les => "les",
            Article::None => "none",
        }
    }
}

/// How documents name a party, where its `name` alone does not say it. Every field is optional, with the
/// default [`Party`]'s methods state: a commune's legal person is « Commune de X », a body is named by its
/// `name`; the métropole and communes take « la », a syndicate « le », another body no article; a name beginning
/// with a vowel or an h elides « de » and « la ».
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct PartyNaming {
    /// The legal person's name, as it heads a party block and the e-invoice (« Commune de Lille »), when it is
    /// not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    /// The name the party uses for itself, printed under its legal name (« Ville de Lille »).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_name: Option<String>,
    /// The article of the legal name in running text, when it is not the default of the party's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Article>,
    /// Whether « de », « le » and « la » elide before the party's name (« Commune d'Hem » or « Commune de Hem »),
    /// when it is not the default (yes before a vowel or an h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elision: Option<bool>,
}

impl PartyNaming {
    /// Whether every field is at its default (nothing to write).
    #[must_use]
    pub fn is_default(&self) -> bool {
        self == &PartyNaming::default()
    }
}

/// Whether a word begins with a vowel or an h, before which French may elide « de », « le » and « la ».
#[must_use]
pub fn may_elide(word: &str) -> bool {
    word.chars().next().is_some_and(|c| {
        let lower: String = c.to_lowercase().collect();
        matches!(
            lower.as_str(),
            "a" | "à"
                | "â"
                | "ä"
                | "æ"
                | "e"
                | "é"
                | "è"
                | "ê"
                | "ë"
                | "i"
                | "î"
                | "ï"
                | "o"
                | "ô"
                | "ö"
                | "œ"
                | "u"
                | "ù"
                | "û"
                | "ü"
                | "y"
                | "ÿ"
                | "h"
        )
    })
}

/// A party: any body that bills, pays, receives or is billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Key in the dataset.
    pub id: PartyId,
    /// What kind of body.
    pub kind: PartyKind,
    /// Official name ("Métropole Européenne de Lille", "Marcq-en-Barœul").
    pub name: String,
    /// SIREN of the legal person.
    pub siren: Siren,
    /// SIRET of the establishment that bills or is billed.
    pub siret: Siret,
    /// INSEE code, for a commune.
    pub insee: Option<InseeCode>,
    /// The MEL territoire the commune belongs to.
    pub territoire: Option<String>,
    /// Postal address.
    pub address: Address,
    /// What the party requires on invoices addressed to it.
    pub invoicing: InvoicingRequirements,
    /// How documents name it: legal name, usage name, article, elision (all optional).
    #[serde(default, skip_serializing_if = "PartyNaming::is_default")]
    pub naming: PartyNaming,
    /// Its accountant and the account it is paid into (printed on the documents it issues).
    #[serde(default)]
    pub payment: PaymentDetails,
    /// Where the record came from.
    pub source: Source,
}

impl Party {
    /// Whether this party is a commune.
    #[must_use]
    pub fn is_commune(&self) -> bool {
        self.kind == PartyKind::Commune
    }

    /// The article of its legal name in running text: the `article` given, or by default « la » for the
    /// métropole and a commune (« la commune de Lille »), « le » for a syndicate, none for another body.
    #[must_use]
    pub fn article(&self) -> Article {
        self.naming.article.unwrap_or(match self.kind {
            PartyKind::Metropole | PartyKind::Commune => Article::La,
            PartyKind::Syndicate => Article::Le,
            PartyKind::Other => Article::None,
        })
    }

    /// The word a preceding « de », « le » or « la » meets: a commune's name (« Commune d'Annœullin »), another
    /// body's legal name (« l'Établissement public… »).
    #[must_use]
    pub fn elided_word(&self) -> &str {
        match (&self.naming.legal_name, self.kind) {
            (Some(legal), kind) if kind != PartyKind::Commune => legal,
            _ => &self.name,
        }
    }

    /// Whether « de », « le » and « la » elide before it: the `elision` given, or by default whether
    /// [`Party::elided_word`] begins with a vowel or an h (an h aspiré, or a commune whose usage keeps « de »
    /// before its h, says `no`).
    #[must_use]
    pub fn elides(&self) -> bool {
        self.naming.elision.unwrap_or_else(|| may_elide(self.elided_word()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_table() {
        let ok_insee = ["59350", "59009", "2A004", "2B033"];
        for text in ok_insee {
            assert!(InseeCode::parse(text).is_ok(), "{text}");
        }
        for text in ["5935", "593500", "59 35", "2C004", "ABCDE"] {
            assert_eq!(InseeCode::parse(text), Err(IdError::Insee(text.into())), "{text}");
        }
        // Real SIRENs: the MEL, Lille, Villeneuve-d'Ascq.
        for text in ["200093201", "215903501", "215900093"] {
            assert!(Siren::parse(text).is_ok(), "{text}");
        }
        for text in ["200093202", "20009320", "2000932011", "20009320A"] {
            assert_eq!(Siren::parse(text), Err(IdError::Siren(text.into())), "{text}");
        }
        assert!(Siret::parse("20009320100016").is_ok());
        assert!(Siret::parse("20009320100017").is_err());
        assert_eq!(Siret::parse("20009320100016").unwrap().siren_part(), "200093201");
        assert!(PartyId::parse("MEL").is_ok() && PartyId::parse("59350").is_ok());
        assert!(PartyId::parse("").is_err() && PartyId::parse("a b").is_err());
        assert!(ConventionId::parse("sim-ads_2025").is_ok());
    }

    #[test]
    fn ibans_and_bics_table() {
        // Valid keys: the ISO 13616 examples of France, Belgium and Germany, and the fixture's Banque de France
        // accounts.
        for text in ["FR1420041010050500013M02606", "BE68539007547034", "DE89370400440532013000"] {
            assert!(Iban::parse(text).is_ok(), "{text}");
        }
        for text in [
            "FR1420041010050500013M02607",       // key
            "FR14 2004 1010 0505 0001 3M02 606", // spaces
            "fr1420041010050500013M02606",       // lower case
            "FR142004",                          // too short
            "1114200410100505",                  // no country
            "",
        ] {
            assert_eq!(Iban::parse(text), Err(IdError::Iban(text.into())), "{text}");
        }
        assert_eq!(
            Iban::parse("FR1420041010050500013M02606").unwrap().grouped(),
            "FR14 2004 1010 0505 0001 3M02 606"
        );
        for text in ["BDFEFRPPCCT", "BDFEFRPP"] {
            assert!(Bic::parse(text).is_ok(), "{text}");
        }
        for text in ["BDFEFRP", "BDFEFRPPCC", "bdfefrpp", "BDF1FRPP"] {
            assert_eq!(Bic::parse(text), Err(IdError::Bic(text.into())), "{text}");
        }
    }
}
