//! Loading a materialised split after verifying every file against its manifest sha256.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ndarray::{Array1, Array2};
use ndarray_npy::ReadNpyExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub const SPLIT_FILES: [&str; 4] = ["X_train", "y_train", "X_test", "y_test"];

#[derive(Debug, Clone, Deserialize)]
pub struct FileEntry {
    pub file: String,
    pub shape: Vec<usize>,
    pub dtype: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub n_train: u64,
    pub n_test: u64,
    pub n_features: u64,
    pub files: BTreeMap<String, FileEntry>,
    pub sha256: String,
}

/// A verified split; targets are f64 for regression and i64 class labels for classification.
pub struct Split<Y> {
    pub x_train: Array2<f64>,
    pub y_train: Array1<Y>,
    pub x_test: Array2<f64>,
    pub y_test: Array1<Y>,
    pub manifest: Manifest,
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Same rule as the Python side: sha256 over "name:digest\n" lines in [`SPLIT_FILES`] order.
pub fn combined_digest(files: &BTreeMap<String, FileEntry>) -> Result<String> {
    let mut hasher = Sha256::new();
    for name in SPLIT_FILES {
        let entry = files
            .get(name)
            .with_context(|| format!("manifest lacks {name}"))?;
        hasher.update(format!("{name}:{}\n", entry.sha256).as_bytes());
    }
    Ok(hex::encode(hasher.finalize()))
}

pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "{}: dataset manifest missing (run phase 3 first)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn verified_path(dir: &Path, manifest: &Manifest, name: &str) -> Result<PathBuf> {
    let entry = manifest
        .files
        .get(name)
        .with_context(|| format!("manifest lacks {name}"))?;
    let path = dir.join(&entry.file);
    let actual = sha256_file(&path)?;
    if actual != entry.sha256 {
        bail!(
            "{}: sha256 {actual} != manifest {}",
            path.display(),
            entry.sha256
        );
    }
    Ok(path)
}

fn read_npy<T: ReadNpyExt>(path: &Path) -> Result<T> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    T::read_npy(file).with_context(|| format!("reading {}", path.display()))
}

pub fn load_verified<Y>(dir: &Path) -> Result<Split<Y>>
where
    Array1<Y>: ReadNpyExt,
{
    let manifest = read_manifest(dir)?;
    if combined_digest(&manifest.files)? != manifest.sha256 {
        bail!(
            "{}: combined digest does not match its file digests",
            dir.join("manifest.json").display()
        );
    }
    let x_train = read_npy::<Array2<f64>>(&verified_path(dir, &manifest, "X_train")?)?;
    let y_train = read_npy::<Array1<Y>>(&verified_path(dir, &manifest, "y_train")?)?;
    let x_test = read_npy::<Array2<f64>>(&verified_path(dir, &manifest, "X_test")?)?;
    let y_test = read_npy::<Array1<Y>>(&verified_path(dir, &manifest, "y_test")?)?;
    Ok(Split {
        x_train,
        y_train,
        x_test,
        y_test,
        manifest,
    })
}
