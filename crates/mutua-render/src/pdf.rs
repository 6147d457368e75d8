//! The PDF encoder: turns laid-out pages into a PDF/A-3B-shaped file with pdf-writer.
//!
//! Encoding starts by collecting the glyphs each face prints on every page ([`GlyphUsage`]) and getting the
//! document's font subsets from the [`FontSet`] (cached by glyph set); the text is then written with the CIDs of
//! those subsets. Object numbers: catalog, page tree, Info, XMP, ICC profile, the pages with their content
//! streams, the attachments, then five objects per face the document prints in (regular first). The trailer
//! `/ID` is SHA-256 of every object written, fonts included.
#![allow(clippy::float_arithmetic)] // geometry in f32 points; no money passes through here.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDateTime, Timelike};
use pdf_writer::types::{AssociationKind, OutputIntentSubtype};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use super::compress::deflate_per_document;
use super::content::ContentWriter;
use super::font::{DocumentFonts, FontSet, FontStyle, GlyphUsage, OBJECTS_PER_FONT};
use super::layout::{CAP_HEIGHT_EM, PAGE_HEIGHT, PAGE_WIDTH, PageLayout, Watermark};
use super::settings::pdf_settings;
use super::view::DocumentMetadata;
use super::xmp::{self, CREATOR, MetadataText, PRODUCER};
use super::{AfRelationship, Attachment, RenderError, RenderOptions, icc};

/// The one place where layout's top-down y becomes PDF's bottom-up y.
fn pdf_y(top_down: f32) -> f32 {
    PAGE_HEIGHT - top_down
}

/// The resource name of a font in every page's `/Font` dictionary.
fn font_resource(style: FontStyle) -> &'static [u8] {
    match style {
        FontStyle::Regular => b"F1",
        FontStyle::Bold => b"F2",
    }
}

/// Everything [`encode`] can refuse, checked before anything is written: the attachments and XMP extensions, the
/// dates, and the glyphs of every laid-out text (the glyph usage the font subsets are cut from). After it, only
/// an internal error of font subsetting can fail an encoding.
pub(crate) fn prepare(
    metadata: &DocumentMetadata,
    pages: &[PageLayout],
    fonts: &FontSet,
    options: &RenderOptions,
) -> Result<(MetadataText, Date, GlyphUsage), RenderError> {
    validate_attachments(&options.attachments)?;
    xmp::validate_extensions(&options.xmp_extensions)?;
    let metadata = MetadataText::new(metadata);
    let date = pdf_date(metadata.date)?;
    let usage = glyph_usage(pages, fonts)?;
    Ok((metadata, date, usage))
}

/// Encodes laid-out `pages` as a PDF with `metadata`.
pub(crate) fn encode(
    metadata: &DocumentMetadata,
    pages: &[PageLayout],
    fonts: &FontSet,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let (metadata, date, usage) = prepare(metadata, pages, fonts, options)?;
    let document_fonts = fonts.document_fonts(&usage)?;

    let mut next = Ref::new(1);
    let catalog_ref = next.bump();
    let page_tree_ref = next.bump();
    let info_ref = next.bump();
    let xmp_ref = next.bump();
    let icc_ref = next.bump();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();
    let mut attachments: Vec<&Attachment> = options.attachments.iter().collect();
    // The name tree must be sorted by key.
    attachments.sort_by(|left, right| left.file_name.as_bytes().cmp(right.file_name.as_bytes()));
    let attachment_refs: Vec<(Ref, Ref)> = attachments.iter().map(|_| (next.bump(), next.bump())).collect();
    let font_refs: Vec<(FontStyle, Ref)> = document_fonts
        .styles()
        .map(|style| {
            let first = next;
            next = Ref::new(first.get() + OBJECTS_PER_FONT);
            (style, first)
        })
        .collect();

    let capacity = 32 * 1024 + 8 * 1024 * pages.len();
    let mut pdf = Pdf::with_settings_and_capacity(pdf_settings(), capacity);
    write_catalog(
        &mut pdf,
        catalog_ref,
        page_tree_ref,
        xmp_ref,
        icc_ref,
        &metadata,
        &attachments,
        &attachment_refs,
    );
    pdf.pages(page_tree_ref).kids(page_refs.iter().map(|&(page, _)| page)).count(page_refs.len() as i32);
    let mut codes = Vec::new();
    for (page, &(page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut page_writer = pdf.page(page_ref);
        page_writer
            .parent(page_tree_ref)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents(content_ref);
        let mut resources = page_writer.resources();
        let mut font_dictionary = resources.fonts();
        for &(style, font_ref) in &font_refs {
            font_dictionary.pair(Name(font_resource(style)), font_ref);
        }
        font_dictionary.finish();
        resources.finish();
        page_writer.finish();
        let content = page_content(page, &document_fonts, &mut codes)?;
        pdf.stream(content_ref, &deflate_per_document(&content)).filter(Filter::FlateDecode);
    }
    write_info(&mut pdf, info_ref, &metadata, date);
    let packet = xmp::packet(&metadata, options.pdfa, &options.xmp_extensions);
    pdf.metadata(xmp_ref, packet.as_bytes());
    pdf.icc_profile(icc_ref, icc::srgb_profile_deflated()).n(3).filter(Filter::FlateDecode);
    for (attachment, &(spec_ref, file_ref)) in attachments.iter().zip(&attachment_refs) {
        write_attachment(&mut pdf, attachment, spec_ref, file_ref)?;
    }
    for &(style, font_ref) in &font_refs {
        document_fonts.write(style, &mut pdf, font_ref);
    }

    let digest = Sha256::digest(pdf.as_bytes());
    let id = digest.get(..16).unwrap_or(&digest).to_vec();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// The glyphs `pages` print, per face. Layout measured every string with the same fonts, so this only fails if a
/// caller built a [`PageLayout`] by hand; it is an error, never a blank.
fn glyph_usage(pages: &[PageLayout], fonts: &FontSet) -> Result<GlyphUsage, RenderError> {
    let mut usage = fonts.glyph_usage();
    let texts = pages.iter().flat_map(|page| {
        let watermark = page.watermark.iter().map(|watermark| (FontStyle::Bold, watermark.text.as_str()));
        watermark.chain(page.texts.iter().map(|run| (run.style, run.text.as_str())))
    });
    for (style, text) in texts {
        usage.add(fonts, style, text).map_err(|character| RenderError::MissingGlyph {
            character,
            context: format!("laid-out text {text:?}"),
        })?;
    }
    Ok(usage)
}

#[allow(clippy::too_many_arguments)] // the catalog links the document's top-level objects.
fn write_catalog(
    pdf: &mut Pdf,
    catalog_ref: Ref,
    page_tree_ref: Ref,
    xmp_ref: Ref,
    icc_ref: Ref,
    metadata: &MetadataText,
    attachments: &[&Attachment],
    attachment_refs: &[(Ref, Ref)],
) {
    let mut catalog = pdf.catalog(catalog_ref);
    catalog.pages(page_tree_ref).metadata(xmp_ref);
    if let Some(language) = &metadata.language {
        catalog.lang(TextStr(language));
    }
    catalog
        .output_intents()
        .push()
        .subtype(OutputIntentSubtype::PDFA)
        .output_condition(TextStr(icc::DESCRIPTION))
        .output_condition_identifier(TextStr(icc::DESCRIPTION))
        .registry_name(TextStr("http://www.color.org"))
        .info(TextStr(icc::DESCRIPTION))
        .dest_output_profile(icc_ref);
    if !attachments.is_empty() {
        let mut names = catalog.names();
        let mut tree = names.embedded_files();
        let mut entries = tree.names();
        for (attachment, &(spec_ref, _)) in attachments.iter().zip(attachment_refs) {
            entries.insert(Str(attachment.file_name.as_bytes()), spec_ref);
        }
        entries.finish();
        tree.finish();
        names.finish();
        catalog.insert(Name(b"AF")).array().items(attachment_refs.iter().map(|&(spec_ref, _)| spec_ref));
    }
}

fn write_info(pdf: &mut Pdf, info_ref: Ref, metadata: &MetadataText, date: Date) {
    let mut info = pdf.document_info(info_ref);
    if let Some(title) = &metadata.title {
        info.title(TextStr(title));
    }
    if let Some(author) = &metadata.author {
        info.author(TextStr(author));
    }
    if let Some(subject) = &metadata.subject {
        info.subject(TextStr(subject));
    }
    if let Some(keywords) = &metadata.keywords {
        info.keywords(TextStr(keywords));
    }
    info.creator(TextStr(CREATOR)).producer(TextStr(PRODUCER)).creation_date(date).modified_date(date);
}

/// A PDF date without time zone (the caller gives local time, and XMP says the same).
fn pdf_date(date: NaiveDateTime) -> Result<Date, RenderError> {
    let year = u16::try_from(date.year()).ok().filter(|year| *year <= 9999).ok_or_else(|| {
        RenderError::InvalidMetadata {
            reason: format!("year {} cannot be written as a PDF date", date.year()),
        }
    })?;
    // Month, day, hour, minute and second of a valid NaiveDateTime all fit in a u8.
    let part = |value: u32| u8::try_from(value).unwrap_or(0);
    Ok(Date::new(year)
        .month(part(date.month()))
        .day(part(date.day()))
        .hour(part(date.hour()))
        .minute(part(date.minute()))
        .second(part(date.second())))
}

fn validate_attachments(attachments: &[Attachment]) -> Result<(), RenderError> {
    let mut names = BTreeSet::new();
    for attachment in attachments {
        let invalid = |reason: String| Err(RenderError::InvalidOption { reason });
        if attachment.file_name.is_empty() || !names.insert(attachment.file_name.as_str()) {
            return invalid(format!("attachment name {:?} is empty or repeated", attachment.file_name));
        }
        let mime_ok = attachment.mime_type.split_once('/').is_some_and(|(kind, sub)| {
            !kind.is_empty()
                && !sub.is_empty()
                && attachment.mime_type.bytes().all(|byte| byte.is_ascii_graphic())
        });
        if !mime_ok {
            return invalid(format!("attachment MIME type {:?} is not type/subtype", attachment.mime_type));
        }
        if i32::try_from(attachment.data.len()).is_err() {
            return invalid(format!("attachment {:?} is larger than 2 GiB", attachment.file_name));
        }
        pdf_date(attachment.modification_date)?;
    }
    Ok(())
}

fn write_attachment(
    pdf: &mut Pdf,
    attachment: &Attachment,
    spec_ref: Ref,
    file_ref: Ref,
) -> Result<(), RenderError> {
    let size = i32::try_from(attachment.data.len()).map_err(|_| RenderError::InvalidOption {
        reason: format!("attachment {:?} is larger than 2 GiB", attachment.file_name),
    })?;
    let date = pdf_date(attachment.modification_date)?;
    let relationship = match attachment.relationship {
        AfRelationship::Source => AssociationKind::Source,
        AfRelationship::Data => AssociationKind::Data,
        AfRelationship::Alternative => AssociationKind::Alternative,
        AfRelationship::Supplement => AssociationKind::Supplement,
        AfRelationship::Unspecified => AssociationKind::Unspecified,
    };
    pdf.file_spec(spec_ref)
        .path(Str(attachment.file_name.as_bytes()))
        .unic_file(TextStr(&attachment.file_name))
        .description(TextStr(&attachment.description))
        .association_kind(relationship)
        .embedded_file_with_unicode(file_ref);
    let compressed = deflate_per_document(&attachment.data);
    let mut file = pdf.embedded_file(file_ref, &compressed);
    // pdf-writer escapes the name itself: `text/xml` is written `/text#2Fxml`.
    file.subtype(Name(attachment.mime_type.as_bytes())).filter(Filter::FlateDecode);
    file.params().size(size).modification_date(date);
    Ok(())
}

/// Encodes `text` into `buffer` as CIDs of the document's font subsets. [`glyph_usage`] has seen every string
/// the pages print, so this cannot fail unless the two disagree; it is an error, never a blank.
fn encode_text(
    fonts: &DocumentFonts<'_>,
    style: FontStyle,
    text: &str,
    buffer: &mut Vec<u8>,
) -> Result<(), RenderError> {
    buffer.clear();
    fonts.encode(style, text, buffer).map_err(|character| RenderError::MissingGlyph {
        character,
        context: format!("laid-out text {text:?}"),
    })
}

/// The content stream of one page: watermark, shaded areas, rules, then text.
fn page_content(
    page: &PageLayout,
    fonts: &DocumentFonts<'_>,
    codes: &mut Vec<u8>,
) -> Result<Vec<u8>, RenderError> {
    let mut content = ContentWriter::with_capacity(16 * 1024);
    if let Some(watermark) = &page.watermark {
        draw_watermark(&mut content, watermark, fonts, codes)?;
    }
    let mut fill = None;
    for rect in &page.rects {
        if fill != Some(rect.color) {
            content.fill_color(rect.color);
            fill = Some(rect.color);
        }
        content.fill_rect(rect.x, pdf_y(rect.top + rect.height), rect.width, rect.height);
    }
    let mut stroke = None;
    for rule in &page.rules {
        if stroke != Some((rule.color, rule.thickness.to_bits())) {
            content.stroke_color(rule.color);
            content.line_width(rule.thickness);
            stroke = Some((rule.color, rule.thickness.to_bits()));
        }
        content.line(rule.x1, pdf_y(rule.y1), rule.x2, pdf_y(rule.y2));
    }
    content.begin_text();
    let mut font = None;
    for run in &page.texts {
        encode_text(fonts, run.style, &run.text, codes)?;
        if font != Some((run.style, run.size.to_bits())) {
            content.font(font_resource(run.style), run.size);
            font = Some((run.style, run.size.to_bits()));
        }
        if fill != Some(run.color) {
            content.fill_color(run.color);
            fill = Some(run.color);
        }
        content.start_line(run.x, pdf_y(run.baseline));
        content.show(codes);
    }
    content.end_text();
    Ok(content.finish())
}

/// The watermark, rotated about its centre, painted first so the content stays on top.
fn draw_watermark(
    content: &mut ContentWriter,
    watermark: &Watermark,
    fonts: &DocumentFonts<'_>,
    codes: &mut Vec<u8>,
) -> Result<(), RenderError> {
    encode_text(fonts, FontStyle::Bold, &watermark.text, codes)?;
    let (sin, cos) = watermark.angle_degrees.to_radians().sin_cos();
    // Start half a width back along the baseline and half a cap height down, so the text's
    // visual centre lands on the requested centre.
    let (along, across) = (-watermark.width / 2.0, -CAP_HEIGHT_EM * watermark.size / 2.0);
    let x = watermark.center_x + along * cos - across * sin;
    let y = pdf_y(watermark.center_y) + along * sin + across * cos;
    content.save_state();
    content.fill_color(watermark.color);
    content.begin_text();
    content.font(font_resource(FontStyle::Bold), watermark.size);
    content.text_matrix([cos, sin, -sin, cos, x, y]);
    content.show(codes);
    content.end_text();
    content.restore_state();
    Ok(())
}
