"""Review-derived cargo catalog: loading, feature matching, concordance and annotation.

The catalog (resources/cargo_catalog.tsv) holds one row per claim that one of the two seed
reviews makes about an exosomal cargo molecule. The package is cut by what a reader asks:

* :mod:`.load` reads it and validates it against workflow/schemas/cargo_catalog.schema.yaml
  (:func:`load_catalog`, :class:`CatalogError`);
* :mod:`.names` parses miRNA, gene and circRNA names and maps pipeline feature ids (miRBase
  mature names, gene ids with HGNC symbols, circRNA ids) to catalog rows, saying how each match
  was made (:func:`match_feature`);
* :mod:`.annotate` compares a differential-expression result with a claim
  (:func:`concordance`) and annotates a whole DE table (:func:`annotate`);
* :mod:`.detected` lists the catalog cargo a cohort's count matrices detect, without any
  contrast (:func:`detected_cargo`);
* :mod:`.summary` renders a text summary (:func:`summarise`).

The public names of all four are importable from here (``catalog.annotate(...)``). Note that
``catalog.annotate`` is therefore the function; import the module's other names with
``from exocargo.catalog.annotate import ...``.
"""

from .annotate import (
    ANNOTATION_COLUMNS,
    CONTRAST_CONTEXTS,
    annotate,
    concordance,
    context_fits,
    observed_direction,
)
from .detected import DETECTED_COLUMNS, detected_cargo
from .load import SCHEMA_PATH, CatalogError, load_catalog, load_schema
from .names import (
    MATCH_TYPES,
    PIPELINE_CLASSES,
    CatalogMatch,
    MirnaName,
    match_feature,
    normalise_circ_id,
    parse_mirna,
)
from .summary import summarise

__all__ = [
    "ANNOTATION_COLUMNS",
    "CONTRAST_CONTEXTS",
    "DETECTED_COLUMNS",
    "MATCH_TYPES",
    "PIPELINE_CLASSES",
    "SCHEMA_PATH",
    "CatalogError",
    "CatalogMatch",
    "MirnaName",
    "annotate",
    "concordance",
    "context_fits",
    "detected_cargo",
    "load_catalog",
    "load_schema",
    "match_feature",
    "normalise_circ_id",
    "observed_direction",
    "parse_mirna",
    "summarise",
]
