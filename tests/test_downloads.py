"""References by URL (exocargo.downloads and the plan): config forms, cache names, checksum
verification, the lock file, and STAR's memory with a sparse suffix array. The downloads
here read file:// URLs (urllib's own scheme): no network, no server."""

import copy
import gzip
import hashlib
from pathlib import Path

import pytest
import yaml

from exocargo import downloads, plan
from exocargo.configcheck import ConfigError

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
HAIRPIN = "resources/mirbase/hsa_hairpin.v22.fa"
SHA256 = "a" * 64
MD5 = "b" * 32


@pytest.fixture
def at_repo_root(monkeypatch):
    monkeypatch.chdir(REPO)


def load(config):
    return plan.load(config, REPO, ("config/config.yaml",))


# ---- URL detection and config forms ----------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://example.org/a.fa.gz", True),
        ("http://127.0.0.1:8000/a.fa", True),
        ("ftp://ftp.ebi.ac.uk/pub/a.gtf.gz", True),
        ("HTTPS://EXAMPLE.ORG/A.FA", True),
        ("resources/demo/a.fa", False),
        ("/abs/https/a.fa", False),
        ("file:///tmp/a.fa", False),  # a local file is given as a path
        ({"url": "https://example.org/a.fa"}, False),  # the mapping is read by source()
        ("", False),
    ],
)
def test_is_url(value, expected):
    assert downloads.is_url(value) is expected


def test_sources_of_each_config_form():
    assert downloads.source("refs/a.fa") == downloads.Source("refs/a.fa")
    assert not downloads.source("refs/a.fa").is_url
    url = "https://example.org/a.fa.gz"
    assert downloads.source(url) == downloads.Source(url)
    assert downloads.source(url).is_url
    assert downloads.source({"url": url, "sha256": SHA256.upper()}) == downloads.Source(
        url, "sha256", SHA256
    )
    assert downloads.source({"url": url, "md5": MD5}) == downloads.Source(url, "md5", MD5)
    # a null checksum (a preset's field nobody could fill) is no checksum
    assert downloads.source({"url": url, "md5": None, "sha256": None}) == downloads.Source(url)
    # sha256 is preferred when both are given
    assert downloads.source({"url": url, "md5": MD5, "sha256": SHA256}).algorithm == "sha256"


@pytest.mark.parametrize(
    "value",
    [
        "https://example.org/hairpin.fa.gz",
        {"url": "ftp://example.org/hairpin.fa.gz", "md5": MD5},
        {"url": "https://example.org/hairpin.fa", "sha256": SHA256, "md5": None},
    ],
)
def test_schema_accepts_urls_and_checksums(at_repo_root, value):
    config = copy.deepcopy(DEMO_CONFIG)
    config["smallrna"]["mirbase"]["hairpin"] = value
    loaded = load(config)
    local = loaded.references["smallrna.mirbase.hairpin"]
    assert local.startswith(".cache/exocargo/") and local.endswith(
        Path(downloads.source(value).location).name
    )
    # the miRNA step reads the cached hairpins too, and nothing checked the missing file
    assert loaded.step("miRNA").source == local
    assert list(loaded.downloads) == [Path(local).name]


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"url": "https://example.org/a.fa", "sha256": "xyz"}, "smallrna.mirbase.hairpin"),
        ({"url": "https://example.org/a.fa", "md5": SHA256}, "smallrna.mirbase.hairpin"),
        ({"url": "https://example.org/a.fa", "sha1": SHA256}, "smallrna.mirbase.hairpin"),
        ({"sha256": SHA256}, "smallrna.mirbase.hairpin"),
        ("gopher://example.org/a.fa", "smallrna.mirbase.hairpin"),
        ("https://example.org/a b.fa", "smallrna.mirbase.hairpin"),
    ],
)
def test_schema_refuses_malformed_references(at_repo_root, value, expected):
    config = copy.deepcopy(DEMO_CONFIG)
    config["smallrna"]["mirbase"]["hairpin"] = value
    with pytest.raises(ConfigError) as raised:
        load(config)
    assert f"{expected}: {value!r} is not a reference file: a path relative" in str(raised.value)


def test_every_reference_key_may_be_a_url_and_the_cache_is_configurable(at_repo_root, tmp_path):
    config = copy.deepcopy(DEMO_CONFIG)
    base = "http://127.0.0.1:1/refs"
    config["references_cache"] = str(tmp_path / "cache")
    config["smallrna"]["mirbase"] = {
        "hairpin": f"{base}/hairpin.fa.gz", "mature": f"{base}/mature.fa",
        "gff": {"url": f"{base}/hsa.gff3", "md5": MD5}, "species": "hsa",
    }
    config["smallrna"]["cascade"][0]["fasta"] = f"{base}/rrna.fa.gz"
    config["longrna"].update(genome=f"{base}/genome.fa.gz", gtf=f"{base}/genes.gtf.gz")
    config["circrna"]["known"] = f"{base}/circrna.bed"
    config["cargo"]["catalog"] = f"{base}/cargo_catalog.tsv"
    config["report"]["multiqc_config"] = f"{base}/multiqc_config.yaml"
    loaded = load(config)
    urls = {key for key, path in loaded.references.items() if path.startswith(str(tmp_path))}
    assert urls == {
        "smallrna.mirbase.hairpin", "smallrna.mirbase.mature", "smallrna.mirbase.gff",
        "smallrna.cascade[rRNA].fasta", "longrna.genome", "longrna.gtf", "circrna.known",
        "cargo.catalog", "report.multiqc_config",
    }
    # local paths stay as they were
    assert loaded.references["smallrna.cascade[tRNA].fasta"] == (
        "resources/demo/reference/contaminants/trna.fa"
    )
    assert loaded.known_circrnas == [loaded.references["circrna.known"]]
    assert loaded.lock_file == str(tmp_path / "cache" / "checksums.lock.tsv")
    gff = loaded.download(Path(loaded.references["smallrna.mirbase.gff"]).name)
    assert gff == {"url": f"{base}/hsa.gff3", "algorithm": "md5", "digest": MD5}
    # the genome is not downloaded yet: STAR memory is sized for a human genome
    assert (loaded.memory.star_index, loaded.memory.star_align) == plan.star_memory(
        plan.UNKNOWN_GENOME_MB
    )


def test_local_paths_are_unchanged_and_still_checked(at_repo_root):
    loaded = load(copy.deepcopy(DEMO_CONFIG))
    assert loaded.references["smallrna.mirbase.hairpin"] == HAIRPIN
    assert loaded.references["report.multiqc_config"] == "config/multiqc_config.yaml"
    assert loaded.downloads == {}
    config = copy.deepcopy(DEMO_CONFIG)
    config["cargo"]["catalog"] = "resources/no_such_catalog.tsv"
    with pytest.raises(plan.PlanError, match="cargo.catalog: resources/no_such_catalog.tsv"):
        load(config)


# ---- cache names ---------------------------------------------------------------------------


def test_cache_name_keeps_the_file_name_and_separates_urls():
    a = downloads.cache_name("https://a.example/release_46/GRCh38.primary_assembly.genome.fa.gz")
    b = downloads.cache_name("https://b.example/release_46/GRCh38.primary_assembly.genome.fa.gz")
    assert a.endswith("-GRCh38.primary_assembly.genome.fa.gz") and a.endswith(".gz")
    assert a != b and len(a.split("-", 1)[0]) == 16
    assert downloads.cache_name("https://x.org/a.fa") == downloads.cache_name("https://x.org/a.fa")
    # query strings and odd characters never reach the file name; a bare host still names
    odd = downloads.cache_name("https://x.org/get%20file;v=1.fa?id=3&x=$(rm)")
    assert " " not in odd and "$" not in odd and "?" not in odd and ";" not in odd
    assert downloads.cache_name("https://x.org/").endswith("-download")
    assert downloads.cache_path("/shared/cache", "https://x.org/a.fa").startswith("/shared/cache/")


# ---- downloads, checksums and the lock file -----------------------------------------------


@pytest.fixture
def served(tmp_path):
    """A gzipped FASTA to download, its file:// URL and digests."""
    path = tmp_path / "served" / "rrna.fa.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(b">r1\nACGTACGT\n", mtime=0))
    data = path.read_bytes()
    return {
        "path": path,
        "url": path.as_uri(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }


def cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_download_with_the_right_checksum(tmp_path, served, algorithm):
    final = tmp_path / "cache" / downloads.cache_name(served["url"])
    downloads.download(served["url"], final, algorithm, served[algorithm].upper())
    assert final.read_bytes() == served["path"].read_bytes()
    # a configured checksum is what is verified: nothing recorded in the lock file
    assert cache_files(tmp_path / "cache") == [final.name]


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_wrong_checksum_names_url_and_both_digests_and_keeps_nothing(tmp_path, served, algorithm):
    final = tmp_path / "cache" / "x-rrna.fa.gz"
    wrong = "0" * len(served[algorithm])
    with pytest.raises(downloads.ChecksumError) as raised:
        downloads.download(served["url"], final, algorithm, wrong)
    message = str(raised.value)
    assert served["url"] in message and wrong in message and served[algorithm] in message
    assert f"expected {algorithm} {wrong}" in message and "found " + served[algorithm] in message
    assert cache_files(tmp_path / "cache") == []  # no final file, no temporary left


def test_first_download_is_recorded_and_later_ones_verified(tmp_path, served):
    cache = tmp_path / "cache"
    final = cache / downloads.cache_name(served["url"])
    downloads.download(served["url"], final)
    lock = cache / downloads.LOCK_FILE
    lines = lock.read_text().splitlines()
    assert lines[0] == "url\tsha256\tsize\tdate"
    url, sha256, size, date = lines[1].split("\t")
    assert (url, sha256, int(size)) == (served["url"], served["sha256"], final.stat().st_size)
    assert date.endswith("Z")
    # the same file again: verified against the record, not recorded twice
    final.unlink()
    downloads.download(served["url"], final)
    assert len(lock.read_text().splitlines()) == 2 and final.exists()
    # the provider changes the file: refused, naming the lock file and both digests
    served["path"].write_bytes(gzip.compress(b">r1\nTTTT\n", mtime=0))
    changed = hashlib.sha256(served["path"].read_bytes()).hexdigest()
    final.unlink()
    with pytest.raises(downloads.ChecksumError) as raised:
        downloads.download(served["url"], final)
    message = str(raised.value)
    assert served["url"] in message and served["sha256"] in message and changed in message
    assert f"recorded in the lock file {lock}" in message
    assert not final.exists()
    assert not list(cache.glob(".*part*"))  # no temporary download left behind
    assert downloads.read_lock(lock)[served["url"]]["sha256"] == served["sha256"]


def test_failed_transfer_leaves_nothing(tmp_path):
    final = tmp_path / "cache" / "x-missing.fa"
    with pytest.raises(OSError):
        downloads.download((tmp_path / "missing.fa").as_uri(), final)
    assert cache_files(tmp_path / "cache") == []


# ---- STAR memory with a sparse suffix array -----------------------------------------------


def test_star_memory_follows_the_sparse_suffix_array():
    human = 3100  # MB, GRCh38 primary assembly, plain
    index1, align1 = plan.star_memory(human, 1)
    index3, align3 = plan.star_memory(human, 3)
    # ~1 + 8/N bytes per base, + SAindex (1.5 GB) and 2 GB of buffers
    assert align1 == int(human * 9 + 1500 + 2000) and index1 == align1 + human
    assert 30_000 <= index1 <= 36_000  # the ~32 GB STAR asks for a human genome
    assert align3 < 16_000  # fits a 16 GB node
    assert plan.star_memory(human, 2)[0] < 24_000  # Dobin: human fits 24 GB with N=2
    assert plan.star_memory(1.0, 1) == (2010, 4000)  # the 4 GB floor; 2 GB of buffers


def test_plan_memory_uses_the_configured_sparsity(at_repo_root):
    config = copy.deepcopy(DEMO_CONFIG)
    config["longrna"]["star"]["sa_sparse"] = 3
    loaded = load(config)
    genome_mb = Path(REPO / DEMO_CONFIG["longrna"]["genome"]).stat().st_size / 1e6
    assert (loaded.memory.star_index, loaded.memory.star_align) == plan.star_memory(genome_mb, 3)
    assert load(copy.deepcopy(DEMO_CONFIG)).config["longrna"]["star"]["sa_sparse"] == 1


# ---- presets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "preset, species, genome",
    [
        ("human", "hsa", "Gencode_human/release_46/GRCh38.primary_assembly.genome.fa.gz"),
        ("mouse", "mmu", "Gencode_mouse/release_M35/GRCm39.primary_assembly.genome.fa.gz"),
    ],
)
def test_presets_are_complete_configs_of_urls(at_repo_root, preset, species, genome):
    config = yaml.safe_load((REPO / "config" / "presets" / f"{preset}.yaml").read_text())
    assert config["samples"] and config["diffexp"]["contrasts"] == {}
    config["samples"] = "config/samples.tsv"  # the placeholder, for the test only
    loaded = plan.load(config, REPO, (f"config/presets/{preset}.yaml",))
    assert loaded.config["smallrna"]["mirbase"]["species"] == species
    assert loaded.cascade_names == ("miRNA",)
    urls = {source.location for source in loaded.downloads.values()}
    assert f"https://ftp.ebi.ac.uk/pub/databases/gencode/{genome}" in urls
    assert f"https://mirbase.org/download/{species}.gff3" in urls
    # every checksum field is present and, where nobody could read a published one, null:
    # those files are pinned by the lock file on their first download
    for key in ("genome", "gtf"):
        assert set(config["longrna"][key]) == {"url", "md5"}
    for key in ("hairpin", "mature", "gff"):
        assert set(config["smallrna"]["mirbase"][key]) == {"url", "sha256"}
    assert all(source.digest == "" for source in loaded.downloads.values())
    assert loaded.references["longrna.genome"].startswith(".cache/exocargo/")
    assert loaded.memory.star_align == plan.star_memory(plan.UNKNOWN_GENOME_MB)[1]
