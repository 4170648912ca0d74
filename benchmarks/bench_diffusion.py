"""Benchmark: DDIM with S steps against the full ancestral DDPM chain (T = 1000).

One ``course_lib.diffusion.DDPM`` (the defaults: an MLP denoiser, cosine schedule,
T = 1000) is trained once, class-conditionally, on the UCI digits' training split;
then 1,000 class-conditional samples (100 of each digit) are drawn from the same
model with DDIM at each S and with the full DDPM chain, in one run. Reported per
sampler: wall time (a first call of each at the same shapes traces the reverse loop
and is not timed), the time ratio to DDPM, and the quality of the samples: the
share that logistic regression trained on the real training digits recognises as
the requested digit, and the Fréchet distance in pixel space to the 450 real test
digits (the floor: the real training digits against them at the same N).

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_diffusion.py [--epochs 400]``
(about 3 minutes on 2 cores, most of it training). The load average is printed
before and after: other jobs slow both samplers alike, so the ratio holds better
than the times.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

import course_lib as cl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--steps", type=int, nargs="+", default=[25, 50, 100])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    X, y = cl.data.load("uci_digits", "train")
    X_test, _ = cl.data.load("uci_digits", "test")
    X, X_test = cl.data.to_unit(X).reshape(-1, 64), cl.data.to_unit(X_test)
    X_test = X_test.reshape(-1, 64)
    judge = LogisticRegression(max_iter=2000).fit(X, y)
    start = time.perf_counter()
    ddpm = cl.diffusion.DDPM(epochs=args.epochs, seed=0).fit(X, y)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.0f} s")
    labels = np.arange(1000) % 10
    floor = cl.metrics.frechet_distance(X_test, X[: len(X_test)])
    rows = []
    for steps in [*args.steps, ddpm.T]:
        ddpm.sample(1000, y=labels, seed=1, steps=steps)  # trace at these shapes
        start = time.perf_counter()
        samples, _ = ddpm.sample(1000, y=labels, seed=0, steps=steps)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "sampler": "DDPM" if steps == ddpm.T else "DDIM",
                "steps": steps,
                "seconds": seconds,
                "recognised": np.mean(judge.predict(samples) == labels),
                "FID (pixels)": cl.metrics.frechet_distance(X_test, samples),
            }
        )
    for row in rows:
        row["time / DDPM"] = row["seconds"] / rows[-1]["seconds"]
    title = f"1,000 samples; FID floor (real vs real, N = 450) {floor:.2f}"
    print(cl.plotting.results_table(rows, title=title, digits=3))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
