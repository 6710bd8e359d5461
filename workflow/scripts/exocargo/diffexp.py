"""Differential expression of one RNA class for one contrast with pydeseq2.

The design is ``~ covariates + variable`` with the control level as reference, so the
tested coefficient is case vs control. pydeseq2 provides Cook's distance outlier
refitting/filtering and independent filtering; the shrunken log2 fold changes (apeGLM-like
prior, pydeseq2's ``lfc_shrink``) are written beside the raw ones.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Count matrices (features x samples, after the pre-filter) smaller than this are fitted in
# one process: joblib's workers cost more to start than they save (the demo's 229 x 12 miRNA
# matrix: 1.5 s instead of 4.0 s; 2,000 x 100 still gains from 2 workers).
PARALLEL_MIN_VALUES = 50_000

RESULT_COLUMNS = [
    "feature_id",
    "baseMean",
    "log2FoldChange",
    "lfcSE",
    "stat",
    "pvalue",
    "padj",
    "log2FoldChange_shrunk",
    "lfcSE_shrunk",
]


@dataclass(frozen=True)
class Contrast:
    """A comparison of two levels of a sample sheet column, adjusted for covariates."""

    name: str
    variable: str
    case: str
    control: str
    covariates: tuple[str, ...] = field(default_factory=tuple)
    context: str = ""

    @classmethod
    def from_config(cls, name: str, entry: dict) -> "Contrast":
        """Build from one entry of ``diffexp.contrasts`` in the config."""
        return cls(
            name=name,
            variable=entry["variable"],
            case=entry["case"],
            control=entry["control"],
            covariates=tuple(entry.get("covariates", [])),
            context=entry.get("context", ""),
        )


def design_metadata(samples: pd.DataFrame, contrast: Contrast) -> pd.DataFrame:
    """Metadata of the samples in the contrast's two levels, with safe factor names.

    Columns are renamed to ``condition`` and ``covariate1..n`` so that any sheet column
    name works in the design formula; the variable's categories are [control, case] so the
    control is the reference level.
    """
    keep = samples[contrast.variable].isin([contrast.case, contrast.control])
    subset = samples.loc[keep]
    metadata = pd.DataFrame(index=subset.index)
    for i, covariate in enumerate(contrast.covariates, start=1):
        levels = sorted(set(subset[covariate]))
        metadata[f"covariate{i}"] = pd.Categorical(subset[covariate], categories=levels)
    metadata["condition"] = pd.Categorical(
        subset[contrast.variable], categories=[contrast.control, contrast.case]
    )
    return metadata


def usable_covariates(metadata: pd.DataFrame) -> list[str]:
    """Covariate columns that vary among the tested samples (a constant one is dropped)."""
    return [
        c
        for c in metadata.columns
        if c.startswith("covariate") and metadata[c].nunique() > 1
    ]


def run_deseq2(
    counts: pd.DataFrame,
    samples: pd.DataFrame,
    contrast: Contrast,
    alpha: float = 0.05,
    min_count: int = 10,
    min_samples: int | None = None,
    n_cpus: int = 1,
    size_factors: pd.Series | None = None,
) -> pd.DataFrame:
    """Test one contrast on a feature x sample count matrix; return the result table.

    ``samples`` is the sample sheet indexed by sample name, restricted to the samples to
    test. Features are kept when at least ``min_samples`` samples (default: the size of the
    smaller level) have ``min_count`` reads or more: the pre-filter of the DESeq2 vignette,
    which drops features too sparse to test before they reach the multiple-testing
    correction (e.g. a few reads spilling over from a DE paralog). ``size_factors``
    (indexed by sample) replace pydeseq2's own median-of-ratios estimate: a circRNA matrix
    is too sparse to normalise itself, so it takes the factors of the linear gene counts of
    the same libraries (see ``median_of_ratios``). The table has
    one row per kept feature, sorted by feature_id.
    """
    metadata = design_metadata(samples, contrast)
    matrix = prefilter(counts.loc[:, metadata.index], metadata, contrast, min_count,
                       min_samples)
    design = Design.of(metadata)
    log.info("contrast %s: design %s on %d samples, %d features", contrast.name,
             design.formula, matrix.shape[1], matrix.shape[0])
    # joblib's worker processes take seconds to start: they pay off on large matrices
    # only. A small one is fitted in this process, with one BLAS thread (more threads spin
    # on the tiny per-feature fits). Both give the same numbers.
    if matrix.size < PARALLEL_MIN_VALUES:
        n_cpus = 1
    with _thread_limit(n_cpus):
        dds = _fit(matrix, metadata, design, n_cpus, size_factors)
        tested = _test(dds, contrast, alpha, n_cpus)
    return tested.table()


def prefilter(
    matrix: pd.DataFrame,
    metadata: pd.DataFrame,
    contrast: Contrast,
    min_count: int,
    min_samples: int | None,
) -> pd.DataFrame:
    """The features with ``min_count`` reads in ``min_samples`` samples (default: the size
    of the smaller level); raises when none is left or a sample is left without reads."""
    if min_samples is None:
        min_samples = int(metadata["condition"].value_counts().min())
    matrix = matrix.loc[(matrix >= min_count).sum(axis=1) >= min_samples]
    if matrix.empty:
        raise ValueError(
            f"contrast '{contrast.name}': no feature has at least {min_count} reads in "
            f"{min_samples} samples; lower diffexp.min_count or check the counts"
        )
    empty = matrix.columns[matrix.sum(axis=0) == 0]
    if len(empty):
        raise ValueError(
            f"contrast '{contrast.name}': sample(s) {', '.join(empty)} have zero counts "
            "after filtering; exclude them (QC) or check their libraries"
        )
    return matrix


@dataclass(frozen=True)
class Design:
    """The design of a test: the covariates that vary among the tested samples, then the
    condition."""

    covariates: tuple[str, ...]

    @classmethod
    def of(cls, metadata: pd.DataFrame) -> "Design":
        covariates = usable_covariates(metadata)
        for dropped in sorted(set(metadata.columns) - set(covariates) - {"condition"}):
            log.info("covariate %s is constant among tested samples; left out", dropped)
        return cls(tuple(covariates))

    @property
    def factors(self) -> list[str]:
        return [*self.covariates, "condition"]

    @property
    def formula(self) -> str:
        return "~" + " + ".join(self.factors)


def _thread_limit(n_cpus: int):
    """One BLAS thread when fitting in this process; joblib's workers manage their own."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1) if n_cpus == 1 else contextlib.nullcontext()


def _fit(matrix: pd.DataFrame, metadata: pd.DataFrame, design: Design, n_cpus: int,
         size_factors: pd.Series | None):
    """pydeseq2's fit (size factors, dispersions, LFCs, Cook's refit) of the kept features."""
    from pydeseq2.dds import DeseqDataSet

    dds = DeseqDataSet(
        counts=matrix.T.astype(int),
        metadata=metadata[design.factors],
        design=design.formula,
        refit_cooks=True,
        n_cpus=n_cpus,
        quiet=True,
    )
    if size_factors is not None:
        _use_size_factors(dds, size_factors.loc[matrix.columns].to_numpy(dtype=float))
    dds.deseq2()
    return dds


@dataclass(frozen=True)
class Tested:
    """Wald test results of a contrast: raw and shrunken log2 fold changes (per feature)."""

    raw: pd.DataFrame
    shrunk: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The result table: RESULT_COLUMNS, one row per feature, sorted by feature_id."""
        result = self.raw.copy()
        result["log2FoldChange_shrunk"] = self.shrunk["log2FoldChange"]
        result["lfcSE_shrunk"] = self.shrunk["lfcSE"]
        result.index.name = "feature_id"
        result = result.reset_index()[RESULT_COLUMNS].sort_values("feature_id")
        return result.reset_index(drop=True)


def _test(dds, contrast: Contrast, alpha: float, n_cpus: int) -> Tested:
    """Wald test of case vs control (Cook's and independent filtering), then the LFC
    shrinkage of the condition coefficient."""
    from pydeseq2.ds import DeseqStats

    stats = DeseqStats(
        dds,
        contrast=["condition", contrast.case, contrast.control],
        alpha=alpha,
        cooks_filter=True,
        independent_filter=True,
        n_cpus=n_cpus,
        quiet=True,
    )
    stats.summary()
    raw = stats.results_df.copy()
    stats.lfc_shrink(coeff=f"condition[T.{contrast.case}]")
    return Tested(raw=raw, shrunk=stats.results_df)


def median_of_ratios(counts: pd.DataFrame) -> pd.Series:
    """DESeq2 size factors of a feature x sample matrix (pydeseq2's median of ratios)."""
    from pydeseq2.preprocessing import deseq2_norm

    _, factors = deseq2_norm(counts.T.to_numpy(dtype=float))
    return pd.Series(np.asarray(factors, dtype=float), index=counts.columns)


def _use_size_factors(dds, factors: np.ndarray) -> None:
    """Make ``dds.deseq2()`` use fixed size factors instead of fitting its own.

    pydeseq2 0.5 fits size factors unconditionally inside ``deseq2()``; replacing the
    method on this one object keeps every later step (dispersions, LFC, Cook's) unchanged.
    The factors are used as given, as DESeq2's ``sizeFactors<-`` does.
    """
    def fixed(*args, **kwargs):
        dds.obs["size_factors"] = factors
        dds.layers["normed_counts"] = dds.X / factors[:, None]
        dds.var["_normed_means"] = dds.layers["normed_counts"].mean(axis=0)

    dds.fit_size_factors = fixed
