"""Print a summary of the cargo catalog: claims and distinct molecules per RNA class, context and review.

Usage: python workflow/scripts/catalog_summary.py resources/cargo_catalog.tsv

The catalog is validated first (exocargo.catalog.load_catalog), so this doubles as a check
after editing the TSV: a schema violation is reported with file, row, column and exit code 1.
"""

from __future__ import annotations

import argparse
import sys

from exocargo import catalog


def main(argv: list[str] | None = None) -> int:
    """Validate the catalog named in argv and write its summary to stdout; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("catalog", help="path to cargo_catalog.tsv")
    parser.add_argument(
        "--schema",
        default=None,
        help="row schema (default: workflow/schemas/cargo_catalog.schema.yaml)",
    )
    args = parser.parse_args(argv)
    try:
        cat = catalog.load_catalog(args.catalog, schema_path=args.schema)
    except catalog.CatalogError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    sys.stdout.write(catalog.summarise(cat))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
