"""Tests of course_lib.experiment: the imbalanced-classifier experiment."""

from __future__ import annotations

import numpy as np

from course_lib import augment, experiment


def test_experiment_shows_imbalance_hurts_the_minority():
    rng = np.random.default_rng(0)
    y_train = np.repeat(np.arange(3), 100)
    y_test = np.repeat(np.arange(3), 50)
    centres = np.array([[0.3] * 16, [0.5] * 16, [0.7] * 16]).reshape(3, 4, 4)
    X_train = centres[y_train] + rng.normal(0, 0.25, (300, 4, 4))
    X_test = centres[y_test] + rng.normal(0, 0.25, (150, 4, 4))
    rows = experiment.imbalance_experiment(
        X_train,
        y_train,
        X_test,
        y_test,
        minority=1,
        ratio=0.03,
        seeds=(0, 1),
        generators={"random oversampling": lambda s: augment.RandomOversampler()},
        verbose=False,
    )
    by_name = {row["method"]: row for row in rows}
    assert list(by_name) == [
        "balanced (reference)",
        "imbalanced",
        "random oversampling",
    ]
    assert by_name["imbalanced"]["n_minority_train"] == 3
    assert by_name["random oversampling"]["n_synthetic"] == 97
    # the middle class, cut to 3 rows, is barely recalled; the reference recalls it
    assert by_name["imbalanced"]["minority_recall"] < 0.3
    assert by_name["balanced (reference)"]["minority_recall"] > 0.6
    assert (
        by_name["random oversampling"]["minority_recall"]
        > (by_name["imbalanced"]["minority_recall"])
    )
    text = experiment.format_results(rows)
    assert "±" in text and "random oversampling" in text


def test_memorization_column_separates_copies_from_new_samples():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 40)
    X = rng.uniform(0, 1, (120, 4, 4)).astype(np.float32)

    class Jitter(augment.RandomOversampler):
        def sample(self, n, y=None, seed=None):
            rows = super().sample(n, y, seed)
            return rows + np.random.default_rng(seed).normal(0, 1.0, rows.shape)

    rows = experiment.imbalance_experiment(
        X,
        y,
        X,
        y,
        minority=1,
        ratio=0.2,
        seeds=(0,),
        verbose=False,
        generators={
            "copies": lambda s: augment.RandomOversampler(),
            "far": lambda s: Jitter(),
        },
    )
    by_name = {row["method"]: row for row in rows}
    assert by_name["copies"]["memorization"] == 0.0
    assert by_name["far"]["memorization"] > 1.5
    assert "memorization" not in by_name["imbalanced"]
    assert "memorization" in experiment.format_results(rows)


def test_rare_class_question_keeps_the_whole_training_split(monkeypatch):
    from course_lib import data

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 1000)  # more than a 2,000-row subset would keep
    X = rng.integers(0, 256, (3000, 4, 4), dtype=np.uint8)
    loaded = []

    def fake_load(name, split="train", profile=None):
        loaded.append((name, split))
        return X, y

    monkeypatch.setattr(data, "load", fake_load)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    rows = experiment.rare_class_question(
        {"copies": lambda seed: augment.RandomOversampler()}, minority=1, ratio=0.01
    )
    by_name = {row["method"]: row for row in rows}
    assert loaded == [("mnist", "train"), ("mnist", "test")]
    assert list(by_name) == [
        "balanced (reference)",
        "imbalanced",
        "random oversampling",
        "copies",
    ]
    # all 3,000 rows kept in smoke too: 1 % of 1,000 minority rows survive
    assert by_name["imbalanced"]["n_minority_train"] == 10
    assert by_name["copies"]["memorization"] == 0.0
    assert by_name["imbalanced"]["minority_recall_std"] == 0.0  # one seed in smoke
