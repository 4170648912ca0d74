"""Sampling 784-d class-conditional Gaussians: a per-sample numpy loop vs ours.

Fits ``course_lib.bayes.GaussianBayesGenerator`` (Ledoit–Wolf covariances) on the
shipped MNIST training split, then draws the same number of samples per class with

(a) the usual loop, one ``np.random.multivariate_normal(mean, cov)`` call per sample
    (numpy factorizes the 784x784 covariance, by SVD, on every call);
(b) ours: ``model.sample``, one Cholesky factor per class computed once in ``fit``
    and one matrix product per class;
(c) for reference, one vectorized numpy call per class
    (``multivariate_normal(mean, cov, size=n)``): one SVD per class.

The loop is slow, so by default it runs on ``--loop-classes 1`` class only; the
comparison is per sample, in the same run. Then it checks that loop and ours draw
from the same distribution: sample mean and covariance of each against the fitted
ones (relative Frobenius error), next to the error expected from ``n`` samples.

    .venv/bin/python benchmarks/bench_gaussian_sampling.py [--n-per-class 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import course_lib as cl
from course_lib.bayes import GaussianBayesGenerator


def _relative_frobenius(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.linalg.norm(estimate - truth) / np.linalg.norm(truth))


def _moment_errors(samples: np.ndarray, mean: np.ndarray, cov: np.ndarray):
    """(max |mean error| in units of the largest std, relative cov error)."""
    mean_error = np.max(np.abs(samples.mean(axis=0) - mean)) / np.sqrt(
        cov.diagonal().max()
    )
    return float(mean_error), _relative_frobenius(np.cov(samples, rowvar=False), cov)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-class", type=int, default=1000)
    parser.add_argument("--loop-classes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (b, c)")
    args = parser.parse_args(argv)
    n = args.n_per_class

    X, y = cl.data.load("mnist", split="train", profile="standard")
    X = cl.data.to_unit(X)
    start = time.perf_counter()
    model = GaussianBayesGenerator(reg="ledoit_wolf").fit(X, y)
    fit_seconds = time.perf_counter() - start
    n_classes, n_features = model.means_.shape
    print(
        f"MNIST train {X.shape}, {n_classes} classes, {n_features}-d; "
        f"fit (covariances + Cholesky factors) {fit_seconds:.2f} s"
    )

    # (b) ours: every class, n samples each, in one call; median of a few repeats.
    labels = np.repeat(model.classes_, n)
    ours_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        ours, ours_labels = model.sample(labels.size, y=labels, seed=args.seed)
        ours_times.append(time.perf_counter() - start)
    ours = ours.reshape(labels.size, n_features)
    ours_seconds = float(np.median(ours_times))
    ours_per_sample = ours_seconds / labels.size

    # (a) the loop, on the first --loop-classes classes; RandomState is the legacy
    # np.random.multivariate_normal without touching the global state. Each call is
    # timed; the median per call is robust to other jobs on a shared machine.
    legacy = np.random.RandomState(args.seed)
    looped, call_times = {}, []
    for k in range(min(args.loop_classes, n_classes)):
        mean, cov = model.means_[k], model.covariances_[k]
        rows = []
        for _ in range(n):
            start = time.perf_counter()
            rows.append(legacy.multivariate_normal(mean, cov))
            call_times.append(time.perf_counter() - start)
        looped[k] = np.array(rows)
    loop_per_sample = float(np.median(call_times))

    # (c) one vectorized numpy call per class, same classes as the loop.
    rng = np.random.default_rng(args.seed)
    vectorized_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for k in looped:
            rng.multivariate_normal(model.means_[k], model.covariances_[k], size=n)
        vectorized_times.append(time.perf_counter() - start)
    vectorized_per_sample = float(np.median(vectorized_times)) / (len(looped) * n)

    print(f"\n{n} samples per class; median time per sample:")
    print(
        f"  (a) loop, np.random.multivariate_normal per sample "
        f"({len(looped)} class): {loop_per_sample * 1e3:10.3f} ms "
        f"(total {np.sum(call_times):.0f} s)"
    )
    print(
        f"  (b) ours, GaussianBayesGenerator.sample ({n_classes} classes):"
        f"     {ours_per_sample * 1e3:10.4f} ms"
    )
    print(
        f"  (c) numpy, one multivariate_normal(size=n) per class:"
        f"        {vectorized_per_sample * 1e3:10.4f} ms"
    )
    print(f"speed ratio (a) loop / (b) ours: {loop_per_sample / ours_per_sample:,.0f}x")
    amortized = (ours_seconds + fit_seconds) / labels.size
    print(
        "  counting ours' whole fit (covariances, shrinkage, Cholesky) against these "
        f"samples: {loop_per_sample / amortized:,.0f}x"
    )
    print(
        f"  (c) vs (b): {vectorized_per_sample / ours_per_sample:.1f}x; the gain comes "
        "from factorizing each covariance once, not per sample"
    )

    print("\nsame distribution? errors against the fitted mean and covariance")
    print(f"  {'class':>5}  {'sampler':<5}  {'mean err/std':>12}  {'cov rel err':>11}")
    for k, loop_samples in looped.items():
        mean, cov = model.means_[k], model.covariances_[k]
        ours_k = ours[ours_labels == model.classes_[k]]
        for name, samples in (("loop", loop_samples), ("ours", ours_k)):
            mean_error, cov_error = _moment_errors(samples, mean, cov)
            print(f"  {k:>5}  {name:<5}  {mean_error:12.4f}  {cov_error:11.4f}")
        between = _relative_frobenius(
            np.cov(loop_samples, rowvar=False), np.cov(ours_k, rowvar=False)
        )
        # For Gaussian samples E||S - Σ||² = (tr(Σ)² + ||Σ||²) / n (Frobenius).
        expected = np.sqrt((np.trace(cov) ** 2 / np.linalg.norm(cov) ** 2 + 1) / n)
        print(
            f"  class {k}: expected relative error of one {n}-sample covariance "
            f"≈ {expected:.4f};\n    loop vs ours covariance rel. difference "
            f"{between:.4f} (two independent estimates: ≈ {np.sqrt(2) * expected:.4f})"
        )


if __name__ == "__main__":
    main()
