//! The template dataset, read once and prepared for cloning: its parties, its conventions cut into literal text
//! and references, its tables' cells tagged with what they refer to.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use csv::StringRecord;

use crate::SynthError;

/// What a party of the template is, for cloning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartyRole {
    /// The EPCI (kind `metropole`): becomes each generated EPCI.
    Metropole,
    /// A commune: cloned once per EPCI that draws it.
    Commune,
    /// Any other body (a syndicate…): cloned once per EPCI, its id suffixed.
    Other,
}

/// A cell of a table row, as the generator writes it for one EPCI.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    /// Copied as it is.
    Text(String),
    /// A party of the template (its index in `parties`): its clone's id.
    Party(usize),
    /// A convention of the template: its clone's id.
    Convention(usize),
    /// A dispositif of the template: its clone's id.
    Dispositif(usize),
    /// A CEE deposit of the template (a reference or the key of `cee_deposits.csv`): its clone's id.
    Deposit(usize),
    /// Text that must be unique in the dataset: the EPCI's code is appended (`T-2025-S1-0001-E0001`).
    Unique(String, UniqueStyle),
}

/// How [`Cell::Unique`] text takes the EPCI's code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UniqueStyle {
    /// `-E0001`.
    Dash,
    /// ` (E0001)`.
    Parenthesised,
}

/// A piece of a convention file.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    /// Copied as it is.
    Text(String),
    /// The convention's own id, suffixed.
    ConventionId,
    /// A dispositif id, suffixed.
    Dispositif(usize),
    /// A party id (the provider, a key of fixed shares): its clone's id, quoted in a key position.
    Party(usize),
}

/// One convention file of the template.
#[derive(Debug)]
pub(crate) struct ConventionTemplate {
    /// The file name without `.toml`.
    pub stem: String,
    /// The convention's id.
    pub id: String,
    /// The dispositif it organises (index in `Template::dispositifs`).
    pub dispositif: Option<usize>,
    /// The file cut into pieces.
    pub segments: Vec<Segment>,
    /// The parties it names (provider, share keys): the convention is cloned only into EPCIs that have them all.
    pub parties: Vec<usize>,
    /// Its members in `memberships.csv`: the convention is cloned only into EPCIs that have one of them.
    pub members: Vec<usize>,
}

/// A table of the template, ready to clone.
#[derive(Debug)]
pub(crate) struct TableTemplate {
    /// The file name (`memberships.csv`).
    pub name: &'static str,
    /// Its header, as the template writes it.
    pub header: StringRecord,
    /// Its rows.
    pub rows: Vec<Vec<Cell>>,
    /// For `cee_operations.csv`, the rank of each row whose beneficiary is not a commune (the EPCI's own
    /// operations, the syndicate's) among those rows: an EPCI clones a share of them proportional to its size.
    pub scaled: Vec<Option<usize>>,
}

/// The columns of `parties.csv` the generator rewrites.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PartyColumns {
    pub id: usize,
    pub kind: usize,
    pub name: usize,
    pub siren: usize,
    pub siret: usize,
    pub insee: usize,
    pub legal_name: Option<usize>,
    pub usage_name: Option<usize>,
    pub city: Option<usize>,
    pub accountant: Option<usize>,
    pub iban: Option<usize>,
}

/// The template dataset.
#[derive(Debug)]
pub(crate) struct Template {
    pub dir: PathBuf,
    pub dataset_toml: String,
    pub party_header: StringRecord,
    pub party_columns: PartyColumns,
    pub parties: Vec<StringRecord>,
    pub roles: Vec<PartyRole>,
    /// Index in `parties` of each commune, in the template's order.
    pub communes: Vec<usize>,
    /// Party index → its position among the parties that are not communes (the metropole is 0), for SIRENs.
    pub body_rank: Vec<usize>,
    pub party_index: HashMap<String, usize>,
    pub conventions: Vec<ConventionTemplate>,
    /// Every dispositif id (from `dispositifs.csv`, then any other a convention names).
    pub dispositifs: Vec<String>,
    /// Each deposit's convention (index in `conventions`), by deposit index.
    pub deposit_conventions: Vec<usize>,
    pub deposits: Vec<String>,
    pub tables: Vec<TableTemplate>,
    /// Files copied as they are.
    pub copied: Vec<&'static str>,
    /// What `activity.csv` needs so that no EPCI has members without a row in a semester.
    pub activity_fill: Option<ActivityFill>,
}

/// The zero rows an EPCI may need in `activity.csv`.
///
/// A convention billed on activity needs at least one row in each semester it has members present (`mutua check`
/// refuses a semester whose activity was never filled in). The template has rows for the members that did
/// something; an EPCI whose members of the convention did nothing in a semester gets one row with `0` for its
/// first member present, as a finance officer would write it.
#[derive(Debug)]
pub(crate) struct ActivityFill {
    /// The column of the member.
    pub member: usize,
    /// The column of the quantity.
    pub quantity: usize,
    /// One group per convention and semester of the template's rows.
    pub groups: Vec<ActivityGroup>,
}

/// The template's activity rows of one convention in one semester.
#[derive(Debug)]
pub(crate) struct ActivityGroup {
    /// The convention.
    pub convention: usize,
    /// The rows (indices in the table).
    pub rows: Vec<usize>,
    /// The members present in the semester, in the order of `memberships.csv`.
    pub present: Vec<usize>,
}

/// How a column of a cloned table refers to the rest of the dataset.
#[derive(Clone, Copy)]
enum Role {
    Party,
    Convention,
    Dispositif,
    Deposit,
    DepositKey,
    Unique(UniqueStyle),
}

/// The cloned tables, in the order they are written, with the columns that refer to something; `true` when the
/// file is required.
const TABLES: &[(&str, bool, &[(&str, Role)])] = &[
    ("dispositifs.csv", true, &[("id", Role::Dispositif)]),
    ("populations.csv", true, &[("insee", Role::Party)]),
    ("memberships.csv", true, &[("convention", Role::Convention), ("member", Role::Party)]),
    ("activity.csv", true, &[("convention", Role::Convention), ("member", Role::Party)]),
    ("valuations.csv", true, &[("dispositif", Role::Dispositif)]),
    ("unit_costs.csv", false, &[("dispositif", Role::Dispositif)]),
    ("unit_cost_updates.csv", false, &[("dispositif", Role::Dispositif)]),
    ("cee_deposits.csv", true, &[("id", Role::DepositKey), ("convention", Role::Convention)]),
    (
        "cee_operations.csv",
        true,
        &[
            ("deposit", Role::Deposit),
            ("beneficiary", Role::Party),
            ("reference", Role::Unique(UniqueStyle::Parenthesised)),
        ],
    ),
    (
        "carried.csv",
        false,
        &[("issuer", Role::Party), ("debtor", Role::Party), ("convention", Role::Convention)],
    ),
    (
        "titres.csv",
        false,
        &[
            ("number", Role::Unique(UniqueStyle::Dash)),
            ("issuer", Role::Party),
            ("debtor", Role::Party),
            ("convention", Role::Convention),
        ],
    ),
    ("attributions.csv", false, &[("payer", Role::Party), ("commune", Role::Party)]),
];

/// The tables copied as they are (they name no party, convention or dispositif).
const COPIED: &[&str] = &["fte_costs.csv", "indices.csv"];

fn template_error(file: impl Into<String>, message: impl Into<String>) -> SynthError {
    SynthError::Template { file: file.into(), message: message.into() }
}

fn read_text(path: &Path) -> Result<String, SynthError> {
    fs::read_to_string(path).map_err(|source| SynthError::Io { path: path.to_owned(), source })
}

fn read_csv(path: &Path) -> Result<(StringRecord, Vec<StringRecord>), SynthError> {
    let csv_error = |source| SynthError::Csv { path: path.to_owned(), source };
    let mut reader = csv::ReaderBuilder::new().from_path(path).map_err(csv_error)?;
    let header = reader.headers().map_err(csv_error)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        // Empty lines are ignored by the format; the reader skips them already.
        rows.push(record);
    }
    Ok((header, rows))
}

fn column(header: &StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|cell| cell.trim_start_matches('\u{feff}') == name)
}

impl Template {
    /// Reads the template directory.
    pub(crate) fn read(dir: &Path) -> Result<Template, SynthError> {
        if !dir.is_dir() {
            return Err(SynthError::NoTemplate(dir.to_owned()));
        }
        let dataset_toml = read_text(&dir.join("dataset.toml"))?;
        let (party_header, parties) = read_csv(&dir.join("parties.csv"))?;
        let required = |name: &str| {
            column(&party_header, name)
                .ok_or_else(|| template_error("parties.csv", format!("colonne « {name} » absente")))
        };
        let party_columns = PartyColumns {
            id: required("id")?,
            kind: required("kind")?,
            name: required("name")?,
            siren: required("siren")?,
            siret: required("siret")?,
            insee: required("insee")?,
            legal_name: column(&party_header, "legal_name"),
            usage_name: column(&party_header, "usage_name"),
            city: column(&party_header, "city"),
            accountant: column(&party_header, "accountant"),
            iban: column(&party_header, "iban"),
        };
        let mut roles = Vec::with_capacity(parties.len());
        let mut party_index = HashMap::new();
        let mut communes = Vec::new();
        let mut metropoles = Vec::new();
        let mut body_rank = vec![0; parties.len()];
        let mut bodies = 0;
        for (index, party) in parties.iter().enumerate() {
            let id = party.get(party_columns.id).unwrap_or_default();
            if party_index.insert(id.to_owned(), index).is_some() {
                return Err(template_error("parties.csv", format!("partie « {id} » en double")));
            }
            let role = match party.get(party_columns.kind).unwrap_or_default() {
                "commune" => PartyRole::Commune,
                "metropole" => PartyRole::Metropole,
                _ => PartyRole::Other,
            };
            match role {
                PartyRole::Commune => communes.push(index),
                PartyRole::Metropole => metropoles.push(index),
                PartyRole::Other => {
                    bodies += 1;
                    body_rank[index] = bodies;
                }
            }
            roles.push(role);
        }
        let [_metropole] = metropoles[..] else {
            return Err(template_error(
                "parties.csv",
                format!(
                    "le modèle doit avoir exactement une partie de type metropole (il en a {})",
                    metropoles.len()
                ),
            ));
        };
        if communes.is_empty() {
            return Err(template_error("parties.csv", "le modèle n'a aucune commune"));
        }
        // Ranks 10 to 19 are skipped: a body's SIREN `21…` would look like a commune's.
        for rank in &mut body_rank {
            if *rank >= 10 {
                *rank += 10;
            }
        }
        if bodies + 10 >= 100 {
            return Err(template_error(
                "parties.csv",
                "trop d'organismes autres que des communes (au plus 89)",
            ));
        }

        let mut template = Template {
            dir: dir.to_owned(),
            dataset_toml,
            party_header,
            party_columns,
            parties,
            roles,
            communes,
            body_rank,
            party_index,
            conventions: Vec::new(),
            dispositifs: Vec::new(),
            deposit_conventions: Vec::new(),
            deposits: Vec::new(),
            tables: Vec::new(),
            copied: Vec::new(),
            activity_fill: None,
        };
        // Dispositifs first, so that their indices follow dispositifs.csv.
        let dispositifs_path = dir.join("dispositifs.csv");
        let (dispositif_header, dispositif_rows) = read_csv(&dispositifs_path)?;
        let id_column = column(&dispositif_header, "id")
            .ok_or_else(|| template_error("dispositifs.csv", "colonne « id » absente"))?;
        for row in &dispositif_rows {
            template.dispositifs.push(row.get(id_column).unwrap_or_default().to_owned());
        }
        template.read_conventions()?;
        template.read_tables()?;
        template.activity_fill = template.activity_fill();
        template.list_members();
        for name in COPIED {
            if dir.join(name).is_file() {
                template.copied.push(name);
            }
        }
        Ok(template)
    }

    /// The id of the template party `party`.
    pub(crate) fn id_of(&self, party: usize) -> &str {
        self.parties[party].get(self.party_columns.id).unwrap_or_default()
    }

    fn dispositif_index(&mut self, id: &str) -> usize {
        match self.dispositifs.iter().position(|known| known == id) {
            Some(index) => index,
            None => {
                self.dispositifs.push(id.to_owned());
                self.dispositifs.len() - 1
            }
        }
    }

    fn party(&self, file: &str, id: &str) -> Result<usize, SynthError> {
        self.party_index
            .get(id)
            .copied()
            .ok_or_else(|| template_error(file, format!("partie « {id} » inconnue de parties.csv")))
    }

    fn read_conventions(&mut self) -> Result<(), SynthError> {
        let dir = self.dir.join("conventions");
        let entries = fs::read_dir(&dir).map_err(|source| SynthError::Io { path: dir.clone(), source })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| SynthError::Io { path: dir.clone(), source })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".toml")
                && entry.path().is_file()
            {
                files.push((stem.to_owned(), entry.path()));
            }
        }
        files.sort();
        for (stem, path) in files {
            let text = read_text(&path)?;
            let convention = self.cut_convention(&format!("conventions/{stem}.toml"), stem, &text)?;
            self.conventions.push(convention);
        }
        Ok(())
    }

    /// Cuts a convention file into literal text and the references the generator rewrites: the top-level `id`,
    /// `dispositif` and `provider`, and the keys of every `shares` table (`[….shares]` or `shares = { … }`).
    fn cut_convention(
        &mut self,
        file: &str,
        stem: String,
        text: &str,
    ) -> Result<ConventionTemplate, SynthError> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut table = String::new();
        let mut in_multiline = false;
        let mut id = None;
        let mut dispositif = None;
        let mut parties = Vec::new();
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_start();
            let multiline_marks = line.matches("\"\"\"").count() + line.matches("'''").count();
            if in_multiline || trimmed.starts_with('#') || trimmed.trim().is_empty() {
                literal.push_str(line);
                in_multiline ^= multiline_marks % 2 == 1;
                continue;
            }
            in_multiline ^= multiline_marks % 2 == 1;
            if trimmed.starts_with('[') {
                table = trimmed.trim_end().trim_start_matches('[').trim_end_matches(']').trim().to_owned();
                literal.push_str(line);
                continue;
            }
            let Some((key, value_start)) = split_key(line) else {
                literal.push_str(line);
                continue;
            };
            let in_shares = table.rsplit('.').next().is_some_and(|last| last.trim() == "shares");
            if table.is_empty() && matches!(key.as_str(), "id" | "dispositif" | "provider") {
                let (before, value, after) = string_value(line, value_start)
                    .ok_or_else(|| template_error(file, format!("`{key}` n'est pas une chaîne simple")))?;
                literal.push_str(before);
                segments.push(Segment::Text(std::mem::take(&mut literal)));
                match key.as_str() {
                    "id" => {
                        id = Some(value.to_owned());
                        segments.push(Segment::ConventionId);
                    }
                    "dispositif" => {
                        let index = self.dispositif_index(value);
                        dispositif = Some(index);
                        segments.push(Segment::Dispositif(index));
                    }
                    _ => {
                        let party = self.party(file, value)?;
                        parties.push(party);
                        segments.push(Segment::Party(party));
                    }
                }
                literal.push_str(after);
            } else if in_shares {
                // `"59009" = "7"` or `MEL = "40"`: the key becomes the clone's id, always quoted.
                let party = self.party(file, &key)?;
                parties.push(party);
                let indent = &line[..line.len() - trimmed.len()];
                literal.push_str(indent);
                literal.push('"');
                segments.push(Segment::Text(std::mem::take(&mut literal)));
                segments.push(Segment::Party(party));
                literal.push('"');
                literal.push_str(" =");
                literal.push_str(&line[value_start..]);
            } else if let Some(open) = inline_shares(line) {
                let close = line[open..]
                    .find('}')
                    .map(|offset| open + offset)
                    .ok_or_else(|| template_error(file, "table `shares = { … }` sur plusieurs lignes"))?;
                literal.push_str(&line[..=open]);
                let entries: Vec<&str> =
                    line[open + 1..close].split(',').filter(|entry| !entry.trim().is_empty()).collect();
                for (position, entry) in entries.iter().enumerate() {
                    let (key, value) = entry
                        .split_once('=')
                        .ok_or_else(|| template_error(file, "entrée de `shares` sans `=`"))?;
                    let key = key.trim().trim_matches('"');
                    let party = self.party(file, key)?;
                    parties.push(party);
                    literal.push_str(if position == 0 { " \"" } else { ", \"" });
                    segments.push(Segment::Text(std::mem::take(&mut literal)));
                    segments.push(Segment::Party(party));
                    literal.push_str("\" = ");
                    literal.push_str(value.trim());
                }
                literal.push(' ');
                literal.push_str(&line[close..]);
            } else {
                literal.push_str(line);
            }
        }
        segments.push(Segment::Text(literal));
        let id = id.ok_or_else(|| template_error(file, "pas de clé `id`"))?;
        parties.sort_unstable();
        parties.dedup();
        Ok(ConventionTemplate { stem, id, dispositif, segments, parties, members: Vec::new() })
    }

    fn read_tables(&mut self) -> Result<(), SynthError> {
        let convention_index: HashMap<String, usize> =
            self.conventions.iter().enumerate().map(|(index, c)| (c.id.clone(), index)).collect();
        let mut deposit_index: HashMap<String, usize> = HashMap::new();
        for &(name, required, columns) in TABLES {
            let path = self.dir.join(name);
            if !path.is_file() {
                if required {
                    return Err(template_error(name, "fichier absent"));
                }
                continue;
            }
            let (header, records) = read_csv(&path)?;
            let mut roles: Vec<Option<Role>> = vec![None; header.len()];
            for &(column_name, role) in columns {
                if let Some(position) = column(&header, column_name) {
                    roles[position] = Some(role);
                }
            }
            let mut rows = Vec::with_capacity(records.len());
            for (line, record) in records.iter().enumerate() {
                let at = || format!("{name}:{}", line + 2);
                let mut cells = Vec::with_capacity(record.len());
                for (position, value) in record.iter().enumerate() {
                    let cell = match roles.get(position).copied().flatten() {
                        None => Cell::Text(value.to_owned()),
                        Some(_) if value.is_empty() => Cell::Text(String::new()),
                        Some(Role::Party) => Cell::Party(self.party(&at(), value)?),
                        Some(Role::Convention) => {
                            Cell::Convention(convention_index.get(value).copied().ok_or_else(|| {
                                template_error(at(), format!("convention « {value} » inconnue"))
                            })?)
                        }
                        Some(Role::Dispositif) => Cell::Dispositif(self.dispositif_index(value)),
                        Some(Role::DepositKey) => {
                            let index = self.deposits.len();
                            self.deposits.push(value.to_owned());
                            deposit_index.insert(value.to_owned(), index);
                            Cell::Deposit(index)
                        }
                        Some(Role::Deposit) => Cell::Deposit(
                            deposit_index
                                .get(value)
                                .copied()
                                .ok_or_else(|| template_error(at(), format!("dépôt « {value} » inconnu")))?,
                        ),
                        Some(Role::Unique(style)) => Cell::Unique(value.to_owned(), style),
                    };
                    cells.push(cell);
                }
                if self.deposits.len() > self.deposit_conventions.len() {
                    // A deposit is cloned with its convention.
                    let convention = cells.iter().find_map(|cell| match cell {
                        Cell::Convention(index) => Some(*index),
                        _ => None,
                    });
                    let convention =
                        convention.ok_or_else(|| template_error(at(), "dépôt sans convention"))?;
                    self.deposit_conventions.push(convention);
                }
                rows.push(cells);
            }
            let mut scaled = vec![None; rows.len()];
            if name == "cee_operations.csv" {
                let mut rank = 0;
                for (row, cells) in rows.iter().enumerate() {
                    let commune = cells.iter().any(
                        |cell| matches!(cell, Cell::Party(party) if self.roles[*party] == PartyRole::Commune),
                    );
                    if !commune {
                        scaled[row] = Some(rank);
                        rank += 1;
                    }
                }
            }
            self.tables.push(TableTemplate { name, header, rows, scaled });
        }
        Ok(())
    }
}

impl Template {
    fn table(&self, name: &str) -> Option<&TableTemplate> {
        self.tables.iter().find(|table| table.name == name)
    }

    /// Fills each convention's `members` from `memberships.csv`.
    fn list_members(&mut self) {
        let Some(memberships) = self.tables.iter().find(|table| table.name == "memberships.csv") else {
            return;
        };
        let (Some(convention), Some(member)) =
            (column(&memberships.header, "convention"), column(&memberships.header, "member"))
        else {
            return;
        };
        for row in &memberships.rows {
            if let (Some(Cell::Convention(convention)), Some(Cell::Party(member))) =
                (row.get(convention), row.get(member))
            {
                self.conventions[*convention].members.push(*member);
            }
        }
        for convention in &mut self.conventions {
            convention.members.sort_unstable();
            convention.members.dedup();
        }
    }

    /// Groups the activity rows by convention and semester, with the members present in each semester.
    fn activity_fill(&self) -> Option<ActivityFill> {
        let activity = self.table("activity.csv")?;
        let memberships = self.table("memberships.csv")?;
        let position = |table: &TableTemplate, name: &str| column(&table.header, name);
        let (member, quantity, semester) =
            (position(activity, "member")?, position(activity, "quantity")?, position(activity, "semester")?);
        let convention = position(activity, "convention")?;
        let (joined, left) = (position(memberships, "joined")?, position(memberships, "left")?);
        let (m_convention, m_member) =
            (position(memberships, "convention")?, position(memberships, "member")?);
        let text = |cells: &[Cell], at: usize| match cells.get(at) {
            Some(Cell::Text(text)) => text.clone(),
            _ => String::new(),
        };
        let index = |cells: &[Cell], at: usize| match cells.get(at) {
            Some(Cell::Convention(index) | Cell::Party(index)) => Some(*index),
            _ => None,
        };
        let mut groups: Vec<(usize, String, ActivityGroup)> = Vec::new();
        for (row_index, row) in activity.rows.iter().enumerate() {
            let (Some(convention), semester) = (index(row, convention), text(row, semester)) else {
                continue;
            };
            match groups.iter_mut().find(|(c, s, _)| *c == convention && *s == semester) {
                Some((_, _, group)) => group.rows.push(row_index),
                None => {
                    let group = ActivityGroup { convention, rows: vec![row_index], present: Vec::new() };
                    groups.push((convention, semester, group));
                }
            }
        }
        for (convention, semester, group) in &mut groups {
            let Some((start, end)) = semester_range(semester) else { continue };
            for row in &memberships.rows {
                let (Some(c), Some(party)) = (index(row, m_convention), index(row, m_member)) else {
                    continue;
                };
                let (joined, left) = (text(row, joined), text(row, left));
                if c == *convention && joined.as_str() <= end.as_str() && (left.is_empty() || left >= start) {
                    group.present.push(party);
                }
            }
        }
        Some(ActivityFill {
            member,
            quantity,
            groups: groups.into_iter().map(|(_, _, group)| group).collect(),
        })
    }
}

/// The first and last days of a semester (`2026-S1` → `2026-01-01`, `2026-06-30`).
fn semester_range(semester: &str) -> Option<(String, String)> {
    let (year, half) = semester.split_once("-S")?;
    match half {
        "1" => Some((format!("{year}-01-01"), format!("{year}-06-30"))),
        "2" => Some((format!("{year}-07-01"), format!("{year}-12-31"))),
        _ => None,
    }
}

/// The key of a `key = value` line (unquoted) and the byte offset just after its `=`.
fn split_key(line: &str) -> Option<(String, usize)> {
    let trimmed = line.trim_start();
    let offset = line.len() - trimmed.len();
    if let Some(rest) = trimmed.strip_prefix('"') {
        let close = rest.find('"')?;
        let after = &rest[close + 1..];
        let equals = after.find('=')?;
        after[..equals]
            .trim()
            .is_empty()
            .then(|| (rest[..close].to_owned(), offset + 1 + close + 1 + equals + 1))
    } else {
        let equals = trimmed.find('=')?;
        let key = trimmed[..equals].trim();
        (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .then(|| (key.to_owned(), offset + equals + 1))
    }
}

/// The text before a basic string value starting after `value_start`, including its opening quote; the value;
/// the rest of the line from its closing quote.
fn string_value(line: &str, value_start: usize) -> Option<(&str, &str, &str)> {
    let open = value_start + line[value_start..].find('"')?;
    if !line[value_start..open].trim().is_empty() {
        return None;
    }
    let close = open + 1 + line[open + 1..].find('"')?;
    let value = &line[open + 1..close];
    (!value.contains('\\')).then(|| (&line[..=open], value, &line[close..]))
}

/// The byte offset of the `{` of an inline `shares = {` on the line.
fn inline_shares(line: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = line[from..].find("shares") {
        let start = from + found;
        let before_ok = start == 0 || {
            let byte = line.as_bytes()[start - 1];
            !(byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' || byte == b'"')
        };
        let rest = line[start + "shares".len()..].trim_start();
        if before_ok && let Some(after_equals) = rest.strip_prefix('=') {
            let after = after_equals.trim_start();
            if after.starts_with('{') {
                return Some(line.len() - after.len());
            }
        }
        from = start + "shares".len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split() {
        assert_eq!(split_key("id = \"cam-2019\"\n"), Some(("id".into(), 4)));
        assert_eq!(split_key("\"59009\" = \"7\"\n"), Some(("59009".into(), 9)));
        assert_eq!(split_key("MEL = \"40\""), Some(("MEL".into(), 5)));
        assert_eq!(split_key("not a key"), None);
    }

    #[test]
    fn inline_shares_found() {
        let line = "key = { key = \"fixed_percentages\", shares = { MEL = \"30\", \"59350\" = \"70\" } }\n";
        let open = inline_shares(line).unwrap();
        assert_eq!(&line[open..open + 2], "{ ");
        assert_eq!(inline_shares("fair_shares = 3"), None);
    }
}
