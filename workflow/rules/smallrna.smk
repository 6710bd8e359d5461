# Small-RNA quantification: references, collapsing, bowtie cascade, mature miRNA counts.


rule prepare_cascade_reference:
    input:
        fasta=cascade_step_source,
    output:
        fasta="results/references/smallrna/{step}.fa",
    log:
        "logs/prepare_cascade_reference/{step}.log",
    benchmark:
        "benchmarks/prepare_cascade_reference/{step}.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        species=cascade_step_species,
    script:
        "../scripts/prepare_reference.py"


rule bowtie_index:
    input:
        fasta="results/references/smallrna/{step}.fa",
    output:
        index=multiext(
            "results/references/smallrna/{step}",
            ".1.ebwt",
            ".2.ebwt",
            ".3.ebwt",
            ".4.ebwt",
            ".rev.1.ebwt",
            ".rev.2.ebwt",
        ),
    log:
        "logs/bowtie_index/{step}.log",
    benchmark:
        "benchmarks/bowtie_index/{step}.tsv"
    conda:
        "../envs/bowtie.yaml"
    threads: 2
    resources:
        mem_mb=bowtie_index_memory,
    params:
        prefix=index_prefix,
        publish=publish_outputs,
        cleanup=partial_cleanup,
    shell:
        "{params.cleanup}; "
        "bowtie-build --threads {threads} --seed 1 {input.fasta:q} {params.prefix:q} "
        "> {log:q} 2>&1 && {params.publish}"


rule mirbase_arms:
    input:
        hairpin=config["smallrna"]["mirbase"]["hairpin"],
        mature=config["smallrna"]["mirbase"]["mature"],
        gff=config["smallrna"]["mirbase"]["gff"],
    output:
        arms="results/references/mirbase_arms.tsv",
    log:
        "logs/mirbase_arms/mirbase_arms.log",
    benchmark:
        "benchmarks/mirbase_arms/mirbase_arms.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        species=config["smallrna"]["mirbase"]["species"],
    script:
        "../scripts/mirbase_arms.py"


rule collapse_reads:
    input:
        fastq="results/trimmed/{sample}.fastq.gz",
    output:
        fasta="results/smallrna/{sample}/collapsed.fa",
        stats="results/smallrna/{sample}/collapse.json",
    log:
        "logs/collapse_reads/{sample}.log",
    benchmark:
        "benchmarks/collapse_reads/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    resources:
        mem_mb=2048,
    params:
        umi=UMI,
    script:
        "../scripts/collapse_reads.py"


rule smallrna_cascade:
    input:
        reads="results/smallrna/{sample}/collapsed.fa",
        indexes=cascade_indexes,
    output:
        bam="results/smallrna/{sample}/hairpin.bam",
        biotypes="results/smallrna/{sample}/biotypes.tsv",
        unmapped="results/smallrna/{sample}/unmapped.fa.gz",
        bowtie_logs=expand(
            "results/smallrna/{{sample}}/bowtie/{{sample}}.{step}.log",
            step=CASCADE_NAMES,
        ),
    log:
        "logs/smallrna_cascade/{sample}.log",
    benchmark:
        "benchmarks/smallrna_cascade/{sample}.tsv"
    conda:
        "../envs/bowtie.yaml"
    threads: 2
    resources:
        mem_mb=smallrna_cascade_memory,
    params:
        steps=cascade_steps,
    script:
        "../scripts/smallrna_cascade.py"


rule quantify_mirna:
    input:
        bam="results/smallrna/{sample}/hairpin.bam",
        arms="results/references/mirbase_arms.tsv",
    output:
        counts="results/smallrna/{sample}/mirna_counts.tsv",
        isomirs="results/smallrna/{sample}/isomirs.tsv",
        summary="results/smallrna/{sample}/mirna_summary.tsv",
    log:
        "logs/quantify_mirna/{sample}.log",
    benchmark:
        "benchmarks/quantify_mirna/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    resources:
        mem_mb=2048,
    params:
        isomir=isomir_rules,
    script:
        "../scripts/quantify_mirna.py"
