"""Helpers of the entry scripts: atomic outputs, pandas-free TSV writing, forked calls, and
reading plain or compressed files."""

import gzip
import os
import struct
import time
import zlib

import pandas as pd
import pytest

from exocargo.io import ForkedCall, atomic_output, is_gzip, open_binary, open_text, write_tsv

TEXT = "".join(f">chr{n}\n{'ACGT' * 20}\n" for n in range(1, 2001))


def bgzf_block(data: bytes) -> bytes:
    """One BGZF block as bgzip writes it: a gzip member whose header carries the 'BC'
    extra field with the block's size."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = compressor.compress(data) + compressor.flush()
    extra = b"BC" + struct.pack("<HH", 2, 25 + len(deflated))
    header = b"\x1f\x8b\x08\x04" + struct.pack("<IBBH", 0, 0, 0xFF, len(extra)) + extra
    return header + deflated + struct.pack("<II", zlib.crc32(data), len(data))


def write_bgzip(path, text: str, block_size: int = 4096):
    """``text`` in BGZF blocks of ``block_size`` bytes, then bgzip's empty end-of-file block."""
    data = text.encode()
    blocks = [bgzf_block(data[i : i + block_size]) for i in range(0, len(data), block_size)]
    path.write_bytes(b"".join(blocks) + bgzf_block(b""))
    return path


@pytest.mark.parametrize("kind", ["plain", "gzip", "bgzip"])
@pytest.mark.parametrize("name", ["genome.fa", "genome.fa.gz"])
def test_open_text_reads_plain_gzip_and_bgzip_by_content_not_name(tmp_path, kind, name):
    path = tmp_path / name
    if kind == "plain":
        path.write_text(TEXT)
    elif kind == "gzip":
        path.write_bytes(gzip.compress(TEXT.encode()))
    else:
        write_bgzip(path, TEXT)
        assert path.read_bytes().count(b"\x1f\x8b\x08\x04") > 2  # several members
    assert is_gzip(path) == (kind != "plain")
    with open_text(path) as handle:
        assert handle.read() == TEXT
    with open_text(path) as handle:
        assert next(iter(handle)) == ">chr1\n"
    with open_binary(path) as handle:
        assert handle.read() == TEXT.encode()


def test_open_text_of_an_empty_file_reads_nothing(tmp_path):
    path = tmp_path / "empty.gtf"
    path.write_bytes(b"")
    assert not is_gzip(path)
    with open_text(path) as handle:
        assert handle.read() == ""


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
