"""Tests of course_lib.diffusion: the schedule, the forward process, the reverse step
(DDIM with eta = 1 is DDPM's step; DDPM and DDIM sample the same distribution) and a
toy dataset the model recovers. The shared API contract is in test_generator_api."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_lib.diffusion import DDPM, DiffusionModel, cosine_schedule, ddim_step


def test_cosine_schedule_decreases_from_one_to_about_zero():
    alpha_bar = cosine_schedule(1000)
    assert alpha_bar.shape == (1001,) and alpha_bar[0] == 1.0
    assert np.all(np.diff(alpha_bar) < 0)
    assert alpha_bar[-1] < 1e-4
    betas = 1 - alpha_bar[1:] / alpha_bar[:-1]
    assert betas.max() <= 0.999 and betas[0] < 1e-3  # gentle at the start
    assert abs(alpha_bar[500] - 0.5) < 0.05  # cosine: half the signal at T / 2


@pytest.mark.parametrize("t", [1, 10, 50, 100])
def test_closed_form_matches_the_iterated_one_step_kernel(t):
    """x_t = sqrt(1 - beta) x_{t-1} + sqrt(beta) eps, t times, has the mean and
    variance of q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I)."""
    T, n = 100, 40_000
    alpha_bar = cosine_schedule(T)
    betas = 1 - alpha_bar[1:] / alpha_bar[:-1]
    rng = np.random.default_rng(0)
    x0 = np.array([-1.0, -0.3, 0.4, 1.0])
    x = np.tile(x0, (n, 1))
    for s in range(t):
        x = np.sqrt(1 - betas[s]) * x + np.sqrt(betas[s]) * rng.standard_normal(x.shape)
    var = 1 - alpha_bar[t]
    np.testing.assert_allclose(
        x.mean(0), np.sqrt(alpha_bar[t]) * x0, atol=5 * np.sqrt(var / n)
    )
    np.testing.assert_allclose(x.var(0), var, rtol=5 * np.sqrt(2 / n))


def test_ddim_step_with_eta_one_is_the_ddpm_ancestral_step():
    """Ho et al.'s Algorithm 2: x_{t-1} = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps)
    / sqrt(alpha_t) + sigma_t z, sigma_t^2 the posterior variance beta tilde."""
    alpha_bar = cosine_schedule(1000)
    rng = np.random.default_rng(1)
    x_t, eps, z = rng.standard_normal((3, 5, 16))
    for t in (2, 10, 500, 990):
        a_t, a_prev = alpha_bar[t], alpha_bar[t - 1]
        beta, alpha = 1 - a_t / a_prev, a_t / a_prev
        sigma = np.sqrt((1 - a_prev) / (1 - a_t) * beta)
        ddpm = (x_t - beta / np.sqrt(1 - a_t) * eps) / np.sqrt(alpha) + sigma * z
        ddim = ddim_step(x_t, eps, a_t, a_prev, 1.0, z)
        np.testing.assert_allclose(ddim, ddpm, rtol=1e-6, atol=1e-8)
    # eta = 0: no noise enters, and a perfect eps recovers x_0 in one jump to t = 0
    x0 = rng.uniform(-1, 1, (5, 16))
    x_t = np.sqrt(alpha_bar[700]) * x0 + np.sqrt(1 - alpha_bar[700]) * eps
    np.testing.assert_allclose(ddim_step(x_t, eps, alpha_bar[700], 1.0, 0.0, z), x0)


def _oracle_model(T, mean, std):
    """The exact noise predictor for data N(mean, std^2) in every dimension."""

    def denoiser(inputs):
        x_t, t_unit, _ = inputs
        a = tf.gather(
            tf.constant(cosine_schedule(T), tf.float32),
            tf.cast(tf.round(t_unit[:, 0] * T), tf.int32),
        )[:, None]
        return tf.sqrt(1 - a) * (x_t - tf.sqrt(a) * mean) / (a * std**2 + 1 - a)

    model = DiffusionModel(keras.layers.Identity(), cosine_schedule(T))
    model.denoiser = denoiser
    return model


@pytest.mark.parametrize(("steps", "eta"), [(1000, 1.0), (1000, 0.0), (10, 0.0)])
def test_ddpm_and_ddim_sample_the_same_distribution(steps, eta):
    """With the exact noise predictor of Gaussian data, the ancestral DDPM chain
    (T steps, eta = 1) and DDIM (eta = 0, T steps) both return that Gaussian. DDIM
    with 10 steps keeps the mean but shrinks the spread (its last jump lands on the
    posterior mean of x_0): fewer steps, less diversity."""
    T, mean, std = 1000, 0.2, 0.1
    model = _oracle_model(T, mean, std)
    x_T = tf.constant(np.random.default_rng(2).standard_normal((4000, 2)), tf.float32)
    times = tf.constant(np.linspace(T, 0, steps + 1).round().astype(np.int32))
    labels = tf.zeros(4000, tf.int32)
    x0 = model.reverse(x_T, labels, times, tf.constant(eta), tf.constant(0.0), 3)
    x0 = x0.numpy()
    np.testing.assert_allclose(x0.mean(0), mean, atol=0.01)
    if steps == T:
        np.testing.assert_allclose(x0.std(0), std, rtol=0.06)
    else:
        assert np.all(x0.std(0) < 0.8 * std)


@pytest.fixture(scope="module")
def mixture():
    """Two well separated 2-D Gaussian blobs (70 % / 30 %) inside [0, 1]."""
    rng = np.random.default_rng(0)
    which = rng.uniform(size=1500) < 0.3
    centres = np.where(which[:, None], [0.75, 0.7], [0.25, 0.3])
    return np.clip(centres + 0.05 * rng.standard_normal((1500, 2)), 0, 1), which


@pytest.fixture(scope="module")
def toy_model(mixture):
    X, _ = mixture
    params = dict(hidden=(64, 64), T=200, epochs=150, batch_size=128, seed=0)
    return DDPM(learning_rate=1e-2, **params).fit(X.astype(np.float32))


@pytest.mark.parametrize("steps", [None, 20])
def test_the_model_recovers_a_two_blob_mixture(mixture, toy_model, steps):
    X, which = mixture
    samples = toy_model.sample(2000, seed=0, steps=steps)
    near_b = np.linalg.norm(samples - [0.75, 0.7], axis=1) < 0.2
    near_a = np.linalg.norm(samples - [0.25, 0.3], axis=1) < 0.2
    assert np.mean(near_a | near_b) > 0.9  # on the blobs, not between them
    assert abs(near_b.mean() - which.mean()) < 0.08  # with the right weights
    np.testing.assert_allclose(samples.mean(0), X.mean(0), atol=0.04)
    np.testing.assert_allclose(samples[near_a].std(0), 0.05, rtol=0.5)


def test_ddim_is_deterministic_given_the_seed_and_ddpm_is_not(toy_model):
    a, b = (
        toy_model.sample(50, seed=0, steps=20),
        toy_model.sample(50, seed=0, steps=20),
    )
    np.testing.assert_array_equal(a, b)
    # DDIM's result depends on x_T only; DDPM adds fresh noise at every step
    ddpm = toy_model.sample(50, seed=0)
    assert not np.allclose(ddpm, a, atol=1e-3)


def test_bad_sampling_arguments_raise(toy_model):
    with pytest.raises(ValueError, match="steps"):
        toy_model.sample(3, steps=0)
    with pytest.raises(ValueError, match="steps"):
        toy_model.sample(3, steps=toy_model.T + 1)
    with pytest.raises(ValueError, match="class-conditional"):
        toy_model.sample(3, guidance=1.0)
    with pytest.raises(ValueError, match="architecture"):
        DDPM(architecture="transformer").fit(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="unet"):
        DDPM(architecture="unet", hidden=(4, 8)).fit(np.zeros((4, 7, 7)))


def test_guidance_sharpens_the_classes():
    """Three classes in 2-D: guided samples lie closer to their class's centre."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 200)
    centres = np.array([[0.2, 0.2], [0.5, 0.8], [0.8, 0.3]])
    X = np.clip(centres[y] + 0.12 * rng.standard_normal((600, 2)), 0, 1)
    params = dict(hidden=(64, 64), T=100, epochs=150, batch_size=128, seed=0)
    model = DDPM(p_uncond=0.2, learning_rate=1e-2, **params).fit(X, y)
    labels = np.arange(600) % 3
    spread = {}
    for w in (0.0, 1.0):
        samples, _ = model.sample(600, y=labels, seed=1, steps=20, guidance=w)
        spread[w] = np.linalg.norm(samples - centres[labels], axis=1).mean()
    assert spread[1.0] < 0.85 * spread[0.0]


def test_ctrl_c_keeps_the_weights_trained_so_far(monkeypatch, capsys):
    calls = []
    original = keras.callbacks.History.on_epoch_end

    def interrupt_after_two(self, epoch, logs=None):
        original(self, epoch, logs)
        calls.append(epoch)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(keras.callbacks.History, "on_epoch_end", interrupt_after_two)
    X = np.random.default_rng(0).uniform(size=(64, 2))
    model = DDPM(hidden=(8,), T=20, epochs=50, seed=0)
    with pytest.raises(KeyboardInterrupt):  # the interrupt goes on, as in Keras
        model.fit(X)
    assert len(model.history_["loss"]) == 2
    assert "interrupted" in capsys.readouterr().out
    assert model.sample(3, seed=0).shape == (3, 2)
