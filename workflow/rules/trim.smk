# Trimming. Small-RNA reads of UMI protocols (QIAseq) have their UMI moved into the read
# name first; small-RNA trimming itself (cutadapt) runs inside quantify_smallrna
# (smallrna.smk), streaming into the collapser. Long-RNA reads are trimmed to FASTQ for STAR.
#
# Rules whose tool writes its outputs in place run in a shadow directory: the outputs reach
# their final names only when the job has succeeded (docs/CONTRIBUTING: incomplete outputs).
# On failure, check_reads.py says which read file is broken and how (mates that are not
# pairs, truncated gzip, not FASTQ); the tools' messages do not name the file.


# A library sequenced on several units (lanes, runs): each mate's files concatenated in
# sheet order (exocargo.units), what its trimming reads; kept only until trimming has read
# it. One-unit samples are trimmed from the sheet's files directly (Plan.fastqs).
rule merge_units:
    input:
        fastqs=get_unit_fastqs,
    output:
        fastq=temp(run_plan.MERGED_FASTQ),
    log:
        "logs/merge_units/{sample}_{mate}.log",
    benchmark:
        "benchmarks/merge_units/{sample}_{mate}.tsv"
    wildcard_constraints:
        sample=name_pattern(PLAN.merged),
        mate="R1|R2",
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/merge_units.py"


rule umi_extract:
    input:
        fastq=get_raw_fastq,
        check_reads=CHECK_READS,
    output:
        fastq="results/umi/{sample}.fastq.gz",
    log:
        "logs/umi_extract/{sample}.log",
    benchmark:
        "benchmarks/umi_extract/{sample}.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/umi_tools.yaml"
    params:
        regex=umi_regex,
    shell:
        "if ! umi_tools extract --extract-method=regex --bc-pattern={params.regex:q} "
        "--stdin {input.fastq:q} --stdout {output.fastq:q} --log {log:q}; then "
        "python {input.check_reads:q} {wildcards.sample:q} {input.fastq:q} 2>&1 "
        "| tee -a {log:q} >&2; exit 1; fi"


rule trim_longrna_pe:
    input:
        fastq=get_long_fastqs,
        check_reads=CHECK_READS,
    output:
        r1="results/trimmed/long/{sample}_R1.fastq.gz",
        r2="results/trimmed/long/{sample}_R2.fastq.gz",
        json="results/trimmed/long/{sample}.cutadapt.json",
    log:
        "logs/trim_longrna/{sample}.log",
    benchmark:
        "benchmarks/trim_longrna/{sample}.tsv"
    wildcard_constraints:
        sample=name_pattern(PLAN.paired),
    shadow:
        "minimal"
    conda:
        "../envs/cutadapt.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    params:
        args=longrna_cutadapt_arguments,
        outputs=cutadapt_read_outputs,
    shell:
        "if ! cutadapt {params.args} -j {threads} --json {output.json:q} "
        "{params.outputs} {input.fastq:q} > {log:q} 2>&1; then "
        "python {input.check_reads:q} {wildcards.sample:q} {input.fastq:q} 2>&1 "
        "| tee -a {log:q} >&2; exit 1; fi"


# Single-end libraries: the same rule without the second mate.
use rule trim_longrna_pe as trim_longrna_se with:
    output:
        r1="results/trimmed/long/{sample}_R1.fastq.gz",
        json="results/trimmed/long/{sample}.cutadapt.json",
    wildcard_constraints:
        sample=name_pattern(PLAN.single),
