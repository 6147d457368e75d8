//! Machine-readable exports of a batch: `lines.csv` and `carried.csv` (`docs/manifest.md`). The manifest of a run
//! is written by the issuing crate, which knows what was issued, kept and cancelled.

use std::borrow::Cow;

use mutua_alloc::ChargeKind;
use mutua_core::{Dataset, VatRegime};

use crate::accounts::line_accounts;
use crate::document::{Batch, Document};
use crate::error::InvoiceError;
use crate::unit_cost_notice::UnitCostNotice;

/// The characters a spreadsheet takes as the start of a formula (OWASP, CSV injection): `=`, `+`, `-`, `@`,
/// tab and carriage return.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell made safe to open in a spreadsheet (CSV formula injection): a cell whose first character is `=`, `+`,
/// `-`, `@`, a tab (U+0009) or a carriage return (U+000D) gets a leading apostrophe `'`, so that a spreadsheet
/// shows it as text instead of evaluating it (`=SUM(A1)` is written `'=SUM(A1)`), except a plain decimal number
/// (an optional leading `-`, digits, then optionally `.` and digits: `-150.00`, `-0.5`, `-3`), which is kept as
/// is: amounts and quantities are negative on credit notes. Every other cell is kept as is. mutua's dataset
/// loader takes the apostrophe off again when it reads `carried.csv` (`docs/manifest.md`).
#[must_use]
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !is_plain_decimal(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether `text` is an optional `-`, one or more digits, then optionally a `.` and one or more digits.
fn is_plain_decimal(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

/// A CSV writer into memory: RFC 4180 (comma, fields quoted with `"` only when they hold a comma, a quote, a
/// carriage return or a line feed, quotes doubled), each record ended by `\n`, every record as long as the first.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(b',')
        .quote(b'"')
        .double_quote(true)
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(false)
        .from_writer(Vec::new())
}

/// Writes one record, every cell made [`spreadsheet_safe`].
fn write_safe_record<'c>(
    writer: &mut csv::Writer<Vec<u8>>,
    cells: impl IntoIterator<Item = &'c str>,
) -> Result<(), csv::Error> {
    let cells: Vec<Cow<'_, str>> = cells.into_iter().map(spreadsheet_safe).collect();
    writer.write_record(cells.iter().map(|cell| cell.as_bytes()))
}

/// The bytes written, or the error, as an [`InvoiceError::Export`] of `what`.
fn finish(what: &'static str, writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, InvoiceError> {
    writer.into_inner().map_err(|error| InvoiceError::Export { what, message: error.error().to_string() })
}

/// An error of the CSV writer, as an [`InvoiceError::Export`] of `what`.
fn export_error(what: &'static str) -> impl Fn(csv::Error) -> InvoiceError {
    move |error| InvoiceError::Export { what, message: error.to_string() }
}

/// The header of `lines.csv`.
pub const LINES_HEADER: &str = "document_number,document_kind,issuer,recipient,recipient_siren,recipient_insee,\
dispositif,convention,component,line_kind,label,quantity,unit,unit_price,amount,issuer_account,recipient_account,vat";

/// The code of a line kind in `lines.csv` and the ledger: `current`, `regularisation:YEAR`, `cee:DEPOSIT`,
/// `carried:SEMESTER`. (A CEE line's kind of certificates is in its component: `DEPOSIT-classique`,
/// `DEPOSIT-precarite`.)
#[must_use]
pub fn line_kind(kind: &ChargeKind) -> String {
    match kind {
        ChargeKind::Current => "current".to_owned(),
        ChargeKind::Regularisation { year } => format!("regularisation:{year}"),
        ChargeKind::CeeShare { deposit, .. } => format!("cee:{deposit}"),
        ChargeKind::Carried { semester, regularises: None } => format!("carried:{semester}"),
        ChargeKind::Carried { semester, regularises: Some(year) } => {
            format!("carried:{semester}:regularisation:{year}")
        }
    }
}

/// The code of a VAT regime in `lines.csv` and the ledger: `out_of_scope` or `taxable:RATE`.
#[must_use]
pub fn vat_code(vat: &VatRegime) -> String {
    match vat {
        VatRegime::OutOfScope => "out_of_scope".to_owned(),
        VatRegime::Taxable { rate_percent } => format!("taxable:{rate_percent}"),
    }
}

/// `lines.csv`: one row per document line, for import into a finance system. Credit-note lines keep their sign:
/// a negative amount has a negative quantity and a positive unit price ([`crate::signed_quantity`]).
/// `issuer_account` and `recipient_account` are the line's M57 accounts in the issuer's and in the recipient's
/// books ([`line_accounts`]). Every cell is written [`spreadsheet_safe`], quoted per RFC 4180 when it needs it.
///
/// # Errors
///
/// [`InvoiceError::UnknownParty`] for a recipient the dataset does not know; [`InvoiceError::Export`] if the CSV
/// writer fails.
/// The documents may be borrowed or made one at a time (an issuing run makes them from its ledger's records, so
/// that a semester's documents are never all in memory twice).
pub fn lines_csv<D: std::borrow::Borrow<Document>>(
    dataset: &Dataset,
    documents: impl IntoIterator<Item = D>,
) -> Result<Vec<u8>, InvoiceError> {
    const WHAT: &str = "lines.csv";
    let mut writer = csv_writer();
    write_safe_record(&mut writer, LINES_HEADER.split(',')).map_err(export_error(WHAT))?;
    for document in documents {
        let document: &Document = document.borrow();
        let recipient = dataset
            .party(&document.recipient)
            .ok_or_else(|| InvoiceError::UnknownParty(document.recipient.to_string()))?;
        for line in &document.lines {
            let accounts = line_accounts(document, line);
            let cells = [
                document.number.clone(),
                document.kind.as_str().to_owned(),
                document.issuer.to_string(),
                document.recipient.to_string(),
                recipient.siren.to_string(),
                recipient.insee.as_ref().map(ToString::to_string).unwrap_or_default(),
                line.dispositif.to_string(),
                line.convention.to_string(),
                line.component.clone(),
                line_kind(&line.kind),
                crate::present::document_line_label_fr(document, line),
                crate::particulars::signed_quantity(line)
                    .map(|q| q.normalize().to_string())
                    .unwrap_or_default(),
                crate::present::unit_fr(&line.basis.unit).to_owned(),
                line.basis
                    .unit_price
                    .map(|p| mutua_core::Rounding::HalfUp.apply(p, 6).normalize().to_string())
                    .unwrap_or_default(),
                line.amount.to_string(),
                accounts.issuer.account,
                accounts.recipient.account,
                vat_code(&line.vat),
            ];
            write_safe_record(&mut writer, cells.iter().map(String::as_str)).map_err(export_error(WHAT))?;
        }
    }
    finish(WHAT, writer)
}

/// The header of `carried.csv`: the columns of the dataset's `carried.csv` (`docs/data-format.md`).
pub const CARRIED_HEADER: &str = "semester,issuer,debtor,convention,component,label,amount,origin";

/// `carried.csv`: the amounts carried to the next semester, a report in the dataset's `carried.csv` format. The
/// next semester's run takes them from the ledger, where the commit of this run records them; the dataset's own
/// `carried.csv` is for amounts carried before mutua. Every cell is written [`spreadsheet_safe`]; the dataset
/// loader takes the apostrophe off a label again.
///
/// # Errors
///
/// [`InvoiceError::Export`] if the CSV writer fails.
pub fn carried_csv(batch: &Batch) -> Result<Vec<u8>, InvoiceError> {
    const WHAT: &str = "carried.csv";
    let mut writer = csv_writer();
    write_safe_record(&mut writer, CARRIED_HEADER.split(',')).map_err(export_error(WHAT))?;
    for carried in &batch.carried_forward {
        let cells = [
            carried.semester.to_string(),
            carried.issuer.to_string(),
            carried.debtor.to_string(),
            carried.convention.to_string(),
            carried.component.clone(),
            carried.label.clone(),
            carried.amount.to_string(),
            carried.origin.to_string(),
        ];
        write_safe_record(&mut writer, cells.iter().map(String::as_str)).map_err(export_error(WHAT))?;
    }
    finish(WHAT, writer)
}

/// The header of a unit-cost notice's CSV (`notices/YEAR/DISPOSITIF.csv`, `docs/unit-cost.md`).
pub const UNIT_COST_HEADER: &str =
    "dispositif,year,notified_on,compte_administratif,figure,line,value,unit,reason";

/// The figures of a unit-cost notice, one per row: the compte administratif's (`figure` = `accounts`: `staff`,
/// `running_costs`, `depreciation`, `subsidies`, `full_cost`, `units`, `unit_cost`), each update (`update`, with its
/// line, signed amount and reason), and the figures retained for the year (`retained`, the same lines, `units`
/// being the forecast and `unit_cost` the unit cost notified). Amounts in euros with two decimals, units as
/// written; `unit` is `EUR`, the unit label, or `EUR/` and the unit label. Every cell is written
/// [`spreadsheet_safe`].
///
/// # Errors
///
/// [`InvoiceError::Export`] if the CSV writer fails.
pub fn unit_cost_csv(notice: &UnitCostNotice) -> Result<Vec<u8>, InvoiceError> {
    const WHAT: &str = "unit cost notice CSV";
    let mut writer = csv_writer();
    write_safe_record(&mut writer, UNIT_COST_HEADER.split(',')).map_err(export_error(WHAT))?;
    let cost = &notice.cost;
    let labels = notice.unit_labels();
    let unit = labels.join(" / ");
    let per_unit = format!("EUR/{unit}");
    let head = [
        notice.dispositif.to_string(),
        notice.year.to_string(),
        notice.notified_on.to_string(),
        cost.accounts.year.to_string(),
    ];
    let mut record = |figure: &str, line: &str, value: String, unit: &str, reason: &str| {
        let cells: Vec<&str> =
            head.iter().map(String::as_str).chain([figure, line, value.as_str(), unit, reason]).collect();
        write_safe_record(&mut writer, cells).map_err(export_error(WHAT))
    };
    let units = |value: mutua_core::Quantity| value.value().normalize().to_string();
    for line in &cost.lines {
        record("accounts", line.line.as_str(), line.accounts.to_string(), "EUR", "")?;
    }
    record("accounts", "full_cost", cost.accounts.full_cost.to_string(), "EUR", "")?;
    record("accounts", "units", units(cost.accounts.units), &unit, "")?;
    record("accounts", "unit_cost", cost.accounts.unit_cost.value().to_string(), &per_unit, "")?;
    for update in &cost.updates {
        record("update", update.line.as_str(), update.amount.to_string(), "EUR", &update.reason)?;
    }
    for line in &cost.lines {
        record("retained", line.line.as_str(), line.retained.to_string(), "EUR", "")?;
    }
    record("retained", "full_cost", cost.full_cost.to_string(), "EUR", "")?;
    record("retained", "units", units(cost.units), &unit, "")?;
    record("retained", "unit_cost", cost.unit_cost.value().to_string(), &per_unit, "")?;
    finish(WHAT, writer)
}
