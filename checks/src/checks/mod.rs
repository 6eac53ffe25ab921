//! One file per check: its spec (the doc comment), its logic and its tests.

pub mod clock;
pub mod credentials;
pub mod endpoint;
pub mod identity;
pub mod pending;
pub mod region;
