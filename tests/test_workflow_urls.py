"""References given by URL, end to end: a reduced demo (small RNA only: S01, S02 resistant
and S07, S08 sensitive, one contrast) run once from local reference files and once from
URLs served by a local HTTP server on 127.0.0.1 (a thread of this test, on a free port, no
internet), some files gzipped on the server, with sha256, md5 or no checksum (the lock
file then records it). The two runs must give the same count, DE and cargo tables; a second
run downloads nothing; a wrong sha256 is refused before any file gets its final name.
"""

import gzip
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest
import yaml

from conftest import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

SAMPLES = ["S01", "S02", "S07", "S08"]
CONTRAST = "resistant_vs_sensitive"
TABLES = ["results/counts/mirna.tsv", f"results/de/{CONTRAST}/mirna.tsv",
          f"results/cargo/{CONTRAST}.tsv", "results/cargo/detected.tsv"]
# config key -> (served name, gzip it on the server?, checksum given in the config)
SERVED = {
    "hairpin": ("hairpin.fa.gz", True, "sha256"),
    "mature": ("mature.fa", False, "md5"),
    "gff": ("hsa.gff3.gz", True, None),
    "rRNA": ("rrna.fa.gz", True, None),
    "tRNA": ("trna.fa", False, "sha256"),
    "YRNA": ("yrna.fa", False, None),
    "catalog": ("cargo_catalog.tsv", False, None),
}


class Server:
    """http.server in a thread, serving one directory; remembers every path requested."""

    def __init__(self, directory: Path):
        requests = self.requests = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

            def log_message(self, format, *args):
                requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def local_references(config) -> dict[str, str]:
    """The demo config's path of each served reference."""
    mirbase = config["smallrna"]["mirbase"]
    steps = {step["name"]: step.get("fasta") for step in config["smallrna"]["cascade"]}
    return {"hairpin": mirbase["hairpin"], "mature": mirbase["mature"], "gff": mirbase["gff"],
            "rRNA": steps["rRNA"], "tRNA": steps["tRNA"], "YRNA": steps["YRNA"],
            "catalog": config["cargo"]["catalog"]}


def reduced_config(workdir: Path) -> dict:
    """The demo's config on the 4 small-RNA libraries, one contrast, no long RNA."""
    lines = (workdir / "config" / "samples.tsv").read_text().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line.split("\t")[0][:3] in SAMPLES]
    (workdir / "config" / "urls.tsv").write_text("\n".join(kept) + "\n")
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    config["samples"] = "config/urls.tsv"
    del config["longrna"], config["circrna"]
    contrast = dict(config["diffexp"]["contrasts"][CONTRAST], covariates=[])
    config["diffexp"]["contrasts"] = {CONTRAST: contrast}
    return config


def write_config(workdir: Path, config: dict, name: str) -> str:
    (workdir / "config" / name).write_text(yaml.safe_dump(config, sort_keys=False))
    return f"config/{name}"


def set_reference(config, key, value):
    if key in ("hairpin", "mature", "gff"):
        config["smallrna"]["mirbase"][key] = value
    elif key == "catalog":
        config["cargo"]["catalog"] = value
    else:
        next(s for s in config["smallrna"]["cascade"] if s["name"] == key)["fasta"] = value


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The reduced demo from local files and from URLs; the server, and the URL config."""
    local = copy_workflow(tmp_path_factory.mktemp("urls_local"))
    remote = copy_workflow(tmp_path_factory.mktemp("urls_remote"))
    served = tmp_path_factory.mktemp("served")
    config = reduced_config(local)
    url_config = reduced_config(remote)
    digests = {}
    for key, path in local_references(config).items():
        name, compress, _ = SERVED[key]
        data = (local / path).read_bytes()
        (served / name).write_bytes(gzip.compress(data, mtime=0) if compress else data)
    server = Server(served)
    try:
        for key, (name, _, algorithm) in SERVED.items():
            data = (served / name).read_bytes()
            url = f"{server.url}/{name}"
            digests[key] = hashlib.sha256(data).hexdigest()
            value = {"url": url, algorithm: hashlib.new(algorithm, data).hexdigest()} \
                if algorithm else url
            set_reference(url_config, key, value)
        snakemake(local, "--cores", "2", "--configfile", write_config(local, config, "run.yaml"))
        configfile = write_config(remote, url_config, "run.yaml")
        snakemake(remote, "--cores", "2", "--configfile", configfile)
        first_requests = list(server.requests)
        yield {"local": local, "remote": remote, "server": server, "configfile": configfile,
               "config": url_config, "first_requests": first_requests, "digests": digests}
    finally:
        server.stop()


def test_url_run_gives_the_tables_of_the_local_run(runs):
    for table in TABLES:
        local, remote = runs["local"] / table, runs["remote"] / table
        assert local.read_bytes() == remote.read_bytes(), table
    assert len((runs["local"] / TABLES[0]).read_text().splitlines()) > 100


def test_each_url_is_downloaded_once_into_the_cache(runs):
    assert sorted(runs["first_requests"]) == sorted(f"/{n}" for n, _, _ in SERVED.values())
    cache = runs["remote"] / ".cache" / "exocargo"
    cached = [p.name for p in cache.iterdir() if not p.name.startswith("checksums")]
    names = sorted(name.split("-", 1)[1] for name in cached)
    assert names == sorted(n for n, _, _ in SERVED.values())
    # gzip files are cached as served (the .gz name kept); nothing else read the server
    assert not (runs["local"] / ".cache").exists()
    # the files without a configured checksum are in the lock file, with their sha256
    lock = (cache / "checksums.lock.tsv").read_text().splitlines()
    recorded = {line.split("\t")[0].rsplit("/", 1)[1]: line.split("\t")[1] for line in lock[1:]}
    unchecked = {key for key, (_, _, algorithm) in SERVED.items() if not algorithm}
    assert recorded == {SERVED[key][0]: runs["digests"][key] for key in unchecked}


def test_second_run_downloads_nothing(runs):
    remote, server = runs["remote"], runs["server"]
    dry = snakemake(remote, "--cores", "2", "--configfile", runs["configfile"], "--dry-run")
    assert "Nothing to be done" in dry.stdout + dry.stderr
    snakemake(remote, "--cores", "2", "--configfile", runs["configfile"])
    assert server.requests == runs["first_requests"]


def test_wrong_sha256_is_refused_and_nothing_is_kept(runs):
    remote, server = runs["remote"], runs["server"]
    config = yaml.safe_load((remote / runs["configfile"]).read_text())
    config["references_cache"] = "wrong_cache"
    url = config["smallrna"]["mirbase"]["hairpin"]["url"]
    wrong = "0" * 64
    config["smallrna"]["mirbase"]["hairpin"]["sha256"] = wrong
    configfile = write_config(remote, config, "wrong.yaml")
    name = Path(url).name
    target = next(p for p in (remote / ".cache" / "exocargo").iterdir() if p.name.endswith(name))
    # the target first: --configfile takes every argument after it
    failed = snakemake(remote, f"wrong_cache/{target.name}", "--cores", "1", "--configfile",
                       configfile, check=False)
    assert failed.returncode != 0
    log = (remote / "logs" / "download_reference" / f"{target.name}.log").read_text()
    for text in (failed.stderr + failed.stdout, log):
        assert f"checksum mismatch for {url}" in text
        assert f"expected sha256 {wrong}" in text
        assert f"found {runs['digests']['hairpin']}" in text
    leftovers = list((remote / "wrong_cache").iterdir()) if (remote / "wrong_cache").exists() \
        else []
    assert not [p for p in leftovers if not p.name.startswith("checksums")]
    assert server.requests[-1] == f"/{name}"
    shutil.rmtree(remote / "wrong_cache", ignore_errors=True)
