//! Embed the resolved tch version and libtorch's run path, so results record what ran and the
//! binary finds the libtorch it was linked against.

include!("../build-support/locked_version.rs");

fn main() {
    println!(
        "cargo:rustc-env=PAIRBENCH_TCH_VERSION={}",
        locked_version("tch")
    );
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
