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


def test_image_rows_labels_each_row():
    fig, axes = plotting.image_rows(
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
        plotting.latent_scatter(np.zeros((10, 3)))


def test_loss_curves_take_axis_labels_with_units():
    fig, ax = plotting.loss_curves(
        {"train": [2.0, 1.0]}, xlabel="epoch", ylabel="loss (nats per image)"
    )
    assert ax.get_ylabel() == "loss (nats per image)"


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


def test_latent_grid_tiles_images_on_z_axes():
    n = 4
    values = np.linspace(-1.5, 1.5, n)
    z = np.zeros((n * n, 3))
    z[:, 0], z[:, 1] = np.tile(values, n), np.repeat(values[::-1], n)
    images = np.repeat(np.arange(n * n) / 16, 25).reshape(n * n, 5, 5)
    fig, ax = plotting.latent_grid(images, z, n_ticks=4)
    tiled = ax.images[0].get_array()
    assert tiled.shape == (20, 20)
    assert tiled[0, 5] == images[1, 0, 0] and tiled[5, 0] == images[n, 0, 0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("z0", "z1")
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "-1.5",
        "-0.5",
        "0.5",
        "1.5",
    ]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "1.5"
    with pytest.raises(ValueError, match="n \\* n images"):
        plotting.latent_grid(images[:15], z[:15])


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


def test_results_table_aligns_columns():
    text = plotting.results_table(
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


def test_metric_bars_draws_one_bar_per_method_and_metric():
    rows = [
        {"method": "a", "macro_f1": 0.5, "macro_f1_std": 0.1, "minority_recall": 0.2},
        {"method": "b", "macro_f1": 0.7, "macro_f1_std": 0.0, "minority_recall": 0.9},
    ]
    fig, ax = plotting.metric_bars(rows, metrics=("macro_f1", "minority_recall"))
    heights = sorted(round(p.get_height(), 3) for p in ax.patches)
    assert heights == [0.2, 0.5, 0.7, 0.9]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_check_bands_prints_the_table_and_fails_out_of_band():
    bands = {"accuracy": (0.93, (0.9, 0.95)), "count": (np.int64(2), (0, 2))}
    table = plotting.check_bands(bands, sanity={"zero": (0.0, (-0.1, 0.1))})
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "value", "band"]
    assert lines[2].split() == ["accuracy", "0.93", "0.9", "..", "0.95"]
    assert lines[3].split()[1] == "2" and lines[4].endswith("(sanity)")
    with pytest.raises(AssertionError, match=r"accuracy = 0.97 outside 0.9 .. 0.95"):
        plotting.check_bands({**bands, "accuracy": (0.97, (0.9, 0.95))})
    with pytest.raises(AssertionError, match="zero = 0.2 outside"):
        plotting.check_bands(bands, sanity={"zero": (0.2, (-0.1, 0.1))})
    with pytest.raises(ValueError, match="at least one"):
        plotting.check_bands({})
