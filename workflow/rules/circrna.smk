# circRNAs from STAR chimeric junctions: a rescue alignment of unmapped pairs, back-splice
# calls in two passes (the second counts mate-spanning fragments of circles whose split
# reads lie in other samples), linear (FSJ) counts and the circRNA matrix.


rule star_rescue:
    input:
        mates=get_unmapped_mates,
        index="results/references/star",
    output:
        junctions="results/star/{sample}/rescue/Chimeric.out.junction",
    log:
        main="logs/star_rescue/{sample}.log",
        star="results/star/{sample}/rescue/Log.out",
        progress="results/star/{sample}/rescue/Log.progress.out",
        final="results/star/{sample}/rescue/Log.final.out",
        splice_junctions="results/star/{sample}/rescue/SJ.out.tab",
    benchmark:
        "benchmarks/star_rescue/{sample}.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=star_align_memory,
    params:
        prefix="results/star/{sample}/rescue/",
        options=PLAN.star_rescue(),
    shell:
        "STAR --runThreadN {threads} --genomeDir {input.index:q} "
        "--readFilesIn {input.mates:q} --outFileNamePrefix {params.prefix:q} "
        "{params.options} > {log.main:q} 2>&1"


rule circrna_first_pass:
    input:
        junctions=[
            "results/star/{sample}/Chimeric.out.junction",
            "results/star/{sample}/rescue/Chimeric.out.junction",
        ],
        strandedness="results/star/{sample}/strandedness.json",
    output:
        table="results/circrna/{sample}.pass1.tsv",
    log:
        "logs/circrna_first_pass/{sample}.log",
    benchmark:
        "benchmarks/circrna_first_pass/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    params:
        settings=PLAN.config["circrna"],
    script:
        "../scripts/call_circrna.py"


rule circrna_support:
    input:
        tables=expand("results/circrna/{sample}.pass1.tsv", sample=PLAN.long),
    output:
        support="results/circrna/split_supported.tsv",
    log:
        "logs/circrna_support/circrna_support.log",
    benchmark:
        "benchmarks/circrna_support/circrna_support.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/circrna_support.py"


rule circrna_sample:
    input:
        junctions=[
            "results/star/{sample}/Chimeric.out.junction",
            "results/star/{sample}/rescue/Chimeric.out.junction",
        ],
        strandedness="results/star/{sample}/strandedness.json",
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        bai="results/star/{sample}/Aligned.sortedByCoord.out.bam.bai",
        support="results/circrna/split_supported.tsv",
        known=PLAN.known_circrnas,
    output:
        table="results/circrna/{sample}.bsj.tsv",
        bed="results/circrna/{sample}.bed",
    log:
        "logs/circrna_sample/{sample}.log",
    benchmark:
        "benchmarks/circrna_sample/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    params:
        settings=PLAN.config["circrna"],
    script:
        "../scripts/call_circrna.py"


rule circrna_matrix:
    input:
        tables=expand("results/circrna/{sample}.bsj.tsv", sample=PLAN.long),
        genes="results/references/genes.tsv",
    output:
        matrix="results/counts/circrna.tsv",
        ratio="results/counts/circrna_ratio.tsv",
    log:
        "logs/circrna_matrix/circrna_matrix.log",
    benchmark:
        "benchmarks/circrna_matrix/circrna_matrix.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        samples=PLAN.long,
        settings=PLAN.config["circrna"],
    script:
        "../scripts/circrna_matrix.py"
