//! What every Rust side of an LLM cell shares: where the models are and how they are verified, which
//! text they read, and the tokenisation of the encoder cells. The rules shared with Python live in
//! src/python/pairbench/tasks/llm/spec.py; each function here names its twin.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use ndarray::Array2;
use ndarray_npy::WriteNpyExt;
use pairbench_core::cell::Cell;
use pairbench_core::dataset::{contained_path, load_verified, sha256_file, Manifest, Split};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

pub const DOMAIN: &str = "llm";
pub const ENCODER_TASK: &str = "sentence_embedding";
pub const DECODER_TASK: &str = "text_generation";
pub const ENCODER_PHASES: &[&str] = &["tokenize", "forward", "end_to_end"];
pub const ENCODERS: &[(&str, ())] = &[("minilm_l6", ()), ("tiny_bert", ())];
/// What an encoder cell must carry, none with a default in code (spec.py's `CELL_PARAMS`); `device` is
/// the run's (--devices), written by phase 1.
pub const ENCODER_PARAMS: &[&str] = &["batch_size", "seq_len", "latency_repeats", "device"];
/// The tokenizers crate version resolved in Cargo.lock.
pub const TOKENIZERS_VERSION: &str = env!("PAIRBENCH_TOKENIZERS_VERSION");

/// The model's files, after checking each against `<model>/manifest.json` (`verified_model` in spec.py).
pub fn verified_model(dir: &Path) -> Result<Value> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: model manifest missing (run phase 3 first)",
            path.display()
        )
    })?;
    let manifest: Value = serde_json::from_str(&text)?;
    let files = manifest
        .get("files")
        .and_then(Value::as_object)
        .with_context(|| format!("{}: no files", path.display()))?;
    let mut digests = BTreeMap::new();
    for (name, entry) in files {
        let want = entry
            .get("sha256")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // A manifest naming `../x` or a link out of the model folder is refused, as for datasets.
        let actual = sha256_file(&contained_path(dir, name)?)?;
        if actual != want {
            bail!(
                "{}: sha256 {actual} != manifest {want}",
                dir.join(name).display()
            );
        }
        digests.insert(name.clone(), actual);
    }
    if Some(combined_model_digest(&digests).as_str())
        != manifest.get("sha256").and_then(Value::as_str)
    {
        bail!(
            "{}: combined digest does not match its file digests",
            path.display()
        );
    }
    Ok(manifest)
}

/// `digest_of` in spec.py: sha256 over sorted "name:digest\n" lines.
fn combined_model_digest(digests: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (name, d) in digests {
        h.update(format!("{name}:{d}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

/// `decode_rows` in text.py: each row's bytes up to the first 0, as UTF-8.
fn decode_rows(x: &Array2<f64>) -> Result<Vec<String>> {
    x.rows()
        .into_iter()
        .map(|row| {
            let bytes: Vec<u8> = row
                .iter()
                .map(|&v| v as u8)
                .take_while(|&b| b != 0)
                .collect();
            String::from_utf8(bytes).context("text corpus row is not UTF-8")
        })
        .collect()
}

/// `corpus_rows` in spec.py: train rows then test rows.
pub fn corpus_rows(split: &Split<i64>) -> Result<Vec<String>> {
    let mut rows = decode_rows(&split.x_train)?;
    rows.extend(decode_rows(&split.x_test)?);
    Ok(rows)
}

/// `encoder_texts` in spec.py.
pub fn encoder_texts(rows: &[String], batch_size: usize, seq_len: usize) -> Vec<String> {
    let k = seq_len.div_ceil(8).max(1);
    (0..batch_size)
        .map(|i| {
            (0..k)
                .map(|j| rows[(i * k + j) % rows.len()].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// `int_param` in spec.py.
pub fn int_param(cell: &Cell, key: &str) -> Result<usize> {
    let v = cell.params.get(key);
    match v.and_then(Value::as_u64) {
        Some(n) if n >= 1 => Ok(n as usize),
        _ => bail!(
            "cell {}: param {key:?}: expected an integer >= 1, got {v:?}",
            cell.cell_id
        ),
    }
}

pub fn tokenizer(dir: &Path) -> Result<Tokenizer> {
    Tokenizer::from_file(dir.join("tokenizer.json"))
        .map_err(|e| anyhow!("{}: {e}", dir.join("tokenizer.json").display()))
}

/// A cell's verified model directory and corpus rows (`verified_model` + `corpus_rows` in spec.py).
pub struct ModelInputs {
    pub dir: PathBuf,
    pub manifest: Value,
    pub rows: Vec<String>,
}

impl ModelInputs {
    pub fn load(cell: &Cell, data_dir: &Path) -> Result<(Self, Manifest)> {
        let split: Split<i64> = load_verified(&data_dir.join(&cell.dataset))?;
        let dir = data_dir.join("_llm").join(&cell.algorithm);
        let manifest = verified_model(&dir)?;
        let rows = corpus_rows(&split)?;
        Ok((
            Self {
                dir,
                manifest,
                rows,
            },
            split.manifest,
        ))
    }

    pub fn model_sha256(&self) -> Value {
        self.manifest.get("sha256").cloned().unwrap_or(Value::Null)
    }
}

/// A tokenised batch, row-major (n, len): ids, token types, attention mask.
pub struct TokenBatch {
    pub ids: Vec<u32>,
    pub types: Vec<u32>,
    pub mask: Vec<u32>,
    pub n: usize,
    pub len: usize,
}

/// The encoder's two tokenizers from one tokenizer.json: `padded` as transformers'
/// `padding="max_length", truncation=True, max_length=seq_len`, and `raw` (special tokens, no
/// truncation) for the gate's token ids.
pub struct EncoderTokenizer {
    padded: Tokenizer,
    raw: Tokenizer,
}

impl EncoderTokenizer {
    pub fn new(dir: &Path, seq_len: usize) -> Result<Self> {
        let mut raw = tokenizer(dir)?;
        raw.with_truncation(None).map_err(|e| anyhow!("{e}"))?;
        raw.with_padding(None);
        let mut padded = raw.clone();
        padded
            .with_truncation(Some(TruncationParams {
                max_length: seq_len,
                ..Default::default()
            }))
            .map_err(|e| anyhow!("{e}"))?;
        let pad_token = "[PAD]".to_string();
        let pad_id = raw
            .token_to_id(&pad_token)
            .with_context(|| format!("{}: tokenizer has no [PAD] token", dir.display()))?;
        padded.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(seq_len),
            pad_id,
            pad_token,
            ..Default::default()
        }));
        Ok(Self { padded, raw })
    }

    pub fn encode(&self, texts: &[String]) -> Result<TokenBatch> {
        let encs = self
            .padded
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| anyhow!("tokenizing: {e}"))?;
        let n = encs.len();
        let len = encs.first().map_or(0, |e| e.get_ids().len());
        let mut b = TokenBatch {
            ids: Vec::with_capacity(n * len),
            types: Vec::with_capacity(n * len),
            mask: Vec::with_capacity(n * len),
            n,
            len,
        };
        for e in &encs {
            b.ids.extend_from_slice(e.get_ids());
            b.types.extend_from_slice(e.get_type_ids());
            b.mask.extend_from_slice(e.get_attention_mask());
        }
        Ok(b)
    }

    /// Every row's token ids (special tokens added, no truncation), padded with -1: the gate's scores
    /// file (`scores` of hf_runner.py's encoder).
    pub fn token_id_scores(&self, rows: &[String]) -> Result<Array2<f64>> {
        let ids: Vec<Vec<u32>> = rows
            .iter()
            .map(|t| {
                self.raw
                    .encode(t.as_str(), true)
                    .map(|e| e.get_ids().to_vec())
                    .map_err(|e| anyhow!("tokenizing: {e}"))
            })
            .collect::<Result<_>>()?;
        let width = ids.iter().map(Vec::len).max().unwrap_or(0);
        let mut s = Array2::<f64>::from_elem((rows.len(), width), -1.0);
        for (r, row) in ids.iter().enumerate() {
            for (c, &id) in row.iter().enumerate() {
                s[[r, c]] = f64::from(id);
            }
        }
        Ok(s)
    }
}

/// Where the gate's scores go beside `<stem>.npy`: `<stem>.scores.npy`.
pub fn scores_path(predictions: &Path) -> PathBuf {
    let name = predictions
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    predictions.with_file_name(format!(
        "{}.scores.npy",
        name.strip_suffix(".npy").unwrap_or(&name)
    ))
}

pub fn write_npy<T: ndarray_npy::WritableElement>(a: &Array2<T>, path: &Path) -> Result<()> {
    a.write_npy(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_texts_join_rows_cyclically() {
        let rows: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        // seq_len 16: two rows per text, wrapping around the corpus.
        assert_eq!(encoder_texts(&rows, 2, 16), ["a b", "c a"]);
        assert_eq!(encoder_texts(&rows, 1, 1), ["a"]);
    }

    #[test]
    fn scores_sit_beside_the_predictions() {
        assert_eq!(
            scores_path(Path::new("/w/c.tch.predictions.npy")),
            Path::new("/w/c.tch.predictions.scores.npy")
        );
    }
}
