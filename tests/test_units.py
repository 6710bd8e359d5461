"""Merging the read files of a sample's units (exocargo.units): gzip units copied byte for
byte, plain units compressed on the way, broken units named."""

import gzip
import zlib

import pytest

from exocargo import units
from exocargo.units import UnitFileError, merge_fastqs

READS = [f"@r{i}\nACGTACGT\n+\nIIIIIIII\n".encode() for i in range(6)]


@pytest.fixture(autouse=True, params=["default", "zlib"])
def decompressor(request, monkeypatch):
    """Each test with the default decompressor (ISA-L where installed) and with zlib, the
    fallback of environments without ISA-L."""
    if request.param == "zlib":
        monkeypatch.setattr(units, "inflate", zlib)


def gzipped(path, data, mtime=0):
    with gzip.GzipFile(path, "wb", mtime=mtime) as handle:
        handle.write(data)
    return path


def test_gzip_units_are_concatenated_byte_for_byte(tmp_path):
    first = gzipped(tmp_path / "a.fastq.gz", b"".join(READS[:3]))
    second = gzipped(tmp_path / "b.fastq.gz", b"".join(READS[3:]), mtime=12345)
    merged = merge_fastqs([first, second], tmp_path / "merged.fastq.gz")
    data = (tmp_path / "merged.fastq.gz").read_bytes()
    assert data == first.read_bytes() + second.read_bytes()
    assert gzip.decompress(data) == b"".join(READS)
    assert [(m.compressed, m.lines) for m in merged] == [(True, 12), (True, 12)]


def test_plain_and_gzip_units_mix(tmp_path):
    plain = tmp_path / "a.fastq"
    plain.write_bytes(b"".join(READS[:2]))
    packed = gzipped(tmp_path / "b.fastq.gz", b"".join(READS[2:]))
    out = tmp_path / "merged.fastq.gz"
    merge_fastqs([plain, packed], out)
    assert gzip.decompress(out.read_bytes()) == b"".join(READS)
    again = tmp_path / "again.fastq.gz"
    merge_fastqs([plain, packed], again)
    assert again.read_bytes() == out.read_bytes()  # no time or name in the headers


def test_a_unit_without_a_final_newline_gets_one(tmp_path):
    plain = tmp_path / "a.fastq"
    plain.write_bytes(b"".join(READS[:2]).rstrip(b"\n"))
    packed = gzipped(tmp_path / "b.fastq.gz", b"".join(READS[2:4]).rstrip(b"\n"))
    last = gzipped(tmp_path / "c.fastq.gz", b"".join(READS[4:]))
    out = tmp_path / "merged.fastq.gz"
    merge_fastqs([plain, packed, last], out)
    assert gzip.decompress(out.read_bytes()) == b"".join(READS)


def test_multi_member_padded_and_empty_units(tmp_path):
    bgzip_like = tmp_path / "a.fastq.gz"
    bgzip_like.write_bytes(
        gzip.compress(READS[0], mtime=0) + gzip.compress(READS[1], mtime=0) + b"\0" * 16
    )
    empty = gzipped(tmp_path / "empty.fastq.gz", b"")
    nothing = tmp_path / "nothing.fastq"
    nothing.write_bytes(b"")
    out = tmp_path / "merged.fastq.gz"
    merged = merge_fastqs([bgzip_like, empty, nothing], out)
    assert gzip.decompress(out.read_bytes().replace(b"\0" * 16, b"")) == READS[0] + READS[1]
    assert [m.lines for m in merged] == [8, 0, 0]


def test_a_truncated_unit_is_named(tmp_path):
    whole = gzipped(tmp_path / "a.fastq.gz", b"".join(READS) * 50).read_bytes()
    cut = tmp_path / "cut.fastq.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    out = tmp_path / "merged.fastq.gz"
    with pytest.raises(UnitFileError, match=f"{cut}: the file ends inside its gzip stream"):
        merge_fastqs([tmp_path / "a.fastq.gz", cut], out)
    assert not out.exists() and list(tmp_path.glob(".merged*")) == []


def test_a_corrupt_unit_is_named(tmp_path):
    data = bytearray(gzipped(tmp_path / "a.fastq.gz", b"".join(READS) * 50).read_bytes())
    data[30:60] = bytes(30)
    broken = tmp_path / "broken.fastq.gz"
    broken.write_bytes(bytes(data))
    with pytest.raises(UnitFileError, match=f"{broken}: the gzip stream is corrupt"):
        merge_fastqs([broken], tmp_path / "merged.fastq.gz")
