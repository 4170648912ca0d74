"""Measures of generated samples: are they new, are they good, do they cover the data?

Every function takes arrays whose first axis indexes samples; other axes are flattened,
so images of shape (n, height, width) and rows of shape (n, n_features) both work.
Distances are Euclidean in that flattened space (pixel space for images).

Memorization
    :func:`nearest_neighbours`, :func:`leave_one_out_distances` and
    :func:`memorization_ratio`: how close generated samples sit to the training set,
    compared with how close the training samples sit to each other. A generator that
    copies its training data scores ~0; one that draws new samples from the data
    distribution scores ~1.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import polynomial_kernel

from ._base import check_array, check_labels, check_param

__all__ = [
    "adjacent_pixel_correlation",
    "leave_one_out_distances",
    "memorization_ratio",
    "nearest_neighbours",
    # sample quality (notebooks 07-08)
    "density_coverage",
    "frechet_distance",
    "kernel_inception_distance",
    "precision_recall",
    # clustering scores (notebook 05)
    "clustering_accuracy",
    "clustering_scores",
    "dunn_index",
]


def _rows(X, name: str, *, min_samples: int = 1, n_features: int | None = None):
    """``X`` validated and flattened to (n_samples, n_features) float64."""
    X = check_array(X, name=name, min_samples=min_samples, n_features=n_features)
    return X.reshape(X.shape[0], int(np.prod(X.shape[1:], dtype=np.int64)))


# ---- memorization -----------------------------------------------------------------
def nearest_neighbours(queries, reference, *, k: int = 1):
    """The ``k`` nearest rows of ``reference`` to each row of ``queries``.

    Parameters
    ----------
    queries : array, shape (n_queries, ...)
    reference : array, shape (n_reference, ...), same number of features per row
    k : int, 1 <= k <= n_reference

    Memory: one float per (query, reference) pair; the course's sets hold at most a
    few thousand rows.

    Returns
    -------
    indices : array of int64, shape (n_queries, k), row indices into ``reference``,
        nearest first
    distances : array of float64, shape (n_queries, k), the Euclidean distances

    Raises
    ------
    ValueError
        for NaN, mismatched feature counts, or ``k`` out of range.
    """
    reference = _rows(reference, "reference")
    queries = _rows(queries, "queries", min_samples=0, n_features=reference.shape[1])
    check_param(k, "k (neighbours)", Integral, min_val=1, max_val=reference.shape[0])
    # exact differences (not |a|^2 - 2ab + |b|^2): a copy is at distance exactly 0
    distances = cdist(queries, reference)
    indices = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return indices, np.take_along_axis(distances, indices, axis=1)


def leave_one_out_distances(X) -> np.ndarray:
    """Distance from each row of ``X`` to its nearest *other* row of ``X``.

    A row never counts as its own neighbour, but an exact duplicate elsewhere in
    ``X`` does (distance 0).

    Parameters
    ----------
    X : array, shape (n_samples, ...), n_samples >= 2

    Returns
    -------
    array of float64, shape (n_samples,)
    """
    X = _rows(X, "X", min_samples=2)
    distances = cdist(X, X)
    np.fill_diagonal(distances, np.inf)
    return distances.min(axis=1)


def memorization_ratio(synthetic, train, embed=None) -> float:
    """Nearest-neighbour distance ratio: ~0 for copies of ``train``, ~1 for new samples.

    ``median_i d(synthetic_i, train) / median_j d(train_j, train without j)``: the
    typical distance from a generated sample to its nearest training sample, divided
    by the typical distance between a training sample and its nearest other training
    sample (leave-one-out). Fresh draws from the training distribution score about 1
    (slightly less, since they see all ``n`` training rows rather than ``n - 1``);
    copies of training rows score 0; a generator that copies more than half of its
    samples scores exactly 0. Values well above 1 mean samples far from every
    training row (off the data, or from another distribution).

    Distances are measured in pixel space by default; ``embed`` measures them in
    a feature space instead (e.g. the capstone's ``CNNClassifier.features``).
    Read a ratio beside its controls computed the same way at the same N:
    held-out real images (new), copies, noisy and smoothed copies (copies). In the
    capstone's MNIST CNN features (``course_lib.experiment.mnist_features``, 8 rare
    '8's) they read as what they are: held-out 0.92, noisy copies (rms 0.25) 0.52,
    blurred copies 0.67, copies 0. A weaker extractor may not separate them: in a
    small CNN's features on 8x8 UCI digits (tests/test_metrics.py) noisy copies
    score 0.93 against held-out 1.00.

    Parameters
    ----------
    synthetic : array, shape (n_synthetic, ...)
    train : array, shape (n_train, ...), n_train >= 2, same features per row
    embed : None or callable, rows (shaped as given) -> feature vectors
        (n, n_features); applied to both sets. None: the rows themselves.

    Returns
    -------
    float >= 0

    Raises
    ------
    ValueError
        for bad input, or when more than half of ``train`` are exact duplicates
        (the leave-one-out median is then 0 and the ratio undefined).
    """
    if embed is not None:
        synthetic, train = embed(synthetic), embed(train)
    train_rows = _rows(train, "train", min_samples=2)
    synthetic = _rows(synthetic, "synthetic", n_features=train_rows.shape[1])
    _, synthetic_distances = nearest_neighbours(synthetic, train_rows)
    baseline = float(np.median(leave_one_out_distances(train_rows)))
    if baseline == 0.0:
        raise ValueError(
            "more than half of the training rows have an exact duplicate in train, "
            "so the leave-one-out median distance is 0; remove duplicates first"
        )
    return float(np.median(synthetic_distances[:, 0]) / baseline)


# ---- evaluation of the Gaussian Bayes generator (notebooks 01, 02) ------------------
def adjacent_pixel_correlation(images, labels=None) -> float:
    """Mean correlation between horizontally neighbouring pixels across ``images``.

    For every pair of pixels ``(i, j)`` and ``(i, j + 1)`` that both vary over the
    images, the Pearson correlation of their values; returns the mean over pairs.
    Real digits have strongly correlated neighbours (strokes are smooth); samples
    from a diagonal covariance have none *within a class*.

    Parameters
    ----------
    images : array-like, shape (n_images, height, width)
    labels : array-like of int, shape (n_images,), optional
        If given, the correlation is computed within each class and averaged over
        classes, so that differences between class means (which make pixels
        correlated across a mixture of classes) do not count.
    """
    images = check_array(images, name="images", ndim=3, min_samples=2)
    if labels is not None:
        labels = check_labels(labels, images.shape[0], name="labels")
        per_class = [
            adjacent_pixel_correlation(images[labels == k]) for k in np.unique(labels)
        ]
        return float(np.mean(per_class))
    left = images[:, :, :-1].reshape(images.shape[0], -1)
    right = images[:, :, 1:].reshape(images.shape[0], -1)
    left = left - left.mean(axis=0)
    right = right - right.mean(axis=0)
    left_std, right_std = left.std(axis=0), right.std(axis=0)
    varies = (left_std > 1e-12) & (right_std > 1e-12)
    if not np.any(varies):
        raise ValueError("no pair of neighbouring pixels varies across the images")
    covariance = np.mean(left[:, varies] * right[:, varies], axis=0)
    return float(np.mean(covariance / (left_std[varies] * right_std[varies])))


# ---- sample quality (notebooks 07-08) ------------------------------------------------
# These take *features*: rows of a fixed feature extractor (the course uses the
# penultimate layer of notebook 06's CNN trained on real data, where Inception weights
# are unavailable). Figures are comparable only within one feature extractor and, for
# FID, at one sample size.
def _feature_pair(real, fake, *, min_samples: int = 2):
    real = _rows(real, "real", min_samples=min_samples)
    fake = _rows(fake, "fake", min_samples=min_samples, n_features=real.shape[1])
    return real, fake


def frechet_distance(real_features, fake_features, *, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula).

    ``|mu_r - mu_f|^2 + tr(S_r + S_f - 2 (S_r S_f)^(1/2))``. The trace of the matrix
    square root is computed as the sum of the square roots of the eigenvalues of
    ``S_r^(1/2) S_f S_r^(1/2)`` (same eigenvalues as ``S_r S_f``, but symmetric, so no
    complex round-off); ``eps * I`` is added to both covariances, which keeps them
    positive definite when there are fewer samples than features.

    The estimate is biased upward at small sample sizes (about ``1/N``): compare FIDs
    only at one N, next to the real-vs-real value at that N.

    Parameters
    ----------
    real_features, fake_features : arrays, shape (n_real, d) and (n_fake, d), n >= 2
    eps : float >= 0, ridge added to the covariances

    Returns
    -------
    float >= 0
    """
    real, fake = _feature_pair(real_features, fake_features)
    check_param(eps, "eps", Real, min_val=0)
    ridge = eps * np.eye(real.shape[1])
    cov_real = np.cov(real, rowvar=False).reshape(ridge.shape) + ridge
    cov_fake = np.cov(fake, rowvar=False).reshape(ridge.shape) + ridge
    values, vectors = np.linalg.eigh(cov_real)  # S_r^(1/2), symmetric: S_r is PSD
    root_real = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(root_real @ cov_fake @ root_real)
    mean_term = np.sum((real.mean(axis=0) - fake.mean(axis=0)) ** 2)
    trace_term = np.trace(cov_real) + np.trace(cov_fake)
    trace_term -= 2.0 * np.sum(np.sqrt(np.clip(cross, 0.0, None)))
    return float(max(mean_term + trace_term, 0.0))


def kernel_inception_distance(real_features, fake_features) -> float:
    """Kernel (Inception) distance: the unbiased squared MMD with a cubic kernel.

    ``k(x, y) = (x . y / d + 1)^3`` (Bińkowski et al. 2018). Unlike FID the estimate
    is unbiased, so real-vs-real scores about 0 at any sample size (it can be
    slightly negative).

    Parameters
    ----------
    real_features, fake_features : arrays, shape (n_real, d) and (n_fake, d), n >= 2

    Returns
    -------
    float
    """
    real, fake = _feature_pair(real_features, fake_features)
    d = real.shape[1]

    def kernel(a, b):
        return polynomial_kernel(a, b, degree=3, gamma=1.0 / d, coef0=1.0)

    def within(a):  # mean over pairs i != j
        gram = kernel(a, a)
        n = a.shape[0]
        return (gram.sum() - np.trace(gram)) / (n * (n - 1))

    return float(within(real) + within(fake) - 2.0 * kernel(real, fake).mean())


def _knn_radii(X, k: int):
    """Distance from each row of ``X`` to its k-th nearest *other* row."""
    n = len(X)
    check_param(k, f"k (needs k + 1 <= {n} rows)", Integral, min_val=1, max_val=n - 1)
    # column 0 of the sorted distances is the row itself (or a duplicate, also 0)
    return np.sort(cdist(X, X), axis=1)[:, k]


def precision_recall(real_features, fake_features, *, k: int = 3) -> dict:
    """Improved precision and recall of Kynkäänniemi et al. (2019), k-NN manifolds.

    The real manifold is the union of balls around each real row, of radius the
    distance to its ``k``-th nearest real neighbour; likewise for the fake rows.
    *Precision*: the fraction of fake rows inside the real manifold (are the samples
    realistic?). *Recall*: the fraction of real rows inside the fake manifold (do the
    samples cover the data?).

    Parameters
    ----------
    real_features, fake_features : arrays, shape (n_real, d) and (n_fake, d),
        each with more than ``k`` rows
    k : int >= 1

    Returns
    -------
    dict with ``precision`` and ``recall``, both in [0, 1]
    """
    real, fake = _feature_pair(real_features, fake_features)
    distances = cdist(real, fake)  # (n_real, n_fake)
    inside_real = distances <= _knn_radii(real, k)[:, None]
    inside_fake = distances <= _knn_radii(fake, k)[None, :]
    return {
        "precision": float(inside_real.any(axis=0).mean()),
        "recall": float(inside_fake.any(axis=1).mean()),
    }


def density_coverage(real_features, fake_features, *, k: int = 5) -> dict:
    """Density and coverage of Naeem et al. (2020): k-NN balls around real rows only.

    With ``B_i`` the ball around real row ``i`` of radius the distance to its
    ``k``-th nearest real neighbour: *density* is the number of (fake row, ball)
    memberships divided by ``k * n_fake`` (about 1 when fake matches real, above 1 when
    fakes crowd into dense real regions); *coverage* is the fraction of real rows
    whose ball holds at least one fake row. Both use only the real manifold, so a
    few outlying fakes cannot inflate them as they inflate precision and recall.

    Parameters
    ----------
    real_features, fake_features : arrays, shape (n_real, d) and (n_fake, d),
        ``n_real > k``
    k : int >= 1

    Returns
    -------
    dict with ``density`` (>= 0) and ``coverage`` (in [0, 1])
    """
    real, fake = _feature_pair(real_features, fake_features, min_samples=1)
    inside = cdist(real, fake) <= _knn_radii(real, k)[:, None]
    return {
        "density": float(inside.sum() / (k * fake.shape[0])),
        "coverage": float(inside.any(axis=1).mean()),
    }


# ---- clustering scores (notebook 05) ------------------------------------------------
#: largest number of rows the silhouette is computed on; more are subsampled
SILHOUETTE_MAX_SAMPLES = 5000


def _clustering_input(X, labels):
    """``X`` as (n_samples, n_features) float and ``labels`` with >= 2 clusters."""
    X = _rows(X, "X", min_samples=2)
    labels = check_labels(labels, X.shape[0], name="labels")
    if len(np.unique(labels)) < 2:
        raise ValueError("labels must name at least 2 clusters")
    return X, labels


def dunn_index(X, labels) -> float:
    """Dunn index: the smallest distance between two points of different clusters
    divided by the largest distance between two points of the same cluster.

    Higher is better (well-separated, compact clusters). Being a ratio of an extreme
    minimum to an extreme maximum, it is driven by a single pair of points at each
    end, so it moves with the sample size and with outliers. The pairwise distances
    are computed in row chunks (``sklearn.metrics.pairwise_distances_chunked``), so the
    full ``n x n`` matrix is never held in memory.

    Parameters
    ----------
    X : array, shape (n_samples, ...)
    labels : array of int, shape (n_samples,), at least 2 clusters

    Returns
    -------
    float; ``inf`` if every cluster is a single point (or all its points coincide).
    """
    from sklearn.metrics import pairwise_distances_chunked

    X, labels = _clustering_input(X, labels)

    def reduce(chunk, start):
        # per row: farthest point of its own cluster, nearest point of another one
        same = labels[start : start + len(chunk), None] == labels[None, :]
        return (
            np.max(chunk, axis=1, where=same, initial=0.0),
            np.min(chunk, axis=1, where=~same, initial=np.inf),
        )

    farthest_same, nearest_other = zip(
        *pairwise_distances_chunked(X, reduce_func=reduce), strict=True
    )
    diameter = np.concatenate(farthest_same).max()
    separation = np.concatenate(nearest_other).min()
    return float(separation / diameter) if diameter > 0 else float("inf")


def clustering_accuracy(y_true, labels) -> float:
    """Accuracy of the clusters as classifiers, after the best cluster-to-class match.

    Each cluster is mapped to one class (and no two clusters to the same class) so
    as to maximise the number of correctly labelled points: an assignment problem on
    the contingency table, solved by the Hungarian method
    (``scipy.optimize.linear_sum_assignment``). Clusters left without a class (more
    clusters than classes) count as wrong. 1 = the clusters are the classes; chance
    is about the largest class share.

    Parameters
    ----------
    y_true : array of int, shape (n_samples,), the classes
    labels : array of int, shape (n_samples,), the clusters
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics.cluster import contingency_matrix

    y_true = check_labels(y_true, len(np.atleast_1d(y_true)), name="y_true")
    labels = check_labels(labels, y_true.shape[0], name="labels")
    if y_true.shape[0] == 0:
        raise ValueError("y_true must hold at least one label")
    table = contingency_matrix(y_true, labels)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / y_true.shape[0])


def clustering_scores(
    X, labels, y_true=None, *, max_samples=SILHOUETTE_MAX_SAMPLES, seed=0
) -> dict:
    """Label-free and (given ``y_true``) label-aware scores of one clustering.

    Returns a dict with ``silhouette`` (``sklearn.metrics.silhouette_score``; with
    more than ``max_samples`` rows, the mean over ``max_samples`` rows drawn at random
    with ``seed``, an estimate) and ``dunn`` (:func:`dunn_index`); with ``y_true`` also
    ``accuracy`` (:func:`clustering_accuracy`), ``nmi`` (normalized mutual
    information), ``ari`` (adjusted Rand index) and ``fowlkes_mallows``, the last
    three from ``sklearn.metrics``.
    """
    from sklearn import metrics as skm

    X, labels = _clustering_input(X, labels)
    sample_size = max_samples if len(X) > max_samples else None
    scores = {
        "silhouette": float(
            silhouette_score(X, labels, sample_size=sample_size, random_state=seed)
        ),
        "dunn": dunn_index(X, labels),
    }
    if y_true is not None:
        y_true = check_labels(y_true, X.shape[0], name="y_true")
        scores.update(
            accuracy=clustering_accuracy(y_true, labels),
            nmi=float(skm.normalized_mutual_info_score(y_true, labels)),
            ari=float(skm.adjusted_rand_score(y_true, labels)),
            fowlkes_mallows=float(skm.fowlkes_mallows_score(y_true, labels)),
        )
    return scores
