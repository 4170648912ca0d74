"""Tests for course_lib.autoencoder: shapes, size, training, bad input."""

import keras
import numpy as np
import pytest

from course_lib.autoencoder import build_sparse_autoencoder


def test_code_is_8x8x1_and_reconstruction_matches_input():
    autoencoder, encoder, decoder = build_sparse_autoencoder(seed=0)
    X = np.random.default_rng(0).uniform(size=(4, 32, 32, 1)).astype("float32")
    assert encoder.predict(X, verbose=0).shape == (4, 8, 8, 1)
    out = autoencoder.predict(X, verbose=0)
    assert out.shape == X.shape
    assert np.all((out >= 0) & (out <= 1))
    assert autoencoder.count_params() == 334
    assert encoder.count_params() + decoder.count_params() == 334


def test_code_channels_widen_the_code():
    autoencoder, encoder, _ = build_sparse_autoencoder(code_channels=4, seed=0)
    X = np.zeros((2, 32, 32, 1), np.float32)
    assert encoder.predict(X, verbose=0).shape == (2, 8, 8, 4)
    # the second convolution gains 3 * 3 * 25 + 3 weights, the decoder's first 75
    assert autoencoder.count_params() == 334 + 228 + 75


def test_a_few_steps_lower_the_loss():
    autoencoder, _, _ = build_sparse_autoencoder(seed=0)
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    rng = np.random.default_rng(0)
    # smooth images: a low-resolution random pattern upsampled
    X = np.kron(rng.uniform(size=(64, 4, 4, 1)), np.ones((1, 8, 8, 1))).astype(
        "float32"
    )
    before = autoencoder.evaluate(X, X, verbose=0)
    autoencoder.fit(X, X, epochs=10, batch_size=8, shuffle=False, verbose=0)
    assert autoencoder.evaluate(X, X, verbose=0) < 0.5 * before


def test_seed_fixes_the_weights():
    a = build_sparse_autoencoder(seed=1)[0].get_weights()
    b = build_sparse_autoencoder(seed=1)[0].get_weights()
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)


def test_l1_penalty_is_in_the_loss():
    X = np.full((8, 32, 32, 1), 0.5, np.float32)
    plain = build_sparse_autoencoder(l1=0.0, seed=0)[0]
    sparse = build_sparse_autoencoder(l1=1e-2, seed=0)[0]
    assert sparse.evaluate(X, X, verbose=0) > plain.evaluate(X, X, verbose=0)


@pytest.mark.parametrize(
    "params",
    [
        {"l1": -1e-5},
        {"l1": "big"},
        {"code_channels": 0},
    ],
)
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        build_sparse_autoencoder(**params)
