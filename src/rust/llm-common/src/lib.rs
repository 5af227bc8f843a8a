//! Framework-neutral half of pairbench's LLM binaries. [`text`]: the model files, the corpus and the
//! tokenisation every Rust side shares (`pairbench-llm-candle` and the tch side). [`bert`]: the BERT
//! sentence encoder written once over deep-common's [`pairbench_deep::ops::Ops`], and [`encoder`]: its
//! `sentence_embedding` benchmark, which `pairbench-tch` runs (as in deep learning, tch vs transformers
//! then isolates the language and tch vs candle-transformers the kernels).

pub mod bert;
pub mod encoder;
pub mod text;
