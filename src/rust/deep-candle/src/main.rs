//! `pairbench-candle`: the candle (pure-Rust CPU kernels: gemm + rayon) side of the deep-learning
//! cells. Each invocation is one measured launch of one cell.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::optim::{AdamW, Optimizer, ParamsAdamW};
use pairbench_deep::ops::{AdamWConfig, Engine, Ops, BN_EPS, BN_MOMENTUM};

struct Candle {
    device: Device,
    params: HashMap<String, Var>,
    // Running statistics are replaced, not mutated in place: candle tensors are immutable.
    buffers: RefCell<HashMap<String, Tensor>>,
    opt: AdamW,
    max_grad_norm: Option<f64>,
    /// Host-device copies so far (`Engine::host_transfers`).
    transfers: std::cell::Cell<u64>,
}

impl Candle {
    fn transfer(&self) {
        self.transfers.set(self.transfers.get() + 1);
    }
}

fn channel_view(t: &Tensor) -> Result<Tensor> {
    let c = t.dims1()?;
    Ok(t.reshape((1, c, 1, 1))?)
}

impl Ops for Candle {
    type T = Tensor;

    fn param(&self, name: &str) -> Result<Tensor> {
        if let Some(v) = self.params.get(name) {
            return Ok(v.as_tensor().clone());
        }
        self.buffers
            .borrow()
            .get(name)
            .cloned()
            .with_context(|| format!("no tensor {name:?}"))
    }

    fn batch_norm(&self, x: &Tensor, prefix: &str, train: bool) -> Result<Tensor> {
        let w = channel_view(&self.param(&format!("{prefix}.weight"))?)?;
        let b = channel_view(&self.param(&format!("{prefix}.bias"))?)?;
        let (mean_key, var_key) = (
            format!("{prefix}.running_mean"),
            format!("{prefix}.running_var"),
        );
        let (mean, var) = if train {
            let mean = x.mean_keepdim((0, 2, 3))?;
            let centred = x.broadcast_sub(&mean)?;
            let var = centred.sqr()?.mean_keepdim((0, 2, 3))?;
            let (n, _, h, wd) = x.dims4()?;
            let count = (n * h * wd) as f64;
            let mut bufs = self.buffers.borrow_mut();
            let rm = bufs
                .get(&mean_key)
                .with_context(|| format!("no buffer {mean_key}"))?;
            let rv = bufs
                .get(&var_key)
                .with_context(|| format!("no buffer {var_key}"))?;
            // PyTorch's update: biased variance normalises, unbiased variance is tracked.
            let new_rm =
                ((rm * (1.0 - BN_MOMENTUM))? + (mean.detach().flatten_all()? * BN_MOMENTUM)?)?;
            let unbiased = (var.detach().flatten_all()? * (count / (count - 1.0).max(1.0)))?;
            let new_rv = ((rv * (1.0 - BN_MOMENTUM))? + (unbiased * BN_MOMENTUM)?)?;
            bufs.insert(mean_key, new_rm);
            bufs.insert(var_key, new_rv);
            (mean, var)
        } else {
            (
                channel_view(&self.param(&mean_key)?)?,
                channel_view(&self.param(&var_key)?)?,
            )
        };
        let x_hat = x
            .broadcast_sub(&mean)?
            .broadcast_div(&(var + BN_EPS)?.sqrt()?)?;
        Ok(x_hat.broadcast_mul(&w)?.broadcast_add(&b)?)
    }

    fn conv2d(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: Option<&Tensor>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> Result<Tensor> {
        let y = x.conv2d(w, padding, stride, 1, groups)?;
        Ok(match b {
            Some(b) => y.broadcast_add(&channel_view(b)?)?,
            None => y,
        })
    }

    fn linear(&self, x: &Tensor, w: &Tensor, b: Option<&Tensor>) -> Result<Tensor> {
        let y = x.matmul(&w.t()?)?;
        Ok(match b {
            Some(b) => y.broadcast_add(b)?,
            None => y,
        })
    }

    fn relu(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.relu()?)
    }
    fn tanh(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.tanh()?)
    }
    fn sigmoid(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::sigmoid(x)?)
    }
    fn max_pool2d(&self, x: &Tensor, k: usize) -> Result<Tensor> {
        Ok(x.max_pool2d(k)?)
    }
    fn spatial_mean(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.mean((2, 3))?)
    }
    // broadcast_* is the plain op when the shapes are equal (every deep model's case).
    fn add(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_add(b)?)
    }
    fn sub(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_sub(b)?)
    }
    fn mul(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_mul(b)?)
    }
    fn div(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.broadcast_div(b)?)
    }
    fn dropout(&self, x: &Tensor, p: f64, train: bool) -> Result<Tensor> {
        if train && p > 0.0 {
            Ok(candle_nn::ops::dropout(x, p as f32)?)
        } else {
            Ok(x.clone())
        }
    }
    fn narrow(&self, x: &Tensor, dim: usize, start: usize, len: usize) -> Result<Tensor> {
        Ok(x.narrow(dim, start, len)?)
    }
    fn reshape(&self, x: &Tensor, shape: &[usize]) -> Result<Tensor> {
        Ok(x.reshape(shape)?)
    }
    fn cat(&self, xs: &[Tensor], dim: usize) -> Result<Tensor> {
        Ok(Tensor::cat(xs, dim)?)
    }
    fn dims(&self, x: &Tensor) -> Vec<usize> {
        x.dims().to_vec()
    }
    fn max_last(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.max(x.rank() - 1)?)
    }
    fn sum_last(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.sum(x.rank() - 1)?)
    }
    fn zeros(&self, shape: &[usize]) -> Result<Tensor> {
        Ok(Tensor::zeros(shape, DType::F32, &self.device)?)
    }
    fn affine(&self, x: &Tensor, mul: f64, add: f64) -> Result<Tensor> {
        Ok(x.affine(mul, add)?)
    }
    fn exp(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.exp()?)
    }
    fn log_softmax_last(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::log_softmax(x, x.rank() - 1)?)
    }
    fn clamp(&self, x: &Tensor, lo: f64, hi: f64) -> Result<Tensor> {
        Ok(x.clamp(lo as f32, hi as f32)?)
    }
    fn minimum(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        Ok(a.minimum(b)?)
    }
    fn mean_all(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.mean_all()?)
    }
    fn sqrt(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.sqrt()?)
    }
    fn sum_dim(&self, x: &Tensor, dim: usize) -> Result<Tensor> {
        Ok(x.sum(dim)?)
    }
    fn transpose(&self, x: &Tensor, d0: usize, d1: usize) -> Result<Tensor> {
        // candle's batched matmul needs one batch stride: a head split must be made contiguous
        // (candle-transformers' BERT does the same).
        Ok(x.transpose(d0, d1)?.contiguous()?)
    }
    fn layer_norm(&self, x: &Tensor, w: &Tensor, b: &Tensor, eps: f64) -> Result<Tensor> {
        // The kernel candle_nn::LayerNorm uses for a contiguous input with a bias.
        Ok(candle_nn::ops::layer_norm(
            &x.contiguous()?,
            w,
            b,
            eps as f32,
        )?)
    }
    fn gelu_erf(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.gelu_erf()?)
    }
    fn attention(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        bias: Option<&Tensor>,
        scale: f64,
    ) -> Result<Tensor> {
        // candle-transformers' BertSelfAttention, step for step.
        let scores = (q.matmul(&k.t()?)? * scale)?;
        let scores = match bias {
            Some(b) => scores.broadcast_add(b)?,
            None => scores,
        };
        let probs = candle_nn::ops::softmax(&scores, candle_core::D::Minus1)?;
        Ok(probs.matmul(v)?)
    }
    const RECURRENT: &'static str =
        "per-time-step composition of candle ops (models::recurrent_composed; candle has no fused RNN)";
    fn recurrent(
        &self,
        kind: &str,
        x: &Tensor,
        layers: usize,
        hidden: usize,
        _train: bool,
    ) -> Result<Tensor> {
        pairbench_deep::models::recurrent_composed(self, kind, x, layers, hidden)
    }
}

impl Engine for Candle {
    const NAME: &'static str = "candle";

    fn version() -> String {
        env!("PAIRBENCH_CANDLE_VERSION").into()
    }

    fn findings() -> serde_json::Value {
        let (reproduces, detail) = cpu_dropout_rng_unseedable();
        serde_json::json!({"candle_dropout_rng": {"reproduces": reproduces, "detail": detail}})
    }

    fn backend(&self) -> String {
        format!(
            "{:?}, pure-Rust kernels (gemm), {} rayon threads",
            self.device,
            candle_core::utils::get_num_threads()
        )
    }

    fn load(
        path: &Path,
        trainable: &[String],
        opt: AdamWConfig,
        _threads: u32,
        device: &str,
    ) -> Result<Self> {
        let max_grad_norm = opt.max_grad_norm;
        // Thread count comes from RAYON_NUM_THREADS, which the launcher sets with the others.
        let device = match device {
            "cpu" => Device::Cpu,
            "cuda" => Device::new_cuda(0)
                .context("candle was built without its `cuda` feature or sees no GPU")?,
            other => bail!("unknown device {other:?}; allowed: cpu, cuda"),
        };
        let mut tensors = candle_core::safetensors::load(path, &device)?;
        let mut params = HashMap::new();
        let mut vars = Vec::new();
        for name in trainable {
            let t = tensors
                .remove(name)
                .with_context(|| format!("weights file lacks {name}"))?;
            let var = Var::from_tensor(&t)?;
            vars.push(var.clone());
            params.insert(name.clone(), var);
        }
        let opt = AdamW::new(
            vars,
            ParamsAdamW {
                lr: opt.lr,
                beta1: opt.beta1,
                beta2: opt.beta2,
                eps: opt.eps,
                weight_decay: opt.weight_decay,
            },
        )?;
        Ok(Self {
            device,
            params,
            buffers: RefCell::new(tensors),
            opt,
            max_grad_norm,
            transfers: std::cell::Cell::new(0),
        })
    }

    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<_> = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.dims().to_vec()))
            .collect();
        out.extend(
            self.buffers
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.dims().to_vec())),
        );
        out
    }

    fn tensor_f32(&self, data: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
        self.transfer();
        Ok(Tensor::from_vec(data, shape, &self.device)?)
    }

    fn tensor_i64(&self, data: Vec<i64>) -> Result<Tensor> {
        self.transfer();
        let n = data.len();
        Ok(Tensor::from_vec(data, n, &self.device)?)
    }

    fn index_rows(&self, x: &Tensor, idx: &Tensor) -> Result<Tensor> {
        Ok(x.index_select(idx, 0)?)
    }

    fn cross_entropy(&self, logits: &Tensor, target: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::loss::cross_entropy(logits, target)?)
    }

    fn mse(&self, pred: &Tensor, target: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::loss::mse(&pred.squeeze(1)?, target)?)
    }

    fn huber(&self, pred: &Tensor, target: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::loss::huber(pred, target, 1.0)?)
    }

    fn set_buffer(&mut self, name: &str, value: &Tensor) -> Result<()> {
        // A deep copy: a parameter's storage is overwritten in place by the optimiser.
        let copy = value.detach().copy()?;
        self.buffers.borrow_mut().insert(name.to_string(), copy);
        Ok(())
    }

    fn step(&mut self, loss: &Tensor) -> Result<Tensor> {
        let mut grads = loss.backward()?;
        if let Some(max) = self.max_grad_norm {
            // torch's clip_grad_norm_: one L2 norm over all gradients, scale by max / (norm + 1e-6)
            // when that is below 1.
            let mut sq = 0f64;
            for var in self.params.values() {
                if let Some(g) = grads.get(var.as_tensor()) {
                    self.transfer();
                    sq += f64::from(g.sqr()?.sum_all()?.to_scalar::<f32>()?);
                }
            }
            let coef = max / (sq.sqrt() + 1e-6);
            if coef < 1.0 {
                for var in self.params.values() {
                    if let Some(g) = grads.remove(var.as_tensor()) {
                        grads.insert(var.as_tensor(), (g * coef)?);
                    }
                }
            }
        }
        self.opt.step(&grads)?;
        Ok(loss.detach())
    }

    fn set_lr(&mut self, lr: f64) {
        self.opt.set_learning_rate(lr);
    }

    fn to_vec_f32(&self, x: &Tensor) -> Result<Vec<f32>> {
        self.transfer();
        Ok(x.flatten_all()?.to_vec1::<f32>()?)
    }

    fn sync(&self) -> Result<()> {
        Ok(self.device.synchronize()?)
    }

    fn host_transfers(&self) -> u64 {
        self.transfers.get()
    }

    fn save(&self, path: &Path) -> Result<()> {
        let mut all: HashMap<String, Tensor> = self
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect();
        all.extend(
            self.buffers
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        Ok(candle_core::safetensors::save(&all, path)?)
    }
}

/// Finding `candle_dropout_rng`: dropout's masks come from candle's CPU RNG, which cannot be seeded, so
/// the same seed gives different masks (and PyTorch's seed does not reach them).
fn cpu_dropout_rng_unseedable() -> (bool, String) {
    let masks = || -> candle_core::Result<(Option<String>, Vec<f32>)> {
        // First line only: candle appends a backtrace when RUST_BACKTRACE is set.
        let refused = Device::Cpu
            .set_seed(42)
            .err()
            .map(|e| e.to_string().lines().next().unwrap_or_default().to_string());
        let ones = Tensor::ones(256, DType::F32, &Device::Cpu)?;
        Ok((
            refused,
            candle_nn::ops::dropout(&ones, 0.5)?.to_vec1::<f32>()?,
        ))
    };
    match (masks(), masks()) {
        (Ok((refused, a)), Ok((_, b))) => (
            refused.is_some() || a != b,
            format!(
                "Device::Cpu.set_seed(42): {}; two dropout masks after it {}",
                refused.as_deref().unwrap_or("accepted"),
                if a == b { "agree" } else { "differ" }
            ),
        ),
        (Err(e), _) | (_, Err(e)) => (false, format!("probe failed: {e}")),
    }
}

fn main() -> Result<()> {
    pairbench_deep::cli::main_with::<Candle>(&[pairbench_rl::agent::domain::<Candle>()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppo_ops_match_f64_references() {
        let dir = std::env::temp_dir().join(format!("pairbench-candle-ops-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.safetensors");
        let w = Tensor::zeros(1, DType::F32, &Device::Cpu).unwrap();
        candle_core::safetensors::save(&HashMap::from([("w".to_string(), w)]), &path).unwrap();
        let opt = AdamWConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            max_grad_norm: None,
        };
        let e = Candle::load(&path, &["w".to_string()], opt, 1, "cpu").unwrap();
        std::fs::remove_dir_all(&dir).ok();
        pairbench_deep::ops::check_ppo_ops(&e).unwrap();
        pairbench_deep::ops::check_encoder_ops(&e).unwrap();
    }

    /// The BERT encoder written once over Ops (pairbench-llm, the tch side's model), run on candle,
    /// equals candle-transformers' `models::bert` plus the pooling of pairbench-llm-candle within 1e-5,
    /// on a random BERT with a padded row (so the attention mask matters).
    #[test]
    fn ops_bert_on_candle_matches_candle_transformers() {
        use candle_transformers::models::bert;
        use pairbench_llm::bert::{Bert, BertConfig};
        use pairbench_llm::text::TokenBatch;

        let config = serde_json::json!({
            "vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 24, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "max_position_embeddings": 12, "type_vocab_size": 2, "initializer_range": 0.02,
            "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
            "use_cache": true, "model_type": "bert"
        });
        let mut seed = 12345u64;
        let mut random = |shape: &[usize], scale: f32| -> Tensor {
            let n = shape.iter().product();
            let v: Vec<f32> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * scale
                })
                .collect();
            Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
        };
        let (h, i) = (16, 24);
        // (name, shape, scale, offset): LayerNorm weights around 1, everything else around 0.
        let mut specs: Vec<(String, Vec<usize>, f32, f32)> = vec![
            (
                "embeddings.word_embeddings.weight".into(),
                vec![40, h],
                1.0,
                0.0,
            ),
            (
                "embeddings.position_embeddings.weight".into(),
                vec![12, h],
                1.0,
                0.0,
            ),
            (
                "embeddings.token_type_embeddings.weight".into(),
                vec![2, h],
                1.0,
                0.0,
            ),
        ];
        let mut norms = vec!["embeddings.LayerNorm".to_string()];
        for l in 0..2 {
            let p = format!("encoder.layer.{l}.");
            for (name, out, inp) in [
                ("attention.self.query", h, h),
                ("attention.self.key", h, h),
                ("attention.self.value", h, h),
                ("attention.output.dense", h, h),
                ("intermediate.dense", i, h),
                ("output.dense", h, i),
            ] {
                specs.push((format!("{p}{name}.weight"), vec![out, inp], 0.8, 0.0));
                specs.push((format!("{p}{name}.bias"), vec![out], 0.2, 0.0));
            }
            norms.push(format!("{p}attention.output.LayerNorm"));
            norms.push(format!("{p}output.LayerNorm"));
        }
        for n in norms {
            specs.push((format!("{n}.weight"), vec![h], 0.4, 1.0));
            specs.push((format!("{n}.bias"), vec![h], 0.2, 0.0));
        }
        let w: HashMap<String, Tensor> = specs
            .into_iter()
            .map(|(name, shape, scale, offset)| {
                let t = (random(&shape, scale) + f64::from(offset)).unwrap();
                (name, t)
            })
            .collect();
        let dir =
            std::env::temp_dir().join(format!("pairbench-candle-bert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.safetensors");
        candle_core::safetensors::save(&w, &path).unwrap();

        // Two rows of 6 tokens, the second padded after 4, mixed token types.
        let batch = TokenBatch {
            ids: vec![1, 7, 12, 39, 5, 2, 1, 30, 8, 2, 0, 0],
            types: vec![0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0],
            mask: vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
            n: 2,
            len: 6,
        };
        let t = |v: &[u32]| Tensor::from_vec(v.to_vec(), (2, 6), &Device::Cpu).unwrap();
        let cfg: bert::Config = serde_json::from_value(config.clone()).unwrap();
        let vb = candle_nn::VarBuilder::from_tensors(w, DType::F32, &Device::Cpu);
        let model = bert::BertModel::load(vb, &cfg).unwrap();
        let mask = t(&batch.mask);
        let hidden = model
            .forward(&t(&batch.ids), &t(&batch.types), Some(&mask))
            .unwrap();
        // pairbench-llm-candle's `embed`.
        let m = mask.to_dtype(DType::F32).unwrap().unsqueeze(2).unwrap();
        let pooled = hidden
            .broadcast_mul(&m)
            .unwrap()
            .sum(1)
            .unwrap()
            .broadcast_div(&m.sum(1).unwrap().clamp(1e-9f32, f32::MAX).unwrap())
            .unwrap();
        let nrm = pooled
            .sqr()
            .unwrap()
            .sum_keepdim(1)
            .unwrap()
            .sqrt()
            .unwrap();
        let want = pooled.broadcast_div(&nrm).unwrap();

        let opt = AdamWConfig {
            lr: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            max_grad_norm: None,
        };
        let e = Candle::load(&path, &[], opt, 1, "cpu").unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let ours = Bert::new(&e, BertConfig::from_json(&config).unwrap()).unwrap();
        let x = ours.inputs(&e, &batch).unwrap();
        let diff = |a: &Tensor, b: &Tensor| -> f32 {
            let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert_eq!(a.len(), b.len());
            a.iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max)
        };
        let got_hidden = ours.hidden(&e, &x).unwrap();
        let d = diff(&got_hidden, &hidden);
        assert!(d <= 1e-5, "hidden states differ by {d}");
        let got = ours.embed(&e, &x).unwrap();
        assert_eq!(got.dims(), [2, 16]);
        let d = diff(&got, &want);
        assert!(d <= 1e-5, "embeddings differ by {d}");
        // The padded row's mask matters: without it the second embedding moves.
        let unmasked = TokenBatch {
            mask: vec![1; 12],
            ..batch
        };
        let moved = ours
            .embed(&e, &ours.inputs(&e, &unmasked).unwrap())
            .unwrap();
        assert!(diff(&moved, &want) > 1e-3);
    }

    #[test]
    fn finding_cpu_dropout_rng_cannot_be_seeded() {
        let (reproduces, detail) = super::cpu_dropout_rng_unseedable();
        assert!(
            reproduces,
            "candle's CPU dropout RNG is now seedable ({detail}): mark config/findings.yaml              candle_dropout_rng fixed"
        );
    }
}
