//! End-to-end tests of the PDF renderer: determinism, structure, and what poppler and qpdf see.
//!
//! The external tools (`qpdf`, `pdffonts`, `pdftotext`, `pdfinfo`, `pdfdetach`) come from the
//! `poppler-utils` and `qpdf` packages. A missing tool fails the test with a clear message,
//! unless `MUTUA_SKIP_PDF_TOOLS=1` is set. Set `MUTUA_RENDER_OUT=<dir>` to keep the rendered
//! PDFs for inspection.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};
use mutua_render::{
    AfRelationship, AnnexSection, AnnexView, Attachment, DocumentMetadata, DocumentView, FontSet, FontStyle,
    LineView, PartyBlock, RenderError, RenderOptions, TotalView, XmpExtension, XmpProperty, check_pdf,
    layout, render_pdf,
};

static FONTS: LazyLock<FontSet> = LazyLock::new(|| FontSet::dejavu().expect("DejaVu Sans loads"));

/// U+202F NARROW NO-BREAK SPACE, the French thousands separator.
const NNBSP: char = '\u{202f}';

fn date(year: i32, month: u32, day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day).and_then(|date| date.and_hms_opt(9, 30, 0)).expect("valid date")
}

fn euros(text: &str) -> String {
    // "1 234,56" → "1\u{202f}234,56\u{a0}€"
    format!("{}\u{a0}€", text.replace(' ', &NNBSP.to_string()))
}

fn item(description: &str, basis: &str, quantity: &str, unit_price: &str, amount: &str) -> LineView {
    LineView::Item {
        description: description.into(),
        basis: basis.into(),
        quantity: quantity.replace(' ', &NNBSP.to_string()),
        unit_price: euros(unit_price),
        amount: euros(amount),
    }
}

fn sample_invoice() -> DocumentView {
    DocumentView {
        kind_title: "FACTURE".into(),
        number: "FAC-MEL-2026-00001".into(),
        draft_watermark: None,
        issuer: PartyBlock {
            name: "Métropole Européenne de Lille".into(),
            lines: vec![
                "Direction des finances – Service des recettes".into(),
                "2 boulevard des Cités Unies – CS 70043".into(),
                "59040 Lille Cedex".into(),
                "SIRET 200 093 201 00018".into(),
            ],
        },
        recipient: PartyBlock {
            name: "Commune de Wambrechies".into(),
            lines: vec![
                "À l'attention de Madame la Maire".into(),
                "Hôtel de ville, place du Général de Gaulle".into(),
                "59118 Wambrechies".into(),
                "SIRET 215 906 365 00013".into(),
            ],
        },
        meta: vec![
            ("Date d'émission".into(), "15 janvier 2026".into()),
            ("Période d'exécution".into(), "du 1er juillet au 31 décembre 2025 (2e semestre)".into()),
            ("Code service".into(), "FIN-RECETTES".into()),
            ("N° d'engagement".into(), "EJ 2025-000123".into()),
            ("Référence".into(), "Convention de mutualisation n° 2022-045 du 12 mai 2022".into()),
        ],
        lines: vec![
            LineView::Group { title: "Conseil en Énergie Partagé (CEP)".into() },
            item(
                "Conseil en énergie partagé, 2e semestre 2025 : suivi des consommations et bilan annuel",
                "Population municipale 2022 × tarif semestriel",
                "2 087",
                "0,20",
                "417,40",
            ),
            LineView::Subtotal { label: "Sous-total Conseil en Énergie Partagé".into(), amount: euros("417,40") },
            LineView::Group { title: "SIM ADS – instruction des autorisations du droit des sols".into() },
            item(
                "Instruction des demandes d'autorisation d'urbanisme (PC, PA, DP, CU) – œuvre commune",
                "12,4 équivalents permis de construire × coût unitaire 2024",
                "12,4",
                "65,90",
                "817,16",
            ),
            LineView::Subtotal {
                label: "Sous-total SIM ADS".into(),
                amount: euros("817,16"),
            },
        ],
        totals: vec![
            TotalView { label: "Total hors taxes".into(), amount: euros("1 234,56"), emphasis: false },
            TotalView { label: "TVA".into(), amount: "non applicable".into(), emphasis: false },
            TotalView { label: "Net à payer".into(), amount: euros("1 234,56"), emphasis: true },
        ],
        mentions: vec![
            "TVA non applicable – article 256 B du code général des impôts.".into(),
            "Refacturation prévue par la convention « services mutualisés » ; l’état détaillé figure en annexe…"
                .into(),
            "Paiement à réception du titre de recettes, par virement au comptable public de la Métropole \
             Européenne de Lille (IBAN FR76\u{a0}3000\u{a0}1000\u{a0}6400\u{a0}0000\u{a0}0000\u{a0}000, BIC BDFEFRPPCCT), en rappelant le \
             numéro de la facture."
                .into(),
            "Vous disposez d'un délai de deux mois à compter de la réception du titre de recettes pour le \
             contester devant la juridiction compétente (article L1617-5 du code général des collectivités \
             territoriales)."
                .into(),
        ],
        annex: Some(AnnexView {
            title: "Détail du calcul".into(),
            sections: vec![
                AnnexSection {
                    heading: "Conseil en Énergie Partagé (CEP)".into(),
                    lines: vec![
                        format!("Population municipale 2022 (millésime INSEE publié fin 2024) : 2{NNBSP}087 habitants."),
                        "Tarif annuel fixé par la convention : 0,40 € par habitant, facturé par semestre, soit 0,20 €."
                            .into(),
                        format!("Montant : 2{NNBSP}087 × 0,20 € = 417,40 €."),
                    ],
                },
                AnnexSection {
                    heading: "SIM ADS – instruction des autorisations du droit des sols".into(),
                    lines: vec![
                        "Actes instruits au 2e semestre 2025 : 9 permis de construire (coefficient 1,0), 1 permis \
                         d'aménager (1,2), 3 déclarations préalables (0,7), 1 certificat d'urbanisme opérationnel (0,4) \
                         et 2 certificats d'information (0,2), soit 9 + 1,2 + 2,1 + 0,4 + 0,4 = 13,1 équivalents PC ; \
                         après déduction de 0,7 équivalent PC pour un dossier retiré : 12,4."
                            .into(),
                        "Coût unitaire 2024 issu du compte administratif : 65,90 € par équivalent PC.".into(),
                        "Montant : 12,4 × 65,90 € = 817,16 €.".into(),
                    ],
                },
            ],
        }),
        metadata: DocumentMetadata {
            title: "Facture FAC-MEL-2026-00001".into(),
            author: "Métropole Européenne de Lille".into(),
            subject: "Services mutualisés, 2e semestre 2025, Commune de Wambrechies".into(),
            keywords: vec!["facture".into(), "mutualisation".into(), "S2 2025".into()],
            creation_date: date(2026, 1, 15),
            language: "fr-FR".into(),
        },
    }
}

/// A 60-line invoice with a draft watermark.
fn long_invoice() -> DocumentView {
    let mut view = sample_invoice();
    view.number = "PROJET".into();
    view.draft_watermark = Some("PROJET".into());
    view.lines.clear();
    for group in 0..6 {
        view.lines.push(LineView::Group { title: format!("Dispositif n° {}", group + 1) });
        for line in 0..10 {
            let index = group * 10 + line;
            view.lines.push(item(
                &format!(
                    "Prestation n° {} du dispositif {} : impressions et façonnage",
                    index + 1,
                    group + 1
                ),
                "Nombre de pages × prix du catalogue",
                &format!("{}", 1000 + index * 37),
                "0,05",
                "50,00",
            ));
        }
    }
    view
}

fn options() -> RenderOptions {
    RenderOptions { pdfa: true, attachments: vec![], xmp_extensions: vec![] }
}

fn render(view: &DocumentView) -> Vec<u8> {
    render_pdf(view, &FONTS, &options()).expect("renders")
}

/// Runs `tool`, or returns `None` if it is missing and `MUTUA_SKIP_PDF_TOOLS=1`.
#[allow(clippy::disallowed_methods)] // tests may read the environment; the library may not.
fn run_tool(tool: &str, args: &[&str], pdf: &Path) -> Option<std::process::Output> {
    match Command::new(tool).args(args).arg(pdf).output() {
        Ok(output) => Some(output),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("MUTUA_SKIP_PDF_TOOLS").as_deref() == Ok("1") {
                None
            } else {
                panic!(
                    "`{tool}` is not on PATH: install poppler-utils and qpdf \
                     (apt-get install -y poppler-utils qpdf) or set MUTUA_SKIP_PDF_TOOLS=1"
                )
            }
        }
        Err(error) => panic!("cannot run {tool}: {error}"),
    }
}

fn tool_stdout(tool: &str, args: &[&str], pdf: &Path) -> Option<String> {
    let output = run_tool(tool, args, pdf)?;
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A rendered PDF on disk, with the files tools write beside it; removed on drop unless kept.
struct PdfFile {
    path: PathBuf,
    keep: bool,
}

impl std::ops::Deref for PdfFile {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl Drop for PdfFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(self.path.with_extension("txt"));
            if let Some(dir) = self.path.parent() {
                let _ = std::fs::remove_dir(dir); // only succeeds once the last file is gone
            }
        }
    }
}

/// Writes `bytes` to a fresh file: in `MUTUA_RENDER_OUT` (kept) when set, else in a
/// per-process temporary directory (removed).
#[allow(clippy::disallowed_methods)] // tests may read the environment; the library may not.
fn write_pdf(name: &str, bytes: &[u8]) -> PdfFile {
    let (dir, keep) = match std::env::var("MUTUA_RENDER_OUT") {
        Ok(dir) => (PathBuf::from(dir), true),
        Err(_) => (std::env::temp_dir().join(format!("mutua-render-tests-{}", std::process::id())), false),
    };
    std::fs::create_dir_all(&dir).expect("create output directory");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).expect("write pdf");
    PdfFile { path, keep }
}

/// Collapses every kind of whitespace (poppler prints U+202F and U+00A0 as spaces or keeps
/// them) into single spaces.
fn normalise(text: &str) -> String {
    text.split(|character: char| character.is_whitespace() || character == NNBSP || character == '\u{a0}')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

mod determinism {
    use super::*;

    #[test]
    fn same_view_gives_the_same_bytes() {
        for view in [sample_invoice(), long_invoice()] {
            let first = render(&view);
            let second = render(&view);
            assert!(first.starts_with(b"%PDF-1.7"));
            assert!(first.ends_with(b"%%EOF") || first.ends_with(b"%%EOF\n"));
            assert_eq!(first, second);
        }
    }

    #[test]
    fn a_fresh_font_set_gives_the_same_bytes() {
        let other = FontSet::dejavu().expect("fonts");
        assert_eq!(
            render(&sample_invoice()),
            render_pdf(&sample_invoice(), &other, &options()).expect("renders")
        );
    }

    #[test]
    fn document_id_is_a_content_hash() {
        let first = render(&sample_invoice());
        let mut view = sample_invoice();
        view.number = "FAC-MEL-2026-00002".into();
        let second = render(&view);
        let id = |pdf: &[u8]| {
            let start = pdf.windows(4).rposition(|window| window == b"/ID[").expect("trailer has an /ID");
            pdf[start..start + 80].to_vec()
        };
        assert_ne!(id(&first), id(&second));
        // Both halves of the ID are the same hash.
        let text = String::from_utf8_lossy(&id(&first)).into_owned();
        let hexes: Vec<&str> = text.split(['<', '>']).filter(|part| part.len() == 32).collect();
        assert_eq!(hexes.len(), 2, "{text}");
        assert_eq!(hexes[0], hexes[1]);
    }
}

mod structure {
    use super::*;

    #[test]
    fn xmp_is_uncompressed_and_declares_pdfa_3b() {
        let pdf = render(&sample_invoice());
        assert!(find(&pdf, b"<pdfaid:part>3</pdfaid:part>"));
        assert!(find(&pdf, b"<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(find(&pdf, b"<xmp:CreateDate>2026-01-15T09:30:00</xmp:CreateDate>"));
        assert!(find(&pdf, b"/CreationDate(D:20260115093000)"));
        assert!(find(&pdf, b"/S/GTS_PDFA1"));
        assert!(find(&pdf, b"/Lang(fr-FR)"));
        let without = render_pdf(&sample_invoice(), &FONTS, &RenderOptions { pdfa: false, ..options() })
            .expect("renders");
        assert!(!find(&without, b"pdfaid:part"));
    }

    #[test]
    fn fonts_are_type0_identity_h_with_tounicode() {
        let pdf = render(&sample_invoice());
        assert!(find(&pdf, b"/Subtype/Type0"));
        assert!(find(&pdf, b"/Encoding/Identity-H"));
        assert!(find(&pdf, b"/Subtype/CIDFontType2"));
        assert!(find(&pdf, b"/CIDToGIDMap/Identity"));
        assert!(find(&pdf, b"/ToUnicode"));
        assert!(find(&pdf, b"/FontFile2"));
    }

    #[test]
    fn missing_glyphs_are_errors_naming_the_field() {
        for (character, field) in [('漢', "description"), ('😀', "recipient"), ('\u{0301}', "mention")] {
            let mut view = sample_invoice();
            match field {
                "description" => {
                    view.lines.push(item(&format!("Prestation {character}"), "base", "1", "1,00", "1,00"));
                }
                "recipient" => view.recipient.name.push(character),
                _ => view.mentions.push(format!("Mention e{character}")),
            }
            let error = render_pdf(&view, &FONTS, &options()).expect_err("must refuse");
            // The check without rendering refuses the same way.
            let checked = check_pdf(&view, &FONTS, &options()).expect_err("check refuses too");
            assert_eq!(format!("{checked:?}"), format!("{error:?}"));
            let RenderError::MissingGlyph { character: found, context } = &error else {
                panic!("expected MissingGlyph, got {error:?}");
            };
            assert_eq!(*found, character);
            let expected_context = match field {
                "description" => "table row",
                "recipient" => "recipient",
                _ => "mention",
            };
            assert!(context.contains(expected_context), "{context}");
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_refused() {
        let mut view = sample_invoice();
        let huge = vec!["ligne"; 120].join("\n");
        view.lines.push(item(&huge, "base", "1", "1,00", "1,00"));
        let error = render_pdf(&view, &FONTS, &options()).expect_err("must refuse");
        assert!(matches!(error, RenderError::RowTooTall { .. }), "{error:?}");
        let checked = check_pdf(&view, &FONTS, &options()).expect_err("check refuses too");
        assert_eq!(format!("{checked:?}"), format!("{error:?}"));
    }

    #[test]
    fn invalid_attachments_are_refused() {
        let attachment = factur_x_attachment();
        let cases = [
            Attachment { mime_type: "xml".into(), ..attachment.clone() },
            Attachment { file_name: String::new(), ..attachment.clone() },
        ];
        for bad in cases {
            let options = RenderOptions { attachments: vec![bad], ..options() };
            let error = render_pdf(&sample_invoice(), &FONTS, &options).expect_err("must refuse");
            assert!(matches!(error, RenderError::InvalidOption { .. }), "{error:?}");
            let checked = check_pdf(&sample_invoice(), &FONTS, &options).expect_err("check refuses too");
            assert_eq!(format!("{checked:?}"), format!("{error:?}"));
        }
        let twice = RenderOptions { attachments: vec![attachment.clone(), attachment.clone()], ..options() };
        assert!(render_pdf(&sample_invoice(), &FONTS, &twice).is_err());
        assert!(check_pdf(&sample_invoice(), &FONTS, &twice).is_err());
        // What renders, checks.
        let attached = RenderOptions { attachments: vec![attachment], ..options() };
        for options in [options(), attached] {
            assert!(render_pdf(&sample_invoice(), &FONTS, &options).is_ok());
            assert!(check_pdf(&sample_invoice(), &FONTS, &options).is_ok());
        }
    }
}

/// The streams of `pdf` whose dictionary has `key` (e.g. `/Length1` for TrueType programs, `/Type/CMap`),
/// inflated, in file order. pdf-writer writes `<</Length n ...>>` then `stream\n`.
fn streams_with(pdf: &[u8], key: &[u8]) -> Vec<Vec<u8>> {
    let mut streams = Vec::new();
    let mut from = 0;
    while let Some(at) = pdf[from..].windows(key.len()).position(|window| window == key).map(|at| from + at) {
        let dictionary =
            pdf[..at].windows(2).rposition(|window| window == b"<<").expect("inside a dictionary");
        let length_at = dictionary + b"<</Length ".len();
        let digits = pdf[length_at..].iter().take_while(|byte| byte.is_ascii_digit()).count();
        let length: usize = std::str::from_utf8(&pdf[length_at..length_at + digits])
            .ok()
            .and_then(|digits| digits.parse().ok())
            .expect("a /Length");
        let data =
            at + pdf[at..].windows(7).position(|window| window == b"stream\n").expect("the stream") + 7;
        streams
            .push(miniz_oxide::inflate::decompress_to_vec_zlib(&pdf[data..data + length]).expect("deflated"));
        from = data + length;
    }
    streams
}

/// The subset names (`ABCDEF+DejaVuSans`) of the fonts of `pdf`, in file order.
fn base_fonts(pdf: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pdf);
    let names: Vec<String> = text
        .split("/Subtype/Type0/BaseFont/")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
        .collect();
    names
}

/// The distinct characters `view` prints in each face, regular then bold.
fn printed_characters(view: &DocumentView) -> [BTreeSet<char>; 2] {
    let mut printed = [BTreeSet::new(), BTreeSet::new()];
    for page in layout(view, &FONTS).expect("lays out") {
        if let Some(watermark) = &page.watermark {
            printed[1].extend(watermark.text.chars());
        }
        for run in &page.texts {
            printed[usize::from(run.style == FontStyle::Bold)].extend(run.text.chars());
        }
    }
    printed
}

mod subsets {
    use super::*;

    #[test]
    fn embedded_fonts_hold_only_the_glyphs_the_document_prints() {
        for view in [sample_invoice(), long_invoice()] {
            let pdf = render(&view);
            let printed = printed_characters(&view);
            let programs = streams_with(&pdf, b"/Length1");
            assert_eq!(programs.len(), 2, "one program per face");
            for (program, printed) in programs.iter().zip(&printed) {
                let face = ttf_parser::Face::parse(program, 0).expect("the embedded program parses");
                let glyphs = face.number_of_glyphs();
                let printed = u16::try_from(printed.len()).unwrap();
                // .notdef, one glyph per printed character, and the components of accented letters.
                assert!(
                    printed < glyphs && glyphs <= 2 * printed + 1,
                    "{glyphs} glyphs for {printed} characters"
                );
                // The repertoire has some 350 characters in each face.
                assert!(glyphs < 150, "{glyphs}");
                for tag in [b"fpgm", b"prep", b"cvt "] {
                    assert!(face.raw_face().table(ttf_parser::Tag::from_bytes(tag)).is_none(), "no hinting");
                }
            }
            // The /W arrays give one width per printed character, for CIDs 1..=n.
            let text = String::from_utf8_lossy(&pdf);
            let widths: Vec<usize> = text
                .split("/W[1[")
                .skip(1)
                .map(|rest| rest.split(']').next().unwrap().split(' ').count())
                .collect();
            assert_eq!(widths, printed.iter().map(BTreeSet::len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn different_texts_get_different_subsets_and_the_same_text_the_same_bytes() {
        let first = render(&sample_invoice());
        let mut other = sample_invoice();
        other.recipient.name = "Commune de Zuydcoote".into();
        let second = render(&other);
        let [first_names, second_names] = [&first, &second].map(|pdf| base_fonts(pdf));
        assert_eq!(first_names.len(), 2);
        assert!(first_names[0].ends_with("+DejaVuSans") && first_names[1].ends_with("+DejaVuSans-Bold"));
        // The recipient's name is bold: new letters (Z, y, ...) change the bold subset only.
        assert_eq!(first_names[0], second_names[0]);
        assert_ne!(first_names[1], second_names[1]);
        assert_ne!(streams_with(&first, b"/Length1")[1], streams_with(&second, b"/Length1")[1]);
        assert_eq!(streams_with(&first, b"/Length1")[0], streams_with(&second, b"/Length1")[0]);
        // The same view, again, from a font set that has seen other documents since.
        assert_eq!(render(&sample_invoice()), first);
    }

    #[test]
    fn warm_and_cold_caches_and_any_thread_give_the_same_bytes() {
        let mut views = vec![sample_invoice(), long_invoice()];
        for name in ["Commune d'Ennetières-en-Weppes", "Commune de Quesnoy-sur-Deûle", "Commune de Zuydcoote"]
        {
            let mut view = sample_invoice();
            view.recipient.name = name.into();
            view.mentions.push(format!("Destinataire : {name}."));
            views.push(view);
        }
        let render_with = |fonts: &FontSet, view: &DocumentView| render_pdf(view, fonts, &options()).unwrap();
        // Cold: a fresh font set per document.
        let cold: Vec<Vec<u8>> =
            views.iter().map(|view| render_with(&FontSet::dejavu().unwrap(), view)).collect();
        // One font set for all, in reverse order, then again warm: nothing new is cached the second time.
        let shared = FontSet::dejavu().unwrap();
        let mut reversed: Vec<Vec<u8>> = views.iter().rev().map(|view| render_with(&shared, view)).collect();
        reversed.reverse();
        assert_eq!(reversed, cold);
        let cached = shared.cached_subsets();
        assert!(cached >= views.len(), "{cached} subsets for {} documents", views.len());
        let warm: Vec<Vec<u8>> = views.iter().map(|view| render_with(&shared, view)).collect();
        assert_eq!(shared.cached_subsets(), cached, "the second pass is served by the cache");
        assert_eq!(warm, cold);
        // Threads sharing a cold font set, each in its own order.
        let threaded = FontSet::dejavu().unwrap();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|shift| {
                    let (views, threaded, cold) = (&views, &threaded, &cold);
                    scope.spawn(move || {
                        for index in (0..views.len()).map(|index| (index + shift) % views.len()) {
                            assert_eq!(render_with(threaded, &views[index]), cold[index], "document {index}");
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().expect("no thread panics");
            }
        });
        assert_eq!(threaded.cached_subsets(), cached);
    }
}

fn factur_x_attachment() -> Attachment {
    Attachment {
        file_name: "factur-x.xml".into(),
        description: "Factur-X invoice data".into(),
        mime_type: "text/xml".into(),
        relationship: AfRelationship::Data,
        modification_date: date(2026, 1, 15),
        data: b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice/>\n".to_vec(),
    }
}

mod tools {
    use super::*;

    fn check_qpdf(path: &Path) {
        if let Some(output) = run_tool("qpdf", &["--check"], path) {
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "qpdf --check failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.contains("No syntax or stream encoding errors found"), "{stdout}");
        }
    }

    #[test]
    fn qpdf_check_passes() {
        check_qpdf(&write_pdf("sample", &render(&sample_invoice())));
        check_qpdf(&write_pdf("long", &render(&long_invoice())));
    }

    #[test]
    fn fonts_are_embedded_cid_truetype_subsets() {
        let path = write_pdf("fonts", &render(&sample_invoice()));
        let Some(listing) = tool_stdout("pdffonts", &[], &path) else { return };
        let fonts: Vec<&str> = listing.lines().skip(2).filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(fonts.len(), 2, "{listing}");
        for font in fonts {
            assert!(font.contains("CID TrueType"), "{font}");
            assert!(font.contains("Identity-H"), "{font}");
            let flags: Vec<&str> = font.split_whitespace().rev().skip(2).take(3).collect();
            // Columns: name type encoding emb sub uni object ID; reversed: ID, object, uni, sub, emb.
            assert_eq!(flags, ["yes", "yes", "yes"], "uni, sub and emb must be yes: {font}");
        }
    }

    #[test]
    fn text_extracts_with_french_characters() {
        let path = write_pdf("text", &render(&sample_invoice()));
        // Raw mode keeps content-stream order: cell by cell, line by line.
        if tool_stdout("pdftotext", &["-enc", "UTF-8", "-raw"], &path).is_none() {
            return;
        }
        let text = std::fs::read_to_string(path.with_extension("txt")).expect("pdftotext output");
        let text = normalise(&text);
        for expected in [
            "Commune de Wambrechies",
            "FAC-MEL-2026-00001",
            "1 234,56 €",
            "Désignation",
            "Base de liquidation",
            "Prix unitaire",
            "Net à payer",
            "œuvre commune",
            "Conseil en Énergie Partagé (CEP)",
            "convention « services mutualisés » ; l’état détaillé figure en annexe…",
            "TVA non applicable – article 256 B",
            "Détail du calcul",
            "page 1/2",
            "page 2/2",
        ] {
            assert!(text.contains(expected), "{expected:?} not found in:\n{text}");
        }
    }

    #[test]
    fn the_tounicode_cmaps_map_back_to_the_printed_characters() {
        let view = sample_invoice();
        let pdf = render(&view);
        let printed = printed_characters(&view);
        let cmaps = streams_with(&pdf, b"/Type/CMap");
        assert_eq!(cmaps.len(), 2);
        for (cmap, printed) in cmaps.iter().zip(&printed) {
            let cmap = String::from_utf8(cmap.clone()).expect("an ASCII CMap");
            // `<0001> <0020>` lines of the bfchar blocks: CIDs 1..=n, each to its character.
            let mut in_block = false;
            let pairs = cmap.lines().filter(|line| {
                if line.ends_with("beginbfchar") || *line == "endbfchar" {
                    in_block = line.ends_with("beginbfchar");
                    return false;
                }
                in_block
            });
            let mut mapped = BTreeSet::new();
            for (index, line) in pairs.enumerate() {
                assert_eq!(line.len(), 13, "{line}");
                let cid = u16::from_str_radix(&line[1..5], 16).unwrap();
                let character = char::from_u32(u32::from_str_radix(&line[8..12], 16).unwrap()).unwrap();
                assert_eq!(usize::from(cid), index + 1, "{line}");
                mapped.insert(character);
            }
            assert_eq!(&mapped, printed);
        }
        for character in ['é', '€', '«', '»', '\u{202f}', '\u{a0}', '’', '…', 'œ'] {
            assert!(printed[0].contains(&character), "the sample prints {character:?} in regular");
        }
        // poppler reads them back through the CMaps.
        let path = write_pdf("tounicode", &pdf);
        let Some(text) = tool_stdout("pdftotext", &["-enc", "UTF-8", "-raw"], &path) else { return };
        let text = std::fs::read_to_string(path.with_extension("txt")).unwrap_or(text);
        for expected in ["Métropole Européenne", "« services mutualisés »", "œuvre", "l’état", "annexe…"]
        {
            assert!(text.contains(expected), "{expected:?} not in {text}");
        }
        // poppler prints U+202F and U+00A0 as spaces or as themselves, never as another character.
        assert!(text.contains("2 087") || text.contains("2\u{202f}087"), "{text}");
        assert!(text.contains("0,20 €") || text.contains("0,20\u{a0}€"), "{text}");
    }

    #[test]
    fn a_long_draft_passes_qpdf_and_embeds_its_subsets() {
        let path = write_pdf("long-fonts", &render(&long_invoice()));
        check_qpdf(&path);
        let Some(listing) = tool_stdout("pdffonts", &[], &path) else { return };
        let fonts: Vec<&str> = listing.lines().skip(2).filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(fonts.len(), 2, "{listing}");
        for font in fonts {
            let flags: Vec<&str> = font.split_whitespace().rev().skip(2).take(3).collect();
            assert_eq!(flags, ["yes", "yes", "yes"], "uni, sub and emb must be yes: {font}");
        }
    }

    #[test]
    fn a_long_invoice_repeats_the_table_header_on_every_page() {
        let view = long_invoice();
        let pages = layout(&view, &FONTS).expect("lays out").len();
        let path = write_pdf("long-header", &render(&view));
        // The table's pages are all but the annex's; read each one back on its own.
        let mut table_pages = 0;
        for page in 1..=pages {
            let first = page.to_string();
            let Some(text) = tool_stdout("pdftotext", &["-f", &first, "-l", &first, "-enc", "UTF-8"], &path)
            else {
                return;
            };
            let text = normalise(&std::fs::read_to_string(path.with_extension("txt")).unwrap_or(text));
            assert!(text.contains(&format!("page {page}/{pages}")), "page {page}: {text}");
            if text.contains("Prestation n°") {
                table_pages += 1;
                for header in ["Désignation", "Base de liquidation", "Quantité", "Prix unitaire", "Montant"]
                {
                    assert!(text.contains(header), "page {page} lacks the header {header:?}: {text}");
                }
            }
        }
        assert!(table_pages >= 2, "60 lines should take at least two pages of table, got {table_pages}");
    }

    #[test]
    fn pdfinfo_shows_a4_pages_and_metadata() {
        let path = write_pdf("info", &render(&long_invoice()));
        let expected_pages = layout(&long_invoice(), &FONTS).expect("lays out").len();
        assert!(expected_pages >= 3, "60 lines and an annex need at least 3 pages");
        let Some(info) = tool_stdout("pdfinfo", &[], &path) else { return };
        assert!(info.contains(&format!("Pages:           {expected_pages}\n")), "{info}");
        assert!(info.contains("Page size:       595.28 x 841.89 pts (A4)"), "{info}");
        assert!(info.contains("Title:           Facture FAC-MEL-2026-00001"), "{info}");
        assert!(info.contains("Author:          Métropole Européenne de Lille"), "{info}");
        assert!(info.contains("Producer:        mutua "), "{info}");
    }

    #[test]
    fn attachments_are_embedded_as_associated_files() {
        let attachment = factur_x_attachment();
        let options = RenderOptions {
            pdfa: true,
            attachments: vec![attachment.clone()],
            xmp_extensions: vec![XmpExtension {
                schema: "Factur-X PDFA Extension Schema".into(),
                namespace_uri: "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#".into(),
                prefix: "fx".into(),
                properties: vec![XmpProperty {
                    name: "DocumentFileName".into(),
                    value: "factur-x.xml".into(),
                    description: "The name of the embedded XML document".into(),
                }],
            }],
        };
        let pdf = render_pdf(&sample_invoice(), &FONTS, &options).expect("renders");
        assert!(find(&pdf, b"/AFRelationship/Data"));
        assert!(find(&pdf, b"/Subtype/text#2Fxml"));
        assert!(find(&pdf, b"/AF["));
        assert!(find(&pdf, b"<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>"));
        let path = write_pdf("attachment", &pdf);
        check_qpdf(&path);
        let Some(listing) = tool_stdout("qpdf", &["--list-attachments"], &path) else { return };
        assert!(listing.contains("factur-x.xml"), "{listing}");
        let Some(content) = tool_stdout("qpdf", &["--show-attachment=factur-x.xml"], &path) else { return };
        assert_eq!(content.as_bytes(), attachment.data.as_slice());
    }
}
