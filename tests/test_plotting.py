import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib import plotting


def test_image_grid_lays_out_rows_and_never_shows(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show called"))
    images = np.random.default_rng(0).integers(0, 256, (23, 28, 28), dtype=np.uint8)
    fig, axes = plotting.image_grid(
        images, ncols=10, titles=[str(i) for i in range(23)]
    )
    assert axes.shape == (3, 10)
    assert len(axes[0, 0].images) == 1 and len(axes[2, 9].images) == 0
    assert axes[0, 3].get_title() == "3"


def test_image_grid_accepts_flat_float_and_rgb():
    flat = np.random.default_rng(0).normal(0.5, 1, (4, 64))  # goes outside [0, 1]
    fig, axes = plotting.image_grid(flat)
    shown = axes[0, 0].images[0].get_array()
    assert shown.shape == (8, 8) and shown.min() >= 0 and shown.max() <= 1
    rgb = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    fig, axes = plotting.image_grid(rgb)
    assert axes[0, 0].images[0].get_array().shape == (32, 32, 3)


def test_image_grid_rejects_bad_shapes():
    with pytest.raises(ValueError, match="not square"):
        plotting.image_grid(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="non-empty"):
        plotting.image_grid(np.zeros((0, 8, 8)))


def test_image_grid_of_a_mapping_labels_each_row():
    fig, axes = plotting.image_grid(
        {"synthetic": np.zeros((5, 8, 8)), "nearest": np.ones((3, 8, 8))}
    )
    assert axes.shape == (2, 5)
    assert axes[0, 0].get_ylabel() == "synthetic"
    assert len(axes[1, 4].images) == 0


def test_loss_curves_and_latent_scatter():
    fig, ax = plotting.loss_curves({"reconstruction": [3, 2, 1], "kl": [0.1, 0.2, 0.3]})
    assert [line.get_label() for line in ax.get_lines()] == ["reconstruction", "kl"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    fig, ax = plotting.latent_scatter(np.zeros((10, 2)), labels=np.arange(10))
    assert sum(c.get_offsets().shape[0] for c in ax.collections) == 10
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plotting.latent_scatter(np.zeros((10, 3)), np.arange(10))


def test_latent_scatter_has_a_discrete_legend_not_a_colour_bar():
    labels = np.repeat(np.arange(10), 5)
    Z = np.random.default_rng(0).normal(size=(50, 2))
    fig, ax = plotting.latent_scatter(Z, labels)
    assert len(fig.axes) == 1  # a colour bar would add a second axes
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [str(k) for k in range(10)]
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(colours) == 10
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z0", "z1")


def test_long_titles_wrap_instead_of_being_cut():
    name = "Gerhard Schroeder the Longest Name"
    fig, axes = plotting.image_grid(np.zeros((2, 62, 47)), titles=[name, "Bush"])
    shown = axes[0, 0].get_title()
    assert "\n" in shown and shown.replace("\n", " ") == name
    fig, axes = plotting.image_grid(np.zeros((1, 8, 8)), titles=["Schwarzenegger"])
    assert axes[0, 0].get_title() == "Schwarzenegger"  # a word is never split


def test_small_images_are_drawn_large_and_crisp():
    fig, axes = plotting.image_grid(np.zeros((10, 8, 8)), scale=0.4)
    assert fig.get_size_inches()[0] >= 10 * plotting.MIN_SCALE
    assert axes[0, 0].images[0].get_interpolation() == "nearest"
    fig, axes = plotting.image_grid(np.zeros((10, 28, 28)), scale=0.4)
    assert fig.get_size_inches()[0] == pytest.approx(4.0)


def test_paired_gains_draws_each_interval_and_skips_rows_without_one():
    rows = [
        {"contender": "a", "difference": 0.1, "low": 0.05, "high": 0.2},
        {"contender": "reference", "difference": None},
        {"contender": "b", "difference": -0.3, "low": -0.4, "high": -0.1},
    ]
    fig, ax = plotting.paired_gains(rows, title="t")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    (segments,) = ax.collections[:1]  # the interval bars
    spans = sorted(tuple(np.round(seg[:, 0], 3)) for seg in segments.get_segments())
    assert spans == [(-0.4, -0.1), (0.05, 0.2)]
    with pytest.raises(ValueError, match="paired difference"):
        plotting.paired_gains(rows[1:2])
