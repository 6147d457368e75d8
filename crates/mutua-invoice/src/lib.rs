//! Invoicing: consolidated semester documents and their PDF rendering.
#![forbid(unsafe_code)]
pub mod render;
