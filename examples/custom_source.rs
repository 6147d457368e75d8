//! A source of its own: a finance system that exports its communes and memberships in its own format (here,
//! `;`-separated lines) produces mutua's typed rows, assembles them into a validated dataset — every error named
//! by its table and key — allocates the semester and renders one Factur-X invoice.
//!
//! ```sh
//! cargo run --example custom_source
//! ```
#![allow(clippy::print_stdout, reason = "an example prints what it did")]

use chrono::NaiveDate;
use mutua_core::{
    Address, Amount, ConventionBuilder, DatasetMeta, DateRange, InvoicingRequirements, Membership, Party,
    PartyKind, PopulationRecord, Rule, Source,
};
use mutua_dataset::{DatasetRows, MetaRow};
use mutua_documents::{BatchOptions, build_batch};
use mutua_einvoice::facturx::{OutputFormat, render_in_format};

/// The finance system's export of its parties: kind;id;name;SIREN;SIRET;population.
const PARTIES: &str = "\
metropole;MEL;Métropole Européenne de Lille;200093201;20009320100016;
commune;59005;Allennes-les-Marais;215900051;21590005100016;1523
commune;59009;Villeneuve-d'Ascq;215900093;21590009300018;62868";

/// Its export of memberships: convention;member;joined.
const MEMBERSHIPS: &str = "cep-2021;59005;2021-06-01\ncep-2021;59009;2026-03-15";

fn rows() -> Result<DatasetRows, Box<dyn std::error::Error>> {
    let mut rows = DatasetRows::new(MetaRow {
        meta: DatasetMeta {
            name: "Export du système financier".into(),
            current_semester: "2026-S1".parse()?,
            titre_threshold: "15.00".parse()?,
            series_start: Default::default(),
            source: Source::row("settings", "export"),
        },
        population_vintage_lag_years: 3,
    });
    for line in PARTIES.lines() {
        let [kind, id, name, siren, siret, population] = line.split(';').collect::<Vec<_>>()[..] else {
            return Err(format!("ligne illisible : {line}").into());
        };
        let source = Source::row("export_parties", id);
        let commune = kind == "commune";
        rows.parties.push(Party {
            id: id.parse()?,
            kind: if commune { PartyKind::Commune } else { PartyKind::Metropole },
            name: name.into(),
            siren: siren.parse()?,
            siret: siret.parse()?,
            insee: if commune { Some(id.parse()?) } else { None },
            territoire: None,
            address: Address::default(),
            invoicing: InvoicingRequirements::default(),
            naming: mutua_core::PartyNaming::default(),
            payment: mutua_core::PaymentDetails::default(),
            source: source.clone(),
        });
        if commune {
            let municipale: u64 = population.parse()?;
            let record = |millesime| PopulationRecord {
                party: id.parse().unwrap_or_else(|_| unreachable!("parsed above")),
                millesime,
                municipale,
                totale: municipale,
                source: source.clone(),
            };
            rows.populations.extend((2021..=2024).map(record));
        }
    }
    for line in MEMBERSHIPS.lines() {
        let [convention, member, joined] = line.split(';').collect::<Vec<_>>()[..] else {
            return Err(format!("ligne illisible : {line}").into());
        };
        rows.memberships.push(Membership {
            convention: convention.parse()?,
            member: member.parse()?,
            range: DateRange::from(mutua_core::parse_date(joined)?),
            source: Source::row("export_memberships", &format!("{convention}/{member}")),
        });
    }
    let since = NaiveDate::from_ymd_opt(2021, 6, 1).ok_or("date")?;
    rows.conventions.push(
        ConventionBuilder::new("cep-2021", "cep", "MEL", since)
            .reference("Délibération n° 21 C 0262 du 23 avril 2021")
            .component("habitants", "Conseil en énergie partagé", Rule::per_inhabitant("1.20".parse()?))
            .build()?,
    );
    rows.dispositifs.push(mutua_core::Dispositif {
        id: "cep".parse()?,
        name: "Conseil en énergie partagé".into(),
        theme: "énergie".into(),
        reference_fte: None,
        reference_members: None,
        source: Source::row("export_dispositifs", "cep"),
    });
    Ok(rows)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Assemble and validate: a mistake in the export is named by its row (`export_memberships[cep-2021/59009]`).
    let dataset = mutua_dataset::assemble(rows()?)?;
    let semester = "2026-S1".parse()?;
    let allocation = mutua_alloc::allocate(&dataset, semester)?;
    let options = BatchOptions {
        issue_date: NaiveDate::from_ymd_opt(2026, 7, 15).ok_or("date")?,
        series_start: Default::default(),
    };
    let batch = build_batch(&dataset, &allocation, &options)?;
    let total = Amount::checked_sum(batch.documents.iter().map(|d| d.total))?;
    println!("{} document(s), {} € en tout", batch.documents.len(), total);
    // Render the first invoice as Factur-X (a PDF/A-3 with its CII XML) into a temporary folder.
    let invoice = batch.documents.first().ok_or("aucune facture")?;
    let fonts = mutua_render::FontSet::dejavu()?;
    let rendered = render_in_format(&dataset, invoice, &fonts, OutputFormat::FacturX, false)?;
    let folder = tempfile::tempdir()?;
    let path = folder.path().join(invoice.file_name("pdf"));
    std::fs::write(&path, &rendered.pdf)?;
    println!("{} : {} octets ({})", invoice.number, rendered.pdf.len(), path.display());
    for line in &invoice.lines {
        println!(
            "  {} — {}",
            mutua_documents::present::line_label_fr(line),
            mutua_documents::present::basis_fr(&line.basis)
        );
    }
    Ok(())
}
