//! The operations the model definitions need, implemented once per framework (candle, tch).
//!
//! Writing each model once over this trait is what makes "identical layer shapes" structural rather
//! than a matter of keeping two copies in sync; the kernels behind every operation are the
//! framework's own.

use std::path::Path;

use anyhow::Result;

/// Optimiser settings, identical on every side (AdamW with decoupled weight decay).
#[derive(Debug, Clone, Copy)]
pub struct AdamWConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// Clip the global gradient L2 norm to this before each step (torch's clip_grad_norm_).
    pub max_grad_norm: Option<f64>,
}

/// Batch-norm constants shared with PyTorch's defaults.
pub const BN_EPS: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

pub trait Ops {
    type T: Clone;

    /// A trainable parameter or a buffer, by its PyTorch state-dict name.
    fn param(&self, name: &str) -> Result<Self::T>;
    /// Batch norm over (N, C, H, W); in training it normalises with batch statistics and updates
    /// `<prefix>.running_mean` / `running_var` (unbiased) with momentum [`BN_MOMENTUM`].
    fn batch_norm(&self, x: &Self::T, prefix: &str, train: bool) -> Result<Self::T>;
    fn conv2d(
        &self,
        x: &Self::T,
        w: &Self::T,
        b: Option<&Self::T>,
        stride: usize,
        padding: usize,
        groups: usize,
    ) -> Result<Self::T>;
    /// x @ w^T + b, x of shape (N, in).
    fn linear(&self, x: &Self::T, w: &Self::T, b: Option<&Self::T>) -> Result<Self::T>;
    fn relu(&self, x: &Self::T) -> Result<Self::T>;
    fn tanh(&self, x: &Self::T) -> Result<Self::T>;
    fn sigmoid(&self, x: &Self::T) -> Result<Self::T>;
    /// k x k max-pool with stride k.
    fn max_pool2d(&self, x: &Self::T, k: usize) -> Result<Self::T>;
    /// Mean over H and W: (N, C, H, W) -> (N, C).
    fn spatial_mean(&self, x: &Self::T) -> Result<Self::T>;
    /// Elementwise a + b. `add`, `sub`, `mul` and `div` broadcast as torch does (the BERT encoder adds
    /// position embeddings and pools with a mask that way; the deep models pass equal shapes).
    fn add(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn sub(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn mul(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn div(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    fn dropout(&self, x: &Self::T, p: f64, train: bool) -> Result<Self::T>;
    fn narrow(&self, x: &Self::T, dim: usize, start: usize, len: usize) -> Result<Self::T>;
    fn reshape(&self, x: &Self::T, shape: &[usize]) -> Result<Self::T>;
    fn cat(&self, xs: &[Self::T], dim: usize) -> Result<Self::T>;
    fn dims(&self, x: &Self::T) -> Vec<usize>;
    /// Max over the last dimension: (N, K) -> (N).
    fn max_last(&self, x: &Self::T) -> Result<Self::T>;
    /// Sum over the last dimension: (N, K) -> (N).
    fn sum_last(&self, x: &Self::T) -> Result<Self::T>;
    fn zeros(&self, shape: &[usize]) -> Result<Self::T>;
    /// x * mul + add with f32 scalars (torch's `tensor * python_float`).
    fn affine(&self, x: &Self::T, mul: f64, add: f64) -> Result<Self::T>;
    fn exp(&self, x: &Self::T) -> Result<Self::T>;
    /// Log-softmax over the last dimension.
    fn log_softmax_last(&self, x: &Self::T) -> Result<Self::T>;
    /// Elementwise clamp to [lo, hi] (bounds as f32).
    fn clamp(&self, x: &Self::T, lo: f64, hi: f64) -> Result<Self::T>;
    /// Elementwise minimum of equal-shaped tensors; on a tie each side gets half the gradient (torch).
    fn minimum(&self, a: &Self::T, b: &Self::T) -> Result<Self::T>;
    /// Mean of every element, a scalar (rank 0).
    fn mean_all(&self, x: &Self::T) -> Result<Self::T>;
    fn sqrt(&self, x: &Self::T) -> Result<Self::T>;
    /// Sum over dimension `dim`, which is removed.
    fn sum_dim(&self, x: &Self::T, dim: usize) -> Result<Self::T>;
    /// Swap two dimensions. The result is contiguous where the framework's matmul needs it (candle);
    /// torch keeps a strided view, as transformers does.
    fn transpose(&self, x: &Self::T, d0: usize, d1: usize) -> Result<Self::T>;
    /// Layer norm over the last dimension with weight and bias (torch's `F.layer_norm`).
    fn layer_norm(&self, x: &Self::T, w: &Self::T, b: &Self::T, eps: f64) -> Result<Self::T>;
    /// GELU in its exact erf form (BERT's `hidden_act: gelu`).
    fn gelu_erf(&self, x: &Self::T) -> Result<Self::T>;
    /// softmax(q k^T * scale + bias) v over (batch, heads, seq, head_dim), `bias` (batch, 1, 1, seq)
    /// added to every query's scores. Each framework's own attention: torch's fused
    /// `scaled_dot_product_attention` (what transformers calls with `attn_implementation="sdpa"`),
    /// candle's matmul, softmax, matmul (what candle-transformers' BERT composes; candle has no CPU SDPA).
    fn attention(
        &self,
        q: &Self::T,
        k: &Self::T,
        v: &Self::T,
        bias: Option<&Self::T>,
        scale: f64,
    ) -> Result<Self::T>;
    /// What [`Ops::recurrent`] runs, recorded in deep-learning results (`recurrent_layer`).
    const RECURRENT: &'static str;
    /// A stack of `layers` recurrent layers (`kind`: rnn (tanh), lstm or gru) over (N, T, F), no
    /// dropout between layers, zero initial state -> the last layer's hidden states (N, T, H). The
    /// weights are PyTorch's `rnn.weight_ih_l{l}`, `rnn.weight_hh_l{l}`, `rnn.bias_ih_l{l}`,
    /// `rnn.bias_hh_l{l}` in its gate order. tch calls ATen's fused layer, the call torch.nn.RNN /
    /// LSTM / GRU make; candle composes it per time step ([`crate::models::recurrent_composed`]).
    fn recurrent(
        &self,
        kind: &str,
        x: &Self::T,
        layers: usize,
        hidden: usize,
        train: bool,
    ) -> Result<Self::T>;
}

/// Everything a training/inference benchmark needs beyond the model's forward pass.
pub trait Engine: Ops + Sized {
    /// Framework name as in config/frameworks.yaml (`candle`, `tch`).
    const NAME: &'static str;
    fn version() -> String;
    fn backend(&self) -> String;
    /// Probes of known defects of this library (config/findings.yaml), as `{name: {reproduces, detail}}`.
    fn findings() -> serde_json::Value {
        serde_json::json!({})
    }

    /// Load the shared initial tensors and set up the optimiser over the trainable ones.
    /// `trainable` lists parameter names; every other tensor in the file is a buffer.
    fn load(
        path: &Path,
        trainable: &[String],
        opt: AdamWConfig,
        threads: u32,
        device: &str,
    ) -> Result<Self>;
    /// Names and shapes of every tensor held (parameters and buffers), for the spec check.
    fn tensor_shapes(&self) -> Vec<(String, Vec<usize>)>;
    fn tensor_f32(&self, data: Vec<f32>, shape: &[usize]) -> Result<Self::T>;
    fn tensor_i64(&self, data: Vec<i64>) -> Result<Self::T>;
    /// Rows of `x` (first dimension) at `idx` (an i64 tensor).
    fn index_rows(&self, x: &Self::T, idx: &Self::T) -> Result<Self::T>;
    /// Mean cross-entropy of logits (N, K) against class indices (N,).
    fn cross_entropy(&self, logits: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Mean squared error of (N, 1) predictions against (N,) targets.
    fn mse(&self, pred: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Mean Huber loss with delta 1 (torch's smooth_l1_loss) of equal-shaped tensors.
    fn huber(&self, pred: &Self::T, target: &Self::T) -> Result<Self::T>;
    /// Replace a non-trainable tensor with a detached copy of `value` (a hard target-network update).
    fn set_buffer(&mut self, name: &str, value: &Self::T) -> Result<()>;
    /// Backward pass from `loss`, gradient clipping if configured, and one optimiser step; returns
    /// the loss, detached and still where it was computed. Reading it is a host copy
    /// ([`Engine::to_vec_f32`]), which on a GPU waits for the queued work: a deep-learning epoch reads
    /// its losses once at its end, as the PyTorch side does.
    fn step(&mut self, loss: &Self::T) -> Result<Self::T>;
    /// The optimiser's learning rate from the next step on (a schedule, as SB3's PPO).
    fn set_lr(&mut self, lr: f64);
    fn to_vec_f32(&self, x: &Self::T) -> Result<Vec<f32>>;
    /// Run `f` without recording a graph for gradients.
    fn no_grad<R>(&self, f: impl FnOnce() -> R) -> R {
        f()
    }
    /// Wait for queued device work, so a timer around it measures the work (a no-op on CPU).
    fn sync(&self) -> Result<()>;
    /// Copies between host and device memory this engine has made so far: every
    /// [`Engine::tensor_f32`], [`Engine::tensor_i64`] and [`Engine::to_vec_f32`], and any value an
    /// operation reads back itself (candle's gradient clipping). On a GPU each one can wait for the
    /// queued work, so the tests count them per training epoch (CPU counts the same calls).
    fn host_transfers(&self) -> u64;
    fn save(&self, path: &Path) -> Result<()>;
}

/// Checks of the ops PPO added, against values computed here in f64; each backend's unit tests run
/// it on its own engine (a `Result` so a failure names the op).
pub fn check_ppo_ops<E: Engine>(e: &E) -> Result<()> {
    use anyhow::ensure;
    let close = |got: &[f32], want: &[f64], what: &str| -> Result<()> {
        ensure!(got.len() == want.len(), "{what}: {got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            ensure!(
                (f64::from(*g) - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{what}: {got:?} vs {want:?}"
            );
        }
        Ok(())
    };
    let raw = [0.5f32, -1.0, 2.0, 0.25, 3.0, -0.75];
    let x = e.tensor_f32(raw.to_vec(), &[2, 3])?;
    let xs: Vec<f64> = raw.iter().map(|&v| f64::from(v)).collect();
    close(
        &e.to_vec_f32(&e.affine(&x, -0.5, 0.25)?)?,
        &xs.iter().map(|v| v * -0.5 + 0.25).collect::<Vec<_>>(),
        "affine",
    )?;
    close(
        &e.to_vec_f32(&e.exp(&x)?)?,
        &xs.iter().map(|v| v.exp()).collect::<Vec<_>>(),
        "exp",
    )?;
    let mut lsm = Vec::new();
    for row in xs.chunks(3) {
        let lse = row.iter().map(|v| v.exp()).sum::<f64>().ln();
        lsm.extend(row.iter().map(|v| v - lse));
    }
    close(
        &e.to_vec_f32(&e.log_softmax_last(&x)?)?,
        &lsm,
        "log_softmax_last",
    )?;
    close(
        &e.to_vec_f32(&e.clamp(&x, 0.0, 1.0)?)?,
        &xs.iter().map(|v| v.clamp(0.0, 1.0)).collect::<Vec<_>>(),
        "clamp",
    )?;
    let y = e.tensor_f32(vec![0.0, 0.0, 3.0, 0.25, -1.0, 0.0], &[2, 3])?;
    close(
        &e.to_vec_f32(&e.minimum(&x, &y)?)?,
        &[0.0, -1.0, 2.0, 0.25, -1.0, -0.75],
        "minimum",
    )?;
    let mean = e.mean_all(&x)?;
    ensure!(
        e.dims(&mean).is_empty(),
        "mean_all: rank {:?}",
        e.dims(&mean)
    );
    close(
        &e.to_vec_f32(&mean)?,
        &[xs.iter().sum::<f64>() / 6.0],
        "mean_all",
    )?;
    Ok(())
}

/// `erf` by its Maclaurin series, accurate to ~1e-15 for the |x| <= 3 the checks use (std has no erf).
fn erf(x: f64) -> f64 {
    let (mut term, mut sum) = (x, x);
    for n in 1..200 {
        term *= -x * x / n as f64;
        let next = term / (2 * n + 1) as f64;
        sum += next;
        if next.abs() < 1e-17 {
            break;
        }
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

/// Checks of the ops the BERT encoder added, against values computed here in f64, the same way as
/// [`check_ppo_ops`]; each backend's unit tests run it on its own engine.
pub fn check_encoder_ops<E: Engine>(e: &E) -> Result<()> {
    use anyhow::ensure;
    let close = |got: &[f32], want: &[f64], what: &str| -> Result<()> {
        ensure!(got.len() == want.len(), "{what}: {got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            ensure!(
                (f64::from(*g) - w).abs() <= 2e-6 * w.abs().max(1.0),
                "{what}: {got:?} vs {want:?}"
            );
        }
        Ok(())
    };
    let raw = [0.5f32, -1.0, 2.0, 0.25, 3.0, -0.75];
    let x = e.tensor_f32(raw.to_vec(), &[2, 3])?;
    let xs: Vec<f64> = raw.iter().map(|&v| f64::from(v)).collect();

    // Broadcasting: (2, 3) with (3,) and with (2, 1).
    let row = e.tensor_f32(vec![1.0, 2.0, 4.0], &[3])?;
    let col = e.tensor_f32(vec![2.0, 0.5], &[2, 1])?;
    let by_row = |f: fn(f64, f64) -> f64| -> Vec<f64> {
        xs.iter()
            .enumerate()
            .map(|(i, &v)| f(v, [1.0, 2.0, 4.0][i % 3]))
            .collect()
    };
    close(
        &e.to_vec_f32(&e.add(&x, &row)?)?,
        &by_row(|a, b| a + b),
        "add",
    )?;
    close(
        &e.to_vec_f32(&e.mul(&x, &row)?)?,
        &by_row(|a, b| a * b),
        "mul",
    )?;
    close(
        &e.to_vec_f32(&e.div(&x, &col)?)?,
        &xs.iter()
            .enumerate()
            .map(|(i, v)| v / [2.0, 0.5][i / 3])
            .collect::<Vec<_>>(),
        "div",
    )?;
    close(
        &e.to_vec_f32(&e.sqrt(&e.affine(&x, 0.0, 2.25)?)?)?,
        &[1.5; 6],
        "sqrt",
    )?;
    let s0 = e.sum_dim(&x, 0)?;
    ensure!(e.dims(&s0) == [3], "sum_dim: shape {:?}", e.dims(&s0));
    close(&e.to_vec_f32(&s0)?, &[0.75, 2.0, 1.25], "sum_dim")?;
    let t = e.transpose(&x, 0, 1)?;
    ensure!(e.dims(&t) == [3, 2], "transpose: shape {:?}", e.dims(&t));
    close(
        &e.to_vec_f32(&t)?,
        &[0.5, 0.25, -1.0, 3.0, 2.0, -0.75],
        "transpose",
    )?;

    let (w, b) = ([1.5f32, -0.5, 2.0], [0.1f32, 0.2, -0.3]);
    let mut ln = Vec::new();
    for r in xs.chunks(3) {
        let mean = r.iter().sum::<f64>() / 3.0;
        let var = r.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3.0;
        for (j, v) in r.iter().enumerate() {
            ln.push((v - mean) / (var + 1e-5).sqrt() * f64::from(w[j]) + f64::from(b[j]));
        }
    }
    let (wt, bt) = (
        e.tensor_f32(w.to_vec(), &[3])?,
        e.tensor_f32(b.to_vec(), &[3])?,
    );
    close(
        &e.to_vec_f32(&e.layer_norm(&x, &wt, &bt, 1e-5)?)?,
        &ln,
        "layer_norm",
    )?;
    close(
        &e.to_vec_f32(&e.gelu_erf(&x)?)?,
        &xs.iter()
            .map(|v| 0.5 * v * (1.0 + erf(v / std::f64::consts::SQRT_2)))
            .collect::<Vec<_>>(),
        "gelu_erf",
    )?;

    // Attention over (batch 1, heads 2, seq 3, head_dim 2); the bias masks key 2 out.
    let qkv: Vec<f32> = (0..12).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.5).collect();
    let k_raw: Vec<f32> = (0..12).map(|i| ((i * 3 % 7) as f32 - 3.0) * 0.25).collect();
    let v_raw: Vec<f32> = (0..12).map(|i| (i as f32 - 6.0) * 0.3).collect();
    let bias_raw = [0.0f32, 0.0, f32::MIN];
    let scale = 1.0 / 2f64.sqrt();
    let reference = |masked: bool| -> Vec<f64> {
        let at = |a: &[f32], h: usize, s: usize, d: usize| f64::from(a[h * 6 + s * 2 + d]);
        let mut out = Vec::new();
        for h in 0..2 {
            for i in 0..3 {
                let keys = if masked { 2 } else { 3 };
                let sc: Vec<f64> = (0..keys)
                    .map(|j| {
                        (0..2)
                            .map(|d| at(&qkv, h, i, d) * at(&k_raw, h, j, d))
                            .sum::<f64>()
                            * scale
                    })
                    .collect();
                let m = sc.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = sc.iter().map(|s| (s - m).exp()).sum();
                for d in 0..2 {
                    out.push(
                        sc.iter()
                            .enumerate()
                            .map(|(j, s)| (s - m).exp() / z * at(&v_raw, h, j, d))
                            .sum(),
                    );
                }
            }
        }
        out
    };
    let (q, k, v) = (
        e.tensor_f32(qkv.clone(), &[1, 2, 3, 2])?,
        e.tensor_f32(k_raw.clone(), &[1, 2, 3, 2])?,
        e.tensor_f32(v_raw.clone(), &[1, 2, 3, 2])?,
    );
    let bias = e.tensor_f32(bias_raw.to_vec(), &[1, 1, 1, 3])?;
    close(
        &e.to_vec_f32(&e.attention(&q, &k, &v, None, scale)?)?,
        &reference(false),
        "attention",
    )?;
    close(
        &e.to_vec_f32(&e.attention(&q, &k, &v, Some(&bias), scale)?)?,
        &reference(true),
        "attention with a mask",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn erf_series_matches_known_values() {
        // Abramowitz & Stegun table 7.1.
        for (x, want) in [
            (0.5, 0.520_499_877_813_047),
            (1.0, 0.842_700_792_949_715),
            (2.5, 0.999_593_047_982_555),
        ] {
            assert!((super::erf(x) - want).abs() < 1e-13, "erf({x})");
        }
    }
}
