//! The XMP metadata packet, written by hand, consistent with the PDF Info dictionary.
//!
//! PDF/A requires each Info entry to have an equal XMP counterpart: Title ↔ `dc:title`,
//! Author ↔ `dc:creator`, Subject ↔ `dc:description`, Keywords ↔ `pdf:Keywords`,
//! Creator ↔ `xmp:CreatorTool`, Producer ↔ `pdf:Producer`, CreationDate ↔ `xmp:CreateDate`,
//! ModDate ↔ `xmp:ModifyDate`. Both are written from the same [`MetadataText`], and an empty
//! value is left out of both. Custom properties ([`XmpExtension`]) come with the PDF/A
//! extension schema that declares them.

use std::fmt::Write as _;

use chrono::NaiveDateTime;

use super::view::DocumentMetadata;
use super::{RenderError, XmpExtension};

/// The Creator entry / `xmp:CreatorTool`.
pub(crate) const CREATOR: &str = "mutua";
/// The Producer entry / `pdf:Producer`.
pub(crate) const PRODUCER: &str = concat!("mutua ", env!("CARGO_PKG_VERSION"), " (pdf-writer 0.15)");

/// The metadata values shared by the Info dictionary and the XMP packet: control characters
/// removed (XML cannot hold them), `None` when empty.
pub(crate) struct MetadataText {
    pub(crate) title: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) keywords: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) date: NaiveDateTime,
}

impl MetadataText {
    pub(crate) fn new(metadata: &DocumentMetadata) -> Self {
        let clean = |text: &str| {
            let text: String = text.chars().filter(|character| !character.is_control()).collect();
            (!text.trim().is_empty()).then_some(text)
        };
        let keywords = metadata.keywords.iter().filter_map(|keyword| clean(keyword)).collect::<Vec<_>>();
        MetadataText {
            title: clean(&metadata.title),
            author: clean(&metadata.author),
            subject: clean(&metadata.subject),
            keywords: (!keywords.is_empty()).then(|| keywords.join(", ")),
            language: clean(&metadata.language),
            date: metadata.creation_date,
        }
    }
}

/// Checks that an XMP name (prefix or property) is a simple ASCII XML name.
pub(crate) fn validate_extensions(extensions: &[XmpExtension]) -> Result<(), RenderError> {
    let is_simple_name = |name: &str| {
        name.chars().next().is_some_and(|first| first.is_ascii_alphabetic())
            && name.chars().all(|character| character.is_ascii_alphanumeric())
    };
    let reserved =
        ["x", "rdf", "dc", "xmp", "pdf", "pdfaid", "pdfaExtension", "pdfaSchema", "pdfaProperty", "xml"];
    for extension in extensions {
        if !is_simple_name(&extension.prefix) || reserved.contains(&extension.prefix.as_str()) {
            return Err(RenderError::InvalidOption {
                reason: format!(
                    "XMP prefix {:?} must be ASCII alphanumeric and not reserved",
                    extension.prefix
                ),
            });
        }
        if extension.namespace_uri.is_empty() {
            return Err(RenderError::InvalidOption {
                reason: format!("XMP prefix {:?} has no namespace", extension.prefix),
            });
        }
        if let Some(property) = extension.properties.iter().find(|property| !is_simple_name(&property.name)) {
            return Err(RenderError::InvalidOption {
                reason: format!("XMP property name {:?} must be ASCII alphanumeric", property.name),
            });
        }
    }
    Ok(())
}

/// The XMP date form of a caller-given local date, without time zone (like the Info entry).
fn xmp_date(date: NaiveDateTime) -> String {
    date.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Escapes text for XML element content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            control if control.is_control() && !matches!(control, '\t' | '\n' | '\r') => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// The complete XMP packet (UTF-8, written uncompressed as required by PDF/A).
pub(crate) fn packet(metadata: &MetadataText, pdfa: bool, extensions: &[XmpExtension]) -> String {
    let mut xml = String::with_capacity(2048);
    xml.push_str("<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    xml.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    xml.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
    xml.push_str(concat!(
        "<rdf:Description rdf:about=\"\"",
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\"",
        " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"",
        " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"",
        " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n",
    ));
    xml.push_str("<dc:format>application/pdf</dc:format>\n");
    if let Some(title) = &metadata.title {
        let _ = writeln!(
            xml,
            "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>",
            escape(title)
        );
    }
    if let Some(author) = &metadata.author {
        let _ =
            writeln!(xml, "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>", escape(author));
    }
    if let Some(subject) = &metadata.subject {
        let _ = writeln!(
            xml,
            "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>",
            escape(subject)
        );
    }
    if let Some(language) = &metadata.language {
        let _ = writeln!(
            xml,
            "<dc:language><rdf:Bag><rdf:li>{}</rdf:li></rdf:Bag></dc:language>",
            escape(language)
        );
    }
    if let Some(keywords) = &metadata.keywords {
        let _ = writeln!(xml, "<pdf:Keywords>{}</pdf:Keywords>", escape(keywords));
    }
    let _ = writeln!(xml, "<pdf:Producer>{}</pdf:Producer>", escape(PRODUCER));
    let _ = writeln!(xml, "<xmp:CreatorTool>{}</xmp:CreatorTool>", escape(CREATOR));
    let date = xmp_date(metadata.date);
    let _ = writeln!(xml, "<xmp:CreateDate>{date}</xmp:CreateDate>");
    let _ = writeln!(xml, "<xmp:ModifyDate>{date}</xmp:ModifyDate>");
    let _ = writeln!(xml, "<xmp:MetadataDate>{date}</xmp:MetadataDate>");
    if pdfa {
        xml.push_str("<pdfaid:part>3</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n");
    }
    xml.push_str("</rdf:Description>\n");
    if !extensions.is_empty() {
        extension_schemas(&mut xml, extensions);
        for extension in extensions {
            let _ = writeln!(
                xml,
                "<rdf:Description rdf:about=\"\" xmlns:{}=\"{}\">",
                extension.prefix,
                escape(&extension.namespace_uri)
            );
            for property in &extension.properties {
                let (prefix, name) = (&extension.prefix, &property.name);
                let _ = writeln!(xml, "<{prefix}:{name}>{}</{prefix}:{name}>", escape(&property.value));
            }
            xml.push_str("</rdf:Description>\n");
        }
    }
    xml.push_str("</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>");
    xml
}

/// The PDF/A extension schema description of custom properties (ISO 19005-1 §6.7.8).
fn extension_schemas(xml: &mut String, extensions: &[XmpExtension]) {
    xml.push_str(concat!(
        "<rdf:Description rdf:about=\"\"",
        " xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\"",
        " xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\"",
        " xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n",
        "<pdfaExtension:schemas><rdf:Bag>\n",
    ));
    for extension in extensions {
        xml.push_str("<rdf:li rdf:parseType=\"Resource\">\n");
        let _ = writeln!(xml, "<pdfaSchema:schema>{}</pdfaSchema:schema>", escape(&extension.schema));
        let _ = writeln!(
            xml,
            "<pdfaSchema:namespaceURI>{}</pdfaSchema:namespaceURI>",
            escape(&extension.namespace_uri)
        );
        let _ = writeln!(xml, "<pdfaSchema:prefix>{}</pdfaSchema:prefix>", extension.prefix);
        xml.push_str("<pdfaSchema:property><rdf:Seq>\n");
        for property in &extension.properties {
            let _ = writeln!(
                xml,
                concat!(
                    "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{}</pdfaProperty:name>",
                    "<pdfaProperty:valueType>Text</pdfaProperty:valueType>",
                    "<pdfaProperty:category>external</pdfaProperty:category>",
                    "<pdfaProperty:description>{}</pdfaProperty:description></rdf:li>",
                ),
                property.name,
                escape(&property.description)
            );
        }
        xml.push_str("</rdf:Seq></pdfaSchema:property>\n</rdf:li>\n");
    }
    xml.push_str("</rdf:Bag></pdfaExtension:schemas>\n</rdf:Description>\n");
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::XmpProperty;

    fn metadata() -> DocumentMetadata {
        DocumentMetadata {
            title: "Facture <FAC> & \"co\"".into(),
            author: "Métropole Européenne de Lille".into(),
            subject: String::new(),
            keywords: vec!["facture".into(), "S1 2026".into()],
            creation_date: NaiveDate::from_ymd_opt(2026, 1, 15)
                .and_then(|date| date.and_hms_opt(9, 30, 5))
                .expect("valid date"),
            language: "fr-FR".into(),
        }
    }

    #[test]
    fn packet_declares_pdfa_only_when_asked_and_escapes_text() {
        let metadata = metadata();
        let text = MetadataText::new(&metadata);
        let with = packet(&text, true, &[]);
        assert!(with.contains("<pdfaid:part>3</pdfaid:part>"));
        assert!(with.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(with.contains("Facture &lt;FAC&gt; &amp; &quot;co&quot;"));
        assert!(with.contains("<rdf:li>Métropole Européenne de Lille</rdf:li>"));
        assert!(with.contains("<xmp:CreateDate>2026-01-15T09:30:05</xmp:CreateDate>"));
        assert!(with.contains("<pdf:Keywords>facture, S1 2026</pdf:Keywords>"));
        assert!(!with.contains("dc:description"), "an empty subject is left out");
        assert!(with.starts_with("<?xpacket begin=\"\u{FEFF}\""));
        assert!(!packet(&text, false, &[]).contains("pdfaid:part"));
    }

    #[test]
    fn extensions_are_declared_and_valued() {
        let metadata = metadata();
        let extension = XmpExtension {
            schema: "Factur-X PDFA Extension Schema".into(),
            namespace_uri: "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#".into(),
            prefix: "fx".into(),
            properties: vec![XmpProperty {
                name: "DocumentFileName".into(),
                value: "factur-x.xml".into(),
                description: "name of the embedded XML invoice file".into(),
            }],
        };
        assert_eq!(validate_extensions(std::slice::from_ref(&extension)), Ok(()));
        let xml = packet(&MetadataText::new(&metadata), true, std::slice::from_ref(&extension));
        assert!(xml.contains("<pdfaSchema:prefix>fx</pdfaSchema:prefix>"));
        assert!(xml.contains("<pdfaProperty:name>DocumentFileName</pdfaProperty:name>"));
        assert!(xml.contains("<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>"));

        let bad = XmpExtension { prefix: "f x".into(), ..extension };
        assert!(matches!(validate_extensions(&[bad]), Err(RenderError::InvalidOption { .. })));
    }
}
