# Small-RNA quantification: references, then trimming, collapsing, bowtie cascade and mature
# miRNA counts of each library.


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
        index=expand(
            "results/references/smallrna/{{step}}.{suffix}",
            suffix=run_plan.BOWTIE_INDEX_SUFFIXES,
        ),
    log:
        "logs/bowtie_index/{step}.log",
    benchmark:
        "benchmarks/bowtie_index/{step}.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/bowtie.yaml"
    threads: 2
    resources:
        mem_mb=bowtie_index_memory,
    params:
        prefix=bowtie_index_prefix,
    shell:
        "bowtie-build --threads {threads} --seed 1 {input.fasta:q} {params.prefix:q} "
        "> {log:q} 2>&1"


rule mirbase_arms:
    input:
        hairpin=PLAN.reference("smallrna.mirbase.hairpin"),
        mature=PLAN.reference("smallrna.mirbase.mature"),
        gff=PLAN.reference("smallrna.mirbase.gff"),
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
        species=PLAN.config["smallrna"]["mirbase"]["species"],
    script:
        "../scripts/mirbase_arms.py"


# One job per library from raw reads to mature miRNA counts: cutadapt streams FASTA into
# the collapser, then the bowtie cascade and the mature-arm assignment run on the distinct
# sequences (exocargo.smallrna). Separate jobs would each pay an interpreter start and a
# job launch, and compress and re-read files that nothing else uses.
rule quantify_smallrna:
    input:
        fastq=get_trim_input,
        indexes=expand(
            "results/references/smallrna/{step}.{suffix}",
            step=PLAN.cascade_names,
            suffix=run_plan.BOWTIE_INDEX_SUFFIXES,
        ),
        arms="results/references/mirbase_arms.tsv",
    output:
        cutadapt_json="results/trimmed/{sample}.cutadapt.json",
        collapsed="results/smallrna/{sample}/collapsed.fa",
        collapse_stats="results/smallrna/{sample}/collapse.json",
        bam="results/smallrna/{sample}/hairpin.bam",
        biotypes="results/smallrna/{sample}/biotypes.tsv",
        unmapped="results/smallrna/{sample}/unmapped.fa.gz",
        bowtie_logs=expand(
            "results/smallrna/{{sample}}/bowtie/{{sample}}.{step}.log",
            step=PLAN.cascade_names,
        ),
        counts="results/smallrna/{sample}/mirna_counts.tsv",
        isomirs="results/smallrna/{sample}/isomirs.tsv",
        summary="results/smallrna/{sample}/mirna_summary.tsv",
    log:
        main="logs/quantify_smallrna/{sample}.log",
        cutadapt="logs/quantify_smallrna/{sample}.cutadapt.log",
        stages="logs/quantify_smallrna/{sample}.stages.tsv",
    benchmark:
        "benchmarks/quantify_smallrna/{sample}.tsv"
    conda:
        "../envs/smallrna.yaml"
    threads: 2
    resources:
        mem_mb=quantify_smallrna_memory,
    params:
        cutadapt=PLAN.cutadapt_small,
        umi=PLAN.umi,
        steps=cascade_steps,
        isomir=PLAN.isomir,
    script:
        "../scripts/quantify_smallrna.py"
