//! Deterministic generator of national-size mutua datasets, for benchmarks.
//!
//! [`generate`] reads a template dataset directory (`fixtures/mel`: one EPCI, its communes and conventions, in
//! the format of `docs/data-format.md`) and writes a dataset of any number of communes in the same format: the
//! communes are split into EPCIs of the sizes [`EPCI_SIZES`] cycles through, each EPCI a clone of the template's
//! métropole with its own conventions, dispositifs, valuations and CEE deposits, each commune a clone of one
//! template commune with its own INSEE code, SIREN and SIRET, and every row of the template that names it. The
//! CEE operations of the EPCI itself and of the other bodies are cloned in proportion to the EPCI's size (an EPCI
//! of 19 communes takes one in five of the MEL's), so that they stay in the template's ratio to the communes'.
//!
//! The transformation works on the text of the template: CSV records (read and written with the `csv` crate) and
//! the lines of the convention files. It never goes through the mutua loader, so that it stays fast: 35,000
//! communes take a few seconds. The same template and the same number of communes always give the same bytes;
//! nothing reads the clock or draws random numbers.
#![forbid(unsafe_code)]

pub mod ids;
mod template;
mod write;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use template::{PartyRole, Template};

/// The EPCI sizes (communes per EPCI) the generator cycles through, in this order; the last EPCI takes what
/// remains. They average 28 communes, as France's 1,254 EPCIs à fiscalité propre share its 34,875 communes, and
/// the first is the size of the template (the MEL's 95 communes), so that 95 communes clone the template exactly.
pub const EPCI_SIZES: [usize; 18] = [95, 12, 25, 40, 18, 30, 8, 60, 22, 15, 35, 10, 28, 50, 20, 6, 14, 16];

/// The sizes of the EPCIs `communes` communes are split into: [`EPCI_SIZES`] in turn, the last EPCI taking the
/// remainder (smaller than the size it would have had). They add up to `communes`.
#[must_use]
pub fn epci_sizes(communes: usize) -> Vec<usize> {
    epci_sizes_capped(communes, usize::MAX)
}

/// [`epci_sizes`] with no EPCI larger than `cap` (the template's number of communes: a commune of the template
/// is cloned at most once into an EPCI).
fn epci_sizes_capped(communes: usize, cap: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut left = communes;
    let mut turn = 0;
    while left > 0 {
        let size = EPCI_SIZES[turn % EPCI_SIZES.len()].min(cap).min(left);
        sizes.push(size);
        left -= size;
        turn += 1;
    }
    sizes
}

/// What to do with an output directory that is not empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse it ([`SynthError::NotEmpty`]).
    Refuse,
    /// Remove the dataset files it holds (`dataset.toml`, `*.csv`, `conventions/*.toml`) and write the new ones;
    /// other files are left alone.
    Replace,
}

/// What a generation wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The number of communes.
    pub communes: usize,
    /// The size of each EPCI, in order (`E0001` first).
    pub epci_sizes: Vec<usize>,
    /// The rows of `parties.csv`.
    pub parties: usize,
    /// The convention files.
    pub conventions: usize,
    /// Each file written (`conventions/` stands for all the convention files), in the order written.
    pub files: Vec<FileSummary>,
}

/// One file (or the convention directory) of a generated dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    /// The file name, relative to the dataset directory.
    pub name: String,
    /// Rows written, without the header (files, for the convention directory; 0 for `dataset.toml`).
    pub rows: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Why a generation failed. Displayed in French, for the user of the command line.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// Zero communes asked for.
    #[error("il faut au moins une commune (--communes 1 ou plus)")]
    NoCommunes,
    /// More communes than the generated INSEE codes can number.
    #[error("au plus {max} communes ({asked} demandées) : les codes INSEE générés vont de 01001 à 99900")]
    TooManyCommunes {
        /// Communes asked for.
        asked: usize,
        /// The most the generator numbers ([`ids::MAX_COMMUNES`]).
        max: usize,
    },
    /// The template directory does not exist.
    #[error("aucun modèle de jeu de données au dossier « {} »", .0.display())]
    NoTemplate(PathBuf),
    /// The template does not have what the generator needs.
    #[error("modèle, {file} : {message}")]
    Template {
        /// The template file (and line) at fault.
        file: String,
        /// What is wrong, in French.
        message: String,
    },
    /// An id of the template is too long to take the EPCI's suffix.
    #[error("l'identifiant « {id} » du modèle dépasserait 40 caractères une fois suffixé par l'EPCI")]
    IdTooLong {
        /// The id.
        id: String,
    },
    /// The output directory is not empty and [`Overwrite::Refuse`] was asked.
    #[error("le dossier « {} » n'est pas vide : choisissez un dossier vide ou absent, ou remplacez-le (--force)", .0.display())]
    NotEmpty(PathBuf),
    /// The output path is a file.
    #[error("« {} » n'est pas un dossier", .0.display())]
    NotADirectory(PathBuf),
    /// The output directory is the template.
    #[error("le dossier de sortie « {} » est le modèle lui-même", .0.display())]
    OutIsTemplate(PathBuf),
    /// Reading or writing a file failed.
    #[error("« {} » : {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// Reading or writing a CSV file failed.
    #[error("« {} » : {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: csv::Error,
    },
}

/// Generates a dataset of `communes` communes from the template directory `template` into `out`, which must be
/// absent or empty. See [`generate_with`].
///
/// # Errors
///
/// As [`generate_with`].
pub fn generate(template: &Path, communes: usize, out: &Path) -> Result<Summary, SynthError> {
    generate_with(template, communes, out, Overwrite::Refuse)
}

/// Generates a dataset of `communes` communes from the template directory `template` into `out` (created if
/// absent; a directory that is not empty is refused or its dataset files replaced, as `overwrite` says).
///
/// # Errors
///
/// No communes or too many ([`ids::MAX_COMMUNES`]), a template that cannot be read or lacks what the generator
/// needs (exactly one `metropole`, the required tables), an output directory that is not empty, any I/O error.
pub fn generate_with(
    template: &Path,
    communes: usize,
    out: &Path,
    overwrite: Overwrite,
) -> Result<Summary, SynthError> {
    if communes == 0 {
        return Err(SynthError::NoCommunes);
    }
    if communes > ids::MAX_COMMUNES {
        return Err(SynthError::TooManyCommunes { asked: communes, max: ids::MAX_COMMUNES });
    }
    let template = Template::read(template)?;
    let sizes = epci_sizes_capped(communes, template.communes.len());
    let epcis = plan(&template, &sizes)?;
    prepare_out(out, &template.dir, overwrite)?;
    let files = write::dataset(&template, &epcis, communes, out)?;
    let parties = files.iter().find(|file| file.name == "parties.csv").map_or(0, |file| file.rows);
    let conventions = files.iter().find(|file| file.name == "conventions/").map_or(0, |file| file.rows);
    Ok(Summary { communes, epci_sizes: sizes, parties, conventions, files })
}

/// One generated EPCI: which template communes it clones, and what every template id becomes in it.
#[derive(Debug)]
pub(crate) struct Epci {
    /// Its number, from 1.
    pub number: usize,
    /// Its number padded (`0001`), appended to the names of its parties.
    pub digits: String,
    /// Its party id (`E0001`).
    pub code: String,
    /// The suffix of its conventions, dispositifs and deposits (`-e0001`).
    pub lower_suffix: String,
    /// The suffix of its other parties (`-E0001`).
    pub upper_suffix: String,
    /// Its number of communes.
    pub size: usize,
    /// The id of each template party's clone, when it has one.
    pub party_ids: Vec<Option<String>>,
    /// Whether each template convention is cloned.
    pub conventions: Vec<bool>,
    /// Whether each template dispositif is cloned.
    pub dispositifs: Vec<bool>,
    /// Whether each template CEE deposit is cloned.
    pub deposits: Vec<bool>,
}

/// Draws the communes of every EPCI and maps the template's ids.
///
/// A convention is cloned into an EPCI that has every party it names and at least one of its members: a
/// convention nobody joined is not written (mutua would also refuse to regularise one: with no titres for its
/// members, what it billed in the year before is unknown).
///
/// The communes the template's conventions name (the carrières' provider, Lille, and the members its fixed shares
/// list) come first in every EPCI large enough to hold them all, so that it clones that convention too; the
/// other slots, and every slot of a smaller EPCI, cycle through the rest of the template's communes, each EPCI
/// starting where the one before stopped, so that each is drawn about as often as the others.
fn plan(template: &Template, sizes: &[usize]) -> Result<Vec<Epci>, SynthError> {
    let width = sizes.len().to_string().len().max(4);
    check_id_lengths(template, width)?;
    let mut anchors: Vec<usize> = template
        .conventions
        .iter()
        .flat_map(|convention| convention.parties.iter().copied())
        .filter(|&party| template.roles[party] == PartyRole::Commune)
        .collect();
    anchors.sort_unstable();
    anchors.dedup();
    let others: Vec<usize> = template.communes.iter().copied().filter(|c| !anchors.contains(c)).collect();
    let (mut cursor, mut fallback_cursor, mut next_commune) = (0, 0, 0);
    let mut epcis = Vec::with_capacity(sizes.len());
    for (index, &size) in sizes.iter().enumerate() {
        let number = index + 1;
        let digits = format!("{number:0width$}");
        let mut chosen = vec![false; template.parties.len()];
        let mut draw = |pool: &[usize], cursor: &mut usize, count: usize| {
            for step in 0..count {
                chosen[pool[(*cursor + step) % pool.len()]] = true;
            }
            if count > 0 {
                *cursor = (*cursor + count) % pool.len();
            }
        };
        if !anchors.is_empty() && size >= anchors.len() {
            for &anchor in &anchors {
                draw(std::slice::from_ref(&anchor), &mut 0, 1);
            }
            draw(&others, &mut cursor, size - anchors.len());
        } else if size <= others.len() {
            draw(&others, &mut cursor, size);
        } else {
            draw(&template.communes, &mut fallback_cursor, size);
        }
        let code = format!("E{digits}");
        let upper_suffix = format!("-{code}");
        let mut party_ids = vec![None; template.parties.len()];
        for (party, role) in template.roles.iter().enumerate() {
            party_ids[party] = match role {
                PartyRole::Commune if chosen[party] => {
                    next_commune += 1;
                    Some(ids::insee_code(next_commune - 1))
                }
                PartyRole::Commune => None,
                PartyRole::Metropole => Some(code.clone()),
                PartyRole::Other => Some(format!("{}{upper_suffix}", template.id_of(party))),
            };
        }
        let conventions: Vec<bool> = template
            .conventions
            .iter()
            .map(|convention| {
                convention.parties.iter().all(|&party| party_ids[party].is_some())
                    && convention.members.iter().any(|&party| party_ids[party].is_some())
            })
            .collect();
        let dispositifs = (0..template.dispositifs.len())
            .map(|dispositif| {
                let mut organised = template
                    .conventions
                    .iter()
                    .zip(&conventions)
                    .filter(|(convention, _)| convention.dispositif == Some(dispositif))
                    .peekable();
                organised.peek().is_none() || organised.any(|(_, &cloned)| cloned)
            })
            .collect();
        let deposits =
            template.deposit_conventions.iter().map(|&convention| conventions[convention]).collect();
        epcis.push(Epci {
            number,
            lower_suffix: format!("-e{digits}"),
            digits,
            code,
            upper_suffix,
            size,
            party_ids,
            conventions,
            dispositifs,
            deposits,
        });
    }
    Ok(epcis)
}

/// Every id the generator suffixes stays within 40 characters.
fn check_id_lengths(template: &Template, width: usize) -> Result<(), SynthError> {
    let suffix = width + 2;
    let bodies = template
        .roles
        .iter()
        .enumerate()
        .filter(|(_, role)| **role == PartyRole::Other)
        .map(|(party, _)| template.id_of(party));
    let suffixed = bodies
        .chain(template.conventions.iter().map(|convention| convention.id.as_str()))
        .chain(template.dispositifs.iter().map(String::as_str))
        .chain(template.deposits.iter().map(String::as_str));
    for id in suffixed {
        if id.chars().count() + suffix > 40 {
            return Err(SynthError::IdTooLong { id: id.to_owned() });
        }
    }
    Ok(())
}

/// Creates `out`, or makes it ready: refused or emptied of its dataset files when it is not empty.
fn prepare_out(out: &Path, template: &Path, overwrite: Overwrite) -> Result<(), SynthError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| SynthError::Io { path, source }
    };
    if out.exists() {
        if !out.is_dir() {
            return Err(SynthError::NotADirectory(out.to_owned()));
        }
        let canonical = fs::canonicalize(out).map_err(io_error(out))?;
        if fs::canonicalize(template).is_ok_and(|template| template == canonical) {
            return Err(SynthError::OutIsTemplate(out.to_owned()));
        }
        let empty = fs::read_dir(out).map_err(io_error(out))?.next().is_none();
        if !empty {
            if overwrite == Overwrite::Refuse {
                return Err(SynthError::NotEmpty(out.to_owned()));
            }
            remove_files(out, |name| name == "dataset.toml" || name.ends_with(".csv"))?;
            let conventions = out.join("conventions");
            if conventions.is_dir() {
                remove_files(&conventions, |name| name.ends_with(".toml"))?;
            }
        }
    }
    let conventions = out.join("conventions");
    fs::create_dir_all(&conventions).map_err(io_error(&conventions))
}

/// Removes the files of `dir` whose name `remove` accepts.
fn remove_files(dir: &Path, remove: impl Fn(&str) -> bool) -> Result<(), SynthError> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| SynthError::Io { path, source }
    };
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let path = entry.path();
        if path.is_file() && remove(&entry.file_name().to_string_lossy()) {
            fs::remove_file(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_add_up_and_average_28() {
        assert_eq!(EPCI_SIZES.iter().sum::<usize>(), 28 * EPCI_SIZES.len());
        assert_eq!(epci_sizes(95), vec![95]);
        assert_eq!(epci_sizes(100), vec![95, 5]);
        for communes in [1, 95, 300, 1000, 5000, 35_000] {
            assert_eq!(epci_sizes(communes).iter().sum::<usize>(), communes);
        }
        assert_eq!(epci_sizes(35_000).len(), 1249);
        assert_eq!(epci_sizes_capped(30, 10), vec![10, 10, 10]);
    }
}
