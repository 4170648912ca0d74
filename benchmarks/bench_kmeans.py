"""Benchmark: course_lib's KMeans against scikit-learn's, side by side in one run.

Data: grayscale CIFAR-10 (the shipped 4,000 training images, 1024 pixels in [0, 1],
float32) and a synthetic blob set (20,000 points, 64 features, 25 overlapping blobs
of standard deviation 8, float32; well-separated blobs have local optima whose
inertia differs by several %, which would make a single run a coin toss), each with
k = 10 and k = 25. Both libraries get the same settings: k-means++, the same
``n_init``, ``max_iter`` and ``tol``.

Two comparisons per case:

* **same start**: both run Lloyd's algorithm from the same k-means++ centres, so they
  do the same iterations (checked) and the time ratio measures the loop alone;
* **own seeding**: each library seeds itself (k-means++, ``n_init`` runs); the inertia
  ratio says whether ours finds as good a clustering.

Each fit is timed ``--repeats`` times, alternating ours and scikit-learn's, and the
fastest of each is kept (the machine may be shared). The load average is printed
before and after.

Run: ``.venv/bin/python benchmarks/bench_kmeans.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def datasets():
    from sklearn.datasets import make_blobs

    import course_lib as cl

    images, _ = cl.data.load("cifar10", "train", profile="standard")
    gray = cl.data.to_unit(cl.data.grayscale(images)).reshape(len(images), -1)
    blobs, _ = make_blobs(
        20000, n_features=64, centers=25, cluster_std=8.0, random_state=0
    )
    return {"CIFAR-10 gray 4000x1024": gray, "blobs 20000x64": blobs.astype(np.float32)}


def race(fit_ours, fit_ref, repeats):
    """Alternate the two fits ``repeats`` times each (so that a change of load hits
    both alike) and keep each one's fastest: (seconds, estimator) twice."""
    best = {"ours": (np.inf, None), "ref": (np.inf, None)}
    for _ in range(repeats):
        for name, fit in (("ours", fit_ours), ("ref", fit_ref)):
            start = time.perf_counter()
            estimator = fit()
            seconds = time.perf_counter() - start
            best[name] = (min(seconds, best[name][0]), estimator)
    return best["ours"], best["ref"]


def row(ours, ref, t_ours, t_ref, iterations):
    return {
        "iterations": iterations,
        "time ratio": t_ours / t_ref,
        "inertia ratio": ours.inertia_ / ref.inertia_,
        "ours (s)": t_ours,
        "sklearn (s)": t_ref,
    }


def compare(X, k, *, n_init, max_iter, tol, repeats, seed=0):
    import sklearn.cluster
    from sklearn.cluster import kmeans_plusplus

    from course_lib.cluster import KMeans

    settings = {"max_iter": max_iter, "tol": tol}
    start, _ = kmeans_plusplus(X, k, random_state=seed)
    (t_ours, ours), (t_ref, ref) = race(
        lambda: KMeans(k, init=start, n_init=1, **settings).fit(X),
        lambda: sklearn.cluster.KMeans(k, init=start, n_init=1, **settings).fit(X),
        repeats,
    )
    assert ours.n_iter_ == ref.n_iter_, (ours.n_iter_, ref.n_iter_)
    same_start = row(ours, ref, t_ours, t_ref, ours.n_iter_)
    (t_ours, ours), (t_ref, ref) = race(
        lambda: KMeans(k, n_init=n_init, seed=seed, **settings).fit(X),
        lambda: sklearn.cluster.KMeans(
            k, n_init=n_init, random_state=seed, **settings
        ).fit(X),
        repeats,
    )
    own_seeding = row(ours, ref, t_ours, t_ref, f"{ours.n_iter_} / {ref.n_iter_}")
    return same_start, own_seeding


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=300)
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()

    import sklearn

    import course_lib as cl

    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()}"
    )
    print(
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; k-means++, "
        f"n_init={args.n_init}, max_iter={args.max_iter}, tol={args.tol}, "
        f"fastest of {args.repeats}"
    )
    rows = []
    for name, X in datasets().items():
        for k in (10, 25):
            same_start, own_seeding = compare(
                X,
                k,
                n_init=args.n_init,
                max_iter=args.max_iter,
                tol=args.tol,
                repeats=args.repeats,
            )
            rows.append({"data": name, "k": k, "run": "same start", **same_start})
            rows.append(
                {
                    "data": name,
                    "k": k,
                    "run": f"own k-means++, n_init={args.n_init}",
                    **own_seeding,
                }
            )
    print(cl.plotting.results_table(rows, title="ours / scikit-learn", digits=3))
    print(f"load average after: {os.getloadavg()}")
    worst_inertia = max(abs(r["inertia ratio"] - 1) for r in rows)
    worst_time = max(r["time ratio"] for r in rows)
    print(
        f"worst inertia deviation {worst_inertia:.2%} (must be < 1 %); "
        f"worst time ratio {worst_time:.2f}x (must be <= 1.5x, goal <= 1.0x)"
    )


if __name__ == "__main__":
    main()
