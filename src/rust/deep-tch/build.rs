//! Embed the resolved tch version (and libtorch's run path) (from the workspace Cargo.lock) so results record what ran.

fn main() {
    let lock = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../Cargo.lock");
    println!("cargo:rerun-if-changed={lock}");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let mut lines = text.lines();
    let mut version = String::from("unknown");
    while let Some(line) = lines.next() {
        if line == "name = \"candle-core\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                version = v.trim_end_matches('"').to_string();
            }
            break;
        }
    }
    println!("cargo:rustc-env=PAIRBENCH_TCH_VERSION={version}");
    println!("cargo:rerun-if-env-changed=PYTHON_SYS_EXECUTABLE");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    match torch_lib_dir() {
        Some(dir) => println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{dir}"),
        None => println!("cargo:warning=torch not importable by $PYTHON_SYS_EXECUTABLE/python: no run path to libtorch baked in (pass an absolute interpreter path)"),
    }
}

/// Bake the venv's torch/lib into the binary's run path, so `pairbench-tch` finds the very libtorch it
/// was linked against without LD_LIBRARY_PATH (the same interpreter lookup torch-sys uses).
fn torch_lib_dir() -> Option<String> {
    let python = std::env::var("PYTHON_SYS_EXECUTABLE").unwrap_or_else(|_| "python".into());
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))",
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
