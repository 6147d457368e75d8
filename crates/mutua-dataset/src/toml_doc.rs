//! TOML files: parsing with spans, deserializing into the core types, and turning toml's errors (a byte span
//! and a message) into a line, a key path and a message a finance officer can act on.
//!
//! toml reports where an error is as a byte span, and inside internally tagged enums (`rule`, `key`, `pool`…)
//! serde's buffering leaves only the span of the enclosing table. So every value of the document is indexed
//! with its key path and spans, the error is pinned to the innermost node at its span, and the message
//! (which names the offending key or value) then narrows it down to the node it is about.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::ErrorKind;
use crate::text::line_number;

/// What a node of the document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NodeValue {
    Table,
    Array,
    String(String),
    Integer(String),
    Float(String),
    Boolean,
    Datetime(String),
}

/// One value of the document, with its key path (`terms[0].components[1].rule.kind`) and spans.
#[derive(Debug, Clone)]
struct Node {
    path: String,
    key_span: Option<Range<usize>>,
    value_span: Range<usize>,
    value: NodeValue,
    /// The 1-based line of its key when it has one, else of its value.
    line: u32,
}

impl Node {
    /// The byte offset the node's line is taken from: its key when it has one, else its value.
    fn offset(&self) -> usize {
        self.key_span.as_ref().map_or(self.value_span.start, |span| span.start)
    }

    /// The last segment of its path: the key (or `[i]` for an array element).
    fn name(&self) -> &str {
        let start = self
            .path
            .rfind(['.', '['])
            .map_or(0, |i| if self.path[i..].starts_with('.') { i + 1 } else { i });
        &self.path[start..]
    }

    fn is_in(&self, base: &str) -> bool {
        base.is_empty()
            || self.path == base
            || (self.path.starts_with(base) && self.path[base.len()..].starts_with(['.', '[']))
    }
}

/// A located problem in a TOML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Located {
    /// 1-based line.
    pub line: u32,
    /// Key path, or `syntax` / `document`.
    pub field: String,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// A TOML document, parsed and indexed by key path.
pub(crate) struct Document<'a> {
    tree: Spanned<DeTable<'a>>,
    nodes: Vec<Node>,
}

impl<'a> Document<'a> {
    /// Parses `text`; on syntax errors returns them all, located.
    pub(crate) fn parse(text: &'a str) -> Result<Document<'a>, Vec<Located>> {
        let (tree, errors) = DeTable::parse_recoverable(text);
        let lines = LineStarts::new(text);
        if !errors.is_empty() {
            return Err(errors
                .iter()
                .map(|error| Located {
                    line: lines.line(error.span().map_or(0, |span| span.start)),
                    field: "syntax".to_owned(),
                    kind: ErrorKind::Syntax(error.message().to_owned()),
                })
                .collect());
        }
        let mut nodes = Vec::new();
        // The root stands for the whole text (toml gives it an empty span).
        nodes.push(Node {
            path: String::new(),
            key_span: None,
            value_span: 0..text.len(),
            value: NodeValue::Table,
            line: 1,
        });
        index_table(&Indexer { text, lines }, tree.get_ref(), "", &mut nodes);
        Ok(Document { tree, nodes })
    }

    /// Deserializes the document; on failure returns the error, located.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Box<Located>> {
        let deserializer = toml::de::Deserializer::from(self.tree.clone());
        T::deserialize(deserializer).map_err(|error| Box::new(self.locate(error.span(), error.message())))
    }

    /// The 1-based line of a key path, or of its nearest ancestor the document has.
    pub(crate) fn line_of_path(&self, path: &str) -> u32 {
        let mut path = path;
        loop {
            if let Some(node) = self.nodes.iter().find(|node| node.path == path) {
                return node.line;
            }
            if path.is_empty() {
                return 1;
            }
            path = parent(path);
        }
    }

    /// The line of every key path, kept once the document is gone.
    pub(crate) fn path_lines(&self) -> PathLines {
        PathLines(self.nodes.iter().map(|node| (node.path.clone(), node.line)).collect())
    }

    /// The string at a key path, if that node is a string.
    pub(crate) fn string_at(&self, path: &str) -> Option<&str> {
        self.nodes.iter().find(|node| node.path == path).and_then(|node| match &node.value {
            NodeValue::String(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The key paths of the direct children of a table, in document order.
    pub(crate) fn children(&self, path: &str) -> Vec<&str> {
        let mut children: Vec<&Node> =
            self.nodes.iter().filter(|node| !node.path.is_empty() && parent(&node.path) == path).collect();
        children.sort_by_key(|node| node.offset());
        children.into_iter().map(|node| node.path.as_str()).collect()
    }

    /// Every table path of the document, in document order.
    pub(crate) fn tables(&self) -> Vec<&str> {
        let mut tables: Vec<&Node> =
            self.nodes.iter().filter(|node| node.value == NodeValue::Table).collect();
        tables.sort_by_key(|node| node.value_span.start);
        tables.into_iter().map(|node| node.path.as_str()).collect()
    }

    /// Pins an error to a node and rewrites its message.
    fn locate(&self, span: Option<Range<usize>>, message: &str) -> Located {
        let base = span.map_or(&self.nodes[0], |span| self.node_at(&span));
        let subtree: Vec<&Node> = {
            let mut nodes: Vec<&Node> = self.nodes.iter().filter(|node| node.is_in(&base.path)).collect();
            nodes.sort_by_key(|node| node.value_span.start);
            nodes
        };
        let located = |node: &Node, kind: ErrorKind| Located {
            line: node.line,
            field: if node.path.is_empty() { "document".to_owned() } else { node.path.clone() },
            kind,
        };
        // A float or a TOML date where the format wants a string: say how to write it. (Where it wants a whole
        // number, the generic message below says so.)
        let wants_string = message.ends_with("expected a string") || message.ends_with("date string");
        if message.contains("floating point")
            && let Some(node) = subtree.iter().find(|node| matches!(node.value, NodeValue::Float(_)))
        {
            if let (true, NodeValue::Float(literal)) = (wants_string, &node.value) {
                let advice = format!("write decimals as strings (\"{literal}\"), not as TOML floats");
                return located(node, ErrorKind::Toml(advice));
            }
            return located(node, ErrorKind::Toml(reword(message, node)));
        }
        if message.starts_with("invalid type: map")
            && let Some(node) = subtree.iter().find(|node| matches!(node.value, NodeValue::Datetime(_)))
        {
            if let (true, NodeValue::Datetime(literal)) = (wants_string, &node.value) {
                let advice = format!("write dates as strings (\"{literal}\"), not as TOML dates");
                return located(node, ErrorKind::Toml(advice));
            }
            return located(
                node,
                ErrorKind::Toml(format!("expected {}, found a TOML date", expected(message))),
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `")
            && let Some((key, _)) = rest.split_once('`')
        {
            // Inside an internally tagged enum serde only knows the enclosing table: the key may be missing
            // from it or from any table inside it.
            let nested = subtree.iter().any(|node| node.path != base.path && node.value == NodeValue::Table);
            return if is_tagged_enum(&base.path) && nested {
                located(
                    base,
                    ErrorKind::Toml(format!("missing key `{key}` (in this table or one inside it)")),
                )
            } else {
                let field = join(&base.path, key);
                Located { line: base.line, field, kind: ErrorKind::Toml("missing key".to_owned()) }
            };
        }
        if let Some(rest) = message.strip_prefix("unknown field `")
            && let Some((key, expected)) = rest.split_once('`')
        {
            let node = subtree
                .iter()
                .find(|node| node.path == join(&base.path, key))
                .or_else(|| subtree.iter().find(|node| node.key_span.is_some() && node.name() == key))
                .copied()
                .unwrap_or(base);
            return located(node, ErrorKind::Toml(format!("unknown key `{key}`{expected}")));
        }
        let node = quoted_tokens(message)
            .iter()
            .find_map(|token| {
                subtree.iter().find(|node| match &node.value {
                    NodeValue::String(text) | NodeValue::Integer(text) => text == token,
                    _ => false,
                })
            })
            .copied()
            .unwrap_or(base);
        located(node, ErrorKind::Toml(reword(message, node)))
    }

    /// The node an error span points at: one whose value or key is exactly that span (the deepest, as an
    /// array of tables shares its first element's span), else the innermost value containing its start.
    fn node_at(&self, span: &Range<usize>) -> &Node {
        let depth = |node: &Node| node.path.matches(['.', '[']).count();
        let exact = self
            .nodes
            .iter()
            .filter(|node| &node.value_span == span || node.key_span.as_ref() == Some(span))
            .max_by_key(|node| depth(node));
        exact
            .or_else(|| {
                self.nodes
                    .iter()
                    .filter(|node| node.value_span.start <= span.start && span.start < node.value_span.end)
                    .min_by_key(|node| (node.value_span.len(), usize::MAX - depth(node)))
            })
            .unwrap_or(&self.nodes[0])
    }
}

/// Whether the table at `path` is deserialized as an internally tagged enum (`rule`, `key`, `pool`, `vat`,
/// `eligibility[i]`), whose errors serde can only place on the whole table.
fn is_tagged_enum(path: &str) -> bool {
    let path = without_indices(path);
    path == "vat"
        || path == "eligibility[]"
        || path.ends_with(".rule")
        || path.ends_with(".rule.key")
        || path.ends_with(".rule.pool")
}

/// `terms[0].components[12].rule` → `terms[].components[].rule`.
pub(crate) fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for character in path.chars() {
        match character {
            '[' => {
                inside = true;
                out.push('[');
            }
            ']' => {
                inside = false;
                out.push(']');
            }
            _ if inside => {}
            _ => out.push(character),
        }
    }
    out
}

/// The line of each key path of a document.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathLines(BTreeMap<String, u32>);

impl PathLines {
    /// The 1-based line of a key path, or of its nearest ancestor the document has (line 1 at worst).
    pub(crate) fn line_of_path(&self, path: &str) -> u32 {
        let mut path = path;
        loop {
            if let Some(&line) = self.0.get(path) {
                return line;
            }
            if path.is_empty() {
                return 1;
            }
            path = parent(path);
        }
    }
}

/// The offsets of the line breaks of a text, to find the line of a byte offset in logarithmic time.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        LineStarts(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect())
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> u32 {
        line_number(self.0.partition_point(|&newline| newline < offset))
    }
}

/// What indexing needs: the text (for literals) and its line breaks.
struct Indexer<'t> {
    text: &'t str,
    lines: LineStarts,
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() { key.to_owned() } else { format!("{base}.{key}") }
}

/// The path without its last segment (`a.b[2]` → `a.b`, `a.b` → `a`, `a` → ``).
fn parent(path: &str) -> &str {
    path.rfind(['.', '[']).map_or("", |index| &path[..index])
}

fn index_table(indexer: &Indexer<'_>, table: &DeTable<'_>, base: &str, nodes: &mut Vec<Node>) {
    for (key, value) in table.iter() {
        let path = join(base, key.get_ref());
        index_value(indexer, value, path, Some(key.span()), nodes);
    }
}

fn index_value(
    indexer: &Indexer<'_>,
    value: &Spanned<DeValue<'_>>,
    path: String,
    key_span: Option<Range<usize>>,
    nodes: &mut Vec<Node>,
) {
    let value_span = value.span();
    let literal = || indexer.text.get(value_span.clone()).unwrap_or("").to_owned();
    let node_value = match value.get_ref() {
        DeValue::String(text) => NodeValue::String(text.to_string()),
        DeValue::Integer(_) => NodeValue::Integer(literal()),
        DeValue::Float(_) => NodeValue::Float(literal()),
        DeValue::Boolean(_) => NodeValue::Boolean,
        DeValue::Datetime(_) => NodeValue::Datetime(literal()),
        DeValue::Array(_) => NodeValue::Array,
        DeValue::Table(_) => NodeValue::Table,
    };
    let line = indexer.lines.line(key_span.as_ref().map_or(value_span.start, |span| span.start));
    nodes.push(Node { path: path.clone(), key_span, value_span, value: node_value, line });
    match value.get_ref() {
        DeValue::Table(table) => index_table(indexer, table, &path, nodes),
        DeValue::Array(array) => {
            for (index, item) in array.iter().enumerate() {
                index_value(indexer, item, format!("{path}[{index}]"), None, nodes);
            }
        }
        _ => {}
    }
}

/// The `backquoted` and "double-quoted" tokens of a message, in order: the values serde names.
fn quoted_tokens(message: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for quote in ['`', '"'] {
        let parts: Vec<&str> = message.split(quote).collect();
        // Odd parts are inside quotes, provided a closing quote follows.
        for index in (1..parts.len().saturating_sub(1)).step_by(2) {
            tokens.push(parts[index].to_owned());
        }
    }
    tokens
}

/// What serde says it expected, in the format's words (`invalid type: map, expected u64` → `a whole number,
/// not negative`).
fn expected(message: &str) -> String {
    let expected = message.rsplit_once("expected ").map_or(message, |(_, expected)| expected);
    vocabulary(&format!("expected {expected}")).trim_start_matches("expected ").to_owned()
}

/// Rewrites serde's message about a node into the format's words.
fn reword(message: &str, node: &Node) -> String {
    if let NodeValue::Integer(literal) = &node.value
        && message.ends_with("expected a string")
    {
        return format!("expected a string, found the number {literal} (write \"{literal}\")");
    }
    if message == "invalid type: map, expected a string" {
        return "expected a string, found a table".to_owned();
    }
    vocabulary(message)
}

/// TOML has whole numbers, not `u64` and `i32`.
fn vocabulary(message: &str) -> String {
    let mut message = message.to_owned();
    for (from, to) in [
        ("expected u64", "expected a whole number, not negative"),
        ("expected u32", "expected a whole number, not negative"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
    ] {
        message = message.replace(from, to);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_lines() {
        let text = "id = \"x\"\n\n[[terms]]\nfrom = \"2026-01-01\"\n\n[[terms.components]]\nid = \"a\"\nrule.kind = \"flat_fee\"\n\n[[terms]]\nfrom = \"2027-01-01\"\ncomponents = [{ id = \"b\", rule = { kind = \"k\" } }]\n[terms.extra]\nshares = { MEL = \"30\", \"59350\" = \"70\" }\n";
        let document = Document::parse(text).unwrap();
        let cases = [
            ("id", Some(1)),
            ("terms", Some(3)),
            ("terms[0]", Some(3)),
            ("terms[0].from", Some(4)),
            ("terms[0].components[0]", Some(6)),
            ("terms[0].components[0].rule.kind", Some(8)),
            ("terms[0].components[0].rule.bands[2].from", Some(8)),
            ("terms[1]", Some(10)),
            ("terms[1].components[0].rule.kind", Some(12)),
            ("terms[1].extra.shares.59350", Some(14)),
            ("nothing.here", Some(1)),
        ];
        for (path, line) in cases {
            assert_eq!(Some(document.line_of_path(path)), line, "{path}");
        }
        assert_eq!(document.string_at("terms[0].components[0].rule.kind"), Some("flat_fee"));
        assert_eq!(document.children("terms[1]"), ["terms[1].from", "terms[1].components", "terms[1].extra"]);
        assert_eq!(parent("a.b[2]"), "a.b");
        assert_eq!(without_indices("terms[0].components[12].rule"), "terms[].components[].rule");
        assert!(
            is_tagged_enum("terms[1].components[0].rule.key") && !is_tagged_enum("terms[1].components[0]")
        );
        assert_eq!(parent("a"), "");
    }

    #[test]
    fn syntax_errors_are_all_reported() {
        let errors = Document::parse("id = = 3\nok = 1\nx = [\n").err().unwrap();
        assert!(errors.len() >= 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].field.as_str()), (1, "syntax"));
        assert!(errors[0].kind.to_string().starts_with("TOML syntax: "), "{}", errors[0].kind);
    }

    #[test]
    fn tokens() {
        assert_eq!(
            quoted_tokens("unknown variant `fixd`, expected `fixed` or `valuation`"),
            ["fixd", "fixed", "valuation"]
        );
        assert_eq!(quoted_tokens("invalid type: string \"15000\", expected u64"), ["15000"]);
        assert!(quoted_tokens("no quote").is_empty());
    }
}
