"""Tests of course_lib.rbm: the math against NumPy, learning on a toy problem, tracing,
persistence and input validation. (The shared generator contract is checked by
tests/test_generator_api.py.)"""

import numpy as np
import pytest
import tensorflow as tf

from course_lib import rbm as rbm_module
from course_lib.rbm import BernoulliRBM

FAST = {"verbose": False, "seed": 0}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.logaddexp(0.0, x)


def free_energy_ref(V, W, b, c):
    return -V @ b - softplus(V @ W + c).sum(axis=1)


@pytest.fixture(scope="module")
def toy():
    """Four 16-pixel patterns, 60 noisy copies each (3 % of pixels flipped)."""
    rng = np.random.default_rng(0)
    patterns = np.array(
        [
            [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1],
            [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
            [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1],
        ],
        dtype=np.float32,
    )
    X = np.repeat(patterns, 60, axis=0)
    flips = rng.random(X.shape) < 0.03
    X = np.where(flips, 1 - X, X).astype(np.float32)
    return patterns, X[rng.permutation(len(X))]


@pytest.fixture(scope="module")
def small_model():
    rng = np.random.default_rng(1)
    X = (rng.random((40, 12)) < 0.4).astype(np.float32)
    return BernoulliRBM(n_hidden=5, epochs=2, batch_size=8, **FAST).fit(X), X


# ---- the math ---------------------------------------------------------------------


def test_free_energy_matches_numpy(small_model):
    model, X = small_model
    W, b, c = model.weights_, model.visible_bias_, model.hidden_bias_
    V = np.vstack([X[:5], np.full((1, 12), 0.3)])  # grey values are allowed too
    expected = free_energy_ref(V.astype(np.float64), W, b, c)
    np.testing.assert_allclose(model.free_energy(V), expected, rtol=1e-5, atol=1e-4)


def test_transform_and_reconstruction_match_numpy(small_model):
    model, X = small_model
    W, b, c = model.weights_, model.visible_bias_, model.hidden_bias_
    hidden = sigmoid(X @ W + c)
    np.testing.assert_allclose(model.transform(X), hidden, atol=1e-6)
    recon = sigmoid(hidden @ W.T + b)
    np.testing.assert_allclose(
        model.reconstruction_error(X), ((X - recon) ** 2).mean(axis=1), atol=1e-6
    )


def test_pseudo_likelihood_matches_numpy(small_model):
    model, X = small_model
    W, b, c = model.weights_, model.visible_bias_, model.hidden_bias_
    flips = np.random.default_rng(7).integers(12, size=len(X))
    flipped = X.astype(np.float64).copy()
    flipped[np.arange(len(X)), flips] = 1 - flipped[np.arange(len(X)), flips]
    gap = free_energy_ref(flipped, W, b, c) - free_energy_ref(X, W, b, c)
    expected = 12 * -np.logaddexp(0, -gap)  # n_features * log sigmoid(gap)
    np.testing.assert_allclose(model.pseudo_likelihood(X, seed=7), expected, rtol=1e-4)


def uniforms(shape, seed):
    return tf.random.stateless_uniform(shape, seed).numpy().astype(np.float64)


def cd_reference(X, W, b, c, seed, *, persistent, chain0, lr, momentum, wd):
    """NumPy CD-1 / PCD-1 epoch using the same stateless draws as the kernel."""
    fold_in = tf.random.experimental.stateless_fold_in
    n, batch_size = len(X), len(chain0)
    W, b, c, chain = (np.array(a, np.float64) for a in (W, b, c, chain0))
    vel = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
    order = np.argsort(uniforms([n], seed), kind="stable")
    for batch in range(n // batch_size):
        batch_seed = fold_in(seed, batch + 1)
        v_pos = X[order[batch * batch_size : (batch + 1) * batch_size]]
        h_pos = sigmoid(v_pos @ W + c)
        if persistent:
            h_sample = chain
        else:
            u = uniforms(h_pos.shape, fold_in(batch_seed, 0))
            h_sample = (u < h_pos).astype(float)
        v_prob = sigmoid(h_sample @ W.T + b)
        v_neg = (uniforms(v_prob.shape, fold_in(batch_seed, 1)) < v_prob).astype(float)
        h_neg = sigmoid(v_neg @ W + c)
        chain = (uniforms(h_neg.shape, fold_in(batch_seed, 2)) < h_neg).astype(float)
        grads = [
            (v_pos.T @ h_pos - v_neg.T @ h_neg) / batch_size - wd * W,
            (v_pos - v_neg).mean(axis=0),
            (h_pos - h_neg).mean(axis=0),
        ]
        vel = [momentum * v + lr * g for v, g in zip(vel, grads, strict=True)]
        W, b, c = W + vel[0], b + vel[1], c + vel[2]
    return W, b, c, (chain if persistent else chain0)


@pytest.mark.parametrize(
    "persistent, momentum, wd",
    [(False, 0.5, 0.01), (True, 0.5, 0.01), (True, 0.0, 0.0)],
    ids=["CD-1", "PCD-1", "PCD-1 plain SGD"],
)
def test_one_epoch_matches_numpy_reference(persistent, momentum, wd):
    """Two mini-batch updates (momentum, weight decay) equal NumPy with the same draws.

    For PCD the second batch starts from the chain the first one left behind, so this
    also checks that the persistent chains carry over between batches.
    """
    rng = np.random.default_rng(3)
    n_features, n_hidden, batch_size = 6, 4, 3
    X = rng.random((2 * batch_size, n_features)).astype(np.float32)
    W0 = rng.normal(0, 0.5, (n_features, n_hidden)).astype(np.float32)
    b0 = rng.normal(0, 0.5, n_features).astype(np.float32)
    c0 = rng.normal(0, 0.5, n_hidden).astype(np.float32)
    chain0 = (rng.random((batch_size, n_hidden)) < 0.5).astype(np.float32)
    seed = tf.constant([11, 29], tf.int64)
    lr = 0.3

    params = [rbm_module._variable(a) for a in (W0, b0, c0)]
    velocities = [rbm_module._variable(np.zeros_like(a)) for a in (W0, b0, c0)]
    chain = rbm_module._variable(chain0)
    epoch = rbm_module._epoch_fn(1, persistent, momentum > 0, wd > 0)
    hyper = [tf.constant(v, tf.float32) for v in (lr, momentum, wd)]
    epoch(X, params, velocities, chain, seed, tf.constant(batch_size), *hyper)

    expected = cd_reference(
        X.astype(np.float64),
        W0,
        b0,
        c0,
        seed,
        persistent=persistent,
        chain0=chain0,
        lr=lr,
        momentum=momentum,
        wd=wd,
    )
    got = [p.numpy() for p in params] + [chain.numpy()]
    for name, g, e in zip(["W", "b", "c", "chain"], got, expected, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-5, err_msg=name)
    # the persistent chains moved (CD leaves them alone)
    assert persistent != np.array_equal(chain.numpy(), chain0)


@pytest.mark.parametrize("k_steps, persistent", [(1, False), (3, False), (2, True)])
def test_cd_gradient_is_the_free_energy_difference_gradient(k_steps, persistent):
    """cd_gradient == tape.gradient of mean F(v0) - mean F(stop_gradient(v_k)), where
    v_k is the chain's end, rebuilt here from the documented draws."""
    rng = np.random.default_rng(5)
    v0 = tf.constant(rng.random((4, 7)), tf.float32)
    W, b, c = (
        tf.Variable(rng.normal(0, 0.5, s), dtype=tf.float32) for s in [(7, 5), 7, 5]
    )
    chain = tf.constant(rng.random((4, 5)) < 0.5, tf.float32) if persistent else None
    seed = tf.constant([3, 4], tf.int64)
    grads, h_k = rbm_module.cd_gradient(v0, W, b, c, seed, k_steps, chain)

    fold_in, bernoulli = rbm_module.fold_in, rbm_module.bernoulli
    h = chain if persistent else bernoulli(tf.sigmoid(v0 @ W + c), fold_in(seed, 0))
    for step in range(1, k_steps + 1):
        v_k = bernoulli(
            tf.sigmoid(tf.matmul(h, W, transpose_b=True) + b),
            fold_in(seed, 2 * step - 1),
        )
        h = bernoulli(tf.sigmoid(v_k @ W + c), fold_in(seed, 2 * step))
    with tf.GradientTape() as tape:
        F = rbm_module.free_energy
        loss = tf.reduce_mean(F(v0, W, b, c)) - tf.reduce_mean(
            F(tf.stop_gradient(v_k), W, b, c)
        )
    expected = tape.gradient(loss, [W, b, c])
    for got, want in zip(grads, expected, strict=True):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)
    assert np.abs(grads[0].numpy()).max() > 1e-3  # not trivially zero
    if persistent:
        np.testing.assert_array_equal(h_k.numpy(), h.numpy())


# ---- learning ---------------------------------------------------------------------


def nearest_pattern_distance(samples, patterns):
    return np.abs(samples[:, None, :] - patterns[None]).sum(-1).min(axis=1)


@pytest.mark.parametrize("persistent", [False, True], ids=["CD-1", "PCD-1"])
def test_learns_toy_patterns(toy, persistent):
    patterns, X = toy
    model = BernoulliRBM(
        n_hidden=16,
        epochs=40,
        batch_size=16,
        learning_rate=0.1,
        momentum=0.5,
        persistent=persistent,
        **FAST,
    ).fit(X)
    recon = model.history_["reconstruction_error"]
    assert len(recon) == 40 and recon[-1] < 0.5 * recon[0]
    pseudo = model.history_["pseudo_likelihood"]
    assert pseudo[-1] > pseudo[0] + 2
    # mean-field reconstructions of the clean patterns are close to them
    assert model.reconstruction_error(patterns).mean() < 0.05
    # long chains from random starts end near the patterns (the training data
    # itself has 99 % of rows within 2 flipped pixels of its pattern)
    # p(v|h) of the last step, thresholded at 1/2
    samples = model.sample(200, seed=0, sample_steps=200).round()
    distance = nearest_pattern_distance(samples, patterns)
    assert np.mean(distance <= 2) > 0.85, np.bincount(distance.astype(int))
    if not persistent:
        # CD-1 chains visit every mode. A PCD model, frozen at the end of training,
        # often traps all chains in one mode (scikit-learn's PCD does the same), so
        # coverage is only asserted for CD.
        nearest = np.abs(samples[:, None, :] - patterns[None]).sum(-1).argmin(axis=1)
        assert set(nearest[distance <= 2]) == {0, 1, 2, 3}


def test_gibbs_and_data_initialized_chains(toy):
    patterns, X = toy
    model = BernoulliRBM(
        n_hidden=8, epochs=30, batch_size=16, learning_rate=0.1, **FAST
    ).fit(X)
    np.testing.assert_array_equal(model.gibbs(patterns, sample_steps=0), patterns)
    prob = model.gibbs(patterns, sample_steps=1, seed=0)
    assert prob.shape == patterns.shape and np.all((prob >= 0) & (prob <= 1))
    # chains started at the data stay near the patterns
    model.set_params(sample_init="data").fit(X)
    samples = model.sample(40, seed=1, sample_steps=5).round()
    assert np.mean(nearest_pattern_distance(samples, patterns) <= 2) > 0.85
    with pytest.raises(ValueError, match="sample_init"):
        model.set_params(sample_init="noise").fit(X)
    # the sampling defaults can be set as hyperparameters (for code that only calls
    # sample(n, seed=...)): zero steps from data starts returns training rows
    model.set_params(sample_steps=0, sample_init="data").fit(X)
    rows = model.sample(10, seed=0)
    assert np.all(np.abs(rows[:, None, :] - X[None]).sum(-1).min(axis=1) == 0)


def test_class_conditional_samples_come_from_their_class(toy):
    patterns, X = toy
    y = np.abs(X[:, None, :] - patterns[None]).sum(-1).argmin(axis=1)
    model = BernoulliRBM(
        n_hidden=6, epochs=40, batch_size=16, learning_rate=0.1, persistent=True, **FAST
    ).fit(X, y)
    assert sorted(model.models_) == [0, 1, 2, 3]
    samples, labels = model.sample(
        40, y=np.repeat([0, 1, 2, 3], 10), seed=0, sample_steps=100
    )
    nearest = np.abs(samples[:, None, :] - patterns[None]).sum(-1).argmin(axis=1)
    assert np.mean(nearest == labels) > 0.9
    with pytest.raises(ValueError, match="models_"):
        model.transform(X)


# ---- tracing and refitting ----------------------------------------------------------


def test_epoch_kernel_is_traced_once():
    """One trace serves every epoch and batch, every model and refit, of any shape."""
    rng = np.random.default_rng(0)
    # PCD-4 is a (k_steps, persistent) kernel variant that no other test uses
    params = {"k_steps": 4, "persistent": True, "epochs": 4, **FAST}
    kernel = rbm_module._epoch_fn(4, True, True, True)
    assert kernel.experimental_get_tracing_count() == 0
    X = (rng.random((64, 13)) < 0.5).astype(np.float32)
    BernoulliRBM(n_hidden=7, batch_size=8, **params).fit(X)  # 4 x 8 batches
    assert kernel.experimental_get_tracing_count() == 1
    model = BernoulliRBM(n_hidden=7, batch_size=8, **params)
    BernoulliRBM(n_hidden=7, batch_size=8, **params).fit(X)  # a new model
    model.fit(X)  # and a second fit of the first one
    for n_rows, n_features, n_hidden, batch_size in [(40, 9, 5, 4), (100, 20, 3, 16)]:
        X = (rng.random((n_rows, n_features)) < 0.5).astype(np.float32)
        BernoulliRBM(n_hidden=n_hidden, batch_size=batch_size, **params).fit(X)
    assert kernel.experimental_get_tracing_count() == 1
    # the sampler has a fully dynamic signature: one trace for every model and size
    for seed in range(3):
        model.sample(5 + seed, seed=seed, sample_steps=3 + seed)
        BernoulliRBM(n_hidden=4, epochs=1, **FAST).fit(X).gibbs(X[:2], sample_steps=2)
    assert rbm_module._gibbs.experimental_get_tracing_count() == 1


def test_refit_in_one_process(small_model):
    _, X = small_model
    params = {"n_hidden": 5, "epochs": 2, "batch_size": 8, **FAST}
    first = BernoulliRBM(**params).fit(X)
    weights, history = first.weights_, first.history_
    first.fit(X)  # same seed -> the same result, no stale state
    np.testing.assert_allclose(first.weights_, weights, atol=1e-6)
    np.testing.assert_allclose(
        first.history_["pseudo_likelihood"], history["pseudo_likelihood"], atol=1e-4
    )
    # a refit on data of another width and with other hyperparameters
    first.set_params(n_hidden=3, persistent=True, k_steps=2)
    first.fit(X[:, :7].reshape(-1, 7, 1))
    assert first.weights_.shape == (7, 3) and first.feature_shape_ == (7, 1)
    assert first.sample(2, seed=0).shape == (2, 7, 1)


def test_ctrl_c_keeps_the_finished_epochs(small_model, monkeypatch, capsys):
    _, X = small_model
    model = BernoulliRBM(n_hidden=5, epochs=5, batch_size=8, **FAST)
    calls = []

    def scores_then_interrupt(*args):  # the monitoring after each epoch
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args)

    original = rbm_module._scores
    monkeypatch.setattr(rbm_module, "_scores", scores_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    assert "2 finished epoch(s)" in capsys.readouterr().out
    assert len(model.history_["pseudo_likelihood"]) == 2
    assert model.weights_.shape == (12, 5) and np.abs(model.weights_).max() > 0.01
    assert model.sample(3, seed=0).shape == (3, 12)


# ---- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_hidden": 0}, "n_hidden"),
        ({"k_steps": 0}, "k_steps == 0"),
        ({"k_steps": 1.5}, "k_steps must be an instance"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"weight_decay": -1e-3}, "weight_decay"),
        ({"persistent": "yes"}, "persistent"),
        ({"seed": -1}, "seed"),
        ({"sample_steps": -1}, "sample_steps"),
        ({"sample_init": "noise"}, "sample_init"),
    ],
)
def test_bad_hyperparameters_raise_in_fit(params, match):
    X = np.zeros((10, 4), np.float32)
    model = BernoulliRBM(**params)  # __init__ stores, fit validates (scikit-learn)
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X)


def test_bad_data_raises(small_model):
    model, X = small_model
    fresh = BernoulliRBM(n_hidden=3, **FAST)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fresh.fit(X * 255)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fresh.fit(X - 0.5)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fresh.fit(X_nan)
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :-1])
    with pytest.raises(ValueError, match="features"):
        model.free_energy(np.zeros((2, 13)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.gibbs(X + 1)
    with pytest.raises(ValueError, match="not fitted"):
        fresh.transform(X)
    with pytest.raises(ValueError, match=">= 0"):
        model.sample(2, sample_steps=-1)


# ---- same seed, same numbers ------------------------------------------------------

_FIT_SCRIPT = """
import sys
import numpy as np
import tensorflow as tf
from course_lib.rbm import BernoulliRBM
tf.config.experimental.enable_op_determinism()
X = (np.random.default_rng(0).random((200, 30)) < 0.4).astype(np.float32)
for persistent in (False, True):
    model = BernoulliRBM(n_hidden=20, epochs=3, batch_size=16, persistent=persistent,
                         seed=1, verbose=False).fit(X)
    sys.stdout.write(model.weights_.tobytes().hex())
"""


def test_same_seed_gives_the_same_weights_in_two_processes():
    """Under op determinism (as the notebooks run) two processes fitting the same
    model with the same seed end with bit-identical weights."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", _FIT_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        for _ in range(2)
    ]
    assert len(runs[0]) == 2 * 2 * 30 * 20 * 4  # hex of two float32 (30, 20) arrays
    assert runs[0] == runs[1]
