//! Embed the resolved candle-transformers version so results record what ran (pairbench-llm embeds
//! the tokenizers version).

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_CANDLE_TRANSFORMERS_VERSION={}",
        locked_version("candle-transformers")
    );
}
