//! Every model once, over [`Ops`]; tensor names and shapes are PyTorch's state-dict
//! (src/python/pairbench/tasks/deep/torch_models.py), checked tensor by tensor when weights load.

use anyhow::{bail, Result};

use crate::ops::Ops;

pub const CNN_MODELS: [&str; 4] = ["lenet", "simple_cnn", "resnet18", "mobilenet"];

/// What each model reads from the cell, every one required (config/benchmarks.yaml writes them);
/// torch_models.py's `MODEL_PARAMS` lists the same.
pub fn model_params(name: &str) -> &'static [&'static str] {
    match name {
        "simple_cnn" => &["width", "dropout"],
        "resnet18" | "mobilenet" => &["width"],
        "rnn" | "lstm" | "gru" => &["hidden", "layers"],
        _ => &[],
    }
}
pub const RNN_MODELS: [&str; 3] = ["rnn", "lstm", "gru"];
/// MobileNet-v1-style blocks: (output width multiplier, stride), as MOBILENET_BLOCKS in Python.
const MOBILENET_BLOCKS: [(usize, usize); 5] = [(2, 1), (4, 2), (4, 1), (8, 2), (8, 1)];

#[derive(Debug, Clone)]
pub struct ModelConfig {
    pub name: String,
    /// (C, H, W) for images.
    pub image_shape: [usize; 3],
    /// (T, features) for sequences.
    pub seq_len: usize,
    pub n_features: usize,
    pub n_outputs: usize,
    pub width: usize,
    pub hidden: usize,
    pub layers: usize,
    pub dropout: f64,
}

/// One tensor the model expects in the weights file.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<usize>,
    pub trainable: bool,
}

struct Specs(Vec<TensorSpec>);

impl Specs {
    fn p(&mut self, name: String, shape: &[usize]) {
        self.0.push(TensorSpec {
            name,
            shape: shape.to_vec(),
            trainable: true,
        });
    }
    fn conv(&mut self, name: &str, c_in: usize, c_out: usize, k: usize, groups: usize, bias: bool) {
        self.p(format!("{name}.weight"), &[c_out, c_in / groups, k, k]);
        if bias {
            self.p(format!("{name}.bias"), &[c_out]);
        }
    }
    fn linear(&mut self, name: &str, n_in: usize, n_out: usize) {
        self.p(format!("{name}.weight"), &[n_out, n_in]);
        self.p(format!("{name}.bias"), &[n_out]);
    }
    fn bn(&mut self, name: &str, c: usize) {
        self.p(format!("{name}.weight"), &[c]);
        self.p(format!("{name}.bias"), &[c]);
        for buf in ["running_mean", "running_var"] {
            self.0.push(TensorSpec {
                name: format!("{name}.{buf}"),
                shape: vec![c],
                trainable: false,
            });
        }
    }
}

fn gates(name: &str) -> Result<usize> {
    Ok(match name {
        "rnn" => 1,
        "lstm" => 4,
        "gru" => 3,
        other => bail!("not a recurrent model: {other:?}"),
    })
}

fn resnet_blocks(width: usize) -> Vec<(String, usize, usize, usize)> {
    let mut out = Vec::new();
    let mut c_in = width;
    for (i, (mult, stride)) in [(1, 1), (2, 2), (4, 2), (8, 2)].into_iter().enumerate() {
        let c_out = mult * width;
        out.push((format!("layer{}.0", i + 1), c_in, c_out, stride));
        out.push((format!("layer{}.1", i + 1), c_out, c_out, 1));
        c_in = c_out;
    }
    out
}

/// The tensors of `cfg`'s model, in PyTorch's state-dict naming.
pub fn tensor_specs(cfg: &ModelConfig) -> Result<Vec<TensorSpec>> {
    let mut s = Specs(Vec::new());
    let [c, h, w] = cfg.image_shape;
    let wd = cfg.width;
    match cfg.name.as_str() {
        "lenet" => {
            s.conv("conv1", c, 6, 5, 1, true);
            s.conv("conv2", 6, 16, 5, 1, true);
            s.linear("fc1", 16 * (h / 4) * (w / 4), 120);
            s.linear("fc2", 120, 84);
            s.linear("fc3", 84, cfg.n_outputs);
        }
        "simple_cnn" => {
            s.conv("conv1", c, wd, 3, 1, true);
            s.bn("bn1", wd);
            s.conv("conv2", wd, 2 * wd, 3, 1, true);
            s.bn("bn2", 2 * wd);
            s.conv("conv3", 2 * wd, 2 * wd, 3, 1, true);
            s.bn("bn3", 2 * wd);
            s.linear("fc", 2 * wd, cfg.n_outputs);
        }
        "resnet18" => {
            s.conv("conv1", c, wd, 3, 1, false);
            s.bn("bn1", wd);
            for (name, c_in, c_out, stride) in resnet_blocks(wd) {
                s.conv(&format!("{name}.conv1"), c_in, c_out, 3, 1, false);
                s.bn(&format!("{name}.bn1"), c_out);
                s.conv(&format!("{name}.conv2"), c_out, c_out, 3, 1, false);
                s.bn(&format!("{name}.bn2"), c_out);
                if stride != 1 || c_in != c_out {
                    s.conv(&format!("{name}.downsample.0"), c_in, c_out, 1, 1, false);
                    s.bn(&format!("{name}.downsample.1"), c_out);
                }
            }
            s.linear("fc", 8 * wd, cfg.n_outputs);
        }
        "mobilenet" => {
            s.conv("stem", c, wd, 3, 1, false);
            s.bn("stem_bn", wd);
            let mut c_in = wd;
            for (i, (mult, _)) in MOBILENET_BLOCKS.iter().enumerate() {
                let c_out = mult * wd;
                s.conv(&format!("blocks.{i}.dw"), c_in, c_in, 3, c_in, false);
                s.bn(&format!("blocks.{i}.dw_bn"), c_in);
                s.conv(&format!("blocks.{i}.pw"), c_in, c_out, 1, 1, false);
                s.bn(&format!("blocks.{i}.pw_bn"), c_out);
                c_in = c_out;
            }
            s.linear("fc", c_in, cfg.n_outputs);
        }
        "rnn" | "lstm" | "gru" => {
            let g = gates(&cfg.name)?;
            let hd = cfg.hidden;
            for l in 0..cfg.layers {
                let n_in = if l == 0 { cfg.n_features } else { hd };
                s.p(format!("rnn.weight_ih_l{l}"), &[g * hd, n_in]);
                s.p(format!("rnn.weight_hh_l{l}"), &[g * hd, hd]);
                s.p(format!("rnn.bias_ih_l{l}"), &[g * hd]);
                s.p(format!("rnn.bias_hh_l{l}"), &[g * hd]);
            }
            s.linear("fc", hd, cfg.n_outputs);
        }
        other => bail!(
            "unknown model {other:?}; allowed: {}, {}",
            CNN_MODELS.join(", "),
            RNN_MODELS.join(", ")
        ),
    }
    Ok(s.0)
}

pub fn param_count(specs: &[TensorSpec]) -> usize {
    specs
        .iter()
        .filter(|s| s.trainable)
        .map(|s| s.shape.iter().product::<usize>())
        .sum()
}

fn conv<O: Ops>(
    o: &O,
    x: &O::T,
    name: &str,
    stride: usize,
    padding: usize,
    groups: usize,
    bias: bool,
) -> Result<O::T> {
    let w = o.param(&format!("{name}.weight"))?;
    let b = if bias {
        Some(o.param(&format!("{name}.bias"))?)
    } else {
        None
    };
    o.conv2d(x, &w, b.as_ref(), stride, padding, groups)
}

fn linear<O: Ops>(o: &O, x: &O::T, name: &str) -> Result<O::T> {
    o.linear(
        x,
        &o.param(&format!("{name}.weight"))?,
        Some(&o.param(&format!("{name}.bias"))?),
    )
}

fn conv_bn_relu<O: Ops>(
    o: &O,
    x: &O::T,
    conv_name: &str,
    bn: &str,
    k: (usize, usize, usize, bool),
    train: bool,
) -> Result<O::T> {
    let (stride, padding, groups, bias) = k;
    o.relu(&o.batch_norm(
        &conv(o, x, conv_name, stride, padding, groups, bias)?,
        bn,
        train,
    )?)
}

fn basic_block<O: Ops>(
    o: &O,
    x: &O::T,
    name: &str,
    stride: usize,
    downsample: bool,
    train: bool,
) -> Result<O::T> {
    let out = conv_bn_relu(
        o,
        x,
        &format!("{name}.conv1"),
        &format!("{name}.bn1"),
        (stride, 1, 1, false),
        train,
    )?;
    let out = o.batch_norm(
        &conv(o, &out, &format!("{name}.conv2"), 1, 1, 1, false)?,
        &format!("{name}.bn2"),
        train,
    )?;
    let identity = if downsample {
        let d = conv(o, x, &format!("{name}.downsample.0"), stride, 0, 1, false)?;
        o.batch_norm(&d, &format!("{name}.downsample.1"), train)?
    } else {
        x.clone()
    };
    o.relu(&o.add(&out, &identity)?)
}

/// [`Ops::recurrent`] composed per time step from element-wise ops and matrix products: candle's
/// recurrent layers (candle has no fused RNN kernel that takes PyTorch's weights as they are).
pub fn recurrent_composed<O: Ops>(
    o: &O,
    kind: &str,
    x: &O::T,
    layers: usize,
    hidden: usize,
) -> Result<O::T> {
    let mut seq = x.clone();
    for l in 0..layers {
        seq = recurrent_layer(o, kind, &seq, l, hidden)?;
    }
    Ok(seq)
}

/// One recurrent layer over (N, T, F) -> all hidden states (N, T, H), PyTorch's gate layout:
/// LSTM rows (i, f, g, o); GRU rows (r, z, n) with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
fn recurrent_layer<O: Ops>(o: &O, kind: &str, x: &O::T, l: usize, hidden: usize) -> Result<O::T> {
    let dims = o.dims(x);
    let (n, t_len, f) = (dims[0], dims[1], dims[2]);
    let g = gates(kind)?;
    let w_ih = o.param(&format!("rnn.weight_ih_l{l}"))?;
    let w_hh = o.param(&format!("rnn.weight_hh_l{l}"))?;
    let b_ih = o.param(&format!("rnn.bias_ih_l{l}"))?;
    let b_hh = o.param(&format!("rnn.bias_hh_l{l}"))?;
    // Input projections of every step in one matrix product, as cuDNN/PyTorch do.
    let gx_all = o.reshape(
        &o.linear(&o.reshape(x, &[n * t_len, f])?, &w_ih, Some(&b_ih))?,
        &[n, t_len, g * hidden],
    )?;
    let mut h = o.zeros(&[n, hidden])?;
    let mut c = o.zeros(&[n, hidden])?;
    let mut outs = Vec::with_capacity(t_len);
    for t in 0..t_len {
        let gx = o.reshape(&o.narrow(&gx_all, 1, t, 1)?, &[n, g * hidden])?;
        let gh = o.linear(&h, &w_hh, Some(&b_hh))?;
        let part = |m: &O::T, k: usize| o.narrow(m, 1, k * hidden, hidden);
        h = match kind {
            "rnn" => o.tanh(&o.add(&gx, &gh)?)?,
            "lstm" => {
                let s = o.add(&gx, &gh)?;
                let i = o.sigmoid(&part(&s, 0)?)?;
                let fg = o.sigmoid(&part(&s, 1)?)?;
                let gg = o.tanh(&part(&s, 2)?)?;
                let og = o.sigmoid(&part(&s, 3)?)?;
                c = o.add(&o.mul(&fg, &c)?, &o.mul(&i, &gg)?)?;
                o.mul(&og, &o.tanh(&c)?)?
            }
            _ => {
                let r = o.sigmoid(&o.add(&part(&gx, 0)?, &part(&gh, 0)?)?)?;
                let z = o.sigmoid(&o.add(&part(&gx, 1)?, &part(&gh, 1)?)?)?;
                let nn = o.tanh(&o.add(&part(&gx, 2)?, &o.mul(&r, &part(&gh, 2)?)?)?)?;
                // (1 - z) * n + z * h, written as n + z * (h - n)
                o.add(&nn, &o.mul(&z, &o.sub(&h, &nn)?)?)?
            }
        };
        outs.push(o.reshape(&h, &[n, 1, hidden])?);
    }
    o.cat(&outs, 1)
}

/// The forward pass: images (N, C, H, W) or sequences (N, T, F) -> (N, n_outputs).
pub fn forward<O: Ops>(o: &O, cfg: &ModelConfig, x: &O::T, train: bool) -> Result<O::T> {
    match cfg.name.as_str() {
        "lenet" => {
            let x = o.max_pool2d(&o.relu(&conv(o, x, "conv1", 1, 2, 1, true)?)?, 2)?;
            let x = o.max_pool2d(&o.relu(&conv(o, &x, "conv2", 1, 2, 1, true)?)?, 2)?;
            let d = o.dims(&x);
            let x = o.reshape(&x, &[d[0], d[1] * d[2] * d[3]])?;
            let x = o.relu(&linear(o, &x, "fc1")?)?;
            let x = o.relu(&linear(o, &x, "fc2")?)?;
            linear(o, &x, "fc3")
        }
        "simple_cnn" => {
            let x = conv_bn_relu(o, x, "conv1", "bn1", (1, 1, 1, true), train)?;
            let x = o.max_pool2d(
                &conv_bn_relu(o, &x, "conv2", "bn2", (1, 1, 1, true), train)?,
                2,
            )?;
            let x = conv_bn_relu(o, &x, "conv3", "bn3", (1, 1, 1, true), train)?;
            let x = o.spatial_mean(&x)?;
            linear(o, &o.dropout(&x, cfg.dropout, train)?, "fc")
        }
        "resnet18" => {
            let mut x = conv_bn_relu(o, x, "conv1", "bn1", (1, 1, 1, false), train)?;
            for (name, c_in, c_out, stride) in resnet_blocks(cfg.width) {
                x = basic_block(o, &x, &name, stride, stride != 1 || c_in != c_out, train)?;
            }
            linear(o, &o.spatial_mean(&x)?, "fc")
        }
        "mobilenet" => {
            let mut x = conv_bn_relu(o, x, "stem", "stem_bn", (1, 1, 1, false), train)?;
            for (i, (_, stride)) in MOBILENET_BLOCKS.iter().enumerate() {
                // Depthwise: one group per input channel, i.e. the previous block's output width.
                let c_in = if i == 0 {
                    cfg.width
                } else {
                    MOBILENET_BLOCKS[i - 1].0 * cfg.width
                };
                x = conv_bn_relu(
                    o,
                    &x,
                    &format!("blocks.{i}.dw"),
                    &format!("blocks.{i}.dw_bn"),
                    (*stride, 1, c_in, false),
                    train,
                )?;
                x = conv_bn_relu(
                    o,
                    &x,
                    &format!("blocks.{i}.pw"),
                    &format!("blocks.{i}.pw_bn"),
                    (1, 0, 1, false),
                    train,
                )?;
            }
            linear(o, &o.spatial_mean(&x)?, "fc")
        }
        kind @ ("rnn" | "lstm" | "gru") => {
            let seq = o.recurrent(kind, x, cfg.layers, cfg.hidden, train)?;
            let t_len = o.dims(&seq)[1];
            let last = o.narrow(&seq, 1, t_len - 1, 1)?;
            let n = o.dims(&last)[0];
            linear(o, &o.reshape(&last, &[n, cfg.hidden])?, "fc")
        }
        other => bail!("unknown model {other:?}"),
    }
}
