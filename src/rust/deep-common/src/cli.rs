//! The command line every deep-learning binary shares (`run`, `capabilities`, `forward`), the
//! same verbs and flags as `pairbench-classical` so the launcher treats all binaries alike. The other
//! domains a binary serves through its engine (rl, llm) plug in as [`ExtraDomain`]s.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};
use ndarray::Array2;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use pairbench_core::cell::Cell;
use pairbench_core::cli::{RunArgs, Side};
use pairbench_core::dataset::Manifest;
use serde_json::{json, Value};

use pairbench_core::runner::Benchmark;

use crate::bench::DeepBench;
use crate::models::{CNN_MODELS, RNN_MODELS};
use crate::ops::Engine;

#[derive(Parser)]
#[command(
    version,
    about = "Rust side of pairbench's deep-learning benchmarks and of the further domains its binary serves"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one launch of one cell and write its result JSON.
    Run(RunArgs),
    /// Print the models and tasks this binary implements, as JSON.
    Capabilities,
    /// Forward pass (eval mode) of the cell's initial weights on rows of an .npy (N, features),
    /// written as float32 (N, outputs): the cross-framework agreement check in the tests.
    Forward {
        #[arg(long)]
        cell: PathBuf,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

/// A further domain a binary serves through its engine (rl's agents on candle and tch, the tch
/// binary's llm encoder), dispatched on the cell's domain.
pub struct ExtraDomain {
    pub name: &'static str,
    /// `{task: [algorithms]}`, listed under `domains.<name>` by `capabilities`.
    pub capabilities: Value,
    /// Top-level `capabilities` entries (library versions the domain adds).
    pub extra_capabilities: Value,
    pub prepare: PrepareBenchmark,
}

/// Builds a cell's benchmark for a launch (rl's `solve` trains seed k in launch k) and reads its
/// dataset manifest, as `RunArgs::execute` expects.
pub type PrepareBenchmark = fn(&Cell, &Path, u32) -> Result<(Box<dyn Benchmark>, Manifest)>;

pub fn main<E: Engine>() -> Result<()> {
    main_with::<E>(&[])
}

pub fn main_with<E: Engine>(extra: &[ExtraDomain]) -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let mut caps = json!({
                "framework": E::NAME,
                "version": E::version(),
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"deep_learning": {
                    "image_classification": CNN_MODELS,
                    "sequence_classification": RNN_MODELS,
                    "forecasting": RNN_MODELS,
                }},
                // Defect probes (config/findings.yaml) computed by the library itself, read in phase 2.
                "findings": E::findings(),
            });
            for d in extra {
                caps["domains"][d.name] = d.capabilities.clone();
                if let Value::Object(more) = &d.extra_capabilities {
                    for (k, v) in more {
                        caps[k.as_str()] = v.clone();
                    }
                }
            }
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Forward {
            cell,
            data_dir,
            input,
            out,
        } => {
            let cell = Cell::read(&cell)?;
            let (bench, _) = DeepBench::<E>::new(&cell, &data_dir)?;
            let x = Array2::<f64>::read_npy(File::open(&input)?)?;
            let (y, n_out) = bench.forward_rows(&x)?;
            Array2::from_shape_vec((x.nrows(), n_out), y)?.write_npy(File::create(&out)?)?;
            let mut facts = json!({"param_count": bench.param_count()});
            if RNN_MODELS.contains(&cell.algorithm.as_str()) {
                facts["recurrent_layer"] = Value::from(E::RECURRENT);
            }
            println!("{facts}");
            Ok(())
        }
        Command::Run(args) => {
            // One binary serves several domains: the cell says which benchmark it is.
            let cell = Cell::read(&args.cell)?;
            let launch = args.launch;
            if let Some(d) = extra.iter().find(|d| d.name == cell.domain) {
                let side = Side {
                    framework: E::NAME,
                    version: &E::version(),
                    domain: d.name,
                };
                return args.execute(&side, |cell, data_dir| (d.prepare)(cell, data_dir, launch));
            }
            let side = Side {
                framework: E::NAME,
                version: &E::version(),
                domain: "deep_learning",
            };
            args.execute(&side, |cell, data_dir| {
                let (b, m) = DeepBench::<E>::new(cell, data_dir)?;
                Ok((Box::new(b) as Box<dyn Benchmark>, m))
            })
        }
    }
}
