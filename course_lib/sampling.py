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
from numbers import Integral, Real

import numpy as np

from ._base import (
    BaseGenerator,
    check_array,
    check_labels,
    check_n_samples,
    check_param,
    check_random_state,
)

__all__ = [
    "EmpiricalPPFSampler",
    "check_quantiles",
    "compare_to_distribution",
    "empirical_ppf",
    "exponential_ppf",
    "inverse_transform_sample",
]

#: quantile methods understood by the empirical samplers (numpy.quantile's names)
QUANTILE_METHODS = ("linear", "inverted_cdf")

# The smallest positive double: the uniform draws avoid exactly 0, where many ppfs
# (the normal's, the exponential's at 1) are infinite.
_TINY = np.finfo(np.float64).tiny


def check_quantiles(q, *, name: str = "q") -> np.ndarray:
    """Validate a 1-D array of probabilities (quantile levels) in [0, 1].

    A scalar is accepted and returned as an array of shape (1,).

    Raises
    ------
    ValueError
        if ``q`` is not numeric, is 2-D or more, holds NaN, or leaves [0, 1].
    """
    q = np.reshape(q, -1) if np.ndim(q) == 0 else q
    return check_array(q, name=name, ndim=1, min_samples=0, value_range=(0.0, 1.0))


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
        or :func:`exponential_ppf`.
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
    rng = check_random_state(seed)
    u = _uniform_open(rng, n)
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


def exponential_ppf(q, rate: float = 1.0) -> np.ndarray:
    """Inverse CDF of the exponential distribution with rate ``λ``.

    Solving ``q = F(x) = 1 - exp(-λ x)`` for ``x`` gives ``x = -log(1 - q) / λ``.

    Parameters
    ----------
    q : array-like, shape (m,)
        Probabilities in [0, 1] (``q = 1`` gives ``inf``).
    rate : float
        ``λ > 0``; the mean is ``1 / λ``.
    """
    check_param(rate, "rate", Real, min_val=0, include_boundaries="neither")
    q = check_quantiles(q)
    with np.errstate(divide="ignore"):
        return -np.log1p(-q) / rate


def empirical_ppf(data, q, *, method: str = "linear") -> np.ndarray:
    """The empirical quantile function of 1-D ``data`` evaluated at probabilities ``q``.

    With ``method="linear"`` the sorted data ``x_(1) <= ... <= x_(n)`` are placed at
    probabilities ``0, 1/(n-1), ..., 1`` and joined by straight lines (numpy's default
    ``np.quantile``); with ``"inverted_cdf"`` it is the step function
    ``inf{x : F_n(x) >= q}``, so sampling from it resamples the data points.

    Parameters
    ----------
    data : array-like, shape (n,)
        One feature; for several columns use :class:`EmpiricalPPFSampler`.
    q : array-like, shape (m,)
        Probabilities in [0, 1].

    Returns
    -------
    ndarray, shape (m,)
    """
    _check_method(method)
    values = check_array(data, name="data (one feature)", ndim=1)
    q = check_quantiles(q)
    return _quantile_columns(np.sort(values)[:, None], q[:, None], method)[:, 0]


def _check_method(method: str) -> str:
    if method not in QUANTILE_METHODS:
        raise ValueError(f"method must be one of {QUANTILE_METHODS}, got {method!r}")
    return method


def _quantile_columns(sorted_values: np.ndarray, u: np.ndarray, method: str):
    """Quantiles of each column of ``sorted_values`` (n, d) at levels ``u`` (m, d).

    Column ``j`` of the result is the empirical quantile function of column ``j``
    evaluated at ``u[:, j]``. Equal to ``np.quantile(column, u, method=method)``.
    """
    n = sorted_values.shape[0]
    columns = np.arange(sorted_values.shape[1])
    if method == "inverted_cdf":
        # The generalized inverse of a step CDF: x_(ceil(n u)), with x_(1) at u = 0.
        index = np.clip(np.ceil(u * n).astype(np.int64) - 1, 0, n - 1)
        return sorted_values[index, columns]
    position = u * (n - 1)
    lower = np.clip(np.floor(position).astype(np.int64), 0, n - 1)
    upper = np.minimum(lower + 1, n - 1)
    fraction = position - lower
    below = sorted_values[lower, columns]
    above = sorted_values[upper, columns]
    return below + fraction * (above - below)


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

    Fitted with labels (``fit(X, y)``), it keeps one quantile function per class and
    column and samples class-conditionally.

    Parameters
    ----------
    method : {"linear", "inverted_cdf"}
        ``"linear"``: interpolate between the sorted training values, so samples
        fill the gaps between them but never leave [min, max] of the training data.
        ``"inverted_cdf"``: the step-function inverse of the empirical CDF, which is
        exactly resampling the training values of each column (a bootstrap).
    n_quantiles : int or None
        Keep only this many quantiles per column and class (evenly spaced levels
        from 0 to 1) instead of every sorted training value: less memory for big
        data, at the price of a coarser quantile function. ``None`` keeps all.

    Attributes
    ----------
    quantiles_ : list of ndarray, one per class (one in total without labels)
        Sorted values, shape (n_levels, n_features), at levels
        ``linspace(0, 1, n_levels)``.
    """

    def __init__(self, *, method: str = "linear", n_quantiles: int | None = None):
        self.method = method
        self.n_quantiles = n_quantiles

    def fit(self, X, y=None):
        """Learn the per-column (and per-class) quantile functions.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features, ...)
            One feature goes in as ``X.reshape(-1, 1)``.
        y : array-like of int, shape (n_samples,), optional
            Class labels: makes the sampler class-conditional.
        """
        X2d, y = self._validate_fit(X, y)
        _check_method(self.method)
        if self.n_quantiles is not None:
            check_param(self.n_quantiles, "n_quantiles", Integral, min_val=2)
        groups = [X2d] if y is None else [X2d[y == c] for c in self.classes_]
        self.quantiles_ = [self._column_quantiles(rows) for rows in groups]
        return self

    def _column_quantiles(self, rows: np.ndarray) -> np.ndarray:
        sorted_rows = np.sort(rows, axis=0)
        if self.n_quantiles is None or self.n_quantiles >= rows.shape[0]:
            return sorted_rows
        levels = np.linspace(0.0, 1.0, self.n_quantiles)
        levels = np.broadcast_to(levels[:, None], (levels.size, rows.shape[1]))
        # The linear quantiles are exact values of the interpolated function; for
        # "inverted_cdf" they are still data values (a coarser step function).
        return _quantile_columns(sorted_rows, levels, self.method)

    def _class_index(self, label) -> int:
        if not self.conditional_:
            return 0
        return int(np.searchsorted(self.classes_, label))

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
            Row ``i`` holds each column's quantile at level ``q[i]``; with
            ``method="linear"`` and no ``n_quantiles`` this equals
            ``np.quantile(X, q, axis=0)`` of the training rows.
        """
        self._check_fitted()
        q = check_quantiles(q)
        if self.conditional_:
            if y is None or np.ndim(y) != 0:
                raise ValueError(
                    "this sampler is class-conditional: pass one class as y=<int>"
                )
            y = int(check_labels([y], 1)[0])
            self._check_known([y])
        elif y is not None:
            raise ValueError("this sampler was fitted without labels; omit y")
        table = self.quantiles_[self._class_index(y)]
        levels = np.broadcast_to(q[:, None], (q.size, table.shape[1]))
        values = _quantile_columns(table, levels, self.method)
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
        if labels is None:
            return self._finish_sample(
                _quantile_columns(self.quantiles_[0], u, self.method), None
            )
        X_new = np.empty((n, self.n_features_in_))
        for label in np.unique(labels):
            rows = labels == label
            table = self.quantiles_[self._class_index(label)]
            X_new[rows] = _quantile_columns(table, u[rows], self.method)
        return self._finish_sample(X_new, labels)
