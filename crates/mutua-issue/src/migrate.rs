//! Converting a ledger of the first format (`mutua-ledger/1`: one serialised internal record per line) to the
//! current one, keeping the original beside it (`<ledger>.v1`), never deleting it.
//!
//! Every v1 line is checked against its hash chain and read field by field (not through today's structs, so that
//! the conversion keeps working whatever they become); the records are checked against the numbering rules (a v1
//! ledger with a gap or a duplicate is refused, not converted); each run of records with one issue date and
//! semester becomes one commit. A torn last line, never acknowledged, is dropped. The XML of `cii` documents, which
//! v1 did not hash, is hashed from the file beside the PDF.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::Digest as _;

use crate::directory::resolve_location;
use crate::file_ledger::{lock_path, write_anchor};
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

/// The schema name of the first format.
pub const V1_SCHEMA: &str = "mutua-ledger/1";

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
    /// The ledger is not in the first format.
    #[error("{path} n'est pas un registre de l'ancien format : rien à convertir")]
    NotV1 {
        /// The file.
        path: PathBuf,
    },
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
            label: self.text(charge, "label")?.to_owned(),
            basis: self.text(basis, "description")?.to_owned(),
            quantity: self.optional(basis, "quantity"),
            unit: self.text(basis, "unit")?.to_owned(),
            unit_price: self.optional(basis, "unit_price"),
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
            corrects: self.optional(value, "corrects"),
            total_net: self.parse(document, "total_net")?,
            total_vat: self.parse(document, "total_vat")?,
            total: self.parse(value, "total")?,
            fingerprint: self.parse(value, "fingerprint")?,
            file: FileRecord { output, name, sha256: self.parse(value, "sha256")?, format, xml },
            lines,
        })
    }
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
            let commit =
                CommitRecord { documents: group, semester: record.semester, issue_date: record.issue_date };
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
    let original = {
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".v1");
        path.with_file_name(name)
    };
    match std::fs::read(&original) {
        Ok(copy) if copy == bytes => {}
        Ok(_) => return Err(MigrateError::CopyExists { path: original }),
        Err(_) => {
            std::fs::hard_link(path, &original).map_err(io)?;
        }
    }
    fsx::replace(path, out.as_bytes()).map_err(io)?;
    let head = chain.head();
    write_anchor(path, &head)?;
    Ok(Migration { records: records.len(), original, head, torn_bytes: (bytes.len() - complete_len) as u64 })
}
