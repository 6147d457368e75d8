//! Text printed on documents: no control or bidirectional-control character, and a bounded length.

use super::{Problem, Report};
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

/// Every text field of the dataset that a document prints.
pub(super) fn check_texts(report: &mut Report<'_>) {
    let dataset = report.dataset;
    report.text(&dataset.meta.source, "name", &dataset.meta.name);
    for party in dataset.parties.values() {
        let source = &party.source;
        report.text(source, "name", &party.name);
        for (index, line) in party.address.lines.iter().enumerate() {
            report.text(source, &format!("address_line{}", index + 1), line);
        }
        report.text(source, "postcode", &party.address.postcode);
        report.text(source, "city", &party.address.city);
        if let Some(territoire) = &party.territoire {
            report.text(source, "territoire", territoire);
        }
        if let Some(code) = &party.invoicing.service_code {
            report.text(source, "service_code", code);
        }
        if let Some(number) = &party.invoicing.commitment_number {
            report.text(source, "commitment_number", number);
        }
    }
    for dispositif in dataset.dispositifs.values() {
        report.text(&dispositif.source, "name", &dispositif.name);
        report.text(&dispositif.source, "theme", &dispositif.theme);
    }
    for convention in dataset.conventions.values() {
        let source = &convention.source;
        report.text(source, "title", &convention.title);
        report.text(source, "reference", &convention.reference);
        report.text(source, "revenue_account", &convention.revenue_account);
        report.text(source, "expense_account", &convention.expense_account);
        for (index, terms) in convention.terms.iter().enumerate() {
            report.text(source, &format!("terms[{index}].reference"), &terms.reference);
            for (component_index, component) in terms.components.iter().enumerate() {
                let field = format!("terms[{index}].components[{component_index}]");
                report.text(source, &format!("{field}.id"), &component.id);
                report.text(source, &format!("{field}.label"), &component.label);
                if let Some(basis) = super::activity_basis(&component.rule) {
                    report.text(source, &format!("{field}.rule.basis.unit_label"), &basis.unit_label);
                    report.text(source, &format!("{field}.rule.basis.activity"), &basis.activity);
                    for unit in basis.weights.keys() {
                        report.text(source, &format!("{field}.rule.basis.weights"), unit);
                    }
                }
            }
        }
    }
    for record in &dataset.activity {
        report.text(&record.source, "activity", &record.activity);
        report.text(&record.source, "unit", &record.unit);
    }
    for valuation in &dataset.valuations {
        report.text(&valuation.source, "document", &valuation.document);
    }
    for deposit in &dataset.cee_deposits {
        report.text(&deposit.source, "id", &deposit.id);
        report.text(&deposit.source, "label", &deposit.label);
    }
    for operation in &dataset.cee_operations {
        report.text(&operation.source, "reference", &operation.reference);
    }
    for carried in &dataset.carried {
        report.text(&carried.source, "label", &carried.label);
    }
    for value in &dataset.indices {
        report.text(&value.source, "index", &value.index);
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
