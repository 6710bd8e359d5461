"""miRBase references and the assignment of hairpin alignments to mature miRNAs.

Reads are aligned to hairpins rather than to mature sequences so that isomiRs whose ends
run past the annotated mature arm still align; each alignment is then assigned to the arm
whose miRBase coordinates it overlaps, within the configured end tolerances (the approach of
miRDeep2's quantifier and mirtop). Mature names that share one identical sequence cannot be
told apart by sequencing and are merged into one feature.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple

from exocargo.io import open_text

if TYPE_CHECKING:
    import pandas as pd

FEATURE_SEPARATOR = "/"


class ReferenceFileError(ValueError):
    """A reference file that cannot be used; the message names the file and the record."""


class FastaRecord(NamedTuple):
    """A FASTA record: id, the rest of the header line, and the sequence."""

    name: str
    description: str
    sequence: str


def read_fasta(path: str | Path) -> Iterator[FastaRecord]:
    """Yield the records of a FASTA file; sequence uppercased, U to T.

    Raises ReferenceFileError for a record with no sequence, a file with no records, or a
    duplicate id.
    """
    seen: set[str] = set()
    name = description = None
    chunks: list[str] = []
    count = 0

    def emit():
        sequence = "".join(chunks).upper().replace("U", "T")
        if not sequence:
            raise ReferenceFileError(f"{path}: record '{name}' has no sequence")
        return FastaRecord(name, description, sequence)

    with open_text(path) as handle:  # plain, gzip or bgzip, as distributed
        for lineno, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(">"):
                if name is not None:
                    yield emit()
                    count += 1
                parts = line[1:].split(maxsplit=1)
                if not parts:
                    raise ReferenceFileError(f"{path}, line {lineno}: FASTA header without id")
                name = parts[0]
                description = parts[1] if len(parts) > 1 else ""
                if name in seen:
                    raise ReferenceFileError(
                        f"{path}, line {lineno}: duplicate FASTA id '{name}'; ids must be "
                        "unique"
                    )
                seen.add(name)
                chunks = []
            elif name is None:
                raise ReferenceFileError(
                    f"{path}, line {lineno}: sequence before the first '>' header; "
                    "is this a FASTA file?"
                )
            else:
                chunks.append(line)
        if name is not None:
            yield emit()
            count += 1
    if count == 0:
        raise ReferenceFileError(f"{path}: no FASTA records")


def species_records(path: str | Path, species: str) -> list[FastaRecord]:
    """FASTA records of one miRBase species prefix (``hsa-...``)."""
    prefix = species + "-"
    return [record for record in read_fasta(path) if record.name.startswith(prefix)]


def mature_feature_ids(mature: Iterable[FastaRecord]) -> dict[str, str]:
    """Map each mature name to its feature id; names sharing a sequence are merged.

    The merged id joins the sorted names with '/', e.g.
    'hsa-miR-199a-3p/hsa-miR-199b-3p'.
    """
    by_sequence: dict[str, list[str]] = defaultdict(list)
    for name, _, sequence in mature:
        by_sequence[sequence].append(name)
    feature = {}
    for names in by_sequence.values():
        merged = FEATURE_SEPARATOR.join(sorted(names))
        for name in names:
            feature[name] = merged
    return feature


GFF_ATTRIBUTE = re.compile(r"([^=;]+)=([^;]*)")


def _gff_attributes(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in GFF_ATTRIBUTE.findall(text)}


class Primary(NamedTuple):
    """A miRBase ``miRNA_primary_transcript`` (hairpin) feature of the GFF3."""

    hairpin: str  # its Name: the hairpin's FASTA id
    start: int  # 1-based, inclusive, on the genome
    end: int
    strand: str


class MatureFeature(NamedTuple):
    """A miRBase ``miRNA`` (mature) feature of the GFF3."""

    name: str
    start: int  # 1-based, inclusive, on the genome
    end: int


class ArmPosition(NamedTuple):
    """A row of the mature arm table: an arm's place on its hairpin (0-based, end exclusive)."""

    hairpin: str
    mature: str
    feature_id: str
    start: int
    end: int


def mature_arms(
    hairpin_fasta: str | Path,
    mature_fasta: str | Path,
    gff: str | Path,
    species: str,
) -> tuple[pd.DataFrame, list[str]]:
    """Positions of mature arms on hairpin sequences (0-based, end exclusive).

    Coordinates come from the miRBase GFF3 (mature ``miRNA`` features derive from
    ``miRNA_primary_transcript`` features whose Name is the hairpin id) and are checked
    against the sequences. Hairpins the GFF does not place, or whose GFF position does not
    match, fall back to an exact search of the species' mature sequences in the hairpin.
    Returns the table (hairpin, mature, feature_id, start, end) and notes on fallbacks.
    """
    import pandas as pd

    hairpins, mature = _species_sequences(hairpin_fasta, mature_fasta, species)
    features = mature_feature_ids(mature)
    mature_seq = {record.name: record.sequence for record in mature}
    primaries, children = read_mirbase_gff(gff)
    rows = _arms_placed_by_gff(primaries, children, hairpins, mature_seq, features)
    placed = {row.hairpin for row in rows}
    notes = []
    for hairpin, sequence in hairpins.items():
        if hairpin in placed:
            continue
        found = _arms_found_by_sequence(hairpin, sequence, mature_seq, features)
        rows.extend(found)
        notes.append(
            f"{hairpin}: not placed by {gff}; {len(found)} mature arm(s) found by sequence"
        )
    table = pd.DataFrame(rows, columns=list(ArmPosition._fields))
    table = table.drop_duplicates().sort_values(["hairpin", "start", "mature"])
    return table.reset_index(drop=True), notes


def _species_sequences(
    hairpin_fasta: str | Path, mature_fasta: str | Path, species: str
) -> tuple[dict[str, str], list[FastaRecord]]:
    """The species' hairpin sequences by id, and its mature records; an error when either
    file has none of the species."""
    hairpins = {record.name: record.sequence for record in species_records(hairpin_fasta, species)}
    mature = species_records(mature_fasta, species)
    if not hairpins:
        raise ReferenceFileError(f"{hairpin_fasta}: no hairpin of species '{species}'")
    if not mature:
        raise ReferenceFileError(f"{mature_fasta}: no mature miRNA of species '{species}'")
    return hairpins, mature


def read_mirbase_gff(
    gff: str | Path,
) -> tuple[dict[str, Primary], dict[str, list[MatureFeature]]]:
    """The hairpin features of a miRBase GFF3 by ID, and the mature features by the ID of
    the hairpin they derive from, in file order."""
    primaries: dict[str, Primary] = {}
    children: dict[str, list[MatureFeature]] = defaultdict(list)
    with open_text(gff) as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 9:
                continue
            kind, start, end, strand = fields[2], int(fields[3]), int(fields[4]), fields[6]
            attributes = _gff_attributes(fields[8])
            if kind == "miRNA_primary_transcript":
                primaries[attributes.get("ID", "")] = Primary(
                    attributes.get("Name", ""), start, end, strand
                )
            elif kind == "miRNA":
                children[attributes.get("Derives_from", "")].append(
                    MatureFeature(attributes.get("Name", ""), start, end)
                )
    return primaries, children


def _arms_placed_by_gff(
    primaries: dict[str, Primary],
    children: dict[str, list[MatureFeature]],
    hairpins: dict[str, str],
    mature_seq: dict[str, str],
    features: dict[str, str],
) -> list[ArmPosition]:
    """Arms where the GFF puts them, when the hairpin sequence there is the mature one."""
    rows = []
    for primary_id, primary in primaries.items():
        sequence = hairpins.get(primary.hairpin)
        if sequence is None:
            continue
        for mature in children.get(primary_id, []):
            if mature.name not in mature_seq:
                continue
            if primary.strand == "+":
                offset = mature.start - primary.start
            else:
                offset = primary.end - mature.end
            length = mature.end - mature.start + 1
            if sequence[offset : offset + length] == mature_seq[mature.name]:
                rows.append(ArmPosition(primary.hairpin, mature.name, features[mature.name],
                                        offset, offset + length))
    return rows


def _arms_found_by_sequence(
    hairpin: str, sequence: str, mature_seq: dict[str, str], features: dict[str, str]
) -> list[ArmPosition]:
    """Arms of a hairpin the GFF does not place: every mature sequence found in it."""
    found = []
    for name, mature in mature_seq.items():
        position = sequence.find(mature)
        if position >= 0:
            found.append(ArmPosition(hairpin, name, features[name], position,
                                     position + len(mature)))
    return found


@dataclass(frozen=True)
class Arm:
    """A mature arm on a hairpin."""

    feature_id: str
    start: int
    end: int


def arms_by_hairpin(table: pd.DataFrame) -> dict[str, list[Arm]]:
    """Group the mature arm table by hairpin."""
    return _group_arms(
        (row.hairpin, row.feature_id, row.start, row.end)
        for row in table.itertuples(index=False)
    )


def read_arms(path: str | Path) -> dict[str, list[Arm]]:
    """The mature arm table written by `mature_arms` (TSV), grouped by hairpin.

    Same result as ``arms_by_hairpin(pd.read_csv(path, sep="\\t"))`` without importing
    pandas, which would cost the per-sample job more than reading the table does.
    """
    with open(path, newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        missing = {"hairpin", "feature_id", "start", "end"} - set(rows.fieldnames or [])
        if missing:
            raise ReferenceFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return _group_arms((r["hairpin"], r["feature_id"], r["start"], r["end"]) for r in rows)


def _group_arms(rows: Iterable[tuple]) -> dict[str, list[Arm]]:
    arms: dict[str, list[Arm]] = defaultdict(list)
    for hairpin, feature_id, start, end in rows:
        arm = Arm(feature_id, int(start), int(end))
        if arm not in arms[hairpin]:
            arms[hairpin].append(arm)
    return arms


@dataclass(frozen=True)
class IsomirRules:
    """How far an alignment may differ from the annotated arm and still be counted."""

    five_prime_tolerance: int = 2
    three_prime_tolerance: int = 5
    max_nontemplated: int = 3
    max_mismatches: int = 1


def mismatch_positions(md: str) -> list[int]:
    """0-based read positions of mismatches from a SAM MD tag (no indels in bowtie1)."""
    positions = []
    position = 0
    for token in re.findall(r"\d+|\^[A-Z]+|[A-Z]", md):
        if token.isdigit():
            position += int(token)
        elif token.startswith("^"):
            raise ValueError(f"MD tag '{md}' has a deletion; expected ungapped alignments")
        else:
            positions.append(position)
            position += 1
    return positions


def split_nontemplated(mismatches: list[int], read_length: int, limit: int) -> tuple[int, int]:
    """Split mismatches into a 3'-terminal run (non-templated additions) and the rest.

    Returns (non-templated tail length, other mismatches). The tail is the run of
    consecutive mismatches ending at the last base of the read, up to ``limit`` long.
    """
    tail = 0
    mismatch_set = set(mismatches)
    while tail < limit and (read_length - 1 - tail) in mismatch_set:
        tail += 1
    return tail, len(mismatches) - tail


def assign(
    arms: list[Arm],
    start: int,
    read_length: int,
    mismatches: list[int],
    rules: IsomirRules,
) -> tuple[str, str] | None:
    """Assign one hairpin alignment to a mature arm, or None.

    ``start`` is the 0-based alignment start on the hairpin. The non-templated 3' tail does
    not count as part of the templated 3' end. Returns (feature_id, isomiR class) where the
    class is 'canonical', or a '+'-joined list of '5p', '3p', 'nta', 'snp'.
    """
    tail, other = split_nontemplated(mismatches, read_length, rules.max_nontemplated)
    return assign_split(arms, start, read_length, tail, other, rules)


def assign_split(
    arms: list[Arm], start: int, read_length: int, tail: int, other: int, rules: IsomirRules
) -> tuple[str, str] | None:
    """`assign` for an alignment whose mismatches are already split into the non-templated
    3' tail's length and the number of other mismatches (`split_nontemplated`)."""
    if other > rules.max_mismatches:
        return None
    templated_end = start + read_length - tail
    best, best_distance = None, None
    for arm in arms:
        shift5 = start - arm.start
        shift3 = templated_end - arm.end
        if (
            abs(shift5) <= rules.five_prime_tolerance
            and abs(shift3) <= rules.three_prime_tolerance
        ):
            distance = abs(shift5) + abs(shift3)
            if best_distance is None or distance < best_distance:
                kinds = [
                    kind
                    for kind, present in (
                        ("5p", shift5 != 0),
                        ("3p", shift3 != 0),
                        ("nta", tail > 0),
                        ("snp", other > 0),
                    )
                    if present
                ]
                best, best_distance = (arm.feature_id, "+".join(kinds) or "canonical"), distance
    return best


class Alignment(NamedTuple):
    """One hairpin alignment of a collapsed read (forward strand, ungapped).

    A named tuple: a library has one per hairpin alignment, and tuples are made fast."""

    read: str
    hairpin: str
    start: int
    read_length: int
    md: str


def quantify(
    alignments: Iterable[Alignment],
    arms: dict[str, list[Arm]],
    rules: IsomirRules,
    read_count,
) -> tuple[dict[str, float], dict[tuple[str, str], float], int]:
    """Count reads per mature feature from hairpin alignments grouped by read.

    All alignments of one read must be consecutive (bowtie writes them so). A read whose
    alignments are assigned to one feature counts fully for it, whatever the number of
    hairpin loci (miR-16-5p from mir-16-1 and mir-16-2 counts once); a read assigned to k
    different features counts 1/k for each. ``read_count(name)`` gives the number of reads a
    collapsed sequence stands for. Returns (counts per feature, counts per (feature, isomiR
    class), reads aligned to a hairpin but outside any mature arm).
    """
    counts: dict[str, float] = defaultdict(float)
    isomirs: dict[tuple[str, str], float] = defaultdict(float)
    unassigned = 0

    def flush(read: str, hits: dict[str, str]) -> None:
        nonlocal unassigned
        n = read_count(read)
        if not hits:
            unassigned += n
            return
        share = n / len(hits)
        for feature, kind in hits.items():
            counts[feature] += share
            isomirs[(feature, kind)] += share

    current = None
    hits: dict[str, str] = {}
    done: set[str] = set()
    splits: dict[tuple[str, int], tuple[int, int]] = {}
    assignments: dict[tuple[str, int, int, int, int], tuple[str, str] | None] = {}
    for alignment in alignments:
        if alignment.read != current:
            if current is not None:
                flush(current, hits)
                done.add(current)
            if alignment.read in done:
                raise ValueError(
                    f"alignments of read '{alignment.read}' are not consecutive; the "
                    "hairpin BAM must be in bowtie's output order, not sorted"
                )
            current, hits = alignment.read, {}
        # Reads of one miRNA share few distinct MD tags, and fewer distinct (locus, length,
        # tail, other mismatches): each is worked out once.
        split = splits.get((alignment.md, alignment.read_length))
        if split is None:
            split = splits[alignment.md, alignment.read_length] = split_nontemplated(
                mismatch_positions(alignment.md), alignment.read_length, rules.max_nontemplated
            )
        key = (alignment.hairpin, alignment.start, alignment.read_length, *split)
        if key in assignments:
            assigned = assignments[key]
        else:
            assigned = assignments[key] = assign_split(
                arms.get(alignment.hairpin, []), alignment.start, alignment.read_length, *split,
                rules,
            )
        if assigned is not None:
            feature, kind = assigned
            # Keep the most canonical class when several loci give the same feature,
            # whatever order bowtie lists the loci in.
            if feature not in hits or _isomir_rank(kind) < _isomir_rank(hits[feature]):
                hits[feature] = kind
    if current is not None:
        flush(current, hits)
    return dict(counts), dict(isomirs), unassigned


def sam_alignments(records: Iterable[bytes]) -> Iterator[Alignment]:
    """Mapped hairpin alignments from SAM lines (bytes, no header), in their order.

    Read from the text: query name, reference, 1-based position, sequence length and
    the MD tag.
    """
    for line in records:
        fields = line.rstrip(b"\n").split(b"\t")
        if int(fields[1]) & 4:
            continue
        for tag in fields[11:]:
            if tag.startswith(b"MD:Z:"):
                break
        else:
            raise ValueError(f"SAM record of read {fields[0].decode()} has no MD tag")
        yield Alignment(
            fields[0].decode(), fields[2].decode(), int(fields[3]) - 1, len(fields[9]),
            tag[5:].decode(),
        )


def _isomir_rank(kind: str) -> tuple[bool, int, str]:
    """Canonical first, then the classes with fewer differences, then by name."""
    return kind != "canonical", kind.count("+"), kind


def round_counts(counts: dict[str, float]) -> dict[str, int]:
    """Round fractional counts to integers (half to even), as DESeq2 needs integers."""
    return {feature: int(round(value)) for feature, value in counts.items()}
