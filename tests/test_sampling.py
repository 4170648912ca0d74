"""Tests of course_lib.sampling: inverse-transform sampling and EmpiricalPPFSampler."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from course_lib.sampling import (
    EmpiricalPPFSampler,
    compare_to_distribution,
    inverse_transform_sample,
)

NORMAL = stats.norm(200, 40)


# ---- inverse_transform_sample ------------------------------------------------------
def test_normal_table_values():
    # The reference figures of notebook 01: one and two standard deviations.
    q = np.array([0.5, 0.5 + 0.3413, 0.5 + 0.3413 + 0.1359])
    np.testing.assert_allclose(NORMAL.ppf(q), [200, 240, 280], atol=0.1)


def test_inverse_transform_normal_passes_ks_and_moments():
    samples = inverse_transform_sample(NORMAL.ppf, 20_000, seed=0)
    assert samples.shape == (20_000,)
    assert samples.dtype == np.float64
    report = compare_to_distribution(samples, NORMAL)
    assert report["ks_pvalue"] > 0.01
    assert abs(report["mean"] - 200) < 4 * 40 / np.sqrt(20_000)
    assert abs(report["std"] - 40) < 1.0
    assert report["true_mean"] == pytest.approx(200)
    assert report["true_std"] == pytest.approx(40)


def test_inverse_transform_detects_wrong_distribution():
    samples = inverse_transform_sample(stats.norm(205, 40).ppf, 20_000, seed=0)
    assert compare_to_distribution(samples, NORMAL)["ks_pvalue"] < 1e-6


def test_inverse_transform_seed_determinism():
    a = inverse_transform_sample(NORMAL.ppf, 100, seed=3)
    b = inverse_transform_sample(NORMAL.ppf, 100, seed=3)
    c = inverse_transform_sample(NORMAL.ppf, 100, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    rng = np.random.default_rng(3)
    np.testing.assert_array_equal(inverse_transform_sample(NORMAL.ppf, 100, rng), a)


def test_inverse_transform_leaves_global_rng_alone():
    # The legacy global state is exactly what samplers must not touch.
    np.random.seed(0)  # noqa: NPY002
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    inverse_transform_sample(NORMAL.ppf, 10, seed=None)
    assert np.random.random() == expected  # noqa: NPY002


def test_inverse_transform_zero_samples():
    assert inverse_transform_sample(NORMAL.ppf, 0, seed=0).shape == (0,)


@pytest.mark.parametrize(
    "ppf, match",
    [
        ("not a function", "callable"),
        (lambda u: u[:-1], "vectorized"),
        (lambda u: np.log(u - 2), "NaN or infinite"),
    ],
)
def test_inverse_transform_rejects_bad_ppf(ppf, match):
    with np.errstate(invalid="ignore"), pytest.raises(ValueError, match=match):
        inverse_transform_sample(ppf, 10, seed=0)


@pytest.mark.parametrize("n", [-1, 2.5, True])
def test_inverse_transform_rejects_bad_n(n):
    with pytest.raises(
        ValueError, match="n (== -1, must be >= 0|must be .*(type|instance))"
    ):
        inverse_transform_sample(NORMAL.ppf, n, seed=0)


# ---- quantiles ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "q, match",
    [
        ([0.5, 1.5], r"\[0.0, 1.0\]"),
        ([-0.1], r"\[0.0, 1.0\]"),
        ([0.5, np.nan], "NaN"),
        ([[0.1, 0.2]], "1-D"),
        (["a"], "convert string"),
    ],
)
def test_quantile_rejects_bad_levels(q, match):
    with pytest.raises(ValueError, match=match):
        EmpiricalPPFSampler().fit(np.arange(3.0)[:, None]).quantile(q)


def test_quantile_accepts_scalar_and_bounds():
    sampler = EmpiricalPPFSampler().fit(np.arange(3.0)[:, None])
    np.testing.assert_array_equal(sampler.quantile(0.25), [[0.5]])
    np.testing.assert_array_equal(sampler.quantile([0, 1]), [[0.0], [2.0]])


# ---- EmpiricalPPFSampler -----------------------------------------------------------
@pytest.fixture
def tabular():
    rng = np.random.default_rng(1)
    return np.column_stack(
        [rng.normal(5, 2, 400), rng.exponential(3, 400), rng.integers(0, 17, 400)]
    )


def test_quantile_function_equals_training_quantiles(tabular):
    sampler = EmpiricalPPFSampler().fit(tabular)
    q = np.linspace(0, 1, 57)
    np.testing.assert_allclose(
        sampler.quantile(q), np.quantile(tabular, q, axis=0), rtol=1e-12
    )


def test_sampling_is_numpy_quantile_at_uniform_levels(tabular):
    """Each sampled value is ``np.quantile`` of its column at one uniform draw."""
    samples = EmpiricalPPFSampler().fit(tabular).sample(20, seed=4)
    u = np.random.default_rng(4).random((20, 3))
    for j in range(3):
        expected = np.quantile(tabular[:, j], u[:, j])
        np.testing.assert_allclose(samples[:, j], expected, rtol=1e-12)


def test_samples_reproduce_training_quantiles(tabular):
    sampler = EmpiricalPPFSampler().fit(tabular)
    samples = sampler.sample(50_000, seed=0)
    assert samples.shape == (50_000, 3)
    q = np.linspace(0.05, 0.95, 19)
    real, synthetic = np.quantile(tabular, q, axis=0), np.quantile(samples, q, axis=0)
    spread = tabular.std(axis=0)
    assert np.all(np.abs(real - synthetic) < 0.05 * spread)
    # Linear interpolation never leaves the training range.
    assert np.all(samples.min(axis=0) >= tabular.min(axis=0))
    assert np.all(samples.max(axis=0) <= tabular.max(axis=0))


def test_samples_pass_ks_against_true_distribution():
    data = np.random.default_rng(2).normal(200, 40, size=(5000, 1))
    samples = EmpiricalPPFSampler().fit(data).sample(5000, seed=0)
    assert stats.kstest(samples[:, 0], NORMAL.cdf).pvalue > 0.01


def test_columns_are_sampled_independently():
    rng = np.random.default_rng(3)
    x = rng.normal(size=2000)
    data = np.column_stack([x, x + 0.01 * rng.normal(size=2000)])  # correlation ~1
    samples = EmpiricalPPFSampler().fit(data).sample(5000, seed=0)
    assert abs(np.corrcoef(samples, rowvar=False)[0, 1]) < 0.05


def test_class_conditional(tabular):
    y = np.repeat([0, 1, 2, 3], 100)
    X = tabular + 100.0 * y[:, None]  # classes far apart
    sampler = EmpiricalPPFSampler().fit(X, y)
    np.testing.assert_array_equal(sampler.classes_, [0, 1, 2, 3])
    X_new, y_new = sampler.sample(400, seed=0)
    assert X_new.shape == (400, 3) and y_new.shape == (400,)
    assert y_new.dtype == np.int64
    for label in range(4):
        rows = X[y == label]
        drawn = X_new[y_new == label]
        assert np.all(drawn >= rows.min(axis=0)) and np.all(drawn <= rows.max(axis=0))
    X_two, y_two = sampler.sample(5, y=2, seed=0)
    np.testing.assert_array_equal(y_two, 2)
    assert np.all(X_two[:, 0] > 150)
    q = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(
        sampler.quantile(q, y=1), np.quantile(X[y == 1], q, axis=0)
    )


def test_class_prior_is_followed():
    X = np.arange(1000.0).reshape(-1, 1)
    y = np.r_[np.zeros(900, int), np.ones(100, int)]
    _, y_new = EmpiricalPPFSampler().fit(X, y).sample(10_000, seed=0)
    assert abs(np.mean(y_new == 1) - 0.1) < 0.015


def test_image_shaped_rows_keep_their_shape():
    images = np.random.default_rng(0).random((30, 4, 5))
    sampler = EmpiricalPPFSampler().fit(images)
    assert sampler.sample(7, seed=0).shape == (7, 4, 5)
    assert sampler.quantile([0.1, 0.9]).shape == (2, 4, 5)


def test_sampler_determinism(tabular):
    sampler = EmpiricalPPFSampler().fit(tabular)
    np.testing.assert_array_equal(
        sampler.sample(20, seed=5), sampler.sample(20, seed=5)
    )
    assert not np.array_equal(sampler.sample(20, seed=5), sampler.sample(20, seed=6))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0], [np.nan]]), "NaN"),
        (np.empty((0, 2)), "minimum of 1"),
        (np.arange(5.0), "reshape"),
        (np.array([["a"], ["b"]]), "convert string"),
    ],
)
def test_fit_rejects_bad_data(X, match):
    with pytest.raises(ValueError, match=match):
        EmpiricalPPFSampler().fit(X)


def test_bad_calls(tabular):
    with pytest.raises(ValueError, match="not fitted"):
        EmpiricalPPFSampler().sample(3)
    with pytest.raises(ValueError, match="not fitted"):
        EmpiricalPPFSampler().quantile([0.5])
    sampler = EmpiricalPPFSampler().fit(tabular)
    with pytest.raises(ValueError, match="n == -1, must be >= 0"):
        sampler.sample(-1)
    with pytest.raises(ValueError, match="without labels"):
        sampler.sample(3, y=1)
    with pytest.raises(ValueError, match="without labels"):
        sampler.quantile([0.5], y=1)
    with pytest.raises(ValueError, match=r"\[0.0, 1.0\]"):
        sampler.quantile([1.2])
    y = np.repeat([0, 1], 200)
    conditional = EmpiricalPPFSampler().fit(tabular, y)
    with pytest.raises(ValueError, match="never seen"):
        conditional.sample(3, y=7)
    with pytest.raises(ValueError, match="never seen"):
        conditional.quantile([0.5], y=7)
    with pytest.raises(ValueError, match="class-conditional"):
        conditional.quantile([0.5])
    with pytest.raises(ValueError, match="labels but X has"):
        EmpiricalPPFSampler().fit(tabular, y[:-1])
