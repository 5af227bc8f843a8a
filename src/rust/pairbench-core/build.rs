//! Record the compiler and target features the benchmark binaries were built with.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    println!("cargo:rustc-env=PAIRBENCH_RUSTC_VERSION={}", version.trim());
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    println!("cargo:rustc-env=PAIRBENCH_TARGET_FEATURES={features}");
    println!("cargo:rerun-if-env-changed=RUSTFLAGS");
}
