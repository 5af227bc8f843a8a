//! Quality metrics computed natively on the Rust side (same definitions as pairbench.metrics).

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView1, ArrayView2};

/// MSE, RMSE, MAE, R², MAPE, explained variance, residual std/skew/kurtosis (population moments,
/// Fisher kurtosis, as scipy.stats' defaults). R² and explained variance are None for a constant target.
pub fn regression_quality(
    y_true: ArrayView1<f64>,
    y_pred: ArrayView1<f64>,
) -> BTreeMap<String, Option<f64>> {
    assert_eq!(
        y_true.len(),
        y_pred.len(),
        "y_true and y_pred differ in length"
    );
    let n = y_true.len() as f64;
    let residual = &y_true - &y_pred;
    let mean = |v: &ndarray::Array1<f64>| v.sum() / n;
    let r_mean = mean(&residual);
    let t_mean = y_true.sum() / n;
    let sse: f64 = residual.iter().map(|r| r * r).sum();
    let sst: f64 = y_true.iter().map(|t| (t - t_mean).powi(2)).sum();
    let var_t = sst / n;
    let central = |k: i32| residual.iter().map(|r| (r - r_mean).powi(k)).sum::<f64>() / n;
    let (m2, m3, m4) = (central(2), central(3), central(4));
    let mse = sse / n;
    let mape = y_true
        .iter()
        .zip(residual.iter())
        .map(|(t, r)| r.abs() / t.abs().max(f64::EPSILON))
        .sum::<f64>()
        / n;
    let mut q = BTreeMap::new();
    q.insert("mse".into(), Some(mse));
    q.insert("rmse".into(), Some(mse.sqrt()));
    q.insert(
        "mae".into(),
        Some(residual.iter().map(|r| r.abs()).sum::<f64>() / n),
    );
    q.insert("r2".into(), (sst != 0.0).then(|| 1.0 - sse / sst));
    q.insert("mape".into(), Some(mape));
    q.insert(
        "explained_variance".into(),
        (var_t != 0.0).then(|| 1.0 - m2 / var_t),
    );
    q.insert("residual_std".into(), Some(m2.sqrt()));
    q.insert(
        "residual_skew".into(),
        (m2 > 0.0 && n > 2.0).then(|| m3 / m2.powf(1.5)),
    );
    q.insert(
        "residual_kurtosis".into(),
        (m2 > 0.0 && n > 3.0).then(|| m4 / (m2 * m2) - 3.0),
    );
    q
}

fn sorted_unique(values: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// ROC AUC in its Mann-Whitney form with ties counted half; None without both classes.
pub fn binary_roc_auc(positive: &[bool], score: &[f64]) -> Option<f64> {
    let n_pos = positive.iter().filter(|p| **p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        // 1-based ranks i+1..=j+1 share their average.
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += avg * order[i..=j].iter().filter(|&&k| positive[k]).count() as f64;
        i = j + 1;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * q))
}

/// Average precision: sum over distinct thresholds (highest first) of (R_k - R_{k-1}) P_k.
pub fn average_precision(positive: &[bool], score: &[f64]) -> Option<f64> {
    let n_pos = positive.iter().filter(|p| **p).count();
    if n_pos == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut tp, mut fp, mut prev_recall, mut ap) = (0.0, 0.0, 0.0, 0.0);
    for (idx, &k) in order.iter().enumerate() {
        if positive[k] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = idx + 1 == order.len() || score[order[idx + 1]] != score[k];
        if last_of_tie {
            let recall = tp / n_pos as f64;
            ap += (recall - prev_recall) * tp / (tp + fp);
            prev_recall = recall;
        }
    }
    Some(ap)
}

/// Accuracy, macro precision/recall/F1 over the labels in y_true ∪ y_pred (0 where undefined, as
/// scikit-learn's `zero_division=0`), and one-vs-rest macro ROC/PR AUC when decision scores are given:
/// one column per class of `classes`, or a single column for a binary problem (positive = larger label).
pub fn classification_quality(
    y_true: ArrayView1<i64>,
    y_pred: ArrayView1<i64>,
    scores: Option<ArrayView2<f64>>,
    classes: &[i64],
) -> BTreeMap<String, Option<f64>> {
    assert_eq!(
        y_true.len(),
        y_pred.len(),
        "y_true and y_pred differ in length"
    );
    let n = y_true.len() as f64;
    let labels = sorted_unique(y_true.iter().chain(y_pred.iter()).copied());
    let (mut precision, mut recall, mut f1) = (0.0, 0.0, 0.0);
    for &c in &labels {
        let tp = y_true
            .iter()
            .zip(y_pred.iter())
            .filter(|(t, p)| **t == c && **p == c)
            .count() as f64;
        let n_pred = y_pred.iter().filter(|p| **p == c).count() as f64;
        let n_true = y_true.iter().filter(|t| **t == c).count() as f64;
        let prec = if n_pred > 0.0 { tp / n_pred } else { 0.0 };
        let rec = if n_true > 0.0 { tp / n_true } else { 0.0 };
        precision += prec;
        recall += rec;
        f1 += if prec + rec > 0.0 {
            2.0 * prec * rec / (prec + rec)
        } else {
            0.0
        };
    }
    let k = labels.len() as f64;
    let correct = y_true
        .iter()
        .zip(y_pred.iter())
        .filter(|(t, p)| t == p)
        .count() as f64;
    let mut q = BTreeMap::new();
    q.insert("accuracy".into(), Some(correct / n));
    q.insert("precision_macro".into(), Some(precision / k));
    q.insert("recall_macro".into(), Some(recall / k));
    q.insert("f1_macro".into(), Some(f1 / k));
    let (mut roc, mut pr) = (None, None);
    if let Some(s) = scores {
        if s.ncols() == 1 {
            let pos_label = *classes.iter().max().expect("at least one class");
            let positive: Vec<bool> = y_true.iter().map(|t| *t == pos_label).collect();
            let col: Vec<f64> = s.column(0).to_vec();
            roc = binary_roc_auc(&positive, &col);
            pr = average_precision(&positive, &col);
        } else {
            let present: Vec<(usize, i64)> = classes
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, c)| y_true.iter().any(|t| t == c))
                .collect();
            let per_class: Vec<(Option<f64>, Option<f64>)> = present
                .iter()
                .map(|&(j, c)| {
                    let positive: Vec<bool> = y_true.iter().map(|t| *t == c).collect();
                    let col: Vec<f64> = s.column(j).to_vec();
                    (
                        binary_roc_auc(&positive, &col),
                        average_precision(&positive, &col),
                    )
                })
                .collect();
            let mean = |v: Vec<Option<f64>>| -> Option<f64> {
                let m = v.len() as f64;
                v.into_iter().sum::<Option<f64>>().map(|s| s / m)
            };
            roc = mean(per_class.iter().map(|p| p.0).collect());
            pr = mean(per_class.iter().map(|p| p.1).collect());
        }
    }
    q.insert("auc_roc".into(), roc);
    q.insert("auc_pr".into(), pr);
    q
}

fn comb2(x: f64) -> f64 {
    x * (x - 1.0) / 2.0
}

/// Adjusted Rand index (Hubert & Arabie 1985); 1.0 when both labelings are the same trivial one.
pub fn adjusted_rand_index(labels_true: &[i64], labels_pred: &[i64]) -> f64 {
    let mut table: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    let mut rows: BTreeMap<i64, f64> = BTreeMap::new();
    let mut cols: BTreeMap<i64, f64> = BTreeMap::new();
    for (&t, &p) in labels_true.iter().zip(labels_pred) {
        *table.entry((t, p)).or_default() += 1.0;
        *rows.entry(t).or_default() += 1.0;
        *cols.entry(p).or_default() += 1.0;
    }
    let n = labels_true.len() as f64;
    let sum_ij: f64 = table.values().map(|&x| comb2(x)).sum();
    let sum_a: f64 = rows.values().map(|&x| comb2(x)).sum();
    let sum_b: f64 = cols.values().map(|&x| comb2(x)).sum();
    let total = comb2(n);
    let expected = if total > 0.0 {
        sum_a * sum_b / total
    } else {
        0.0
    };
    let max_index = (sum_a + sum_b) / 2.0;
    if max_index == expected {
        return 1.0;
    }
    (sum_ij - expected) / (max_index - expected)
}

fn sq_dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The non-noise points of a clustering (label -1 is DBSCAN noise), its cluster ids in sorted order,
/// and each cluster's size and centre: what every internal index is computed from.
struct Clustering<'x, 'l> {
    x: ArrayView2<'x, f64>,
    labels: &'l [i64],
    keep: Vec<usize>,
    ids: Vec<i64>,
    counts: Vec<f64>,
    centres: Array2<f64>,
}

impl<'x, 'l> Clustering<'x, 'l> {
    fn new(x: ArrayView2<'x, f64>, labels: &'l [i64]) -> Self {
        let keep: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != -1).collect();
        let ids = sorted_unique(keep.iter().map(|&i| labels[i]));
        let k = ids.len();
        let mut counts = vec![0.0; k];
        let mut centres = Array2::<f64>::zeros((k, x.ncols()));
        for &i in &keep {
            let c = ids.binary_search(&labels[i]).expect("label present");
            counts[c] += 1.0;
            centres.row_mut(c).zip_mut_with(&x.row(i), |a, b| *a += *b);
        }
        for (mut centre, count) in centres.outer_iter_mut().zip(&counts) {
            centre.mapv_inplace(|v| v / count);
        }
        Self {
            x,
            labels,
            keep,
            ids,
            counts,
            centres,
        }
    }

    /// Number of clusters.
    fn k(&self) -> usize {
        self.ids.len()
    }

    /// Number of non-noise points.
    fn n(&self) -> usize {
        self.keep.len()
    }

    /// The cluster index (row of `centres`) of point `i`, which must not be noise.
    fn cluster(&self, i: usize) -> usize {
        self.ids
            .binary_search(&self.labels[i])
            .expect("label present")
    }

    fn inertia(&self) -> f64 {
        self.keep
            .iter()
            .map(|&i| sq_dist(self.x.row(i), self.centres.row(self.cluster(i))))
            .sum()
    }

    /// Mean silhouette: O(n^2) distances, accumulated per cluster.
    fn silhouette(&self) -> f64 {
        let k = self.k();
        let mut s_total = 0.0;
        for &i in &self.keep {
            let mut sums = vec![0.0; k];
            for &j in &self.keep {
                sums[self.cluster(j)] += sq_dist(self.x.row(i), self.x.row(j)).sqrt();
            }
            let own = self.cluster(i);
            if self.counts[own] > 1.0 {
                let a = sums[own] / (self.counts[own] - 1.0);
                let b = (0..k)
                    .filter(|&c| c != own)
                    .map(|c| sums[c] / self.counts[c])
                    .fold(f64::INFINITY, f64::min);
                let m = a.max(b);
                s_total += if m > 0.0 { (b - a) / m } else { 0.0 };
            }
        }
        s_total / self.n() as f64
    }

    fn calinski_harabasz(&self, inertia: f64) -> f64 {
        let (k, n) = (self.k(), self.n());
        let mut mean = vec![0.0; self.x.ncols()];
        for &i in &self.keep {
            for (m, v) in mean.iter_mut().zip(self.x.row(i)) {
                *m += v / n as f64;
            }
        }
        let mean = ndarray::Array1::from(mean);
        let between: f64 = (0..k)
            .map(|c| self.counts[c] * sq_dist(self.centres.row(c), mean.view()))
            .sum();
        if inertia == 0.0 {
            1.0
        } else {
            between * (n - k) as f64 / (inertia * (k - 1) as f64)
        }
    }

    fn davies_bouldin(&self) -> f64 {
        let k = self.k();
        let mut scatter = vec![0.0; k];
        for &i in &self.keep {
            let c = self.cluster(i);
            scatter[c] += sq_dist(self.x.row(i), self.centres.row(c)).sqrt() / self.counts[c];
        }
        (0..k)
            .map(|a| {
                (0..k)
                    .filter(|&b| b != a)
                    .map(|b| {
                        let sep = sq_dist(self.centres.row(a), self.centres.row(b)).sqrt();
                        if sep > 0.0 {
                            (scatter[a] + scatter[b]) / sep
                        } else {
                            0.0
                        }
                    })
                    .fold(0.0, f64::max)
            })
            .sum::<f64>()
            / k as f64
    }
}

/// Internal indices on the non-noise points (label -1 is DBSCAN noise) and ARI on all points (noise
/// as one more cluster). Same definitions as `pairbench.metrics.clustering`. The internal indices are
/// undefined (None) unless there are at least 2 clusters and fewer clusters than points.
pub fn clustering_quality(
    x: ArrayView2<f64>,
    labels: &[i64],
    labels_true: Option<&[i64]>,
) -> BTreeMap<String, Option<f64>> {
    assert_eq!(x.nrows(), labels.len(), "labels and X differ in length");
    let clustering = Clustering::new(x, labels);
    let (k, n) = (clustering.k(), clustering.n());
    let inertia = clustering.inertia();
    let defined = k >= 2 && k < n;
    let mut q = BTreeMap::new();
    q.insert(
        "silhouette".into(),
        defined.then(|| clustering.silhouette()),
    );
    q.insert(
        "calinski_harabasz".into(),
        defined.then(|| clustering.calinski_harabasz(inertia)),
    );
    q.insert(
        "davies_bouldin".into(),
        defined.then(|| clustering.davies_bouldin()),
    );
    q.insert("inertia".into(), (k >= 1).then_some(inertia));
    q.insert(
        "adjusted_rand".into(),
        labels_true.map(|t| adjusted_rand_index(t, labels)),
    );
    q.insert("n_clusters".into(), Some(k as f64));
    q.insert(
        "noise_fraction".into(),
        Some((labels.len() - n) as f64 / labels.len() as f64),
    );
    q
}

#[cfg(test)]
mod tests {
    #[test]
    fn classification_hand_computed() {
        // y = [0,0,1,1,2,2], pred = [0,1,1,1,2,0]: class 0 P=1/2 R=1/2, class 1 P=2/3 R=1, class 2 P=1 R=1/2.
        let t = array![0i64, 0, 1, 1, 2, 2];
        let p = array![0i64, 1, 1, 1, 2, 0];
        let q = classification_quality(t.view(), p.view(), None, &[0, 1, 2]);
        close(q["accuracy"], 4.0 / 6.0);
        close(q["precision_macro"], (0.5 + 2.0 / 3.0 + 1.0) / 3.0);
        close(q["recall_macro"], (0.5 + 1.0 + 0.5) / 3.0);
        let f1 = |p: f64, r: f64| 2.0 * p * r / (p + r);
        close(
            q["f1_macro"],
            (f1(0.5, 0.5) + f1(2.0 / 3.0, 1.0) + f1(1.0, 0.5)) / 3.0,
        );
        assert_eq!(q["auc_roc"], None);
    }

    #[test]
    fn binary_auc_hand_computed() {
        // positives at scores 0.8, 0.4; negatives 0.6, 0.2: 3 of 4 pairs ordered -> AUC 0.75.
        // AP: thresholds 0.8 (R=.5,P=1), 0.6 (R=.5), 0.4 (R=1,P=2/3) -> 0.5*1 + 0.5*2/3.
        let pos = [true, false, true, false];
        let s = [0.8, 0.6, 0.4, 0.2];
        close(binary_roc_auc(&pos, &s), 0.75);
        close(average_precision(&pos, &s), 0.5 + 0.5 * 2.0 / 3.0);
        // A tie between a positive and a negative counts half.
        close(binary_roc_auc(&[true, false], &[1.0, 1.0]), 0.5);
    }

    #[test]
    fn ari_hand_computed() {
        // Same partition under renaming -> 1. True [0,0,1,1], pred [0,0,0,1]: sum_ij=1, sum_a=2, sum_b=3, total=6,
        // expected=1, max=2.5 -> (1-1)/(2.5-1) = 0.
        close(Some(adjusted_rand_index(&[0, 0, 1, 1], &[5, 5, 7, 7])), 1.0);
        close(Some(adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 0, 1])), 0.0);
    }

    #[test]
    fn clustering_hand_computed() {
        // Two clusters on a line: {0, 1} and {4, 5}. Silhouette of 0: a=1, b=(4+5)/2=4.5 -> 3.5/4.5;
        // of 1: a=1, b=(3+4)/2=3.5 -> 2.5/3.5; symmetric for the other cluster.
        let x = array![[0.0], [1.0], [4.0], [5.0]];
        let q = clustering_quality(x.view(), &[0, 0, 1, 1], Some(&[0, 0, 1, 1]));
        close(q["silhouette"], (3.5 / 4.5 + 2.5 / 3.5) / 2.0);
        close(q["inertia"], 4.0 * 0.25);
        // centres 0.5 and 4.5, overall mean 2.5: between = 2*4 + 2*4 = 16, within = 1 -> 16 * 2 / 1.
        close(q["calinski_harabasz"], 32.0);
        // scatter 0.5 each, separation 4 -> DB = 1/4.
        close(q["davies_bouldin"], 0.25);
        close(q["adjusted_rand"], 1.0);
        // Noise (-1) is left out of the internal indices.
        let q = clustering_quality(x.view(), &[0, -1, 1, 1], None);
        close(q["noise_fraction"], 0.25);
        close(q["n_clusters"], 2.0);
    }

    use super::*;
    use ndarray::array;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("metric present");
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn matches_hand_computed_values() {
        // residuals 0.5, -0.5, 0, -1; mean(y) = 2.875, SST = 29.1875
        let t = array![3.0, -0.5, 2.0, 7.0];
        let p = array![2.5, 0.0, 2.0, 8.0];
        let q = regression_quality(t.view(), p.view());
        close(q["mse"], 0.375);
        close(q["rmse"], 0.375f64.sqrt());
        close(q["mae"], 0.5);
        // scikit-learn documentation example: r2_score == 0.948...
        close(q["r2"], 1.0 - 1.5 / 29.1875);
    }

    #[test]
    fn constant_target_has_no_r2() {
        let t = array![1.0, 1.0, 1.0];
        let q = regression_quality(t.view(), t.view());
        assert_eq!(q["r2"], None);
        assert_eq!(q["explained_variance"], None);
        close(q["mse"], 0.0);
    }
}
