//! `pairbench-calibration`: the Rust side of the calibration kernel (the Python twin is
//! `pairbench.tasks.calibration.spin`). A fixed number of steps of a SHA-256 chain per call,
//! `state = sha256(state || BLOCK)`, in the Rust harness: no I/O, so its cost is steps x a constant.
//! SHA-256 runs on the CPU's SHA extensions where it has them, as OpenSSL does for the Python side; the
//! chain is chosen because it is insensitive to the host load that makes an interpreter loop run at two
//! speeds on shared VMs (pairbench.datasets.calibration). In an A/A run the second arm
//! (`PAIRBENCH_ARM=b`) runs `effect` times as many steps, the known effect the verdicts must find.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use ndarray::Array1;
use pairbench_core::cell::{require_params, Cell};
use pairbench_core::cli::{RunArgs, Side};
use pairbench_core::dataset::{load_verified, Split};
use pairbench_core::runner::Benchmark;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The chain, as `pairbench.datasets.calibration`: a 32-byte state and a 256 KiB block whose byte i is
/// (167 i + 13) mod 256.
const BLOCK_BYTES: usize = 262_144;
/// Steps from every test start whose end states the quality gate checks against Python's.
const GATE_STEPS: u64 = 8;
/// The gate compares the first 6 bytes of the final state (little-endian): exact in a float64.
const GATE_BYTES: usize = 6;
const SECOND_ARM: &str = "b";

type State = [u8; 32];

fn block() -> Vec<u8> {
    (0..BLOCK_BYTES)
        .map(|i| (167usize.wrapping_mul(i).wrapping_add(13) & 0xFF) as u8)
        .collect()
}

/// The 32-byte state a seeded start stands for: the start, little-endian, zero-padded.
fn start_state(start: u64) -> State {
    let mut state = [0u8; 32];
    state[..8].copy_from_slice(&start.to_le_bytes());
    state
}

fn chain(mut state: State, steps: u64, block: &[u8]) -> State {
    for _ in 0..steps {
        let mut h = Sha256::new();
        h.update(state);
        h.update(block);
        state = h.finalize().into();
    }
    state
}

fn gate_value(state: &State) -> f64 {
    let mut bytes = [0u8; 8];
    bytes[..GATE_BYTES].copy_from_slice(&state[..GATE_BYTES]);
    u64::from_le_bytes(bytes) as f64
}

#[derive(Parser)]
#[command(version, about = "Rust side of pairbench's calibration kernel")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one launch of one cell and write its result JSON.
    Run {
        #[command(flatten)]
        args: RunArgs,
    },
    /// Print the tasks this binary implements, as JSON.
    Capabilities,
}

/// Steps per call of one arm: `steps`, or round(steps x effect) for an A/A run's second arm.
fn arm_steps(steps: u64, effect: f64, arm: Option<&str>) -> u64 {
    if arm == Some(SECOND_ARM) {
        (steps as f64 * effect).round() as u64
    } else {
        steps
    }
}

struct SpinBench {
    steps: u64,
    state: State,
    block: Vec<u8>,
    starts: Vec<u64>,
}

impl Benchmark for SpinBench {
    fn phases(&self) -> &'static [&'static str] {
        &["spin"]
    }
    fn run_phase(&mut self, _phase: &str) -> Result<()> {
        // black_box: the chain's result must not be computed once and reused, nor the loop removed.
        self.state = std::hint::black_box(chain(
            std::hint::black_box(self.state),
            self.steps,
            &self.block,
        ));
        Ok(())
    }
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        Ok(BTreeMap::new())
    }
    fn write_predictions(&self, path: &Path) -> Result<()> {
        let ends: Array1<f64> = self
            .starts
            .iter()
            .map(|s| gate_value(&chain(start_state(*s), GATE_STEPS, &self.block)))
            .collect();
        ndarray_npy::write_npy(path, &ends)?;
        Ok(())
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("steps_per_call".to_string(), json!(self.steps)),
            ("items_per_call".to_string(), json!({"spin": self.steps})),
        ])
    }
}

fn prepare(cell: &Cell, data_dir: &Path) -> Result<(SpinBench, pairbench_core::dataset::Manifest)> {
    if cell.task != "known_effect" {
        bail!(
            "cell {}: task {:?} not implemented; allowed: known_effect",
            cell.cell_id,
            cell.task
        );
    }
    require_params(cell, &["steps", "effect"])?;
    let split: Split<f64> = load_verified(&data_dir.join(&cell.dataset))?;
    let steps = arm_steps(
        cell.param_u32("steps").map(u64::from)?,
        cell.param_f64("effect")?,
        std::env::var("PAIRBENCH_ARM").ok().as_deref(),
    );
    let bench = SpinBench {
        steps,
        state: start_state(split.x_train[[0, 0]] as u64),
        block: block(),
        starts: split.x_test.column(0).iter().map(|v| *v as u64).collect(),
    };
    Ok((bench, split.manifest))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let caps = json!({
                "framework": "kernel-rust",
                "binary_version": env!("CARGO_PKG_VERSION"),
                "domains": {"calibration": {"known_effect": ["spin"]}},
            });
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Run { args } => {
            let side = Side {
                framework: "kernel-rust",
                version: env!("CARGO_PKG_VERSION"),
                domain: "calibration",
            };
            args.execute(&side, prepare)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_matches_sha256sum_of_the_state_and_the_block() {
        // `sha256sum` of the 32-byte state of start 12345 followed by the 256 KiB block.
        let one = chain(start_state(12_345), 1, &block());
        let hex: String = one.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "4b85a9acec9cc43367a4511aa1629432674daa2564073ed014fede4827972893"
        );
        assert_eq!(gate_value(&one), 172_540_323_005_771.0);
        assert_eq!(
            chain(start_state(12_345), 2, &block()),
            chain(one, 1, &block())
        );
        assert_eq!(arm_steps(1000, 1.1, Some("b")), 1100);
        assert_eq!(arm_steps(1000, 1.1, Some("a")), 1000);
        assert_eq!(arm_steps(1000, 1.1, None), 1000);
    }
}
