//! Loading a materialised split after verifying every file against its manifest sha256.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ndarray::{Array1, Array2, Axis};
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
    Manifest::parse(&text).with_context(|| format!("parsing {}", path.display()))
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self> {
        serde_json::from_str(text).context("not a valid dataset manifest")
    }
}

/// `dir/file` when `file` is a plain relative path that resolves inside `dir`; a manifest that names
/// `../x.npy`, an absolute path, or a link leading out of the data folder is refused.
pub fn contained_path(dir: &Path, file: &str) -> Result<PathBuf> {
    let relative = Path::new(file);
    // Checked on the text (same rule as Python): `components()` would quietly drop `.` parts.
    let plain = !file.is_empty()
        && file
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if !plain {
        bail!(
            "{}: manifest file {file:?} is not a plain relative path inside the data folder",
            dir.display()
        );
    }
    let path = dir.join(relative);
    if let (Ok(real_dir), Ok(real)) = (dir.canonicalize(), path.canonicalize()) {
        if !real.starts_with(&real_dir) {
            bail!(
                "{}: manifest file {file:?} resolves to {}, outside the data folder",
                dir.display(),
                real.display()
            );
        }
    }
    Ok(path)
}

fn verified_path(dir: &Path, manifest: &Manifest, name: &str) -> Result<PathBuf> {
    let entry = manifest
        .files
        .get(name)
        .with_context(|| format!("manifest lacks {name}"))?;
    let path = contained_path(dir, &entry.file)?;
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

/// The cross-validation fold id of every train row (written once by the Python materialiser, listed in
/// the manifest as `folds` with its sha256), or None when the dataset has no folds.
pub fn load_folds(dir: &Path) -> Result<Option<Array1<i64>>> {
    let manifest = read_manifest(dir)?;
    if !manifest.files.contains_key("folds") {
        return Ok(None);
    }
    Ok(Some(read_npy::<Array1<i64>>(&verified_path(
        dir, &manifest, "folds",
    )?)?))
}

impl<Y: Clone> Split<Y> {
    /// Fold `k` as a split: train on the other folds' train rows, test on fold k's train rows.
    pub fn fold(&self, folds: &Array1<i64>, k: i64) -> Split<Y> {
        let held: Vec<usize> = (0..folds.len()).filter(|&i| folds[i] == k).collect();
        let kept: Vec<usize> = (0..folds.len()).filter(|&i| folds[i] != k).collect();
        let mut manifest = self.manifest.clone();
        manifest.n_train = kept.len() as u64;
        manifest.n_test = held.len() as u64;
        Split {
            x_train: self.x_train.select(Axis(0), &kept),
            y_train: self.y_train.select(Axis(0), &kept),
            x_test: self.x_train.select(Axis(0), &held),
            y_test: self.y_train.select(Axis(0), &held),
            manifest,
        }
    }
}
