"""Figures the notebooks share: image grids, loss curves, latent plots, paired gains.

A figure that only one notebook draws lives in that notebook, where it can be read.

Every function returns ``(fig, ax)`` (``ax`` may be an array of axes) and never calls
``plt.show()``: the notebook decides when to show a figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "image_grid",
    "latent_scatter",
    "loss_curves",
    "paired_gains",
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
    suptitle: str | None = None,
    scale: float = 1.0,
):
    """Show a batch of images in a grid, or one labelled row per entry of a mapping.

    Parameters
    ----------
    images : array, shape (N, H, W), (N, H, W, 3) or (N, H*W) with ``image_shape``,
        uint8 in 0..255 or floats in [0, 1] (values outside are clipped for display);
        or a mapping label -> such a batch: one row per entry, the label on its left
        (e.g. synthetic samples above their nearest training images); rows may have
        different lengths, and ``ncols`` and ``titles`` are then unused.
    ncols : images per row.
    titles : optional list of N titles (long ones wrap onto several lines).
    scale : size of one image in inches (at least 1 for images of 16 pixels or less).

    Returns
    -------
    fig, axes : the figure and the (nrows, ncols) array of axes.
    """
    if isinstance(images, Mapping):
        if not images:
            raise ValueError("images must hold at least one labelled batch")
        rows = [(label, _as_images(b, image_shape)) for label, b in images.items()]
        ncols, titles = max(len(batch) for _, batch in rows), None
    else:
        flat = _as_images(images, image_shape)
        ncols = max(1, min(ncols, len(flat)))
        rows = [(None, flat[i : i + ncols]) for i in range(0, len(flat), ncols)]
    labelled = rows[0][0] is not None
    small = max(batch.shape[1] for _, batch in rows) <= SMALL_IMAGE
    scale = max(scale, MIN_SCALE) if small else scale
    lines = max((_wrap(t, scale).count("\n") + 1 for t in titles or []), default=0)
    width = scale * ncols + (1.5 if labelled else 0)  # inches, with the row labels
    height = (scale + 0.15 * lines) * len(rows) + (0.4 if suptitle else 0)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(width, height), squeeze=False)
    for r, (label, batch) in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.set(xticks=[], yticks=[])
            ax.spines[:].set_visible(False)
            if c < len(batch):
                # "nearest": each pixel of a small image is a crisp square, not a blur
                ax.imshow(
                    batch[c], cmap="gray", vmin=0, vmax=1, interpolation="nearest"
                )
                if titles is not None:
                    ax.set_title(_wrap(titles[r * ncols + c], scale), fontsize=8)
        if labelled:
            axes[r, 0].set_ylabel(
                label, rotation=0, ha="right", va="center", fontsize=9
            )
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, axes


def loss_curves(
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    ax=None,
):
    """Plot one curve per named loss term.

    ``history`` maps a name to per-epoch values, e.g.
    ``{"reconstruction": [...], "kl": [...]}``; the axes read "epoch" and "loss" (set
    the unit on the returned axis, e.g. ``ax.set_ylabel("loss (nats per image)")``).
    """
    if not history:
        raise ValueError("history must hold at least one named curve")
    fig, ax = plt.subplots(figsize=(5, 3.2)) if ax is None else (ax.figure, ax)
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, marker="o", ms=3, label=name)
    ax.set(xlabel="epoch", ylabel="loss", title=title or "")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig, ax


def latent_scatter(Z, labels, *, title: str | None = None, ax=None):
    """Scatter 2-D latent codes ``(z0, z1)``, one colour and legend entry per label.

    A discrete legend (not a colour bar): labels are categories, and ten classes get
    ten distinct colours (``tab10``; ``tab20`` up to 20 classes).
    """
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[1] != 2:
        raise ValueError(f"Z must have shape (N, 2), got {Z.shape}")
    fig, ax = plt.subplots(figsize=(5, 4.5)) if ax is None else (ax.figure, ax)
    labels = np.asarray(labels)
    if labels.shape[0] != Z.shape[0]:
        raise ValueError(f"{labels.shape[0]} labels for {Z.shape[0]} points")
    classes = np.unique(labels)
    colours = plt.get_cmap("tab10" if classes.size <= 10 else "tab20").colors
    for k, label in enumerate(classes):
        mine = labels == label
        colour = colours[k % len(colours)]
        ax.scatter(Z[mine, 0], Z[mine, 1], s=4, alpha=0.7, color=colour, label=label)
    ax.legend(
        title="label",
        markerscale=2.0,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set(xlabel="z0", ylabel="z1", title=title or "")
    fig.tight_layout()
    return fig, ax


def paired_gains(rows: Sequence[Mapping], *, ax=None, title: str | None = None):
    """Each contender's paired difference from the reference, with its interval.

    ``rows`` as :func:`course_lib.experiment.paired_summary` returns them; rows
    without a difference (the reference, the controls) are left out. A point is the
    mean difference in minority recall, the bar its 95 % interval; the dotted line at
    0 is the reference: an interval wholly right of it is a win, left of it a loss.
    """
    rows = [row for row in rows if row.get("difference") is not None]
    if not rows:
        raise ValueError("rows must hold at least one paired difference")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.5 + 0.4 * len(rows)))
    y = np.arange(len(rows))[::-1]
    mean = np.array([row["difference"] for row in rows])
    spread = [mean - [r["low"] for r in rows], [r["high"] for r in rows] - mean]
    ax.errorbar(mean, y, xerr=spread, fmt="o", capsize=3)
    ax.axvline(0, color="grey", ls=":")
    ax.set_yticks(y, [row["contender"] for row in rows])
    ax.set_xlabel("minority recall minus the reference's (95 % interval)")
    if title:
        ax.set_title(title)
    return ax.figure, ax
