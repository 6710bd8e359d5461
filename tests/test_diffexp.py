"""pydeseq2 wrapper: planted fold changes recovered, reference level, bad input refused."""

import numpy as np
import pandas as pd
import pytest

from exocargo import diffexp, tables


def planted(seed=7):
    """8 samples, 2x2 design; features 0-19 are 4x up in 'resistant', the rest null."""
    rng = np.random.default_rng(seed)
    samples = pd.DataFrame(
        {
            "resistance": ["resistant", "sensitive"] * 4,
            "metastasis": ["metastatic"] * 4 + ["localized"] * 4,
        },
        index=[f"S{i}" for i in range(8)],
    )
    base = rng.lognormal(5, 1, size=200)
    lfc = np.where(np.arange(200) < 20, 2.0, 0.0)
    size = rng.uniform(0.6, 1.5, size=8)
    resistant = (samples["resistance"] == "resistant").to_numpy()
    mu = base[:, None] * size[None, :] * np.where(resistant[None, :], 2 ** lfc[:, None], 1)
    dispersion = 0.05
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion))
    matrix = pd.DataFrame(counts, index=[f"f{i:03d}" for i in range(200)], columns=samples.index)
    return matrix, samples, lfc


CONTRAST = diffexp.Contrast("res", "resistance", "resistant", "sensitive", ("metastasis",))


def test_planted_fold_changes_are_recovered():
    matrix, samples, lfc = planted()
    result = diffexp.run_deseq2(matrix, samples, CONTRAST, alpha=0.05)
    assert list(result.columns) == diffexp.RESULT_COLUMNS
    hits = set(result.loc[tables.significant(result["padj"], 0.05), "feature_id"])
    truth = {f"f{i:03d}" for i in range(20)}
    assert len(hits & truth) >= 18
    assert len(hits - truth) <= 2
    up = result.set_index("feature_id").loc[sorted(truth), "log2FoldChange"]
    assert up.median() == pytest.approx(2.0, abs=0.3)
    shrunk = result.set_index("feature_id").loc[sorted(truth), "log2FoldChange_shrunk"]
    assert (shrunk.abs() <= up.abs() + 1e-6).all()


def test_control_is_reference_level():
    metadata = diffexp.design_metadata(planted()[1], CONTRAST)
    assert list(metadata["condition"].cat.categories) == ["sensitive", "resistant"]
    assert "covariate1" in metadata.columns


def test_zero_count_sample_is_an_error():
    matrix, samples, _ = planted()
    matrix["S3"] = 0
    with pytest.raises(ValueError, match=r"sample\(s\) S3 have zero counts"):
        diffexp.run_deseq2(matrix, samples, CONTRAST)


def test_nothing_left_after_filter_is_an_error():
    matrix, samples, _ = planted()
    with pytest.raises(ValueError, match=r"no feature has at least 10 reads in 4 samples"):
        diffexp.run_deseq2(matrix * 0, samples, CONTRAST)


def test_prefilter_drops_features_too_sparse_to_test():
    matrix, samples, _ = planted()
    matrix.loc["sparse"] = [0, 0, 0, 0, 0, 0, 40, 40]  # 10+ reads in 2 samples only
    matrix.loc["kept"] = [0, 0, 0, 0, 12, 12, 12, 12]  # 10+ reads in 4 = smaller level
    result = diffexp.run_deseq2(matrix, samples, CONTRAST)
    assert "sparse" not in set(result["feature_id"])
    assert "kept" in set(result["feature_id"])
    result = diffexp.run_deseq2(matrix, samples, CONTRAST, min_count=10, min_samples=2)
    assert "sparse" in set(result["feature_id"])


def test_external_size_factors_are_used():
    """A sparse matrix normalised by factors from another matrix of the same libraries."""
    matrix, samples, _ = planted()
    factors = diffexp.median_of_ratios(matrix)
    # Scale the first sample's library 4x: its own median-of-ratios factor follows.
    scaled = matrix.copy()
    scaled["S0"] *= 4
    assert diffexp.median_of_ratios(scaled)["S0"] / diffexp.median_of_ratios(scaled)["S1"] == (
        pytest.approx(4 * factors["S0"] / factors["S1"], rel=1e-6)
    )
    own = diffexp.run_deseq2(scaled, samples, CONTRAST).set_index("feature_id")
    forced = diffexp.run_deseq2(scaled, samples, CONTRAST, size_factors=factors)
    forced = forced.set_index("feature_id")
    # With the unscaled factors S0 looks 4x larger everywhere, which raises baseMean.
    assert forced["baseMean"].sum() > own["baseMean"].sum() * 1.1
    # Passing the factors pydeseq2 would fit itself changes nothing.
    same = diffexp.run_deseq2(
        scaled, samples, CONTRAST, size_factors=diffexp.median_of_ratios(scaled)
    ).set_index("feature_id")
    assert np.allclose(same["baseMean"], own["baseMean"])
    assert np.allclose(same["pvalue"], own["pvalue"], equal_nan=True)


def test_design_leaves_out_constant_covariates():
    _, samples, _ = planted()
    samples["batch"] = "B1"
    contrast = diffexp.Contrast("res", "resistance", "resistant", "sensitive",
                                ("batch", "metastasis"))
    design = diffexp.Design.of(diffexp.design_metadata(samples, contrast))
    assert design.covariates == ("covariate2",)
    assert design.formula == "~covariate2 + condition"
