"""Tests of course_lib.exercises: right answers pass, mistakes fail with a hint."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from course_lib import exercises


def _not_done(*args, **kwargs):
    raise NotImplementedError


def _crash(*args, **kwargs):
    raise ZeroDivisionError("oops")


@pytest.mark.parametrize(
    "check",
    [
        exercises.check_cauchy_ppf,
        exercises.check_categorical_sampler,
        exercises.check_mvn_sampler,
        exercises.check_class_posterior,
        exercises.check_free_energy,
        exercises.check_kl_divergence,
        exercises.check_smoothed_memorization,
        exercises.check_iwae_bound,
        exercises.check_label_worth,
        exercises.check_dunn_index,
        exercises.check_rgb_features,
        exercises.check_bigger_code,
    ],
)
def test_stubs_and_crashes_fail_politely(check, capsys):
    assert check(_not_done) is False
    assert "not implemented yet" in capsys.readouterr().out
    assert check(_crash) is False
    assert "ZeroDivisionError: oops" in capsys.readouterr().out
    assert check("not a function") is False
    assert "expected a function" in capsys.readouterr().out


# ---- notebook 01 -------------------------------------------------------------------
def test_cauchy_ppf(capsys):
    def right(q, loc=0.0, scale=1.0):
        return loc + scale * np.tan(np.pi * (np.asarray(q) - 0.5))

    assert exercises.check_cauchy_ppf(right) is True
    assert capsys.readouterr().out.startswith("Right")

    def no_shift(q, loc=0.0, scale=1.0):
        return loc + scale * np.tan(np.pi * np.asarray(q))

    assert exercises.check_cauchy_ppf(no_shift) is False
    assert "q - 1/2" in capsys.readouterr().out

    def ignores_loc_scale(q, loc=0.0, scale=1.0):
        return np.tan(np.pi * (np.asarray(q) - 0.5))

    assert exercises.check_cauchy_ppf(ignores_loc_scale) is False
    assert "loc + scale" in capsys.readouterr().out

    def scalar_only(q, loc=0.0, scale=1.0):
        return float(q[0])

    assert exercises.check_cauchy_ppf(scalar_only) is False
    assert "shape" in capsys.readouterr().out


def test_categorical_sampler(capsys):
    def right(p, n, rng):
        cdf = np.cumsum(p)
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(p) - 1)

    assert exercises.check_categorical_sampler(right) is True
    assert capsys.readouterr().out.startswith("Right")

    def uniform(p, n, rng):
        return rng.integers(0, len(p), n)

    assert exercises.check_categorical_sampler(uniform) is False
    assert "drawn" in capsys.readouterr().out  # the zero-probability class appears

    def one_based(p, n, rng):
        return right(p, n, rng) + 1

    assert exercises.check_categorical_sampler(one_based) is False
    assert "labels start at 0" in capsys.readouterr().out

    def global_rng(p, n, rng):
        return np.searchsorted(np.cumsum(p), np.random.random(n), side="right")  # noqa: NPY002

    assert exercises.check_categorical_sampler(global_rng) is False
    assert "rng you are given" in capsys.readouterr().out

    def floats(p, n, rng):
        return right(p, n, rng).astype(float)

    assert exercises.check_categorical_sampler(floats) is False
    assert "integers" in capsys.readouterr().out

    def wrong_frequencies(p, n, rng):
        return right(np.array([0.3, 0.0, 0.6, 0.1]), n, rng)

    assert exercises.check_categorical_sampler(wrong_frequencies) is False
    assert "chi-square" in capsys.readouterr().out


# ---- notebook 02 -------------------------------------------------------------------
def test_mvn_sampler(capsys):
    def right(mean, cov, n, rng):
        return mean + rng.standard_normal((n, len(mean))) @ np.linalg.cholesky(cov).T

    assert exercises.check_mvn_sampler(right) is True
    assert capsys.readouterr().out.startswith("Right")

    def transposed(mean, cov, n, rng):
        return mean + rng.standard_normal((n, len(mean))) @ np.linalg.cholesky(cov)

    assert exercises.check_mvn_sampler(transposed) is False
    assert "Z @ L.T" in capsys.readouterr().out

    def diagonal(mean, cov, n, rng):
        return mean + rng.standard_normal((n, len(mean))) * np.sqrt(np.diag(cov))

    assert exercises.check_mvn_sampler(diagonal) is False
    assert "correlations are missing" in capsys.readouterr().out

    def times_cov(mean, cov, n, rng):
        return mean + rng.standard_normal((n, len(mean))) @ cov

    assert exercises.check_mvn_sampler(times_cov) is False
    assert "cov²" in capsys.readouterr().out

    def no_mean(mean, cov, n, rng):
        return right(np.zeros_like(mean), cov, n, rng)

    assert exercises.check_mvn_sampler(no_mean) is False
    assert "add the mean" in capsys.readouterr().out

    def transposed_shape(mean, cov, n, rng):
        return right(mean, cov, n, rng).T

    assert exercises.check_mvn_sampler(transposed_shape) is False
    assert "shape" in capsys.readouterr().out

    def fresh_rng(mean, cov, n, rng):
        return right(mean, cov, n, np.random.default_rng())

    assert exercises.check_mvn_sampler(fresh_rng) is False
    assert "rng you are given" in capsys.readouterr().out


def test_class_posterior(capsys):
    def right(log_likelihood, log_prior):
        joint = log_likelihood + log_prior
        joint = joint - joint.max(axis=1, keepdims=True)
        return np.exp(joint) / np.exp(joint).sum(axis=1, keepdims=True)

    assert exercises.check_class_posterior(right) is True
    assert capsys.readouterr().out.startswith("Right")

    def naive(log_likelihood, log_prior):
        joint = np.exp(log_likelihood + log_prior)
        return joint / joint.sum(axis=1, keepdims=True)

    assert exercises.check_class_posterior(naive) is False
    assert "log-sum-exp" in capsys.readouterr().out

    def no_prior(log_likelihood, log_prior):
        return right(log_likelihood, np.zeros_like(log_prior))

    assert exercises.check_class_posterior(no_prior) is False
    assert "prior is ignored" in capsys.readouterr().out

    def unnormalized(log_likelihood, log_prior):
        joint = log_likelihood + log_prior
        return np.exp(joint - joint.max(axis=1, keepdims=True))

    assert exercises.check_class_posterior(unnormalized) is False
    assert "sum to" in capsys.readouterr().out


# ---- notebook 00 --------------------------------------------------------------------
def test_imbalance_ratio(capsys):
    y = np.r_[np.zeros(100, int), np.ones(10, int), np.full(50, 2)]
    assert exercises.check_imbalance_ratio(10.0, y) is True
    assert capsys.readouterr().out.startswith("Right")
    assert exercises.check_imbalance_ratio(0.1, y) is False
    assert "inverse" in capsys.readouterr().out
    assert exercises.check_imbalance_ratio(None, y) is False
    assert "no answer yet" in capsys.readouterr().out
    assert exercises.check_imbalance_ratio("ten", y) is False
    assert "expected a number" in capsys.readouterr().out
    assert exercises.check_imbalance_ratio(5.0, y) is False


# ---- notebook 03 -------------------------------------------------------------------
def test_free_energy(capsys):
    def right(V, W, b, c):
        return -V @ b - np.logaddexp(0.0, V @ W + c).sum(axis=1)

    def overflowing(V, W, b, c):
        return -V @ b - np.log1p(np.exp(V @ W + c)).sum(axis=1)

    def no_bias(V, W, b, c):
        return -np.logaddexp(0.0, V @ W + c).sum(axis=1)

    def flipped(V, W, b, c):
        return -right(V, W, b, c)

    with np.errstate(over="ignore"):
        assert exercises.check_free_energy(overflowing) is False
    assert "overflows" in capsys.readouterr().out
    assert exercises.check_free_energy(no_bias) is False
    assert "visible-bias" in capsys.readouterr().out
    assert exercises.check_free_energy(flipped) is False
    assert "sign" in capsys.readouterr().out
    assert exercises.check_free_energy(right) is True
    assert "Right" in capsys.readouterr().out


def test_cd_gradient(capsys):
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    def right(v0, vk, W, b, c):
        h0, hk = sigmoid(v0 @ W + c), sigmoid(vk @ W + c)
        n = len(v0)
        return (
            (vk.T @ hk - v0.T @ h0) / n,
            (vk - v0).mean(axis=0),
            (hk - h0).mean(axis=0),
        )

    def zero(v0, vk, W, b, c):
        return np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)

    def ascent(v0, vk, W, b, c):  # the log-likelihood gradient: the opposite sign
        return tuple(-g for g in right(v0, vk, W, b, c))

    def summed(v0, vk, W, b, c):
        return tuple(g * len(v0) for g in right(v0, vk, W, b, c))

    def no_hidden_probabilities(v0, vk, W, b, c):  # uses v W instead of p(h|v)
        dW, db, _ = right(v0, vk, W, b, c)
        return (vk.T @ (vk @ W) - v0.T @ (v0 @ W)) / len(v0), db, c * 0

    assert exercises.check_cd_gradient(zero) is False
    assert "differs" in capsys.readouterr().out
    assert exercises.check_cd_gradient(ascent) is False
    assert "sign" in capsys.readouterr().out
    assert exercises.check_cd_gradient(summed) is False
    assert "mean" in capsys.readouterr().out
    assert exercises.check_cd_gradient(no_hidden_probabilities) is False
    assert exercises.check_cd_gradient(lambda *args: (1, 2)) is False
    assert exercises.check_cd_gradient(_not_done) is False
    assert "not implemented yet" in capsys.readouterr().out
    assert exercises.check_cd_gradient(right) is True
    assert "Right" in capsys.readouterr().out


# ---- notebook 04 -------------------------------------------------------------------
def test_kl_divergence(capsys):
    def right(mean, log_var):
        return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)

    assert exercises.check_kl_divergence(right) is True
    assert exercises.check_kl_divergence(lambda m, lv: 2 * right(m, lv)) is False
    assert "twice" in capsys.readouterr().out
    assert exercises.check_kl_divergence(lambda m, lv: right(m, lv)[:, None]) is False
    assert exercises.check_kl_divergence(lambda m, lv: right(m, 2 * lv)) is False
    assert "closed form" in capsys.readouterr().out


def test_smoothed_memorization(capsys):
    from course_lib.metrics import memorization_ratio

    def right(vae, train, n, seed):
        return memorization_ratio(vae.sample(n, seed=seed), vae.reconstruct(train))

    def raw(vae, train, n, seed):
        return memorization_ratio(vae.sample(n, seed=seed), train)

    assert exercises.check_smoothed_memorization(right) is True
    assert exercises.check_smoothed_memorization(raw) is False
    assert "raw training images" in capsys.readouterr().out
    assert exercises.check_smoothed_memorization(lambda *a: 2 * right(*a)) is False


def test_iwae_bound(capsys):
    from scipy.special import logsumexp

    def right(log_w):
        return logsumexp(log_w, axis=0) - np.log(len(log_w))

    def naive(log_w):
        return np.log(np.mean(np.exp(log_w), axis=0))

    assert exercises.check_iwae_bound(right) is True
    assert exercises.check_iwae_bound(lambda log_w: log_w.mean(axis=0)) is False
    assert "ELBO" in capsys.readouterr().out
    assert exercises.check_iwae_bound(naive) is False
    assert "underflows" in capsys.readouterr().out
    assert exercises.check_iwae_bound(lambda w: right(w) + np.log(len(w))) is False
    assert exercises.check_iwae_bound(lambda log_w: right(log_w)[None]) is False


def test_label_worth(capsys):
    assert exercises.check_label_worth(lambda p: -np.log(p)) is True
    assert exercises.check_label_worth(lambda p: -np.log2(p)) is False
    assert "bits" in capsys.readouterr().out
    assert exercises.check_label_worth(np.log) is False
    assert exercises.check_label_worth(lambda p: np.full(len(p), np.log(10))) is False


# ---- notebook 05 -------------------------------------------------------------------
def _dunn(X, labels, distance=np.linalg.norm, low=min, high=max):
    between, inside = [], []
    for i in range(len(X)):
        for j in range(i + 1, len(X)):
            d = distance(X[i] - X[j])
            (inside if labels[i] == labels[j] else between).append(d)
    return low(between) / high(inside)


def test_dunn_index(capsys):
    assert exercises.check_dunn_index(_dunn) is True
    assert capsys.readouterr().out.startswith("Right")
    assert exercises.check_dunn_index(lambda X, lab: 1 / _dunn(X, lab)) is False
    assert "inverse" in capsys.readouterr().out

    def squared(v):
        return np.sum(v**2)

    assert exercises.check_dunn_index(lambda X, lab: _dunn(X, lab, squared)) is False
    assert "squared" in capsys.readouterr().out
    assert (
        exercises.check_dunn_index(
            lambda X, lab: _dunn(X, lab, low=np.mean, high=np.mean)
        )
        is False
    )
    assert "mean distances" in capsys.readouterr().out
    assert exercises.check_dunn_index(lambda X, lab: _dunn(X, lab, high=min)) is False
    assert "diameter" in capsys.readouterr().out
    manhattan = partial(np.linalg.norm, ord=1)
    assert exercises.check_dunn_index(lambda X, lab: _dunn(X, lab, manhattan)) is False
    assert "expected" in capsys.readouterr().out


def test_rgb_features(capsys):
    import course_lib as cl

    def right(X):
        return cl.data.to_unit(X).reshape(len(X), -1)

    assert exercises.check_rgb_features(right) is True
    channels_first = exercises.check_rgb_features(
        lambda X: right(X.transpose(0, 3, 1, 2))
    )
    assert channels_first is True  # another fixed order of the same numbers
    capsys.readouterr()
    assert exercises.check_rgb_features(lambda X: X.reshape(len(X), -1)) is False
    assert "scale to [0, 1]" in capsys.readouterr().out

    def gray_three_times(X):
        return np.tile(cl.data.to_unit(cl.data.grayscale(X)).reshape(len(X), -1), 3)

    assert exercises.check_rgb_features(gray_three_times) is False
    assert "all three channels" in capsys.readouterr().out
    assert exercises.check_rgb_features(lambda X: cl.data.to_unit(X)) is False
    assert "3072" in capsys.readouterr().out


def _bigger(l1, *, relu_everywhere=False, penalty="activity", code=4):
    import keras
    from keras import layers

    def conv(filters, activation=None, **kwargs):
        if relu_everywhere and activation is None:
            activation = "relu"
        return layers.Conv2D(filters, 5, padding="same", activation=activation,
                             **kwargs)  # fmt: skip

    regularizer = (
        {f"{penalty}_regularizer": keras.regularizers.L1(l1)} if penalty else {}
    )
    image = keras.Input((32, 32, 1))
    h = layers.MaxPooling2D(2)(conv(3, "relu", **regularizer)(image))
    h = layers.MaxPooling2D(2)(conv(code)(h))
    h = layers.UpSampling2D(2)(conv(1)(h))
    h = layers.UpSampling2D(2)(conv(3)(h))
    return keras.Model(image, conv(1, "sigmoid")(h))


def test_bigger_code(capsys):
    assert exercises.check_bigger_code(_bigger) is True
    assert capsys.readouterr().out.startswith("Right")
    assert exercises.check_bigger_code(partial(_bigger, code=1)) is False
    assert "334 weights" in capsys.readouterr().out
    assert exercises.check_bigger_code(partial(_bigger, relu_everywhere=True)) is False
    assert "reconstruction differs" in capsys.readouterr().out
    assert exercises.check_bigger_code(partial(_bigger, penalty=None)) is False
    assert "no L1 penalty" in capsys.readouterr().out
    assert exercises.check_bigger_code(partial(_bigger, penalty="kernel")) is False
    assert "penalty differs" in capsys.readouterr().out


# ---- notebook 06 -------------------------------------------------------------------
def _matched(y, clusters):
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((clusters.max() + 1, y.max() + 1))
    np.add.at(counts, (clusters, y), 1)
    rows, cols = linear_sum_assignment(-counts)
    return counts[rows, cols].sum() / y.size


def _one_domain(y_a, y_b, fraction, seed):
    keep = np.random.default_rng(seed).choice(
        y_a.size, size=max(10, round(fraction * y_a.size)), replace=False
    )
    labels_a = np.full_like(y_a, -1)
    labels_a[keep] = y_a[keep]
    return labels_a, np.full_like(y_b, -1)


@pytest.mark.parametrize(
    "check, right",
    [
        (exercises.check_unit_kl, lambda mu: 0.5 * np.mean(mu**2)),
        (exercises.check_matched_accuracy, _matched),
        (exercises.check_one_domain_labels, _one_domain),
    ],
)
def test_notebook_06_checks_pass_right_answers_and_fail_stubs(check, right, capsys):
    assert check(right) is True
    assert check(_not_done) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_unit_kl_mistakes(capsys):
    check = exercises.check_unit_kl
    assert check(lambda mu: np.mean(mu**2)) is False
    assert "twice" in capsys.readouterr().out
    assert check(lambda mu: 0.5 * np.sum(mu**2)) is False
    assert "you sum" in capsys.readouterr().out
    assert check(lambda mu: 0.5 * np.mean(np.sum(mu**2, axis=1))) is False
    assert "per image" in capsys.readouterr().out
    assert check(lambda mu: 0.5 * np.sum(mu**2, axis=1)) is False
    assert "shape" in capsys.readouterr().out


def test_matched_accuracy_mistakes(capsys):
    def majority(y, clusters):
        return sum(np.bincount(y[clusters == k]).max() for k in np.unique(clusters))

    check = exercises.check_matched_accuracy
    assert check(lambda y, c: np.mean(y == c)) is False
    assert "plain accuracy" in capsys.readouterr().out
    assert check(lambda y, c: majority(y, c) / y.size) is False
    assert "many-to-one" in capsys.readouterr().out


def test_one_domain_labels_mistakes(capsys):
    check = exercises.check_one_domain_labels
    assert check(lambda a, b, f, s: (_one_domain(a, b, f, s)[0], b)) is False
    assert "domain b keeps labels" in capsys.readouterr().out
    assert check(lambda a, b, f, s: (np.where(_one_domain(a, b, f, s)[0] >= 0, 0, -1),
                                     _one_domain(a, b, f, s)[1])) is False  # fmt: skip
    assert "changed" in capsys.readouterr().out
    assert check(lambda a, b, f, s: _one_domain(a, b, 0.1, s)) is False
    assert "labels kept" in capsys.readouterr().out
