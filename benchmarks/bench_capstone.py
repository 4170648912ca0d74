"""Benchmark: the two speed-ups of the capstone's one experiment path.

- ``cnn``: the small CNN classifier (``make_classifier("cnn")``, 3 epochs, batch 128)
  on the shipped MNIST training split (8,000 images), with its first layer a stride-2
  convolution (the course's) against a convolution followed by max-pooling (the
  usual way, and the course's before): fit time and test accuracy, 2 seeds each,
  alternating.
- ``logreg``: 8 of the course's logistic regressions (``make_classifier("logreg")``,
  one BLAS thread each) fitted one at a time against two at a time in threads by
  ``experiment._two_at_a_time``, the pool ``resample_and_score`` fits them with; also
  whether both give bit-identical coefficients.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_capstone.py`` (about 2 minutes).
Compare ratios from a quiet machine (the load average is printed).
"""

from __future__ import annotations

import functools
import os
import time

import numpy as np

import course_lib as cl


def _pooled_first_layer(seed):
    """The small CNN as it was: conv 16 -> max-pool -> conv 32 -> max-pool."""
    import keras
    from keras import layers

    init = keras.initializers.GlorotUniform

    def conv(filters, s):
        return layers.Conv2D(
            filters, 3, padding="same", activation="relu", kernel_initializer=init(s)
        )

    x = inputs = keras.Input((28, 28, 1))
    for layer in [conv(16, seed), layers.MaxPooling2D(), conv(32, seed + 1)]:
        x = layer(x)
    x = layers.Flatten()(layers.MaxPooling2D()(x))
    x = layers.Dense(64, activation="relu", kernel_initializer=init(seed + 2))(x)
    return keras.Model(inputs, layers.Dense(10, kernel_initializer=init(seed + 3))(x))


def bench_cnn(X, y, X_test, y_test):
    import keras

    found = {"stride-2 first layer": [], "conv + max-pool first layer": []}
    for seed in (0, 1):
        for name in found:
            start = time.perf_counter()
            if name.startswith("stride"):
                model = cl.classifiers.make_classifier("cnn", seed=seed, epochs=3)
                accuracy = model.fit(X, y).score(X_test, y_test)
            else:
                net = _pooled_first_layer(seed)
                loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
                net.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
                net.fit(X[..., None], y, batch_size=128, epochs=3, verbose=0)
                scores = net.predict(X_test[..., None], verbose=0)
                accuracy = np.mean(scores.argmax(1) == y_test)
            found[name].append((time.perf_counter() - start, accuracy))
    for name, runs in found.items():
        seconds, accuracy = np.array(runs).T
        print(f"  {name:28s} fit+score {seconds.mean():5.1f} s   accuracy {accuracy}")
    ratio = np.mean([r[0] for r in found["conv + max-pool first layer"]]) / np.mean(
        [r[0] for r in found["stride-2 first layer"]]
    )
    print(f"  speed-up of the stride-2 first layer: {ratio:.2f}x")


def bench_logreg(X, y):
    def fit(seed):
        return cl.classifiers.make_classifier("logreg", seed=seed).fit(X, y)

    start = time.perf_counter()
    alone = [fit(seed) for seed in range(8)]
    one = time.perf_counter() - start
    start = (
        time.perf_counter()
    )  # the library's pair pool, as resample_and_score runs it
    paired = cl.experiment._two_at_a_time([functools.partial(fit, s) for s in range(8)])
    two = time.perf_counter() - start
    same = all(
        np.array_equal(a[-1].coef_, b[-1].coef_)
        for a, b in zip(alone, paired, strict=True)
    )
    print(f"  one at a time {one:5.1f} s, two at a time {two:5.1f} s: {one / two:.2f}x")
    print(f"  bit-identical coefficients: {same}")


def main():
    cl.config.setup(seed=0)
    print(f"load average: {os.getloadavg()}")  # (benchmarks run on Linux or macOS)
    X, y = cl.data.load("mnist", "train")
    X_test, y_test = cl.data.load("mnist", "test")
    X, X_test = cl.data.to_unit(X), cl.data.to_unit(X_test)
    print("cnn: 3 epochs on 8,000 MNIST images, batch 128 (2 seeds)")
    bench_cnn(X, y, X_test, y_test)
    print("logreg: 8 fits on 8,000 flattened MNIST images")
    bench_logreg(X, y)


if __name__ == "__main__":
    main()
