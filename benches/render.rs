//! Rendering throughput: one typical invoice (8 table lines, totals, mentions, an annex page)
//! laid out and encoded as PDF. The font set is built once, outside the timed loop, as in a
//! real run: after the first iteration, the document's font subsets come from its cache. Target: at least 5,000
//! invoices per second on one core. `render_pdf_typical_invoice_cold_subsets` renders with a fresh font set
//! (built outside the timing), so it measures what a document whose glyph set was never seen costs: subsetting and
//! compressing its two fonts.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mutua_render::{
    AnnexSection, AnnexView, DocumentMetadata, DocumentView, FontSet, LineView, PartyBlock, RenderOptions,
    TotalView, layout, render_pdf,
};

const NNBSP: &str = "\u{202f}";

fn euros(amount: &str) -> String {
    format!("{}\u{a0}€", amount.replace(' ', NNBSP))
}

fn item(description: &str, basis: &str, quantity: &str, unit_price: &str, amount: &str) -> LineView {
    LineView::Item {
        description: description.into(),
        basis: basis.into(),
        quantity: quantity.replace(' ', NNBSP),
        unit_price: euros(unit_price),
        amount: euros(amount),
    }
}

fn typical_invoice() -> DocumentView {
    DocumentView {
        kind_title: "FACTURE".into(),
        number: "FAC-MEL-2026-00417".into(),
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
            name: "Commune de Marquette-lez-Lille".into(),
            lines: vec!["Hôtel de ville".into(), "59520 Marquette-lez-Lille".into(), "SIRET 215 903 867 00011".into()],
        },
        meta: vec![
            ("Date d'émission".into(), "15 janvier 2026".into()),
            ("Période d'exécution".into(), "du 1er juillet au 31 décembre 2025".into()),
            ("Code service".into(), "FIN-RECETTES".into()),
            ("N° d'engagement".into(), "EJ 2025-004512".into()),
            ("Référence".into(), "Convention de mutualisation n° 2022-045".into()),
        ],
        lines: vec![
            LineView::Group { title: "Conseil en Énergie Partagé (CEP)".into() },
            item("Conseil en énergie partagé, 2e semestre 2025", "Population municipale × tarif", "2 087", "0,20", "417,40"),
            LineView::Group { title: "SIM ADS – instruction des autorisations du droit des sols".into() },
            item("Permis de construire", "Dossiers × coefficient 1,0", "9", "65,90", "593,10"),
            item("Déclarations préalables", "Dossiers × coefficient 0,7", "3", "46,13", "138,39"),
            item("Certificats d'urbanisme opérationnels", "Dossiers × coefficient 0,4", "1", "26,36", "26,36"),
            LineView::Subtotal { label: "Sous-total SIM ADS".into(), amount: euros("757,85") },
            LineView::Group { title: "RGPD – délégué mutualisé à la protection des données".into() },
            item("Mise à disposition du DPD", &format!("Tranche de population 1{NNBSP}000 – 4{NNBSP}999 habitants"), "1", "350,00", "350,00"),
            item("Réseau des moyens d'impression", "Pages imprimées × prix du catalogue", "12 480", "0,02", "249,60"),
            item("Registre dématérialisé des concertations", "Procédures ouvertes", "2", "120,00", "240,00"),
            item("Dépôt d'archives définitives", "Mètres linéaires × tarif semestriel", "14,5", "9,50", "137,75"),
        ],
        totals: vec![
            TotalView { label: "Total hors taxes".into(), amount: euros("2 152,60"), emphasis: false },
            TotalView { label: "TVA".into(), amount: "non applicable".into(), emphasis: false },
            TotalView { label: "Net à payer".into(), amount: euros("2 152,60"), emphasis: true },
        ],
        mentions: vec![
            "TVA non applicable – article 256 B du code général des impôts.".into(),
            "Paiement à réception du titre de recettes, par virement au comptable public de la Métropole \
             Européenne de Lille, en rappelant le numéro de la facture."
                .into(),
            "Délai de contestation : deux mois à compter de la réception du titre de recettes (article L1617-5 \
             du code général des collectivités territoriales)."
                .into(),
        ],
        annex: Some(AnnexView {
            title: "Détail du calcul".into(),
            sections: vec![
                AnnexSection {
                    heading: "Conseil en Énergie Partagé (CEP)".into(),
                    lines: vec![
                        format!("Population municipale 2022 : 2{NNBSP}087 habitants."),
                        "Tarif annuel 0,40 € par habitant, facturé par semestre : 0,20 €.".into(),
                        format!("Montant : 2{NNBSP}087 × 0,20 € = 417,40 €."),
                    ],
                },
                AnnexSection {
                    heading: "SIM ADS".into(),
                    lines: vec![
                        "Coût unitaire 2024 issu du compte administratif : 65,90 € par équivalent permis de \
                         construire ; coefficients de la convention : PC 1,0, DP 0,7, CUb 0,4."
                            .into(),
                        "9 × 65,90 € + 3 × 46,13 € + 1 × 26,36 € = 757,85 €.".into(),
                    ],
                },
                AnnexSection {
                    heading: "Réseau des moyens d'impression".into(),
                    lines: vec![format!("12{NNBSP}480 pages × 0,02 € = 249,60 €.")],
                },
            ],
        }),
        metadata: DocumentMetadata {
            title: "Facture FAC-MEL-2026-00417".into(),
            author: "Métropole Européenne de Lille".into(),
            subject: "Services mutualisés, 2e semestre 2025".into(),
            keywords: vec!["facture".into(), "mutualisation".into()],
            creation_date: NaiveDate::from_ymd_opt(2026, 1, 15)
                .and_then(|date| date.and_hms_opt(9, 0, 0))
                .expect("valid date"),
            language: "fr-FR".into(),
        },
    }
}

fn bench_render(criterion: &mut Criterion) {
    let fonts = FontSet::dejavu().expect("DejaVu Sans loads");
    let view = typical_invoice();
    let options = RenderOptions { pdfa: true, attachments: vec![], xmp_extensions: vec![] };
    let pages = layout(&view, &fonts).expect("lays out").len();
    assert_eq!(pages, 2, "the typical invoice is one page plus one annex page");

    let mut group = criterion.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    group.bench_function("layout_typical_invoice", |bencher| {
        bencher.iter(|| layout(black_box(&view), &fonts).expect("lays out"));
    });
    group.bench_function("render_pdf_typical_invoice", |bencher| {
        bencher.iter(|| render_pdf(black_box(&view), &fonts, &options).expect("renders"));
    });
    group.bench_function("render_pdf_typical_invoice_cold_subsets", |bencher| {
        bencher.iter_batched(
            || FontSet::dejavu().expect("DejaVu Sans loads"),
            |fresh| render_pdf(black_box(&view), &fresh, &options).expect("renders"),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
