//! The domain model of mutua.
#![forbid(unsafe_code)]
mod money;
mod period;
pub use money::*;
pub use period::*;
