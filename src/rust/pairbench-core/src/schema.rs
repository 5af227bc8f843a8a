//! Result schema v1 as serde structs. `schemas/result.schema.json` is the source of truth; the
//! test below validates what these structs serialise against that file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const SCHEMA_VERSION: &str = "1.1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Framework {
    pub name: String,
    pub version: String,
    pub backend: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DatasetInfo {
    pub name: String,
    pub n_train: u64,
    pub n_test: u64,
    pub n_features: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhaseTiming {
    pub unit: String,
    /// Warm-up calls run and discarded.
    pub warmup: u32,
    /// Seconds per call: each sample is a batch's elapsed time divided by `batch`.
    pub samples: Vec<f64>,
    /// Calls timed together per sample (absent in older results: 1).
    #[serde(default = "one", skip_serializing_if = "Option::is_none")]
    pub batch: Option<u32>,
    /// Seconds spent in warm-up (absent in older results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_s: Option<f64>,
    /// CPU seconds (user + system, every thread) per call, one per sample (absent before v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_samples: Option<Vec<f64>>,
}

fn one() -> Option<u32> {
    Some(1)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Timing {
    pub phases: BTreeMap<String, PhaseTiming>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Resources {
    pub peak_rss_mb: Option<f64>,
    pub cpu_percent: Option<f64>,
    /// The whole process's CPU seconds, added by the launcher from its child's rusage (absent before v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_user_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_sys_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResultDoc {
    pub schema_version: String,
    pub run_id: String,
    pub cell_id: String,
    pub launch: u32,
    pub language: String,
    pub framework: Framework,
    pub domain: String,
    pub task: String,
    pub algorithm: String,
    pub dataset: DatasetInfo,
    pub params: BTreeMap<String, Value>,
    pub seed: i64,
    pub dtype: String,
    pub threads: u32,
    pub quality: BTreeMap<String, Option<f64>>,
    pub timing: Timing,
    pub resources: Resources,
    pub status: Status,
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    pub host: String,
    /// Optional in schema v1.0 (results written before it existed stay valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_model: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, Value>,
}

impl ResultDoc {
    /// Write atomically (temp file + rename) so a crash never leaves half a result behind.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self)? + "\n";
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
    }
}
