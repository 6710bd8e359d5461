"""References given by URL: the config forms, the cache, and the verified download.

A reference key of the config (genome, GTF, miRBase files, cascade FASTAs, ...) holds either
a local path or a URL, as a string or as a mapping with a checksum::

    genome: resources/genome.fa.gz                       # a path, as before
    genome: https://example.org/genome.fa.gz             # a URL, no checksum
    genome: {url: https://example.org/genome.fa.gz, md5: 0123...}   # or sha256: ...

A URL is downloaded once into the cache directory (config ``references_cache``), under a
name made of a hash of the URL and the URL's file name (``cache_name``), so that two URLs
never share a file and the name still ends in ``.fa.gz``. ``download`` writes to a
temporary name beside the final one, verifies the checksum and only then renames it: a
wrong checksum leaves nothing under the final name. Without a checksum in the config the
sha256 of the first download is recorded in the lock file beside the cached files
(``LOCK_FILE``: url, sha256, size, date), and every later download of that URL must match
it. Written with urllib from the standard library: the workflow needs no network-facing
dependency (Snakemake's HTTP storage plugin is not installed).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from exocargo.io import atomic_output

log = logging.getLogger(__name__)

# The schema's default of references_cache: under the working directory, kept by `make
# clean`, outside the directories tests copy, and apart from the repository's resources/.
DEFAULT_CACHE = ".cache/exocargo"
URL_SCHEMES = ("https://", "http://", "ftp://")
ALGORITHMS = ("sha256", "md5")  # checksum keys a URL mapping may carry, in order of trust
LOCK_FILE = "checksums.lock.tsv"
LOCK_HEADER = ("url", "sha256", "size", "date")
CHUNK = 1 << 20


class ChecksumError(ValueError):
    """A downloaded file whose digest is not the one expected."""


@dataclass(frozen=True)
class Source:
    """Where one reference comes from: a local path, or a URL with an optional checksum."""

    location: str  # the path, or the URL
    algorithm: str = ""  # sha256, md5, or "" (none given)
    digest: str = ""  # expected hex digest (lower case), or ""

    @property
    def is_url(self) -> bool:
        """Whether the reference is downloaded."""
        return is_url(self.location)


def is_url(value: Any) -> bool:
    """Whether a config value names a URL (https://, http:// or ftp://)."""
    return isinstance(value, str) and value.lower().startswith(URL_SCHEMES)


def source(value: str | Mapping[str, Any]) -> Source:
    """The Source a reference key's config value describes (a path or URL string, or a
    mapping {url, sha256 | md5}); the schema has checked the form."""
    if isinstance(value, str):
        return Source(value)
    for algorithm in ALGORITHMS:
        if value.get(algorithm):
            return Source(value["url"], algorithm, str(value[algorithm]).lower())
    return Source(value["url"])


def cache_name(url: str) -> str:
    """File name of a URL in the cache: 16 hex digits of the URL's sha256, then the URL's
    own file name (kept readable, with its .gz suffix, reduced to safe characters)."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    name = Path(urllib.parse.urlparse(url).path).name
    name = re.sub(r"[^A-Za-z0-9._+=@,-]", "_", urllib.parse.unquote(name)) or "download"
    return f"{digest}-{name}"


def cache_path(cache: str | os.PathLike, url: str) -> str:
    """Path of a URL's file in the cache directory."""
    return str(Path(cache) / cache_name(url))


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file."""
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            hasher.update(block)
    return hasher.hexdigest()


def mismatch_message(url: str, algorithm: str, expected: str, found: str, origin: str) -> str:
    """The error of a download whose digest differs from the expected one."""
    return (
        f"checksum mismatch for {url}: expected {algorithm} {expected} ({origin}), found "
        f"{found}; the file was not kept. If the provider has changed the file on purpose, "
        "correct the checksum"
        + (" (or delete its line from the lock file)" if "lock file" in origin else "")
    )


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if absent): runs sharing the cache
    record checksums one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_lock(lock_file: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Recorded downloads by URL: {url: {sha256, size, date}} (empty without a file)."""
    path = Path(lock_file)
    if not path.is_file():
        return {}
    records = {}
    for line in path.read_text().splitlines()[1:]:
        if line.strip() and not line.startswith("#"):
            fields = dict(zip(LOCK_HEADER, line.split("\t")))
            records[fields["url"]] = fields
    return records


def record_lock(lock_file: str | os.PathLike, url: str, sha256: str, size: int) -> None:
    """Append one download to the lock file (the header first when the file is new)."""
    path = Path(lock_file)
    new = not path.is_file()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(path, "a") as handle:
        if new:
            handle.write("\t".join(LOCK_HEADER) + "\n")
        handle.write(f"{url}\t{sha256}\t{size}\t{date}\n")


def fetch(url: str, destination: str | os.PathLike, timeout: float = 60) -> None:
    """Copy a URL's content into ``destination`` (urllib: http, https and ftp)."""
    request = urllib.request.Request(url, headers={"User-Agent": "exocargo"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(
        destination, "wb"
    ) as handle:
        shutil.copyfileobj(response, handle, CHUNK)


def verify(
    path: str | os.PathLike, url: str, algorithm: str, expected: str, lock_file: str | os.PathLike
) -> str:
    """Check a downloaded file against the config's checksum or, without one, against the
    lock file's record of the URL (recording it on its first download). Returns the file's
    sha256; raises ChecksumError naming the URL, the expected and the found digest."""
    sha256 = file_digest(path, "sha256")
    if expected:
        found = sha256 if algorithm == "sha256" else file_digest(path, algorithm)
        if found != expected.lower():
            raise ChecksumError(mismatch_message(url, algorithm, expected, found, "config"))
        return sha256
    lock = Path(lock_file)
    with locked(lock):
        recorded = read_lock(lock).get(url)
        if recorded is None:
            record_lock(lock, url, sha256, Path(path).stat().st_size)
            log.info("%s: first download, sha256 %s recorded in %s", url, sha256, lock)
        elif recorded["sha256"] != sha256:
            origin = f"recorded in the lock file {lock} on {recorded.get('date', '?')}"
            raise ChecksumError(mismatch_message(url, "sha256", recorded["sha256"], sha256,
                                                 origin))
    return sha256


def download(
    url: str,
    destination: str | os.PathLike,
    algorithm: str = "",
    expected: str = "",
    lock_file: str | os.PathLike | None = None,
) -> str:
    """Download ``url`` to ``destination`` through a temporary name in the same directory,
    verified (``verify``) before it is renamed; nothing is left under either name when the
    download or the check fails. ``lock_file`` defaults to LOCK_FILE beside it. Returns the
    file's sha256."""
    final = Path(destination)
    lock_file = lock_file if lock_file is not None else final.parent / LOCK_FILE
    with atomic_output(final) as temporary:
        log.info("downloading %s to %s", url, final)
        fetch(url, temporary)
        sha256 = verify(temporary, url, algorithm, expected, lock_file)
    log.info("%s: %d bytes, sha256 %s", final, final.stat().st_size, sha256)
    return sha256
