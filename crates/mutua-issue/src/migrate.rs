//! Converting a ledger of an earlier format to the current one (`mutua-ledger/3`), keeping the original beside it
//! (`<ledger>.v1`, `<ledger>.v2`), never deleting it. [`migrate`] recognises the format.
//!
//! - **`mutua-ledger/1`** (one serialised internal record per line): every line is checked against its hash chain
//!   and read field by field (not through today's structs, so that the conversion keeps working whatever they
//!   become); the records are checked against the numbering rules (a v1 ledger with a gap or a duplicate is
//!   refused, not converted); each run of records with one issue date and semester becomes one commit. A torn last
//!   line, never acknowledged, is dropped. The XML of `cii` documents, which v1 did not hash, is hashed from the
//!   file beside the PDF.
//! - **`mutua-ledger/2`** (lines stored as printed, in French): entry for entry, each line's printed basis becomes
//!   a [`BasisKind::Issued`] basis and its label is kept as printed, so that a credit note repeats it word for word;
//!   the checks are recomputed, and the anchor and the state of every output folder the records name move to the
//!   new chain. A v2 ledger with an interrupted run (a torn line, documents after the last commit, an output with
//!   a pending group) is refused: finish the run with the version that started it, then convert.
//!
//! Each step of a v2 conversion can be interrupted and the conversion run again: output states first (either
//! chain is accepted), then the anchor (either head), then the copy of the original, then the ledger.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::Digest as _;

use mutua_alloc::LineBasis;
use mutua_alloc::trace::{BasisKind, Unit};
use mutua_core::parse_decimal_exact;

use crate::directory::{rebase_output_state, resolve_location};
use crate::file_ledger::{anchor_path, lock_path, read_anchor, write_anchor};
use crate::fsx;
use crate::hash::Sha256;
use crate::ledger::{Chain, LedgerError, LedgerHead, LedgerIndex, entry_json};
use crate::lock::{LockWait, lock_exclusive};
use crate::names::FileName;
use crate::record::{
    CommitRecord, DocumentRecord, Entry, FileRecord, Header, LEDGER_SCHEMA, LineRecord, MigratedFrom,
    XmlRecord,
};
use mutua_documents::DocumentKind;
use mutua_einvoice::facturx::OutputFormat;

pub use crate::record::{V1_SCHEMA, V2_SCHEMA};

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Records converted.
    pub records: usize,
    /// Where the original is kept.
    pub original: PathBuf,
    /// The new ledger's head (also written to its anchor).
    pub head: LedgerHead,
    /// Bytes of a torn last line dropped.
    pub torn_bytes: u64,
}

/// Why a ledger cannot be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// The ledger is not in an earlier format.
    #[error("{path} n'est pas un registre d'un ancien format : rien à convertir")]
    NotV1 {
        /// The file.
        path: PathBuf,
    },
    /// A v2 ledger carries an interrupted run.
    #[error(
        "{path} : {what} ; terminez d'abord l'exécution avec la version qui l'a commencée (mutua run), puis \
         convertissez le registre"
    )]
    Interrupted {
        /// The file.
        path: PathBuf,
        /// What was found.
        what: String,
    },
    /// An output folder's state cannot be moved to the new chain.
    #[error(transparent)]
    Output(#[from] crate::sink::SinkError),
    /// A line cannot be read.
    #[error("{path}, ligne {line} : {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// Why.
        message: String,
    },
    /// The converted ledger breaks a numbering rule.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The original's copy is already there and differs.
    #[error("{path} existe déjà et diffère du registre : rien n'est converti")]
    CopyExists {
        /// The copy.
        path: PathBuf,
    },
}

fn v1_chain(previous: &str, json: &str) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(json.as_bytes());
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Reader<'a> {
    path: &'a Path,
    line: u64,
}

impl Reader<'_> {
    fn bad(&self, message: impl Into<String>) -> MigrateError {
        MigrateError::Line { path: self.path.to_path_buf(), line: self.line, message: message.into() }
    }

    fn text<'v>(&self, value: &'v Value, key: &str) -> Result<&'v str, MigrateError> {
        value.get(key).and_then(Value::as_str).ok_or_else(|| self.bad(format!("champ « {key} » absent")))
    }

    fn parse<T: std::str::FromStr>(&self, value: &Value, key: &str) -> Result<T, MigrateError>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.text(value, key)?;
        text.parse().map_err(|error: T::Err| self.bad(format!("champ « {key} » : {error}")))
    }

    fn optional(&self, value: &Value, key: &str) -> Option<String> {
        value.get(key).and_then(Value::as_str).map(str::to_owned)
    }

    fn line_kind(&self, kind: &Value) -> Result<String, MigrateError> {
        let tag = self.text(kind, "kind")?;
        Ok(match tag {
            "current" => "current".to_owned(),
            "regularisation" => {
                let year =
                    kind.get("year").and_then(Value::as_i64).ok_or_else(|| self.bad("année absente"))?;
                format!("regularisation:{year}")
            }
            "cee_share" => format!("cee:{}", self.text(kind, "deposit")?),
            "carried" => format!("carried:{}", self.text(kind, "semester")?),
            other => return Err(self.bad(format!("type de ligne « {other} » inconnu"))),
        })
    }

    fn vat(&self, vat: &Value) -> Result<String, MigrateError> {
        match self.text(vat, "regime")? {
            "out_of_scope" => Ok("out_of_scope".to_owned()),
            "taxable" => Ok(format!("taxable:{}", self.text(vat, "rate_percent")?)),
            other => Err(self.bad(format!("régime de TVA « {other} » inconnu"))),
        }
    }

    fn line(&self, charge: &Value) -> Result<LineRecord, MigrateError> {
        let basis = charge.get("basis").ok_or_else(|| self.bad("base absente"))?;
        Ok(LineRecord {
            dispositif: self.parse(charge, "dispositif")?,
            convention: self.parse(charge, "convention")?,
            component: self.text(charge, "component")?.to_owned(),
            line_kind: self.line_kind(charge.get("kind").ok_or_else(|| self.bad("type de ligne absent"))?)?,
            payer: self.parse(charge, "payer")?,
            payee: self.parse(charge, "payee")?,
            provider_pays: charge.get("provider_pays").and_then(Value::as_bool).unwrap_or(false),
            settlement: self.text(charge, "settlement")?.to_owned(),
            vat: self.vat(charge.get("vat").ok_or_else(|| self.bad("TVA absente"))?)?,
            revenue_account: self.text(charge, "revenue_account")?.to_owned(),
            expense_account: self.text(charge, "expense_account")?.to_owned(),
            convention_reference: self.text(charge, "convention_reference")?.to_owned(),
            // Printed with the convention's reference: converted documents are printed as they were.
            terms_reference: None,
            label: self.text(charge, "label")?.to_owned(),
            basis: printed_basis(
                self.text(basis, "description")?,
                self.optional(basis, "quantity").as_deref(),
                self.text(basis, "unit")?,
                self.optional(basis, "unit_price").as_deref(),
            )
            .map_err(|message| self.bad(message))?,
            amount: self.parse(charge, "amount")?,
        })
    }

    fn record(&self, value: &Value, ledger: &Path) -> Result<DocumentRecord, MigrateError> {
        let document = value.get("document").ok_or_else(|| self.bad("document absent"))?;
        let kind_text = self.text(value, "kind")?;
        let kind = crate::record::parse_kind(kind_text)
            .ok_or_else(|| self.bad(format!("type « {kind_text} » inconnu")))?;
        let file = self.text(value, "file")?;
        let (output, name) = match file.rsplit_once('/') {
            Some((output, name)) => (output.to_owned(), name),
            None => (".".to_owned(), file),
        };
        let name = FileName::parse(name).map_err(|error| self.bad(error.to_string()))?;
        let e_invoice = matches!(kind, DocumentKind::Invoice | DocumentKind::CreditNote);
        let format = match self.optional(value, "format").as_deref() {
            _ if !e_invoice => OutputFormat::Pdf,
            Some(text) => text.parse().map_err(|error| self.bad(format!("{error}")))?,
            None => OutputFormat::FacturX,
        };
        let xml = if format == OutputFormat::Cii {
            let xml_name =
                name.as_str().strip_suffix(".pdf").map(|stem| format!("{stem}.xml")).unwrap_or_default();
            let xml_name = FileName::parse(&xml_name).map_err(|error| self.bad(error.to_string()))?;
            let path = resolve_location(ledger, &output).join(xml_name.as_str());
            std::fs::read(&path).ok().map(|bytes| XmlRecord { name: xml_name, sha256: Sha256::of(&bytes) })
        } else {
            None
        };
        let lines = document
            .get("lines")
            .and_then(Value::as_array)
            .ok_or_else(|| self.bad("lignes absentes"))?
            .iter()
            .map(|charge| self.line(charge))
            .collect::<Result<Vec<_>, _>>()?;
        let corrects = self.optional(value, "corrects");
        let mut lines = lines;
        if corrects.is_some() {
            for line in &mut lines {
                if let Some(cancelled) = line.label.strip_prefix(V2_CANCELLATION_PREFIX) {
                    line.label = cancelled.to_owned();
                }
            }
        }
        Ok(DocumentRecord {
            number: self.text(value, "number")?.to_owned(),
            series: self.parse(value, "series")?,
            sequence: value
                .get("sequence")
                .and_then(Value::as_u64)
                .ok_or_else(|| self.bad("séquence absente"))?,
            kind,
            issuer: self.parse(value, "issuer")?,
            recipient: self.parse(value, "recipient")?,
            semester: self.parse(value, "semester")?,
            issue_date: self.parse(value, "issue_date")?,
            corrects,
            total_net: self.parse(document, "total_net")?,
            total_vat: self.parse(document, "total_vat")?,
            total: self.parse(value, "total")?,
            fingerprint: self.parse(value, "fingerprint")?,
            file: FileRecord { output, name, sha256: self.parse(value, "sha256")?, format, xml },
            lines,
            // A second-format ledger was written before parties had legal names.
            naming: mutua_documents::Naming::Mairie,
            // Issued before particulars were recorded: printed as they were then.
            particulars: None,
        })
    }
}

/// A basis as an earlier format printed it: its wording, and its figures.
fn printed_basis(
    description: &str,
    quantity: Option<&str>,
    unit: &str,
    unit_price: Option<&str>,
) -> Result<LineBasis, String> {
    let decimal = |field: &str, text: Option<&str>| {
        text.map(|t| parse_decimal_exact(t).map_err(|error| format!("champ « {field} » : {error}")))
            .transpose()
    };
    Ok(LineBasis {
        quantity: decimal("quantity", quantity)?,
        unit: Unit::Named(unit.to_owned()),
        unit_price: decimal("unit_price", unit_price)?,
        kind: BasisKind::Issued { description: description.to_owned() },
        presence: None,
        revision: None,
        bounds: Vec::new(),
    })
}

/// Converts the ledger at `path` from whichever earlier format it is in, under its lock. `reanchor`: convert a
/// v2 ledger that has lost its anchor (only for a ledger known to be whole).
pub fn migrate(path: &Path, holder: &str, wait: LockWait, reanchor: bool) -> Result<Migration, MigrateError> {
    let first = std::fs::read(path)
        .map_err(|source| MigrateError::Ledger(LedgerError::Io { path: path.to_path_buf(), source }))?;
    let first_line = first.split(|&b| b == b'\n').next().unwrap_or_default();
    let json = first_line.split(|&b| b == b'\t').next().unwrap_or_default();
    let schema = serde_json::from_slice::<Value>(json)
        .ok()
        .and_then(|value| value.get("schema").and_then(Value::as_str).map(str::to_owned));
    match schema.as_deref() {
        Some(V2_SCHEMA) => migrate_v2(path, holder, wait, reanchor),
        Some(_) => Err(MigrateError::NotV1 { path: path.to_path_buf() }),
        None => migrate_v1(path, holder, wait),
    }
}

/// Keeps the original beside the ledger as `<ledger><suffix>` (a hard link), unless an identical copy is there.
fn keep_original(path: &Path, bytes: &[u8], suffix: &str) -> Result<PathBuf, MigrateError> {
    let io = |source| MigrateError::Ledger(LedgerError::Io { path: path.to_path_buf(), source });
    let original = {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(suffix);
        path.with_file_name(name)
    };
    match std::fs::read(&original) {
        Ok(copy) if copy == bytes => {}
        Ok(_) => return Err(MigrateError::CopyExists { path: original }),
        Err(_) => {
            std::fs::hard_link(path, &original).map_err(io)?;
        }
    }
    Ok(original)
}

/// The prefix v1 and v2 stored on the lines of a credit note or a cancellation, which the presentation now adds.
const V2_CANCELLATION_PREFIX: &str = "Annulation — ";

/// A v2 line: its printed basis, quantity, unit and unit price become a [`BasisKind::Issued`] basis. On a credit
/// note or a cancellation (`corrects`), the label loses the prefix v2 stored with it: it is the label of the line
/// cancelled, and the presentation of a cancelling document prefixes it.
fn v2_line(line: &mut Value, corrects: bool) -> Result<(), String> {
    let object = line.as_object_mut().ok_or("ligne illisible")?;
    if corrects {
        let label = object.get("label").and_then(Value::as_str).ok_or("champ « label » absent")?;
        if let Some(cancelled) = label.strip_prefix(V2_CANCELLATION_PREFIX) {
            object.insert("label".to_owned(), Value::String(cancelled.to_owned()));
        }
    }
    let text = |object: &serde_json::Map<String, Value>, key: &str| {
        object.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let description = text(object, "basis").ok_or("champ « basis » absent")?;
    let unit = text(object, "unit").ok_or("champ « unit » absent")?;
    let basis = printed_basis(
        &description,
        text(object, "quantity").as_deref(),
        &unit,
        text(object, "unit_price").as_deref(),
    )?;
    for key in ["quantity", "unit", "unit_price"] {
        object.remove(key);
    }
    object.insert("basis".to_owned(), serde_json::to_value(basis).map_err(|error| error.to_string())?);
    Ok(())
}

/// Converts a `mutua-ledger/2` ledger, entry for entry. See the module's documentation.
fn migrate_v2(path: &Path, holder: &str, wait: LockWait, reanchor: bool) -> Result<Migration, MigrateError> {
    let io = |source| MigrateError::Ledger(LedgerError::Io { path: path.to_path_buf(), source });
    let _lock = lock_exclusive(&lock_path(path), holder, wait).map_err(LedgerError::from)?;
    let bytes = std::fs::read(path).map_err(io)?;
    let interrupted =
        |what: &str| MigrateError::Interrupted { path: path.to_path_buf(), what: what.to_owned() };
    if bytes.last().is_some_and(|&b| b != b'\n') {
        return Err(interrupted("sa dernière ligne est incomplète"));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| MigrateError::Line {
        path: path.to_path_buf(),
        line: 0,
        message: "pas en UTF-8".into(),
    })?;
    let mut old = Chain::default();
    let mut new = Chain::default();
    let mut out = String::with_capacity(bytes.len() * 2);
    let mut records = Vec::new();
    let mut after_commit = 0usize;
    for (index, line) in text.lines().enumerate() {
        let reader = Reader { path, line: index as u64 + 1 };
        let (json, check) = line.rsplit_once('\t').ok_or_else(|| reader.bad("pas de somme de contrôle"))?;
        if old.push(json.as_bytes()).to_string() != check {
            return Err(MigrateError::Ledger(LedgerError::Tampered {
                path: path.to_path_buf(),
                line: reader.line,
            }));
        }
        let mut value: Value = serde_json::from_str(json).map_err(|error| reader.bad(error.to_string()))?;
        let entry = match value.get("type").and_then(Value::as_str) {
            Some("header") if index == 0 => {
                if value.get("schema").and_then(Value::as_str) != Some(V2_SCHEMA) {
                    return Err(MigrateError::NotV1 { path: path.to_path_buf() });
                }
                Entry::Header(Header { schema: LEDGER_SCHEMA.to_owned(), migrated_from: None })
            }
            Some("document") if index > 0 => {
                let corrects = value.get("corrects").is_some_and(|c| !c.is_null());
                let lines = value
                    .get_mut("lines")
                    .and_then(Value::as_array_mut)
                    .ok_or_else(|| reader.bad("lignes absentes"))?;
                for line in lines {
                    v2_line(line, corrects).map_err(|message| reader.bad(message))?;
                }
                after_commit += 1;
                let entry: Entry =
                    serde_json::from_value(value).map_err(|error| reader.bad(error.to_string()))?;
                if let Entry::Document(record) = &entry {
                    records.push((**record).clone());
                }
                entry
            }
            Some("commit") if index > 0 => {
                after_commit = 0;
                serde_json::from_value(value).map_err(|error| reader.bad(error.to_string()))?
            }
            _ => return Err(reader.bad("entrée inattendue")),
        };
        let entry = entry_json(&entry)?;
        new.push(entry.as_bytes());
        out.push_str(&entry);
        out.push('\t');
        out.push_str(&new.last().to_string());
        out.push('\n');
    }
    if old.head().entries == 0 {
        return Err(MigrateError::NotV1 { path: path.to_path_buf() });
    }
    if after_commit > 0 {
        return Err(interrupted(&format!("{after_commit} document(s) après la dernière validation")));
    }
    LedgerIndex::build(&records).map_err(|(position, problem)| LedgerError::Corrupt {
        path: path.to_path_buf(),
        line: position as u64 + 1,
        problem,
    })?;
    // The header names where the ledger came from: rewrite it with the v2 head, and the chain from it.
    let header = Header {
        schema: LEDGER_SCHEMA.to_owned(),
        migrated_from: Some(MigratedFrom {
            schema: V2_SCHEMA.to_owned(),
            records: records.len() as u64,
            last_check: old.last().to_string(),
        }),
    };
    let (out, new) = rechain_with_header(&out, &entry_json(&Entry::Header(header))?);
    // The anchor must attest this ledger (or a conversion already under way).
    match read_anchor(&anchor_path(path))? {
        Some(anchor) if old.contains(&anchor) || anchor == new.head() => {}
        Some(anchor) => {
            return Err(MigrateError::Ledger(LedgerError::RolledBack {
                path: path.to_path_buf(),
                anchor: anchor_path(path).display().to_string(),
                found: old.head().entries,
                anchored: anchor.entries,
            }));
        }
        None if reanchor => {}
        None => {
            return Err(MigrateError::Ledger(LedgerError::Unanchored {
                path: path.to_path_buf(),
                anchor: anchor_path(path),
                records: records.len(),
            }));
        }
    }
    let mut outputs: Vec<&str> = records.iter().map(|r| r.file.output.as_str()).collect();
    outputs.sort_unstable();
    outputs.dedup();
    // Refuse before writing anything if an output cannot follow.
    for output in &outputs {
        let dir = resolve_location(path, output);
        if dir.join(crate::directory::STATE_DIR).join("pending.json").exists() {
            return Err(interrupted(&format!(
                "le dossier {} porte un groupe de documents en attente",
                dir.display()
            )));
        }
    }
    for output in &outputs {
        rebase_output_state(&resolve_location(path, output), &old, &new)?;
    }
    write_anchor(path, &new.head())?;
    let original = keep_original(path, &bytes, ".v2")?;
    fsx::replace(path, out.as_bytes()).map_err(io)?;
    Ok(Migration { records: records.len(), original, head: new.head(), torn_bytes: 0 })
}

/// The ledger `text` with its first entry replaced by `header`, and every check recomputed.
fn rechain_with_header(text: &str, header: &str) -> (String, Chain) {
    let mut chain = Chain::default();
    let mut out = String::with_capacity(text.len() + header.len());
    for (index, line) in text.lines().enumerate() {
        let entry = if index == 0 { header } else { line.rsplit_once('\t').map_or(line, |(entry, _)| entry) };
        let check = chain.push(entry.as_bytes());
        out.push_str(entry);
        out.push('\t');
        out.push_str(&check.to_string());
        out.push('\n');
    }
    (out, chain)
}

/// Converts the ledger at `path` from the first format, under its lock. The original is kept as `<path>.v1`.
pub fn migrate_v1(path: &Path, holder: &str, wait: LockWait) -> Result<Migration, MigrateError> {
    let io = |source| MigrateError::Ledger(LedgerError::Io { path: path.to_path_buf(), source });
    let _lock = lock_exclusive(&lock_path(path), holder, wait).map_err(LedgerError::from)?;
    let bytes = std::fs::read(path).map_err(io)?;
    let complete_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |index| index + 1);
    let text = std::str::from_utf8(&bytes[..complete_len]).map_err(|_| MigrateError::Line {
        path: path.to_path_buf(),
        line: 0,
        message: "pas en UTF-8".into(),
    })?;
    let mut previous = String::new();
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let reader = Reader { path, line: index as u64 + 1 };
        let (json, check) = line.rsplit_once('\t').ok_or_else(|| reader.bad("pas de somme de contrôle"))?;
        let value: Value = serde_json::from_str(json).map_err(|error| reader.bad(error.to_string()))?;
        if index == 0 && (value.get("type").is_some() || value.get("series").is_none()) {
            return Err(MigrateError::NotV1 { path: path.to_path_buf() });
        }
        if v1_chain(&previous, json) != check {
            return Err(MigrateError::Ledger(LedgerError::Tampered {
                path: path.to_path_buf(),
                line: reader.line,
            }));
        }
        previous = check.to_owned();
        records.push(reader.record(&value, path)?);
    }
    if records.is_empty() {
        return Err(MigrateError::NotV1 { path: path.to_path_buf() });
    }
    LedgerIndex::build(&records).map_err(|(position, problem)| LedgerError::Corrupt {
        path: path.to_path_buf(),
        line: position as u64 + 1,
        problem,
    })?;
    let header = Header {
        schema: LEDGER_SCHEMA.to_owned(),
        migrated_from: Some(MigratedFrom {
            schema: V1_SCHEMA.to_owned(),
            records: records.len() as u64,
            last_check: previous,
        }),
    };
    let mut entries = vec![entry_json(&Entry::Header(header))?];
    let mut group = 0u64;
    for (index, record) in records.iter().enumerate() {
        entries.push(entry_json(&Entry::Document(Box::new(record.clone())))?);
        group += 1;
        let ends_group = records
            .get(index + 1)
            .is_none_or(|next| (next.issue_date, next.semester) != (record.issue_date, record.semester));
        if ends_group {
            // An earlier format did not record what a run carried: `carried.csv` still says it.
            let commit = CommitRecord {
                documents: group,
                semester: record.semester,
                issue_date: record.issue_date,
                carried: None,
            };
            entries.push(entry_json(&Entry::Commit(commit))?);
            group = 0;
        }
    }
    let mut chain = Chain::default();
    let mut out = String::new();
    for entry in &entries {
        let check = chain.push(entry.as_bytes());
        out.push_str(entry);
        out.push('\t');
        out.push_str(&check.to_string());
        out.push('\n');
    }
    let original = keep_original(path, &bytes, ".v1")?;
    fsx::replace(path, out.as_bytes()).map_err(io)?;
    let head = chain.head();
    write_anchor(path, &head)?;
    Ok(Migration { records: records.len(), original, head, torn_bytes: (bytes.len() - complete_len) as u64 })
}
