"""Figures the notebooks share: image grids, loss curves, latent plots, result tables.

Every function returns ``(fig, ax)`` (``ax`` may be an array of axes) and never calls
``plt.show()``: the notebook decides when to show a figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ._base import check_array

__all__ = [
    "image_grid",
    "plot_cdf_quantiles",
    "plot_real_vs_synthetic",
    "plot_regularization_path",
    "plot_samples_vs_pdf",
    "image_rows",
    "latent_grid",
    "latent_scatter",
    "loss_curves",
    "metric_bars",
    "check_bands",
    "results_table",
]


def _as_images(images, image_shape=None) -> np.ndarray:
    """Bring a batch of images to (N, H, W) or (N, H, W, 3) floats for imshow."""
    arr = np.asarray(images)
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError("images must be a non-empty batch, shape (N, ...)")
    if image_shape is not None:
        arr = arr.reshape((arr.shape[0], *image_shape))
    elif arr.ndim == 2:
        side = math.isqrt(arr.shape[1])
        if side * side != arr.shape[1]:
            raise ValueError(
                f"flat images of {arr.shape[1]} features are not square; "
                "pass image_shape=(H, W)"
            )
        arr = arr.reshape(arr.shape[0], side, side)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] != 3):
        raise ValueError(
            f"images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
            f"got {arr.shape}"
        )
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    # Generated images (e.g. Gaussian samples) can leave [0, 1]; clip for display only.
    return np.clip(arr.astype(np.float32), 0.0, 1.0)


SMALL_IMAGE = 16  # images this many pixels high or less are drawn at least MIN_SCALE
MIN_SCALE = 1.0  # inches per image: an 8x8 digit stays readable


def _readable_scale(imgs: np.ndarray, scale: float) -> float:
    """``scale``, raised to :data:`MIN_SCALE` for small images such as 8x8 digits."""
    return max(scale, MIN_SCALE) if imgs.shape[1] <= SMALL_IMAGE else scale


def _show(ax, img, cmap):
    # "nearest": each pixel of a small image is a crisp square, not a blur
    ax.imshow(img, cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")


def _wrap(title, scale: float) -> str:
    """A title broken into lines that fit one image's width (never cut short)."""
    return textwrap.fill(
        str(title), width=max(6, int(11 * scale)), break_long_words=False
    )


def image_grid(
    images,
    *,
    ncols: int = 10,
    titles: Sequence[str] | None = None,
    image_shape: tuple[int, ...] | None = None,
    cmap: str = "gray",
    suptitle: str | None = None,
    scale: float = 1.0,
):
    """Show a batch of images in a grid.

    Parameters
    ----------
    images : array, shape (N, H, W), (N, H, W, 3) or (N, H*W) with ``image_shape``
        uint8 in 0..255 or floats in [0, 1] (values outside are clipped for display).
    ncols : images per row.
    titles : optional list of N titles (long ones wrap onto several lines).
    scale : size of one image in inches (at least 1 for images of 16 pixels or less).

    Returns
    -------
    fig, axes : the figure and the (nrows, ncols) array of axes.
    """
    imgs = _as_images(images, image_shape)
    scale = _readable_scale(imgs, scale)
    n = imgs.shape[0]
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    lines = max((_wrap(t, scale).count("\n") + 1 for t in titles or []), default=0)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(
            scale * ncols,
            (scale + 0.15 * lines) * nrows + (0.4 if suptitle else 0),
        ),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            _show(ax, imgs[i], cmap)
            if titles is not None:
                ax.set_title(_wrap(titles[i], scale), fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, axes


def image_rows(
    rows: Mapping[str, np.ndarray],
    *,
    image_shape: tuple[int, ...] | None = None,
    cmap: str = "gray",
    suptitle: str | None = None,
    scale: float = 1.0,
):
    """One labelled row of images per entry, e.g. synthetic vs nearest training image.

    Parameters
    ----------
    rows : mapping label -> images (N_i, ...); rows may have different lengths.

    Returns
    -------
    fig, axes : the figure and the (len(rows), max N_i) array of axes.
    """
    if not rows:
        raise ValueError("rows must hold at least one labelled batch of images")
    batches = {label: _as_images(imgs, image_shape) for label, imgs in rows.items()}
    scale = min(_readable_scale(b, scale) for b in batches.values())
    ncols = max(b.shape[0] for b in batches.values())
    fig, axes = plt.subplots(
        len(batches),
        ncols,
        figsize=(scale * ncols + 1.5, scale * len(batches) + (0.4 if suptitle else 0)),
        squeeze=False,
    )
    for r, (label, batch) in enumerate(batches.items()):
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < batch.shape[0]:
                _show(ax, batch[c], cmap)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, axes


def loss_curves(
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    logy: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    ax=None,
):
    """Plot one curve per named loss term.

    ``history`` maps a name to per-epoch values, e.g.
    ``{"reconstruction": [...], "kl": [...]}``. Give the unit in ``ylabel``, e.g.
    ``"loss (nats per image)"``; ``xlabel`` says what one point is (an epoch).
    """
    if not history:
        raise ValueError("history must hold at least one named curve")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 3.2))
    else:
        fig = ax.figure
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, marker="o", ms=3, label=name)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def latent_scatter(Z, labels=None, *, title: str | None = None, ax=None, s: float = 4):
    """Scatter 2-D latent codes ``(z0, z1)``, one colour and legend entry per label.

    A discrete legend (not a colour bar): labels are categories, and ten classes get
    ten distinct colours (``tab10``; ``tab20`` up to 20 classes).
    """
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 2:
        raise ValueError(f"Z must have shape (N, 2), got {Z.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.5))
    else:
        fig = ax.figure
    if labels is None:
        ax.scatter(Z[:, 0], Z[:, 1], s=s, alpha=0.6)
    else:
        labels = np.asarray(labels)
        if labels.shape[0] != Z.shape[0]:
            raise ValueError(f"{labels.shape[0]} labels for {Z.shape[0]} points")
        classes = np.unique(labels)
        colours = plt.get_cmap("tab10" if classes.size <= 10 else "tab20").colors
        for k, label in enumerate(classes):
            mine = labels == label
            ax.scatter(
                Z[mine, 0],
                Z[mine, 1],
                s=s,
                alpha=0.7,
                color=colours[k % len(colours)],
                label=str(label),
            )
        ax.legend(
            title="label",
            markerscale=max(1.0, 16 / s) ** 0.5,
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
        )
    ax.set_xlabel("z0")
    ax.set_ylabel("z1")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def latent_grid(
    images,
    z,
    *,
    dims: tuple[int, int] = (0, 1),
    image_shape: tuple[int, ...] | None = None,
    title: str | None = None,
    scale: float = 0.45,
    n_ticks: int = 5,
):
    """A latent traversal: decoded images at a square grid of codes, on z0/z1 axes.

    ``images`` and ``z`` as returned by :meth:`course_lib.vae.VAE.latent_grid`: n * n
    images in row-major order, left to right ``z[dims[0]]`` increasing, top to bottom
    ``z[dims[1]]`` decreasing. The images are tiled into one picture whose axes are
    labelled with the latent values, so it reads like :func:`latent_scatter`.
    """
    imgs = _as_images(images, image_shape)
    z = np.asarray(z, dtype=float)
    n = math.isqrt(imgs.shape[0])
    if n * n != imgs.shape[0] or z.ndim != 2 or z.shape[0] != imgs.shape[0]:
        raise ValueError(
            f"need n * n images and one code per image, got {imgs.shape[0]} images "
            f"and z of shape {z.shape}"
        )
    height, width = imgs.shape[1:3]
    tiled = imgs.reshape(n, n, height, width, *imgs.shape[3:]).swapaxes(1, 2)
    tiled = tiled.reshape(n * height, n * width, *imgs.shape[3:])
    fig, ax = plt.subplots(figsize=(scale * n + 0.8, scale * n + 0.6))
    ax.imshow(tiled, cmap="gray", vmin=0, vmax=1, extent=(0, n, n, 0))
    ticks = np.unique(np.linspace(0, n - 1, min(n_ticks, n)).round().astype(int))
    ax.set_xticks(ticks + 0.5, [f"{v:.1f}" for v in z[ticks, dims[0]]])
    ax.set_yticks(ticks + 0.5, [f"{v:.1f}" for v in z[ticks * n, dims[1]]])
    ax.set(xlabel=f"z{dims[0]}", ylabel=f"z{dims[1]}")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def _format_cell(value, digits: int) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def results_table(
    rows: Sequence[Mapping], *, title: str | None = None, digits=3
) -> str:
    """Format a list of dicts (same keys) as an aligned text table, for printing."""
    if not rows:
        raise ValueError("rows must hold at least one result")
    columns = list(rows[0].keys())
    cells = [
        [_format_cell(row.get(col, ""), digits) for col in columns] for row in rows
    ]
    widths = [
        max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)
    ]

    def line(values):
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    out = [title] if title else []
    out += [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def check_bands(
    bands: Mapping[str, tuple],
    *,
    sanity: Mapping[str, tuple] | None = None,
    title: str | None = None,
) -> str:
    """The results cell: a table of figures with their bands, and an assert on each.

    Parameters
    ----------
    bands : figure name -> ``(value, (low, high))``. A band is what a correct run
        gives; a wrong result (a broken model, a changed library) would leave it.
    sanity : the same, for checks that hold by construction or are properties of the
        real data; shown with the band marked "(sanity)": they check the plumbing,
        not the model.

    Returns
    -------
    table : str, ready to print, when every value lies in its band (inclusive).

    Raises
    ------
    AssertionError
        naming every figure outside its band, with the whole table.
    """
    checks = [(name, *check, "") for name, check in bands.items()]
    checks += [(name, *check, " (sanity)") for name, check in (sanity or {}).items()]
    if not checks:
        raise ValueError("bands must hold at least one (value, (low, high)) figure")
    rows, failures = [], []
    for name, value, (low, high), kind in checks:
        value = value.item() if isinstance(value, np.generic) else value
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        rows.append({"figure": name, "value": shown, "band": f"{low:g} .. {high:g}"})
        rows[-1]["band"] += kind
        if not low <= value <= high:
            failures.append(f"{name.strip()} = {shown} outside {low:g} .. {high:g}")
    table = results_table(rows, title=title)
    if failures:
        raise AssertionError("\n".join([table, "", *failures]))
    return table


def metric_bars(
    rows: Sequence[Mapping],
    *,
    metrics: Sequence[str] = ("minority_recall", "balanced_accuracy", "macro_f1"),
    title: str | None = None,
    ax=None,
):
    """Grouped bars of experiment results, ``mean`` with ``mean_std`` error bars.

    ``rows`` are dicts with a ``"method"`` name and, for each metric ``m``, keys ``m``
    and ``m_std`` (as returned by :func:`course_lib.augment.imbalance_experiment`).
    """
    if not rows:
        raise ValueError("rows must hold at least one result")
    if ax is None:
        fig, ax = plt.subplots(figsize=(3.2 + 1.4 * len(rows), 3.4))
    else:
        fig = ax.figure
    width = 0.8 / len(metrics)
    x = np.arange(len(rows))
    for k, metric in enumerate(metrics):
        means = [row[metric] for row in rows]
        errs = [row.get(f"{metric}_std", 0.0) for row in rows]
        ax.bar(
            x + (k - (len(metrics) - 1) / 2) * width,
            means,
            width,
            yerr=errs,
            capsize=3,
            label=metric.replace("_", " "),
        )
    ax.set_xticks(x, [row["method"] for row in rows], rotation=15, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


# ---- figures of notebook 01 (inverse-transform sampling) -------------------------
def _new_axes(ax, figsize):
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_cdf_quantiles(dist, levels, *, x=None, ax=None, title=None):
    """The CDF of a scipy frozen distribution with ``ppf(level)`` marked for each level.

    Each level ``q`` on the vertical axis is traced across to the curve and down to
    ``x = ppf(q)``: reading the CDF backwards is exactly what inverse-transform
    sampling does with a uniform ``q``. Returns ``(fig, ax)``.
    """
    from .sampling import check_quantiles

    levels = check_quantiles(levels, name="levels")
    if x is None:
        x = np.linspace(dist.ppf(0.001), dist.ppf(0.999), 400)
    fig, ax = _new_axes(ax, (6.4, 3.6))
    ax.plot(x, dist.cdf(x), lw=2, label="CDF  F(x) = P(X ≤ x)")
    for q, x_q in zip(levels, dist.ppf(levels), strict=True):
        ax.plot([x[0], x_q, x_q], [q, q, 0], ls="--", lw=1, color="0.5")
        ax.plot([x_q], [q], "o", color="C3")
        ax.annotate(
            f"ppf({q:.4f}) = {x_q:.1f}",
            (x_q, q),
            xytext=(8, -14),
            textcoords="offset points",
            fontsize=9,
        )
    ax.set(xlim=(x[0], x[-1]), ylim=(0, 1.03), xlabel="x", ylabel="F(x)")
    ax.legend(loc="upper left")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def plot_samples_vs_pdf(samples, pdf, *, bins=80, ax=None, title=None, xlabel="x"):
    """A density histogram of 1-D ``samples`` under the curve ``pdf(x)``.

    Returns ``(fig, ax)``.
    """
    samples = check_array(samples, name="samples", ndim=1)
    fig, ax = _new_axes(ax, (6.4, 3.4))
    ax.hist(
        samples, bins=bins, density=True, alpha=0.5, label=f"{samples.size:,} samples"
    )
    x = np.linspace(samples.min(), samples.max(), 400)
    ax.plot(x, pdf(x), lw=2, color="C3", label="pdf")
    ax.set(xlabel=xlabel, ylabel="density")
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig, ax


def plot_real_vs_synthetic(
    real, synthetic: dict, *, bins=50, xlabel="value", title=None
):
    """Compare a real 1-D feature with synthetic versions: histograms and CDFs.

    Parameters
    ----------
    real : array-like, shape (n,)
    synthetic : dict name -> array-like of shape (m,)

    Returns
    -------
    fig, axes : two axes, density histograms (left) and empirical CDFs (right).
    """
    real = check_array(real, name="real", ndim=1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    edges = np.histogram_bin_edges(real, bins=bins)
    axes[0].hist(real, bins=edges, density=True, color="0.6", label="real")
    for k, (name, values) in enumerate(synthetic.items()):
        values = check_array(values, name=name, ndim=1)
        axes[0].hist(
            values,
            bins=edges,
            density=True,
            histtype="step",
            lw=2,
            color=f"C{k}",
            label=name,
        )
    # The real CDF goes on top, dashed, so a synthetic curve lying on it stays visible.
    for k, (name, values) in enumerate([*synthetic.items(), ("real", real)]):
        values = np.sort(np.asarray(values, dtype=np.float64))
        is_real = k == len(synthetic)
        axes[1].step(
            values,
            np.arange(1, values.size + 1) / values.size,
            where="post",
            color="k" if is_real else f"C{k}",
            ls="--" if is_real else "-",
            lw=1.5 if is_real else 2,
            zorder=3 if is_real else 2,
            label=name,
        )
    axes[0].set(xlabel=xlabel, ylabel="density")
    axes[1].set(xlabel=xlabel, ylabel="fraction ≤ value (empirical CDF)")
    axes[0].legend()
    axes[1].legend(loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, axes


# ---- figures of notebook 02 (Gaussian Bayes) ------------------------------------
def plot_regularization_path(
    rows, *, metrics=("accuracy", "log_likelihood"), title=None
):
    """Held-out metrics against ``reg``, from :func:`regularization_path` rows.

    One panel per entry of ``metrics``; several ``covariance`` kinds may be mixed.
    Numeric ``reg`` values are drawn as a curve on a log axis, a ``"ledoit_wolf"`` row
    as a horizontal dashed line in the same colour. Returns ``(fig, axes)``, ``axes``
    a 1-D array with one axis per metric.
    """
    if not rows:
        raise ValueError("rows must hold at least one result of regularization_path")
    labels = {
        "accuracy": "held-out accuracy",
        "log_likelihood": "held-out log p(x) per row (nats)",
    }
    unknown = [key for key in metrics if key not in labels]
    if unknown or not metrics:
        raise ValueError(f"metrics must be chosen from {sorted(labels)}, got {metrics}")
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(5.5 * len(metrics), 3.6), squeeze=False
    )
    axes = axes[0]
    kinds = list(dict.fromkeys(row["covariance"] for row in rows))
    for color, kind in enumerate(kinds):
        mine = [row for row in rows if row["covariance"] == kind]
        numeric = sorted(
            (row for row in mine if not isinstance(row["reg"], str)),
            key=lambda row: row["reg"],
        )
        shrunk = [row for row in mine if row["reg"] == "ledoit_wolf"]
        for ax, key in zip(axes, metrics, strict=True):
            if numeric:
                ax.plot(
                    [row["reg"] for row in numeric],
                    [row[key] for row in numeric],
                    "o-",
                    color=f"C{color}",
                    label=f"{kind}, reg = r (added diagonal)",
                )
            for row in shrunk:
                ax.axhline(
                    row[key], ls="--", color=f"C{color}", label=f"{kind}, Ledoit–Wolf"
                )
    for ax, key in zip(axes, metrics, strict=True):
        ax.set_xscale("log")
        ax.set(xlabel="r (added to the covariance diagonal)", ylabel=labels[key])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, axes
