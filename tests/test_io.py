"""Helpers of the entry scripts: atomic outputs and pandas-free TSV writing."""

import pandas as pd
import pytest

from exocargo.io import atomic_output, write_tsv


def test_write_tsv_writes_what_pandas_writes(tmp_path):
    rows = [("hsa-miR-16-5p", "canonical", 10.0), ("hsa-miR-199a-3p/hsa-miR-199b-3p", "5p+nta", 3.333),
            ("hsa-let-7a-5p", "snp", 0.5), ("odd name, with\ttab", "3p", 1e-05)]
    columns = ["feature_id", "isomir", "reads"]
    ours, theirs = tmp_path / "ours.tsv", tmp_path / "theirs.tsv"
    write_tsv(ours, columns, rows)
    pd.DataFrame(rows, columns=columns).to_csv(theirs, sep="\t", index=False)
    assert ours.read_bytes() == theirs.read_bytes()
    write_tsv(ours, ["sample", "reads"], [])
    pd.DataFrame([], columns=["sample", "reads"]).to_csv(theirs, sep="\t", index=False)
    assert ours.read_bytes() == theirs.read_bytes()


def test_atomic_output_leaves_nothing_on_failure(tmp_path):
    final = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_output(final) as temporary:
            temporary.write_text("half")
            raise RuntimeError("job failed")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(final, stable_name=True) as temporary:
        assert temporary.name == ".out.txt.tmp"
        temporary.write_text("done")
    assert final.read_text() == "done"
