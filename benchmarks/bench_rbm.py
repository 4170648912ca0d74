"""Benchmark: course_lib's BernoulliRBM against scikit-learn's, and against the
matrix-multiply floor of this machine.

1. Equal settings on the shipped MNIST training set (8000 images, 784 visible units
   scaled to [0, 1], float32 for both libraries): 256 hidden units, batch 64, the
   same number of epochs and learning rate, no momentum, no weight decay.
   scikit-learn's algorithm is PCD-1, so ours runs PCD-1 (the comparison) and CD-1.
   Reported: training throughput (images per second, the whole ``fit`` including
   our per-epoch monitoring; our one-time tracing is done first and reported apart)
   and the final pseudo-log-likelihood on the 2000 test images, computed with one
   formula for both models and the same flipped bits (averaged over 10 draws of the
   flipped bit per image), as the mean over seeds.
   Each library's own one-bit estimate (``score_samples`` / ``pseudo_likelihood``)
   is shown too; it is noisier.
2. One CD-1 epoch at 500 hidden units, batch 100, on 60,000 images (the MNIST
   training images tiled), beside two floors measured here: the same matrix
   multiplies at the same shapes with nothing else (no sigmoid, no sampling), and
   the FLOP count divided by the best large-matmul rate of this machine.

Run: ``.venv/bin/python benchmarks/bench_rbm.py`` (about 1-2 minutes on 2 cores).
The load average is printed before and after: other jobs on the machine slow both
libraries, not necessarily equally (scikit-learn's multi-threaded BLAS far more). On a
busy machine run ``--threads 1``: both libraries on one thread, timed in CPU seconds
of this process, which other jobs barely change. ``--deterministic`` switches on
TensorFlow's op determinism first (as the notebooks' setup does), to measure its cost.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

N_VISIBLE = 784
#: the clock of every timing: wall time, or this process's CPU time (``--threads 1``)
clock = time.perf_counter


def load_mnist():
    import course_lib as cl

    X_train, _ = cl.data.load("mnist", "train", profile="standard")
    X_test, _ = cl.data.load("mnist", "test", profile="standard")
    return (
        cl.data.to_unit(X_train).reshape(-1, N_VISIBLE),
        cl.data.to_unit(X_test).reshape(-1, N_VISIBLE),
    )


def pseudo_likelihood(X, W, b, c, n_draws=10, seed=0):
    """Mean of n_features * log sigmoid(F(v with bit i flipped) - F(v)) over rows and
    ``n_draws`` random bits i per row; W is (n_visible, n_hidden)."""
    rng = np.random.default_rng(seed)
    X = X.astype(np.float64)

    def free_energy(V):
        return -V @ b - np.logaddexp(0, V @ W + c).sum(axis=1)

    base = free_energy(X)
    rows = np.arange(len(X))
    values = []
    for _ in range(n_draws):
        flipped = X.copy()
        bits = rng.integers(X.shape[1], size=len(X))
        flipped[rows, bits] = 1 - flipped[rows, bits]
        gap = free_energy(flipped) - base
        values.append(-X.shape[1] * np.logaddexp(0, -gap))
    return float(np.mean(values))


def compare_with_sklearn(X_train, X_test, epochs, learning_rate, seeds):
    """Fit both libraries once per seed; returns one dict of lists per model and the
    one-time cost of tracing our two kernels (paid once per process, not per fit)."""
    from sklearn.neural_network import BernoulliRBM as SkRBM

    from course_lib.rbm import BernoulliRBM

    settings = {"batch_size": 64, "learning_rate": learning_rate}
    tracing = timed(
        lambda: [
            BernoulliRBM(n_hidden=256, epochs=1, persistent=persistent, verbose=False)
            .fit(X_train[:256])
            .sample(1, sample_steps=1)
            for persistent in (True, False)
        ]
    )
    n_images = len(X_train) * epochs
    names = ("scikit-learn PCD-1", "ours PCD-1", "ours CD-1")
    results = {
        name: {"images/s": [], "pseudo-LL": [], "own score": []} for name in names
    }

    def record(name, seconds, W, b, c, own_score):
        results[name]["images/s"].append(n_images / seconds)
        results[name]["pseudo-LL"].append(pseudo_likelihood(X_test, W, b, c))
        results[name]["own score"].append(float(np.mean(own_score)))

    for seed in seeds:
        sk = SkRBM(n_components=256, n_iter=epochs, random_state=seed, **settings)
        seconds = timed(lambda sk=sk: sk.fit(X_train))
        record(
            names[0],
            seconds,
            sk.components_.T,
            sk.intercept_visible_,
            sk.intercept_hidden_,
            sk.score_samples(X_test),
        )
        for name, persistent in zip(names[1:], (True, False), strict=True):
            ours = BernoulliRBM(
                n_hidden=256,
                epochs=epochs,
                persistent=persistent,
                momentum=0.0,
                weight_decay=0.0,
                seed=seed,
                verbose=False,
                **settings,
            )
            seconds = timed(lambda ours=ours: ours.fit(X_train))
            record(
                name,
                seconds,
                ours.weights_,
                ours.visible_bias_,
                ours.hidden_bias_,
                ours.pseudo_likelihood(X_test),
            )
    return results, tracing


def cd1_epoch_and_floor(X_train, n_rows=60_000, n_hidden=500, batch_size=100):
    import tensorflow as tf

    from course_lib.rbm import BernoulliRBM

    X = np.resize(X_train, (n_rows, N_VISIBLE))  # tile the 8000 images to 60,000
    epoch_seconds = {}
    for name, extra in [
        ("defaults (momentum 0.5, weight decay 1e-4)", {}),
        ("plain CD-1 (no momentum, no decay)", {"momentum": 0.0, "weight_decay": 0.0}),
    ]:
        rbm = BernoulliRBM(
            n_hidden=n_hidden,
            batch_size=batch_size,
            epochs=3,
            seed=0,
            verbose=False,
            **extra,
        ).fit(X)
        # the best of epochs 2-3 (the kernel is traced already; the first epoch of
        # a fit includes converting the data)
        epoch_seconds[name] = min(rbm.history_["epoch_time"][1:])

    # Floor 1: the CD-1 matrix multiplies alone, at the same shapes, in one traced
    # loop: v W, h W^T, v' W and the fused [v; v']^T [h; h'] of the gradient.
    W = tf.Variable(tf.random.normal([N_VISIBLE, n_hidden], stddev=0.01))
    X_tf = tf.constant(X)

    @tf.function
    def matmuls_only(X):
        # the gradient is loop-carried (not accumulated), so no element-wise pass
        # over W is added and no matmul can be pruned
        grad = tf.zeros([N_VISIBLE, n_hidden])
        for batch in tf.range(n_rows // batch_size):
            v = X[batch * batch_size : (batch + 1) * batch_size]
            h = tf.matmul(v, W)
            v_neg = tf.matmul(h, W, transpose_b=True)
            h_neg = tf.matmul(v_neg, W)
            grad = tf.matmul(
                tf.concat([v, v_neg], 0), tf.concat([h, h_neg], 0), transpose_a=True
            )
        return grad

    matmuls_only(X_tf[: 2 * batch_size])  # trace
    floor_shapes = min(timed(lambda: matmuls_only(X_tf).numpy()) for _ in range(3))

    # Floor 2: FLOPs / the best rate of a large square matmul.
    flops = 10 * N_VISIBLE * n_hidden * n_rows  # 5 matmul-equivalents of 2*v*h
    A = tf.random.normal([2048, 2048])

    @tf.function
    def big(A):
        return tf.matmul(A, A)

    big(A).numpy()
    reps = 10
    best = min(timed(lambda: [big(A).numpy() for _ in range(reps)]) for _ in range(3))
    peak = reps * 2 * 2048**3 / best
    return {
        "epoch_seconds": epoch_seconds,
        "floor_shapes": floor_shapes,
        "flops": flops,
        "peak_flops": peak,
        "floor_peak": flops / peak,
    }


def timed(fn):
    start = clock()
    fn()
    return clock() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=3, help="repetitions (seeds)")
    parser.add_argument("--threads", type=int, default=0, help="0: library defaults")
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--skip-floor", action="store_true", help="only part 1")
    args = parser.parse_args()

    global clock
    import sklearn
    import tensorflow as tf
    from threadpoolctl import threadpool_limits

    import course_lib as cl

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        threadpool_limits(args.threads)  # scikit-learn's BLAS
    if args.threads == 1:
        clock = time.process_time
    if args.deterministic:
        tf.config.experimental.enable_op_determinism()
    load_before = os.getloadavg()
    print(
        f"tensorflow {tf.__version__}, scikit-learn {sklearn.__version__}, "
        f"{cl.config.cpu_model()}, load average "
        f"{load_before[0]:.2f}; threads: {args.threads or 'library defaults'}, "
        f"timed in {'CPU' if clock is time.process_time else 'wall'} seconds, "
        f"op determinism {'on' if args.deterministic else 'off'}"
    )
    X_train, X_test = load_mnist()
    print(
        f"\n1. 784-256 RBM, batch 64, {args.epochs} epochs, learning rate "
        f"{args.learning_rate}, {len(X_train)} training images, pseudo-LL on "
        f"{len(X_test)} test images"
    )
    seeds = list(range(args.seeds))
    results, tracing = compare_with_sklearn(
        X_train, X_test, args.epochs, args.learning_rate, seeds
    )
    print(f"mean over seeds {seeds} (± half the range)")
    print(f"{'model':<20}{'images/s':>16}{'pseudo-LL':>18}{'own score':>18}")

    def cell(values, digits):
        values = np.asarray(values)
        spread = (values.max() - values.min()) / 2
        return f"{values.mean():.{digits}f} ± {spread:.{digits}f}"

    for name, row in results.items():
        print(
            f"{name:<20}{cell(row['images/s'], 0):>16}"
            f"{cell(row['pseudo-LL'], 2):>18}{cell(row['own score'], 2):>18}"
        )
    sk = results["scikit-learn PCD-1"]
    for name in ("ours PCD-1", "ours CD-1"):
        ratio = np.mean(results[name]["images/s"]) / np.mean(sk["images/s"])
        gap = np.mean(results[name]["pseudo-LL"]) - np.mean(sk["pseudo-LL"])
        print(
            f"{name} vs scikit-learn: throughput x{ratio:.1f}, "
            f"pseudo-LL {gap:+.2f} nats"
        )
    print(
        f"(ours: whole fit() including per-epoch monitoring; the one-time tracing "
        f"of both kernels, {tracing:.1f} s per process, was done before timing)"
    )

    if args.skip_floor:
        return
    print("\n2. one CD-1 epoch, 784-500, batch 100, per 60,000 images")
    floor = cd1_epoch_and_floor(X_train)
    shapes, peak = floor["floor_shapes"], floor["floor_peak"]
    print(f"floor A: the CD-1 matmuls alone, same shapes       {shapes:6.2f} s")
    print(
        f"floor B: {floor['flops'] / 1e12:.3f} TFLOP at "
        f"{floor['peak_flops'] / 1e9:.0f} GFLOP/s (2048^2 matmul)   {peak:6.2f} s"
    )
    for name, seconds in floor["epoch_seconds"].items():
        print(
            f"ours, {name:<43} {seconds:6.2f} s   "
            f"x{seconds / shapes:.2f} floor A, x{seconds / peak:.2f} floor B"
        )
    load_after = os.getloadavg()
    print(
        f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"(above ~0.5 other jobs share the 2 cores)"
    )


if __name__ == "__main__":
    main()
