//! The EN 16931 business rules the project can check on a [`CiiInvoice`], before anything is written.
//!
//! A document that would break one of them is refused with every broken rule named
//! (`BR-CO-10: sum of line net amounts (BT-131) 100.00 ≠ total net (BT-106) 100.01`), never
//! written as a file that Chorus Pro would reject. The checks are those of the EN 16931 rule set that concern the
//! terms we fill:
//!
//! - mandatory terms: BR-01, BR-02, BR-05 to BR-11, BR-16, BR-21, BR-23, BR-25, BR-27 (no negative net price),
//!   BR-29 (period), BR-55 (preceding invoice number);
//! - arithmetic, to the cent: BR-CO-10 (Σ line net = BT-106), BR-CO-13 (BT-109 = BT-106, we have no document
//!   allowances or charges), BR-CO-14 (BT-110 = Σ BT-117), BR-CO-15 (BT-112 = BT-109 + BT-110), BR-CO-16 (BT-115 =
//!   BT-112, nothing prepaid), BR-CO-17 (BT-117 = BT-116 × BT-119 / 100 rounded to the cent);
//! - BR-CO-09 (VAT identifiers start with a country code), BR-CO-18 (a VAT breakdown), BR-CO-25 (payment terms
//!   or a due date when an amount is due), BR-CO-26 (a seller identifier), BR-49 and BR-61 (payment means: a type
//!   code, and an account for a credit transfer);
//! - category `O` (outside the scope of VAT): BR-O-01, BR-O-02 (no seller or buyer VAT identifier), BR-O-05 (no
//!   line rate), BR-O-08 (taxable amount), BR-O-09 (VAT 0), BR-O-10 (exemption reason), BR-O-11 and BR-O-12 (no
//!   other category on the invoice);
//! - category `S` (standard rate): BR-S-01, BR-S-02 (seller VAT identifier), BR-S-05 (rate above 0), BR-S-08
//!   (taxable amount per rate), BR-S-09 (tax per rate), BR-S-10 (no exemption reason);
//! - Chorus Pro, not EN 16931 (named `CHORUS-nn`): CHORUS-01 and CHORUS-02 (the seller's and the buyer's SIRET, the
//!   routing keys, as BT-30/BT-47 with scheme `0002`), CHORUS-03 (the commitment number a buyer requires, BT-13).
//!
//! The XML syntax, code lists and the rest of the rule set are checked by the official XSD and Schematron in CI
//! (`.ci/check_facturx.py`).

use mutua_core::Amount;
use rust_decimal::Decimal;

use crate::cii::{CiiInvoice, Identifier, SCHEME_SIRENE, TradeParty, VatCategory, tax_of};
pub use crate::error::{RuleViolation, RuleViolations};

/// Checks `invoice`; `Err` lists every broken rule.
///
/// # Errors
/// [`RuleViolations`] when at least one rule is broken.
pub fn check(invoice: &CiiInvoice) -> Result<(), RuleViolations> {
    let violations = violations(invoice);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(RuleViolations { number: invoice.number.clone(), violations })
    }
}

struct Report(Vec<RuleViolation>);

impl Report {
    fn require(&mut self, ok: bool, rule: &'static str, message: impl FnOnce() -> String) {
        if !ok {
            self.0.push(RuleViolation { rule, message: message() });
        }
    }
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Σ of amounts, or `None` on overflow (reported as a mismatch).
fn sum<I: IntoIterator<Item = Amount>>(amounts: I) -> Option<Amount> {
    Amount::checked_sum(amounts).ok()
}

fn show(amount: Option<Amount>) -> String {
    amount.map_or_else(|| "(overflow)".to_owned(), |amount| amount.to_string())
}

fn is_siret(identifier: Option<&Identifier>) -> bool {
    identifier.is_some_and(|identifier| {
        identifier.scheme == SCHEME_SIRENE
            && identifier.id.len() == 14
            && identifier.id.bytes().all(|byte| byte.is_ascii_digit())
    })
}

fn country_prefixed(vat_id: &str) -> bool {
    let bytes = vat_id.as_bytes();
    bytes.len() > 2 && bytes[..2].iter().all(u8::is_ascii_uppercase)
}

fn check_party(report: &mut Report, party: &TradeParty, role: &str, rules: [&'static str; 3]) {
    let [name_rule, address_rule, country_rule] = rules;
    report.require(!blank(&party.name), name_rule, || format!("the {role} has no name"));
    match &party.address {
        None => report.require(false, address_rule, || format!("the {role} has no postal address")),
        Some(address) => report.require(!blank(&address.country), country_rule, || {
            format!("the {role}'s address has no country code")
        }),
    }
    if let Some(vat_id) = &party.vat_id {
        report.require(country_prefixed(vat_id), "BR-CO-09", || {
            format!("the {role}'s VAT identifier {vat_id:?} does not start with a country code")
        });
    }
}

/// Every rule `invoice` breaks, in the order they are checked (empty when it is valid).
#[must_use]
pub fn violations(invoice: &CiiInvoice) -> Vec<RuleViolation> {
    let mut report = Report(Vec::new());
    header(&mut report, invoice);
    lines(&mut report, invoice);
    totals(&mut report, invoice);
    out_of_scope(&mut report, invoice);
    standard_rate(&mut report, invoice);
    chorus_pro(&mut report, invoice);
    report.0
}

fn header(report: &mut Report, invoice: &CiiInvoice) {
    report.require(!blank(&invoice.guideline), "BR-01", || "no specification identifier (BT-24)".to_owned());
    report.require(!blank(&invoice.number), "BR-02", || "no invoice number (BT-1)".to_owned());
    report.require(
        invoice.currency.len() == 3 && invoice.currency.bytes().all(|byte| byte.is_ascii_uppercase()),
        "BR-05",
        || format!("invoice currency code (BT-5) {:?} is not an ISO 4217 code", invoice.currency),
    );
    check_party(report, &invoice.seller, "seller", ["BR-06", "BR-08", "BR-09"]);
    check_party(report, &invoice.buyer, "buyer", ["BR-07", "BR-10", "BR-11"]);
    report.require(!invoice.lines.is_empty(), "BR-16", || "the invoice has no line".to_owned());
    if let Some(period) = &invoice.period {
        report.require(period.end >= period.start, "BR-29", || {
            format!("invoicing period ends ({}) before it starts ({})", period.end, period.start)
        });
    }
    if let Some(preceding) = &invoice.preceding_invoice {
        report.require(!blank(&preceding.number), "BR-55", || {
            "the preceding invoice reference (BT-25) is empty".to_owned()
        });
    }
    let seller = &invoice.seller;
    report.require(
        seller.global_id.is_some() || seller.legal_id.is_some() || seller.vat_id.is_some(),
        "BR-CO-26",
        || {
            "the seller has no identifier (BT-29), legal registration (BT-30) or VAT identifier (BT-31)"
                .to_owned()
        },
    );
    report.require(!invoice.vat_breakdown.is_empty(), "BR-CO-18", || "no VAT breakdown (BG-23)".to_owned());
    if let Some(means) = &invoice.payment_means {
        report.require(!blank(&means.type_code), "BR-49", || {
            "payment means without a type code (BT-81)".to_owned()
        });
        report.require(
            !matches!(means.type_code.as_str(), "30" | "58") || !blank(&means.iban),
            "BR-61",
            || "credit transfer without a payment account identifier (BT-84)".to_owned(),
        );
    }
    report.require(
        !invoice.totals.due_payable.is_positive()
            || invoice.payment_terms.as_deref().is_some_and(|t| !blank(t))
            || invoice.due_date.is_some(),
        "BR-CO-25",
        || {
            format!(
                "amount due {} but no payment terms (BT-20) or due date (BT-9)",
                invoice.totals.due_payable
            )
        },
    );
}

fn lines(report: &mut Report, invoice: &CiiInvoice) {
    for line in &invoice.lines {
        let id = &line.id;
        report.require(!blank(id), "BR-21", || "a line has no identifier (BT-126)".to_owned());
        report.require(!blank(&line.unit_code), "BR-23", || {
            format!("line {id} has no unit of measure (BT-130)")
        });
        report.require(!blank(&line.name), "BR-25", || format!("line {id} has no item name (BT-153)"));
        report.require(!line.net_price.is_sign_negative() || line.net_price.is_zero(), "BR-27", || {
            format!("line {id}: item net price (BT-146) {} is negative", line.net_price)
        });
    }
}

fn totals(report: &mut Report, invoice: &CiiInvoice) {
    let totals = &invoice.totals;
    let line_sum = sum(invoice.lines.iter().map(|line| line.net_amount));
    report.require(line_sum == Some(totals.line_total), "BR-CO-10", || {
        format!(
            "sum of line net amounts (BT-131) {} ≠ total net (BT-106) {}",
            show(line_sum),
            totals.line_total
        )
    });
    report.require(totals.tax_basis_total == totals.line_total, "BR-CO-13", || {
        format!(
            "invoice total without VAT (BT-109) {} ≠ sum of line net amounts (BT-106) {} (no allowances or charges)",
            totals.tax_basis_total, totals.line_total
        )
    });
    let tax_sum = sum(invoice.vat_breakdown.iter().map(|group| group.tax));
    report.require(tax_sum == Some(totals.tax_total), "BR-CO-14", || {
        format!(
            "invoice total VAT (BT-110) {} ≠ sum of VAT category tax amounts (BT-117) {}",
            totals.tax_total,
            show(tax_sum)
        )
    });
    let with_vat = totals.tax_basis_total.checked_add(totals.tax_total).ok();
    report.require(with_vat == Some(totals.grand_total), "BR-CO-15", || {
        format!(
            "invoice total with VAT (BT-112) {} ≠ total without VAT (BT-109) {} + total VAT (BT-110) {}",
            totals.grand_total, totals.tax_basis_total, totals.tax_total
        )
    });
    report.require(totals.due_payable == totals.grand_total, "BR-CO-16", || {
        format!(
            "amount due for payment (BT-115) {} ≠ invoice total with VAT (BT-112) {} (nothing prepaid or rounded)",
            totals.due_payable, totals.grand_total
        )
    });
    for group in &invoice.vat_breakdown {
        if let Some(rate) = group.rate {
            let expected = tax_of(group.basis, rate);
            report.require(group.tax == expected, "BR-CO-17", || {
                format!(
                    "VAT category {} at {rate} %: tax amount (BT-117) {} ≠ {} × {rate} / 100 rounded = {expected}",
                    group.category.code(),
                    group.tax,
                    group.basis
                )
            });
        }
    }
}

fn lines_in(invoice: &CiiInvoice, category: VatCategory, rate: Option<Decimal>) -> Option<Amount> {
    sum(invoice
        .lines
        .iter()
        .filter(|line| line.vat_category == category && (rate.is_none() || line.vat_rate == rate))
        .map(|line| line.net_amount))
}

fn out_of_scope(report: &mut Report, invoice: &CiiInvoice) {
    let o_lines = invoice.lines.iter().filter(|line| line.vat_category == VatCategory::OutOfScope).count();
    let o_groups: Vec<_> =
        invoice.vat_breakdown.iter().filter(|group| group.category == VatCategory::OutOfScope).collect();
    if o_lines > 0 {
        report.require(o_groups.len() == 1, "BR-O-01", || {
            format!(
                "{o_lines} line(s) of category O but {} VAT breakdown(s) of category O, not 1",
                o_groups.len()
            )
        });
        let vat_ids = [("seller", &invoice.seller.vat_id), ("buyer", &invoice.buyer.vat_id)];
        for (role, vat_id) in vat_ids {
            if let Some(vat_id) = vat_id {
                report.require(false, "BR-O-02", || {
                    format!("an invoice with category O lines carries the {role}'s VAT identifier {vat_id}")
                });
            }
        }
        for line in invoice.lines.iter().filter(|line| line.vat_category == VatCategory::OutOfScope) {
            if let Some(rate) = line.vat_rate {
                report.require(false, "BR-O-05", || {
                    format!("line {} of category O has a VAT rate {rate} %", line.id)
                });
            }
        }
    }
    if o_groups.is_empty() {
        return;
    }
    let basis = lines_in(invoice, VatCategory::OutOfScope, None);
    for group in &o_groups {
        report.require(Some(group.basis) == basis, "BR-O-08", || {
            format!(
                "category O taxable amount (BT-116) {} ≠ sum of its line net amounts {}",
                group.basis,
                show(basis)
            )
        });
        report.require(group.tax.is_zero(), "BR-O-09", || {
            format!("category O tax amount (BT-117) is {}, not 0", group.tax)
        });
        let reason = group.exemption_reason.as_deref().is_some_and(|text| !blank(text))
            || group.exemption_reason_code.as_deref().is_some_and(|code| !blank(code));
        report.require(reason, "BR-O-10", || {
            "category O VAT breakdown has no exemption reason (BT-120) or code (BT-121)".to_owned()
        });
    }
    let others = invoice.vat_breakdown.len() - o_groups.len();
    report.require(others == 0, "BR-O-11", || {
        format!("a category O VAT breakdown beside {others} breakdown(s) of other categories")
    });
    let other_lines = invoice.lines.len() - o_lines;
    report.require(other_lines == 0, "BR-O-12", || {
        format!("a category O VAT breakdown beside {other_lines} line(s) of other categories")
    });
}

fn standard_rate(report: &mut Report, invoice: &CiiInvoice) {
    let s_lines: Vec<_> =
        invoice.lines.iter().filter(|line| line.vat_category == VatCategory::StandardRate).collect();
    if !s_lines.is_empty() {
        let groups =
            invoice.vat_breakdown.iter().filter(|group| group.category == VatCategory::StandardRate).count();
        report.require(groups > 0, "BR-S-01", || {
            "lines of category S but no VAT breakdown of category S".to_owned()
        });
        report.require(invoice.seller.vat_id.is_some(), "BR-S-02", || {
            "lines of category S but no seller VAT identifier (BT-31)".to_owned()
        });
        for line in &s_lines {
            report.require(line.vat_rate.is_some_and(|rate| rate > Decimal::ZERO), "BR-S-05", || {
                format!("line {} of category S has no VAT rate above 0 (BT-152)", line.id)
            });
        }
    }
    for group in invoice.vat_breakdown.iter().filter(|group| group.category == VatCategory::StandardRate) {
        let rate = group.rate.map_or_else(|| "?".to_owned(), |rate| rate.to_string());
        let basis = lines_in(invoice, VatCategory::StandardRate, group.rate);
        report.require(group.rate.is_some() && Some(group.basis) == basis, "BR-S-08", || {
            format!(
                "category S at {rate} %: taxable amount (BT-116) {} ≠ sum of its line net amounts {}",
                group.basis,
                show(basis)
            )
        });
        let expected = group.rate.map(|rate| tax_of(group.basis, rate));
        report.require(expected == Some(group.tax), "BR-S-09", || {
            format!("category S at {rate} %: tax amount (BT-117) {} ≠ {}", group.tax, show(expected))
        });
        report.require(
            group.exemption_reason.is_none() && group.exemption_reason_code.is_none(),
            "BR-S-10",
            || format!("category S at {rate} % has a VAT exemption reason"),
        );
    }
}

fn chorus_pro(report: &mut Report, invoice: &CiiInvoice) {
    report.require(is_siret(invoice.seller.legal_id.as_ref()), "CHORUS-01", || {
        "the seller's SIRET (BT-30, scheme 0002) is missing or not 14 digits".to_owned()
    });
    report.require(is_siret(invoice.buyer.legal_id.as_ref()), "CHORUS-02", || {
        "the buyer's SIRET (BT-47, scheme 0002) is missing or not 14 digits".to_owned()
    });
    report.require(!invoice.commitment_required || invoice.order_reference.is_some(), "CHORUS-03", || {
        "the buyer requires a commitment number (BT-13) and none is known".to_owned()
    });
}
