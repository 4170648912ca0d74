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


def test_logreg_is_a_pipeline_that_clones_and_cross_validates():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    X, y = blobs()
    model = classifiers.make_classifier("logreg", C=1.0, seed=0)
    assert clone(model).get_params()["logreg__C"] == 1.0
    assert cross_val_score(model, X, y, cv=3).min() == 1.0  # images in, no reshape
    plain = LogisticRegression(C=1.0, random_state=0).fit(X.reshape(len(X), -1), y)
    np.testing.assert_allclose(
        model.fit(X, y).predict_proba(X), plain.predict_proba(X.reshape(len(X), -1))
    )


def test_cnn_learns_separable_blobs():
    X, y = blobs()
    model = classifiers.make_classifier("cnn", seed=0, epochs=15, batch_size=16)
    model.fit(X, y)
    assert np.mean(model.predict(X) == y) > 0.9


def test_cnn_class_weights_reach_the_keras_fit():
    X, y = blobs()
    kw = dict(seed=0, epochs=15, batch_size=16)
    # class 0's rows weigh nothing: the network never learns to predict it
    ignored = classifiers.make_classifier(
        "cnn", class_weight={0: 0.0, 1: 1, 2: 1}, **kw
    )
    assert not np.any(ignored.fit(X, y).predict(X) == 0)
    # "balanced" on a 40 : 40 : 2 set weighs the rare class 20x the others
    keep = np.r_[0:80, 80:82]
    plain = classifiers.make_classifier("cnn", **kw).fit(X[keep], y[keep])
    balanced = classifiers.make_classifier("cnn", class_weight="balanced", **kw)
    balanced.fit(X[keep], y[keep])
    rare = X[y == 2]
    p_plain, p_balanced = (
        m.predict_proba(rare)[:, 2].mean() for m in (plain, balanced)
    )
    assert p_balanced > p_plain


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


# ---- CNNClassifier ------------------------------------------------------------------
def digits(n_per_class=20, seed=0):
    """Three classes of 12x12 images: a bright bar at one of three positions."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    X = rng.uniform(0, 0.2, size=(y.size, 12, 12))
    for k in range(3):
        X[y == k, 4 * k : 4 * k + 3, :] += 0.7
    return np.clip(X, 0, 1).astype(np.float32), y + 4  # labels 4, 5, 6


@pytest.mark.parametrize("architecture", ["mnist_cnn", "small"])
def test_cnn_architectures_learn_and_expose_features(architecture):
    X, y = digits()
    model = classifiers.CNNClassifier(architecture, epochs=12, batch_size=16, seed=0)
    model.fit(X, y)
    assert model.score(X, y) > 0.9
    np.testing.assert_array_equal(model.classes_, [4, 5, 6])
    proba = model.predict_proba(X[:5])
    assert proba.shape == (5, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    units = {"mnist_cnn": 128, "small": 64}[architecture]
    assert model.features(X[:5]).shape == (5, units)
    assert model.model_.get_layer("features").units == units
    assert set(model.history_) == {"loss", "accuracy"}
    assert len(model.history_["loss"]) == 12


def test_an_images_outputs_do_not_depend_on_the_images_computed_with_it():
    # a CPU's kernels (and their rounding) change with the batch size: unpadded,
    # 5 rows and 300 rows gave features 2e-6 apart on an AVX2 machine, and copies of
    # the training images did not score a memorization ratio of exactly 0
    rng = np.random.default_rng(0)
    X, y = rng.random((300, 28, 28)).astype(np.float32), np.arange(300) % 3
    model = classifiers.CNNClassifier("mnist_cnn", epochs=1, seed=0).fit(X, y)
    for method in (model.features, model.predict_proba):
        np.testing.assert_array_equal(method(X[:5]), method(X)[:5])
        np.testing.assert_array_equal(method(X[-3:]), method(X[::-1])[:3][::-1])


def test_many_steps_per_execution_train_the_same_weights_as_one(monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 28, 28)).astype(np.float32), np.arange(60) % 3
    weights = []
    for steps in (classifiers.STEPS_PER_EXECUTION, 1):  # batches of 4: 15 per epoch
        monkeypatch.setattr(classifiers, "STEPS_PER_EXECUTION", steps)
        model = classifiers.CNNClassifier("small", epochs=2, batch_size=4, seed=0)
        weights.append(model.fit(X, y).model_.get_weights())
    for many, one in zip(*weights, strict=True):
        np.testing.assert_array_equal(many, one)


def test_mnist_cnn_is_the_keras_example():
    model = classifiers.build_cnn("mnist_cnn", (28, 28, 1), 10, seed=0)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == [
        "Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten",
        "Dense", "Dropout", "Dense",
    ]  # fmt: skip
    assert model.count_params() == 1_199_882  # Keras' mnist_cnn on 28x28x1


def test_cnn_same_seed_same_model_and_clone():
    from sklearn.base import clone

    X, y = digits(10)
    a = classifiers.CNNClassifier("small", epochs=2, batch_size=8, seed=3).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-5)
    c = classifiers.CNNClassifier("small", epochs=2, batch_size=8, seed=4).fit(X, y)
    assert not np.allclose(a.predict_proba(X), c.predict_proba(X), atol=1e-5)
    assert clone(a).get_params() == a.get_params() and not hasattr(clone(a), "model_")


def test_cnn_bad_input():
    from sklearn.exceptions import NotFittedError

    X, y = digits(5)
    model = classifiers.CNNClassifier("small", epochs=1)
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model.fit(X * 255, y)
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, y)
    with pytest.raises(ValueError, match="images"):
        model.fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match="architecture"):
        classifiers.CNNClassifier("resnet").fit(X, y)
    with pytest.raises(ValueError, match="epochs"):
        classifiers.CNNClassifier(epochs=0).fit(X, y)
    model.fit(X, y)
    with pytest.raises(ValueError, match="shape"):
        model.predict(X[:, :10, :10])


def test_make_classifier_cnn_is_the_small_cnn():
    model = classifiers.make_classifier("cnn", seed=2, epochs=3)
    assert isinstance(model, classifiers.CNNClassifier)
    assert model.get_params()["architecture"] == "small"
    assert (model.epochs, model.seed) == (3, 2)
    assert classifiers.make_classifier("cnn").epochs == 5
