import numpy as np
import pytest

from course_lib import classifiers


def blobs(n_per_class=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    centres = rng.uniform(0, 1, size=(3, 6, 6))
    X = np.clip(centres[y] + rng.normal(0, 0.05, (y.size, 6, 6)), 0, 1)
    return X.astype(np.float32), y


def test_logreg_learns_separable_blobs():
    X, y = blobs()
    model = classifiers.make_classifier("logreg", seed=0).fit(X, y)
    assert np.mean(model.predict(X) == y) == 1.0


def test_cnn_learns_separable_blobs():
    X, y = blobs()
    model = classifiers.make_classifier("cnn", seed=0, epochs=15, batch_size=16)
    model.fit(X, y)
    assert np.mean(model.predict(X) == y) > 0.9


def test_unknown_classifier_lists_valid():
    with pytest.raises(ValueError, match="logreg, cnn"):
        classifiers.make_classifier("svm")


def test_scores_match_hand_computation():
    y_true = np.array([0, 0, 0, 0, 1, 1])
    y_pred = np.array([0, 0, 0, 1, 1, 0])
    s = classifiers.scores(y_true, y_pred, minority=1)
    assert s["minority_recall"] == pytest.approx(0.5)
    assert s["balanced_accuracy"] == pytest.approx((3 / 4 + 1 / 2) / 2)
    f1_0 = 2 * 0.75 * 0.75 / 1.5
    f1_1 = 2 * 0.5 * 0.5 / 1.0
    assert s["macro_f1"] == pytest.approx((f1_0 + f1_1) / 2)


def test_scores_need_the_minority_in_the_test_set():
    with pytest.raises(ValueError, match="minority"):
        classifiers.scores([0, 0], [0, 0], minority=1)
    with pytest.raises(ValueError, match="labels"):
        classifiers.scores([0, 1], [0], minority=1)
