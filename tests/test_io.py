"""Helpers of the entry scripts: atomic outputs, pandas-free TSV writing, forked calls."""

import os
import time

import pandas as pd
import pytest

from exocargo.io import ForkedCall, atomic_output, write_tsv


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


def test_forked_call_sees_the_data_and_writes_its_outputs(tmp_path):
    data = list(range(1000))
    out = tmp_path / "sum.txt"

    def work():
        with atomic_output(out) as temporary:
            temporary.write_text(str(sum(data)))
        return f"summed in {os.getpid()}"

    with ForkedCall(work) as call:
        data.append(10**6)  # after the fork: the child does not see it
    done = call.wait()
    assert out.read_text() == "499500"
    assert done.result.startswith("summed in ") and done.result != f"summed in {os.getpid()}"
    assert done.wall_s >= 0 and done.cpu_s >= 0 and done.max_rss_mb > 0


def test_forked_call_failure_raises_with_the_childs_traceback(tmp_path):
    out = tmp_path / "counts.tsv"

    def work():
        with atomic_output(out) as temporary:
            temporary.write_text("half")
            raise ValueError("SAM record of read s3_x7 has no MD tag")

    with pytest.raises(RuntimeError, match="(?s)exit 1.*ValueError: SAM record of read s3_x7"):
        with ForkedCall(work):
            pass
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_forked_call_is_waited_for_when_the_parent_fails(tmp_path):
    out = tmp_path / "late.txt"

    def work():
        time.sleep(0.3)
        out.write_text("done")
        return "ok"

    with pytest.raises(KeyError, match="parent"):
        with ForkedCall(work):
            raise KeyError("parent")
    assert out.read_text() == "done"  # the child ended before the error went on
