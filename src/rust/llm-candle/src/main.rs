//! `pairbench-llm-candle`: the candle-transformers side of the LLM cells (`models::bert` for
//! sentence embeddings, `models::llama` for greedy generation), pure-Rust CPU kernels, with the
//! `tokenizers` crate reading the same tokenizer.json as the Python side. Each invocation is one
//! measured launch of one cell. The rules shared with Python live in
//! src/python/pairbench/tasks/llm/spec.py; each function here names its twin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::{bert, llama};
use clap::{Parser, Subcommand};
use ndarray::Array2;
use pairbench_core::cell::{lookup, require_params, str_param, Cell};
use pairbench_core::cli::{RunArgs, Side};
use pairbench_core::dataset::Manifest;
use pairbench_core::runner::Benchmark;
// The model files, corpus and tokenisation every Rust LLM side shares (the tch side too).
use pairbench_llm::text::{
    encoder_texts, int_param, scores_path, tokenizer, verified_model, write_npy, EncoderTokenizer,
    ModelInputs, DECODER_TASK, ENCODERS, ENCODER_PARAMS, ENCODER_PHASES, ENCODER_TASK,
    TOKENIZERS_VERSION,
};
use serde_json::{json, Value};

const FRAMEWORK: &str = "candle-transformers";
const VERSION: &str = env!("PAIRBENCH_CANDLE_TRANSFORMERS_VERSION");
const DECODER_PHASES: &[&str] = &["prefill", "decode_token"];
/// `GATE_TOKENS` in spec.py: teacher-forced logits cover at most this many prompt tokens.
const GATE_TOKENS: usize = 32;
/// `PERPLEXITY_FILE` in spec.py: the perplexity text and its token ids, written by phase 3.
const PERPLEXITY_FILE: &str = "perplexity.json";
const DECODERS: &[(&str, ())] = &[("smollm2_135m", ()), ("tiny_llama", ())];
/// What a decoder cell must carry, none with a default in code (spec.py's `CELL_PARAMS`);
/// `device` is the run's (--devices), written by phase 1.
const DECODER_PARAMS: &[&str] = &["prompt_len", "new_tokens", "device"];

#[derive(Parser)]
#[command(
    version,
    about = "Rust (candle-transformers) side of pairbench's LLM benchmarks"
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
    /// Greedy completion of a prompt (text) with a decoder model directory: the conversion check.
    Generate {
        #[arg(long)]
        model_dir: PathBuf,
        #[arg(long)]
        prompt: String,
        #[arg(long, default_value_t = 16)]
        new_tokens: usize,
    },
}

/// `decoder_text` in spec.py: the corpus rows that are not lines of the perplexity text.
fn decoder_text(rows: &[String], held_out: &str) -> String {
    let lines: std::collections::BTreeSet<&str> = held_out.lines().collect();
    rows.iter()
        .filter(|r| !lines.contains(r.as_str()))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `perplexity_text` in spec.py: from a verified model directory whose manifest lists the file.
fn perplexity_text(dir: &Path, manifest: &Value) -> Result<(String, Vec<u32>)> {
    let path = dir.join(PERPLEXITY_FILE);
    if manifest["files"].get(PERPLEXITY_FILE).is_none() {
        bail!(
            "{}: missing from the manifest (rerun phase 3)",
            path.display()
        );
    }
    let data: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("{}: not JSON", path.display()))?;
    let text = data["text"]
        .as_str()
        .with_context(|| format!("{}: text: not a string", path.display()))?;
    let ids = data["ids"]
        .as_array()
        .with_context(|| format!("{}: ids: not a list", path.display()))?
        .iter()
        .map(|v| v.as_u64().map(|i| i as u32))
        .collect::<Option<Vec<u32>>>()
        .with_context(|| format!("{}: ids: not token ids", path.display()))?;
    Ok((text.to_string(), ids))
}

fn device_of(cell: &Cell) -> Result<Device> {
    match str_param(cell, "device")? {
        "cpu" => Ok(Device::Cpu),
        other => bail!(
            "cell {}: device {other:?}: candle-transformers is built for cpu only; allowed: cpu",
            cell.cell_id
        ),
    }
}

fn load_weights(dir: &Path, device: &Device) -> Result<VarBuilder<'static>> {
    let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), device)?;
    Ok(VarBuilder::from_tensors(tensors, DType::F32, device))
}

/// Load-time facts every result records.
struct Loaded {
    dir: PathBuf,
    manifest: Value,
    rows: Vec<String>,
    device: Device,
    load_s: f64,
}

impl Loaded {
    fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        let (inputs, manifest) = ModelInputs::load(cell, data_dir)?;
        Ok((
            Self {
                dir: inputs.dir,
                manifest: inputs.manifest,
                rows: inputs.rows,
                device: device_of(cell)?,
                load_s: 0.0,
            },
            manifest,
        ))
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert(
            "backend".into(),
            Value::from(format!(
                "{:?}, pure-Rust kernels (gemm), {} rayon threads",
                self.device,
                candle_core::utils::get_num_threads()
            )),
        );
        m.insert("candle_transformers".into(), Value::from(VERSION));
        m.insert("tokenizers".into(), Value::from(TOKENIZERS_VERSION));
        m.insert("compute_dtype".into(), Value::from("float32"));
        m.insert("model_load_s".into(), Value::from(self.load_s));
        m.insert(
            "model_sha256".into(),
            self.manifest.get("sha256").cloned().unwrap_or(Value::Null),
        );
        m
    }
}

// ---------------------------------------------------------------- sentence embeddings (BERT)

struct Encoder {
    l: Loaded,
    model: bert::BertModel,
    tok: EncoderTokenizer,
    texts: Vec<String>,
    batch: [Tensor; 3],
    batch_size: usize,
    repeats: u32,
    hidden: usize,
}

impl Encoder {
    fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        lookup(ENCODERS, &cell.algorithm, ENCODER_TASK)?;
        require_params(cell, ENCODER_PARAMS)?;
        let (mut l, manifest) = Loaded::new(cell, data_dir)?;
        let batch_size = int_param(cell, "batch_size")?;
        let seq_len = int_param(cell, "seq_len")?;
        let repeats = int_param(cell, "latency_repeats")? as u32;
        let t0 = Instant::now();
        let config: bert::Config =
            serde_json::from_str(&std::fs::read_to_string(l.dir.join("config.json"))?)
                .with_context(|| format!("{}: config.json", l.dir.display()))?;
        let model = bert::BertModel::load(load_weights(&l.dir, &l.device)?, &config)?;
        // Same as transformers' padding="max_length", truncation=True, max_length=seq_len.
        let tok = EncoderTokenizer::new(&l.dir, seq_len)?;
        l.load_s = t0.elapsed().as_secs_f64();
        let texts = encoder_texts(&l.rows, batch_size, seq_len);
        let mut enc = Self {
            l,
            model,
            tok,
            batch: [
                Tensor::zeros(1, DType::U32, &Device::Cpu)?,
                Tensor::zeros(1, DType::U32, &Device::Cpu)?,
                Tensor::zeros(1, DType::U32, &Device::Cpu)?,
            ],
            texts,
            batch_size,
            repeats,
            hidden: config.hidden_size,
        };
        enc.batch = enc.tokenize(&enc.texts)?;
        Ok((enc, manifest))
    }

    /// ids, token types, attention mask, each (batch, seq_len).
    fn tokenize(&self, texts: &[String]) -> Result<[Tensor; 3]> {
        let b = self.tok.encode(texts)?;
        let dev = &self.l.device;
        Ok([
            Tensor::from_vec(b.ids, (b.n, b.len), dev)?,
            Tensor::from_vec(b.types, (b.n, b.len), dev)?,
            Tensor::from_vec(b.mask, (b.n, b.len), dev)?,
        ])
    }

    /// BERT, mean pooling over the attention mask, L2 normalisation (as sentence-transformers).
    fn embed(&self, batch: &[Tensor; 3]) -> Result<Tensor> {
        let [ids, types, mask] = batch;
        let hidden = self.model.forward(ids, types, Some(mask))?;
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&m)?.sum(1)?;
        let pooled = summed.broadcast_div(&m.sum(1)?.clamp(1e-9f32, f32::MAX)?)?;
        let norm = pooled
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        Ok(pooled.broadcast_div(&norm)?)
    }
}

impl Benchmark for Encoder {
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
            Some(self.hidden as f64),
        )]))
    }
    /// Every corpus row's embedding, and every row's token ids as the scores file (spec.py's rules).
    fn write_predictions(&self, path: &Path) -> Result<()> {
        let mut out = Vec::new();
        for chunk in self.l.rows.chunks(self.batch_size) {
            let e = self.embed(&self.tokenize(chunk)?)?;
            out.extend(e.flatten_all()?.to_vec1::<f32>()?);
        }
        let n = self.l.rows.len();
        write_npy(&Array2::from_shape_vec((n, out.len() / n), out)?, path)?;
        write_npy(&self.tok.token_id_scores(&self.l.rows)?, &scores_path(path))
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = self.l.metadata();
        let per_call: BTreeMap<&str, usize> = ENCODER_PHASES
            .iter()
            .map(|p| (*p, self.batch_size))
            .collect();
        m.insert("items_per_call".into(), json!(per_call));
        m
    }
}

// ---------------------------------------------------------------- greedy generation (Llama)

/// candle's `Config` written out from config.json field by field: transformers 5 stores the RoPE base
/// under `rope_parameters`, and `LlamaConfig`'s serde default would silently use 10,000 instead.
fn llama_config(dir: &Path) -> Result<llama::Config> {
    let path = dir.join("config.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let problem = |k: &str, what: &str| anyhow!("{}: {k}: {what}", path.display());
    let int = |k: &str| -> Result<usize> {
        v.get(k)
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .ok_or_else(|| problem(k, "missing or not an integer"))
    };
    let rope = v.get("rope_parameters");
    if let Some(kind) = rope
        .and_then(|r| r.get("rope_type"))
        .and_then(Value::as_str)
    {
        if kind != "default" {
            bail!(problem(
                "rope_parameters.rope_type",
                &format!("{kind:?} is not supported; allowed: default")
            ));
        }
    }
    let rope_theta = v
        .get("rope_theta")
        .or_else(|| rope.and_then(|r| r.get("rope_theta")))
        .and_then(Value::as_f64)
        .ok_or_else(|| problem("rope_theta", "missing (top level and rope_parameters)"))?;
    let heads = int("num_attention_heads")?;
    Ok(llama::Config {
        hidden_size: int("hidden_size")?,
        intermediate_size: int("intermediate_size")?,
        vocab_size: int("vocab_size")?,
        num_hidden_layers: int("num_hidden_layers")?,
        num_attention_heads: heads,
        num_key_value_heads: v
            .get("num_key_value_heads")
            .and_then(Value::as_u64)
            .map_or(heads, |n| n as usize),
        use_flash_attn: false,
        rms_norm_eps: v
            .get("rms_norm_eps")
            .and_then(Value::as_f64)
            .ok_or_else(|| problem("rms_norm_eps", "missing"))?,
        rope_theta: rope_theta as f32,
        bos_token_id: None,
        eos_token_id: None,
        rope_scaling: None,
        max_position_embeddings: int("max_position_embeddings")?,
        tie_word_embeddings: v
            .get("tie_word_embeddings")
            .and_then(Value::as_bool)
            .ok_or_else(|| problem("tie_word_embeddings", "missing or not a boolean"))?,
    })
}

struct LlamaModel {
    model: llama::Llama,
    cfg: llama::Config,
    device: Device,
}

impl LlamaModel {
    fn load(dir: &Path, device: &Device) -> Result<Self> {
        let cfg = llama_config(dir)?;
        let model = llama::Llama::load(load_weights(dir, device)?, &cfg)?;
        Ok(Self {
            model,
            cfg,
            device: device.clone(),
        })
    }

    /// A fresh cache: candle's `Cache` has no reset, so every generation gets a new one (made in
    /// `prepare_phase`, outside the timer, as the Python side makes its `DynamicCache`).
    fn cache(&self) -> Result<llama::Cache> {
        Ok(llama::Cache::new(
            true,
            DType::F32,
            &self.cfg,
            &self.device,
        )?)
    }

    /// The last position's logits (vocab,) after feeding `ids` at position `pos`.
    fn step(&self, ids: &[u32], pos: usize, cache: &mut llama::Cache) -> Result<Tensor> {
        let input = Tensor::new(ids, &self.device)?.unsqueeze(0)?;
        Ok(self.model.forward(&input, pos, cache)?.squeeze(0)?)
    }
}

fn argmax(logits: &Tensor) -> Result<u32> {
    Ok(logits.argmax(D::Minus1)?.to_scalar::<u32>()?)
}

fn top2_gap(logits: &Tensor) -> Result<f64> {
    let v = logits.to_vec1::<f32>()?;
    let (mut a, mut b) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for x in v {
        if x > a {
            b = a;
            a = x;
        } else if x > b {
            b = x;
        }
    }
    Ok(f64::from(a - b))
}

/// One generation's record (`generations` in hf_runner.py): the cache length at prefill and the
/// positions of its decode calls.
struct Generation {
    prefill_at: usize,
    decode_at: Vec<usize>,
}

/// The result's `generations`: per generation the cache length at prefill, the first and last decode
/// positions and the number of decode calls (`generation_record` in hf_runner.py).
fn generation_record(log: &[Generation]) -> Value {
    Value::from(
        log.iter()
            .map(|g| {
                let at = match (g.decode_at.first(), g.decode_at.last()) {
                    (Some(a), Some(b)) => json!([a, b]),
                    _ => json!([]),
                };
                json!({"prefill_at": g.prefill_at, "decode_at": at, "decode_calls": g.decode_at.len()})
            })
            .collect::<Vec<_>>(),
    )
}

struct Decoder {
    l: Loaded,
    m: LlamaModel,
    prompt: Vec<u32>,
    ppl_ids: Vec<u32>,
    new_tokens: usize,
    cache: Option<llama::Cache>,
    /// The position of the next token fed (= the cache's length before the call).
    pos: usize,
    generated: Vec<u32>,
    step_logits: Vec<Tensor>,
    generations: Vec<Generation>,
}

impl Decoder {
    fn new(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        lookup(DECODERS, &cell.algorithm, DECODER_TASK)?;
        require_params(cell, DECODER_PARAMS)?;
        let (mut l, manifest) = Loaded::new(cell, data_dir)?;
        let prompt_len = int_param(cell, "prompt_len")?;
        let new_tokens = int_param(cell, "new_tokens")?;
        let t0 = Instant::now();
        let tok = tokenizer(&l.dir)?;
        let m = LlamaModel::load(&l.dir, &l.device)?;
        l.load_s = t0.elapsed().as_secs_f64();
        let (held_out, ppl_ids) = perplexity_text(&l.dir, &l.manifest)?;
        let ids = tok
            .encode(decoder_text(&l.rows, &held_out), false)
            .map_err(|e| anyhow!("tokenizing: {e}"))?
            .get_ids()
            .to_vec();
        if ids.len() < prompt_len {
            bail!(
                "cell {}: param \"prompt_len\": {prompt_len} > the corpus's {} tokens",
                cell.cell_id,
                ids.len()
            );
        }
        Ok((
            Self {
                l,
                m,
                prompt: ids[..prompt_len].to_vec(),
                ppl_ids,
                new_tokens,
                cache: None,
                pos: 0,
                generated: Vec::new(),
                step_logits: Vec::new(),
                generations: Vec::new(),
            },
            manifest,
        ))
    }

    /// `token_nll` in hf_runner.py: the perplexity text teacher-forced one token at a time through a
    /// fresh cache (candle's forward returns only the last position), log-softmax in f64.
    fn token_nll(&self) -> Result<Vec<f64>> {
        let mut cache = self.m.cache()?;
        let mut out = Vec::with_capacity(self.ppl_ids.len().saturating_sub(1));
        for (t, pair) in self.ppl_ids.windows(2).enumerate() {
            let logits = self.m.step(&[pair[0]], t, &mut cache)?.to_vec1::<f32>()?;
            let max = logits
                .iter()
                .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
            let lse = max
                + logits
                    .iter()
                    .map(|&v| (f64::from(v) - max).exp())
                    .sum::<f64>()
                    .ln();
            out.push(lse - f64::from(logits[pair[1] as usize]));
        }
        Ok(out)
    }

    fn push(&mut self, logits: Tensor) -> Result<()> {
        self.generated.push(argmax(&logits)?);
        self.step_logits.push(logits);
        Ok(())
    }
}

impl Benchmark for Decoder {
    fn phases(&self) -> &'static [&'static str] {
        DECODER_PHASES
    }
    fn repeats(&self, phase: &str) -> u32 {
        if phase == "decode_token" {
            self.new_tokens.saturating_sub(1) as u32
        } else {
            1
        }
    }
    /// A generation changes the cache: per-repetition order, each repetition one whole generation
    /// from a fresh cache (warm-up: whole generations), so the timed positions are the same in every
    /// repetition and on both sides.
    fn stateful(&self) -> bool {
        true
    }
    /// Outside the timer: a fresh, empty cache before each generation's prefill; before each decode
    /// call, the check that it continues this generation (hf_runner.py's `prepare_phase`).
    fn prepare_phase(&mut self, phase: &str, calls: u32) -> Result<()> {
        if calls != 1 {
            bail!("{phase}: {calls} calls per timed batch; a generation step is timed alone");
        }
        match phase {
            "prefill" => {
                self.cache = Some(self.m.cache()?);
                self.pos = 0;
                self.generated.clear();
                self.step_logits.clear();
                self.generations.push(Generation {
                    prefill_at: self.pos,
                    decode_at: Vec::new(),
                });
            }
            "decode_token" => {
                let generation = self
                    .generations
                    .last_mut()
                    .filter(|_| !self.generated.is_empty())
                    .context("decode_token before prefill")?;
                generation.decode_at.push(self.pos);
            }
            other => bail!(
                "unknown phase {other:?}; allowed: {}",
                DECODER_PHASES.join(", ")
            ),
        }
        Ok(())
    }
    fn run_phase(&mut self, phase: &str) -> Result<()> {
        match phase {
            "prefill" => {
                if self.pos != 0 {
                    bail!("prefill without a fresh cache (prepare_phase makes it)");
                }
                let mut cache = self
                    .cache
                    .take()
                    .context("prefill without a fresh cache (prepare_phase makes it)")?;
                let logits = self.m.step(&self.prompt, 0, &mut cache)?;
                self.cache = Some(cache);
                self.pos = self.prompt.len();
                self.push(logits)
            }
            "decode_token" => {
                let last = *self
                    .generated
                    .last()
                    .context("decode_token before prefill")?;
                let mut cache = self.cache.take().context("decode_token before prefill")?;
                let logits = self.m.step(&[last], self.pos, &mut cache)?;
                self.cache = Some(cache);
                self.pos += 1;
                self.push(logits)
            }
            other => bail!(
                "unknown phase {other:?}; allowed: {}",
                DECODER_PHASES.join(", ")
            ),
        }
    }
    fn quality(&self) -> Result<BTreeMap<String, Option<f64>>> {
        Ok(BTreeMap::from([(
            "generated_tokens".to_string(),
            Some(self.generated.len() as f64),
        )]))
    }
    /// Teacher-forced logits of the first GATE_TOKENS prompt tokens, fed one at a time through the KV
    /// cache (candle's forward returns only the last position); scores as in hf_runner.py.
    fn write_predictions(&self, path: &Path) -> Result<()> {
        let tf = &self.prompt[..self.prompt.len().min(GATE_TOKENS)];
        let mut cache = self.m.cache()?;
        let mut rows = Vec::new();
        for (t, &id) in tf.iter().enumerate() {
            rows.push(self.m.step(&[id], t, &mut cache)?);
        }
        let logits = Tensor::stack(&rows, 0)?;
        let (n, v) = logits.dims2()?;
        write_npy(
            &Array2::from_shape_vec((n, v), logits.flatten_all()?.to_vec1::<f32>()?)?,
            path,
        )?;
        let nll = self.token_nll()?;
        let width = tf.len().max(self.generated.len()).max(nll.len());
        let mut s = Array2::<f64>::from_elem((4, width), -1.0);
        for (c, &v) in nll.iter().enumerate() {
            s[[3, c]] = v;
        }
        for (c, &id) in tf.iter().enumerate() {
            s[[0, c]] = f64::from(id);
        }
        for (c, (&id, lg)) in self.generated.iter().zip(&self.step_logits).enumerate() {
            s[[1, c]] = f64::from(id);
            s[[2, c]] = top2_gap(lg)?;
        }
        write_npy(&s, &scores_path(path))
    }
    fn metadata(&self) -> BTreeMap<String, Value> {
        let mut m = self.l.metadata();
        // Tokens per timed call: prefill processes the prompt, a decode step one token.
        m.insert(
            "items_per_call".into(),
            json!({"prefill": self.prompt.len(), "decode_token": 1}),
        );
        m.insert("rope_theta".into(), Value::from(self.m.cfg.rope_theta));
        m.insert("rms_norm_eps".into(), Value::from(self.m.cfg.rms_norm_eps));
        m.insert(
            "kv_cache".into(),
            Value::from(
                "candle_transformers::models::llama::Cache (grows by Tensor::cat each step), made \
                 new before each generation (untimed)",
            ),
        );
        m.insert("generations".into(), generation_record(&self.generations));
        m
    }
}

fn generate(dir: &Path, prompt: &str, new_tokens: usize) -> Result<()> {
    verified_model(dir)?;
    let tok = tokenizer(dir)?;
    let m = LlamaModel::load(dir, &Device::Cpu)?;
    let ids = tok
        .encode(prompt, false)
        .map_err(|e| anyhow!("tokenizing: {e}"))?
        .get_ids()
        .to_vec();
    let mut cache = m.cache()?;
    let mut next = argmax(&m.step(&ids, 0, &mut cache)?)?;
    let mut out = vec![next];
    for i in 1..new_tokens {
        next = argmax(&m.step(&[next], ids.len() + i - 1, &mut cache)?)?;
        out.push(next);
    }
    let text = tok.decode(&out, false).map_err(|e| anyhow!("{e}"))?;
    println!("{}", json!({"ids": out, "text": text}));
    Ok(())
}

fn prepare(cell: &Cell, data_dir: &Path) -> Result<(Box<dyn Benchmark>, Manifest)> {
    Ok(match cell.task.as_str() {
        ENCODER_TASK => {
            let (e, m) = Encoder::new(cell, data_dir)?;
            (Box::new(e), m)
        }
        DECODER_TASK => {
            let (d, m) = Decoder::new(cell, data_dir)?;
            (Box::new(d), m)
        }
        other => bail!(
            "cell {}: task {other:?} not implemented; allowed: {ENCODER_TASK}, {DECODER_TASK}",
            cell.cell_id
        ),
    })
}

fn names(table: &[(&'static str, ())]) -> Vec<&'static str> {
    table.iter().map(|(n, _)| *n).collect()
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Capabilities => {
            let caps = json!({
                "framework": FRAMEWORK,
                "version": VERSION,
                "binary_version": env!("CARGO_PKG_VERSION"),
                "tokenizers": TOKENIZERS_VERSION,
                "domains": {"llm": {
                    ENCODER_TASK: names(ENCODERS),
                    DECODER_TASK: names(DECODERS),
                }},
            });
            println!("{}", serde_json::to_string_pretty(&caps)?);
            Ok(())
        }
        Command::Generate {
            model_dir,
            prompt,
            new_tokens,
        } => generate(&model_dir, &prompt, new_tokens),
        Command::Run(args) => {
            let side = Side {
                framework: FRAMEWORK,
                version: VERSION,
                domain: "llm",
            };
            args.execute(&side, prepare)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(task: &str, algorithm: &str, params: Value) -> Cell {
        serde_json::from_value(json!({
            "cell_id": "c1", "run_id": "r", "domain": "llm", "task": task, "algorithm": algorithm,
            "dataset": "text_corpus", "params": params, "frameworks": [],
            "seed": 1, "dtype": "float32", "threads": 1, "warmup": 0, "samples": 1
        }))
        .unwrap()
    }

    fn refusal<T>(r: Result<T>) -> String {
        match r {
            Ok(_) => panic!("accepted a cell with a missing param"),
            Err(e) => e.to_string(),
        }
    }

    /// `decoder_text` drops the perplexity text's lines, as spec.py's twin does.
    #[test]
    fn the_prompt_text_leaves_out_the_perplexity_text() {
        let rows: Vec<String> = ["a cat", "Flat is better than nested.", "b dog"]
            .map(String::from)
            .to_vec();
        let zen = "Beautiful is better than ugly.\nFlat is better than nested.";
        assert_eq!(decoder_text(&rows, zen), "a cat\nb dog");
        assert_eq!(decoder_text(&rows, ""), rows.join("\n"));
    }

    /// Same cells and messages as test_llm.py's `test_a_cell_missing_a_param_is_refused_by_name`:
    /// refused before any data is read.
    #[test]
    fn a_missing_param_is_named() {
        let nowhere = Path::new("/nonexistent");
        let c = cell(
            ENCODER_TASK,
            "tiny_bert",
            json!({"batch_size": 8, "seq_len": 32}),
        );
        assert_eq!(
            refusal(Encoder::new(&c, nowhere)),
            r#"cell c1: param "latency_repeats" missing; param "device" missing"#
        );
        let c = cell(
            DECODER_TASK,
            "tiny_llama",
            json!({"prompt_len": 32, "device": "cpu"}),
        );
        assert_eq!(
            refusal(Decoder::new(&c, nowhere)),
            r#"cell c1: param "new_tokens" missing"#
        );
    }
}
