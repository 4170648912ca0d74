"""Variational autoencoders: a dense or convolutional VAE (and conditional VAE).

A VAE learns an encoder ``q(z | x) = N(mean(x), diag(exp(log_var(x))))`` and a
decoder ``p(x | z)`` (here Bernoulli: one probability per pixel) by maximising the
evidence lower bound (ELBO), per sample and in nats::

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))  <=  log p(x)

Training minimises ``reconstruction + beta * KL`` where ``reconstruction`` is the binary
cross-entropy summed over pixels (``-log p(x | z)`` for one reparameterised draw
``z = mean + exp(log_var / 2) * eps``). ``beta = 1`` is the plain VAE; other values
trade reconstruction quality against a latent space closer to the prior (beta-VAE).

The networks follow keras-io's ``examples/generative/vae.py``: an encoder and a decoder
built with the functional API, handed to :class:`VAEModel`, a small ``keras.Model``
subclass whose custom ``train_step``/``test_step`` report each loss term by name.
:class:`VAE` wraps it in the course's generator API::

    vae = VAE(latent_dim=2, architecture="conv", epochs=10, seed=0).fit(X_unit)
    X_new = vae.sample(16, seed=0)               # decoder probabilities, shaped like X
    vae = VAE(architecture="conv", conditional=True).fit(X_unit, y)
    X_new, y_new = vae.sample(16, y=3, seed=0)    # sixteen 3s

Inputs are intensities in [0, 1] (``course_lib.data.to_unit``; binarize them with
``course_lib.data.binarize`` to make the ELBO a bound on the log-likelihood of binary
images, as in the TensorFlow tutorial).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ._base import BaseGenerator, check_array, check_labels, check_random_state

__all__ = [
    "VAE",
    "VAEModel",
    "bernoulli_nll",
    "build_networks",
    "kl_divergence",
    "reparameterize",
]

#: default ``hidden`` per architecture: dense layer widths / conv filters per level
DEFAULT_HIDDEN = {"dense": (128,), "conv": (16, 32)}
ARCHITECTURES = tuple(DEFAULT_HIDDEN)
_PREDICT_BATCH = 1024


# ---- the loss terms ----------------------------------------------------------------
def kl_divergence(mean, log_var):
    """KL divergence of ``N(mean, diag(exp(log_var)))`` from ``N(0, I)``, in nats.

    Closed form: ``-1/2 * sum(1 + log_var - mean**2 - exp(log_var))``.

    Parameters
    ----------
    mean, log_var : tensors, shape (n_samples, latent_dim)

    Returns
    -------
    tensor, shape (n_samples,)
    """
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def bernoulli_nll(x, logits):
    """Negative Bernoulli log-likelihood ``-log p(x | logits)`` per sample, in nats.

    This is the binary cross-entropy summed over every pixel (not averaged), computed
    from logits for numerical stability.

    Parameters
    ----------
    x : tensor, shape (n_samples, ...), values in [0, 1]
    logits : tensor, same shape as ``x``

    Returns
    -------
    tensor, shape (n_samples,)
    """
    cross_entropy = ops.binary_crossentropy(x, logits, from_logits=True)
    return ops.sum(cross_entropy, axis=tuple(range(1, len(cross_entropy.shape))))


def reparameterize(mean, log_var, seed=None):
    """Draw ``z = mean + exp(log_var / 2) * eps`` with ``eps ~ N(0, I)``.

    The draw is a differentiable function of ``mean`` and ``log_var`` (the
    reparameterization trick), so gradients reach the encoder.

    Parameters
    ----------
    mean, log_var : tensors, shape (n_samples, latent_dim)
    seed : int, ``keras.random.SeedGenerator`` or None

    Returns
    -------
    tensor, shape (n_samples, latent_dim)
    """
    eps = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


# ---- the networks ------------------------------------------------------------------
def build_networks(
    *,
    architecture: str,
    input_shape: tuple[int, ...],
    latent_dim: int,
    hidden: tuple[int, ...],
    n_classes: int = 0,
    seed=None,
) -> tuple[keras.Model, keras.Model]:
    """Build the encoder and decoder with the functional API.

    ``dense``: ``n_features -> hidden... -> (mean, log_var)`` and
    ``latent_dim -> reversed(hidden)... -> n_features`` (ReLU between layers).
    ``conv``: one stride-2 3x3 convolution per entry of ``hidden`` (its filters), then
    the two dense heads; the decoder mirrors it with transposed convolutions and a final
    3x3 convolution to the image channels. With ``n_classes > 0`` a one-hot label is
    concatenated to the encoder's features and to the decoder's input (a conditional
    VAE).

    Parameters
    ----------
    input_shape : (n_features,) for ``dense``, (height, width, channels) for ``conv``
    seed : int or None; each layer's initializer gets its own seed drawn from it.

    Returns
    -------
    encoder : keras.Model, ``x`` (and label) -> ``[mean, log_var]``, each
        (n, latent_dim)
    decoder : keras.Model, ``z`` (and label) -> logits, shape (n, *input_shape)
    """
    seeds = np.random.default_rng(seed) if seed is not None else None

    def init():
        if seeds is None:
            return "glorot_uniform"
        return keras.initializers.GlorotUniform(seed=int(seeds.integers(2**31 - 1)))

    def with_label(tensor, label):
        return tensor if label is None else layers.Concatenate()([tensor, label])

    x_in = keras.Input(shape=input_shape, name="x")
    z_in = keras.Input(shape=(latent_dim,), name="z")
    label_enc = keras.Input(shape=(n_classes,), name="label") if n_classes else None
    label_dec = keras.Input(shape=(n_classes,), name="label") if n_classes else None

    # encoder
    h = x_in
    if architecture == "dense":
        h = with_label(h, label_enc)
        for i, units in enumerate(hidden):
            h = layers.Dense(
                units, activation="relu", kernel_initializer=init(), name=f"dense_{i}"
            )(h)
    else:
        for i, filters in enumerate(hidden):
            h = layers.Conv2D(
                filters,
                3,
                strides=2,
                padding="same",
                activation="relu",
                kernel_initializer=init(),
                name=f"conv_{i}",
            )(h)
        h = with_label(layers.Flatten(name="flatten")(h), label_enc)
    mean = layers.Dense(latent_dim, kernel_initializer=init(), name="z_mean")(h)
    log_var = layers.Dense(latent_dim, kernel_initializer=init(), name="z_log_var")(h)
    encoder = keras.Model(
        [x_in, label_enc] if n_classes else x_in, [mean, log_var], name="encoder"
    )

    # decoder
    h = with_label(z_in, label_dec)
    if architecture == "dense":
        for i, units in enumerate(reversed(hidden)):
            h = layers.Dense(
                units, activation="relu", kernel_initializer=init(), name=f"dense_{i}"
            )(h)
        logits = layers.Dense(input_shape[0], kernel_initializer=init(), name="logits")(
            h
        )
    else:
        height, width, channels = input_shape
        scale = 2 ** len(hidden)
        grid = (height // scale, width // scale, hidden[-1])
        h = layers.Dense(
            int(np.prod(grid)),
            activation="relu",
            kernel_initializer=init(),
            name="dense_grid",
        )(h)
        h = layers.Reshape(grid, name="reshape")(h)
        for i, filters in enumerate(reversed(hidden)):
            h = layers.Conv2DTranspose(
                filters,
                3,
                strides=2,
                padding="same",
                activation="relu",
                kernel_initializer=init(),
                name=f"deconv_{i}",
            )(h)
        logits = layers.Conv2D(
            channels, 3, padding="same", kernel_initializer=init(), name="logits"
        )(h)
    decoder = keras.Model(
        [z_in, label_dec] if n_classes else z_in, logits, name="decoder"
    )
    return encoder, decoder


@keras.saving.register_keras_serializable(package="course_lib")
class VAEModel(keras.Model):
    """Encoder + decoder trained on ``reconstruction + beta * KL`` (a Keras model).

    ``fit`` takes batches of images ``x`` (or ``(x, one_hot_label)`` pairs when
    ``n_classes > 0``); ``train_step`` and ``test_step`` track the mean per-sample
    ``reconstruction`` (nats), ``kl`` (nats) and ``loss`` by name.

    Parameters
    ----------
    encoder, decoder : keras.Model, from :func:`build_networks`
    beta : weight of the KL term in the training loss
    n_classes : 0 for a VAE, the number of classes for a conditional VAE
    seed : int or None, seeds the reparameterisation noise
    state : str, JSON text kept with the model when it is saved (the :class:`VAE`
        wrapper stores its hyperparameters and fitted attributes there)
    """

    def __init__(
        self,
        encoder,
        decoder,
        *,
        beta=1.0,
        n_classes=0,
        seed=None,
        state="{}",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
        self.n_classes = int(n_classes)
        self.noise_seed = seed
        self.state = state
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True  # the encoder and decoder arrive built

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def _split(self, data):
        if self.n_classes:
            x, label = data
            return x, label
        if isinstance(data, (tuple, list)):
            data = data[0]
        return data, None

    def _wrap(self, tensor, label):
        return tensor if label is None else [tensor, label]

    def loss_terms(self, x, label=None, training=False):
        """Per-sample ``(reconstruction, kl)`` in nats for one reparameterised draw."""
        mean, log_var = self.encoder(self._wrap(x, label), training=training)
        z = reparameterize(mean, log_var, seed=self.seed_generator)
        logits = self.decoder(self._wrap(z, label), training=training)
        return bernoulli_nll(x, logits), kl_divergence(mean, log_var)

    def _record(self, reconstruction, kl):
        # per-sample values, so that every tracker weights the samples alike
        self.loss_tracker.update_state(reconstruction + self.beta * kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        x, label = self._split(data)
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(x, label, training=True)
            loss = ops.mean(reconstruction + self.beta * kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._record(reconstruction, kl)

    def test_step(self, data):
        x, label = self._split(data)
        reconstruction, kl = self.loss_terms(x, label, training=False)
        return self._record(reconstruction, kl)

    def call(self, inputs, training=False):
        """Reconstruction logits of the posterior mean (deterministic)."""
        x, label = self._split(inputs)
        mean, _ = self.encoder(self._wrap(x, label), training=training)
        return self.decoder(self._wrap(mean, label), training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            encoder=keras.saving.serialize_keras_object(self.encoder),
            decoder=keras.saving.serialize_keras_object(self.decoder),
            beta=self.beta,
            n_classes=self.n_classes,
            seed=self.noise_seed,
            state=self.state,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


class _ProgressLine(keras.callbacks.Callback):
    """One line per logged epoch: the loss terms and the epoch's wall time."""

    def __init__(self, epochs: int, every: int):
        super().__init__()
        self.epochs, self.every = epochs, every

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if done % self.every and done not in (1, self.epochs):
            return
        logs = logs or {}
        line = (
            f"epoch {done:>{len(str(self.epochs))}}/{self.epochs}  "
            f"loss {logs['loss']:8.2f}  reconstruction {logs['reconstruction']:8.2f}  "
            f"kl {logs['kl']:6.2f}"
        )
        if "val_loss" in logs:
            line += f"  | val loss {logs['val_loss']:8.2f}"
        print(f"{line}  ({time.perf_counter() - self._start:.1f} s)", flush=True)


# ---- the generator -----------------------------------------------------------------
class VAE(BaseGenerator):
    """Variational autoencoder with a Bernoulli decoder, as a course generator.

    Parameters
    ----------
    latent_dim : int >= 1, size of the latent code ``z``
    architecture : ``"dense"`` (any rows, flattened) or ``"conv"`` (images of shape
        (n, height, width) or (n, height, width, channels) with height and width
        divisible by ``2 ** len(hidden)``, i.e. by 4 with the default)
    hidden : tuple of ints, the dense layer widths (``dense``, default (128,)) or the
        filters of each stride-2 convolution (``conv``, default (16, 32)); the decoder
        mirrors them. ``None`` picks the default for the architecture.
    beta : float >= 0, weight of the KL term in the training loss (1 = plain VAE)
    conditional : None, True or False. ``None`` (default) follows the course's
        generator rule: ``fit(X, y)`` trains a conditional VAE (the one-hot label
        enters the encoder and the decoder; ``sample(n, y=...)`` draws chosen classes
        and returns ``(X_new, y_new)``) and ``fit(X)`` a plain VAE. ``True`` requires
        labels. ``False`` always trains a plain VAE: labels given to ``fit`` are
        checked, then ignored, and ``sample`` returns ``X_new`` only.
    epochs, batch_size, learning_rate : training length, minibatch size, Adam step
    seed : int or None; seeds the weight initialisation, the shuffling and the
        reparameterisation noise (None: Keras's global seed, see
        ``course_lib.config.seed_everything``). Sampling takes its own ``seed``.
    verbose : 0 silent; 1 about ten progress lines (first, every ``epochs // 10``-th,
        last epoch); 2 one line per epoch.

    Attributes
    ----------
    model_ : VAEModel, the trained Keras model (``model_.encoder``, ``model_.decoder``)
    history_ : dict of per-epoch lists: ``loss``, ``reconstruction``, ``kl`` (mean
        nats per sample over the epoch) and ``val_*`` with ``validation_data``
    input_shape_ : the shape of one row as the networks see it
    feature_shape_, n_features_in_, conditional_, classes_, class_prior_ : see
        :class:`~course_lib._base.BaseGenerator`
    """

    _api_input = "unit"
    _api_test_params = dict(
        latent_dim=2,
        hidden=(16,),
        epochs=20,
        batch_size=32,
        learning_rate=0.01,
        seed=0,
        verbose=0,
    )

    def __init__(
        self,
        *,
        latent_dim: int = 2,
        architecture: str = "dense",
        hidden: tuple[int, ...] | None = None,
        beta: float = 1.0,
        conditional: bool | None = None,
        epochs: int = 30,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        seed=None,
        verbose: int = 1,
    ):
        self.latent_dim = latent_dim
        self.architecture = architecture
        self.hidden = hidden
        self.beta = beta
        self.conditional = conditional
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.seed = seed
        self.verbose = verbose

    # ---- validation -----------------------------------------------------------------
    def _hidden(self) -> tuple[int, ...]:
        """Validate the hyperparameters; return ``hidden`` for the architecture."""
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ARCHITECTURES}, "
                f"got {self.architecture!r}"
            )
        for name, low in (("latent_dim", 1), ("epochs", 1), ("batch_size", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name} must be an integer, got {value!r}")
            if value < low:
                raise ValueError(f"{name} must be >= {low}, got {value}")
        if not np.isfinite(self.beta) or self.beta < 0:
            raise ValueError(f"beta must be a finite number >= 0, got {self.beta!r}")
        if not np.isfinite(self.learning_rate) or self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        hidden = self.hidden
        if hidden is None:
            hidden = DEFAULT_HIDDEN[self.architecture]
        hidden = tuple(np.atleast_1d(hidden).tolist())
        if not hidden or not all(
            isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden
        ):
            raise ValueError(
                "hidden must be a non-empty tuple of positive ints, "
                f"got {self.hidden!r}"
            )
        return hidden

    def _network_shape(self, shape: tuple[int, ...], hidden) -> tuple[int, ...]:
        """The shape of one row as the networks see it, from one row of X."""
        if self.architecture == "dense":
            return (int(np.prod(shape)),)
        if len(shape) not in (2, 3):
            raise ValueError(
                "a conv VAE needs images of shape (n, height, width) or "
                f"(n, height, width, channels), got rows of shape {shape}"
            )
        scale = 2 ** len(hidden)
        if shape[0] % scale or shape[1] % scale:
            raise ValueError(
                f"a conv VAE with {len(hidden)} stride-2 levels needs height and width "
                f"divisible by {scale}, got images of {shape[0]}x{shape[1]}"
            )
        return (shape[0], shape[1], shape[2] if len(shape) == 3 else 1)

    def _check_rows(self, X, name="X") -> np.ndarray:
        """Validate new rows for a fitted model; return them shaped for the networks.

        Rows must have the shape of the rows given to ``fit``, the networks' shape
        (e.g. with the channel axis of a conv VAE) or be flat (n, n_features).
        """
        self._check_fitted()
        X = check_array(
            X,
            name=name,
            min_samples=0,
            value_range=(0, 1),
            n_features=self.n_features_in_,
            dtype=np.float32,
        )
        if X.ndim != 2 and X.shape[1:] not in (self.feature_shape_, self.input_shape_):
            raise ValueError(
                f"{name} has rows of shape {X.shape[1:]}; the model was fitted on rows "
                f"of shape {self.feature_shape_}"
            )
        return X.reshape((X.shape[0], *self.input_shape_))

    def _one_hot(self, y, n: int) -> np.ndarray | None:
        """The one-hot labels the networks take (None for an unconditional model)."""
        if not self.conditional_:
            if y is not None:
                raise ValueError(
                    "this VAE was fitted without labels, so it takes no y; "
                    "fit(X, y) to make it a conditional VAE"
                )
            return None
        if y is None:
            raise ValueError("this conditional VAE needs the labels y of the rows")
        if np.ndim(y) == 0:
            labels = np.full(n, check_labels([y], 1)[0])
        else:
            labels = check_labels(y, n)
        index = np.searchsorted(self.classes_, labels)
        index = np.minimum(index, len(self.classes_) - 1)
        unseen = labels[self.classes_[index] != labels]
        if unseen.size:
            raise ValueError(
                f"label {unseen[0]} was never seen in fit; "
                f"known classes: {self.classes_.tolist()}"
            )
        return np.eye(len(self.classes_), dtype=np.float32)[index]

    # ---- fitting --------------------------------------------------------------------
    def fit(self, X, y=None, *, validation_data=None):
        """Train the VAE on rows of ``X`` (values in [0, 1]).

        Parameters
        ----------
        X : array, shape (n_samples, n_features) or (n_samples, height, width[, c])
        y : array of int, shape (n_samples,), or None. With labels the VAE is
            conditional, unless ``conditional=False`` (then they are ignored).
        validation_data : ``X_val`` or ``(X_val, y_val)``, evaluated after each epoch
            (``val_*`` entries of ``history_``).

        Returns
        -------
        self
        """
        hidden = self._hidden()
        if self.conditional not in (None, True, False):
            raise ValueError(
                f"conditional must be None, True or False, got {self.conditional!r}"
            )
        if self.conditional and y is None:
            raise ValueError(
                "conditional=True needs labels: call fit(X, y), or use "
                "conditional=None or False for an unconditional VAE"
            )
        ignored_labels = y if self.conditional is False else None
        X2d, y = self._validate_fit(
            X,
            None if self.conditional is False else y,
            value_range=(0, 1),
            dtype=np.float32,
        )
        if ignored_labels is not None:
            check_labels(ignored_labels, X2d.shape[0])
        self.input_shape_ = self._network_shape(self.feature_shape_, hidden)
        n_classes = len(self.classes_) if self.conditional_ else 0

        rng = check_random_state(self.seed) if self.seed is not None else None

        def next_seed():
            return None if rng is None else int(rng.integers(2**31 - 1))

        encoder, decoder = build_networks(
            architecture=self.architecture,
            input_shape=self.input_shape_,
            latent_dim=int(self.latent_dim),
            hidden=hidden,
            n_classes=n_classes,
            seed=next_seed(),
        )
        self.model_ = VAEModel(
            encoder,
            decoder,
            beta=self.beta,
            n_classes=n_classes,
            seed=next_seed(),
            name="vae",
        )
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate))

        train = self._dataset(
            X2d.reshape((X2d.shape[0], *self.input_shape_)),
            self._one_hot(y, X2d.shape[0]) if n_classes else None,
            shuffle=True,
            seed=next_seed(),
        )
        validation = None
        if validation_data is not None:
            X_val, y_val = (
                validation_data
                if isinstance(validation_data, tuple)
                else (validation_data, None)
            )
            X_val = self._check_rows(X_val, name="validation X")
            one_hot = self._one_hot(y_val, X_val.shape[0]) if n_classes else None
            validation = self._dataset(X_val, one_hot)

        callbacks = []
        if self.verbose:
            every = 1 if self.verbose >= 2 else max(1, self.epochs // 10)
            callbacks.append(_ProgressLine(self.epochs, every))
        history = self.model_.fit(
            train,
            epochs=self.epochs,
            validation_data=validation,
            shuffle=False,
            verbose=0,
            callbacks=callbacks,
        )
        self.history_ = {
            key: [float(v) for v in values] for key, values in history.history.items()
        }
        return self

    def _dataset(self, X, one_hot=None, *, shuffle=False, seed=None) -> tf.data.Dataset:
        data = X if one_hot is None else (X, one_hot)
        ds = tf.data.Dataset.from_tensor_slices(data)
        if shuffle:
            ds = ds.shuffle(X.shape[0], seed=seed, reshuffle_each_iteration=True)
        return ds.batch(int(self.batch_size)).prefetch(tf.data.AUTOTUNE)

    # ---- using the networks ---------------------------------------------------------
    def _run(self, network, inputs, one_hot) -> list[np.ndarray]:
        """Call ``network`` on ``inputs`` (and labels) in batches; arrays per output."""
        outputs = []
        for start in range(0, inputs.shape[0], _PREDICT_BATCH):
            batch = inputs[start : start + _PREDICT_BATCH]
            if one_hot is not None:
                batch = [batch, one_hot[start : start + _PREDICT_BATCH]]
            result = network(batch, training=False)
            if not isinstance(result, (list, tuple)):
                result = [result]
            outputs.append([np.asarray(r) for r in result])
        return [np.concatenate(parts) for parts in zip(*outputs, strict=True)]

    def encode(self, X, y=None):
        """The posterior ``q(z | x)`` of each row: its mean and log-variance.

        Parameters
        ----------
        X : array, shape (n_samples, ...) like the rows given to ``fit``
        y : labels of the rows (conditional VAE only)

        Returns
        -------
        mean, log_var : arrays of float32, shape (n_samples, latent_dim)
        """
        X = self._check_rows(X)
        one_hot = self._one_hot(y, X.shape[0])
        if X.shape[0] == 0:
            empty = np.zeros((0, self.latent_dim), np.float32)
            return empty, empty.copy()
        mean, log_var = self._run(self.model_.encoder, X, one_hot)
        return mean, log_var

    def _decode_logits(self, z, one_hot) -> np.ndarray:
        if z.shape[0] == 0:
            return np.zeros((0, *self.input_shape_), np.float32)
        return self._run(self.model_.decoder, z, one_hot)[0]

    def decode(self, z, y=None):
        """Decoder probabilities (the mean of ``p(x | z)``) for latent codes ``z``.

        Parameters
        ----------
        z : array, shape (n_samples, latent_dim)
        y : labels (conditional VAE only): an int or an array of n_samples labels

        Returns
        -------
        array of float32 in [0, 1], shape (n_samples, *feature_shape_)
        """
        self._check_fitted()
        z = check_array(
            z,
            name="z",
            ndim=2,
            min_samples=0,
            n_features=int(self.latent_dim),
            dtype=np.float32,
        )
        logits = self._decode_logits(z, self._one_hot(y, z.shape[0]))
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        return probabilities.reshape((z.shape[0], *self.feature_shape_))

    def reconstruct(self, X, y=None):
        """Decode the posterior mean of each row: array shaped like ``X``, in [0, 1]."""
        mean, _ = self.encode(X, y)
        return self.decode(mean, y)

    def loss_terms(self, X, y=None, *, n_samples: int = 1, seed=0):
        """Per-row reconstruction term and KL term of the ELBO, in nats.

        ``reconstruction = -E_q[log p(x | z)]`` is a Monte-Carlo estimate with
        ``n_samples`` reparameterised draws per row (drawn from ``seed``, so the
        result is reproducible); ``kl = KL(q(z | x) || N(0, I))`` is exact.

        Parameters
        ----------
        X : array, shape (n_rows, ...) like the rows given to ``fit``, in [0, 1]
        y : labels of the rows (conditional VAE only)

        Returns
        -------
        reconstruction, kl : arrays of float64, shape (n_rows,)
        """
        X = self._check_rows(X)
        one_hot = self._one_hot(y, X.shape[0])
        if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
        rng = check_random_state(seed)
        if X.shape[0] == 0:
            return np.zeros(0), np.zeros(0)
        mean, log_var = self._run(self.model_.encoder, X, one_hot)
        kl = np.asarray(
            kl_divergence(mean.astype(np.float64), log_var.astype(np.float64))
        )
        reconstruction = np.zeros(X.shape[0])
        for _ in range(n_samples):
            eps = rng.standard_normal(mean.shape).astype(np.float32)
            logits = self._decode_logits(mean + np.exp(0.5 * log_var) * eps, one_hot)
            reconstruction += np.asarray(bernoulli_nll(X, logits), dtype=np.float64)
        return reconstruction / n_samples, kl

    def elbo(self, X, y=None, *, n_samples: int = 1, seed=0):
        """Per-row evidence lower bound ``E_q[log p(x | z)] - KL(q(z | x) || p(z))``.

        ``-(reconstruction + kl)`` from :meth:`loss_terms`: in nats, with
        ``beta = 1`` whatever ``beta`` trained the model. For binary ``X`` it is a
        lower bound on ``log p(x)`` (``log p(x | y)`` for a conditional VAE).

        Returns
        -------
        array of float64, shape (n_rows,)
        """
        reconstruction, kl = self.loss_terms(X, y, n_samples=n_samples, seed=seed)
        return -(reconstruction + kl)

    def sample(self, n, y=None, seed=None):
        """Draw ``z ~ N(0, I)`` (from ``seed``) and decode it.

        Returns the decoder's probabilities (the mean image of ``p(x | z)``), not
        Bernoulli draws, shaped like the rows given to ``fit``.

        Parameters
        ----------
        n : int, number of samples
        y : None, int or array of n labels (conditional VAE only; None draws labels
            from the training class frequencies)
        seed : None, int or numpy.random.Generator

        Returns
        -------
        X_new : array of float32, shape (n, *feature_shape_); with ``(X_new, y_new)``
            for a conditional VAE
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        z = rng.standard_normal((n, int(self.latent_dim))).astype(np.float32)
        X_new = self.decode(z, labels).reshape(n, self.n_features_in_)
        return self._finish_sample(X_new, labels)

    def latent_grid(self, n: int = 15, *, y=None, dims=(0, 1), low=0.05, high=0.95):
        """Decode an ``n`` x ``n`` grid of latent points, for a latent traversal plot.

        The grid spans the prior's quantiles ``low..high`` along latent dimensions
        ``dims`` (others at 0): left to right ``z[dims[0]]`` increases, top to bottom
        ``z[dims[1]]`` decreases, so the grid reads like a scatter plot of ``z``.

        Returns
        -------
        images : array, shape (n * n, *feature_shape_), row-major
        z : array, shape (n * n, latent_dim)
        """
        from scipy.stats import norm

        self._check_fitted()
        first, second = (int(d) for d in dims)
        if first == second or not (
            0 <= first < self.latent_dim and 0 <= second < self.latent_dim
        ):
            raise ValueError(
                "dims must be two different latent dimensions in "
                f"0..{self.latent_dim - 1}, got {dims!r}"
            )
        values = norm.ppf(np.linspace(low, high, n)).astype(np.float32)
        z = np.zeros((n * n, int(self.latent_dim)), np.float32)
        z[:, first] = np.tile(values, n)
        z[:, second] = np.repeat(values[::-1], n)
        return self.decode(z, y), z

    # ---- saving ---------------------------------------------------------------------
    _FITTED = (
        "feature_shape_",
        "n_features_in_",
        "conditional_",
        "input_shape_",
        "classes_",
        "class_counts_",
        "class_prior_",
        "history_",
    )

    def save(self, path) -> Path:
        """Save the fitted VAE to one ``.keras`` file (weights, parameters, state)."""
        self._check_fitted()
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"the file name must end in .keras, got {path.name!r}")
        params = self.get_params()
        if params["hidden"] is not None:
            params["hidden"] = list(self._hidden())
        if not isinstance(params["seed"], (int, np.integer, type(None))):
            params["seed"] = None  # a numpy Generator cannot be stored
        fitted = {}
        for name in self._FITTED:
            if hasattr(self, name):
                value = getattr(self, name)
                if isinstance(value, np.ndarray):
                    value = value.tolist()
                fitted[name] = value
        self.model_.state = json.dumps(
            {"params": params, "fitted": fitted}, default=_json_default
        )
        self.model_.save(path)
        return path

    @classmethod
    def load(cls, path) -> VAE:
        """Load a VAE written by :meth:`save`; it gives the original's outputs."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no saved VAE at {path}")
        model = keras.saving.load_model(path, compile=False)
        if not isinstance(model, VAEModel):
            raise ValueError(f"{path} holds a {type(model).__name__}, not a VAE")
        state = json.loads(model.state)
        params = state["params"]
        if params.get("hidden") is not None:
            params["hidden"] = tuple(params["hidden"])
        vae = cls(**params)
        for name, value in state["fitted"].items():
            if name in ("classes_", "class_counts_"):
                value = np.asarray(value, dtype=np.int64)
            elif name == "class_prior_":
                value = np.asarray(value, dtype=np.float64)
            elif name in ("feature_shape_", "input_shape_"):
                value = tuple(value)
            setattr(vae, name, value)
        vae.model_ = model
        return vae


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot store {type(value).__name__} in a saved VAE")
