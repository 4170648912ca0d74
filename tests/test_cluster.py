"""Tests for course_lib.cluster.KMeans: scikit-learn's estimator checks, agreement with
sklearn.cluster.KMeans, empty-cluster re-seeding and bad input."""

import numpy as np
import pytest
import sklearn.cluster
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator

from course_lib import cluster
from course_lib.cluster import KMeans, lloyd_pass


def blobs(n=600, k=5, d=8, seed=0, dtype=np.float64):
    X, y = make_blobs(n, n_features=d, centers=k, cluster_std=2.0, random_state=seed)
    return X.astype(dtype), y


# Checks KMeans cannot pass, each with the reason (scikit-learn's own declaration).
EXPECTED_FAILED_CHECKS = {}


def test_passes_sklearn_estimator_checks():
    check_estimator(KMeans(seed=0), expected_failed_checks=EXPECTED_FAILED_CHECKS)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_same_start_same_result_as_sklearn(dtype):
    X, _ = blobs(dtype=dtype)
    start = X[np.random.default_rng(1).choice(len(X), 5, replace=False)]
    ours = KMeans(5, init=start, n_init=1).fit(X)
    ref = sklearn.cluster.KMeans(5, init=start, n_init=1).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-5)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-4)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.cluster_centers_.dtype == dtype


@pytest.mark.parametrize("k", [10, 25])
def test_kmeans_plus_plus_inertia_within_one_percent_of_sklearn(k):
    # overlapping blobs: well-separated ones have local optima whose inertia differs
    # by several %, which would make one run of either library a coin toss
    X, _ = make_blobs(3000, n_features=16, centers=k, cluster_std=6.0, random_state=2)
    seeds = range(5)
    ours = np.mean([KMeans(k, n_init=3, seed=s).fit(X).inertia_ for s in seeds])
    ref = np.mean(
        [
            sklearn.cluster.KMeans(k, n_init=3, random_state=s).fit(X).inertia_
            for s in seeds
        ]
    )
    assert abs(ours / ref - 1) < 0.01


@pytest.mark.parametrize("order", ["C", "F"])
def test_lloyd_pass_is_one_assign_and_update(order):
    X = np.asarray(blobs(n=1000)[0], order=order)
    centers = X[:5].copy()
    labels, sq_dist, sums, counts = lloyd_pass(X, centers, chunk_rows=97)
    brute = ((X[:, None, :] - centers[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(labels, brute.argmin(1))
    np.testing.assert_allclose(sq_dist, brute.min(1), atol=1e-9)
    for j in range(5):
        np.testing.assert_allclose(sums[j], X[labels == j].sum(0))
    np.testing.assert_array_equal(counts, np.bincount(brute.argmin(1), minlength=5))


@pytest.mark.parametrize("k", [3, 300])  # labels fit in uint8, and do not
def test_ties_go_to_the_first_centre_like_argmin(k):
    X, _ = blobs(n=400)
    centers = np.repeat(X[:1], k, axis=0)  # every centre the same: all tie
    centers[k // 2] = X[1]
    labels, _, _, _ = lloyd_pass(X, centers)
    brute = ((X[:, None, :] - centers[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(labels, brute.argmin(1))
    assert set(np.unique(labels)) == {0, k // 2}


def test_threaded_pass_matches_the_serial_one(monkeypatch):
    monkeypatch.setattr(cluster, "_n_threads", lambda: 3)  # 2 helpers, whatever the CPU
    X, _ = blobs(n=1000)
    serial = lloyd_pass(X, X[:5].copy(), chunk_rows=97)  # 11 chunks
    with cluster._chunk_threads() as parallel:
        threaded = lloyd_pass(X, X[:5].copy(), chunk_rows=97, parallel=parallel)
    np.testing.assert_array_equal(threaded[0], serial[0])
    np.testing.assert_allclose(threaded[2], serial[2], rtol=1e-12)
    np.testing.assert_array_equal(threaded[3], serial[3])


def test_incremental_update_matches_fresh_sums():
    X, _ = blobs(n=1000)
    labels, _, sums, _ = lloyd_pass(X, X[:5].copy(), chunk_rows=97)
    moved = X[10:15].copy()  # other centres: some labels change
    fresh = lloyd_pass(X, moved, chunk_rows=97)
    incremental = lloyd_pass(X, moved, previous=(labels, sums), chunk_rows=97)
    assert not np.array_equal(fresh[0], labels)
    np.testing.assert_array_equal(incremental[0], fresh[0])
    np.testing.assert_allclose(incremental[2], fresh[2], atol=1e-9)


def test_empty_cluster_is_reseeded():
    X, _ = blobs(n=300, k=3)
    start = np.vstack([X[:2], np.full((1, X.shape[1]), 1e3)])  # nobody's nearest
    km = KMeans(3, init=start, n_init=1).fit(X)
    assert np.all(np.bincount(km.labels_, minlength=3) > 0)
    ref = sklearn.cluster.KMeans(3, init=start, n_init=1).fit(X)
    np.testing.assert_allclose(km.inertia_, ref.inertia_, rtol=1e-6)


def test_fit_predict_transform_agree():
    X, _ = blobs()
    km = KMeans(5, n_init=2, seed=0)
    labels = km.fit_predict(X)
    np.testing.assert_array_equal(labels, km.predict(X))
    distances = km.transform(X)
    assert distances.shape == (len(X), 5)
    np.testing.assert_array_equal(distances.argmin(1), labels)
    np.testing.assert_allclose(np.sum(distances.min(1) ** 2), km.inertia_, rtol=1e-6)


def test_seed_makes_fit_reproducible_and_clone_works():
    X, _ = blobs()
    a = KMeans(5, init="random", seed=3).fit(X)
    b = clone(a).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert clone(a).get_params() == a.get_params()


def test_more_inits_never_worse():
    X, _ = blobs(k=8)
    one = KMeans(8, init="random", n_init=1, seed=0).fit(X).inertia_
    many = KMeans(8, init="random", n_init=10, seed=0).fit(X).inertia_
    assert many <= one


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_clusters": 0}, "n_clusters"),
        ({"n_clusters": 601}, "n_samples"),
        ({"n_init": 0}, "n_init"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"init": "farthest"}, "init"),
        ({"init": np.zeros((5, 3))}, "shape"),
        ({"init": np.zeros((5, 8)), "n_init": 2}, "n_init"),
    ],
)
def test_bad_parameters_raise(params, message):
    X, _ = blobs()
    with pytest.raises(ValueError, match=message):
        KMeans(**{"n_clusters": 5, **params}).fit(X)


def test_bad_data_raises():
    X, _ = blobs()
    X[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeans(5).fit(X)
    with pytest.raises(NotFittedError):
        KMeans(5).predict(X)
    fitted = KMeans(5, seed=0).fit(blobs()[0])
    with pytest.raises(ValueError, match="features"):
        fitted.predict(np.zeros((3, 7)))
