import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import NotFittedError

from course_lib import unit
from course_lib.metrics import clustering_accuracy
from course_lib.unit import UNIT

SMALL = dict(latent_dim=4, hidden=(32, 16), batch_size=8, seed=0)


def domains(n=24, seed=0):
    """Two toy domains of 8x8 images: bars (a) and their column version (b)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.uniform(0, 0.1, (n, 8, 8)).astype(np.float32)
    for i, k in enumerate(y):
        X[i, 2 * k : 2 * k + 2] = 0.9
    return X, np.swapaxes(X, 1, 2).copy(), y


def networks(architecture="dense", n_classes=0):
    return unit.build_networks(
        architecture=architecture,
        image_shape=(8, 8, 1),
        latent_dim=4,
        hidden=(32, 16),
        filters=(4, 8),
        n_classes=n_classes,
        seed=0,
    )


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_shared_layers_are_one_object(architecture):
    nets = networks(architecture)
    enc_a, enc_b = nets["encoder_a"], nets["encoder_b"]
    dec_a, dec_b = nets["decoder_a"], nets["decoder_b"]
    assert enc_a.get_layer("shared_mean") is enc_b.get_layer("shared_mean")
    assert dec_a.get_layer("shared_dense") is dec_b.get_layer("shared_dense")
    assert enc_a.layers[1] is not enc_b.layers[1]  # the first layers are private
    assert dec_a.layers[-1] is not dec_b.layers[-1]


def test_one_step_moves_the_shared_weights_once():
    import keras

    nets = networks()
    weights = dict(
        gan=10, kl=0.1, reconstruction=100, cycle_kl=0.1, cycle_reconstruction=100
    )
    model = unit.UNITModel(nets, weights, seed=0)
    lr = 1e-3
    model.compile(
        d_optimizer=keras.optimizers.Adam(lr), g_optimizer=keras.optimizers.Adam(lr)
    )
    shared = nets["encoder_a"].get_layer("shared_mean").kernel
    n_ids = {id(v) for v in model.g_variables}
    assert len(n_ids) == len(model.g_variables)  # de-duplicated
    assert id(shared) in n_ids
    before = shared.numpy()
    X_a, X_b, _ = domains(8)
    logs = model.train_step((X_a[..., None], X_b[..., None]))
    step = np.abs(shared.numpy() - before)
    # Adam's first step moves each weight by about lr * sign(gradient): once, not twice
    assert step.max() <= lr * 1.001
    assert np.median(step) > 0.5 * lr
    assert int(model.g_optimizer.iterations) == 1
    assert all(np.isfinite(float(v)) for v in logs.values())


def test_loss_terms_finite_and_training_lowers_the_total():
    X_a, X_b, y = domains(32)
    model = UNIT(**SMALL, epochs=40, learning_rate=1e-3).fit(X_a, X_b)
    history = model.history_
    for term in (*unit.LOSS_TERMS, "d_loss", "g_loss"):
        assert np.all(np.isfinite(history[term])), term
    assert np.mean(history["g_loss"][-5:]) < 0.8 * history["g_loss"][0]
    assert history["reconstruction"][-1] < history["reconstruction"][0]
    # within a domain the latent codes keep the classes apart (k-means finds them)
    clusters = KMeans(3, n_init=4, random_state=0).fit_predict(model.encode(X_a, "a"))
    assert clustering_accuracy(y, clusters) > 0.9


def test_shapes_determinism_and_clone():
    X_a, X_b, _ = domains()
    model = UNIT(**SMALL, epochs=2).fit(X_a, X_b)
    assert model.encode(X_a[:5], "a").shape == (5, 4)
    assert model.translate(X_a[:5], source="a").shape == (5, 8, 8)
    assert model.translate(X_b[:3], source="b").shape == (3, 8, 8)
    assert model.cycle(X_a[:3], "a").shape == (3, 8, 8)
    decoded = model.decode(np.zeros((6, 4)), "b")
    assert decoded.shape == (6, 8, 8) and decoded.min() >= 0 and decoded.max() <= 1
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "model_")
    twin.fit(X_a, X_b)
    np.testing.assert_allclose(
        twin.translate(X_a, "a"), model.translate(X_a, "a"), atol=1e-5
    )


def test_conv_unit_fits_and_translates():
    X_a, X_b, _ = domains(16)
    model = UNIT(latent_dim=4, architecture="conv", filters=(4, 8), batch_size=8,
                 epochs=1, seed=0).fit(X_a, X_b)  # fmt: skip
    assert model.translate(X_a[:3], "a").shape == (3, 8, 8)
    assert np.all(np.isfinite(model.history_["g_loss"]))
    with pytest.raises(ValueError, match="divisible"):
        UNIT(architecture="conv", filters=(4, 4, 4, 4), epochs=1).fit(X_a, X_b)


def test_labels_train_a_latent_head():
    X_a, X_b, y = domains(48)
    y_a = np.where(np.arange(48) % 2 == 0, y, -1)  # half the rows labelled
    model = UNIT(**SMALL, epochs=30, learning_rate=1e-3).fit(X_a, X_b, y_a, y)
    assert "classifier" in model.history_
    assert np.mean(model.predict(X_a, "a") == y) > 0.9
    assert np.mean(model.predict(X_b, "b") == y) > 0.9
    with pytest.raises(ValueError, match="without labels"):
        UNIT(**SMALL, epochs=1).fit(X_a, X_b).predict(X_a, "a")


def test_ctrl_c_keeps_the_finished_epochs(monkeypatch, capsys):
    X_a, X_b, _ = domains()

    class InterruptAfterTheSecondEpoch(keras.callbacks.History):
        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            if epoch == 1:
                raise KeyboardInterrupt

    monkeypatch.setattr(keras.callbacks, "History", InterruptAfterTheSecondEpoch)
    model = UNIT(**SMALL, epochs=5, verbose=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X_a, X_b)
    assert "2 finished epoch(s)" in capsys.readouterr().out
    assert len(model.history_["g_loss"]) == 2 and model.n_steps_ == 6
    assert model.translate(X_a[:2], "a").shape == (2, 8, 8)


def test_bad_input_raises():
    X_a, X_b, y = domains()
    model = UNIT(**SMALL, epochs=1)
    with pytest.raises(NotFittedError):
        model.translate(X_a, "a")
    with pytest.raises(ValueError, match="shape"):
        model.fit(X_a, X_b[:, :6, :6])
    bad = X_a.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, X_b)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.fit(X_a * 255, X_b)
    with pytest.raises(ValueError, match="both domains"):
        model.fit(X_a, X_b, y_a=y)
    with pytest.raises(ValueError, match="architecture"):
        UNIT(architecture="resnet").fit(X_a, X_b)
    with pytest.raises(ValueError, match="hidden"):
        UNIT(hidden=(0,)).fit(X_a, X_b)
    model.fit(X_a, X_b)
    for call in (
        lambda: model.translate(X_a, source="c"),
        lambda: model.encode(X_a, "A"),
        lambda: model.decode(np.zeros((2, 4)), "x"),
    ):
        with pytest.raises(ValueError, match="domain"):
            call()
    with pytest.raises(ValueError, match="shape"):
        model.translate(X_a[:, :4, :4], "a")
