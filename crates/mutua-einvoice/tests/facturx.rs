//! E-invoicing on the 2026-S1 batch of fixtures/mel: the CII of every invoice, parsed back with quick-xml;
//! credit notes, negative and taxable lines; escaping; determinism; and broken documents refused with the rule
//! they break, before anything is rendered.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use mutua_core::{Amount, Ratio, Semester, ValidatedDataset, VatRegime};
use mutua_documents::{Batch, BatchOptions, Document, DocumentKind, DocumentRef, build_batch};
use mutua_einvoice::cii::{self, CiiOptions, EInvoiceError, PrecedingInvoice, TypeCode, VatCategory};
use mutua_einvoice::en16931::{self, RuleViolations};
use mutua_einvoice::facturx::{OutputFormat, cii_options, cii_xml, render_in_format};
use mutua_render::FontSet;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use rust_decimal::Decimal;

fn dataset() -> &'static ValidatedDataset {
    static DATASET: OnceLock<ValidatedDataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        mutua_dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mel"))
            .unwrap_or_else(|errors| panic!("{errors}"))
    })
}

fn batch() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        let semester: Semester = "2026-S1".parse().unwrap();
        let allocation = mutua_alloc::allocate(dataset(), semester).unwrap();
        let issue_date = NaiveDate::from_ymd_opt(2026, 7, 15).unwrap();
        build_batch(dataset(), &allocation, &BatchOptions { issue_date, series_start: BTreeMap::new() })
            .unwrap()
    })
}

fn fonts() -> &'static FontSet {
    static FONTS: OnceLock<FontSet> = OnceLock::new();
    FONTS.get_or_init(|| FontSet::dejavu().unwrap())
}

fn invoices() -> impl Iterator<Item = &'static Document> {
    batch().documents.iter().filter(|document| document.kind == DocumentKind::Invoice)
}

/// The invoice with the most lines.
fn big_invoice() -> Document {
    invoices().max_by_key(|document| (document.lines.len(), document.number.clone())).unwrap().clone()
}

fn xml_of(document: &Document) -> String {
    String::from_utf8(cii_xml(dataset(), document, &cii_options(document)).unwrap()).unwrap()
}

/// Every text node of an XML document with the path of its element (`rsm:A/ram:B/ram:C`), and every attribute
/// as `path/@name`, unescaped, in document order.
fn parse(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut values: Vec<(String, String)> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(start) => {
                stack.push(start.name().as_ref().to_owned());
                text.clear();
                for attribute in start.attributes() {
                    let attribute = attribute.unwrap();
                    let key = attribute.key.as_ref().to_owned();
                    let value =
                        attribute.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned();
                    values.push((format!("{}/@{key}", stack.join("/")), value));
                }
            }
            Event::Text(content) => text.push_str(&content.xml10_content()),
            Event::GeneralRef(reference) => {
                text.push_str(&quick_xml::escape::unescape(&format!("&{};", &*reference)).unwrap());
            }
            Event::End(_) => {
                if !text.trim().is_empty() {
                    values.push((stack.join("/"), std::mem::take(&mut text)));
                }
                text.clear();
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    values
}

fn values<'a>(parsed: &'a [(String, String)], suffix: &str) -> Vec<&'a str> {
    parsed.iter().filter(|(path, _)| path.ends_with(suffix)).map(|(_, value)| value.as_str()).collect()
}

fn one<'a>(parsed: &'a [(String, String)], suffix: &str) -> &'a str {
    let found = values(parsed, suffix);
    assert_eq!(found.len(), 1, "{suffix}: {found:?}");
    found[0]
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn every_invoice_of_the_batch_is_a_valid_cii_whose_totals_match_the_document() {
    let mut count = 0;
    for document in invoices() {
        let xml = xml_of(document);
        let parsed = parse(&xml);
        assert_eq!(one(&parsed, "rsm:ExchangedDocument/ram:ID"), document.number);
        assert_eq!(one(&parsed, "rsm:ExchangedDocument/ram:TypeCode"), "380");
        assert_eq!(
            one(&parsed, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
            "urn:cen.eu:en16931:2017"
        );
        assert_eq!(one(&parsed, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"), "A1");
        assert_eq!(one(&parsed, "ram:IssueDateTime/udt:DateTimeString"), "20260715");
        assert_eq!(
            one(&parsed, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"),
            "20260101"
        );
        assert_eq!(one(&parsed, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"), "20260630");
        let summation = "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:";
        assert_eq!(one(&parsed, &format!("{summation}LineTotalAmount")), document.total_net.to_string());
        assert_eq!(one(&parsed, &format!("{summation}TaxBasisTotalAmount")), document.total_net.to_string());
        assert_eq!(one(&parsed, &format!("{summation}TaxTotalAmount")), document.total_vat.to_string());
        assert_eq!(one(&parsed, &format!("{summation}GrandTotalAmount")), document.total.to_string());
        assert_eq!(one(&parsed, &format!("{summation}DuePayableAmount")), document.total.to_string());
        // Lines: one per charge, amounts as in lines.csv, quantity × price = amount whenever the basis allows.
        let amounts =
            values(&parsed, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount");
        let quantities = values(&parsed, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity");
        let prices = values(&parsed, "ram:NetPriceProductTradePrice/ram:ChargeAmount");
        assert_eq!(amounts.len(), document.lines.len());
        for (((charge, amount), quantity), price) in
            document.lines.iter().zip(&amounts).zip(&quantities).zip(&prices)
        {
            assert_eq!(*amount, charge.amount.to_string());
            assert_eq!(
                decimal(quantity) * decimal(price),
                decimal(amount),
                "{}: {quantity} × {price}",
                document.number
            );
            assert!(!decimal(price).is_sign_negative(), "BR-27");
        }
        // Parties: names as printed, SIRET as legal organisation (0002), SIREN as global id, country FR.
        let seller = dataset().party(&document.issuer).unwrap();
        let buyer = dataset().party(&document.recipient).unwrap();
        assert_eq!(
            one(&parsed, "ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
            seller.siret.as_str()
        );
        assert_eq!(
            one(&parsed, "ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/@schemeID"),
            "0002"
        );
        assert_eq!(
            one(&parsed, "ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"),
            buyer.siret.as_str()
        );
        assert_eq!(one(&parsed, "ram:BuyerTradeParty/ram:GlobalID"), buyer.siren.as_str());
        assert_eq!(values(&parsed, "ram:CountryID"), ["FR", "FR"]);
        assert_eq!(
            values(&parsed, "ram:BuyerReference"),
            buyer.invoicing.service_code.as_deref().into_iter().collect::<Vec<_>>()
        );
        assert_eq!(
            values(&parsed, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
            buyer.invoicing.commitment_number.as_deref().into_iter().collect::<Vec<_>>()
        );
        // VAT: one breakdown, category O, with the exemption reason and code; no VAT identifier anywhere.
        assert_eq!(
            values(&parsed, "ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"),
            ["O"]
        );
        assert_eq!(one(&parsed, "ram:ExemptionReason"), "TVA non applicable – article 256 B du CGI");
        assert_eq!(one(&parsed, "ram:ExemptionReasonCode"), "VATEX-EU-O");
        assert!(values(&parsed, "ram:SpecifiedTaxRegistration/ram:ID").is_empty());
        assert!(values(&parsed, "ram:RateApplicablePercent").is_empty());
        assert!(
            one(&parsed, "ram:SpecifiedTradePaymentTerms/ram:Description")
                .starts_with("Conditions de paiement")
        );
        count += 1;
    }
    assert!(count > 50, "{count} invoices");
}

#[test]
fn a_line_whose_basis_is_not_exact_is_one_times_the_amount_with_the_basis_in_the_note() {
    let inexact = invoices()
        .flat_map(|document| document.lines.iter().enumerate().map(move |(index, line)| (document, index, line)))
        .find(|(_, _, line)| {
            matches!((line.basis.quantity, line.basis.unit_price), (Some(q), Some(p)) if q * p != line.amount.to_decimal())
        })
        .expect("a pool share or rounded unit cost in the batch");
    let (document, index, line) = inexact;
    let model = cii::build(dataset(), document, &CiiOptions::default()).unwrap();
    let cii_line = &model.lines[index];
    assert_eq!((cii_line.quantity, cii_line.unit_code.as_str()), (Decimal::ONE, "C62"));
    assert_eq!(cii_line.net_price, line.amount.to_decimal());
    assert_eq!(cii_line.note, Some(mutua_documents::present::basis_fr(&line.basis)));
    let exact = invoices()
        .flat_map(|document| {
            document.lines.iter().enumerate().map(move |(index, line)| (document, index, line))
        })
        .find(|(_, _, line)| {
            line.basis.unit == mutua_alloc::trace::Unit::Named("heure".to_owned())
                && line
                    .basis
                    .quantity
                    .zip(line.basis.unit_price)
                    .is_some_and(|(q, p)| q * p == line.amount.to_decimal())
        })
        .expect("hours billed at an exact hourly price");
    let model = cii::build(dataset(), exact.0, &CiiOptions::default()).unwrap();
    let cii_line = &model.lines[exact.1];
    assert_eq!(cii_line.unit_code, "HUR");
    assert_eq!(Some(cii_line.quantity), exact.2.basis.quantity.map(|q| q.normalize()));
}

/// A credit note cancelling `invoice`, as the issue plan builds one: every amount negated (bases unchanged),
/// totals negative.
fn credit_note_of(invoice: &Document) -> Document {
    let mut credit = invoice.clone();
    credit.kind = DocumentKind::CreditNote;
    credit.number = invoice.number.replace("FAC", "AVO");
    for line in &mut credit.lines {
        line.amount = line.amount.negated();
    }
    credit.total_net = invoice.total_net.negated();
    credit.total_vat = invoice.total_vat.negated();
    credit.total = invoice.total.negated();
    credit.corrects = Some(invoice.reference());
    credit
}

#[test]
fn a_credit_note_is_a_381_with_positive_amounts_and_the_corrected_invoice() {
    let invoice = big_invoice();
    let credit = credit_note_of(&invoice);
    let parsed = parse(&xml_of(&credit));
    assert_eq!(one(&parsed, "rsm:ExchangedDocument/ram:TypeCode"), "381");
    assert_eq!(one(&parsed, "ram:DuePayableAmount"), invoice.total.to_string());
    assert_eq!(one(&parsed, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID"), invoice.number);
    assert_eq!(
        one(&parsed, "ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString"),
        "20260715"
    );
    let amounts = values(&parsed, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount");
    let expected: Vec<String> = invoice.lines.iter().map(|line| line.amount.to_string()).collect();
    assert_eq!(amounts, expected);
    // The lines keep the invoice's quantities, units and prices.
    let invoice_parsed = parse(&xml_of(&invoice));
    for path in [
        "ram:BilledQuantity",
        "ram:BilledQuantity/@unitCode",
        "ram:NetPriceProductTradePrice/ram:ChargeAmount",
    ] {
        assert_eq!(values(&parsed, path), values(&invoice_parsed, path), "{path}");
    }
    // BT-20 says how it is settled: the titre of the invoice it cancels is cancelled. A credit note has no due
    // date (BT-9) nor payment means (BG-16).
    assert!(one(&parsed, "ram:SpecifiedTradePaymentTerms/ram:Description").starts_with(&format!(
        "Le titre de recettes de la facture n° {} du 15 juillet 2026",
        invoice.number
    )),);
    assert!(
        values(&parsed, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString").is_empty()
    );
    assert!(values(&parsed, "ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode").is_empty());
    // A regularisation credit note (no corrected invoice) has no BT-25; its amount is paid.
    let mut regularisation = credit.clone();
    regularisation.corrects = None;
    assert!(
        one(&parse(&xml_of(&regularisation)), "ram:SpecifiedTradePaymentTerms/ram:Description")
            .starts_with("Le montant de cet avoir est versé par mandat administratif")
    );
    assert!(
        values(&parse(&xml_of(&regularisation)), "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
            .is_empty()
    );
    // Explicit options work too.
    let preceding = PrecedingInvoice {
        number: "FAC-X".into(),
        issue_date: NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
    };
    let model = cii::build(
        dataset(),
        &regularisation,
        &CiiOptions { preceding_invoice: Some(preceding.clone()), ..CiiOptions::default() },
    )
    .unwrap();
    assert_eq!((model.type_code, model.preceding_invoice), (TypeCode::CreditNote, Some(preceding)));
}

#[test]
fn a_regularisation_credit_line_on_an_invoice_is_negative_with_a_positive_price() {
    let mut invoice = big_invoice();
    let credit_line = {
        let mut line = invoice.lines[0].clone();
        line.amount = Amount::from_cents(-12_345);
        line.basis.quantity = Some(Decimal::ONE);
        line.basis.unit_price = Some(Decimal::new(-12_345, 2));
        line
    };
    invoice.lines.push(credit_line);
    invoice.total_net = invoice.total_net.checked_add(Amount::from_cents(-12_345)).unwrap();
    invoice.total = invoice.total_net;
    let model = en16931_checked(&invoice);
    let last = model.lines.last().unwrap();
    assert_eq!(last.net_amount, Amount::from_cents(-12_345));
    assert_eq!((last.quantity, last.net_price), (Decimal::NEGATIVE_ONE, Decimal::new(12_345, 2)));
}

fn en16931_checked(document: &Document) -> cii::CiiInvoice {
    let model = cii::build(dataset(), document, &cii_options(document)).unwrap();
    en16931::check(&model).unwrap_or_else(|violations| panic!("{violations}"));
    model
}

/// `document` with every line taxable at `rate` %, and its VAT recomputed as the batch does.
fn taxable(document: &Document, rate: i64) -> Document {
    let mut taxed = document.clone();
    for line in &mut taxed.lines {
        line.vat = VatRegime::Taxable { rate_percent: Ratio::new(Decimal::new(rate, 0)) };
    }
    taxed.total_vat = cii::tax_of(taxed.total_net, Decimal::new(rate, 0));
    taxed.total = taxed.total_net.checked_add(taxed.total_vat).unwrap();
    taxed
}

#[test]
fn taxable_lines_are_category_s_with_the_seller_vat_number_and_exact_tax() {
    let invoice = taxable(&big_invoice(), 20);
    let model = en16931_checked(&invoice);
    assert_eq!(model.vat_breakdown.len(), 1);
    let group = &model.vat_breakdown[0];
    assert_eq!(
        (group.category, group.rate, group.exemption_reason.as_deref()),
        (VatCategory::StandardRate, Some(Decimal::new(20, 0)), None)
    );
    assert_eq!(group.tax, invoice.total_vat);
    assert!(
        model.seller.vat_id.as_deref().is_some_and(|id| id.starts_with("FR")
            && id.ends_with(dataset().party(&invoice.issuer).unwrap().siren.as_str()))
    );
    assert_eq!(model.buyer.vat_id, None);
    let parsed = parse(&String::from_utf8(cii::to_xml(&model).unwrap()).unwrap());
    assert_eq!(values(&parsed, "ram:RateApplicablePercent").len(), invoice.lines.len() + 1);
    assert_eq!(one(&parsed, "ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/@schemeID"), "VA");
    assert_eq!(one(&parsed, "ram:TaxTotalAmount/@currencyID"), "EUR");
    // A credit note of a taxable invoice: VAT negated to the cent.
    let credit = en16931_checked(&credit_note_of(&invoice));
    assert_eq!(credit.totals.tax_total, invoice.total_vat);
}

fn refused(document: &Document) -> RuleViolations {
    match render_in_format(dataset(), document, fonts(), OutputFormat::FacturX, false) {
        Err(EInvoiceError::Rules(violations)) => violations,
        other => panic!("{} was not refused: {other:?}", document.number),
    }
}

#[test]
fn a_wrong_total_is_refused_naming_br_co_10_and_nothing_is_rendered() {
    let mut invoice = big_invoice();
    invoice.total_net = invoice.total_net.checked_add(Amount::from_cents(1)).unwrap();
    invoice.total = invoice.total.checked_add(Amount::from_cents(1)).unwrap();
    let violations = refused(&invoice);
    assert!(violations.breaks("BR-CO-10"), "{violations}");
    let message = violations.to_string();
    let sum = invoice.lines.iter().try_fold(Amount::ZERO, |sum, line| sum.checked_add(line.amount)).unwrap();
    assert!(
        message.contains(&format!(
            "BR-CO-10: sum of line net amounts (BT-131) {sum} ≠ total net (BT-106) {}",
            invoice.total_net
        )),
        "{message}"
    );
    assert!(message.starts_with(&format!("document {} ", invoice.number)), "{message}");
    // --format cii refuses it as well; plain PDF does not check.
    assert!(matches!(
        render_in_format(dataset(), &invoice, fonts(), OutputFormat::Cii, false),
        Err(EInvoiceError::Rules(_))
    ));
    assert!(render_in_format(dataset(), &invoice, fonts(), OutputFormat::Pdf, false).is_ok());
    // A VAT total that does not match the lines.
    let mut invoice = big_invoice();
    invoice.total_vat = Amount::from_cents(100);
    invoice.total = invoice.total.checked_add(invoice.total_vat).unwrap();
    assert!(refused(&invoice).breaks("BR-CO-14"));
}

#[test]
fn a_missing_buyer_siret_and_a_vat_identifier_on_category_o_are_refused() {
    let invoice = big_invoice();
    let mut model = cii::build(dataset(), &invoice, &CiiOptions::default()).unwrap();
    assert_eq!(en16931::check(&model), Ok(()));
    model.buyer.legal_id = None;
    let violations = en16931::check(&model).unwrap_err();
    assert_eq!(violations.violations.len(), 1, "{violations}");
    assert_eq!(
        violations.violations[0].to_string(),
        "CHORUS-02: the buyer's SIRET (BT-47, scheme 0002) is missing or not 14 digits"
    );

    let mut model = cii::build(dataset(), &invoice, &CiiOptions::default()).unwrap();
    model.seller.vat_id = Some("FR62200093201".into());
    let violations = en16931::check(&model).unwrap_err();
    assert!(violations.breaks("BR-O-02"), "{violations}");
    assert!(violations.to_string().contains(
        "BR-O-02: an invoice with category O lines carries the seller's VAT identifier FR62200093201"
    ));

    let mut model = cii::build(dataset(), &invoice, &CiiOptions::default()).unwrap();
    model.seller.name.clear();
    model.lines[0].net_price = Decimal::NEGATIVE_ONE;
    model.payment_terms = None;
    model.due_date = None;
    model.commitment_required = true;
    model.order_reference = None;
    let violations = en16931::check(&model).unwrap_err();
    for rule in ["BR-06", "BR-27", "BR-CO-25", "CHORUS-03"] {
        assert!(violations.breaks(rule), "{rule}: {violations}");
    }
}

#[test]
fn mixing_taxable_and_out_of_scope_lines_is_refused_naming_br_o_11() {
    let mut invoice = big_invoice();
    let taxed = taxable(&invoice, 20);
    invoice.lines[0] = taxed.lines[0].clone();
    invoice.total_vat = cii::tax_of(invoice.lines[0].amount, Decimal::new(20, 0));
    invoice.total = invoice.total_net.checked_add(invoice.total_vat).unwrap();
    let violations = refused(&invoice);
    for rule in ["BR-O-02", "BR-O-11", "BR-O-12"] {
        assert!(violations.breaks(rule), "{rule}: {violations}");
    }
    // A taxable regime at 0 % is not a standard rate.
    assert!(refused(&taxable(&big_invoice(), 0)).breaks("BR-S-05"));
}

#[test]
fn text_is_escaped_and_reads_back_unchanged() {
    let mut invoice = big_invoice();
    let label = "Entretien & maintenance <lot 2> \"urgent\" d'été";
    invoice.lines[0].label = label.into();
    invoice.lines[0].basis.kind =
        mutua_alloc::trace::BasisKind::Issued { description: "a < b && c > d".into() };
    invoice.lines[0].basis.presence = None;
    invoice.lines[0].basis.revision = None;
    invoice.lines[0].basis.bounds.clear();
    let xml = xml_of(&invoice);
    assert!(
        xml.contains("<ram:Name>Entretien &amp; maintenance &lt;lot 2&gt; \"urgent\" d'été</ram:Name>"),
        "{xml}"
    );
    assert!(xml.contains("<ram:Content>a &lt; b &amp;&amp; c &gt; d</ram:Content>"));
    let parsed = parse(&xml);
    assert_eq!(values(&parsed, "ram:SpecifiedTradeProduct/ram:Name")[0], label);
    assert_eq!(values(&parsed, "ram:IncludedNote/ram:Content")[0], "a < b && c > d");
    // Control characters cannot be written in XML 1.0: they become spaces.
    invoice.lines[0].label = "Ligne\u{1}un".into();
    assert_eq!(values(&parse(&xml_of(&invoice)), "ram:SpecifiedTradeProduct/ram:Name")[0], "Ligne un");
}

#[test]
fn the_xml_starts_with_the_declaration_and_the_four_namespaces() {
    let xml = xml_of(&big_invoice());
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rsm:CrossIndustryInvoice \
         xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" \
         xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" \
         xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" \
         xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\"><rsm:ExchangedDocumentContext>"
    ), "{}", &xml[..400]);
    assert!(xml.ends_with("</rsm:CrossIndustryInvoice>\n"));
    assert!(xml.contains(
        "<ram:ApplicableHeaderTradeDelivery><ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime>\
         <udt:DateTimeString format=\"102\">20260630</udt:DateTimeString></ram:OccurrenceDateTime>\
         </ram:ActualDeliverySupplyChainEvent></ram:ApplicableHeaderTradeDelivery>"
    ));
}

#[test]
fn output_is_deterministic_and_the_embedded_xml_is_the_standalone_one() {
    let invoice = big_invoice();
    let first = render_in_format(dataset(), &invoice, fonts(), OutputFormat::FacturX, false).unwrap();
    let second = render_in_format(dataset(), &invoice, fonts(), OutputFormat::FacturX, false).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.format, OutputFormat::FacturX);
    assert_eq!(first.xml, None);
    let cii = render_in_format(dataset(), &invoice, fonts(), OutputFormat::Cii, false).unwrap();
    assert_eq!(cii.format, OutputFormat::Cii);
    let xml = cii.xml.unwrap();
    assert_eq!(xml, cii_xml(dataset(), &invoice, &cii_options(&invoice)).unwrap());
    assert_eq!(
        cii.pdf,
        render_in_format(dataset(), &invoice, fonts(), OutputFormat::Pdf, false).unwrap().pdf
    );
    // The Factur-X PDF carries the file name, the relationship and the fx: XMP (uncompressed, as PDF/A requires).
    let pdf = String::from_utf8_lossy(&first.pdf);
    for needle in [
        "/AFRelationship/Alternative",
        "(factur-x.xml)",
        "/Subtype/text#2Fxml",
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<fx:DocumentType>INVOICE</fx:DocumentType>",
        "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
        "<fx:Version>1.0</fx:Version>",
        "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
    ] {
        assert!(pdf.contains(needle), "{needle}");
    }
    assert!(!String::from_utf8_lossy(&cii.pdf).contains("factur-x.xml"));
}

#[test]
fn payment_notices_statements_and_drafts_stay_plain_pdf() {
    for document in batch()
        .documents
        .iter()
        .filter(|d| !matches!(d.kind, DocumentKind::Invoice | DocumentKind::CreditNote))
        .take(5)
    {
        assert!(matches!(
            cii::build(dataset(), document, &CiiOptions::default()),
            Err(EInvoiceError::NotAnInvoice { .. })
        ));
        let rendered = render_in_format(dataset(), document, fonts(), OutputFormat::FacturX, false).unwrap();
        assert_eq!((rendered.format, rendered.xml), (OutputFormat::Pdf, None));
    }
    let draft = render_in_format(dataset(), &big_invoice(), fonts(), OutputFormat::FacturX, true).unwrap();
    assert_eq!(draft.format, OutputFormat::Pdf);
    assert!(!String::from_utf8_lossy(&draft.pdf).contains("factur-x.xml"));
}

#[test]
fn the_corrected_invoice_of_a_credit_note_comes_from_the_document() {
    let invoice = big_invoice();
    let credit = credit_note_of(&invoice);
    let options = cii_options(&credit);
    assert_eq!(
        options.preceding_invoice,
        Some(PrecedingInvoice { number: invoice.number.clone(), issue_date: invoice.issue_date })
    );
    let reference: DocumentRef = invoice.reference();
    assert_eq!(reference.number, invoice.number);
    assert_eq!(cii_options(&invoice).preceding_invoice, None);
}

/// A share of a pool is 1 × amount even when its percentage × the pool per percent is exact (Lille's carrières
/// invoice to the MEL: 40 % of 190 000,00 €, not 40 × 1 900,00 €), its note the share in words.
#[test]
fn a_share_of_a_pool_is_one_times_the_amount_never_a_percentage_at_a_price() {
    let (document, index, line) = invoices()
        .flat_map(|document| {
            document.lines.iter().enumerate().map(move |(index, line)| (document, index, line))
        })
        .find(|(_, _, line)| {
            matches!(line.basis.kind, mutua_alloc::trace::BasisKind::PoolShare { .. })
                && line
                    .basis
                    .quantity
                    .zip(line.basis.unit_price)
                    .is_some_and(|(q, p)| q * p == line.amount.to_decimal())
        })
        .expect("a fixed-percentage share whose percentage × price is exact");
    let model = cii::build(dataset(), document, &CiiOptions::default()).unwrap();
    let cii_line = &model.lines[index];
    assert_eq!((cii_line.quantity, cii_line.unit_code.as_str()), (Decimal::ONE, "C62"));
    assert_eq!(cii_line.net_price, line.amount.to_decimal());
    let note = cii_line.note.clone().unwrap();
    assert!(
        note.contains("\u{202f}% de ") && note.contains("(pourcentage fixé par la convention)"),
        "{note}"
    );
}

#[test]
fn each_line_carries_the_buyers_account_a_past_years_credit_note_the_773_it_books() {
    // BT-133 is the account the buyer books the line on: its expense on an invoice and on the reduction of it
    // within the year, 773 « Mandats annulés (sur exercices antérieurs) » when the invoice was of an earlier year.
    let invoice = big_invoice();
    let accounts = |document: &Document| {
        values(&parse(&xml_of(document)), "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID")
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let expected = |account: &str| vec![account.to_owned(); invoice.lines.len()];
    assert_eq!(accounts(&invoice), expected("62876"));
    let mut credit = credit_note_of(&invoice);
    assert_eq!(accounts(&credit), expected("62876"));
    credit.issue_date = NaiveDate::from_ymd_opt(2027, 1, 20).unwrap();
    assert_eq!(accounts(&credit), expected("773"));
}

#[test]
fn an_invoice_has_its_due_date_payment_terms_and_the_issuers_account() {
    for invoice in invoices() {
        let parsed = parse(&xml_of(invoice));
        // 30 days from 15 July by default; 45 under the carrières convention of the Ville de Lille.
        let due = if invoice.issuer.as_str() == "59350" { "20260829" } else { "20260814" };
        assert_eq!(
            one(&parsed, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"),
            due
        );
        let terms = one(&parsed, "ram:SpecifiedTradePaymentTerms/ram:Description");
        assert!(terms.starts_with("Conditions de paiement : à régler dans les "), "{terms}");
        assert!(!terms.contains("délai global"), "{terms}");
        assert_eq!(one(&parsed, "ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"), "30");
        let iban = one(&parsed, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID");
        assert!(iban.starts_with("FR76300010006400000059"), "{iban}");
        assert_eq!(one(&parsed, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"), "BDFEFRPPCCT");
    }
}
