//! No code. This crate's dependencies turn on one set of features for the crates that every pairbench build
//! shares; see its Cargo.toml for why.
