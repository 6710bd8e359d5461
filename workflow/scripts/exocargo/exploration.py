"""The statistics behind the sample-exploration figures: DESeq2's variance-stabilised counts,
their principal components, sample-to-sample distances and clustering orders.

:mod:`exocargo.qcplots` draws what this module computes; nothing here draws. Every result
is deterministic (fixed PC signs, stable sorts, optimal leaf ordering), so reruns draw the
same pictures.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

PCA_TOP_FEATURES = 500  # as DESeq2's plotPCA


def variance_stabilised(counts: pd.DataFrame) -> pd.DataFrame:
    """DESeq2's blind variance-stabilising transformation (pydeseq2) of a count matrix.

    ``counts`` is feature x sample. Features without reads and samples without reads are
    left out. Size factors are median-of-ratios when some feature has reads in every
    sample, otherwise 'poscounts' (as DESeq2 does for sparse data such as circRNAs).
    Returns feature x sample.
    """
    from pydeseq2.dds import DeseqDataSet
    from pydeseq2.default_inference import DefaultInference
    from threadpoolctl import threadpool_limits

    matrix = _with_reads(counts)
    fit = "ratio" if (matrix > 0).all(axis=1).any() else "poscounts"
    metadata = pd.DataFrame({"intercept": "all"}, index=matrix.columns)
    dds = DeseqDataSet(
        counts=matrix.T,
        metadata=metadata,
        design="~1",
        size_factors_fit_type=fit,
        # One process and one BLAS thread: a blind VST fits in under a second, less than
        # starting joblib's worker processes takes (0.7 s instead of 3.1 s on the demo's
        # miRNAs; same values).
        inference=DefaultInference(n_cpus=1),
        quiet=True,
    )
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        dds.vst(use_design=False)
    for warning in caught:
        log.info("pydeseq2: %s", warning.message)
    vst = pd.DataFrame(
        np.asarray(dds.layers["vst_counts"]).T, index=matrix.index, columns=matrix.columns
    )
    vst.index.name = counts.index.name or "feature_id"
    return vst


def too_few_to_stabilise(counts: pd.DataFrame) -> str | None:
    """Why a count matrix cannot be variance-stabilised (fewer than 2 samples or 2 features
    with reads: an RNA class nothing was found of, a one-library run), or None."""
    samples = int((counts.sum(axis=0) > 0).sum())
    features = int((counts.sum(axis=1) > 0).sum())
    if samples < 2 or features < 2:
        return (f"variance stabilisation needs 2 samples and 2 features with reads; the "
                f"matrix has {samples} and {features}")
    return None


def empty_vst(counts: pd.DataFrame) -> pd.DataFrame:
    """The VST table of a matrix that cannot be stabilised: its header, no rows."""
    vst = pd.DataFrame(columns=counts.columns, dtype=float)
    vst.index.name = counts.index.name or "feature_id"
    return vst


def _with_reads(counts: pd.DataFrame) -> pd.DataFrame:
    """The features and samples of a count matrix that have reads (at least 2 of each)."""
    matrix = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0].astype(int)
    dropped = sorted(set(counts.columns) - set(matrix.columns))
    if dropped:
        log.warning("samples without reads left out of the VST: %s", ", ".join(dropped))
    problem = too_few_to_stabilise(counts)
    if problem:
        raise ValueError(problem)
    return matrix


@dataclass(frozen=True)
class PCA:
    """Principal components of a set of samples.

    ``coords`` is sample x PC (columns PC1, PC2, ...); ``explained`` the share of variance
    of each PC, in the same order.
    """

    coords: pd.DataFrame
    explained: np.ndarray

    @property
    def second(self) -> str:
        """The component drawn against PC1 (PC1 itself when there is no PC2)."""
        return "PC2" if "PC2" in self.coords.columns else "PC1"


def pca(vst: pd.DataFrame, n_top: int = PCA_TOP_FEATURES) -> PCA:
    """Principal components of the samples on the ``n_top`` most variable features.

    Signs are fixed (largest loading positive) so reruns draw the same picture.
    """
    variance = vst.var(axis=1)
    top = variance.sort_values(ascending=False, kind="stable").index[:n_top]
    data = vst.loc[top].T.to_numpy()
    centred = data - data.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    signs[signs == 0] = 1
    coords = u * s * signs
    explained = s**2 / np.sum(s**2) if np.sum(s**2) > 0 else np.zeros_like(s)
    columns = [f"PC{i + 1}" for i in range(coords.shape[1])]
    return PCA(pd.DataFrame(coords, index=vst.columns, columns=columns), explained)


def euclidean(rows: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of a matrix (row x row)."""
    return np.sqrt(((rows[:, None, :] - rows[None, :, :]) ** 2).sum(axis=2))


def cluster_order(distances: np.ndarray) -> list[int]:
    """Leaf order of an average-linkage clustering of a distance matrix (deterministic)."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if len(distances) < 3:
        return list(range(len(distances)))
    condensed = squareform(distances, checks=False)
    return list(leaves_list(linkage(condensed, method="average", optimal_ordering=True)))


def sample_distances(vst: pd.DataFrame) -> pd.DataFrame:
    """Euclidean distances between the samples (columns) of variance-stabilised counts.

    Sample x sample, rows and columns in clustering order.
    """
    distances = euclidean(vst.T.to_numpy())
    order = cluster_order(distances)
    samples = [vst.columns[i] for i in order]
    return pd.DataFrame(distances[np.ix_(order, order)], index=samples, columns=samples)


def clustered_zscores(values: pd.DataFrame) -> pd.DataFrame:
    """Row-scaled values (z-score of each row; a constant row is 0), rows in clustering
    order of their Euclidean distances."""
    data = values.to_numpy()
    spread = data.std(axis=1, keepdims=True)
    z = (data - data.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1)
    rows = cluster_order(euclidean(z))
    return pd.DataFrame(z[rows], index=values.index[rows], columns=values.columns)
