"""UNIT: unsupervised image-to-image translation through one shared latent space.

Liu, Breuel & Kautz (2017) couple two VAE-GANs, one per image domain ``a`` and ``b``.
The encoders ``E_a``, ``E_b`` end in the *same* layers and the decoders ``G_a``,
``G_b`` begin in the same layers, so both domains are pushed into one latent space
(the shared-latent assumption). An image is translated by encoding it in its own
domain and decoding it in the other::

    z = E_a(x_a) + N(0, I)          # the paper's latent: mean plus unit noise
    x_aa = G_a(z)                    # reconstruction
    x_ab = G_b(z)                    # translation a -> b
    x_aba = G_a(E_b(x_ab) + N(0, I))  # cycle back to a

The generator side minimises, summed over both domains and with the paper's weights
``lambda_0..lambda_4`` as hyperparameters::

    lambda_0 * GAN  +  lambda_1 * KL  +  lambda_2 * BCE(x, x_aa)
                    +  lambda_3 * cycle KL  +  lambda_4 * BCE(x, x_aba)

where ``GAN`` is the non-saturating loss of the translations against the other
domain's discriminator ``D_b(x_ab)``, ``KL = mean(mean ** 2) / 2`` is the KL divergence
of ``N(mean, I)`` from ``N(0, I)`` per latent dimension, and the reconstructions are
mean per-pixel binary cross-entropies (a Bernoulli likelihood, as in
``course_lib.vae``; the paper's L1 error, a Laplacian likelihood, barely moves sigmoid
outputs off black within a few thousand steps). The discriminators minimise
``lambda_0`` times their binary cross-entropy on real images vs translations.

Nothing in these losses says that a "3" of one domain is a "3" of the other. With
some labels, an optional classifier head on the shared latent (trained on the
labelled rows of both domains) supplies that missing link.

:class:`UNITModel` is the Keras model with the custom ``train_step`` (one
``GradientTape`` per player, as in keras.io's "customizing what happens in fit"
GAN example); :class:`UNIT` wraps it as a scikit-learn style estimator::

    unit = UNIT(latent_dim=32, epochs=10, seed=0).fit(X_mnist, X_kannada)
    X_kannada_like = unit.translate(X_mnist[:16], source="a")
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from . import _base
from ._base import check_array, check_choice, check_images, check_labels

__all__ = ["DOMAINS", "UNIT", "UNITModel", "build_networks"]

DOMAINS = ("a", "b")
ARCHITECTURES = ("dense", "conv")
LOSS_TERMS = ("gan", "kl", "reconstruction", "cycle_kl", "cycle_reconstruction")
_BATCH = 1024


def build_networks(
    *,
    architecture,
    image_shape,
    latent_dim,
    hidden=(512, 256),
    filters=(32, 64),
    n_classes=0,
    seed=None,
):
    """Two encoders, two decoders and two discriminators with shared layers.

    ``dense``: private ``n_pixels -> hidden...`` per encoder, then one shared
    ``Dense(latent_dim)`` (the mean); decoders start with one shared
    ``Dense(hidden[-1])`` then private ``reversed(hidden)[1:] -> n_pixels``.
    ``conv``: private stride-2 3x3 convolutions (``filters``), then a shared
    flatten + dense to the mean; decoders mirror it with a shared dense + reshape and
    private transposed convolutions. Discriminators are private in both
    architectures. Decoders output pixel intensities in [0, 1] (sigmoid).

    Parameters
    ----------
    image_shape : (height, width, channels)
    n_classes : > 0 adds ``head``, a dense classifier on the shared latent mean
    seed : int or None; each initializer gets its own seed drawn from it

    Returns
    -------
    dict with keras.Models ``encoder_a``, ``encoder_b``, ``decoder_a``, ``decoder_b``,
    ``discriminator_a``, ``discriminator_b`` (and ``head``)
    """
    next_seed = _base.seed_stream(seed)
    height, width, channels = image_shape
    n_pixels = height * width * channels

    def init():
        return keras.initializers.GlorotUniform(seed=next_seed())

    def dense(units, activation="leaky_relu", name=None):
        return layers.Dense(units, activation, kernel_initializer=init(), name=name)

    def conv(n_filters, name, transpose=False, activation="leaky_relu"):
        cls = layers.Conv2DTranspose if transpose else layers.Conv2D
        return cls(n_filters, 3, strides=2, padding="same", activation=activation,
                   kernel_initializer=init(), name=name)  # fmt: skip

    if architecture == "dense":
        shared_enc = [dense(latent_dim, None, "shared_mean")]
        shared_dec = [dense(hidden[-1], name="shared_dense")]
    else:
        scale = 2 ** len(filters)
        grid = (height // scale, width // scale, filters[-1])
        shared_enc = [
            layers.Flatten(name="shared_flatten"),
            dense(latent_dim, None, "shared_mean"),
        ]
        shared_dec = [dense(int(np.prod(grid)), name="shared_dense"),
                      layers.Reshape(grid, name="shared_reshape")]  # fmt: skip
    nets = {}
    for d in DOMAINS:
        x = x_in = keras.Input(image_shape, name=f"x_{d}")
        if architecture == "dense":
            private = [layers.Flatten()] + [
                dense(u, name=f"enc_{d}_{i}") for i, u in enumerate(hidden)
            ]
        else:
            private = [conv(f, f"enc_{d}_{i}") for i, f in enumerate(filters)]
        for layer in private + shared_enc:
            x = layer(x)
        nets[f"encoder_{d}"] = keras.Model(x_in, x, name=f"encoder_{d}")

        h = z_in = keras.Input((latent_dim,), name=f"z_{d}")
        for layer in shared_dec:
            h = layer(h)
        if architecture == "dense":
            for i, u in enumerate(reversed(hidden[:-1])):
                h = dense(u, name=f"dec_{d}_{i}")(h)
            h = dense(n_pixels, "sigmoid", f"dec_{d}_out")(h)
            h = layers.Reshape(image_shape)(h)
        else:
            for i, f in enumerate(reversed(filters[:-1])):
                h = conv(f, f"dec_{d}_{i}", transpose=True)(h)
            h = conv(channels, f"dec_{d}_out", transpose=True, activation="sigmoid")(h)
        nets[f"decoder_{d}"] = keras.Model(z_in, h, name=f"decoder_{d}")

        x = x_in = keras.Input(image_shape, name=f"d_{d}")
        if architecture == "dense":
            x = dense(hidden[-1], name=f"disc_{d}_0")(layers.Flatten()(x))
        else:
            for i, f in enumerate(filters):
                x = conv(f, f"disc_{d}_{i}")(x)
            x = layers.Flatten()(x)
        x = dense(1, None, f"disc_{d}_out")(x)
        nets[f"discriminator_{d}"] = keras.Model(x_in, x, name=f"discriminator_{d}")
    if n_classes:
        z_in = keras.Input((latent_dim,), name="z")
        nets["head"] = keras.Model(
            z_in, dense(n_classes, None, "logits")(z_in), name="head"
        )
    return nets


def _unique(variables):
    """The variables once each (shared layers appear in two networks)."""
    return list({id(v): v for v in variables}.values())


class UNITModel(keras.Model):
    """The coupled VAE-GANs, trained by a custom ``train_step``.

    ``fit`` takes batches ``(x_a, x_b)`` of unpaired images, or
    ``(x_a, x_b, xl_a, yl_a, xl_b, yl_b)`` with labelled batches for the head.
    Compile with ``compile(d_optimizer=..., g_optimizer=...)``.

    Parameters
    ----------
    networks : dict from :func:`build_networks`
    weights : dict ``gan``, ``kl``, ``reconstruction``, ``cycle_kl``,
        ``cycle_reconstruction``, ``classifier`` -> float
    noise_std : standard deviation of the latent noise (the paper: 1; 0 makes the
        step deterministic, e.g. to check it against another implementation)
    seed : int or None, seeds the latent noise
    """

    def __init__(self, networks, weights, *, noise_std=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.networks = dict(networks)
        for name, net in networks.items():
            setattr(self, name, net)
        self.loss_weights_ = dict(weights)
        self.noise_std = float(noise_std)
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ["d_loss", "g_loss", *LOSS_TERMS]
        if "head" in networks:
            names.append("classifier")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}
        self.built = True

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        n = self.networks
        self.d_variables = _unique(
            n["discriminator_a"].trainable_weights
            + n["discriminator_b"].trainable_weights
        )
        g_nets = ["encoder_a", "encoder_b", "decoder_a", "decoder_b", "head"]
        self.g_variables = _unique(
            [v for k in g_nets if k in n for v in n[k].trainable_weights]
        )
        self.d_optimizer.build(self.d_variables)
        self.g_optimizer.build(self.g_variables)

    def encode(self, x, domain, training=False):
        """The latent mean and a noisy draw ``z = mean + noise_std * N(0, I)``."""
        mean = self.networks[f"encoder_{domain}"](x, training=training)
        noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean, mean + self.noise_std * noise

    def generator_losses(self, x_a, x_b, training=True):
        """Each loss term of the generator side (summed over the two domains)."""
        n, x = self.networks, {"a": x_a, "b": x_b}
        bce = keras.losses.BinaryCrossentropy(from_logits=True)

        def kl(mu):
            return 0.5 * ops.mean(ops.square(mu))

        def bce_pixels(x, y):  # the reconstruction error: mean binary cross-entropy
            return ops.mean(ops.binary_crossentropy(x, y))

        # the latent noise is drawn in the order a, b, then a -> b, b -> a
        codes = {d: self.encode(x[d], d, training) for d in DOMAINS}
        terms = dict.fromkeys(LOSS_TERMS, 0.0)
        for d, other in zip(DOMAINS, reversed(DOMAINS), strict=True):
            mu, z = codes[d]
            translated = n[f"decoder_{other}"](z, training=training)
            mu_cycle, z_cycle = self.encode(translated, other, training)
            fake = n[f"discriminator_{other}"](translated, training=training)
            terms["gan"] += bce(ops.ones_like(fake), fake)
            terms["kl"] += kl(mu)
            reconstruction = n[f"decoder_{d}"](z, training=training)
            terms["reconstruction"] += bce_pixels(x[d], reconstruction)
            terms["cycle_kl"] += kl(mu_cycle)
            cycle = n[f"decoder_{d}"](z_cycle, training=training)
            terms["cycle_reconstruction"] += bce_pixels(x[d], cycle)
        return terms

    def discriminator_loss(self, x_a, x_b, training=True):
        """Binary cross-entropy of both discriminators: real images vs translations."""
        n = self.networks
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        _, z_a = self.encode(x_a, "a", training)
        _, z_b = self.encode(x_b, "b", training)
        x_ab = ops.stop_gradient(n["decoder_b"](z_a, training=training))
        x_ba = ops.stop_gradient(n["decoder_a"](z_b, training=training))
        loss = 0.0
        for real, fake, disc in ((x_a, x_ba, "a"), (x_b, x_ab, "b")):
            d_real = n[f"discriminator_{disc}"](real, training=training)
            d_fake = n[f"discriminator_{disc}"](fake, training=training)
            loss += bce(ops.ones_like(d_real), d_real) + bce(
                ops.zeros_like(d_fake), d_fake
            )
        return loss

    def classifier_loss(self, xl_a, yl_a, xl_b, yl_b, training=True):
        """Cross-entropy of the latent head on the labelled rows of both domains.

        The head judges each labelled image's code and the code of its translation
        (encoded back in the other domain): both must name the image's label, which
        ties "3 in domain a" to "3 in domain b" in the shared latent space.
        """
        n = self.networks
        ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        loss = 0.0
        for x, y, d, o in ((xl_a, yl_a, "a", "b"), (xl_b, yl_b, "b", "a")):
            mean, z = self.encode(x, d, training)
            translated = n[f"decoder_{o}"](z, training=training)
            mean_t, _ = self.encode(translated, o, training)
            for code in (mean, mean_t):
                loss += ce(y, n["head"](code, training=training))
        return loss

    def train_step(self, data):
        x_a, x_b, *labelled = data
        w = self.loss_weights_
        with tf.GradientTape() as tape:
            d_loss = w["gan"] * self.discriminator_loss(x_a, x_b)
        grads = tape.gradient(d_loss, self.d_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.d_variables, strict=True))

        with tf.GradientTape() as tape:
            terms = self.generator_losses(x_a, x_b)
            if labelled:
                terms["classifier"] = self.classifier_loss(*labelled)
            g_loss = sum(w[k] * v for k, v in terms.items())
        grads = tape.gradient(g_loss, self.g_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.g_variables, strict=True))

        for name, value in {"d_loss": d_loss, "g_loss": g_loss, **terms}.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}


class UNIT(BaseEstimator):
    """UNIT translation between two image domains, as a scikit-learn estimator.

    Parameters
    ----------
    latent_dim : int, size of the shared latent code
    architecture : ``"dense"`` or ``"conv"`` (height and width divisible by
        ``2 ** len(filters)``)
    hidden : the private dense layers' widths (``dense`` only)
    filters : the private convolutions' filters, one per stride-2 level (``conv``
        only)
    gan_weight, kl_weight, reconstruction_weight, cycle_kl_weight,
    cycle_reconstruction_weight : the paper's lambda_0..lambda_4 (10, 0.1, 100, 0.1,
        100)
    classifier_weight : weight of the latent classifier head's cross-entropy (used
        only when ``fit`` gets labels)
    epochs : passes over the larger domain
    batch_size : unpaired images per domain per step
    labelled_batch_size : labelled images per domain per step (with labels)
    learning_rate : Adam step of both players (beta_1 = 0.5, as in the paper)
    seed : int or None; seeds weights, shuffling and latent noise
    verbose : 0 silent, 1 Keras's one line per epoch
    """

    def __init__(
        self,
        latent_dim=32,
        architecture="dense",
        hidden=(512, 256),
        *,
        filters=(32, 64),
        gan_weight=10.0,
        kl_weight=0.1,
        reconstruction_weight=100.0,
        cycle_kl_weight=0.1,
        cycle_reconstruction_weight=100.0,
        classifier_weight=10.0,
        epochs=10,
        batch_size=64,
        labelled_batch_size=16,
        learning_rate=1e-3,
        seed=None,
        verbose=0,
    ):
        _base.store_params(self, locals())

    # ---- validation -----------------------------------------------------------------
    def _labels(self, y, n, name):
        """Labels with -1 for unlabelled rows, or None."""
        if y is None:
            return None
        y = check_labels(y, n, name=name)
        if y.min() < -1:
            raise ValueError(f"{name} must be class labels or -1 (unlabelled)")
        return y

    def _check_params(self):
        check_choice(self.architecture, "architecture", ARCHITECTURES)
        weights = [name for name in self.get_params() if name.endswith("_weight")]
        integers = ("latent_dim", "labelled_batch_size")
        _base.check_training_params(self, integers=integers, nonnegative=weights)
        _base.check_layer_sizes(self.hidden, "hidden")
        _base.check_layer_sizes(self.filters, "filters")

    # ---- fitting --------------------------------------------------------------------
    def fit(self, X_a, X_b, y_a=None, y_b=None):
        """Train on unpaired images of domain ``a`` and domain ``b`` (values in [0, 1]).

        Parameters
        ----------
        X_a, X_b : arrays (n_a, H, W[, C]) and (n_b, H, W[, C]), same image shape
        y_a, y_b : optional labels (-1 = unlabelled); with labels a classifier head on
            the shared latent is trained on the labelled rows of both domains

        Returns
        -------
        self
        """
        _base.forget_fit(self)
        self._check_params()
        X_a = check_images(X_a, name="X_a", min_samples=2)
        X_b = check_images(X_b, name="X_b", shape=X_a.shape[1:], min_samples=2)
        scale = 2 ** len(self.filters)
        if self.architecture == "conv" and any(s % scale for s in X_a.shape[1:3]):
            raise ValueError(f"conv needs height and width divisible by {scale}")
        y_a = self._labels(y_a, X_a.shape[0], "y_a")
        y_b = self._labels(y_b, X_b.shape[0], "y_b")
        if (y_a is None) != (y_b is None):
            raise ValueError("give labels for both domains (use -1 for unlabelled)")
        classes = None
        if y_a is not None:
            if (y_a >= 0).sum() == 0 or (y_b >= 0).sum() == 0:
                raise ValueError("each domain needs at least one labelled row")
            classes = np.unique(np.concatenate([y_a[y_a >= 0], y_b[y_b >= 0]]))
        next_seed = _base.seed_stream(self.seed)
        networks = build_networks(
            architecture=self.architecture,
            image_shape=X_a.shape[1:],
            latent_dim=int(self.latent_dim),
            hidden=tuple(self.hidden),
            filters=tuple(self.filters),
            n_classes=0 if classes is None else classes.size,
            seed=next_seed(),
        )
        weights = {k: getattr(self, f"{k}_weight") for k in (*LOSS_TERMS, "classifier")}
        model = UNITModel(networks, weights, seed=next_seed(), name="unit")
        model.compile(
            d_optimizer=keras.optimizers.Adam(self.learning_rate, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(self.learning_rate, beta_1=0.5),
        )

        def stream(*arrays, batch):
            ds = tf.data.Dataset.from_tensor_slices(
                arrays if len(arrays) > 1 else arrays[0]
            )
            ds = ds.shuffle(arrays[0].shape[0], seed=next_seed()).repeat()
            return ds.batch(batch, drop_remainder=True)

        batch = min(int(self.batch_size), X_a.shape[0], X_b.shape[0])
        parts = [stream(X_a, batch=batch), stream(X_b, batch=batch)]
        if classes is not None:
            for X, y in ((X_a, y_a), (X_b, y_b)):
                keep = y >= 0
                index = np.searchsorted(classes, y[keep])
                parts.append(
                    stream(X[keep], index, batch=int(self.labelled_batch_size))
                )
        data = tf.data.Dataset.zip(tuple(parts))
        if classes is not None:
            data = data.map(lambda a, b, la, lb: (a, b, *la, *lb))
        steps = max(1, max(X_a.shape[0], X_b.shape[0]) // batch)

        def learned(history):  # the learned attributes, from the epochs finished
            return dict(image_shape_=X_a.shape[1:], classes_=classes, model_=model,
                        history_=_base.history_dict(history),
                        n_steps_=steps * len(history.epoch))  # fmt: skip

        verbose = 2 if self.verbose else 0  # Keras's line per epoch
        return _base.fit_keras(self, model, data.prefetch(tf.data.AUTOTUNE), learned,
                               epochs=int(self.epochs), steps_per_epoch=steps,
                               verbose=verbose)  # fmt: skip

    # ---- using the networks ---------------------------------------------------------
    def _run(self, network, inputs):
        return np.concatenate(
            [np.asarray(network(inputs[i : i + _BATCH], training=False))
             for i in range(0, max(inputs.shape[0], 1), _BATCH)]
        )  # fmt: skip

    def encode(self, X, domain):
        """The shared-latent mean of each image of ``domain``: (n, latent_dim)."""
        check_is_fitted(self, "model_")
        check_choice(domain, "domain", DOMAINS)
        X = check_images(X, shape=self.image_shape_, min_samples=0)
        return self._run(self.model_.networks[f"encoder_{domain}"], X)

    def decode(self, z, domain):
        """Images of ``domain`` decoded from latent codes ``z``, values in [0, 1]."""
        check_is_fitted(self, "model_")
        check_choice(domain, "domain", DOMAINS)
        z = check_array(z, name="z", ndim=2, min_samples=0,
                        n_features=int(self.latent_dim), dtype=np.float32)  # fmt: skip
        images = self._run(self.model_.networks[f"decoder_{domain}"], z)
        return images[..., 0] if self.image_shape_[-1] == 1 else images  # (n, H, W)

    def translate(self, X, source="a"):
        """Encode images of ``source`` and decode them in the other domain."""
        return self.decode(self.encode(X, source), "b" if source == "a" else "a")

    def cycle(self, X, source="a"):
        """Translate to the other domain and back (the cycle reconstruction)."""
        return self.translate(self.translate(X, source), "b" if source == "a" else "a")

    def predict(self, X, domain):
        """Classes from the latent head (only for a UNIT fitted with labels)."""
        check_is_fitted(self, "model_")
        if self.classes_ is None:
            raise ValueError("this UNIT was fitted without labels: it has no head")
        logits = self._run(self.model_.networks["head"], self.encode(X, domain))
        return self.classes_[np.argmax(logits, axis=1)]
