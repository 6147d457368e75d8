//! The UN/CEFACT Cross Industry Invoice (CII, D16B) of an invoice or a credit note, in the Factur-X
//! **EN 16931** profile (guideline `urn:cen.eu:en16931:2017`), for Chorus Pro.
//!
//! [`build`] maps a [`Document`] to a [`CiiInvoice`]: plain data, one field per business term (BT) we fill, with
//! amounts already in the CII sign convention. [`crate::en16931::check`] checks that model against the EN 16931
//! business rules before anything is written, and [`to_xml`] writes it with quick-xml — deterministic bytes,
//! UTF-8, escaped, in the element order of the Factur-X EN16931 XSD.
//!
//! The mapping, in short (`docs/e-invoicing.md` has the full table):
//!
//! - **Type** (BT-3): [`DocumentKind::Invoice`] → 380, [`DocumentKind::CreditNote`] → 381. Other kinds are not
//!   invoices and have no CII form.
//! - **Signs**: a 380 keeps the document's signs (a regularisation credit line is a negative BT-131). A 381 carries
//!   the sign in its type: our credit notes have negative totals, so every amount is negated (a credit note of
//!   −160.00 is a 381 of 160.00; a positive line on it becomes negative).
//! - **Lines**: BT-129 quantity × BT-146 net price = BT-131 exactly when the charge's basis allows it (quantity and
//!   unit price known and their product is the amount, up to its sign, with no rounding); otherwise — pool shares, pro
//!   rata, rounded unit costs — quantity 1 (`C62`) at a price equal to the amount. The basis in words is always
//!   kept in the line note (BT-127). The price is never negative (BR-27): a negative amount takes a negative
//!   quantity.
//! - **Parties**: SIRET as the legal organisation identifier (BT-30/BT-47, scheme `0002`, the Chorus Pro routing
//!   key), SIREN as the global identifier (BT-29/BT-46, scheme `0002`), names as printed on the PDF, addresses in
//!   France. The buyer's service code is BT-10 and its commitment number BT-13.
//! - **VAT**: out-of-scope lines are category `O` with the exemption reason "TVA non applicable – article 256 B du
//!   CGI" and code `VATEX-EU-O`; taxable lines are category `S` at their rate, the seller's VAT number derived from
//!   its SIREN. EN 16931 forbids mixing `O` with any other category on one invoice (BR-O-11): such a document is
//!   refused by the check.

mod units;
mod xml;

use chrono::NaiveDate;
use mutua_alloc::Charge;
use mutua_core::{Amount, Dataset, Party, Rounding, VatRegime};
use rust_decimal::Decimal;

use mutua_documents::accounts::line_accounts;
use mutua_documents::present::{basis_fr, document_line_label_fr, unit_fr};
use mutua_documents::{Document, DocumentKind, InvoiceError, Naming, present};

pub use crate::error::EInvoiceError;

pub use units::unit_code;
pub use xml::to_xml;

/// The EN 16931 specification identifier (BT-24) of the Factur-X EN16931 profile.
pub const GUIDELINE_EN16931: &str = "urn:cen.eu:en16931:2017";
/// The Chorus Pro billing framework (cadre de facturation, BT-23): `A1`, a supplier depositing an invoice.
pub const BUSINESS_PROCESS_A1: &str = "A1";
/// The invoice currency (BT-5).
pub const CURRENCY: &str = "EUR";
/// The country of every party's address (BT-40, BT-55): every party of a dataset is a French public body.
pub const COUNTRY: &str = "FR";
/// The ISO 6523 ICD of the French SIRENE register, for SIREN and SIRET.
pub const SCHEME_SIRENE: &str = "0002";
/// The VAT exemption reason (BT-120) of out-of-scope lines, as printed on the PDF.
pub const OUT_OF_SCOPE_REASON: &str = "TVA non applicable – article 256 B du CGI";
/// The VAT exemption reason code (BT-121) of out-of-scope lines (CEF VATEX list).
pub const OUT_OF_SCOPE_REASON_CODE: &str = "VATEX-EU-O";

/// The CII document type (BT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeCode {
    /// 380, commercial invoice.
    Invoice,
    /// 381, credit note.
    CreditNote,
}

impl TypeCode {
    /// The UNTDID 1001 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            TypeCode::Invoice => "380",
            TypeCode::CreditNote => "381",
        }
    }
}

/// An identifier with its scheme (ISO 6523 ICD), e.g. a SIRET with scheme `0002`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    /// The identifier.
    pub id: String,
    /// The scheme (`0002`).
    pub scheme: String,
}

/// A postal address (BG-5, BG-8).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PostalAddress {
    /// Postcode (BT-38, BT-53).
    pub postcode: Option<String>,
    /// First line (BT-35, BT-50).
    pub line_one: Option<String>,
    /// Second line (BT-36, BT-51).
    pub line_two: Option<String>,
    /// Third line (BT-162, BT-163): further lines joined with ", ".
    pub line_three: Option<String>,
    /// City (BT-37, BT-52).
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2 country code (BT-40, BT-55).
    pub country: String,
}

/// The seller or the buyer (BG-4, BG-7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TradeParty {
    /// Name (BT-27, BT-44): the legal person.
    pub name: String,
    /// Trading name (BT-28, BT-45): the name the party uses for itself (« Ville de Lille »), when it has one.
    pub trading_name: Option<String>,
    /// Global identifier (BT-29, BT-46): the SIREN.
    pub global_id: Option<Identifier>,
    /// Legal registration identifier (BT-30, BT-47): the SIRET, which Chorus Pro routes on.
    pub legal_id: Option<Identifier>,
    /// VAT identifier (BT-31, BT-48), `FR` + key + SIREN. Only on invoices with taxable lines.
    pub vat_id: Option<String>,
    /// Postal address.
    pub address: Option<PostalAddress>,
}

/// A VAT category code (BT-151, BT-118).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VatCategory {
    /// `S`, standard rate: a taxable dispositif.
    StandardRate,
    /// `O`, services outside the scope of VAT (article 256 B of the CGI).
    OutOfScope,
}

impl VatCategory {
    /// The UNCL 5305 code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::StandardRate => "S",
            VatCategory::OutOfScope => "O",
        }
    }
}

/// One invoice line (BG-25).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CiiLine {
    /// Line identifier (BT-126): 1, 2, … in document order.
    pub id: String,
    /// Line note (BT-127): the basis in words.
    pub note: Option<String>,
    /// Item name (BT-153): the line's label.
    pub name: String,
    /// Item description (BT-154): the dispositif and its convention.
    pub description: Option<String>,
    /// Item net price (BT-146), never negative.
    pub net_price: Decimal,
    /// Invoiced quantity (BT-129).
    pub quantity: Decimal,
    /// Its unit (BT-130), UN/ECE recommendation 20.
    pub unit_code: String,
    /// VAT category (BT-151).
    pub vat_category: VatCategory,
    /// VAT rate in percent (BT-152); none for category `O`.
    pub vat_rate: Option<Decimal>,
    /// Line net amount (BT-131).
    pub net_amount: Amount,
    /// The buyer's accounting reference (BT-133): the M57 account the buyer books the line on (its expense on an
    /// invoice, the mandat it reduces on a credit note, 773 for a past year's: `mutua_documents::accounts`).
    pub buyer_accounting_reference: Option<String>,
}

/// One VAT breakdown (BG-23).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VatBreakdown {
    /// VAT category (BT-118).
    pub category: VatCategory,
    /// Rate in percent (BT-119); none for category `O`.
    pub rate: Option<Decimal>,
    /// Taxable amount (BT-116).
    pub basis: Amount,
    /// Tax amount (BT-117).
    pub tax: Amount,
    /// Exemption reason text (BT-120).
    pub exemption_reason: Option<String>,
    /// Exemption reason code (BT-121).
    pub exemption_reason_code: Option<String>,
}

/// Document totals (BG-22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Totals {
    /// Sum of invoice line net amounts (BT-106).
    pub line_total: Amount,
    /// Invoice total amount without VAT (BT-109).
    pub tax_basis_total: Amount,
    /// Invoice total VAT amount (BT-110).
    pub tax_total: Amount,
    /// Invoice total amount with VAT (BT-112).
    pub grand_total: Amount,
    /// Amount due for payment (BT-115).
    pub due_payable: Amount,
}

/// A billing period (BG-14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BillingPeriod {
    /// Start date (BT-73).
    pub start: NaiveDate,
    /// End date (BT-74).
    pub end: NaiveDate,
}

/// The invoice a credit note corrects (BG-3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrecedingInvoice {
    /// Its number (BT-25).
    pub number: String,
    /// Its issue date (BT-26).
    pub issue_date: NaiveDate,
}

/// How the buyer pays (BG-16): by credit transfer to the seller's comptable public, when the dataset gives the
/// account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentMeans {
    /// The payment means type code (BT-81, UNTDID 4461): [`CREDIT_TRANSFER`].
    pub type_code: String,
    /// The account to pay into (BT-84): an IBAN.
    pub iban: String,
    /// Its bank (BT-86): a BIC.
    pub bic: Option<String>,
}

/// UNTDID 4461 code 30, credit transfer (virement): how a public debtor pays the issuer's comptable public.
pub const CREDIT_TRANSFER: &str = "30";

/// What [`build`] cannot read from the document itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CiiOptions {
    /// The business process (BT-23): the Chorus Pro billing framework, [`BUSINESS_PROCESS_A1`] by default.
    pub business_process: String,
    /// For a credit note, the invoice it corrects (BT-25, BT-26). A regularisation credit note (a debtor whose
    /// semester nets to a credit) corrects no single invoice and has none.
    pub preceding_invoice: Option<PrecedingInvoice>,
}

impl Default for CiiOptions {
    fn default() -> Self {
        CiiOptions { business_process: BUSINESS_PROCESS_A1.to_owned(), preceding_invoice: None }
    }
}

/// A CII invoice or credit note: the business terms we fill, in the CII sign convention.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CiiInvoice {
    /// Business process (BT-23).
    pub business_process: Option<String>,
    /// Specification identifier (BT-24).
    pub guideline: String,
    /// Invoice number (BT-1).
    pub number: String,
    /// Type (BT-3).
    pub type_code: TypeCode,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// Lines (BG-25).
    pub lines: Vec<CiiLine>,
    /// Buyer reference (BT-10): the Chorus Pro service code.
    pub buyer_reference: Option<String>,
    /// Seller (BG-4).
    pub seller: TradeParty,
    /// Buyer (BG-7).
    pub buyer: TradeParty,
    /// Purchase order reference (BT-13): the buyer's commitment number (numéro d'engagement).
    pub order_reference: Option<String>,
    /// Whether the buyer requires a commitment number (a Chorus Pro setting, checked, not written).
    pub commitment_required: bool,
    /// Currency (BT-5).
    pub currency: String,
    /// VAT breakdown (BG-23), by category then rate.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// Invoicing period (BG-14): the semester.
    pub period: Option<BillingPeriod>,
    /// Actual delivery date (BT-72): the last day of the semester, by which its services were rendered. (The XSD
    /// requires the delivery group, and an empty element is flagged by the Schematron.)
    pub delivery_date: Option<NaiveDate>,
    /// Payment terms (BT-20).
    pub payment_terms: Option<String>,
    /// Payment due date (BT-9): an invoice's, from its convention's payment term.
    pub due_date: Option<NaiveDate>,
    /// Payment means (BG-16): an invoice's, when its issuer's account is known.
    pub payment_means: Option<PaymentMeans>,
    /// Totals (BG-22).
    pub totals: Totals,
    /// The corrected invoice (BG-3).
    pub preceding_invoice: Option<PrecedingInvoice>,
}

/// The French intra-community VAT number of a SIREN: `FR`, a two-digit key `(12 + 3 × (SIREN mod 97)) mod 97`,
/// then the SIREN. `None` if `siren` is not nine digits.
#[must_use]
pub fn french_vat_number(siren: &str) -> Option<String> {
    if siren.len() != 9 || !siren.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value: u64 = siren.parse().ok()?;
    let key = (12 + 3 * (value % 97)) % 97;
    Some(format!("FR{key:02}{siren}"))
}

/// The opposite amount, never a negative zero.
fn negate(amount: Amount) -> Amount {
    if amount.is_zero() { Amount::ZERO } else { amount.negated() }
}

/// Text with control characters (which XML 1.0 cannot hold) replaced by spaces, trimmed; `None` when empty.
fn clean(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if !trimmed.chars().any(char::is_control) {
        return Some(trimmed.to_owned());
    }
    let replaced: String =
        trimmed.chars().map(|character| if character.is_control() { ' ' } else { character }).collect();
    let replaced = replaced.trim();
    (!replaced.is_empty()).then(|| replaced.to_owned())
}

fn trade_party(party: &Party, name: String, trading_name: Option<&str>, vat: bool) -> TradeParty {
    let lines: Vec<String> = party.address.lines.iter().filter_map(|line| clean(line)).collect();
    let address = PostalAddress {
        postcode: clean(&party.address.postcode),
        line_one: lines.first().cloned(),
        line_two: lines.get(1).cloned(),
        line_three: (lines.len() > 2).then(|| lines[2..].join(", ")),
        city: clean(&party.address.city),
        country: COUNTRY.to_owned(),
    };
    TradeParty {
        name: clean(&name).unwrap_or_default(),
        trading_name: trading_name.and_then(clean),
        global_id: Some(Identifier { id: party.siren.to_string(), scheme: SCHEME_SIRENE.to_owned() }),
        legal_id: Some(Identifier { id: party.siret.to_string(), scheme: SCHEME_SIRENE.to_owned() }),
        vat_id: if vat { french_vat_number(party.siren.as_str()) } else { None },
        address: Some(address),
    }
}

/// The quantity, price and unit of a line whose CII amount is `amount` (the charge's amount, negated on a credit
/// note): the charge's own basis when |quantity × unit price| is exactly |amount|, else 1 × amount. A share of a
/// pool is always 1 × amount: it is a share of an amount (its note says which, with the key and the ratio), not a
/// quantity at a price. The price is never negative (BR-27): the quantity carries the sign of the amount. (A credit
/// note cancelling an invoice keeps the invoice's bases with negated amounts: its lines keep their quantities and
/// prices.)
fn quantity_and_price(charge: &Charge, amount: Amount) -> (Decimal, Decimal, String) {
    let basis = &charge.basis;
    let share = matches!(basis.kind, mutua_alloc::trace::BasisKind::PoolShare { .. });
    if let (Some(quantity), Some(price)) = (basis.quantity, basis.unit_price)
        && !share
        && !quantity.is_zero()
        && quantity.checked_mul(price).is_some_and(|product| product.abs() == amount.to_decimal().abs())
    {
        let quantity = if amount.is_negative() { -quantity.abs() } else { quantity.abs() };
        return (quantity.normalize(), price.abs().normalize(), unit_code(unit_fr(&basis.unit)).to_owned());
    }
    let quantity = if amount.is_negative() { Decimal::NEGATIVE_ONE } else { Decimal::ONE };
    (quantity, amount.abs().to_decimal(), units::ONE.to_owned())
}

fn line(dataset: &Dataset, document: &Document, index: usize, charge: &Charge, credit_note: bool) -> CiiLine {
    let amount = if credit_note { negate(charge.amount) } else { charge.amount };
    let (quantity, net_price, unit_code) = quantity_and_price(charge, amount);
    let (vat_category, vat_rate) = match &charge.vat {
        VatRegime::OutOfScope => (VatCategory::OutOfScope, None),
        VatRegime::Taxable { rate_percent } => {
            (VatCategory::StandardRate, Some(rate_percent.value().normalize()))
        }
    };
    let dispositif = dataset
        .dispositifs
        .get(&charge.dispositif)
        .map_or_else(|| charge.dispositif.to_string(), |dispositif| dispositif.name.clone());
    CiiLine {
        id: (index + 1).to_string(),
        note: clean(&basis_fr(&charge.basis)),
        name: clean(&document_line_label_fr(document, charge)).unwrap_or_default(),
        description: clean(&if document.particulars.is_some() {
            // The act whose tariff the line applies, as the PDF cites it.
            format!("{dispositif} — {}", present::line_act(document, charge))
        } else {
            format!("{dispositif} — convention {}", charge.convention_reference)
        }),
        net_price,
        quantity,
        unit_code,
        vat_category,
        vat_rate,
        net_amount: amount,
        buyer_accounting_reference: clean(&line_accounts(document, charge).recipient.account),
    }
}

/// The VAT breakdown of lines: one group per category and rate, taxable amount = Σ line net amounts, tax = base ×
/// rate rounded half up to the cent per rate (as [`Document::total_vat`] is computed).
pub fn vat_breakdown(lines: &[CiiLine]) -> Result<Vec<VatBreakdown>, InvoiceError> {
    let mut groups: Vec<VatBreakdown> = Vec::new();
    for line in lines {
        let rate = line.vat_rate.map(|rate| rate.normalize());
        let position =
            groups.iter().position(|group| group.category == line.vat_category && group.rate == rate);
        let group = match position {
            Some(position) => &mut groups[position],
            None => {
                let out_of_scope = line.vat_category == VatCategory::OutOfScope;
                groups.push(VatBreakdown {
                    category: line.vat_category,
                    rate,
                    basis: Amount::ZERO,
                    tax: Amount::ZERO,
                    exemption_reason: out_of_scope.then(|| OUT_OF_SCOPE_REASON.to_owned()),
                    exemption_reason_code: out_of_scope.then(|| OUT_OF_SCOPE_REASON_CODE.to_owned()),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        group.basis = group.basis.checked_add(line.net_amount)?;
    }
    for group in &mut groups {
        if let Some(rate) = group.rate {
            group.tax = tax_of(group.basis, rate);
        }
    }
    groups.sort_by_key(|group| (group.category, group.rate));
    Ok(groups)
}

/// VAT of a taxable amount at a rate in percent, rounded half up (away from zero) to the cent.
#[must_use]
pub fn tax_of(basis: Amount, rate_percent: Decimal) -> Amount {
    let exact = basis
        .to_decimal()
        .checked_mul(rate_percent)
        .and_then(|product| product.checked_div(Decimal::ONE_HUNDRED));
    // An overflow leaves a zero tax, which the BR-CO-14 and BR-S-09 checks then refuse.
    exact.map_or(Amount::ZERO, |exact| Amount::from_decimal(exact, Rounding::HalfUp))
}

/// The CII form of an invoice or a credit note.
///
/// The model is not checked here: call [`crate::en16931::check`] before writing it (the Factur-X renderer does).
///
/// # Errors
/// [`EInvoiceError::NotAnInvoice`] for other kinds of documents, [`EInvoiceError::Invoice`] for a party missing
/// from the dataset or an overflow.
pub fn build(
    dataset: &Dataset,
    document: &Document,
    options: &CiiOptions,
) -> Result<CiiInvoice, EInvoiceError> {
    let type_code = match document.kind {
        DocumentKind::Invoice => TypeCode::Invoice,
        DocumentKind::CreditNote => TypeCode::CreditNote,
        other => {
            return Err(EInvoiceError::NotAnInvoice {
                number: document.number.clone(),
                kind: other.as_str(),
            });
        }
    };
    let credit_note = type_code == TypeCode::CreditNote;
    let party = |id| dataset.party(id).ok_or_else(|| InvoiceError::UnknownParty(id.to_string()));
    let issuer = party(&document.issuer)?;
    let recipient = party(&document.recipient)?;
    let lines: Vec<CiiLine> = document
        .lines
        .iter()
        .enumerate()
        .map(|(index, charge)| line(dataset, document, index, charge, credit_note))
        .collect();
    let taxable = lines.iter().any(|line| line.vat_category == VatCategory::StandardRate);
    let vat_breakdown = vat_breakdown(&lines)?;
    let signed = |amount: Amount| if credit_note { negate(amount) } else { amount };
    let period = document.semester.period();
    // The usage name, which documents issued before parties had legal names did not give.
    let trading_name = |party| match document.naming {
        Naming::LegalPerson => present::names::usage_name(party),
        Naming::Mairie => None,
    };
    Ok(CiiInvoice {
        business_process: clean(&options.business_process),
        guideline: GUIDELINE_EN16931.to_owned(),
        number: document.number.clone(),
        type_code,
        issue_date: document.issue_date,
        lines,
        buyer_reference: recipient.invoicing.service_code.as_deref().and_then(clean),
        seller: trade_party(
            issuer,
            present::block_name(issuer, present::Side::Issuer, document.naming),
            trading_name(issuer),
            taxable,
        ),
        buyer: trade_party(
            recipient,
            present::block_name(recipient, present::Side::Recipient, document.naming),
            trading_name(recipient),
            false,
        ),
        order_reference: recipient.invoicing.commitment_number.as_deref().and_then(clean),
        commitment_required: recipient.invoicing.commitment_required,
        currency: CURRENCY.to_owned(),
        vat_breakdown,
        period: Some(BillingPeriod { start: period.first(), end: period.last() }),
        delivery_date: Some(period.last()),
        payment_terms: present::document_payment_terms_fr(dataset, document, issuer)
            .as_deref()
            .and_then(clean),
        due_date: document
            .particulars
            .as_ref()
            .and_then(|p| p.payment)
            .filter(|_| document.kind == DocumentKind::Invoice)
            .map(|payment| payment.due_date),
        payment_means: match (&issuer.payment.iban, document.kind, &document.particulars) {
            (Some(iban), DocumentKind::Invoice, Some(_)) => Some(PaymentMeans {
                type_code: CREDIT_TRANSFER.to_owned(),
                iban: iban.to_string(),
                bic: issuer.payment.bic.as_ref().map(ToString::to_string),
            }),
            _ => None,
        },
        totals: Totals {
            line_total: signed(document.total_net),
            tax_basis_total: signed(document.total_net),
            tax_total: signed(document.total_vat),
            grand_total: signed(document.total),
            due_payable: signed(document.total),
        },
        preceding_invoice: options.preceding_invoice.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_vat_numbers() {
        // The key of the MEL's SIREN: (12 + 3 × (200093201 mod 97)) mod 97 = 62.
        assert_eq!(french_vat_number("200093201").as_deref(), Some("FR62200093201"));
        assert_eq!(french_vat_number("000000000").as_deref(), Some("FR12000000000"));
        assert_eq!(french_vat_number("20009320"), None);
        assert_eq!(french_vat_number("20009320A"), None);
    }

    #[test]
    fn text_is_cleaned() {
        assert_eq!(clean("  a\u{7}b\nc "), Some("a b c".to_owned()));
        assert_eq!(clean("Mairie d'Allennes"), Some("Mairie d'Allennes".to_owned()));
        assert_eq!(clean(" \t "), None);
        assert_eq!(clean("\u{1}"), None);
    }

    #[test]
    fn taxes_round_half_away_from_zero() {
        let rate = Decimal::new(20, 0);
        assert_eq!(tax_of(Amount::from_cents(1_002), rate), Amount::from_cents(200)); // 2.004
        assert_eq!(tax_of(Amount::from_cents(1_003), rate), Amount::from_cents(201)); // 2.006
        assert_eq!(tax_of(Amount::from_cents(-1_003), rate), Amount::from_cents(-201));
        assert_eq!(tax_of(Amount::from_cents(25), Decimal::new(55, 1)), Amount::from_cents(1)); // 0.01375
    }
}
