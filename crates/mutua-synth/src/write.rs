//! Writing a generated dataset: `dataset.toml`, `parties.csv`, the cloned tables, the copied tables and the
//! convention files, each in a fixed order (EPCI by EPCI, the template's order within each).

use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::Path;

use csv::Writer;

use crate::template::{Cell, PartyRole, Segment, TableTemplate, Template, UniqueStyle};
use crate::{Epci, FileSummary, SynthError, ids};

const BUFFER: usize = 1 << 20;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + use<> {
    let path = path.to_owned();
    move |source| SynthError::Io { path, source }
}

fn csv_error(path: &Path) -> impl FnOnce(csv::Error) -> SynthError + use<> {
    let path = path.to_owned();
    move |source| SynthError::Csv { path, source }
}

fn csv_writer(path: &Path) -> Result<Writer<BufWriter<File>>, SynthError> {
    let file = File::create(path).map_err(io_error(path))?;
    Ok(csv::WriterBuilder::new().buffer_capacity(BUFFER).from_writer(BufWriter::with_capacity(BUFFER, file)))
}

fn finish(
    mut writer: Writer<BufWriter<File>>,
    path: &Path,
    name: &str,
    rows: usize,
) -> Result<FileSummary, SynthError> {
    writer.flush().map_err(io_error(path))?;
    drop(writer);
    let bytes = fs::metadata(path).map_err(io_error(path))?.len();
    Ok(FileSummary { name: name.to_owned(), rows, bytes })
}

/// Writes every file of the dataset into `out` (which exists, with its `conventions/` directory).
pub(crate) fn dataset(
    template: &Template,
    epcis: &[Epci],
    communes: usize,
    out: &Path,
) -> Result<Vec<FileSummary>, SynthError> {
    let mut files = Vec::new();
    let path = out.join("dataset.toml");
    let text = dataset_toml(template, epcis, communes);
    fs::write(&path, &text).map_err(io_error(&path))?;
    files.push(FileSummary { name: "dataset.toml".into(), rows: 0, bytes: text.len() as u64 });
    files.push(parties(template, epcis, out)?);
    for table in &template.tables {
        files.push(cloned_table(template, table, epcis, out)?);
    }
    for name in &template.copied {
        let (from, to) = (template.dir.join(name), out.join(name));
        let bytes = fs::copy(&from, &to).map_err(io_error(&from))?;
        let rows = fs::read_to_string(&to).map_err(io_error(&to))?.lines().filter(|l| !l.is_empty()).count();
        files.push(FileSummary { name: (*name).to_owned(), rows: rows.saturating_sub(1), bytes });
    }
    files.push(conventions(template, epcis, out)?);
    Ok(files)
}

/// `dataset.toml`: the template's settings, its name replaced, and only the series starts that are not 1 (an
/// unlisted series starts at 1), one per EPCI that has a clone of the issuer.
fn dataset_toml(template: &Template, epcis: &[Epci], communes: usize) -> String {
    let mut text = format!(
        "# Synthetic mutua dataset written by mutua-synth, for benchmarks: {communes} communes in {} EPCI{} cloned\n\
         # from the template {}. Not real data: do not edit, generate it again.\n",
        epcis.len(),
        if epcis.len() == 1 { "" } else { "s" },
        template.dir.display(),
    );
    let mut table = String::new();
    let mut header_comments_done = false;
    for line in template.dataset_toml.lines() {
        let trimmed = line.trim();
        if !header_comments_done {
            if trimmed.starts_with('#') {
                continue;
            }
            header_comments_done = true;
        }
        if trimmed.starts_with('[') {
            table = trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_owned();
            text.push_str(line);
            text.push('\n');
            if table == "series_start" {
                text.push_str(
                    "# Only the series that do not start at 1 are listed: an unlisted series starts at 1.\n",
                );
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            if table != "series_start" {
                text.push_str(line);
                text.push('\n');
            }
            continue;
        };
        let key = key.trim().trim_matches('"');
        if table.is_empty() && key == "name" {
            let name = value.trim().trim_matches('"');
            text.push_str(&format!(
                "name = \"Jeu synthétique : {communes} communes, {} EPCI (modèle : {name})\"\n",
                epcis.len()
            ));
        } else if table == "series_start" {
            let value = value.split('#').next().unwrap_or_default().trim();
            if value == "1" {
                continue;
            }
            series_starts(template, epcis, key, value, &mut text);
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// `KIND-ISSUER-YEAR = value` for every EPCI that has a clone of ISSUER.
fn series_starts(template: &Template, epcis: &[Epci], key: &str, value: &str, text: &mut String) {
    let parts = key
        .split_once('-')
        .and_then(|(kind, rest)| rest.rsplit_once('-').map(|(issuer, year)| (kind, issuer, year)));
    let issuer = parts.and_then(|(_, issuer, _)| template.party_index.get(issuer).copied());
    let (Some((kind, _, year)), Some(issuer)) = (parts, issuer) else {
        text.push_str(&format!("\"{key}\" = {value}\n"));
        return;
    };
    for epci in epcis {
        if let Some(id) = &epci.party_ids[issuer] {
            text.push_str(&format!("{kind}-{id}-{year} = {value}\n"));
        }
    }
}

/// The name of an EPCI by its size: « Métropole n° 0001 », « Communauté d'agglomération n° 0002 »…
fn epci_name(epci: &Epci) -> String {
    let kind = match epci.size {
        50.. => "Métropole",
        25..50 => "Communauté d'agglomération",
        _ => "Communauté de communes",
    };
    format!("{kind} n° {}", epci.digits)
}

/// `parties.csv`: for each EPCI, the clone of every template party it has, in the template's order.
fn parties(template: &Template, epcis: &[Epci], out: &Path) -> Result<FileSummary, SynthError> {
    let path = out.join("parties.csv");
    let mut writer = csv_writer(&path)?;
    writer.write_record(&template.party_header).map_err(csv_error(&path))?;
    let columns = template.party_columns;
    let mut rows = 0;
    for epci in epcis {
        for (party, record) in template.parties.iter().enumerate() {
            let Some(id) = &epci.party_ids[party] else { continue };
            let role = template.roles[party];
            let old_name = record.get(columns.name).unwrap_or_default();
            let name = match role {
                PartyRole::Metropole => epci_name(epci),
                PartyRole::Commune | PartyRole::Other => format!("{old_name} {}", epci.digits),
            };
            let siren = match role {
                PartyRole::Commune => ids::commune_siren(id),
                _ => ids::body_siren(template.body_rank[party], epci.number),
            };
            let renamed = |text: &str| {
                if old_name.is_empty() { text.to_owned() } else { text.replace(old_name, &name) }
            };
            for (column, value) in record.iter().enumerate() {
                let cell = if column == columns.id {
                    id.clone()
                } else if column == columns.name {
                    name.clone()
                } else if column == columns.siren {
                    siren.clone()
                } else if column == columns.siret {
                    ids::siret(&siren)
                } else if column == columns.insee && role == PartyRole::Commune {
                    id.clone()
                } else if value.is_empty() {
                    String::new()
                } else if Some(column) == columns.iban {
                    ids::french_iban(siren.parse().unwrap_or_default())
                } else if Some(column) == columns.accountant && role == PartyRole::Metropole {
                    format!("Service de gestion comptable n° {}", epci.digits)
                } else if [columns.legal_name, columns.usage_name, columns.city].contains(&Some(column)) {
                    renamed(value)
                } else {
                    value.to_owned()
                };
                writer.write_field(cell).map_err(csv_error(&path))?;
            }
            writer.write_record(None::<&[u8]>).map_err(csv_error(&path))?;
            rows += 1;
        }
    }
    finish(writer, &path, "parties.csv", rows)
}

/// Whether a row is cloned into `epci`: everything it names has a clone there.
fn cloned(row: &[Cell], epci: &Epci) -> bool {
    row.iter().all(|cell| match cell {
        Cell::Party(party) => epci.party_ids[*party].is_some(),
        Cell::Convention(convention) => epci.conventions[*convention],
        Cell::Dispositif(dispositif) => epci.dispositifs[*dispositif],
        Cell::Deposit(deposit) => epci.deposits[*deposit],
        Cell::Text(_) | Cell::Unique(..) => true,
    })
}

/// A cloned table: for each EPCI, every template row it clones, in the template's order.
fn cloned_table(
    template: &Template,
    table: &TableTemplate,
    epcis: &[Epci],
    out: &Path,
) -> Result<FileSummary, SynthError> {
    let path = out.join(table.name);
    let mut writer = csv_writer(&path)?;
    writer.write_record(&table.header).map_err(csv_error(&path))?;
    let mut scratch = String::new();
    let mut rows = 0;
    let fill = template.activity_fill.as_ref().filter(|_| table.name == "activity.csv");
    for epci in epcis {
        let communes = template.communes.len();
        let kept = |rank: usize| (rank + 1) * epci.size / communes > rank * epci.size / communes;
        for (row, scaled) in table.rows.iter().zip(&table.scaled) {
            if !cloned(row, epci) || scaled.is_some_and(|rank| !kept(rank)) {
                continue;
            }
            write_row(&mut writer, template, epci, row, &mut scratch).map_err(csv_error(&path))?;
            rows += 1;
        }
        for group in fill.map_or(&[][..], |fill| &fill.groups) {
            if !epci.conventions[group.convention]
                || group.rows.iter().any(|&row| cloned(&table.rows[row], epci))
            {
                continue;
            }
            let Some(&member) = group.present.iter().find(|&&party| epci.party_ids[party].is_some()) else {
                continue;
            };
            let Some(fill) = fill else { continue };
            let mut row = table.rows[group.rows[0]].clone();
            row[fill.member] = Cell::Party(member);
            row[fill.quantity] = Cell::Text("0".into());
            write_row(&mut writer, template, epci, &row, &mut scratch).map_err(csv_error(&path))?;
            rows += 1;
        }
    }
    finish(writer, &path, table.name, rows)
}

/// Writes one row of a cloned table for `epci`.
fn write_row(
    writer: &mut Writer<BufWriter<File>>,
    template: &Template,
    epci: &Epci,
    row: &[Cell],
    scratch: &mut String,
) -> Result<(), csv::Error> {
    for cell in row {
        scratch.clear();
        let text: &str = match cell {
            Cell::Text(text) => text,
            Cell::Party(party) => epci.party_ids[*party].as_deref().unwrap_or_default(),
            Cell::Convention(convention) => {
                suffixed(scratch, &template.conventions[*convention].id, &epci.lower_suffix)
            }
            Cell::Dispositif(dispositif) => {
                suffixed(scratch, &template.dispositifs[*dispositif], &epci.lower_suffix)
            }
            Cell::Deposit(deposit) => suffixed(scratch, &template.deposits[*deposit], &epci.lower_suffix),
            Cell::Unique(text, UniqueStyle::Dash) => suffixed(scratch, text, &epci.upper_suffix),
            Cell::Unique(text, UniqueStyle::Parenthesised) => {
                scratch.push_str(text);
                scratch.push_str(" (");
                scratch.push_str(&epci.code);
                scratch.push(')');
                scratch
            }
        };
        writer.write_field(text)?;
    }
    writer.write_record(None::<&[u8]>)
}

fn suffixed<'a>(scratch: &'a mut String, id: &str, suffix: &str) -> &'a str {
    scratch.push_str(id);
    scratch.push_str(suffix);
    scratch
}

/// The convention files: for each EPCI, each template convention it clones, as `conventions/STEM-e0001.toml`.
fn conventions(template: &Template, epcis: &[Epci], out: &Path) -> Result<FileSummary, SynthError> {
    let dir = out.join("conventions");
    let mut text = String::new();
    let (mut files, mut bytes) = (0, 0);
    for epci in epcis {
        for (convention, cloned) in template.conventions.iter().zip(&epci.conventions) {
            if !cloned {
                continue;
            }
            text.clear();
            for segment in &convention.segments {
                match segment {
                    Segment::Text(literal) => text.push_str(literal),
                    Segment::ConventionId => {
                        text.push_str(&convention.id);
                        text.push_str(&epci.lower_suffix);
                    }
                    Segment::Dispositif(dispositif) => {
                        text.push_str(&template.dispositifs[*dispositif]);
                        text.push_str(&epci.lower_suffix);
                    }
                    Segment::Party(party) => {
                        text.push_str(epci.party_ids[*party].as_deref().unwrap_or_default())
                    }
                }
            }
            let path = dir.join(format!("{}{}.toml", convention.stem, epci.lower_suffix));
            let mut file = File::create(&path).map_err(io_error(&path))?;
            file.write_all(text.as_bytes()).map_err(io_error(&path))?;
            files += 1;
            bytes += text.len() as u64;
        }
    }
    Ok(FileSummary { name: "conventions/".into(), rows: files, bytes })
}
