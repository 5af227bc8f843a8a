//! Framework-neutral half of pairbench's deep-learning binaries: the models (written once over
//! [`ops::Ops`]), the data and batch order, the training/inference phases and the CLI. The
//! `pairbench-candle` and `pairbench-tch` binaries only implement [`ops::Engine`]. Other domains reuse
//! the same trait and plug into the CLI as [`cli::ExtraDomain`]s: rl's agents (`pairbench-rl`) and
//! the llm encoder (`pairbench-llm`).

pub mod bench;
pub mod cli;
pub mod models;
pub mod ops;
