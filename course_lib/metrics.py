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

from numbers import Integral

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._base import check_array, check_labels, check_param

__all__ = [
    "adjacent_pixel_correlation",
    "leave_one_out_distances",
    "memorization_ratio",
    "nearest_neighbours",
    "regularization_path",
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
    if queries.shape[0] == 0:
        return np.zeros((0, k), np.int64), np.zeros((0, k))
    _, indices = NearestNeighbors(n_neighbors=k).fit(reference).kneighbors(queries)
    return _exact_distances(queries, reference, indices)


def _exact_distances(queries, reference, indices):
    """Recompute the neighbours' distances from differences, then sort each row.

    scikit-learn's brute-force search uses ``|a|^2 - 2ab + |b|^2``, which leaves a
    rounding residue (~1e-4 for 784 pixels) where the distance is exactly 0; a copy
    must score exactly 0.
    """
    distances = np.stack(
        [
            np.linalg.norm(queries - reference[indices[:, j]], axis=1)
            for j in range(indices.shape[1])
        ],
        axis=1,
    )
    order = np.argsort(distances, axis=1, kind="stable")
    return (
        np.take_along_axis(indices, order, axis=1).astype(np.int64),
        np.take_along_axis(distances, order, axis=1),
    )


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
    # kneighbors() without a query excludes each point from its own neighbour list.
    _, indices = NearestNeighbors(n_neighbors=1).fit(X).kneighbors()
    return _exact_distances(X, X, indices)[1][:, 0]


def memorization_ratio(synthetic, train) -> float:
    """Nearest-neighbour distance ratio: ~0 for copies of ``train``, ~1 for new samples.

    ``median_i d(synthetic_i, train) / median_j d(train_j, train without j)``: the
    typical distance from a generated sample to its nearest training sample, divided
    by the typical distance between a training sample and its nearest other training
    sample (leave-one-out). Fresh draws from the training distribution score about 1
    (slightly less, since they see all ``n`` training rows rather than ``n - 1``);
    copies of training rows score 0; a generator that copies more than half of its
    samples scores exactly 0. Values well above 1 mean samples far from every
    training row (off the data, or from another distribution).

    Parameters
    ----------
    synthetic : array, shape (n_synthetic, ...)
    train : array, shape (n_train, ...), n_train >= 2, same features per row

    Returns
    -------
    float >= 0

    Raises
    ------
    ValueError
        for bad input, or when more than half of ``train`` are exact duplicates
        (the leave-one-out median is then 0 and the ratio undefined).
    """
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
def regularization_path(
    X_train, y_train, X_eval, y_eval, regs, *, covariance: str = "full"
) -> list[dict]:
    """Fit one :class:`GaussianBayesGenerator` per ``reg`` and evaluate it.

    Parameters
    ----------
    X_train, y_train : training rows and labels.
    X_eval, y_eval : held-out rows and labels (a validation split when the result is
        used to *choose* ``reg``; the test set only for the final report).
    regs : sequence of "ledoit_wolf" and/or numbers >= 0.
    covariance : {"full", "diag"}

    Returns
    -------
    list of dict, one per ``reg``, with keys ``reg``, ``covariance``, ``accuracy``
    (of the Bayes classifier on the held-out rows) and ``log_likelihood`` (mean
    held-out ``log p(x)`` per row, in nats).
    """
    from .bayes import GaussianBayesGenerator

    rows = []
    for reg in regs:
        model = GaussianBayesGenerator(reg=reg, covariance=covariance)
        model.fit(X_train, y_train)
        rows.append(
            {
                "reg": reg,
                "covariance": covariance,
                "accuracy": model.score(X_eval, y_eval),
                "log_likelihood": float(np.mean(model.score_samples(X_eval))),
            }
        )
    return rows


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
        return float(
            np.mean(
                [
                    adjacent_pixel_correlation(images[labels == label])
                    for label in np.unique(labels)
                ]
            )
        )
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
