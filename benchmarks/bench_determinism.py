"""Benchmark: what ``tf.config.experimental.enable_op_determinism()`` costs.

``cl.config.setup`` switches op determinism on, so that a re-run of a notebook
reproduces its numbers. This measures the price on two small Keras trainings:

- ``conv``: Conv2D(32, 3) -> Conv2D(64, 3, stride 2) -> Dense(10) on 28x28x1 inputs,
- ``dense``: Dense(512) -> Dense(256) -> Dense(10) on 784 inputs,

each trained with Adam, batch 128, on 4,096 random images (timing does not depend on
the pixel values). Every configuration runs in a fresh process (determinism is a
process-wide switch that cannot be turned off again), alternating on/off so that
a change of load on the machine hits both; the first epoch (tracing) is excluded.
On a shared machine compare the minimum times (the least disturbed runs).
It also reports whether two trainings in one process gave bit-identical weights.

Run: ``.venv/bin/python benchmarks/bench_determinism.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

EPOCHS = 4  # the first one (tracing) is not timed


def _model(kind: str):
    import keras

    if kind == "conv":
        inputs = keras.Input((28, 28, 1))
        x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
        x = keras.layers.Conv2D(64, 3, strides=2, activation="relu")(x)
        x = keras.layers.Flatten()(x)
    else:
        inputs = keras.Input((784,))
        x = keras.layers.Dense(512, activation="relu")(inputs)
        x = keras.layers.Dense(256, activation="relu")(x)
    outputs = keras.layers.Dense(10)(x)
    return keras.Model(inputs, outputs)


def _train(kind: str, seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    shape = (4096, 28, 28, 1) if kind == "conv" else (4096, 784)
    X = rng.random(shape, dtype=np.float32)
    y = rng.integers(0, 10, 4096)
    model = _model(kind)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    times = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        model.fit(X, y, batch_size=128, epochs=1, verbose=0, shuffle=True)
        times.append(time.perf_counter() - start)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    return float(np.median(times[1:])), weights


def child(kind: str, deterministic: bool) -> None:
    import course_lib as cl

    tf = cl.config.import_tensorflow()
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    seconds, first = _train(kind)
    _, second = _train(kind)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "identical": bool(np.array_equal(first, second)),
                "max_diff": float(np.max(np.abs(first - second))),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DETERMINISTIC"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] == "1")
        return
    print(f"load average before: {os.getloadavg()}")
    for kind in ("conv", "dense"):
        results = {False: [], True: []}
        for _ in range(args.repeats):
            for det in (False, True):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", kind, str(int(det))],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[det].append(json.loads(out.stdout.strip().splitlines()[-1]))
        for det in (False, True):
            secs = [r["seconds"] for r in results[det]]
            same = all(r["identical"] for r in results[det])
            diff = max(r["max_diff"] for r in results[det])
            print(
                f"{kind:5s} determinism {'on ' if det else 'off'}: epoch "
                f"min {np.min(secs):.3f} s, median {np.median(secs):.3f} s "
                f"({', '.join(f'{s:.3f}' for s in secs)}); two runs in one process "
                f"identical: {same} (max |diff| {diff:.2g})"
            )
        on, off = ([r["seconds"] for r in results[d]] for d in (True, False))
        print(
            f"{kind:5s} cost of determinism: x{np.min(on) / np.min(off):.2f} "
            f"(min, robust to load) x{np.median(on) / np.median(off):.2f} (median)"
        )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
