//! Vectors to points on a screen: PCA (with the share of variance each axis keeps) and exact
//! t-SNE (van der Maaten & Hinton, 2008) for a few hundred points. Plain Rust on the CPU: the
//! vectors are already read back, and a few hundred points take well under a second.

/// Two principal components of `points` (rows of equal length): the coordinates and the share
/// of the total variance each component holds. Power iteration on the covariance, seeded
/// deterministically; signs are fixed so the largest coordinate of each axis is positive.
pub fn pca(points: &[Vec<f32>]) -> (Vec<[f32; 2]>, [f64; 2]) {
    let n = points.len();
    let d = points.first().map_or(0, Vec::len);
    if n < 2 || d == 0 {
        return (vec![[0.0, 0.0]; n], [0.0, 0.0]);
    }
    let mut mean = vec![0f64; d];
    for p in points {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += *v as f64 / n as f64;
        }
    }
    let centred: Vec<Vec<f64>> = points
        .iter()
        .map(|p| p.iter().zip(&mean).map(|(v, m)| *v as f64 - m).collect())
        .collect();
    let cov = covariance(&centred, d);
    let trace: f64 = (0..d).map(|i| cov[i * d + i]).sum();
    let mut axes: Vec<Vec<f64>> = Vec::new();
    let mut shares = [0f64; 2];
    for (k, share) in shares.iter_mut().enumerate() {
        let mut v: Vec<f64> = (0..d)
            .map(|i| 1.0 + ((i * 7 + k * 13) % 11) as f64 / 11.0)
            .collect();
        let mut lambda = 0.0;
        for _ in 0..300 {
            let mut w = vec![0f64; d];
            for i in 0..d {
                w[i] = cov[i * d..(i + 1) * d]
                    .iter()
                    .zip(&v)
                    .map(|(c, x)| c * x)
                    .sum();
            }
            for a in &axes {
                // Deflate: stay orthogonal to the axes found.
                let dot: f64 = w.iter().zip(a).map(|(x, y)| x * y).sum();
                w.iter_mut().zip(a).for_each(|(x, y)| *x -= dot * y);
            }
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-300 {
                break;
            }
            lambda = norm;
            v = w.into_iter().map(|x| x / norm).collect();
        }
        *share = if trace > 0.0 { lambda / trace } else { 0.0 };
        axes.push(v);
    }
    let mut coords: Vec<[f32; 2]> = centred
        .iter()
        .map(|row| {
            let c = |a: &Vec<f64>| row.iter().zip(a).map(|(x, y)| x * y).sum::<f64>() as f32;
            [c(&axes[0]), c(&axes[1])]
        })
        .collect();
    fix_signs(&mut coords);
    (coords, shares)
}

/// The covariance of centred rows of length `d`, `d x d` row-major (symmetric).
fn covariance(centred: &[Vec<f64>], d: usize) -> Vec<f64> {
    let mut cov = vec![0f64; d * d];
    for row in centred {
        for i in 0..d {
            let ri = row[i];
            if ri == 0.0 {
                continue;
            }
            let line = &mut cov[i * d..(i + 1) * d];
            for (c, rj) in line.iter_mut().zip(row) {
                *c += ri * rj;
            }
        }
    }
    let n = centred.len().max(2);
    cov.iter_mut().for_each(|c| *c /= (n - 1) as f64);
    cov
}

/// Flips each axis so that its largest coordinate (in size) is positive: the same data gives
/// the same picture whatever sign power iteration ends with.
fn fix_signs(coords: &mut [[f32; 2]]) {
    for axis in 0..2 {
        let largest = coords
            .iter()
            .map(|p| p[axis])
            .max_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(0.0);
        if largest < 0.0 {
            coords.iter_mut().for_each(|p| p[axis] = -p[axis]);
        }
    }
}

/// Exact t-SNE to two dimensions: Gaussian affinities at `perplexity` (lowered for few points),
/// Student-t similarities, 500 steps of gradient descent with momentum and early exaggeration,
/// started from the PCA coordinates (deterministic).
pub fn tsne(points: &[Vec<f32>], perplexity: f64) -> Vec<[f32; 2]> {
    let n = points.len();
    if n < 4 {
        return pca(points).0;
    }
    let perplexity = perplexity.min((n - 1) as f64 / 3.0).max(2.0);
    // Squared distances.
    let mut dist = vec![0f64; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let d: f64 = points[i]
                .iter()
                .zip(&points[j])
                .map(|(a, b)| (*a as f64 - *b as f64).powi(2))
                .sum();
            dist[i * n + j] = d;
            dist[j * n + i] = d;
        }
    }
    // Conditional affinities by binary search on each point's precision.
    let target = perplexity.ln();
    let mut p = vec![0f64; n * n];
    for i in 0..n {
        let (mut beta, mut lo, mut hi) = (1.0f64, 0.0f64, f64::INFINITY);
        let row = &dist[i * n..(i + 1) * n];
        let min = (0..n)
            .filter(|&j| j != i)
            .map(|j| row[j])
            .fold(f64::INFINITY, f64::min);
        for _ in 0..64 {
            let mut sum = 0.0;
            let mut weighted = 0.0;
            for j in 0..n {
                if j != i {
                    let e = (-(row[j] - min) * beta).exp();
                    p[i * n + j] = e;
                    sum += e;
                    weighted += e * (row[j] - min);
                }
            }
            let entropy = sum.ln() + beta * weighted / sum;
            if (entropy - target).abs() < 1e-5 {
                break;
            }
            if entropy > target {
                lo = beta;
                beta = if hi.is_finite() {
                    (beta + hi) / 2.0
                } else {
                    beta * 2.0
                };
            } else {
                hi = beta;
                beta = (beta + lo) / 2.0;
            }
        }
        let sum: f64 = (0..n).filter(|&j| j != i).map(|j| p[i * n + j]).sum();
        for j in 0..n {
            p[i * n + j] = if j == i { 0.0 } else { p[i * n + j] / sum };
        }
    }
    // Symmetrise.
    for i in 0..n {
        for j in i + 1..n {
            let s = (p[i * n + j] + p[j * n + i]) / (2.0 * n as f64);
            p[i * n + j] = s.max(1e-12);
            p[j * n + i] = s.max(1e-12);
        }
    }
    let start = pca(points).0;
    let spread = start
        .iter()
        .map(|c| (c[0] as f64).powi(2) + (c[1] as f64).powi(2))
        .sum::<f64>()
        .max(1e-12)
        / n as f64;
    let scale = 1e-2 / spread.sqrt();
    let mut y: Vec<[f64; 2]> = start
        .iter()
        .map(|c| [c[0] as f64 * scale, c[1] as f64 * scale])
        .collect();
    let mut velocity = vec![[0f64; 2]; n];
    let mut gains = vec![[1f64; 2]; n];
    let rate = (n as f64 / 12.0).max(50.0);
    let mut q = vec![0f64; n * n];
    for iteration in 0..500 {
        let exaggeration = if iteration < 100 { 12.0 } else { 1.0 };
        let momentum = if iteration < 100 { 0.5 } else { 0.8 };
        let mut total = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                let d = (y[i][0] - y[j][0]).powi(2) + (y[i][1] - y[j][1]).powi(2);
                let v = 1.0 / (1.0 + d);
                q[i * n + j] = v;
                q[j * n + i] = v;
                total += 2.0 * v;
            }
        }
        for i in 0..n {
            let mut grad = [0f64; 2];
            for j in 0..n {
                if j == i {
                    continue;
                }
                let w = q[i * n + j];
                let f = (exaggeration * p[i * n + j] - w / total) * w;
                grad[0] += 4.0 * f * (y[i][0] - y[j][0]);
                grad[1] += 4.0 * f * (y[i][1] - y[j][1]);
            }
            for a in 0..2 {
                let same_sign = (grad[a] > 0.0) == (velocity[i][a] > 0.0);
                gains[i][a] = if same_sign {
                    (gains[i][a] * 0.8).max(0.01)
                } else {
                    gains[i][a] + 0.2
                };
                velocity[i][a] = momentum * velocity[i][a] - rate * gains[i][a] * grad[a];
            }
        }
        for (point, v) in y.iter_mut().zip(&velocity) {
            point[0] += v[0];
            point[1] += v[1];
        }
    }
    y.into_iter().map(|c| [c[0] as f32, c[1] as f32]).collect()
}

/// Leave-one-out nearest-neighbour agreement: the share of points whose closest other point
/// (by cosine) has the same label. 1 when labels form clean clusters; near the largest class's
/// share when the vectors know nothing of the labels.
pub fn neighbour_agreement(vectors: &[Vec<f32>], labels: &[usize]) -> f64 {
    let n = vectors.len().min(labels.len());
    if n < 2 {
        return 0.0;
    }
    let norms: Vec<f32> = vectors
        .iter()
        .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12))
        .collect();
    let same = (0..n)
        .filter(|&i| {
            let nearest = (0..n)
                .filter(|&j| j != i)
                .max_by(|&a, &b| {
                    let cos = |j: usize| {
                        vectors[i]
                            .iter()
                            .zip(&vectors[j])
                            .map(|(x, y)| x * y)
                            .sum::<f32>()
                            / (norms[i] * norms[j])
                    };
                    cos(a).total_cmp(&cos(b))
                })
                .expect("n >= 2");
            labels[nearest] == labels[i]
        })
        .count();
    same as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two clusters along one direction plus small noise in others.
    fn clusters() -> Vec<Vec<f32>> {
        (0..40)
            .map(|i| {
                let side = if i < 20 { 5.0 } else { -5.0 };
                let wobble = ((i * 37) % 11) as f32 / 11.0 - 0.5;
                vec![side + wobble * 0.1, wobble, 0.3 * wobble * wobble, 0.0]
            })
            .collect()
    }

    #[test]
    fn pca_finds_the_direction_of_most_variance_and_its_share() {
        let points = clusters();
        let (coords, shares) = pca(&points);
        // Almost all the variance is in the first coordinate.
        assert!(shares[0] > 0.95, "{shares:?}");
        assert!(shares[0] + shares[1] <= 1.0 + 1e-9, "{shares:?}");
        // The first axis separates the clusters, by about +-5.
        assert!(coords[..20].iter().all(|c| c[0].abs() > 4.0));
        assert!(
            coords[..20]
                .iter()
                .all(|c| c[0].signum() != coords[30][0].signum())
        );
        // The share equals the variance of the coordinates over the total variance.
        let var = |k: usize| {
            let m = coords.iter().map(|c| c[k] as f64).sum::<f64>() / 40.0;
            coords
                .iter()
                .map(|c| (c[k] as f64 - m).powi(2))
                .sum::<f64>()
                / 39.0
        };
        let total: f64 = (0..4)
            .map(|d| {
                let m = points.iter().map(|p| p[d] as f64).sum::<f64>() / 40.0;
                points
                    .iter()
                    .map(|p| (p[d] as f64 - m).powi(2))
                    .sum::<f64>()
                    / 39.0
            })
            .sum();
        assert!((var(0) / total - shares[0]).abs() < 1e-4);
        assert!((var(1) / total - shares[1]).abs() < 1e-4);
    }

    #[test]
    fn neighbour_agreement_is_one_for_clusters_and_counts_mistakes() {
        let points = clusters();
        let labels: Vec<usize> = (0..40).map(|i| usize::from(i >= 20)).collect();
        assert_eq!(neighbour_agreement(&points, &labels), 1.0);
        // Swap the labels of two points: they (and any point whose nearest they are) now
        // disagree with their neighbours.
        let mut wrong = labels.clone();
        wrong.swap(0, 39);
        let a = neighbour_agreement(&points, &wrong);
        assert!((34.0 / 40.0..=38.0 / 40.0).contains(&a), "{a}");
        // Labels that know nothing of the vectors: about half agree.
        let alternating: Vec<usize> = (0..40).map(|i| i % 2).collect();
        assert!(neighbour_agreement(&points, &alternating) < 0.8);
    }

    #[test]
    fn tsne_keeps_clusters_apart() {
        let coords = tsne(&clusters(), 30.0);
        let centre = |r: std::ops::Range<usize>| {
            let n = r.len() as f32;
            let (x, y) = coords[r]
                .iter()
                .fold((0.0, 0.0), |(x, y), c| (x + c[0], y + c[1]));
            [x / n, y / n]
        };
        let (a, b) = (centre(0..20), centre(20..40));
        let between = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        let within = coords[..20]
            .iter()
            .map(|c| ((c[0] - a[0]).powi(2) + (c[1] - a[1]).powi(2)).sqrt())
            .fold(0f32, f32::max);
        assert!(coords.iter().all(|c| c[0].is_finite() && c[1].is_finite()));
        assert!(between > 2.0 * within, "between {between}, within {within}");
    }
}
