"""k-means clustering, written out: Lloyd's algorithm, vectorized and chunked.

Lloyd's algorithm alternates two steps until the centres stop moving:

1. **assign** every point to its nearest centre. The squared distances come from one
   matrix product, ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``; ``||x||^2`` is the same
   for every centre, so the argmin needs only ``||c||^2 - 2 x.c``;
2. **update** every centre to the mean of the points assigned to it (a second matrix
   product, with the one-hot assignment matrix).

Both steps run on chunks of rows, one thread per core (NumPy's matrix products
release the GIL; scikit-learn's loop is parallel the same way). The data are stored
features by samples (Fortran order), so the scores come out centres by samples: the
nearest centre is then a fast vectorized min along the first axis, where NumPy's
argmin over the short rows of a samples-by-centres array is several times slower.
After the first iteration the update is incremental: only the rows whose label
changed are added to their new cluster's sum and taken from their old one's, and late
iterations move few points.
Float32 data is computed in float32, everything else in float64; the data is centred
first so that the expansion above loses little precision. A centre that ends an
iteration with no points is re-seeded at the point farthest from its own centre (as
scikit-learn does), so every fitted cluster is non-empty when ``n_samples >=
n_clusters`` distinct points exist.

Seeding with k-means++ uses scikit-learn's :func:`sklearn.cluster.kmeans_plusplus`.
The estimator follows scikit-learn's API (``fit``, ``predict``, ``fit_predict``,
``transform``), so :func:`sklearn.base.clone`, pipelines and grid searches work::

    km = KMeans(n_clusters=10, n_init=3, seed=0).fit(X)
    km.labels_, km.cluster_centers_, km.inertia_, km.n_iter_
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import kmeans_plusplus
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from ._base import check_param, check_random_state

__all__ = ["KMeans", "lloyd_pass"]

#: at most this many bytes of ``X`` per chunk of rows: chunks this large keep NumPy's
#: per-call overhead small (smaller chunks that stay in a core's cache measured slower)
#: and bound the memory of the temporaries, about n_clusters / n_features times this
CHUNK_BYTES = 2**24


def _n_threads():
    """CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _chunk_rows(X, n_threads):
    """Rows per chunk: chunks of at most ``CHUNK_BYTES``, as many as a multiple of
    ``n_threads`` so that every thread gets the same amount of work."""
    n_chunks = math.ceil(X.nbytes / CHUNK_BYTES / n_threads) * n_threads
    return max(64, math.ceil(X.shape[0] / n_chunks))


def lloyd_pass(
    X,
    centers,
    *,
    x_sq=None,
    update: bool = True,
    previous=None,
    chunk_rows: int | None = None,
    parallel: Callable[[Callable, Sequence], list] | None = None,
):
    """One Lloyd iteration over ``X``, chunk by chunk: assign, and sum for the update.

    Parameters
    ----------
    X : array, shape (n_samples, n_features), float32 or float64
        any memory order; fastest in Fortran order (``X.T`` contiguous, features by
        samples), which is how :class:`KMeans` stores its data
    centers : array, shape (n_clusters, n_features), same dtype as ``X``
    x_sq : array, shape (n_samples,), optional
        the squared norms ``||x||^2`` of the rows, if already known
    update : bool
        if False, only assign (no centre sums are accumulated)
    previous : (labels, sums), optional
        the labels and sums of the previous pass: only the rows whose label changed
        are added to (and taken from) those sums
    chunk_rows : int, optional
        rows per chunk; by default equal chunks of at most ``CHUNK_BYTES``, a
        multiple of the number of cores many
    parallel : callable, optional
        ``parallel(fn, chunk_starts)`` runs ``fn`` on every chunk and returns the
        results, e.g. in several threads (NumPy's matrix products release the GIL) as
        :class:`KMeans` does; None runs the chunks one after the other

    Returns
    -------
    labels : array of int32, shape (n_samples,), index of the nearest centre (the
        first one on a tie)
    sq_dist : array, shape (n_samples,), squared distance to that centre
    sums : array of float64, shape (n_clusters, n_features), sum of the points of
        each cluster (None when ``update`` is False)
    counts : array of int64, shape (n_clusters,), points per cluster
    """
    if chunk_rows is None:
        chunk_rows = _chunk_rows(X, _n_threads())
    n_clusters = centers.shape[0]
    minus_2c = -2.0 * centers
    center_sq = np.einsum("ij,ij->i", centers, centers)[:, None]
    cluster_ids = np.arange(n_clusters, dtype=np.int32)[:, None]
    # k-1, k-2, ..., 0 in the smallest integer type that holds them (see below)
    countdown = np.arange(
        n_clusters - 1, -1, -1, dtype=np.min_scalar_type(n_clusters - 1)
    )[:, None]
    labels = np.empty(X.shape[0], np.int32)
    partial = np.empty(X.shape[0], X.dtype)  # min over centres of ||c||^2 - 2 x.c

    def one_chunk(start):
        rows = X[start : start + chunk_rows]
        stop = start + len(rows)
        # ||c||^2 - 2 c.x, shape (n_clusters, chunk): the one GEMM. Centres along the
        # first axis make the min over them a fast vectorized reduction; NumPy's
        # argmin would walk the short columns one by one, so the index of the min
        # comes from one comparison instead: the first centre that reaches it
        scores = minus_2c @ rows.T
        scores += center_sq
        partial[start:stop] = best = scores.min(axis=0)
        nearest = (n_clusters - 1) - ((scores == best) * countdown).max(axis=0)
        labels[start:stop] = nearest
        if not update:
            return None
        if previous is None:  # the second GEMM: one-hot (n_clusters, chunk) @ rows
            return (nearest == cluster_ids).astype(X.dtype) @ rows
        old = previous[0][start:stop]
        moved = np.flatnonzero(nearest != old)
        gained = nearest[moved] == cluster_ids
        lost = old[moved] == cluster_ids
        return (gained.astype(X.dtype) - lost) @ rows[moved]

    starts = range(0, X.shape[0], chunk_rows)
    if parallel is None:
        chunk_sums = [one_chunk(start) for start in starts]
    else:
        chunk_sums = parallel(one_chunk, starts)
    sums = None
    if update:
        sums = np.sum(chunk_sums, axis=0, dtype=np.float64)
        if previous is not None:
            sums += previous[1]
    if x_sq is None:
        x_sq = np.einsum("ij,ij->i", X, X)
    sq_dist = np.maximum(partial + x_sq, 0.0)
    counts = np.bincount(labels, minlength=n_clusters)
    return labels, sq_dist, sums, counts


def _reseed_empty(X, sums, counts, labels, sq_dist):
    """Move each empty cluster onto one of the points farthest from their centre;
    True if there was one.

    The chosen points leave their old clusters (their sums and counts are updated in
    place), so the new centres are still means of disjoint sets of points.
    """
    empty = np.flatnonzero(counts == 0)
    if len(empty) == 0:
        return False
    farthest = np.argsort(sq_dist, kind="stable")[::-1][: len(empty)]
    np.subtract.at(sums, labels[farthest], X[farthest])
    np.subtract.at(counts, labels[farthest], 1)
    sums[empty] = X[farthest]
    counts[empty] = 1
    return True


@functools.cache
def _threadpool_controller():
    """threadpoolctl's view of the loaded BLAS libraries (slow to build: built once)."""
    return ThreadpoolController()


@contextmanager
def _chunk_threads():
    """``parallel(fn, items)`` for :func:`lloyd_pass`: one thread per CPU core, this one
    included, each matrix product single-threaded.

    This is scikit-learn's scheme: many small multi-threaded BLAS calls spend more time
    handing work between threads than computing, above all on a busy machine. Each
    thread takes every ``n_threads``-th item, so a pass wakes ``n_threads - 1`` helper
    threads once (this one works instead of waiting: measured 7-26 % faster on 2
    cores than a pool taking every chunk).
    """
    n_threads = _n_threads()

    def parallel(fn, items):
        helpers = [
            pool.submit(lambda group: [fn(item) for item in group], items[i::n_threads])
            for i in range(1, n_threads)
        ]
        mine = [fn(item) for item in items[::n_threads]]
        return mine + [result for helper in helpers for result in helper.result()]

    with (
        _threadpool_controller().limit(limits=1, user_api="blas"),
        ThreadPoolExecutor(max(1, n_threads - 1)) as pool,
    ):
        yield parallel


def _lloyd(X, x_sq, centers, max_iter, tol, parallel):
    """Lloyd's algorithm from ``centers``: (labels, inertia, centers, n_iter)."""
    labels_old = np.full(X.shape[0], -1, np.int32)
    previous = None
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        labels, sq_dist, sums, counts = lloyd_pass(
            X, centers, x_sq=x_sq, previous=previous, parallel=parallel
        )
        reseeded = _reseed_empty(X, sums, counts, labels, sq_dist)
        # after a re-seeding the sums no longer match the labels: start afresh
        previous = None if reseeded else (labels, sums)
        new_centers = (sums / counts[:, None]).astype(X.dtype)
        shift = float(np.sum((new_centers - centers) ** 2))
        centers = new_centers
        if np.array_equal(labels, labels_old) or shift <= tol:
            break
        labels_old = labels
    # the centres moved after the last assignment (unless no label changed): assign
    # once more, so that labels, centres and inertia belong together
    labels, sq_dist, _, _ = lloyd_pass(
        X, centers, x_sq=x_sq, update=False, parallel=parallel
    )
    return labels, float(np.sum(sq_dist, dtype=np.float64)), centers, n_iter


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """k-means clustering by Lloyd's algorithm (vectorized, chunked).

    Parameters
    ----------
    n_clusters : int, default 8
        number of clusters ``k``, 1 <= k <= n_samples.
    init : {"k-means++", "random"} or array of shape (n_clusters, n_features)
        the first centres: k-means++ seeding, ``k`` distinct rows drawn at random,
        or the given centres (then ``n_init`` must be 1).
    n_init : int, default 1
        number of runs from different seeds; the run with the lowest inertia is kept.
    max_iter : int, default 300
        maximum Lloyd iterations per run.
    tol : float, default 1e-4
        stop when the summed squared centre shift is at most ``tol`` times the mean
        per-feature variance of ``X`` (scikit-learn's rule); a run also stops when no
        label changes.
    seed : None, int or numpy.random.Generator
        seeds the initialisations; never touches global random state.

    Attributes
    ----------
    cluster_centers_ : array, shape (n_clusters, n_features)
    labels_ : array of int32, shape (n_samples,)
    inertia_ : float, sum of squared distances of the points to their centre
    n_iter_ : int, Lloyd iterations of the kept run
    n_features_in_ : int
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init=1,
        max_iter=300,
        tol=1e-4,
        seed=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed

    def _check_params(self, X):
        check_param(self.n_clusters, "n_clusters", numbers.Integral, min_val=1)
        check_param(self.n_init, "n_init", numbers.Integral, min_val=1)
        check_param(self.max_iter, "max_iter", numbers.Integral, min_val=1)
        check_param(self.tol, "tol", numbers.Real, min_val=0.0)
        if self.n_clusters > X.shape[0]:
            raise ValueError(
                f"n_clusters={self.n_clusters} must be <= n_samples={X.shape[0]}"
            )
        if isinstance(self.init, str):
            if self.init not in ("k-means++", "random"):
                raise ValueError(
                    f"init must be 'k-means++', 'random' or an array of centres, "
                    f"got {self.init!r}"
                )
            return None
        init = np.asarray(self.init, dtype=X.dtype)
        if init.shape != (self.n_clusters, X.shape[1]):
            raise ValueError(
                f"init array must have shape (n_clusters, n_features) = "
                f"{(self.n_clusters, X.shape[1])}, got {init.shape}"
            )
        if not np.all(np.isfinite(init)):
            raise ValueError("init array contains NaN or infinite values")
        if self.n_init != 1:
            raise ValueError(f"with an init array, n_init must be 1, got {self.n_init}")
        return init

    def _initial_centers(self, X, x_sq, rng):
        """First centres for one run (``X`` already centred)."""
        if self.init == "k-means++":
            seed = int(rng.integers(2**31 - 1))
            centers, _ = kmeans_plusplus(
                X, self.n_clusters, x_squared_norms=x_sq, random_state=seed
            )
            return centers
        return X[rng.choice(X.shape[0], self.n_clusters, replace=False)]

    def fit(self, X, y=None):
        """Cluster ``X`` (shape (n_samples, n_features)); ``y`` is ignored."""
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        init = self._check_params(X)
        rng = check_random_state(self.seed)
        mean = X.mean(axis=0)
        # a centred copy, stored features by samples (Fortran order): see lloyd_pass
        X = np.subtract(X, mean, out=np.empty(X.shape, X.dtype, order="F"))
        x_sq = np.einsum("ij,ij->i", X, X)
        # scikit-learn's tolerance: tol times the mean per-feature variance of X
        tol = self.tol * float(np.sum(x_sq, dtype=np.float64)) / X.size
        best = None
        for _ in range(self.n_init):
            with _chunk_threads() as parallel:
                if init is None:
                    centers = self._initial_centers(X, x_sq, rng)
                else:
                    centers = init - mean
                run = _lloyd(
                    X, x_sq, centers.astype(X.dtype), self.max_iter, tol, parallel
                )
            if best is None or run[1] < best[1]:
                best = run
        labels, inertia, centers, n_iter = best
        self.labels_ = labels
        self.inertia_ = inertia
        self.cluster_centers_ = centers + mean
        self.n_iter_ = n_iter
        return self

    def _validated(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return X.astype(self.cluster_centers_.dtype, copy=False)

    def predict(self, X):
        """Index of the nearest centre for each row of ``X``: int32, (n_samples,)."""
        X = self._validated(X)
        with _chunk_threads() as parallel:
            centers = self.cluster_centers_
            return lloyd_pass(X, centers, update=False, parallel=parallel)[0]

    def transform(self, X):
        """Euclidean distance of each row to each centre: (n_samples, n_clusters)."""
        X = self._validated(X)
        diff_sq = (
            np.einsum("ij,ij->i", X, X)[:, None]
            - 2.0 * X @ self.cluster_centers_.T
            + np.einsum("ij,ij->i", self.cluster_centers_, self.cluster_centers_)
        )
        return np.sqrt(np.maximum(diff_sq, 0.0))

    def fit_predict(self, X, y=None):
        """Fit, then return ``labels_``."""
        return self.fit(X).labels_

    def fit_transform(self, X, y=None):
        """Fit, then return the distances of ``X`` to the centres."""
        return self.fit(X).transform(X)
