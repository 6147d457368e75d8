//! Sources of data: a dataset read into the [`mutua_core`] model, with every error located.
//!
//! The seam is [`DatasetRows`], one typed row type per table, which any source produces, and [`assemble`], which
//! checks the keys, builds the dataset and validates it into a [`mutua_core::ValidatedDataset`]. Two sources come
//! with it:
//!
//! - the directory of CSV and TOML files specified in `docs/data-format.md` ([`load_directory`]), errors located
//!   by file and line;
//! - one JSON document, [`DatasetRows`] serialised ([`json`]; `mutua import` writes one), errors located by table
//!   and key (`memberships[cep-2021/59005/2021-06-01]`) or by the document's line.
//!
//! A finance system's own source builds [`DatasetRows`] from its database and calls [`assemble`]
//! (`examples/custom_source.rs`). [`load`] reads either kind of path.
//!
//! - [`load`] reads every file of a dataset directory, then runs [`mutua_core::validate`] on the result.
//!   It never stops at the first problem: it returns [`LoadErrors`], every error of every file at once.
//! - A [`LoadError`] says where (`file`, 1-based `line`, `field`: the CSV column or the TOML key path such as
//!   `terms[0].components[1].rule.rate_per_year`) and what ([`ErrorKind`]). Displayed, it is one line:
//!   `file:line: field: message`, the file relative to the dataset directory (`conventions/cep.toml`).
//!   Errors about a whole file have no line (`parties.csv: file: missing file`).
//! - CSV cells are parsed with the core's own parsers (`Amount::parse`, `Siren::parse`, `parse_date`…), and
//!   TOML files are deserialized into the core types (`Terms`, `Rule`, `Eligibility`…), so both kinds of file
//!   accept exactly the same forms: decimals and dates as strings, never TOML floats or TOML dates.
//!
//! The crate does no printing and reads no clock and no environment: the CLI (`mutua check`) prints what
//! [`load`] returns.
//!
//! ```
//! use std::fs;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path();
//! fs::write(
//!     path.join("dataset.toml"),
//!     "name = \"Exemple\"\ncurrent_semester = \"2026-S1\"\ntitre_threshold = \"15.00\"\n\
//!      population_vintage_lag_years = 3\n",
//! )?;
//! fs::write(
//!     path.join("parties.csv"),
//!     "id,kind,name,siren,siret,insee,address_line1,postcode,city,commitment_required,commitment_number\n\
//!      MEL,metropole,Métropole Européenne de Lille,200093201,20009320100016,,\
//!      2 boulevard des Cités Unies,59040,Lille,no,\n",
//! )?;
//! fs::create_dir(path.join("conventions"))?;
//! for (file, header) in [
//!     ("populations.csv", "insee,millesime,municipale,totale"),
//!     ("dispositifs.csv", "id,name,theme"),
//!     ("memberships.csv", "convention,member,joined,left"),
//!     ("activity.csv", "convention,member,semester,activity,unit,quantity"),
//!     ("fte_costs.csv", "year,category,loaded_cost"),
//!     (
//!         "valuations.csv",
//!         "dispositif,year,basis,fte_a,fte_b,fte_c,running_costs,depreciation,subsidies,units,document",
//!     ),
//!     ("cee_deposits.csv", "id,convention,label,sold_on,price_classique,price_precarite"),
//!     ("cee_operations.csv", "deposit,beneficiary,reference,kind,kwh_cumac"),
//! ] {
//!     fs::write(path.join(file), format!("{header}\n"))?;
//! }
//! let dataset = mutua_dataset::load(path)?;
//! assert_eq!(dataset.parties.len(), 1);
//!
//! // A malformed amount and a membership of an unknown convention: both reported, located.
//! fs::write(path.join("fte_costs.csv"), "year,category,loaded_cost\n2026,A,\"62000,00\"\n")?;
//! fs::write(path.join("activity.csv"), "convention,member,semester,activity,unit,quantity\nx,MEL,2026-S3,ads,PC,1\n")?;
//! let errors = mutua_dataset::load(path).unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "activity.csv:2: semester: `2026-S3` is not a semester (expected YYYY-S1 or YYYY-S2)\n\
//!      fte_costs.csv:2: loaded_cost: `62000,00` is not a decimal number \
//!      (expected digits with an optional `.` and sign, such as 1234.56)"
//! );
//! Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod conventions;
mod csv_table;
mod error;
pub mod json;
mod load;
pub mod rows;
mod tables;
mod text;
mod toml_doc;
mod values;

pub use error::{ErrorKind, LoadError, LoadErrors};
pub use load::{load, load_directory};
pub use rows::{DatasetRows, MetaRow, assemble};
