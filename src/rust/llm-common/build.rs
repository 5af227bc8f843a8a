//! Embed the resolved tokenizers version so results record what ran.

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_TOKENIZERS_VERSION={}",
        locked_version("tokenizers")
    );
}
