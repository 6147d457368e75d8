//! Writes a [`CiiInvoice`] as CII D16B XML with quick-xml, in the element order of the Factur-X EN16931 XSD.
//!
//! The bytes depend on the model only: UTF-8, an XML declaration, two-space indentation, a final newline, text
//! escaped by quick-xml (`&`, `<`, `>` in content; also `"` and `'` in attribute values), amounts with two
//! decimals, quantities and prices normalised (`1387`, `0.6`), dates in format 102 (`20260715`). The model's text
//! has no control characters ([`super::build`] replaces them), which XML 1.0 could not hold.

use std::io;

use chrono::NaiveDate;
use quick_xml::Writer;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{CiiInvoice, CiiLine, PostalAddress, TradeParty, VatBreakdown};

const RSM: &str = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
const QDT: &str = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100";
const RAM: &str = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";
const UDT: &str = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100";

struct Xml {
    writer: Writer<Vec<u8>>,
}

impl Xml {
    fn start(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::Start(BytesStart::new(name)))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    /// `<name attr="value">text</name>`; the attribute is optional.
    fn element(&mut self, name: &str, attribute: Option<(&str, &str)>, text: &str) -> io::Result<()> {
        let mut start = BytesStart::new(name);
        if let Some(attribute) = attribute {
            start.push_attribute(attribute);
        }
        self.writer.write_event(Event::Start(start))?;
        // Text content needs `&`, `<` and `>` escaped; quotes stay readable (`Mairie d'Armentières`).
        self.writer.write_event(Event::Text(BytesText::from_escaped(partial_escape(text))))?;
        self.end(name)
    }

    fn text(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.element(name, None, text)
    }

    fn optional(&mut self, name: &str, text: Option<&str>) -> io::Result<()> {
        match text {
            Some(text) => self.text(name, text),
            None => Ok(()),
        }
    }

    /// `<outer><inner>text</inner></outer>`.
    fn wrapped(&mut self, outer: &str, inner: &str, text: &str) -> io::Result<()> {
        self.start(outer)?;
        self.text(inner, text)?;
        self.end(outer)
    }

    /// A date in format 102 (`YYYYMMDD`) inside `outer`, with the given data type prefix (`udt` or `qdt`).
    fn date(&mut self, outer: &str, string: &str, date: NaiveDate) -> io::Result<()> {
        self.start(outer)?;
        self.element(string, Some(("format", "102")), &date.format("%Y%m%d").to_string())?;
        self.end(outer)
    }
}

/// The CII XML of `invoice`. Writing into memory does not fail in practice; an error is reported, never hidden.
///
/// # Errors
/// An I/O error of the in-memory writer.
pub fn to_xml(invoice: &CiiInvoice) -> io::Result<Vec<u8>> {
    let capacity = 4096 + 1536 * invoice.lines.len();
    let mut xml = Xml { writer: Writer::new(Vec::with_capacity(capacity)) };
    xml.writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut root = BytesStart::new("rsm:CrossIndustryInvoice");
    root.push_attribute(("xmlns:rsm", RSM));
    root.push_attribute(("xmlns:qdt", QDT));
    root.push_attribute(("xmlns:ram", RAM));
    root.push_attribute(("xmlns:udt", UDT));
    xml.writer.write_event(Event::Start(root))?;

    xml.start("rsm:ExchangedDocumentContext")?;
    if let Some(process) = &invoice.business_process {
        xml.wrapped("ram:BusinessProcessSpecifiedDocumentContextParameter", "ram:ID", process)?;
    }
    xml.wrapped("ram:GuidelineSpecifiedDocumentContextParameter", "ram:ID", &invoice.guideline)?;
    xml.end("rsm:ExchangedDocumentContext")?;

    xml.start("rsm:ExchangedDocument")?;
    xml.text("ram:ID", &invoice.number)?;
    xml.text("ram:TypeCode", invoice.type_code.code())?;
    xml.date("ram:IssueDateTime", "udt:DateTimeString", invoice.issue_date)?;
    xml.end("rsm:ExchangedDocument")?;

    xml.start("rsm:SupplyChainTradeTransaction")?;
    for line in &invoice.lines {
        write_line(&mut xml, line)?;
    }
    write_agreement(&mut xml, invoice)?;
    match invoice.delivery_date {
        Some(date) => {
            xml.start("ram:ApplicableHeaderTradeDelivery")?;
            xml.start("ram:ActualDeliverySupplyChainEvent")?;
            xml.date("ram:OccurrenceDateTime", "udt:DateTimeString", date)?;
            xml.end("ram:ActualDeliverySupplyChainEvent")?;
            xml.end("ram:ApplicableHeaderTradeDelivery")?;
        }
        None => xml.writer.write_event(Event::Empty(BytesStart::new("ram:ApplicableHeaderTradeDelivery")))?,
    }
    write_settlement(&mut xml, invoice)?;
    xml.end("rsm:SupplyChainTradeTransaction")?;
    xml.end("rsm:CrossIndustryInvoice")?;
    let mut bytes = xml.writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_line(xml: &mut Xml, line: &CiiLine) -> io::Result<()> {
    xml.start("ram:IncludedSupplyChainTradeLineItem")?;
    xml.start("ram:AssociatedDocumentLineDocument")?;
    xml.text("ram:LineID", &line.id)?;
    if let Some(note) = &line.note {
        xml.wrapped("ram:IncludedNote", "ram:Content", note)?;
    }
    xml.end("ram:AssociatedDocumentLineDocument")?;
    xml.start("ram:SpecifiedTradeProduct")?;
    xml.text("ram:Name", &line.name)?;
    xml.optional("ram:Description", line.description.as_deref())?;
    xml.end("ram:SpecifiedTradeProduct")?;
    xml.start("ram:SpecifiedLineTradeAgreement")?;
    xml.wrapped("ram:NetPriceProductTradePrice", "ram:ChargeAmount", &line.net_price.to_string())?;
    xml.end("ram:SpecifiedLineTradeAgreement")?;
    xml.start("ram:SpecifiedLineTradeDelivery")?;
    xml.element("ram:BilledQuantity", Some(("unitCode", &line.unit_code)), &line.quantity.to_string())?;
    xml.end("ram:SpecifiedLineTradeDelivery")?;
    xml.start("ram:SpecifiedLineTradeSettlement")?;
    xml.start("ram:ApplicableTradeTax")?;
    xml.text("ram:TypeCode", "VAT")?;
    xml.text("ram:CategoryCode", line.vat_category.code())?;
    if let Some(rate) = line.vat_rate {
        xml.text("ram:RateApplicablePercent", &rate.to_string())?;
    }
    xml.end("ram:ApplicableTradeTax")?;
    xml.wrapped(
        "ram:SpecifiedTradeSettlementLineMonetarySummation",
        "ram:LineTotalAmount",
        &line.net_amount.to_string(),
    )?;
    if let Some(account) = &line.buyer_accounting_reference {
        xml.wrapped("ram:ReceivableSpecifiedTradeAccountingAccount", "ram:ID", account)?;
    }
    xml.end("ram:SpecifiedLineTradeSettlement")?;
    xml.end("ram:IncludedSupplyChainTradeLineItem")
}

fn write_party(xml: &mut Xml, element: &str, party: &TradeParty) -> io::Result<()> {
    xml.start(element)?;
    if let Some(global) = &party.global_id {
        xml.element("ram:GlobalID", Some(("schemeID", &global.scheme)), &global.id)?;
    }
    xml.text("ram:Name", &party.name)?;
    if let Some(legal) = &party.legal_id {
        xml.start("ram:SpecifiedLegalOrganization")?;
        xml.element("ram:ID", Some(("schemeID", &legal.scheme)), &legal.id)?;
        xml.optional("ram:TradingBusinessName", party.trading_name.as_deref())?;
        xml.end("ram:SpecifiedLegalOrganization")?;
    }
    if let Some(address) = &party.address {
        write_address(xml, address)?;
    }
    if let Some(vat_id) = &party.vat_id {
        xml.start("ram:SpecifiedTaxRegistration")?;
        xml.element("ram:ID", Some(("schemeID", "VA")), vat_id)?;
        xml.end("ram:SpecifiedTaxRegistration")?;
    }
    xml.end(element)
}

fn write_address(xml: &mut Xml, address: &PostalAddress) -> io::Result<()> {
    xml.start("ram:PostalTradeAddress")?;
    xml.optional("ram:PostcodeCode", address.postcode.as_deref())?;
    xml.optional("ram:LineOne", address.line_one.as_deref())?;
    xml.optional("ram:LineTwo", address.line_two.as_deref())?;
    xml.optional("ram:LineThree", address.line_three.as_deref())?;
    xml.optional("ram:CityName", address.city.as_deref())?;
    xml.text("ram:CountryID", &address.country)?;
    xml.end("ram:PostalTradeAddress")
}

fn write_agreement(xml: &mut Xml, invoice: &CiiInvoice) -> io::Result<()> {
    xml.start("ram:ApplicableHeaderTradeAgreement")?;
    xml.optional("ram:BuyerReference", invoice.buyer_reference.as_deref())?;
    write_party(xml, "ram:SellerTradeParty", &invoice.seller)?;
    write_party(xml, "ram:BuyerTradeParty", &invoice.buyer)?;
    if let Some(order) = &invoice.order_reference {
        xml.wrapped("ram:BuyerOrderReferencedDocument", "ram:IssuerAssignedID", order)?;
    }
    xml.end("ram:ApplicableHeaderTradeAgreement")
}

fn write_tax(xml: &mut Xml, tax: &VatBreakdown) -> io::Result<()> {
    xml.start("ram:ApplicableTradeTax")?;
    xml.text("ram:CalculatedAmount", &tax.tax.to_string())?;
    xml.text("ram:TypeCode", "VAT")?;
    xml.optional("ram:ExemptionReason", tax.exemption_reason.as_deref())?;
    xml.text("ram:BasisAmount", &tax.basis.to_string())?;
    xml.text("ram:CategoryCode", tax.category.code())?;
    xml.optional("ram:ExemptionReasonCode", tax.exemption_reason_code.as_deref())?;
    if let Some(rate) = tax.rate {
        xml.text("ram:RateApplicablePercent", &rate.to_string())?;
    }
    xml.end("ram:ApplicableTradeTax")
}

fn write_settlement(xml: &mut Xml, invoice: &CiiInvoice) -> io::Result<()> {
    xml.start("ram:ApplicableHeaderTradeSettlement")?;
    xml.text("ram:InvoiceCurrencyCode", &invoice.currency)?;
    if let Some(means) = &invoice.payment_means {
        xml.start("ram:SpecifiedTradeSettlementPaymentMeans")?;
        xml.text("ram:TypeCode", &means.type_code)?;
        xml.wrapped("ram:PayeePartyCreditorFinancialAccount", "ram:IBANID", &means.iban)?;
        if let Some(bic) = &means.bic {
            xml.wrapped("ram:PayeeSpecifiedCreditorFinancialInstitution", "ram:BICID", bic)?;
        }
        xml.end("ram:SpecifiedTradeSettlementPaymentMeans")?;
    }
    for tax in &invoice.vat_breakdown {
        write_tax(xml, tax)?;
    }
    if let Some(period) = &invoice.period {
        xml.start("ram:BillingSpecifiedPeriod")?;
        xml.date("ram:StartDateTime", "udt:DateTimeString", period.start)?;
        xml.date("ram:EndDateTime", "udt:DateTimeString", period.end)?;
        xml.end("ram:BillingSpecifiedPeriod")?;
    }
    if invoice.payment_terms.is_some() || invoice.due_date.is_some() {
        xml.start("ram:SpecifiedTradePaymentTerms")?;
        xml.optional("ram:Description", invoice.payment_terms.as_deref())?;
        if let Some(due) = invoice.due_date {
            xml.date("ram:DueDateDateTime", "udt:DateTimeString", due)?;
        }
        xml.end("ram:SpecifiedTradePaymentTerms")?;
    }
    let totals = &invoice.totals;
    xml.start("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    xml.text("ram:LineTotalAmount", &totals.line_total.to_string())?;
    xml.text("ram:TaxBasisTotalAmount", &totals.tax_basis_total.to_string())?;
    xml.element(
        "ram:TaxTotalAmount",
        Some(("currencyID", &invoice.currency)),
        &totals.tax_total.to_string(),
    )?;
    xml.text("ram:GrandTotalAmount", &totals.grand_total.to_string())?;
    xml.text("ram:DuePayableAmount", &totals.due_payable.to_string())?;
    xml.end("ram:SpecifiedTradeSettlementHeaderMonetarySummation")?;
    if let Some(preceding) = &invoice.preceding_invoice {
        xml.start("ram:InvoiceReferencedDocument")?;
        xml.text("ram:IssuerAssignedID", &preceding.number)?;
        xml.date("ram:FormattedIssueDateTime", "qdt:DateTimeString", preceding.issue_date)?;
        xml.end("ram:InvoiceReferencedDocument")?;
    }
    xml.end("ram:ApplicableHeaderTradeSettlement")
}
