//! Embed the resolved candle-transformers and tokenizers versions so results record what ran.

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_CANDLE_TRANSFORMERS_VERSION={}",
        locked_version("candle-transformers")
    );
    println!(
        "cargo:rustc-env=PAIRBENCH_TOKENIZERS_VERSION={}",
        locked_version("tokenizers")
    );
}
