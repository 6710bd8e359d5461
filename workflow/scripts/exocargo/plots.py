"""Volcano and MA plots of a differential expression table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from exocargo.io import atomic_output  # noqa: E402

# Fixed metadata keeps PNG/SVG bytes identical across reruns.
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}


def save(fig, paths: list[str]) -> None:
    """Save a figure to every path (format from the suffix) without timestamps, then close."""
    matplotlib.rcParams["svg.hashsalt"] = "exocargo"
    for path in paths:
        kind = str(path).rsplit(".", 1)[-1]
        metadata = {
            "svg": SVG_METADATA,
            "pdf": {"CreationDate": None, "Creator": None},
        }.get(kind, PNG_METADATA)
        with atomic_output(path) as temporary:
            fig.savefig(temporary, format=kind, dpi=120, metadata=metadata)
    plt.close(fig)


def _colours(result: pd.DataFrame, alpha: float) -> np.ndarray:
    significant = result["padj"].lt(alpha).to_numpy()
    up = significant & (result["log2FoldChange"].to_numpy() > 0)
    down = significant & (result["log2FoldChange"].to_numpy() < 0)
    colours = np.full(len(result), "#b0b0b0", dtype=object)
    colours[up] = "#c0392b"
    colours[down] = "#2e6da4"
    return colours


def _label(ax, result: pd.DataFrame, x: str, y: np.ndarray, labels: dict[str, str]):
    for i, feature in enumerate(result["feature_id"]):
        if feature in labels and np.isfinite(y[i]):
            ax.annotate(
                labels[feature],
                (result[x].iloc[i], y[i]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )


def volcano(result: pd.DataFrame, title: str, alpha: float, paths: list[str],
            labels: dict[str, str] | None = None) -> None:
    """Volcano plot (log2 fold change vs -log10 p-value), significant hits coloured.

    ``labels`` maps feature ids to text drawn beside their points (e.g. catalog cargo).
    """
    fig, ax = plt.subplots(figsize=(6, 5))
    y = -np.log10(result["pvalue"].clip(lower=1e-300)).to_numpy()
    ax.scatter(result["log2FoldChange"], y, s=8, c=_colours(result, alpha), linewidths=0)
    _label(ax, result, "log2FoldChange", y, labels or {})
    ax.axvline(0, color="black", linewidth=0.5)
    ax.set_xlabel("log2 fold change")
    ax.set_ylabel("-log10 p-value")
    ax.set_title(title)
    fig.tight_layout()
    save(fig, paths)


def ma_plot(result: pd.DataFrame, title: str, alpha: float, paths: list[str],
            labels: dict[str, str] | None = None) -> None:
    """MA plot (mean of normalised counts vs shrunken log2 fold change)."""
    fig, ax = plt.subplots(figsize=(6, 5))
    x = np.log10(result["baseMean"].clip(lower=1e-1))
    y = result["log2FoldChange_shrunk"].fillna(result["log2FoldChange"]).to_numpy()
    ax.scatter(x, y, s=8, c=_colours(result, alpha), linewidths=0)
    shown = result.assign(log10_baseMean=x)
    _label(ax, shown, "log10_baseMean", y, labels or {})
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("log10 mean of normalised counts")
    ax.set_ylabel("shrunken log2 fold change")
    ax.set_title(title)
    fig.tight_layout()
    save(fig, paths)
