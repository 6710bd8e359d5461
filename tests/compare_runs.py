"""Compare the result tables of two runs byte for byte.

    python tests/compare_runs.py BEFORE_DIR AFTER_DIR

Each directory is a working directory a run finished in (holding results/). Compares every
count, DE and cargo table (results/counts/*.tsv, results/de/*/*.tsv, results/cargo/*.tsv)
that either run wrote, prints one line per table (identical, differs, or missing on one
side) and a summary, and exits 1 when a table of the first run differs or is missing from
the second. Tables only the second run wrote (new outputs) are listed, not failed. Used to
show that a change meant to keep behaviour (a refactoring) keeps the demo's numbers.
"""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

TABLES = ("results/counts/*.tsv", "results/de/*/*.tsv", "results/cargo/*.tsv")


def tables(run: Path) -> set[str]:
    """Relative paths of the compared tables a run wrote."""
    return {str(p.relative_to(run)) for pattern in TABLES for p in run.glob(pattern)}


def compare(before: Path, after: Path) -> dict[str, str]:
    """Verdict per table: 'identical', 'differs', 'only before' or 'only after'."""
    verdicts = {}
    in_before, in_after = tables(before), tables(after)
    for name in sorted(in_before | in_after):
        if name not in in_after:
            verdicts[name] = "only before"
        elif name not in in_before:
            verdicts[name] = "only after"
        else:
            same = filecmp.cmp(before / name, after / name, shallow=False)
            verdicts[name] = "identical" if same else "differs"
    return verdicts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = Path(argv[0]), Path(argv[1])
    verdicts = compare(before, after)
    for name, verdict in verdicts.items():
        print(f"{verdict:12} {name}")
    identical = sum(v == "identical" for v in verdicts.values())
    compared = sum(v != "only after" for v in verdicts.values())
    new = len(verdicts) - compared
    print(f"{identical} of {compared} tables of the first run identical; {new} new tables")
    return 0 if compared and identical == compared else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
