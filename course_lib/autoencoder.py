"""The sparse convolutional autoencoder of notebook 05 (the original study's network).

A 32x32x1 image is squeezed to an 8x8x1 *code* and expanded back::

    encoder: conv 5x5, 3 filters, ReLU, L1 activity penalty -> max-pool 2
             -> conv 5x5, 1 filter -> max-pool 2                  = code, 8x8x1
    decoder: conv 5x5, 1 filter -> upsample 2 -> conv 5x5, 3 filters
             -> upsample 2 -> conv 5x5, 1 filter, sigmoid          = 32x32x1

334 weights in all. Trained with Adam on the mean squared error between image and
reconstruction; the L1 penalty on the first layer's activations (weight ``l1``) pushes
most of them to exactly zero, a *sparse* representation. Only that layer has a ReLU
(and the output a sigmoid): a ReLU on the one-filter layers can switch off for every
input early in training, and then no gradient ever revives it (with some seeds the
whole network then outputs one constant image). The notebook writes this
network out layer by layer; :func:`build_sparse_autoencoder` is the same network,
used by the tests and to check the notebook's version.
"""

from __future__ import annotations

import numbers

import keras
from keras import layers

from ._base import check_param

__all__ = ["build_sparse_autoencoder"]


def build_sparse_autoencoder(*, l1: float = 1e-5, code_channels: int = 1, seed=None):
    """Build and compile the sparse conv autoencoder for 32x32x1 images (Adam, step
    1e-3).

    Parameters
    ----------
    l1 : float >= 0
        weight of the L1 activity penalty on the first convolution's output.
    code_channels : int >= 1
        filters of the second convolution: the code is (8, 8, code_channels); the
        study's network has 1 (notebook 05's exercise 3 tries 4).
    seed : int or None
        seeds the weight initialisers (no global random state is touched).

    Returns
    -------
    autoencoder : keras.Model, image -> reconstruction, compiled (Adam, MSE)
    encoder : keras.Model, image -> code of shape (8, 8, code_channels)
    decoder : keras.Model, code -> image
    """
    check_param(l1, "l1", numbers.Real, min_val=0)
    check_param(code_channels, "code_channels", numbers.Integral, min_val=1)
    # Seeds seed, seed + 1, ... rather than _base.seed_stream, so that notebook 05's
    # committed figures (seed 0) stay reproducible; the notebook trains several seeds
    # because its AE-over-PCA comparison moves with the initial weights.
    seeds = iter(range(seed, seed + 6)) if seed is not None else None

    def conv(filters, activation=None, **kwargs):
        init = keras.initializers.GlorotUniform(None if seeds is None else next(seeds))
        return layers.Conv2D(filters, 5, padding="same", activation=activation,
                             kernel_initializer=init, **kwargs)  # fmt: skip

    image = keras.Input((32, 32, 1))
    h = conv(3, "relu", activity_regularizer=keras.regularizers.L1(l1))(image)
    h = layers.MaxPooling2D(2)(h)
    h = conv(code_channels)(h)
    code = layers.MaxPooling2D(2)(h)
    encoder = keras.Model(image, code, name="encoder")

    code_in = keras.Input(code.shape[1:])
    h = conv(1)(code_in)
    h = layers.UpSampling2D(2)(h)
    h = conv(3)(h)
    h = layers.UpSampling2D(2)(h)
    reconstruction = conv(1, "sigmoid")(h)
    decoder = keras.Model(code_in, reconstruction, name="decoder")

    autoencoder = keras.Model(image, decoder(encoder(image)), name="sparse_autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    return autoencoder, encoder, decoder
