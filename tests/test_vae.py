"""Tests for course_lib.vae: the loss terms, training and the VAE generator."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib import vae as vae_module
from course_lib.vae import VAE, Sampling, VAEModel, build_networks

FAST = dict(
    latent_dim=2, hidden=(16,), epochs=15, batch_size=32, learning_rate=0.01, seed=0
)
FAST["verbose"] = 0


def bars(n_per_class=40, seed=0, size=8):
    """Binary images: class 0 has one horizontal bar, class 1 one vertical bar."""
    rng = np.random.default_rng(seed)
    X = np.zeros((2 * n_per_class, size, size), np.float32)
    y = np.repeat([0, 1], n_per_class)
    where = rng.integers(0, size, size=2 * n_per_class)
    for i, (label, k) in enumerate(zip(y, where, strict=True)):
        if label == 0:
            X[i, k, :] = 1.0
        else:
            X[i, :, k] = 1.0
    return X, y


@pytest.fixture(scope="module")
def data():
    return bars()


@pytest.fixture(scope="module")
def fitted(data):
    X, _ = data
    return VAE(**FAST).fit(X)


@pytest.fixture(scope="module")
def fitted_conditional(data):
    X, y = data
    return VAE(**{**FAST, "epochs": 60}).fit(X, y)


# ---- the loss terms ------------------------------------------------------------------
def test_kl_matches_closed_form_and_monte_carlo():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(4, 3))
    log_var = rng.normal(scale=0.5, size=(4, 3))
    kl = np.asarray(vae_module.kl_divergence(mean, log_var))
    assert kl.shape == (4,)
    # KL(N(m, s^2) || N(0, 1)) = log(1/s) + (s^2 + m^2) / 2 - 1/2, summed over dims
    var = np.exp(log_var)
    closed = np.sum(-0.5 * log_var + (var + mean**2) / 2 - 0.5, axis=1)
    np.testing.assert_allclose(kl, closed, rtol=1e-10)
    # Monte Carlo: E_q[log q(z) - log p(z)] with z ~ q
    n_draws = 200_000
    eps = rng.standard_normal((n_draws, *mean.shape))
    z = mean + np.sqrt(var) * eps
    log_q = -0.5 * (eps**2 + log_var + np.log(2 * np.pi))
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    monte_carlo = (log_q - log_p).sum(axis=-1).mean(axis=0)
    np.testing.assert_allclose(kl, monte_carlo, atol=0.02)
    # the prior itself: zero divergence
    np.testing.assert_allclose(
        np.asarray(vae_module.kl_divergence(np.zeros((2, 3)), np.zeros((2, 3)))), 0.0
    )


def test_bernoulli_nll_is_summed_cross_entropy_in_nats():
    rng = np.random.default_rng(1)
    x = (rng.uniform(size=(5, 4, 4)) < 0.5).astype(np.float64)
    logits = rng.normal(size=(5, 4, 4))
    p = 1 / (1 + np.exp(-logits))
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2))
    nll = np.asarray(vae_module.bernoulli_nll(x, logits))
    np.testing.assert_allclose(nll, expected, rtol=1e-10)


def test_sampling_layer_draws_have_the_right_moments_and_reseeds():
    mean = tf.fill((50_000, 2), 1.5)
    log_var = tf.fill((50_000, 2), np.log(0.25).astype(np.float32))
    layer = Sampling(seed=3)
    z = np.asarray(layer([mean, log_var]))
    np.testing.assert_allclose(z.mean(axis=0), 1.5, atol=0.01)
    np.testing.assert_allclose(z.std(axis=0), 0.5, atol=0.01)
    assert not np.array_equal(np.asarray(layer([mean, log_var])), z)  # fresh noise
    layer.reseed(3)
    np.testing.assert_array_equal(np.asarray(layer([mean, log_var])), z)


def test_reparameterization_gives_encoder_gradients():
    """The reconstruction term alone reaches the encoder, log-variance head included."""
    encoder, decoder = build_networks(
        architecture="dense", input_shape=(16,), latent_dim=3, hidden=(8,), seed=0
    )
    model = VAEModel(encoder, decoder, seed=0)
    x = tf.constant((np.random.default_rng(0).uniform(size=(10, 16)) > 0.5), tf.float32)
    with tf.GradientTape() as tape:
        reconstruction, _ = model.loss_terms(x, training=True)
        loss = tf.reduce_mean(reconstruction)
    grads = tape.gradient(loss, encoder.trainable_weights)
    assert len(grads) == len(encoder.trainable_weights) > 0
    for weight, grad in zip(encoder.trainable_weights, grads, strict=True):
        assert grad is not None, weight.path
        assert np.any(np.asarray(grad) != 0), weight.path


# ---- training ------------------------------------------------------------------------
def test_training_lowers_the_loss(fitted):
    history = fitted.history_
    assert set(history) == {"loss", "reconstruction", "kl"}
    assert len(history["loss"]) == FAST["epochs"]
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    np.testing.assert_allclose(
        np.add(history["reconstruction"], history["kl"]), history["loss"], rtol=1e-4
    )


def test_same_seed_same_model(data, fitted):
    X, _ = data
    again = VAE(**FAST).fit(X)
    np.testing.assert_array_equal(again.sample(5, seed=1), fitted.sample(5, seed=1))
    assert again.history_ == fitted.history_


def test_validation_data_and_progress_lines(data, capsys):
    X, _ = data
    model = VAE(**{**FAST, "epochs": 3, "verbose": 2})
    model.fit(X[:60], validation_data=X[60:])
    assert {"val_loss", "val_reconstruction", "val_kl"} <= set(model.history_)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all("val_reconstruction" in line for line in lines)


def test_ctrl_c_keeps_the_weights_trained_so_far(data, monkeypatch, capsys):
    """A KeyboardInterrupt in the 2nd of 3 epochs (after its batches: Keras runs up to
    ``STEPS_PER_EXECUTION`` of them per call): the model keeps the trained weights and
    the finished epoch, says so, and the interrupt goes on."""

    class InterruptInTheSecondEpoch(vae_module._ProgressLine):
        def on_epoch_begin(self, epoch, logs=None):
            super().on_epoch_begin(epoch, logs)
            self.epoch_now = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch_now == 1:
                raise KeyboardInterrupt

    monkeypatch.setattr(vae_module, "_ProgressLine", InterruptInTheSecondEpoch)
    X, _ = data  # 80 rows: 3 batches of 32 per epoch
    model = VAE(**{**FAST, "epochs": 3, "verbose": 2})
    with pytest.raises(KeyboardInterrupt):
        model.fit(X)
    assert "1 finished epoch(s)" in capsys.readouterr().out
    assert len(model.history_["loss"]) == 1
    one_epoch = VAE(**{**FAST, "epochs": 1}).fit(X)
    assert model.sample(4, seed=0).shape == (4, 8, 8)
    assert not np.allclose(model.sample(4, seed=0), one_epoch.sample(4, seed=0))


def test_encode_decode_reconstruct_elbo_shapes(data, fitted):
    X, _ = data
    mean, log_var = fitted.encode(X)
    assert mean.shape == log_var.shape == (len(X), 2)
    decoded = fitted.decode(mean)
    assert decoded.shape == X.shape
    assert decoded.min() >= 0 and decoded.max() <= 1
    np.testing.assert_allclose(fitted.reconstruct(X), decoded)
    elbo = fitted.elbo(X)
    assert elbo.shape == (len(X),) and np.all(elbo < 0)


def test_elbo_is_reconstruction_log_likelihood_minus_kl(data, fitted):
    """The wrapper's loss terms are the model's: same Sampling draw, numpy maths."""
    X, _ = data
    mean, log_var = fitted.encode(X)
    z = np.asarray(Sampling(seed=5)([mean, log_var]))  # the draw loss_terms makes
    p = fitted.decode(z).astype(np.float64)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    log_likelihood = np.sum(X * np.log(p) + (1 - X) * np.log(1 - p), axis=(1, 2))
    var = np.exp(log_var.astype(np.float64))
    kl = 0.5 * np.sum(var + mean.astype(np.float64) ** 2 - 1 - np.log(var), axis=1)
    np.testing.assert_allclose(
        fitted.elbo(X, seed=5), log_likelihood - kl, rtol=1e-3, atol=1e-2
    )
    reconstruction, kl_term = fitted.loss_terms(X, seed=5)
    np.testing.assert_allclose(kl_term, kl, rtol=1e-4)
    np.testing.assert_allclose(-(reconstruction + kl_term), fitted.elbo(X, seed=5))
    assert not np.allclose(fitted.elbo(X, seed=6), fitted.elbo(X, seed=5))


def test_grey_levels_decode_without_overflow(fitted):
    with np.errstate(all="raise"):
        images = fitted.decode(np.full((2, 2), 1e4, np.float32))
    assert np.all((images >= 0) & (images <= 1))


def test_trained_model_beats_untrained(data, fitted):
    X, _ = data
    untrained = VAE(**{**FAST, "epochs": 1, "learning_rate": 1e-6}).fit(X)
    assert fitted.elbo(X).mean() > untrained.elbo(X).mean() + 5


def test_latent_grid(data, fitted):
    images, z = fitted.latent_grid(4)
    assert images.shape == (16, 8, 8) and z.shape == (16, 2)
    assert z[0, 0] < z[3, 0] and z[0, 1] > z[12, 1]  # x grows right, y grows up
    one_dimensional = VAE(**{**FAST, "latent_dim": 1, "epochs": 1}).fit(data[0])
    with pytest.raises(ValueError, match="latent_dim >= 2"):
        one_dimensional.latent_grid(4)


@pytest.mark.parametrize("channel_axis", [False, True])
def test_conv_architecture_keeps_the_image_shape(data, channel_axis):
    X, y = data
    X = X[..., None] if channel_axis else X
    model = VAE(**{**FAST, "architecture": "conv", "filters": (4, 8), "epochs": 2})
    model.fit(X, y)
    samples, labels = model.sample(3, y=1, seed=0)
    assert samples.shape == (3, *X.shape[1:])
    np.testing.assert_array_equal(labels, [1, 1, 1])
    assert model.reconstruct(X[:5], y[:5]).shape == X[:5].shape
    assert model.model_.encoder.input[0].shape[1:] == (8, 8, 1)


# ---- conditional ---------------------------------------------------------------------
def test_conditional_sampling_honours_y(fitted_conditional):
    """Class 0 draws look like horizontal bars, class 1 draws like vertical ones."""
    for c in (0, 1):
        samples, labels = fitted_conditional.sample(30, y=c, seed=c)
        np.testing.assert_array_equal(labels, np.full(30, c))
        spread_over_rows = samples.mean(axis=2).var(axis=1)
        spread_over_columns = samples.mean(axis=1).var(axis=1)
        horizontal = spread_over_rows > spread_over_columns
        assert np.mean(horizontal == (c == 0)) > 0.85
    wanted = np.array([1, 0, 1])
    _, labels = fitted_conditional.sample(3, y=wanted, seed=0)
    np.testing.assert_array_equal(labels, wanted)


def test_conditional_model_needs_labels_for_its_rows(data, fitted_conditional):
    X, y = data
    with pytest.raises(ValueError, match="needs the labels"):
        fitted_conditional.encode(X)
    with pytest.raises(ValueError, match="never seen"):
        fitted_conditional.decode(np.zeros((2, 2)), y=5)
    assert fitted_conditional.elbo(X, y).shape == (len(X),)


# ---- bad input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"architecture": "conv"}, np.zeros((10, 64)), "height, width"),
        ({"architecture": "conv"}, np.zeros((10, 10, 10)), "by 4"),
        ({"filters": ()}, np.zeros((10, 64)), "filters"),
        ({}, np.full((10, 64), np.nan), "NaN"),
        ({}, np.full((10, 64), 255.0), r"\[0, 1\]"),
        ({}, -np.ones((10, 64)), r"\[0, 1\]"),
        ({"latent_dim": 0}, np.zeros((10, 64)), "latent_dim"),
        ({"architecture": "rnn"}, np.zeros((10, 64)), "architecture"),
        ({"hidden": (0,)}, np.zeros((10, 64)), "hidden"),
        ({"beta": -1.0}, np.zeros((10, 64)), "beta"),
        ({"epochs": 0}, np.zeros((10, 64)), "epochs"),
        ({"learning_rate": 0.0}, np.zeros((10, 64)), "learning_rate"),
    ],
)
def test_bad_fit_input_raises(params, X, match):
    with pytest.raises(ValueError, match=match):
        VAE(**{**FAST, **params}).fit(X)


def test_a_float_latent_dim_is_a_value_error():
    with pytest.raises(ValueError, match="latent_dim"):
        VAE(**{**FAST, "latent_dim": 1.5}).fit(np.zeros((10, 64)))


def test_bad_input_to_a_fitted_model_raises(data, fitted):
    X, _ = data
    with pytest.raises(ValueError, match="features"):
        fitted.encode(np.zeros((3, 7, 7)))
    with pytest.raises(ValueError, match="features"):
        fitted.decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fitted.elbo(X * 255)
    with pytest.raises(ValueError, match="NaN"):
        fitted.reconstruct(np.full_like(X, np.nan))
    with pytest.raises(ValueError, match="without labels"):
        fitted.encode(X, y=np.zeros(len(X), int))
    with pytest.raises(ValueError, match="seed"):
        fitted.elbo(X, seed=-1)
    with pytest.raises(ValueError, match="rows of shape"):
        fitted.encode(X.reshape(len(X), 4, 16))


# ---- LatentSMOTE --------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits_with_a_rare_8():
    """UCI digits in [0, 1], the 8s cut to 8 images; the full training split too."""
    from course_lib import data

    X, y = data.load("uci_digits")
    X = data.to_unit(X)
    X_imb, y_imb = data.make_imbalanced(X, y, minority=8, ratio=0.06, seed=0)
    return X_imb, y_imb, X, y


def test_latent_smote_tops_up_a_rare_class_through_generator_sampler(
    digits_with_a_rare_8,
):
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    from course_lib.augment import GeneratorSampler
    from course_lib.classifiers import make_classifier

    X_imb, y_imb, X, y = digits_with_a_rare_8
    assert np.sum(y_imb == 8) == 8
    generator = vae_module.LatentSMOTE(seed=0)  # the default (cheap) training
    sampler = GeneratorSampler(generator, conditional=True, seed=0)
    X_res, y_res = sampler.fit_resample(X_imb, y_imb)
    counts = np.bincount(y_res)
    assert np.all(counts == counts.max()) and counts[8] == counts.max()
    fake = X_res[sampler.synthetic_mask_]
    assert fake.shape == (len(y_res) - len(y_imb), 8, 8)
    assert np.sum(y_res[sampler.synthetic_mask_] == 8) == counts.max() - 8
    assert fake.min() >= 0 and fake.max() <= 1
    np.testing.assert_array_equal(X_res[~sampler.synthetic_mask_], X_imb)

    fitted = sampler.generators_[8]
    assert fitted.codes_.shape == (len(X_imb), 16)  # every class was encoded
    eights, labels = fitted.sample(50, y=8, seed=1)
    np.testing.assert_array_equal(labels, np.full(50, 8))
    np.testing.assert_array_equal(eights, fitted.sample(50, y=8, seed=1)[0])
    assert not np.array_equal(eights, fitted.sample(50, y=8, seed=2)[0])
    # SMOTE among the 8s' codes: a classifier of real digits mostly reads 8s
    judge = make_classifier("logreg").fit(X, y)
    assert np.mean(judge.predict(eights) == 8) > 0.5
    with pytest.raises(NotFittedError):
        clone(fitted).sample(3, y=8)
    with pytest.raises(ValueError, match="k_neighbors"):
        vae_module.LatentSMOTE(k_neighbors=0).fit(X_imb, y_imb)
