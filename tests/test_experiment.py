"""Tests of course_lib.experiment: the imbalanced-classifier experiment."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler

from course_lib import experiment


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
        generators={"random oversampling": lambda s: RandomOverSampler(random_state=s)},
        verbose=False,
    )
    by_name = {row["method"]: row for row in rows}
    assert list(by_name) == [
        "full data (reference)",
        "imbalanced",
        "random oversampling",
    ]
    assert by_name["imbalanced"]["n_minority_train"] == 3
    assert by_name["random oversampling"]["n_synthetic"] == 97
    # the middle class, cut to 3 rows, is barely recalled; the reference recalls it
    assert by_name["imbalanced"]["minority_recall"] < 0.3
    assert by_name["full data (reference)"]["minority_recall"] > 0.6
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

    class Far:  # a generator whose samples lie far from every training row
        def fit(self, X, y=None):
            self.rows_ = np.asarray(X)
            return self

        def sample(self, n, y=None, seed=None):
            rng = np.random.default_rng(seed)
            rows = self.rows_[rng.integers(0, len(self.rows_), n)]
            return rows + rng.normal(0, 1.0, rows.shape)

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
            "copies": lambda s: RandomOverSampler(random_state=s),
            "far": lambda s: Far(),
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

    def fake_load(name, split="train", profile=None):
        return X, y

    monkeypatch.setattr(data, "load", fake_load)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    rows = experiment.rare_class_question(
        {"copies": lambda seed: RandomOverSampler(random_state=seed)},
        minority=1,
        ratio=0.01,
    )
    by_name = {row["method"]: row for row in rows}
    assert list(by_name) == [
        "full data (reference)",
        "imbalanced",
        "random oversampling",
        "copies",
    ]
    # all 3,000 rows kept in smoke too: 1 % of 1,000 minority rows survive
    assert by_name["imbalanced"]["n_minority_train"] == 10
    assert by_name["copies"]["memorization"] == 0.0
    assert by_name["imbalanced"]["minority_recall_std"] == 0.0  # one seed in smoke


# --- the capstone's helpers ------------------------------------------------------


def _three_blobs(n_per_class, seed, noise=0.15):
    """Three classes of 4x4 'images' in [0, 1], centred at 0.2, 0.5 and 0.8."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    X = 0.2 + 0.3 * y[:, None, None] + rng.normal(0, noise, (len(y), 4, 4))
    return np.clip(X, 0, 1).astype(np.float32), y


def test_mean_std_and_its_text():
    assert experiment.mean_std([1.0, 3.0]) == (2.0, pytest.approx(np.sqrt(2)))
    assert experiment.mean_std([5.0]) == (5.0, 0.0)
    assert experiment.format_mean_std([1.0, 3.0], digits=2) == "2.00 ± 1.41"
    with pytest.raises(ValueError, match="at least one"):
        experiment.mean_std([])


def test_imbalanced_splits_cut_only_the_minority_of_the_training_rows():
    y_train = np.repeat(np.arange(3), 50)
    splits = experiment.imbalanced_splits(
        y_train, 30, minority=2, ratio=0.1, seeds=(0, 1)
    )
    assert len(splits) == 2
    for train, test in splits:
        np.testing.assert_array_equal(test, np.arange(150, 180))
        assert np.bincount(y_train[train]).tolist() == [50, 50, 5]
    assert set(splits[0][0]) != set(splits[1][0])  # another cut per seed
    with pytest.raises(ValueError):
        experiment.imbalanced_splits(y_train, 0, minority=2, ratio=0.1, seeds=(0,))


def test_utility_scores_a_classifier_on_the_test_split():
    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    flat = X.reshape(len(X), -1)  # flat rows in, reshaped like X_test
    good = experiment.utility(
        flat, y, X_test, y_test, kind="logreg", minority=1, seed=0
    )
    assert set(good) == {"LR recall", "LR bal.acc", "LR F1", "LR hits"}
    assert good["LR recall"] > 0.9 and good["LR bal.acc"] > 0.9
    assert good["LR hits"].shape == (20,) and good["LR hits"].dtype == bool
    assert good["LR hits"].mean() == good["LR recall"]
    # trained without a single row of class 1, it can never predict it
    keep = y != 1
    none = experiment.utility(
        flat[keep], y[keep], X_test, y_test, kind="logreg", minority=1, seed=0
    )
    assert none["LR recall"] == 0.0
    with pytest.raises(ValueError, match="kind"):
        experiment.utility(flat, y, X_test, y_test, kind="svm", minority=1, seed=0)


def test_tstr_recall_tells_useful_synthetic_rows_from_useless_ones():
    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    flat = X.reshape(len(X), -1)
    kw = dict(minority=1, seed=0)
    like_real = flat[y == 1] + 0.01  # near the real minority rows
    wrong = np.full_like(like_real, 0.2)  # looks like class 0
    assert experiment.tstr_recall(flat, y, like_real, X_test, y_test, **kw) > 0.9
    assert experiment.tstr_recall(flat, y, wrong, X_test, y_test, **kw) < 0.2


def test_resample_and_score_keeps_the_synthetic_rows_and_scores_each():
    from imblearn.over_sampling import RandomOverSampler

    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    keep = np.r_[np.flatnonzero(y != 1), np.flatnonzero(y == 1)[:4]]
    X_imb, y_imb = X[keep].reshape(len(keep), -1), y[keep]
    samplers = {"none": None, "copies": RandomOverSampler(random_state=0)}
    runs = experiment.resample_and_score(
        samplers, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    none, copies = runs
    assert [r["contender"] for r in runs] == ["none", "copies"]
    assert len(none["fake"]) == 0 and "TSTR" not in none
    assert copies["fake"].shape == (36, 16) and len(copies["real"]) == 4
    assert copies["memorization"] == 0.0
    assert copies["LR recall"] >= none["LR recall"]

    # class weights: no row added, but the weights reach the classifier
    (weighted,) = experiment.resample_and_score(
        {"class weights": "balanced"}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    assert len(weighted["fake"]) == 0 and "TSTR" not in weighted
    assert none["LR recall"] == 0.0 and weighted["LR recall"] > 0.8
    with pytest.raises(ValueError, match="balanced"):
        experiment.resample_and_score(
            {"typo": "balance"}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
        )

    class OutOfRange:  # appends rows outside [0, 1], as Gaussian draws may
        def fit_resample(self, X, y):
            new = np.r_[np.full((2, X.shape[1]), 2.0), np.full((2, X.shape[1]), -1.0)]
            return np.r_[X, new], np.r_[y, [1, 1, 1, 1]]

    (wild,) = experiment.resample_and_score(
        {"wild": OutOfRange()}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    assert wild["fake"].min() == 0.0 and wild["fake"].max() == 1.0
    with pytest.raises(ValueError, match="flat rows"):
        experiment.resample_and_score(
            samplers, X[keep], y_imb, X_test, y_test, minority=1, seed=0
        )


def test_sample_quality_is_better_for_the_same_distribution():
    rng = np.random.default_rng(0)
    real, same = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    shifted = rng.normal(size=(200, 4)) + 3.0
    good = experiment.sample_quality(real, same)
    bad = experiment.sample_quality(real, shifted)
    assert set(good) == {"FID", "KID", "precision", "recall", "density", "coverage"}
    assert good["FID"] < 0.5 < 10 < bad["FID"]
    assert good["precision"] > 0.8 > 0.1 > bad["precision"]
    assert good["coverage"] > 0.8 > 0.1 > bad["coverage"]
    # a tight cluster at the centre: realistic (precision) but not diverse (recall)
    narrow = experiment.sample_quality(real, 0.1 * rng.normal(size=(200, 4)))
    assert narrow["precision"] > 0.9 and narrow["recall"] < 0.3


def test_summarize_runs_and_its_rows():
    runs = [
        {"contender": "a", "LR recall": 0.2, "FID": 4.0},
        {"contender": "a", "LR recall": 0.4, "FID": 6.0},
        {"contender": "b", "LR recall": 0.5},
        {"contender": "b", "LR recall": 0.7, "CNN recall": 0.9},  # CNN on one seed
    ]
    summary = experiment.summarize_runs(
        runs, ["LR recall", "CNN recall", "FID", "TSTR"]
    )
    assert list(summary) == ["a", "b"]
    assert summary["a"]["LR recall"] == (
        pytest.approx(0.3),
        pytest.approx(0.1414, 1e-3),
    )
    assert summary["b"]["CNN recall"] == (0.9, 0.0)  # over the runs that measured it
    assert "FID" not in summary["b"] and "TSTR" not in summary["a"]
    rows = experiment.summary_rows(summary, ["LR recall", "FID"])
    assert rows == [
        {"contender": "a", "LR recall": "0.30±0.14", "FID": "5"},
        {"contender": "b", "LR recall": "0.60±0.14", "FID": "-"},
    ]
    with pytest.raises(ValueError, match="at least one run"):
        experiment.summarize_runs([], ["FID"])


# --- the results cell -------------------------------------------------------------
def test_results_table_aligns_columns():
    text = experiment.results_table(
        [{"method": "a", "acc": 0.5}, {"method": "longer", "acc": 0.12345}], title="T"
    )
    lines = text.splitlines()
    assert lines[0] == "T"
    assert lines[1].split() == ["method", "acc"]
    assert lines[3].split() == ["a", "0.500"] and lines[4].split() == [
        "longer",
        "0.123",
    ]
    assert len({len(line) for line in lines[1:]}) == 1


def test_check_bands_prints_the_table_and_fails_out_of_band():
    bands = {"accuracy": (0.93, (0.9, 0.95)), "count": (np.int64(2), (0, 2))}
    table = experiment.check_bands(bands, sanity={"zero": (0.0, (-0.1, 0.1))})
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "value", "band"]
    assert lines[2].split() == ["accuracy", "0.93", "0.9", "..", "0.95"]
    assert lines[3].split()[1] == "2" and lines[4].endswith("(sanity)")
    with pytest.raises(AssertionError, match=r"accuracy = 0.97 outside 0.9 .. 0.95"):
        experiment.check_bands({**bands, "accuracy": (0.97, (0.9, 0.95))})
    with pytest.raises(AssertionError, match="zero = 0.2 outside"):
        experiment.check_bands(bands, sanity={"zero": (0.2, (-0.1, 0.1))})
    with pytest.raises(ValueError, match="at least one"):
        experiment.check_bands({})


# --- paired statistics ------------------------------------------------------------
def _paired_table(rng, *, gain, seed_sd, row_sd, n_seeds=5, n_rows=195):
    """Hits of a contender and a reference on one fresh test set, ``n_seeds`` runs.

    Each row has a difficulty ``p`` (the reference's chance to get it right) and
    its own gain (``gain`` ± ``row_sd``); each seed adds its own gain (sd
    ``seed_sd``). One uniform draw per seed and row decides both methods, so they
    err together (paired). The true mean difference is ``gain``.
    """
    p = rng.uniform(0.15, 0.6, n_rows)
    shift = gain + rng.uniform(-row_sd, row_sd, n_rows)
    shift = shift + rng.normal(0, seed_sd, (n_seeds, 1))
    u = rng.uniform(size=(n_seeds, n_rows))
    return u < p + shift, u < p


@pytest.mark.parametrize(
    "seed_sd, row_sd", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.15), (0.05, 0.1)]
)
def test_paired_interval_covers_the_true_difference_95_percent(seed_sd, row_sd):
    rng = np.random.default_rng(0)
    covered = []
    for _ in range(300):
        contender, reference = _paired_table(
            rng, gain=0.05, seed_sd=seed_sd, row_sd=row_sd
        )
        found = experiment.paired_difference(contender, reference)
        covered.append(found["low"] <= 0.05 <= found["high"])
    # 300 intervals: a binomial sd of 1.3 points around 95 %
    assert 0.91 <= np.mean(covered) <= 0.99


def test_paired_interval_is_narrow_when_the_gain_is_the_same_every_seed():
    rng = np.random.default_rng(1)
    reference = rng.uniform(size=(5, 200)) < np.linspace(0.2, 0.8, 5)[:, None]
    reference[:, :20] = False  # 20 rows the reference always misses ...
    contender = reference.copy()
    contender[:, :20] = True  # ... and the contender always gets: +0.1 per seed
    found = experiment.paired_difference(contender, reference)
    # the seeds disagree a lot (recall sd > 0.15: an unpaired interval over 5
    # seeds would be ± 0.19 or wider), the pairs do not; what is left is the
    # finite test set (20 of 200 rows: a binomial sd of 0.021)
    assert reference.mean(axis=1).std(ddof=1) > 0.15
    assert found["difference"] == pytest.approx(0.1)
    assert 0 < found["low"] < 0.1 < found["high"] < 0.2
    assert found["high"] - found["low"] < 0.13
    assert experiment.verdict(found["low"], found["high"]) == "win"
    same = experiment.paired_difference(reference, reference)
    assert same == {"difference": 0.0, "low": 0.0, "high": 0.0}
    with pytest.raises(ValueError, match="same rows"):
        experiment.paired_difference(contender[:, :10], reference)
    with pytest.raises(ValueError, match="minimum of 2"):
        experiment.paired_difference(contender[:1], reference[:1])


def test_verdict_rule():
    assert experiment.verdict(0.01, 0.2) == "win"
    assert experiment.verdict(-0.2, -0.01) == "loss"
    assert experiment.verdict(-0.1, 0.1) == "tie"
    assert experiment.verdict(0.0, 0.1) == "tie"  # touching 0 is not a win
    assert experiment.verdict(-0.1, 0.0) == "tie"
    with pytest.raises(ValueError, match="low must not exceed high"):
        experiment.verdict(0.2, 0.1)
