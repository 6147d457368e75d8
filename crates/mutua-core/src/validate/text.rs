//! Text printed on documents: no control or bidirectional-control character, and a bounded length.

use super::{Problem, Report};
use crate::dataset::Dataset;
use crate::limits::TEXT_CHARS;
use crate::party::Source;

/// The first character of `text` that must not be printed: a control character (C0, DEL, C1), or a bidirectional
/// control (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) that would reorder or hide what a reader
/// sees — on a legal document, the text read must be the text stored.
#[must_use]
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

impl Report<'_> {
    /// Reports a text field that holds a forbidden character or is too long.
    pub(super) fn text(&mut self, source: &Source, field: &str, text: &str) {
        if let Some(c) = forbidden_char(text) {
            self.push(
                source,
                field,
                Problem::OutOfRange(format!(
                    "contient le caractère interdit U+{:04X} (caractère de contrôle ou de mise en forme \
                     bidirectionnelle)",
                    u32::from(c)
                )),
            );
        }
        let chars = text.chars().count();
        if chars > TEXT_CHARS {
            self.push(
                source,
                field,
                Problem::OutOfRange(format!("{chars} caractères, plus que les {TEXT_CHARS} admis")),
            );
        }
    }
}

/// A text field of the dataset that documents print, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedText<'a> {
    /// Its record's file and line.
    pub source: &'a Source,
    /// Its field (column or key path).
    pub field: String,
    /// The text.
    pub text: &'a str,
}

/// Every text field of a dataset that a document, an export or a message prints: names, addresses, labels,
/// references, units. The renderer's repertoire is checked against the same list (`mutua check`).
#[must_use]
pub fn printed_texts(dataset: &Dataset) -> Vec<PrintedText<'_>> {
    let mut texts = Vec::new();
    fn add<'a>(
        texts: &mut Vec<PrintedText<'a>>,
        source: &'a Source,
        field: impl Into<String>,
        text: &'a str,
    ) {
        texts.push(PrintedText { source, field: field.into(), text });
    }
    add(&mut texts, &dataset.meta.source, "name", &dataset.meta.name);
    for party in dataset.parties.values() {
        let source = &party.source;
        add(&mut texts, source, "name", &party.name);
        for (index, line) in party.address.lines.iter().enumerate() {
            add(&mut texts, source, format!("address_line{}", index + 1), line);
        }
        add(&mut texts, source, "postcode", &party.address.postcode);
        add(&mut texts, source, "city", &party.address.city);
        if let Some(territoire) = &party.territoire {
            add(&mut texts, source, "territoire", territoire);
        }
        if let Some(code) = &party.invoicing.service_code {
            add(&mut texts, source, "service_code", code);
        }
        if let Some(number) = &party.invoicing.commitment_number {
            add(&mut texts, source, "commitment_number", number);
        }
        if let Some(legal_name) = &party.naming.legal_name {
            add(&mut texts, source, "legal_name", legal_name);
        }
        if let Some(usage_name) = &party.naming.usage_name {
            add(&mut texts, source, "usage_name", usage_name);
        }
        if let Some(accountant) = &party.payment.accountant {
            add(&mut texts, source, "accountant", accountant);
        }
    }
    for dispositif in dataset.dispositifs.values() {
        add(&mut texts, &dispositif.source, "name", &dispositif.name);
        add(&mut texts, &dispositif.source, "theme", &dispositif.theme);
    }
    for convention in dataset.conventions.values() {
        let source = &convention.source;
        add(&mut texts, source, "title", &convention.title);
        add(&mut texts, source, "reference", &convention.reference);
        for (field, account) in [
            ("revenue_account", &convention.revenue_account),
            ("expense_account", &convention.expense_account),
        ] {
            if let Some(account) = account {
                add(&mut texts, source, field, account);
            }
        }
        for (index, terms) in convention.terms.iter().enumerate() {
            add(&mut texts, source, format!("terms[{index}].reference"), &terms.reference);
            for (component_index, component) in terms.components.iter().enumerate() {
                let field = format!("terms[{index}].components[{component_index}]");
                add(&mut texts, source, format!("{field}.id"), &component.id);
                add(&mut texts, source, format!("{field}.label"), &component.label);
                if let Some(basis) = super::activity_basis(&component.rule) {
                    add(&mut texts, source, format!("{field}.rule.basis.unit_label"), &basis.unit_label);
                    add(&mut texts, source, format!("{field}.rule.basis.activity"), &basis.activity);
                    for unit in basis.weights.keys() {
                        add(&mut texts, source, format!("{field}.rule.basis.weights"), unit);
                    }
                    for (unit, label) in &basis.labels {
                        add(&mut texts, source, format!("{field}.rule.basis.labels.{unit}"), label);
                    }
                }
            }
        }
    }
    for record in &dataset.activity {
        add(&mut texts, &record.source, "activity", &record.activity);
        add(&mut texts, &record.source, "unit", &record.unit);
    }
    for valuation in &dataset.valuations {
        add(&mut texts, &valuation.source, "document", &valuation.document);
    }
    for derivation in &dataset.unit_costs {
        add(&mut texts, &derivation.source, "document", &derivation.document);
    }
    for update in &dataset.unit_cost_updates {
        add(&mut texts, &update.source, "reason", &update.reason);
    }
    for deposit in &dataset.cee_deposits {
        add(&mut texts, &deposit.source, "id", &deposit.id);
        add(&mut texts, &deposit.source, "label", &deposit.label);
    }
    for operation in &dataset.cee_operations {
        add(&mut texts, &operation.source, "reference", &operation.reference);
    }
    for carried in &dataset.carried {
        add(&mut texts, &carried.source, "label", &carried.label);
    }
    for titre in &dataset.titres {
        add(&mut texts, &titre.source, "number", &titre.number);
        add(&mut texts, &titre.source, "component", &titre.component);
    }
    for attribution in &dataset.attributions {
        if let Some(reference) = &attribution.reference {
            add(&mut texts, &attribution.source, "reference", reference);
        }
    }
    for value in &dataset.indices {
        add(&mut texts, &value.source, "index", &value.index);
    }
    texts
}

/// Every text field of the dataset that a document prints.
pub(super) fn check_texts(report: &mut Report<'_>) {
    for text in printed_texts(report.dataset) {
        report.text(text.source, &text.field, text.text);
    }
}

#[cfg(test)]
mod tests {
    use super::forbidden_char;

    #[test]
    fn control_and_bidirectional_characters_are_forbidden() {
        for (text, found) in [
            ("Marcq-en-Barœul", None),
            ("Ville d'Armentières — « centre »", None),
            ("tab\there", Some('\t')),
            ("nul\0", Some('\0')),
            ("\u{7f}", Some('\u{7f}')),
            ("\u{85}next line", Some('\u{85}')),
            ("left\u{200E}to right", Some('\u{200E}')),
            ("\u{202E}egassem", Some('\u{202E}')),
            ("isolate\u{2067}", Some('\u{2067}')),
            ("arabic mark\u{061C}", Some('\u{061C}')),
        ] {
            assert_eq!(forbidden_char(text), found, "{text:?}");
        }
    }
}
