"""Adapter presets of the common small-RNA library kits, turned into tool arguments.

The presets follow the kit manuals as nf-core/smrnaseq uses them. NEXTflex inserts carry 4
random nucleotides at both ends: the 5' ones are cut before adapter search (cutadapt applies
``-u`` first), the 3' ones are removed by prefixing the adapter with four ``N`` wildcards, so
they go with the adapter. QIAseq reads carry a 12-nt UMI after the adapter; it is moved into
the read name by umi_tools before cutadapt sees the read.
"""

from __future__ import annotations

from dataclasses import dataclass

TRUSEQ_SMALL_RNA = "TGGAATTCTCGGGTGCCAAGG"


@dataclass(frozen=True)
class Preset:
    """Adapter layout of one library kit."""

    adapter: str
    cut_5prime: int = 0
    umi_length: int = 0
    umi_adapter: str = ""


PRESETS = {
    "truseq": Preset(adapter=TRUSEQ_SMALL_RNA),
    "illumina_v15": Preset(adapter="ATCTCGTATGCCGTCTTCTGCTTG"),
    "nextflex": Preset(adapter="NNNN" + TRUSEQ_SMALL_RNA, cut_5prime=4),
    "qiaseq": Preset(adapter="", umi_length=12, umi_adapter="AACTGTAGGCACCATCAAT"),
}


def preset(protocol: str, custom_adapter: str = "") -> Preset:
    """Return the preset of a protocol; 'custom' uses ``custom_adapter``."""
    if protocol == "custom":
        if not custom_adapter:
            raise ValueError(
                "trimming.protocol is 'custom' but trimming.adapter is empty; give the "
                "3' adapter sequence"
            )
        return Preset(adapter=custom_adapter)
    try:
        return PRESETS[protocol]
    except KeyError:
        raise ValueError(
            f"unknown trimming.protocol '{protocol}'; choose one of "
            f"{', '.join(sorted(PRESETS))} or custom"
        ) from None


def uses_umi(protocol: str) -> bool:
    """Whether reads of this protocol carry a UMI that must be extracted first."""
    return protocol != "custom" and preset(protocol).umi_length > 0


def cutadapt_arguments(
    protocol: str,
    adapter: str = "",
    min_length: int = 17,
    max_length: int = 40,
    quality_cutoff: int = 20,
) -> list[str]:
    """cutadapt options (without input, output and threads) for a small-RNA protocol.

    Reads are length-filtered to the miRNA window after trimming; reads without adapter
    are kept, since a read shorter than insert + adapter is still a valid insert when it
    fits the window.
    """
    if min_length > max_length:
        raise ValueError(
            f"trimming.min_length ({min_length}) is larger than trimming.max_length "
            f"({max_length})"
        )
    kit = preset(protocol, adapter)
    args = []
    if kit.cut_5prime:
        args += ["-u", str(kit.cut_5prime)]
    if kit.adapter:
        args += ["-a", kit.adapter]
    args += [
        "-q",
        str(quality_cutoff),
        "--minimum-length",
        str(min_length),
        "--maximum-length",
        str(max_length),
        "--max-n",
        "0",
    ]
    return args


def umi_regex(protocol: str) -> str:
    """umi_tools regex that keeps the insert and moves the UMI after the adapter to the name.

    Up to two substitutions are tolerated in the adapter, as nf-core/smrnaseq does.
    """
    kit = preset(protocol)
    if not kit.umi_length:
        raise ValueError(f"protocol '{protocol}' has no UMI")
    return (
        f".+(?P<discard_1>{kit.umi_adapter}){{s<=2}}"
        f"(?P<umi_1>.{{{kit.umi_length}}})(?P<discard_2>.*)"
    )
