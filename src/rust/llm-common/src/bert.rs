//! The BERT sentence encoder, written once over [`Ops`] (+ the row gather of [`Engine`]): embeddings
//! and LayerNorm, `num_hidden_layers` of self-attention and GELU feed-forward (post-norm), then mean
//! pooling over the attention mask and L2 normalisation, exactly what hf_runner.py's `_embed` computes
//! (sentence-transformers' all-MiniLM-L6-v2 recipe). Each step names the transformers module it mirrors.

use std::path::Path;

use anyhow::{bail, Context, Result};
use pairbench_deep::ops::{Engine, Ops};
use serde_json::Value;

use crate::text::TokenBatch;

/// The config.json fields the encoder reads; anything it does not implement is refused by name.
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
}

impl BertConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let v: Value =
            serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
        Self::from_json(&v).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Every problem at once, `key: problem; allowed: …`.
    pub fn from_json(v: &Value) -> Result<Self> {
        let mut problems = Vec::new();
        let mut int = |k: &str| -> usize {
            match v.get(k).and_then(Value::as_u64) {
                Some(n) if n >= 1 => n as usize,
                _ => {
                    problems.push(format!("{k}: missing or not an integer >= 1"));
                    0
                }
            }
        };
        let cfg = Self {
            vocab_size: int("vocab_size"),
            hidden_size: int("hidden_size"),
            num_hidden_layers: int("num_hidden_layers"),
            num_attention_heads: int("num_attention_heads"),
            intermediate_size: int("intermediate_size"),
            max_position_embeddings: int("max_position_embeddings"),
            type_vocab_size: int("type_vocab_size"),
            layer_norm_eps: v
                .get("layer_norm_eps")
                .and_then(Value::as_f64)
                .unwrap_or_else(|| {
                    problems.push("layer_norm_eps: missing or not a number".into());
                    0.0
                }),
        };
        // transformers' defaults when absent; other values change the computation.
        for (key, allowed) in [
            ("hidden_act", "gelu"),
            ("position_embedding_type", "absolute"),
        ] {
            match v.get(key) {
                None => {}
                Some(Value::String(s)) if s == allowed => {}
                Some(other) => problems.push(format!(
                    "{key}: {other} is not implemented by the Ops encoder; allowed: {allowed}"
                )),
            }
        }
        if cfg.num_attention_heads > 0 && !cfg.hidden_size.is_multiple_of(cfg.num_attention_heads) {
            problems.push(format!(
                "hidden_size: {} is not a multiple of num_attention_heads {}",
                cfg.hidden_size, cfg.num_attention_heads
            ));
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("; "));
        }
        Ok(cfg)
    }
}

/// The encoder's input tensors, built from a [`TokenBatch`] on the engine's device.
pub struct Inputs<T> {
    ids: T,
    types: T,
    /// (n, len, 1), 1.0 on real tokens: the pooling weights.
    mask: T,
    /// (n, 1, 1, len), 0 on real tokens and f32::MIN on padding (transformers' extended mask); `None`
    /// when nothing is padded, as transformers then passes no mask to SDPA.
    bias: Option<T>,
    n: usize,
    len: usize,
}

pub struct Bert {
    pub cfg: BertConfig,
    /// "" or "bert.": checkpoints of BertModel have no prefix, those of BertFor* have one.
    prefix: String,
}

impl Bert {
    /// Check the engine holds every tensor of `cfg` with its shape, under either naming.
    pub fn new<E: Engine>(e: &E, cfg: BertConfig) -> Result<Self> {
        let shapes: std::collections::HashMap<String, Vec<usize>> =
            e.tensor_shapes().into_iter().collect();
        let prefix = ["", "bert."]
            .into_iter()
            .find(|p| shapes.contains_key(&format!("{p}embeddings.word_embeddings.weight")))
            .context("weights: no embeddings.word_embeddings.weight (nor bert.…): not a BERT")?
            .to_string();
        let (h, i) = (cfg.hidden_size, cfg.intermediate_size);
        let mut want = vec![
            (
                "embeddings.word_embeddings.weight".to_string(),
                vec![cfg.vocab_size, h],
            ),
            (
                "embeddings.position_embeddings.weight".into(),
                vec![cfg.max_position_embeddings, h],
            ),
            (
                "embeddings.token_type_embeddings.weight".into(),
                vec![cfg.type_vocab_size, h],
            ),
            ("embeddings.LayerNorm.weight".into(), vec![h]),
            ("embeddings.LayerNorm.bias".into(), vec![h]),
        ];
        for l in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{l}.");
            for (name, w, b) in [
                ("attention.self.query", vec![h, h], h),
                ("attention.self.key", vec![h, h], h),
                ("attention.self.value", vec![h, h], h),
                ("attention.output.dense", vec![h, h], h),
                ("intermediate.dense", vec![i, h], i),
                ("output.dense", vec![h, i], h),
            ] {
                want.push((format!("{p}{name}.weight"), w));
                want.push((format!("{p}{name}.bias"), vec![b]));
            }
            for ln in ["attention.output.LayerNorm", "output.LayerNorm"] {
                want.push((format!("{p}{ln}.weight"), vec![h]));
                want.push((format!("{p}{ln}.bias"), vec![h]));
            }
        }
        let problems: Vec<String> = want
            .iter()
            .filter_map(
                |(name, shape)| match shapes.get(&format!("{prefix}{name}")) {
                    Some(got) if got == shape => None,
                    Some(got) => Some(format!("{prefix}{name}: shape {got:?}; allowed: {shape:?}")),
                    None => Some(format!("{prefix}{name}: missing")),
                },
            )
            .collect();
        if !problems.is_empty() {
            bail!("weights do not match config.json: {}", problems.join("; "));
        }
        Ok(Self { cfg, prefix })
    }

    fn w<E: Ops>(&self, e: &E, name: &str) -> Result<E::T> {
        e.param(&format!("{}{name}", self.prefix))
    }

    pub fn inputs<E: Engine>(&self, e: &E, b: &TokenBatch) -> Result<Inputs<E::T>> {
        if b.len > self.cfg.max_position_embeddings {
            bail!(
                "seq_len {} > max_position_embeddings {}",
                b.len,
                self.cfg.max_position_embeddings
            );
        }
        let as_i64 = |v: &[u32]| v.iter().map(|&x| i64::from(x)).collect::<Vec<_>>();
        let padded = b.mask.contains(&0);
        let bias = if padded {
            let v = b
                .mask
                .iter()
                .map(|&m| if m == 0 { f32::MIN } else { 0.0 })
                .collect();
            Some(e.tensor_f32(v, &[b.n, 1, 1, b.len])?)
        } else {
            None
        };
        Ok(Inputs {
            ids: e.tensor_i64(as_i64(&b.ids))?,
            types: e.tensor_i64(as_i64(&b.types))?,
            mask: e.tensor_f32(b.mask.iter().map(|&m| m as f32).collect(), &[b.n, b.len, 1])?,
            bias,
            n: b.n,
            len: b.len,
        })
    }

    fn layer_norm<E: Ops>(&self, e: &E, x: &E::T, name: &str) -> Result<E::T> {
        let (w, b) = (
            self.w(e, &format!("{name}.weight"))?,
            self.w(e, &format!("{name}.bias"))?,
        );
        e.layer_norm(x, &w, &b, self.cfg.layer_norm_eps)
    }

    fn linear<E: Ops>(&self, e: &E, x: &E::T, name: &str) -> Result<E::T> {
        let (w, b) = (
            self.w(e, &format!("{name}.weight"))?,
            self.w(e, &format!("{name}.bias"))?,
        );
        e.linear(x, &w, Some(&b))
    }

    /// Hidden states, (n * len, hidden) rows: BertEmbeddings then every BertLayer.
    pub fn hidden<E: Engine>(&self, e: &E, x: &Inputs<E::T>) -> Result<E::T> {
        let (n, s, h) = (x.n, x.len, self.cfg.hidden_size);
        let heads = self.cfg.num_attention_heads;
        let dh = h / heads;
        // BertEmbeddings: (words + token types) + positions, LayerNorm (dropout is off in eval).
        let words = e.index_rows(&self.w(e, "embeddings.word_embeddings.weight")?, &x.ids)?;
        let types = e.index_rows(
            &self.w(e, "embeddings.token_type_embeddings.weight")?,
            &x.types,
        )?;
        let positions = e.narrow(
            &self.w(e, "embeddings.position_embeddings.weight")?,
            0,
            0,
            s,
        )?;
        let emb = e.add(&e.reshape(&e.add(&words, &types)?, &[n, s, h])?, &positions)?;
        let mut hs = self.layer_norm(e, &e.reshape(&emb, &[n * s, h])?, "embeddings.LayerNorm")?;
        // (n*s, h) -> (n, heads, s, dh), as transformers' view + transpose(1, 2).
        let split =
            |t: E::T| -> Result<E::T> { e.transpose(&e.reshape(&t, &[n, s, heads, dh])?, 1, 2) };
        let scale = 1.0 / (dh as f64).sqrt();
        for l in 0..self.cfg.num_hidden_layers {
            let p = format!("encoder.layer.{l}.");
            // BertSelfAttention
            let q = split(self.linear(e, &hs, &format!("{p}attention.self.query"))?)?;
            let k = split(self.linear(e, &hs, &format!("{p}attention.self.key"))?)?;
            let v = split(self.linear(e, &hs, &format!("{p}attention.self.value"))?)?;
            let ctx = e.attention(&q, &k, &v, x.bias.as_ref(), scale)?;
            let ctx = e.reshape(&e.transpose(&ctx, 1, 2)?, &[n * s, h])?;
            // BertSelfOutput: dense, residual, LayerNorm
            let a = self.linear(e, &ctx, &format!("{p}attention.output.dense"))?;
            let a = self.layer_norm(
                e,
                &e.add(&a, &hs)?,
                &format!("{p}attention.output.LayerNorm"),
            )?;
            // BertIntermediate (GELU) and BertOutput: dense, residual, LayerNorm
            let f = e.gelu_erf(&self.linear(e, &a, &format!("{p}intermediate.dense"))?)?;
            let f = self.linear(e, &f, &format!("{p}output.dense"))?;
            hs = self.layer_norm(e, &e.add(&f, &a)?, &format!("{p}output.LayerNorm"))?;
        }
        Ok(hs)
    }

    /// Sentence embeddings (n, hidden): mean of the hidden states over the attention mask, then L2
    /// normalised (hf_runner.py: `(hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)`, then
    /// `F.normalize(p=2, dim=1)`, which divides by the norm clamped to at least 1e-12).
    pub fn embed<E: Engine>(&self, e: &E, x: &Inputs<E::T>) -> Result<E::T> {
        let (n, s, h) = (x.n, x.len, self.cfg.hidden_size);
        let hidden = e.reshape(&self.hidden(e, x)?, &[n, s, h])?;
        let summed = e.sum_dim(&e.mul(&hidden, &x.mask)?, 1)?;
        let count = e.clamp(&e.sum_dim(&x.mask, 1)?, 1e-9, f64::from(f32::MAX))?;
        let pooled = e.div(&summed, &count)?;
        let sq = e.reshape(&e.sum_last(&e.mul(&pooled, &pooled)?)?, &[n, 1])?;
        let norm = e.clamp(&e.sqrt(&sq)?, 1e-12, f64::from(f32::MAX))?;
        e.div(&pooled, &norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minilm() -> Value {
        json!({"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6,
               "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512,
               "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
               "position_embedding_type": "absolute"})
    }

    #[test]
    fn the_minilm_config_is_read() {
        let c = BertConfig::from_json(&minilm()).unwrap();
        assert_eq!(
            (c.hidden_size, c.num_hidden_layers, c.layer_norm_eps),
            (384, 6, 1e-12)
        );
    }

    /// Every problem at once, each by its key.
    #[test]
    fn what_the_encoder_does_not_implement_is_refused_by_name() {
        let mut v = minilm();
        v["hidden_act"] = json!("gelu_new");
        v["num_attention_heads"] = json!(5);
        v.as_object_mut().unwrap().remove("type_vocab_size");
        let err = BertConfig::from_json(&v).unwrap_err().to_string();
        assert_eq!(
            err,
            "type_vocab_size: missing or not an integer >= 1; \
             hidden_act: \"gelu_new\" is not implemented by the Ops encoder; allowed: gelu; \
             hidden_size: 384 is not a multiple of num_attention_heads 5"
        );
    }
}
