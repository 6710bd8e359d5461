"""Counts per million (exocargo.normalise)."""

import math

import pandas as pd
import pytest

from exocargo import normalise


def matrix():
    counts = pd.DataFrame(
        {"gene_name": ["A", "B"], "L1": [10, 30], "L2": [0, 5], "L3": [4, 0]},
        index=pd.Index(["g1", "g2"], name="feature_id"),
    )
    return counts


def test_per_million_of_each_library_depth_keeps_gene_names():
    depth = pd.Series({"L1": 1_000_000, "L2": 500_000, "L3": 0})
    cpm = normalise.per_million(matrix(), depth)
    assert list(cpm.columns) == ["gene_name", "L1", "L2", "L3"]
    assert cpm.loc["g2", "L1"] == 30 and cpm.loc["g2", "L2"] == 10
    assert math.isnan(cpm.loc["g1", "L3"])  # a library of depth 0 has no CPM


def test_reads_per_million_of_the_class_sum_to_a_million():
    counts = matrix().drop(columns="gene_name")
    rpm = normalise.per_million(counts, normalise.class_totals(counts))
    assert rpm["L1"].sum() == pytest.approx(1e6) and rpm.loc["g1", "L3"] == pytest.approx(1e6)


def test_depth_is_read_from_the_qc_table_by_library_type():
    qc = pd.DataFrame({"sample": ["S1", "L1"], "library": ["small", "long"],
                       "annotated_reads": [100.0, float("nan")],
                       "assigned_reads": [float("nan"), 250.0]})
    assert normalise.library_depth(qc, "small").to_dict() == {"S1": 100.0}
    assert normalise.library_depth(qc, "long").to_dict() == {"L1": 250.0}
