//! Allocation: split every shared cost exactly to the cent.
#![forbid(unsafe_code)]
