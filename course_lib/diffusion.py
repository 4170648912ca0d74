"""Denoising diffusion (DDPM) with DDIM sampling and classifier-free guidance.

The forward process adds Gaussian noise in ``T`` small steps; in closed form,
with ``alpha_bar[t] = prod_{s <= t} (1 - beta[s])``::

    q(x_t | x_0) = N(sqrt(alpha_bar[t]) x_0, (1 - alpha_bar[t]) I)

A network ``eps(x_t, t, c)`` learns to predict the noise that made ``x_t`` (Ho et
al. 2020's simplified loss: the mean squared error of that prediction). Generating
runs the chain backwards from pure noise: all ``T`` ancestral steps (DDPM), or
``S < T`` deterministic DDIM steps (Song et al. 2021, eta = 0) with the same
network. With labels, the label is dropped (replaced by a "no label" token) with
probability ``p_uncond`` during training, so one network is both conditional and
unconditional, and sampling mixes the two (Ho & Salimans 2022)::

    eps_guided = (1 + w) * eps(x_t, t, c) - w * eps(x_t, t, none)

The schedule is the cosine one of Nichol & Dhariwal (2021): on small images the
linear schedule of Ho et al. destroys the signal too early. The pattern is
keras-io's DDIM example: a :class:`DiffusionModel` (``keras.Model``) with a custom
``train_step``, the schedule as constants, sampling loops as ``tf.function``::

    ddpm = DDPM(epochs=300, seed=0).fit(X_unit, y)  # UCI digits in [0, 1]
    X_new, y_new = ddpm.sample(16, y=3, seed=0, steps=50, guidance=1.0)
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from . import _base
from ._base import BaseGenerator, check_choice, check_layer_sizes, check_param

__all__ = ["DDPM", "DiffusionModel", "build_denoiser", "cosine_schedule"]
__all__ += ["ddim_step", "time_embedding"]

PREDICT_BATCH = 1024


# ---- the schedule and the update ----------------------------------------------------
def cosine_schedule(T: int, s: float = 0.008) -> np.ndarray:
    """``alpha_bar[0..T]`` of Nichol & Dhariwal's cosine schedule (``alpha_bar[0] =
    1``); each ``beta[t] = 1 - alpha_bar[t] / alpha_bar[t - 1]`` clipped at 0.999.
    Returns float64 of shape (T + 1,)."""
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    betas = np.clip(1 - f[1:] / f[:-1], 0, 0.999)
    return np.concatenate([[1.0], np.cumprod(1 - betas)])


def ddim_step(x_t, eps, alpha_bar_t, alpha_bar_prev, eta, noise):
    """One reverse step from ``t`` to an earlier ``prev`` (Song et al. 2021, eq. 12).

    ``x_prev = sqrt(a_prev) x0_hat + sqrt(1 - a_prev - sigma^2) eps + sigma noise``
    with ``x0_hat = (x_t - sqrt(1 - a_t) eps) / sqrt(a_t)`` and ``sigma = eta *
    sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))``. ``eta = 0``: deterministic
    DDIM; ``eta = 1`` with ``prev = t - 1``: DDPM's ancestral step.
    """
    a_t, a_prev = alpha_bar_t, alpha_bar_prev  # plain arithmetic: numpy or tensors
    x0_hat = (x_t - (1 - a_t) ** 0.5 * eps) / a_t**0.5
    sigma = eta * ((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)) ** 0.5
    direction = abs(1 - a_prev - sigma**2) ** 0.5 * eps  # abs: rounding below 0
    return a_prev**0.5 * x0_hat + direction + sigma * noise


# ---- the denoiser -------------------------------------------------------------------
def time_embedding(t, dim: int = 32):
    """Sinusoidal embedding of diffusion times ``t`` in [0, 1] (shape (n, 1)) ->
    (n, dim): sines and cosines at frequencies from 1 to 1000 (a transformer's
    position encoding)."""
    frequencies = ops.exp(ops.linspace(0.0, math.log(1000.0), dim // 2))
    angles = 2 * math.pi * ops.cast(t, "float32") * frequencies
    return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)


def build_denoiser(
    *, architecture, input_shape, hidden, n_labels=1, emb_dim=32, seed=None
) -> keras.Model:
    """The noise predictor ``eps(x_t, t, label)``: inputs ``x_t`` of ``input_shape``,
    ``t`` in [0, 1] of shape (n, 1) and int labels of shape (n,) (``n_labels - 1``
    means "no label"); output shaped like ``x_t``. ``seed`` seeds every initializer.

    ``mlp``: dense swish layers of widths ``hidden`` on flat rows, the embedding
    added to each. ``unet``: a residual block per entry of ``hidden`` (its filters),
    halving the resolution between levels and mirroring back with skip connections;
    the label also enters as an extra input channel, a learned image per label.
    """
    next_seed = _base.seed_stream(seed)

    def init():
        return keras.initializers.GlorotUniform(next_seed())

    def dense(width, **kw):
        return layers.Dense(width, kernel_initializer=init(), **kw)

    def conv(filters, size=3, **kw):
        return layers.Conv2D(
            filters, size, padding="same", kernel_initializer=init(), **kw
        )

    def res_block(x, filters):  # two 3x3 convolutions, the embedding added between
        skip = x if x.shape[-1] == filters else conv(filters, 1)(x)
        h = conv(filters, activation="swish")(x)
        h = h + layers.Reshape((1, 1, filters))(dense(filters)(emb))
        return conv(filters, activation="swish")(h) + skip

    x_in = keras.Input(input_shape, name="x_t")
    t_in, label_in = keras.Input((1,), name="t"), keras.Input((), dtype="int32")
    emb = layers.Lambda(lambda t: time_embedding(t, emb_dim))(t_in)
    emb = emb + layers.Embedding(n_labels, emb_dim, embeddings_initializer=init())(
        label_in
    )
    emb = dense(emb_dim * 4, activation="swish")(emb)
    if architecture == "mlp":
        h = layers.Concatenate()([x_in, emb])
        for width in hidden:
            h = dense(width, activation="swish")(h) + dense(width)(emb)
        out = layers.Dense(input_shape[-1], kernel_initializer="zeros")(h)
    else:
        # the embedding also enters as extra input channels: conditioning from the start
        grid = np.ones((1, *input_shape[:2], 1), "float32")
        emb_map = layers.Lambda(lambda e: e[:, None, None, :] * grid)
        # and the label as an image of its own, a learned map per label: the
        # embedding is the same at every pixel and convolutions treat every pixel
        # alike, so without it the net cannot say *where* a class's strokes go
        label_map = layers.Embedding(
            n_labels, math.prod(input_shape[:2]), embeddings_initializer=init()
        )(label_in)
        label_map = layers.Reshape((*input_shape[:2], 1))(label_map)
        h = layers.Concatenate()([x_in, emb_map(dense(8)(emb)), label_map])
        h, skips = conv(hidden[0])(h), []
        for level, filters in enumerate(hidden):
            h = res_block(h, filters)
            if level < len(hidden) - 1:
                skips.append(h)
                h = layers.AveragePooling2D(2)(h)
        for filters in reversed(hidden[:-1]):
            h = layers.Concatenate()([layers.UpSampling2D()(h), skips.pop()])
            h = res_block(h, filters)
        out = layers.Conv2D(input_shape[-1], 1, kernel_initializer="zeros")(h)
    return keras.Model([x_in, t_in, label_in], out, name="denoiser")


class DiffusionModel(keras.Model):
    """The denoiser, the schedule as constants and the training step.

    ``train_step`` takes batches ``(x0, labels)`` with ``x0`` in [-1, 1]: it draws a
    time ``t`` uniformly in 1..T and noise ``eps`` per row, forms ``x_t`` by the
    closed form, drops each label with probability ``p_uncond`` (to the "no label"
    token ``null_label``) and regresses ``eps``; it reports ``loss`` (the mean
    squared error per value).
    """

    def __init__(self, denoiser, alpha_bar, *, p_uncond=0.0, null_label=0, seed=None):
        super().__init__()
        self.denoiser, self.T = denoiser, len(alpha_bar) - 1
        self.alpha_bar = ops.convert_to_tensor(np.asarray(alpha_bar, np.float32))
        self.p_uncond, self.null_label = float(p_uncond), int(null_label)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def noise_loss(self, x0, labels):
        n = ops.shape(x0)[0]
        seeds = self.seed_generator
        t = keras.random.randint((n,), 1, self.T + 1, seed=seeds)
        eps = keras.random.normal(ops.shape(x0), seed=seeds)
        a = ops.reshape(ops.take(self.alpha_bar, t), (-1,) + (1,) * (len(x0.shape) - 1))
        x_t = ops.sqrt(a) * x0 + ops.sqrt(1 - a) * eps
        drop = keras.random.uniform((n,), seed=seeds) < self.p_uncond
        labels = ops.where(drop, self.null_label, labels)
        t_unit = ops.cast(ops.reshape(t, (-1, 1)), "float32") / self.T
        return ops.mean(ops.square(eps - self.denoiser([x_t, t_unit, labels])))

    def train_step(self, data):
        x0, labels = data
        with tf.GradientTape() as tape:
            loss = self.noise_loss(x0, labels)
        variables = self.denoiser.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply(grads, variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @tf.function(reduce_retracing=True)
    def reverse(self, x, labels, times, eta, guidance, seed):
        """Run the reverse chain over ``times`` (decreasing, ending at 0) from
        ``x = x_T``; noise from the stateless ``seed``. Returns ``x_0`` in [-1, 1]."""
        null = tf.fill(tf.shape(labels), self.null_label)
        for i in tf.range(tf.shape(times)[0] - 1):
            a_t = tf.gather(self.alpha_bar, times[i])
            a_prev = tf.gather(self.alpha_bar, times[i + 1])
            t_unit = tf.fill(
                (tf.shape(x)[0], 1), tf.cast(times[i], tf.float32) / self.T
            )
            eps = self.denoiser([x, t_unit, labels])
            if guidance != 0:
                eps_null = self.denoiser([x, t_unit, null])
                eps = (1 + guidance) * eps - guidance * eps_null
            # predict x0 inside the data range, then the noise that goes with it
            x0 = tf.clip_by_value((x - tf.sqrt(1 - a_t) * eps) / tf.sqrt(a_t), -1, 1)
            eps = (x - tf.sqrt(a_t) * x0) / tf.sqrt(1 - a_t)
            noise = tf.random.stateless_normal(tf.shape(x), tf.stack([seed, i]))
            x = ddim_step(x, eps, a_t, a_prev, eta, noise)
        return tf.clip_by_value(x, -1, 1)


# ---- the generator -----------------------------------------------------------------
class DDPM(BaseGenerator):
    """Denoising diffusion probabilistic model, as a course generator.

    ``fit(X)`` learns an unconditional model of rows in [0, 1] (scaled to [-1, 1]
    inside); ``fit(X, y)`` a class-conditional one trained for classifier-free
    guidance. ``sample(n, y, seed, steps, guidance)`` runs the reverse chain.

    Parameters
    ----------
    architecture : ``"mlp"`` (flat rows) or ``"unet"`` (images (n, height, width[,
        channels]), height and width divisible by ``2 ** (len(hidden) - 1)``; flat
        rows of a square number of features are taken as square images)
    hidden : tuple of ints: layer widths (mlp) or filters per resolution (unet)
    T : int, the number of diffusion steps (cosine schedule)
    p_uncond : float in [0, 1), probability of dropping the label in training
    epochs, batch_size, learning_rate : training length, minibatch size, Adam step
    sample_steps, guidance : the defaults of ``sample``'s ``steps`` and ``guidance``
        (so that a sampler that calls ``sample(n, y, seed)``, e.g.
        ``course_lib.augment.GeneratorSampler``, can use DDIM and guidance)
    seed : int or None: weights, shuffling and training noise
    verbose : 0 silent, 1 about ten progress lines

    Attributes
    ----------
    model_ : DiffusionModel; history_ : dict with the per-epoch ``loss``
    alpha_bar_ : the schedule, shape (T + 1,); n_labels_ : label tokens incl. "none"
    """

    def __init__(
        self,
        *,
        architecture: str = "mlp",
        hidden: tuple[int, ...] = (256, 256, 256),
        T: int = 1000,
        p_uncond: float = 0.1,
        epochs: int = 400,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        sample_steps: int | None = None,
        guidance: float = 0.0,
        seed=None,
        verbose: int = 0,
    ):
        _base.store_params(self, locals())

    def _check_params(self) -> tuple[int, ...]:
        _base.check_training_params(self, integers=("T",))
        check_param(self.p_uncond, "p_uncond", Real, min_val=0, max_val=1)
        if (steps := self.sample_steps) is not None:
            check_param(steps, "sample_steps", Integral, min_val=1, max_val=self.T)
        check_param(self.guidance, "guidance", Real, min_val=0)
        check_choice(self.architecture, "architecture", ("mlp", "unet"))
        return check_layer_sizes(self.hidden, "hidden")

    def _network_shape(self, X, hidden) -> tuple[int, ...]:
        if self.architecture == "mlp":
            return (int(np.prod(X.shape[1:])),)
        scale, side = 2 ** (len(hidden) - 1), math.isqrt(X.shape[1])
        if X.ndim == 2 and side**2 == X.shape[1]:  # flat rows of square images
            X = X.reshape(len(X), side, side)
        if X.ndim not in (3, 4) or X.shape[1] % scale or X.shape[2] % scale:
            raise ValueError(
                "a unet needs images of shape (n, height, width[, channels]) with "
                f"height and width divisible by {scale}, got {X.shape}"
            )
        return (*X.shape[1:3], X.shape[3] if X.ndim == 4 else 1)

    def fit(self, X, y=None):
        """Train on rows of ``X`` (values in [0, 1]); with int labels ``y``, a
        class-conditional model. Ctrl-C stops training and keeps the weights so
        far. Returns self."""
        _base.forget_fit(self)
        hidden = self._check_params()
        X2d, y, data = self._validate_fit(X, y, value_range=(0, 1), dtype=np.float32)
        X = X2d.reshape(len(X2d), *data["feature_shape_"])
        input_shape = self._network_shape(X, hidden)
        labels = np.zeros(len(X)) if y is None else np.unique(y, return_inverse=True)[1]
        n_labels = 1 if y is None else len(data["classes_"]) + 1  # last: "no label"
        next_seed = _base.seed_stream(self.seed)  # the denoiser, the model, the shuffle
        model = DiffusionModel(
            build_denoiser(
                architecture=self.architecture,
                input_shape=input_shape,
                hidden=hidden,
                n_labels=n_labels,
                seed=next_seed(),
            ),
            cosine_schedule(int(self.T)),
            p_uncond=self.p_uncond if y is not None else 0.0,
            null_label=n_labels - 1,
            seed=next_seed(),
        )
        n_steps = int(self.epochs) * -(-len(X) // int(self.batch_size))
        decay = keras.optimizers.schedules.CosineDecay(self.learning_rate, n_steps)
        model.compile(optimizer=keras.optimizers.Adam(decay))  # to 0 at the end
        dataset = tf.data.Dataset.from_tensor_slices(
            (2 * X.reshape(len(X), *input_shape) - 1, labels.astype(np.int32))
        )
        dataset = dataset.shuffle(len(X), seed=next_seed()).batch(int(self.batch_size))
        every = max(1, self.epochs // 10)
        progress = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: (
                (epoch + 1) % every
                or print(f"epoch {epoch + 1}/{self.epochs}  loss {logs['loss']:.4f}")
            )
        )
        learned = dict(input_shape_=input_shape, n_labels_=n_labels, model_=model)
        learned["alpha_bar_"] = cosine_schedule(int(self.T))
        return _base.fit_keras(
            self,
            model,
            dataset.prefetch(tf.data.AUTOTUNE),
            lambda h: {**data, **learned, "history_": _base.history_dict(h)},
            callbacks=[progress] if self.verbose else [],
            epochs=self.epochs,
        )

    def sample(self, n, y=None, seed=None, *, steps=None, guidance=None):
        """``n`` new rows in [0, 1] shaped like the training rows (``(X_new, y_new)``
        for a class-conditional model; ``y``: None, an int or n labels).

        ``steps``: ``T`` for the ancestral DDPM chain (T stochastic steps), fewer
        for deterministic DDIM (eta = 0) on evenly spaced times. ``guidance``: the
        classifier-free guidance weight w >= 0 (class-conditional models only).
        None: the ``sample_steps`` (None: ``T``) and ``guidance`` hyperparameters;
        an unconditional model ignores the ``guidance`` hyperparameter.
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        T = int(self.T)
        steps = self.sample_steps if steps is None else steps
        steps = T if steps is None else steps
        check_param(steps, "steps", Integral, min_val=1, max_val=T)
        if guidance is None:
            guidance = self.guidance if self.conditional_ else 0.0
        guidance = check_param(guidance, "guidance", Real, min_val=0)
        if guidance and not self.conditional_:
            raise ValueError("guidance needs a class-conditional model: fit(X, y)")
        tokens = np.zeros(n, np.int32)
        if labels is not None:
            tokens = np.searchsorted(self.classes_, labels).astype(np.int32)
        times = tf.constant(np.linspace(T, 0, steps + 1).round().astype(np.int32))
        eta = tf.constant(1.0 if steps == T else 0.0)
        x = rng.standard_normal((n, *self.input_shape_)).astype(np.float32)
        out = []
        for start in range(0, n, PREDICT_BATCH):
            part = slice(start, start + PREDICT_BATCH)
            seed_i = tf.constant(int(rng.integers(2**31 - 1)), tf.int32)
            x0 = self.model_.reverse(
                tf.constant(x[part]),
                tf.constant(tokens[part]),
                times,
                eta,
                tf.constant(float(guidance)),
                seed_i,
            )
            out.append(x0.numpy())
        X_new = (np.concatenate(out) + 1) / 2 if n else np.zeros(0)
        X_new = X_new.reshape(n, self.n_features_in_).astype(np.float32)
        return self._finish_sample(X_new, labels)
