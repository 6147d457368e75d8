//! The dataset format and its loader.
#![forbid(unsafe_code)]
