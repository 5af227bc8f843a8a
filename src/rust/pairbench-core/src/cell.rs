//! The cell spec JSON written by phase 1; both sides read the same file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct Cell {
    pub cell_id: String,
    pub run_id: String,
    pub domain: String,
    pub task: String,
    pub algorithm: String,
    pub dataset: String,
    pub params: BTreeMap<String, Value>,
    /// One entry per side (name, language, backend, package|binary); the first is the baseline.
    pub frameworks: Vec<BTreeMap<String, String>>,
    pub seed: i64,
    pub dtype: String,
    pub threads: u32,
    pub warmup: u32,
    pub samples: u32,
    /// The measurement protocol's settings, written by phase 1 from their one source
    /// (`pairbench.core.protocol`); no defaults here, so both harnesses apply the same values. Optional
    /// only for cells built in code to carry parameters (linfa-py): a run refuses a cell without it.
    #[serde(default)]
    pub protocol: Option<Protocol>,
}

/// See `pairbench.core.protocol.Protocol` (same fields, same meaning) and runner.rs for their use.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub sample_floor_s: f64,
    pub warmup_min_s: f64,
    pub warmup_max_calls: u32,
    pub warmup_max_s: f64,
    pub phase_budget_s: f64,
    pub min_samples: u32,
    pub max_batch: u32,
}

/// Every key a side reads from the cell, none with a default in code, so the cell file holds every value
/// used; each missing one is named, in the Python sides' words (`pairbench.core.cells.require_params`).
pub fn require_params(cell: &Cell, keys: &[&str]) -> Result<()> {
    let missing: Vec<String> = keys
        .iter()
        .filter(|k| !cell.params.contains_key(**k))
        .map(|k| format!("param {k:?} missing"))
        .collect();
    if !missing.is_empty() {
        bail!("cell {}: {}", cell.cell_id, missing.join("; "));
    }
    Ok(())
}

/// The string under `key` (e.g. the run's `device`), required.
pub fn str_param<'a>(cell: &'a Cell, key: &str) -> Result<&'a str> {
    require_params(cell, &[key])?;
    cell.params[key]
        .as_str()
        .with_context(|| format!("cell {}: param {key:?} is not a string", cell.cell_id))
}

/// The entry called `name` in a binary's algorithm table, or an error naming the allowed ones.
pub fn lookup<'a, T>(table: &'a [(&str, T)], name: &str, what: &str) -> Result<&'a T> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, entry)| entry)
        .with_context(|| {
            let names: Vec<_> = table.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown {what} algorithm {name:?}; allowed: {}",
                names.join(", ")
            )
        })
}

/// The pattern every name that becomes part of a path or a command must match (same rule as Python's
/// `pairbench.core.names.NAME_PATTERN`): `[A-Za-z0-9_.-]+`, and not `.` or `..`.
pub const NAME_PATTERN: &str = "[A-Za-z0-9_.-]+ (and not . or ..)";

/// Whether `name` is safe to use as one path component or one command word.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl Cell {
    /// The protocol settings a run applies; a cell without them is refused, naming the cell.
    pub fn protocol(&self) -> Result<Protocol> {
        self.protocol.with_context(|| {
            format!(
                "cell {}: protocol missing (phase 1 writes the measurement protocol into every cell)",
                self.cell_id
            )
        })
    }

    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading cell spec {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("cell spec {}", path.display()))
    }

    /// A cell spec from its JSON text; names that become paths must match [`NAME_PATTERN`].
    pub fn parse(text: &str) -> Result<Self> {
        let cell: Cell = serde_json::from_str(text).context("not a valid cell spec")?;
        // A cell id also carries `key=value` grid points.
        let cell_id = cell.cell_id.replace('=', "_");
        let names = [
            ("cell_id", &cell_id),
            ("domain", &cell.domain),
            ("task", &cell.task),
            ("algorithm", &cell.algorithm),
            ("dataset", &cell.dataset),
        ];
        let bad: Vec<String> = names
            .iter()
            .filter(|(_, v)| !is_safe_name(v))
            .map(|(k, v)| format!("{k}: invalid name {v:?}"))
            .collect();
        if !bad.is_empty() {
            bail!("{}; allowed: {NAME_PATTERN}", bad.join("; "));
        }
        Ok(cell)
    }

    /// The side called `name`, with an error listing the cell's sides when there is none.
    pub fn side(&self, name: &str) -> Result<&BTreeMap<String, String>> {
        self.frameworks
            .iter()
            .find(|f| f.get("name").map(String::as_str) == Some(name))
            .with_context(|| {
                let names: Vec<_> = self
                    .frameworks
                    .iter()
                    .filter_map(|f| f.get("name").cloned())
                    .collect();
                format!(
                    "cell {}: no side {name:?}; allowed: {}",
                    self.cell_id,
                    names.join(", ")
                )
            })
    }

    /// The [`Framework`](crate::schema::Framework) record of side `name`, with the version this binary was built with.
    pub fn framework(&self, name: &str, version: &str) -> Result<crate::schema::Framework> {
        let side = self.side(name)?;
        Ok(crate::schema::Framework {
            name: name.to_string(),
            version: version.to_string(),
            backend: side.get("backend").cloned().unwrap_or_default(),
        })
    }

    /// A parameter as f64, with an error naming the cell and the key when it is absent or not a number.
    pub fn param_f64(&self, key: &str) -> Result<f64> {
        self.params
            .get(key)
            .and_then(Value::as_f64)
            .with_context(|| {
                format!(
                    "cell {}: param {key:?} missing or not a number",
                    self.cell_id
                )
            })
    }

    pub fn param_u32(&self, key: &str) -> Result<u32> {
        let v = self
            .params
            .get(key)
            .and_then(Value::as_u64)
            .with_context(|| {
                format!(
                    "cell {}: param {key:?} missing or not an unsigned integer",
                    self.cell_id
                )
            })?;
        u32::try_from(v)
            .with_context(|| format!("cell {}: param {key:?}={v} does not fit u32", self.cell_id))
    }

    pub fn param_bool(&self, key: &str) -> Result<bool> {
        self.params
            .get(key)
            .and_then(Value::as_bool)
            .with_context(|| {
                format!(
                    "cell {}: param {key:?} missing or not a boolean",
                    self.cell_id
                )
            })
    }
}
