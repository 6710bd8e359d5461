"""QC and exploration figures.

This module only draws: the statistics it shows (variance-stabilised counts, PCA, distances,
clustering orders) come from :mod:`exocargo.exploration`, hits from
:func:`exocargo.tables.significant`. Every figure is written as PNG (embedded in the HTML
report) and SVG (vector, for papers) through :func:`exocargo.plots.save`, which strips time
stamps so reruns give identical files. Figures:

* read lengths of the reads kept by trimming, per sample;
* composition: where each sample's raw reads went (adapter dimers, too short, cascade
  biotypes, unmapped; STAR classes for long-RNA libraries);
* PCA of variance-stabilised counts, one panel per condition column of the sheet;
* sample-to-sample distance heatmap, clustered;
* heatmap of catalog cargo across samples;
* volcano and MA plots with every catalog feature ringed and the significant ones named.
"""

from __future__ import annotations

import textwrap

import logging
from dataclasses import dataclass
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from exocargo import exploration, plots, tables  # noqa: E402

log = logging.getLogger(__name__)

VERDICT_COLOURS = {"pass": "#4a7ab5", "warn": "#e69f00", "fail": "#c0392b"}
VERDICT_MARKERS = {"pass": "o", "warn": "s", "fail": "X"}
# Fixed colours for the categories every run has; cascade steps a user adds get the
# remaining colours of tab20 in cascade order.
CATEGORY_COLOURS = {
    "removed: no UMI": "#5b5b5b",
    "adapter dimer": "#2b2b2b",
    "too short": "#8c8c8c",
    "too long": "#c7c7c7",
    "UMI duplicate": "#e0d5c1",
    "rRNA": "#8c564b",
    "miRNA": "#d62728",
    "tRNA": "#1f77b4",
    "YRNA": "#2ca02c",
    "piRNA": "#9467bd",
    "genome": "#bcbd22",
    "unmapped": "#f2f2f2",
    "removed by trimming": "#8c8c8c",
    "assigned to genes": "#2ca02c",
    "unique, no gene": "#98df8a",
    "multi-mapped": "#ff7f0e",
}


def short_name(feature_id: str) -> str:
    """A label for plots: miRBase species prefix dropped from each merged name."""
    return "/".join(
        part.split("-", 1)[1] if part.count("-") >= 2 and part[:3].isalpha() else part
        for part in str(feature_id).split("/")
    )


def _category_colours(categories: list[str]) -> dict[str, str]:
    spare = iter(plt.get_cmap("tab20").colors)
    colours = {}
    for category in categories:
        colours[category] = CATEGORY_COLOURS.get(category) or matplotlib.colors.to_hex(
            next(spare)
        )
    return colours


def note_figure(message: str, paths: list[str]) -> None:
    """A figure holding only a short note: what stands in for a plot with nothing to show."""
    fig, ax = plt.subplots(figsize=(6, 1.5))
    ax.axis("off")
    ax.text(0.5, 0.5, textwrap.fill(message, 90), ha="center", va="center", fontsize=10)
    plots.save(fig, paths)


def condition_colours(sheet: pd.DataFrame, conditions: list[str]) -> dict[str, dict[str, str]]:
    """Colour of every level of every condition column, distinct across conditions.

    Levels are sorted; colours run through tab10 then Dark2 without repeating until both
    are used up, so that 'resistant' and 'B1' never share a colour in one figure.
    """
    palette = [matplotlib.colors.to_hex(c) for c in
               plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors]
    colours, used = {}, 0
    for condition in conditions:
        levels = sorted(set(sheet[condition].astype(str)))
        colours[condition] = {
            level: palette[(used + i) % len(palette)] for i, level in enumerate(levels)
        }
        used += len(levels)
    return colours


# --------------------------------------------------------------------------------------------
# QC figures
# --------------------------------------------------------------------------------------------


def read_length_figure(lengths: pd.DataFrame, verdicts: pd.Series, paths: list[str]) -> None:
    """Read-length distributions of the reads kept by trimming.

    ``lengths`` is long format (sample, length, reads); ``verdicts`` maps sample to
    pass/warn/fail. Left: share of each sample's reads per length, coloured by verdict;
    right: the same as a heatmap, one row per sample.
    """
    if lengths.empty:
        note_figure("no small-RNA libraries", paths)
        return
    wide = lengths.pivot_table(
        index="sample", columns="length", values="reads", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex([s for s in verdicts.index if s in wide.index])
    full = range(int(wide.columns.min()), int(wide.columns.max()) + 1)
    wide = wide.reindex(columns=full, fill_value=0)
    share = wide.div(wide.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    height = max(3.5, 0.22 * len(share) + 1.2)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, height), gridspec_kw={"width_ratios": [1, 1.2]}
    )
    for sample, row in share.iterrows():
        verdict = verdicts.get(sample, "pass")
        left.plot(
            row.index,
            100 * row.to_numpy(),
            color=VERDICT_COLOURS[verdict],
            linewidth=2 if verdict != "pass" else 1,
            alpha=0.9 if verdict != "pass" else 0.6,
            zorder=3 if verdict != "pass" else 2,
        )
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_xlabel("read length after trimming (nt)")
    left.set_ylabel("% of kept reads")
    left.set_title("Read lengths (kept reads)")
    left.legend(
        handles=[Line2D([], [], color=c, label=v) for v, c in VERDICT_COLOURS.items()],
        title="QC verdict",
        fontsize=8,
    )
    image = right.imshow(100 * share.to_numpy(), aspect="auto", cmap="viridis",
                         interpolation="nearest")
    right.set_yticks(range(len(share)))
    right.set_yticklabels(
        [f"{s} ({verdicts.get(s, 'pass')})" if verdicts.get(s) != "pass" else s
         for s in share.index],
        fontsize=7,
    )
    ticks = [i for i, length in enumerate(share.columns) if length % 5 == 0]
    right.set_xticks(ticks)
    right.set_xticklabels([share.columns[i] for i in ticks])
    right.set_xlabel("read length (nt)")
    fig.colorbar(image, ax=right, label="% of kept reads")
    fig.tight_layout()
    plots.save(fig, paths)


def composition_figure(
    composition: pd.DataFrame, verdicts: pd.Series, paths: list[str]
) -> None:
    """Stacked bars of where each sample's raw reads went, one row of panels per library
    type: share of raw reads (left) and read numbers (right)."""
    if composition.empty:
        note_figure("no samples", paths)
        return
    libraries = [lib for lib in ("small", "long") if (composition["library"] == lib).any()]
    heights = [composition.loc[composition["library"] == lib, "sample"].nunique()
               for lib in libraries]
    fig, axes = plt.subplots(
        len(libraries),
        2,
        figsize=(12, max(3.0, 0.3 * sum(heights) + 1.5 * len(libraries))),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for row, library in enumerate(libraries):
        part = composition[composition["library"] == library]
        categories = list(dict.fromkeys(part["category"]))
        colours = _category_colours(categories)
        samples = [s for s in verdicts.index if s in set(part["sample"])][::-1]
        for column, value, label in ((0, "fraction", "share of raw reads (%)"),
                                     (1, "reads", "reads")):
            ax = axes[row][column]
            wide = part.pivot_table(index="sample", columns="category", values=value,
                                    aggfunc="sum", fill_value=0)
            wide = wide.reindex(index=samples, columns=categories, fill_value=0)
            if value == "fraction":
                wide = wide * 100
            left = np.zeros(len(wide))
            for category in categories:
                ax.barh(range(len(wide)), wide[category].to_numpy(), left=left,
                        color=colours[category], edgecolor="white", linewidth=0.3,
                        label=category)
                left += wide[category].to_numpy()
            ax.set_yticks(range(len(wide)))
            ax.set_yticklabels(
                [f"{s} ({verdicts.get(s)})" if verdicts.get(s) != "pass" else s
                 for s in wide.index],
                fontsize=7,
            )
            for tick, sample in zip(ax.get_yticklabels(), wide.index):
                tick.set_color(VERDICT_COLOURS.get(verdicts.get(sample, "pass"), "black")
                               if verdicts.get(sample) != "pass" else "black")
            ax.set_xlabel(label)
            if value == "reads":
                ax.ticklabel_format(axis="x", style="plain")
            title = "small-RNA libraries" if library == "small" else "long-RNA libraries"
            ax.set_title(f"{title}: {'composition' if column == 0 else 'read numbers'}")
        axes[row][1].legend(
            handles=[Patch(facecolor=colours[c], edgecolor="#999999", label=c)
                     for c in categories],
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
            fontsize=7,
        )
    fig.tight_layout()
    plots.save(fig, paths)


# --------------------------------------------------------------------------------------------
# Exploration figures (of variance-stabilised counts)
# --------------------------------------------------------------------------------------------


def pca_figure(
    views: Mapping[str, exploration.PCA],
    sheet: pd.DataFrame,
    conditions: list[str],
    verdicts: pd.Series,
    title: str,
    paths: list[str],
) -> None:
    """PC1 vs PC2, one panel per condition column and one row per view.

    ``views`` maps a name to the :func:`exocargo.exploration.pca` of a set of samples, e.g.
    all samples and the samples kept for DE. Marker shape shows the QC verdict.
    """
    panels = conditions or ["library"]
    colours = condition_colours(sheet, panels)
    fig, axes = plt.subplots(len(views), len(panels),
                             figsize=(4.6 * len(panels), 4.2 * len(views)), squeeze=False)
    for row, (name, view) in zip(axes, views.items()):
        coords, explained, second = view.coords, view.explained, view.second
        shown = sorted(set(verdicts.reindex(coords.index).fillna("pass")) - {"pass"})
        for ax, condition in zip(row, panels):
            values = sheet.loc[coords.index, condition].astype(str)
            for sample in coords.index:
                verdict = verdicts.get(sample, "pass")
                point = (coords.loc[sample, "PC1"], coords.loc[sample, second])
                ax.scatter(*point, color=colours[condition][values[sample]],
                           marker=VERDICT_MARKERS.get(verdict, "o"), s=60,
                           edgecolors="black", linewidths=0.4)
                if verdict != "pass":
                    ax.annotate(sample, point, fontsize=7, xytext=(4, 4),
                                textcoords="offset points")
            ax.set_xlabel(f"PC1 ({100 * explained[0]:.0f}% of variance)")
            if len(explained) > 1:
                ax.set_ylabel(f"PC2 ({100 * explained[1]:.0f}% of variance)")
            ax.set_title(f"{title}, {name}: {condition}", fontsize=10)
            handles = [Patch(color=c, label=level) for level, c in colours[condition].items()]
            handles += [Line2D([], [], marker=VERDICT_MARKERS[v], linestyle="", color="grey",
                               label=f"QC {v}") for v in shown]
            ax.legend(handles=handles, fontsize=7)
    fig.tight_layout()
    plots.save(fig, paths)


def _heatmap_layout(n_rows: int, n_columns: int, n_strips: int, strips_on_top: bool,
                    label_space: float):
    """Figure and axes (heatmap, strips, colour bar) with cells of about 0.3 inch.

    Strips sit above the heatmap (one row per condition, for samples in columns) or to its
    left (one column per condition, for samples in rows).
    """
    cell, strip = 0.3, 0.22
    width = label_space + n_columns * cell + 1.6 + (0 if strips_on_top else n_strips * strip + 1.4)
    height = 1.6 + n_rows * cell + (n_strips * strip if strips_on_top else 0) + 1.2
    fig = plt.figure(figsize=(max(width, 5.5), max(height, 3.5)))
    if strips_on_top:
        grid = fig.add_gridspec(
            n_strips + 1, 2,
            height_ratios=[strip] * n_strips + [n_rows * cell],
            width_ratios=[n_columns * cell, 0.25],
            left=label_space / fig.get_figwidth(), right=1 - 1.1 / fig.get_figwidth(),
            top=1 - 0.7 / fig.get_figheight(), bottom=1.2 / fig.get_figheight(),
            hspace=0.08, wspace=0.05,
        )
        strips = [fig.add_subplot(grid[i, 0]) for i in range(n_strips)]
        heatmap = fig.add_subplot(grid[n_strips, 0])
        colourbar = fig.add_subplot(grid[n_strips, 1])
    else:
        # a spacer column leaves room for the row labels right of the heatmap
        grid = fig.add_gridspec(
            1, n_strips + 3,
            width_ratios=[strip] * n_strips + [n_columns * cell, 1.4, 0.25],
            left=0.4 / fig.get_figwidth(), right=1 - 1.1 / fig.get_figwidth(),
            top=1 - 0.7 / fig.get_figheight(), bottom=label_space / fig.get_figheight(),
            wspace=0.08,
        )
        strips = [fig.add_subplot(grid[0, i]) for i in range(n_strips)]
        heatmap = fig.add_subplot(grid[0, n_strips])
        colourbar = fig.add_subplot(grid[0, n_strips + 2])
    return fig, heatmap, strips, colourbar


def _draw_strips(strips, sheet, samples, conditions, colours, on_top: bool) -> list:
    """Colour strips of each sample's condition levels; returns legend handles."""
    handles = []
    for strip, condition in zip(strips, conditions):
        levels = colours[condition]
        values = sheet.loc[samples, condition].astype(str)
        codes = np.array([list(levels).index(v) for v in values])
        cmap = ListedColormap(list(levels.values()))
        image = codes[None, :] if on_top else codes[:, None]
        strip.imshow(image, aspect="auto", cmap=cmap, vmin=-0.5, vmax=len(levels) - 0.5,
                     interpolation="nearest")
        strip.set_xticks([])
        strip.set_yticks([])
        if on_top:
            strip.set_ylabel(condition, rotation=0, ha="right", va="center", fontsize=7)
        else:
            strip.set_xlabel(condition, rotation=90, fontsize=7)
        handles += [Patch(color=c, label=f"{condition}: {level}") for level, c in levels.items()]
    return handles


def _annotate_heatmap(fig, image, colourbar, label: str, strips, sheet, samples, conditions,
                      on_top: bool) -> None:
    """Condition strips, colour bar and the strips' legend of a heatmap; the legend goes
    into the corner the strips leave free (lower right for strips on top)."""
    handles = _draw_strips(strips, sheet, samples, conditions,
                           condition_colours(sheet, conditions), on_top=on_top)
    fig.colorbar(image, cax=colourbar, label=label)
    if handles:
        corner, anchor = ("lower right", (1.0, 0.0)) if on_top else ("upper left", (0.0, 1.0))
        fig.legend(handles=handles, loc=corner, fontsize=7, frameon=False,
                   ncol=max(1, len(conditions)), bbox_to_anchor=anchor)


def distance_figure(
    vst: pd.DataFrame, sheet: pd.DataFrame, conditions: list[str], title: str, paths: list[str]
) -> None:
    """Euclidean distances between samples on variance-stabilised counts, clustered."""
    distances = exploration.sample_distances(vst)
    samples = list(distances.index)
    n = len(samples)
    fig, ax, strips, colourbar = _heatmap_layout(n, n, len(conditions), False, 1.4)
    image = ax.imshow(distances.to_numpy(), aspect="auto", cmap="Blues_r",
                      interpolation="nearest")
    ax.set_xticks(range(n))
    ax.set_xticklabels(samples, rotation=90, fontsize=7)
    ax.yaxis.tick_right()
    ax.set_yticks(range(n))
    ax.set_yticklabels(samples, fontsize=7)
    _annotate_heatmap(fig, image, colourbar, "Euclidean distance (VST)", strips, sheet,
                      samples, conditions, on_top=False)
    fig.suptitle(f"{title}: sample-to-sample distances", x=0.99, ha="right", fontsize=10)
    plots.save(fig, paths)


def cargo_features(cargo_tables: list[pd.DataFrame], rna_class: str) -> pd.DataFrame:
    """Catalog cargo of one RNA class found in any contrast's cargo table.

    ``cargo_tables`` are read with :func:`exocargo.tables.read_cargo_table` (flags as
    booleans). Returns one row per feature: feature_id, label, significant_in (contrasts
    where the feature is significant), catalog (catalog names joined).
    """
    rows = {}
    for table in cargo_tables:
        if table.empty:
            continue
        known = table[(table["rna_class"] == rna_class) & table["in_catalog"]]
        for record in known.to_dict(orient="records"):
            feature = record["feature_id"]
            gene = record.get("gene_name")
            entry = rows.setdefault(feature, {
                "feature_id": feature,
                "label": gene if isinstance(gene, str) and gene else short_name(feature),
                "significant_in": set(),
                "catalog": set(),
            })
            if record["significant"]:
                entry["significant_in"].add(record["contrast"])
            entry["catalog"].add(str(record["catalog_cargo"]))
    table = pd.DataFrame(
        [
            {**entry, "significant_in": ", ".join(sorted(entry["significant_in"])),
             "catalog": "; ".join(sorted(entry["catalog"]))}
            for entry in rows.values()
        ],
        columns=["feature_id", "label", "significant_in", "catalog"],
    )
    return table.sort_values("feature_id").reset_index(drop=True)


def cargo_heatmap_figure(
    vst: pd.DataFrame,
    features: pd.DataFrame,
    sheet: pd.DataFrame,
    conditions: list[str],
    title: str,
    paths: list[str],
) -> None:
    """Row-scaled (z-score) variance-stabilised counts of the catalog cargo.

    Samples are ordered by the condition columns, rows by clustering. A feature that is
    significant in some contrast is marked with '*'.
    """
    features = features[features["feature_id"].isin(vst.index)]
    if features.empty:
        note_figure(f"{title}: no catalog cargo among the measured features", paths)
        return
    samples = list(vst.columns)
    if conditions:
        order = sheet.loc[samples, conditions].astype(str)
        samples = list(order.sort_values(conditions, kind="stable").index)
    scaled = exploration.clustered_zscores(vst.loc[features["feature_id"], samples])
    rows = features.set_index("feature_id").loc[scaled.index]
    labels = [
        f"{label} *" if significant else label
        for label, significant in zip(rows["label"], rows["significant_in"])
    ]
    longest = max(len(label) for label in labels)
    fig, ax, strips, colourbar = _heatmap_layout(
        len(labels), len(samples), len(conditions), True, 0.4 + 0.065 * longest
    )
    z = scaled.to_numpy()
    limit = max(2.0, float(np.abs(z).max()))
    image = ax.imshow(z, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest")
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xticks(range(len(samples)))
    ax.set_xticklabels(samples, rotation=90, fontsize=7)
    _annotate_heatmap(fig, image, colourbar, "z-score of VST counts", strips, sheet,
                      samples, conditions, on_top=True)
    fig.text(0.01, 0.01, "* significant in at least one contrast", fontsize=7)
    fig.suptitle(f"{title}: catalog cargo across samples", x=0.01, ha="left", fontsize=10)
    plots.save(fig, paths)


# --------------------------------------------------------------------------------------------
# Volcano and MA plots with the catalog cargo
# --------------------------------------------------------------------------------------------


def cargo_labels(cargo: pd.DataFrame, rna_class: str) -> tuple[dict[str, str], set[str]]:
    """Catalog cargo of one RNA class on a contrast's plots.

    ``cargo`` is read with :func:`exocargo.tables.read_cargo_table` (flags as booleans).
    Returns the labels of the significant catalog features (feature id -> name) and the
    ids of every catalog feature (drawn as rings, named only when significant).
    """
    if cargo.empty:
        return {}, set()
    known = cargo[(cargo["rna_class"] == rna_class) & cargo["in_catalog"]]
    significant = known[known["significant"]]
    significant = significant.drop_duplicates("feature_id").sort_values(
        ["pvalue", "feature_id"], na_position="last", kind="stable"
    )
    labels = {
        row.feature_id: (row.gene_name if isinstance(row.gene_name, str) and row.gene_name
                         else short_name(row.feature_id))
        for row in significant.itertuples()
    }
    return labels, set(known["feature_id"])


def _de_colours(result: pd.DataFrame, alpha: float) -> np.ndarray:
    significant = tables.significant(result["padj"], alpha).to_numpy()
    lfc = result["log2FoldChange"].to_numpy()
    colours = np.full(len(result), "#b0b0b0", dtype=object)
    colours[significant & (lfc > 0)] = "#c0392b"
    colours[significant & (lfc < 0)] = "#2e6da4"
    return colours


def _de_scatter(ax, x, y, result, alpha, labels, catalog) -> None:
    ax.scatter(x, y, s=8, c=_de_colours(result, alpha), linewidths=0, zorder=2)
    ring = result["feature_id"].isin(catalog).to_numpy() & np.isfinite(y)
    ax.scatter(x[ring], y[ring], s=40, facecolors="none", edgecolors="black",
               linewidths=0.8, zorder=3)
    ids = result["feature_id"].to_numpy()
    for i in np.flatnonzero(np.isin(ids, list(labels)) & np.isfinite(y)):
        ax.annotate(labels[ids[i]], (x[i], y[i]), fontsize=7, xytext=(4, 3),
                    textcoords="offset points", zorder=4,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.7})
    handles = [
        Line2D([], [], marker="o", linestyle="", color="#c0392b", label=f"up (padj < {alpha})"),
        Line2D([], [], marker="o", linestyle="", color="#2e6da4", label="down"),
        Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
               markeredgecolor="black", label="catalog cargo (named if significant)"),
    ]
    ax.legend(handles=handles, fontsize=7, loc="best")


def volcano_figure(result: pd.DataFrame, title: str, alpha: float, labels: dict[str, str],
                   catalog: set[str], paths: list[str]) -> None:
    """Volcano plot (log2 fold change vs -log10 p-value), catalog cargo ringed and named."""
    axes = _DeAxes(
        x=result["log2FoldChange"].to_numpy(dtype=float),
        y=-np.log10(result["pvalue"].clip(lower=1e-300).to_numpy(dtype=float)),
        xlabel="log2 fold change (case / control)",
        ylabel="-log10 p-value",
        zero_on_x=True,
    )
    _de_figure(result, axes, title, alpha, labels, catalog, paths)


def ma_figure(result: pd.DataFrame, title: str, alpha: float, labels: dict[str, str],
              catalog: set[str], paths: list[str]) -> None:
    """MA plot (mean of normalised counts vs shrunken log2 fold change), cargo named."""
    axes = _DeAxes(
        x=np.log10(result["baseMean"].clip(lower=1e-1).to_numpy(dtype=float)),
        y=result["log2FoldChange_shrunk"].fillna(result["log2FoldChange"]).to_numpy(dtype=float),
        xlabel="log10 mean of normalised counts",
        ylabel="shrunken log2 fold change",
        zero_on_x=False,
    )
    _de_figure(result, axes, title, alpha, labels, catalog, paths)


@dataclass(frozen=True)
class _DeAxes:
    """What a DE figure plots: one point per feature at (x, y), and a line at zero on the
    x axis (volcano: fold change) or on the y axis (MA: fold change)."""

    x: np.ndarray
    y: np.ndarray
    xlabel: str
    ylabel: str
    zero_on_x: bool


def _de_figure(result: pd.DataFrame, axes: _DeAxes, title: str, alpha: float,
               labels: dict[str, str], catalog: set[str], paths: list[str]) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 5.2))
    _de_scatter(ax, axes.x, axes.y, result, alpha, labels, catalog)
    zero_line = ax.axvline if axes.zero_on_x else ax.axhline
    zero_line(0, color="black", linewidth=0.5)
    ax.set_xlabel(axes.xlabel)
    ax.set_ylabel(axes.ylabel)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    plots.save(fig, paths)
