"""Saving matplotlib figures so that reruns write identical bytes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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

