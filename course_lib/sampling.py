"""Inverse-transform (ppf) sampling: turn uniform numbers into any distribution.

If ``U ~ Uniform(0, 1)`` and ``F`` is a cumulative distribution function (CDF), then
``X = F⁻¹(U)`` has CDF ``F``. ``F⁻¹`` is the quantile function, which scipy calls the
*percent point function* (``ppf``)::

    import scipy.stats as st
    x = inverse_transform_sample(st.norm(200, 40).ppf, 10_000, seed=0)

When only data are available, the empirical quantile function takes the place of
``F⁻¹``: :class:`EmpiricalPPFSampler` builds it from training rows, one column at a
time, and samples from it through the same generator API as every other model.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._base import (
    BaseGenerator,
    as_rng,
    check_array,
    check_known,
    check_labels,
    check_n_samples,
    forget_fit,
)

__all__ = [
    "EmpiricalPPFSampler",
    "compare_to_distribution",
    "inverse_transform_sample",
]

# The smallest positive double: the uniform draws avoid exactly 0, where many ppfs
# (the normal's, the exponential's at 1) are infinite.
_TINY = np.finfo(np.float64).tiny


def _uniform_open(rng: np.random.Generator, shape) -> np.ndarray:
    """Uniform draws in (0, 1): never exactly 0 (``ppf(0)`` is often -inf)."""
    return np.maximum(rng.random(shape), _TINY)


def inverse_transform_sample(
    ppf: Callable[[np.ndarray], np.ndarray], n: int, seed=None
) -> np.ndarray:
    """Draw ``n`` samples from the distribution whose quantile function is ``ppf``.

    Parameters
    ----------
    ppf : callable
        A vectorized inverse CDF: takes an array of probabilities in (0, 1) and
        returns an array of the same shape, e.g. ``scipy.stats.norm(200, 40).ppf``
    n : int
        Number of samples (>= 0).
    seed : None, int or numpy.random.Generator

    Returns
    -------
    samples : ndarray, shape (n,)
        ``ppf(U)`` for ``U ~ Uniform(0, 1)``.

    Raises
    ------
    ValueError
        for a negative ``n``, a ``ppf`` that is not callable, or one that returns the
        wrong shape or non-finite values (it is then probably not an inverse CDF).
    """
    if not callable(ppf):
        raise ValueError(
            f"ppf must be a callable inverse CDF, got {type(ppf).__name__}"
        )
    n = check_n_samples(n)
    u = _uniform_open(as_rng(seed), n)
    samples = np.asarray(ppf(u), dtype=np.float64)
    if samples.shape != (n,):
        raise ValueError(
            f"ppf returned shape {samples.shape} for {n} probabilities; it must be "
            "vectorized (array in, array of the same shape out)"
        )
    if not np.all(np.isfinite(samples)):
        raise ValueError(
            "ppf returned NaN or infinite values for probabilities in (0, 1); "
            "is it really the inverse CDF (quantile function) of a distribution?"
        )
    return samples


def _quantile_columns(sorted_values: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column ``j`` of ``sorted_values`` (n, d) at levels ``u[:, j]``: the sorted
    values at levels ``0, 1/(n-1), ..., 1`` joined by straight lines (numpy's
    ``np.quantile`` with its default ``method="linear"``, one level per row)."""
    n, columns = sorted_values.shape[0], np.arange(sorted_values.shape[1])
    position = u * (n - 1)
    lower = np.clip(np.floor(position).astype(np.int64), 0, n - 1)
    upper = np.minimum(lower + 1, n - 1)
    below, above = sorted_values[lower, columns], sorted_values[upper, columns]
    return below + (position - lower) * (above - below)


def compare_to_distribution(samples, dist) -> dict:
    """How well do 1-D ``samples`` match a scipy frozen distribution ``dist``?

    Returns a dict with the Kolmogorov–Smirnov statistic and p-value against
    ``dist.cdf`` and the sample mean and standard deviation next to the true ones.
    A p-value far below ~0.01 means the samples almost surely do not come from
    ``dist``; a large one means the test found no difference (not a proof of
    equality).
    """
    from scipy import stats  # deferred: keeps `import course_lib.sampling` light

    samples = check_array(samples, name="samples", ndim=1, min_samples=2)
    ks = stats.kstest(samples, dist.cdf)
    return {
        "n": samples.shape[0],
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "mean": float(samples.mean()),
        "true_mean": float(dist.mean()),
        "std": float(samples.std(ddof=1)),
        "true_std": float(dist.std()),
    }


class EmpiricalPPFSampler(BaseGenerator):
    """Sample each feature from its empirical quantile function (inverse CDF).

    Fit on rows of shape (n_samples, n_features) (or any (n_samples, ...) shape, e.g.
    images): every column gets its own empirical quantile function, and a new row is
    ``[F₁⁻¹(u₁), ..., F_d⁻¹(u_d)]`` with *independent* uniforms ``u_j``. So each
    column's distribution (its marginal) is reproduced, but the dependence between
    columns is not: for one feature, or for tabular columns that are roughly
    independent, that is all one needs; for images it gives noise (see notebook 01).

    The quantile function is numpy's default (``np.quantile(..., method="linear")``):
    the sorted training values joined by straight lines, so samples fill the gaps
    between them but never leave [min, max] of the training data. (The step-function
    inverse, ``method="inverted_cdf"``, would simply resample the training values.)

    Fitted with labels (``fit(X, y)``), it keeps one quantile function per class and
    column and samples class-conditionally.

    Attributes
    ----------
    quantiles_ : list of ndarray, one per class (one in total without labels)
        The sorted training values, shape (n_rows, n_features), at levels
        ``linspace(0, 1, n_rows)``.
    """

    def fit(self, X, y=None):
        """Learn the per-column (and per-class) quantile functions.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features, ...)
            One feature goes in as ``X.reshape(-1, 1)``.
        y : array-like of int, shape (n_samples,), optional
            Class labels: makes the sampler class-conditional.
        """
        forget_fit(self)
        X2d, y, data = self._validate_fit(X, y)
        groups = [X2d] if y is None else [X2d[y == c] for c in data["classes_"]]
        return self._fitted(data, quantiles_=[np.sort(g, axis=0) for g in groups])

    def quantile(self, q, y=None) -> np.ndarray:
        """Evaluate the fitted quantile function of every column at probabilities ``q``.

        Parameters
        ----------
        q : array-like, shape (m,)
            Probabilities in [0, 1].
        y : int, optional
            The class, for a class-conditional sampler (required then).

        Returns
        -------
        ndarray, shape (m, *feature_shape_)
            Row ``i`` holds each column's quantile at level ``q[i]``: equal to
            ``np.quantile(X, q, axis=0)`` of the training rows (of class ``y``).
        """
        self._check_fitted()
        q = check_array(np.atleast_1d(q), name="q", ndim=1, min_samples=0,
                        value_range=(0.0, 1.0))  # fmt: skip
        if self.conditional_:
            if y is None or np.ndim(y) != 0:
                raise ValueError(
                    "this sampler is class-conditional: pass one class as y=<int>"
                )
            y = int(check_labels([y], 1)[0])
            check_known([y], self.classes_)
        elif y is not None:
            raise ValueError("this sampler was fitted without labels; omit y")
        table = self.quantiles_[0 if y is None else np.searchsorted(self.classes_, y)]
        values = np.quantile(table, q, axis=0)
        return values.reshape((q.size, *self.feature_shape_))

    def sample(self, n, y=None, seed=None):
        """Draw ``n`` rows, each column by inverse-transform sampling.

        Returns
        -------
        X_new : ndarray, shape (n, *feature_shape_)
            (and ``y_new``, shape (n,), when fitted with labels)
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        u = _uniform_open(rng, (n, self.n_features_in_))
        X_new = np.empty_like(u)
        for k, rows in self._class_rows(labels):
            X_new[rows] = _quantile_columns(self.quantiles_[k], u[rows])
        return self._finish_sample(X_new, labels)
