//! The `sentence_embedding` cell over any [`Engine`]: the same phases, gate files and metadata keys as
//! `pairbench-llm-candle`'s encoder and hf_runner.py's `EncoderBenchmark`, with the model from
//! [`crate::bert`]. `pairbench-tch` serves the llm domain with it ([`domain`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use ndarray::Array2;
use pairbench_core::cell::{lookup, require_params, str_param, Cell};
use pairbench_core::dataset::Manifest;
use pairbench_core::runner::Benchmark;
use pairbench_deep::cli::ExtraDomain;
use pairbench_deep::ops::{AdamWConfig, Engine};
use serde_json::{json, Value};

use crate::bert::{Bert, BertConfig, Inputs};
use crate::text::{
    encoder_texts, int_param, scores_path, write_npy, EncoderTokenizer, ModelInputs, TokenBatch,
    DOMAIN, ENCODERS, ENCODER_PARAMS, ENCODER_PHASES, ENCODER_TASK, TOKENIZERS_VERSION,
};

/// Nothing is trained: every tensor of the checkpoint is a buffer and the optimiser never steps.
const INFERENCE: AdamWConfig = AdamWConfig {
    lr: 0.0,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weight_decay: 0.0,
    max_grad_norm: None,
};

pub struct OpsEncoder<E: Engine> {
    e: E,
    bert: Bert,
    inputs: ModelInputs,
    tok: EncoderTokenizer,
    texts: Vec<String>,
    batch: Inputs<E::T>,
    batch_size: usize,
    repeats: u32,
    load_s: f64,
}

impl<E: Engine> OpsEncoder<E> {
    pub fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        lookup(ENCODERS, &cell.algorithm, ENCODER_TASK)?;
        // Checked first: a cell missing any setting is refused before any data is loaded.
        require_params(cell, ENCODER_PARAMS)?;
        let batch_size = int_param(cell, "batch_size")?;
        let seq_len = int_param(cell, "seq_len")?;
        let repeats = int_param(cell, "latency_repeats")? as u32;
        let device = str_param(cell, "device")?.to_string();
        let (inputs, manifest) = ModelInputs::load(cell, data_dir)?;
        let t0 = Instant::now();
        let cfg = BertConfig::from_file(&inputs.dir.join("config.json"))?;
        let e = E::load(
            &inputs.dir.join("model.safetensors"),
            &[],
            INFERENCE,
            cell.threads,
            &device,
        )?;
        let bert =
            Bert::new(&e, cfg).map_err(|err| anyhow::anyhow!("{}: {err}", inputs.dir.display()))?;
        let tok = EncoderTokenizer::new(&inputs.dir, seq_len)?;
        let load_s = t0.elapsed().as_secs_f64();
        let texts = encoder_texts(&inputs.rows, batch_size, seq_len);
        let batch = bert.inputs(&e, &tok.encode(&texts)?)?;
        Ok((
            Self {
                e,
                bert,
                inputs,
                tok,
                texts,
                batch,
                batch_size,
                repeats,
                load_s,
            },
            manifest,
        ))
    }

    /// Tokenise and place the batch on the device (the `tokenize` phase, as on the other sides).
    fn tokenize(&self, texts: &[String]) -> Result<Inputs<E::T>> {
        let b: TokenBatch = self.tok.encode(texts)?;
        self.bert.inputs(&self.e, &b)
    }

    fn embed(&self, x: &Inputs<E::T>) -> Result<E::T> {
        let out = self.e.no_grad(|| self.bert.embed(&self.e, x))?;
        // A timer around a CUDA call must wait for its kernels.
        self.e.sync()?;
        Ok(out)
    }
}

impl<E: Engine> Benchmark for OpsEncoder<E> {
    fn phases(&self) -> &'static [&'static str] {
        ENCODER_PHASES
    }
    fn repeats(&self, _phase: &str) -> u32 {
        self.repeats
    }
    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "tokenize" => {
                self.tokenize(&self.texts)?;
            }
            "forward" => {
                self.embed(&self.batch)?;
            }
            "end_to_end" => {
                self.embed(&self.tokenize(&self.texts)?)?;
            }
            other => bail!(
                "unknown phase {other:?}; allowed: {}",
                ENCODER_PHASES.join(", ")
            ),
        }
        Ok(())
    }
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        Ok(BTreeMap::from([(
            "embedding_dim".to_string(),
            Some(self.bert.cfg.hidden_size as f64),
        )]))
    }
    /// Every corpus row's embedding, and every row's token ids as the scores file (spec.py's rules).
    fn write_predictions(&self, path: &Path) -> Result<()> {
        let rows = &self.inputs.rows;
        let mut out = Vec::new();
        for chunk in rows.chunks(self.batch_size) {
            out.extend(self.e.to_vec_f32(&self.embed(&self.tokenize(chunk)?)?)?);
        }
        let n = rows.len();
        write_npy(&Array2::from_shape_vec((n, out.len() / n), out)?, path)?;
        write_npy(&self.tok.token_id_scores(rows)?, &scores_path(path))
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("backend".into(), Value::from(self.e.backend()));
        m.insert(E::NAME.into(), Value::from(E::version()));
        m.insert("tokenizers".into(), Value::from(TOKENIZERS_VERSION));
        m.insert(
            "encoder".into(),
            Value::from(
                "pairbench-llm's BERT over deep-common's Ops (src/rust/llm-common/src/bert.rs)",
            ),
        );
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("model_load_s".into(), Value::from(self.load_s));
        m.insert("model_sha256".into(), self.inputs.model_sha256());
        let per_call: BTreeMap<&str, usize> = ENCODER_PHASES
            .iter()
            .map(|p| (*p, self.batch_size))
            .collect();
        m.insert("items_per_call".into(), json!(per_call));
        m
    }
}

fn prepare<E: Engine + 'static>(
    cell: &Cell,
    data_dir: &Path,
    _launch: u32,
) -> Result<(Box<dyn Benchmark>, Manifest)> {
    if cell.task != ENCODER_TASK {
        bail!(
            "cell {}: task {:?} not implemented by the {} side; allowed: {ENCODER_TASK}",
            cell.cell_id,
            cell.task,
            E::NAME
        );
    }
    let (b, m) = OpsEncoder::<E>::new(cell, data_dir)?;
    Ok((Box::new(b), m))
}

/// The llm domain as a deep-learning binary serves it: sentence embeddings only.
pub fn domain<E: Engine + 'static>() -> ExtraDomain {
    ExtraDomain {
        name: DOMAIN,
        capabilities: json!({ENCODER_TASK: ENCODERS.iter().map(|(n, _)| *n).collect::<Vec<_>>()}),
        extra_capabilities: json!({"tokenizers": TOKENIZERS_VERSION}),
        prepare: prepare::<E>,
    }
}
