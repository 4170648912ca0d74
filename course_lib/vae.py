"""Variational autoencoders: a dense or convolutional VAE (and conditional VAE).

A VAE learns an encoder ``q(z | x) = N(mean(x), diag(exp(log_var(x))))`` and a
decoder ``p(x | z)`` (here Bernoulli: one probability per pixel) by maximising the
evidence lower bound (ELBO), per sample::

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I))  <=  log p(x)

Training minimises ``reconstruction + beta * KL`` where ``reconstruction`` is the binary
cross-entropy summed over pixels (``-log p(x | z)`` for one reparameterised draw
``z = mean + exp(log_var / 2) * eps``, the :class:`Sampling` layer). ``beta = 1`` is the
plain VAE; other values trade reconstruction against a latent space closer to the
prior (beta-VAE). For binary images the terms are in nats and the ELBO bounds
``log p(x)``; for grey levels in [0, 1] the cross-entropy is a training loss, not a
log-likelihood (binarize with ``course_lib.data.binarize`` to get one).

The networks follow keras-io's ``examples/generative/vae.py``: an encoder and a decoder
built with the functional API, handed to :class:`VAEModel`, a small ``keras.Model``
subclass whose custom ``train_step`` reports each loss term by name. :class:`VAE`
wraps it in the course's generator API (validation, seeding, conditioning, sampling)::

    vae = VAE(latent_dim=2, architecture="conv", epochs=10, seed=0).fit(X_unit)
    X_new = vae.sample(16, seed=0)               # decoder probabilities, shaped like X
    vae = VAE(architecture="conv").fit(X_unit, y)  # with labels: a conditional VAE
    X_new, y_new = vae.sample(16, y=3, seed=0)    # sixteen 3s
"""

from __future__ import annotations

import time
from numbers import Integral

import keras
import numpy as np
import tensorflow as tf
from imblearn.over_sampling import SMOTE
from keras import layers, ops
from scipy.special import expit
from scipy.stats import norm

from ._base import (
    STEPS_PER_EXECUTION,
    BaseGenerator,
    as_rng,
    check_array,
    check_choice,
    check_known,
    check_labels,
    check_layer_sizes,
    check_param,
    check_training_params,
    fit_keras,
    forget_fit,
    history_dict,
    seed_stream,
    store_params,
)

__all__ = ["VAE", "VAEModel", "Sampling", "bernoulli_nll", "build_networks"]
__all__ += ["kl_divergence", "LatentSMOTE"]

ARCHITECTURES = ("dense", "conv")
PREDICT_BATCH = 1024


# ---- the loss terms ----------------------------------------------------------------
def kl_divergence(mean, log_var):
    """KL divergence of ``N(mean, diag(exp(log_var)))`` from ``N(0, I)`` per row.

    Closed form: ``-1/2 * sum(1 + log_var - mean**2 - exp(log_var))``; tensors of shape
    (n_samples, latent_dim) in, shape (n_samples,) out.
    """
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)


def bernoulli_nll(x, logits):
    """``-log p(x | logits)`` per sample: binary cross-entropy summed over pixels.

    Computed from logits for numerical stability; ``x`` in [0, 1] and ``logits`` of the
    same shape (n_samples, ...); returns shape (n_samples,).
    """
    cross_entropy = ops.binary_crossentropy(x, logits, from_logits=True)
    return ops.sum(ops.reshape(cross_entropy, (ops.shape(x)[0], -1)), axis=-1)


class Sampling(layers.Layer):
    """The reparameterization trick: ``z = mean + exp(log_var / 2) * eps``.

    ``eps ~ N(0, I)`` comes from the layer's own seeded generator, so the draw is a
    differentiable function of ``mean`` and ``log_var`` and gradients reach the encoder.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def reseed(self, seed: int):
        """Restart the noise sequence from ``seed`` (reproducible evaluation)."""
        state = self.seed_generator.state
        state.assign(ops.convert_to_tensor([seed, 0], dtype=state.dtype))

    def call(self, inputs):
        mean, log_var = inputs
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * eps


# ---- the networks ------------------------------------------------------------------
def build_networks(
    *,
    architecture,
    input_shape,
    latent_dim,
    hidden=(128,),
    filters=(16, 32),
    n_classes=0,
    seed=None,
) -> tuple[keras.Model, keras.Model]:
    """Build the encoder and decoder with the functional API.

    ``dense``: ``n_features -> hidden... -> (mean, log_var)`` and
    ``latent_dim -> reversed(hidden)... -> n_features`` (ReLU between layers).
    ``conv``: one stride-2 3x3 convolution per entry of ``filters``, then
    the two dense heads; the decoder mirrors it with transposed convolutions and a final
    3x3 convolution to the image channels. With ``n_classes > 0`` a one-hot label is
    concatenated to the encoder's features and to the decoder's input (a conditional
    VAE). ``seed`` seeds every layer's initializer (one seed each).

    Returns ``encoder`` (``x`` [and label] -> ``[mean, log_var]``) and ``decoder``
    (``z`` [and label] -> logits of shape (n, *input_shape)).
    """
    next_seed = seed_stream(seed)

    def layer(kind, *args, **kwargs):
        init = keras.initializers.GlorotUniform(next_seed())
        return kind(*args, kernel_initializer=init, **kwargs)

    def inputs(shape, name):
        x = keras.Input(shape=shape, name=name)
        label = keras.Input(shape=(n_classes,), name="label") if n_classes else None
        return ([x, label] if n_classes else x), x, label

    def with_label(tensor, label):
        return tensor if label is None else layers.Concatenate()([tensor, label])

    relu = dict(activation="relu")
    conv = dict(strides=2, padding="same", activation="relu")
    enc_in, h, label = inputs(input_shape, "x")
    if architecture == "dense":
        h = with_label(h, label)
        for units in hidden:
            h = layer(layers.Dense, units, **relu)(h)
    else:
        for n_filters in filters:
            h = layer(layers.Conv2D, n_filters, 3, **conv)(h)
        h = with_label(layers.Flatten()(h), label)
    mean = layer(layers.Dense, latent_dim, name="z_mean")(h)
    log_var = layer(layers.Dense, latent_dim, name="z_log_var")(h)
    encoder = keras.Model(enc_in, [mean, log_var], name="encoder")

    dec_in, h, label = inputs((latent_dim,), "z")
    h = with_label(h, label)
    if architecture == "dense":
        for units in reversed(hidden):
            h = layer(layers.Dense, units, **relu)(h)
        logits = layer(layers.Dense, input_shape[0], name="logits")(h)
    else:
        height, width, channels = input_shape
        grid = (height >> len(filters), width >> len(filters), filters[-1])
        h = layers.Reshape(grid)(layer(layers.Dense, int(np.prod(grid)), **relu)(h))
        for n_filters in reversed(filters):
            h = layer(layers.Conv2DTranspose, n_filters, 3, **conv)(h)
        logits = layer(layers.Conv2D, channels, 3, padding="same", name="logits")(h)
    return encoder, keras.Model(dec_in, logits, name="decoder")


class VAEModel(keras.Model):
    """Encoder + decoder trained on ``reconstruction + beta * KL`` (a Keras model).

    ``fit`` takes batches of images ``x`` (or ``(x, one_hot_label)`` pairs when
    ``n_classes > 0``); ``train_step`` and ``test_step`` track the mean per-sample
    ``loss``, ``reconstruction`` and ``kl`` by name; ``predict`` returns the per-sample
    ``(reconstruction, kl)`` of one reparameterised draw.

    Parameters
    ----------
    encoder, decoder : keras.Model, from :func:`build_networks`
    beta : weight of the KL term in the training loss
    n_classes : 0 for a VAE, the number of classes for a conditional VAE
    seed : int or None, seeds the reparameterisation noise (:class:`Sampling`)
    """

    def __init__(self, encoder, decoder, *, beta=1.0, n_classes=0, seed=None, **kw):
        super().__init__(**kw)
        self.encoder, self.decoder = encoder, decoder
        self.beta, self.n_classes = float(beta), int(n_classes)
        self.sampling = Sampling(seed)
        names = ("loss", "reconstruction", "kl")
        self.trackers = [keras.metrics.Mean(name=name) for name in names]

    @property
    def metrics(self):
        return self.trackers

    def _inputs(self, data, tensor):
        """``tensor`` with the batch's label attached (conditional models)."""
        return [tensor, data[1]] if self.n_classes else tensor

    def loss_terms(self, data, training=False):
        """Per-sample ``(reconstruction, kl)`` for one reparameterised draw."""
        x = data[0] if self.n_classes else data
        mean, log_var = self.encoder(self._inputs(data, x), training=training)
        z = self.sampling([mean, log_var])
        logits = self.decoder(self._inputs(data, z), training=training)
        return bernoulli_nll(x, logits), kl_divergence(mean, log_var)

    def _record(self, reconstruction, kl):
        values = (reconstruction + self.beta * kl, reconstruction, kl)
        for tracker, value in zip(self.trackers, values, strict=True):
            tracker.update_state(value)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(data, training=True)
            loss = ops.mean(reconstruction + self.beta * kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._record(reconstruction, kl)

    def test_step(self, data):
        return self._record(*self.loss_terms(data))

    def predict_step(self, data):
        return self.loss_terms(data)


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
        line = f"epoch {done:>{len(str(self.epochs))}}/{self.epochs}  " + "  ".join(
            f"{key} {value:7.2f}" for key, value in logs.items()
        )
        print(f"{line}  ({time.perf_counter() - self._start:.1f} s)", flush=True)


# ---- the generator -----------------------------------------------------------------
class VAE(BaseGenerator):
    """Variational autoencoder with a Bernoulli decoder, as a course generator.

    ``fit(X)`` trains a plain VAE; ``fit(X, y)`` a conditional one (the one-hot label
    enters the encoder and the decoder; ``sample(n, y=...)`` draws chosen classes and
    returns ``(X_new, y_new)``).

    Parameters
    ----------
    latent_dim : int >= 1, size of the latent code ``z``
    architecture : ``"dense"`` (any rows, flattened) or ``"conv"`` (images of shape
        (n, height, width[, channels]), height and width divisible by
        ``2 ** len(filters)``)
    hidden : tuple of ints, the widths of the hidden dense layers (``dense`` only);
        the decoder mirrors them
    filters : tuple of ints, the filters of each stride-2 convolution (``conv``
        only); the decoder mirrors them
    beta : float >= 0, weight of the KL term in the training loss (1 = plain VAE)
    epochs, batch_size, learning_rate : training length, minibatch size, Adam step
    seed : int or None; seeds the weight initialisation, the shuffling and the
        reparameterisation noise (None: Keras's global seed). ``sample`` takes its
        own ``seed``.
    verbose : 0 silent; 1 about ten progress lines; 2 one line per epoch.

    Attributes
    ----------
    model_ : VAEModel, the trained Keras model (``model_.encoder``, ``model_.decoder``)
    history_ : dict of per-epoch lists: ``loss``, ``reconstruction``, ``kl`` (means
        per sample over the epoch) and ``val_*`` with ``validation_data``
    input_shape_ : the shape of one row as the networks see it
    """

    def __init__(
        self,
        *,
        latent_dim: int = 2,
        architecture: str = "dense",
        hidden: tuple[int, ...] = (128,),
        filters: tuple[int, ...] = (16, 32),
        beta: float = 1.0,
        epochs: int = 30,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        seed=None,
        verbose: int = 1,
    ):
        store_params(self, locals())

    # ---- validation -----------------------------------------------------------------
    def _check_params(self):
        check_training_params(self, integers=("latent_dim",), nonnegative=("beta",))
        check_choice(self.architecture, "architecture", ARCHITECTURES)
        check_layer_sizes(self.hidden, "hidden")
        check_layer_sizes(self.filters, "filters")

    def _network_shape(self, shape) -> tuple[int, ...]:
        """One training row's shape as the networks see it."""
        if self.architecture == "dense":
            return (int(np.prod(shape)),)
        scale = 2 ** len(self.filters)
        if len(shape) not in (2, 3) or shape[0] % scale or shape[1] % scale:
            raise ValueError(
                "a conv VAE needs images of shape (n, height, width[, channels]) with "
                f"height and width divisible by {scale}, got rows of shape {shape}"
            )
        return (*shape[:2], shape[2] if len(shape) == 3 else 1)

    def _inputs(self, X, y=None, name="X", fitted=None):
        """Validate rows; return the networks' input (and one-hot labels). ``fitted``
        describes the model (its learned attributes; during ``fit`` the ones it is
        about to set)."""
        if fitted is None:
            self._check_fitted()
            fitted = vars(self)
        X = check_array(
            X,
            name=name,
            min_samples=0,
            value_range=(0, 1),
            n_features=fitted["n_features_in_"],
            dtype=np.float32,
        )
        shapes = (fitted["feature_shape_"], fitted["input_shape_"])
        if X.ndim > 2 and X.shape[1:] not in shapes:
            raise ValueError(
                f"{name} has rows of shape {X.shape[1:]}; the model was fitted on rows "
                f"of shape {shapes[0]}"
            )
        X = X.reshape((len(X), *shapes[1]))
        one_hot = self._one_hot(y, len(X), fitted.get("classes_"))
        return X if one_hot is None else (X, one_hot)

    def _dataset(self, inputs, batch_size=PREDICT_BATCH, seed=None):
        """A batched ``tf.data.Dataset`` of network inputs (shuffled with a seed)."""
        data = tf.data.Dataset.from_tensor_slices(inputs)
        if seed is not None:
            data = data.shuffle(len(data), seed=seed, reshuffle_each_iteration=True)
        return data.batch(int(batch_size)).prefetch(tf.data.AUTOTUNE)

    def _one_hot(self, y, n: int, classes) -> np.ndarray | None:
        """The one-hot labels the networks take (None for an unconditional model)."""
        if classes is None:
            if y is not None:
                raise ValueError("this VAE was fitted without labels, so it takes no y")
            return None
        if y is None:
            raise ValueError("this conditional VAE needs the labels y of the rows")
        labels = check_labels(np.full(n, y) if np.ndim(y) == 0 else y, n)
        check_known(labels, classes)
        index = np.searchsorted(classes, labels)
        return keras.utils.to_categorical(index, len(classes)).astype(np.float32)

    # ---- fitting --------------------------------------------------------------------
    def fit(self, X, y=None, *, validation_data=None):
        """Train the VAE on rows of ``X`` (values in [0, 1]); with labels ``y`` (ints),
        a conditional VAE. ``validation_data`` (``X_val`` or ``(X_val, y_val)``) is
        evaluated after each epoch (``val_*`` entries of ``history_``). Returns self.

        Ctrl-C during training keeps the weights trained so far, as
        ``keras.Model.fit`` does: the model is fitted with them (``history_`` holds
        the finished epochs) and says so before the ``KeyboardInterrupt`` goes on.
        """
        forget_fit(self)
        self._check_params()
        X2d, y, data = self._validate_fit(X, y, value_range=(0, 1), dtype=np.float32)
        data["input_shape_"] = self._network_shape(data["feature_shape_"])
        train = self._inputs(X2d, y, fitted=data)
        validation = validation_data
        if validation is not None:
            validation = validation if isinstance(validation, tuple) else (validation,)
            validation = self._inputs(*validation, name="validation X", fitted=data)
            validation = self._dataset(validation)
        seeds = [int(s) for s in as_rng(self.seed).integers(2**31 - 1, size=3)]
        if self.seed is None:  # unseeded: Keras's global seed decides
            seeds[:2] = None, None
        n_classes = 0 if y is None else len(data["classes_"])
        encoder, decoder = build_networks(
            architecture=self.architecture,
            input_shape=data["input_shape_"],
            latent_dim=int(self.latent_dim),
            hidden=tuple(self.hidden),
            filters=tuple(self.filters),
            n_classes=n_classes,
            seed=seeds[0],
        )
        model = VAEModel(
            encoder, decoder, beta=self.beta, n_classes=n_classes, seed=seeds[1]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        every = 1 if self.verbose >= 2 else max(1, self.epochs // 10)
        return fit_keras(
            self,
            model,
            self._dataset(train, self.batch_size, seed=seeds[2]),
            lambda history: {
                **data,
                "model_": model,
                "history_": history_dict(history),
            },
            callbacks=[_ProgressLine(self.epochs, every)] if self.verbose else [],
            epochs=self.epochs,
            validation_data=validation,
        )

    # ---- using the networks ---------------------------------------------------------
    def _predict(self, network, inputs) -> list[np.ndarray]:
        """``network.predict`` in batches: a list of arrays, one per output."""
        if network is self.model_:  # its predict_step takes (x, one_hot) batches
            out = network.predict(self._dataset(inputs), verbose=0)
        elif len(inputs[0] if isinstance(inputs, tuple) else inputs) == 0:
            return [np.zeros((0, *o.shape[1:]), np.float32) for o in network.outputs]
        else:
            inputs = list(inputs) if isinstance(inputs, tuple) else inputs
            out = network.predict(inputs, batch_size=PREDICT_BATCH, verbose=0)
        return [
            np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])
        ]

    def encode(self, X, y=None):
        """The posterior ``q(z | x)`` of each row (labels ``y`` for a conditional VAE):
        arrays ``mean, log_var`` of shape (n_samples, latent_dim)."""
        return tuple(self._predict(self.model_.encoder, self._inputs(X, y)))

    def decode(self, z, y=None):
        """Decoder probabilities (the mean of ``p(x | z)``) for latent codes ``z``,
        shape (n, latent_dim); ``y``: an int or n labels (conditional VAE only).
        Returns float32 in [0, 1], shape (n, *feature_shape_)."""
        self._check_fitted()
        z = check_array(
            z,
            name="z",
            ndim=2,
            min_samples=0,
            dtype=np.float32,
            n_features=int(self.latent_dim),
        )
        one_hot = self._one_hot(y, len(z), getattr(self, "classes_", None))
        inputs = z if one_hot is None else (z, one_hot)
        (logits,) = self._predict(self.model_.decoder, inputs)
        return expit(logits).reshape((len(z), *self.feature_shape_))

    def reconstruct(self, X, y=None):
        """Decode the posterior mean of each row: array shaped like ``X``, in [0, 1]."""
        return self.decode(self.encode(X, y)[0], y)

    def loss_terms(self, X, y=None, *, seed: int = 0):
        """Per-row ``(reconstruction, kl)`` of the ELBO, as in training.

        ``reconstruction = -log p(x | z)`` for one reparameterised draw ``z`` per row
        (reproducible from ``seed``), a Monte-Carlo estimate of ``-E_q[log p(x | z)]``;
        ``kl = KL(q(z | x) || N(0, I))`` is exact. Arrays of float64, shape (n_rows,).
        """
        inputs = self._inputs(X, y)
        check_param(seed, "seed", Integral, min_val=0)
        self.model_.sampling.reseed(seed)
        return tuple(t.astype(np.float64) for t in self._predict(self.model_, inputs))

    def elbo(self, X, y=None, *, seed: int = 0):
        """Per-row ELBO ``E_q[log p(x | z)] - KL(q(z | x) || p(z))``, with beta = 1
        whatever trained the model: ``-(reconstruction + kl)`` of :meth:`loss_terms`.
        For binary ``X`` a lower bound on ``log p(x)`` (``log p(x | y)`` with labels).
        """
        reconstruction, kl = self.loss_terms(X, y, seed=seed)
        return -(reconstruction + kl)

    def sample(self, n, y=None, seed=None):
        """Draw ``z ~ N(0, I)`` (from ``seed``) and decode it: ``n`` decoder mean images
        (probabilities, not Bernoulli draws) shaped like the rows given to ``fit``;
        ``(X_new, y_new)`` for a conditional VAE (``y``: None, an int or n labels).
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        z = rng.standard_normal((n, int(self.latent_dim))).astype(np.float32)
        X_new = self.decode(z, labels).reshape(n, self.n_features_in_)
        return self._finish_sample(X_new, labels)

    def latent_grid(self, n: int = 15, *, y=None):
        """Decode an ``n`` x ``n`` grid of latent points, for a latent traversal plot.

        The grid spans the prior's quantiles 0.05..0.95 along the first two latent
        dimensions (others at 0): left to right ``z[0]`` increases, top to bottom
        ``z[1]`` decreases, so the grid reads like a scatter plot of ``z``.
        Returns ``images`` (n * n, *feature_shape_), row-major, and ``z``.
        """
        self._check_fitted()
        if self.latent_dim < 2:
            raise ValueError("a latent grid needs latent_dim >= 2")
        values = norm.ppf(np.linspace(0.05, 0.95, n)).astype(np.float32)
        z = np.zeros((n * n, int(self.latent_dim)), np.float32)
        z[:, 0] = np.tile(values, n)
        z[:, 1] = np.repeat(values[::-1], n)
        return self.decode(z, y), z


# ---- SMOTE in the latent space (DeepSMOTE's idea) ---------------------------------
class LatentSMOTE(BaseGenerator):
    """SMOTE among a VAE's codes, decoded: DeepSMOTE's idea as a course generator.

    Dablain, Krawczyk & Chawla (IEEE TNNLS 2023) train an autoencoder on the whole
    imbalanced set, run SMOTE among the rare class's codes and decode the new
    codes. Here the autoencoder is the course's :class:`VAE` (plain, without labels,
    trained on every row given to ``fit``, so the rare class borrows the features
    the other classes teach it) and SMOTE is imbalanced-learn's: each new code lies
    on the segment between a code of the class and one of its ``k_neighbors``
    nearest codes of the same class. Samples are the decoder's means, in [0, 1].

    ``fit(X, y)`` encodes every row (posterior means) and keeps its label:
    ``sample(n, y=c)`` interpolates among class ``c``'s codes only, as
    ``GeneratorSampler(..., conditional=True)`` asks. ``fit(X)``: all rows are
    one class.

    The defaults train in seconds on UCI digits (1,224 rows of 8x8; 11-20 s of
    wall time measured on a busy 2-core machine, most of it Keras overhead): there
    a rare class of 8 images decodes to samples that a logistic regression trained
    on real digits reads as that class about 70 % of the time.

    Parameters
    ----------
    latent_dim, architecture, hidden, filters, epochs, batch_size, learning_rate,
    seed, verbose : the :class:`VAE`'s (``seed`` seeds its training; ``sample``
        takes its own seed)
    beta : float >= 0, the VAE's KL weight. Small by default: with ``beta = 1`` a
        VAE may encode every row of a class to the same code (posterior collapse),
        leaving SMOTE nothing to interpolate; DeepSMOTE's autoencoder is ``beta = 0``
    k_neighbors : int >= 1, SMOTE's neighbours; a class of ``m`` rows uses at
        most ``m - 1``

    Attributes
    ----------
    autoencoder_ : the fitted :class:`VAE`
    codes_ : array (n_samples, latent_dim), the posterior means of the training rows
    code_labels_ : array of int64 (n_samples,), their labels (0 without labels)
    """

    _min_samples_per_class = 2  # SMOTE needs a neighbour

    def __init__(
        self,
        *,
        latent_dim: int = 16,
        architecture: str = "dense",
        hidden: tuple[int, ...] = (128,),
        filters: tuple[int, ...] = (16, 32),
        beta: float = 0.1,
        k_neighbors: int = 5,
        epochs: int = 50,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        seed=None,
        verbose: int = 0,
    ):
        store_params(self, locals())

    def fit(self, X, y=None):
        """Train the VAE on every row of ``X`` (in [0, 1]; labels are not shown to
        it) and encode them; ``y``: the labels ``sample`` picks codes by."""
        forget_fit(self)
        check_param(self.k_neighbors, "k_neighbors", Integral, min_val=1)
        params = self.get_params().items()  # the VAE's, and k_neighbors
        autoencoder = VAE(**{k: v for k, v in params if k != "k_neighbors"})
        X2d, y, data = self._validate_fit(X, y, value_range=(0, 1), dtype=np.float32)
        X = X2d.reshape((len(X2d), *data["feature_shape_"]))
        codes = autoencoder.fit(X).encode(X)[0]
        labels = np.zeros(len(X), np.int64) if y is None else y
        return self._fitted(
            data, autoencoder_=autoencoder, codes_=codes, code_labels_=labels
        )

    def sample(self, n, y=None, seed=None):
        """``n`` decoded SMOTE codes (``(X_new, y_new)`` when fitted with labels)."""
        n, labels, rng = self._prepare_sample(n, y, seed)
        wanted = np.zeros(n, np.int64) if labels is None else labels
        # imbalanced-learn's SMOTE needs two classes: one extra code with a label no
        # class has; it is never resampled and never a neighbour (SMOTE looks for
        # neighbours within the class it resamples)
        codes = np.r_[self.codes_, self.codes_[:1]]
        code_labels = np.r_[self.code_labels_, self.code_labels_.min() - 1]
        new = np.empty((n, codes.shape[1]), np.float32)
        for label in np.unique(wanted):
            rows, count = wanted == label, int(np.sum(self.code_labels_ == label))
            smote = SMOTE(
                sampling_strategy={label: count + int(rows.sum())},
                k_neighbors=min(int(self.k_neighbors), count - 1),
                random_state=int(rng.integers(2**32)),
            )
            new[rows] = smote.fit_resample(codes, code_labels)[0][len(codes) :]
        X_new = self.autoencoder_.decode(new).reshape(n, self.n_features_in_)
        return self._finish_sample(X_new, labels)
