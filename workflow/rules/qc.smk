# Per-sample quality control: metrics from every tool's own report, a pass/warn/fail verdict
# per sample (criteria after exceRpt, thresholds in config qc), QC figures, and one MultiQC
# report over the tools' logs with the pipeline's QC table as a custom section.


rule qc_smallrna_sample:
    input:
        unpack(get_small_qc_inputs),
    output:
        metrics="results/qc/samples/{sample}.json",
        lengths="results/qc/samples/{sample}.read_lengths.tsv",
    log:
        "logs/qc_smallrna_sample/{sample}.log",
    benchmark:
        "benchmarks/qc_smallrna_sample/{sample}.tsv"
    wildcard_constraints:
        sample=name_pattern(PLAN.small),
    conda:
        "../envs/python.yaml"
    params:
        library="small",
        genome_step=PLAN.config["qc"]["genome_step"],
        rrna_step=PLAN.config["qc"]["rrna_step"],
    script:
        "../scripts/qc_sample.py"


rule qc_longrna_sample:
    input:
        cutadapt="results/trimmed/long/{sample}.cutadapt.json",
        star_log="results/star/{sample}/Log.final.out",
        featurecounts="results/featurecounts/{sample}.tsv.summary",
        strandedness="results/star/{sample}/strandedness.json",
        bsj="results/circrna/{sample}.bsj.tsv",
    output:
        metrics="results/qc/samples/{sample}.json",
    log:
        "logs/qc_longrna_sample/{sample}.log",
    benchmark:
        "benchmarks/qc_longrna_sample/{sample}.tsv"
    wildcard_constraints:
        sample=name_pattern(PLAN.long),
    conda:
        "../envs/python.yaml"
    params:
        library="long",
    script:
        "../scripts/qc_sample.py"


rule samtools_stats:
    input:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
    output:
        stats="results/qc/samtools/{sample}.stats",
    log:
        "logs/samtools_stats/{sample}.log",
    benchmark:
        "benchmarks/samtools_stats/{sample}.tsv"
    wildcard_constraints:
        sample=name_pattern(PLAN.long),
    shadow:
        "minimal"
    conda:
        # the environment that pins samtools
        "../envs/bowtie.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    shell:
        "samtools stats -@ {threads} {input.bam:q} > {output.stats:q} 2> {log:q}"


rule qc_table:
    input:
        metrics=expand("results/qc/samples/{sample}.json", sample=PLAN.samples),
        lengths=expand(
            "results/qc/samples/{sample}.read_lengths.tsv", sample=PLAN.small
        ),
    output:
        table=report(
            "results/qc/samples.tsv",
            caption="../report/qc_table.rst",
            category="Quality control",
            labels={"table": "per-sample QC and verdicts"},
        ),
        composition="results/qc/composition.tsv",
        composition_wide="results/qc/composition_reads.tsv",
        lengths="results/qc/read_lengths.tsv",
    log:
        "logs/qc_table/qc_table.log",
    benchmark:
        "benchmarks/qc_table/qc_table.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        libraries=sample_libraries,
        fail=PLAN.config["qc"]["fail"],
        warn=PLAN.config["qc"]["warn"],
        exclude_failed=PLAN.config["qc"]["exclude_failed"],
    script:
        "../scripts/qc_table.py"


rule qc_plots:
    input:
        table="results/qc/samples.tsv",
        composition="results/qc/composition.tsv",
        lengths="results/qc/read_lengths.tsv",
    output:
        composition=report(
            "results/plots/qc/composition.png",
            caption="../report/composition.rst",
            category="Quality control",
            labels={"figure": "read composition"},
        ),
        composition_svg="results/plots/qc/composition.svg",
        lengths=report(
            "results/plots/qc/read_lengths.png",
            caption="../report/read_lengths.rst",
            category="Quality control",
            labels={"figure": "read lengths"},
        ),
        lengths_svg="results/plots/qc/read_lengths.svg",
    log:
        "logs/qc_plots/qc_plots.log",
    benchmark:
        "benchmarks/qc_plots/qc_plots.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/qc_plots.py"


rule multiqc:
    input:
        cutadapt=expand("results/trimmed/{sample}.cutadapt.json", sample=PLAN.small)
        + expand("results/trimmed/long/{sample}.cutadapt.json", sample=PLAN.long),
        bowtie=expand(
            "results/smallrna/{sample}/bowtie/{sample}.{step}.log",
            sample=PLAN.small,
            step=PLAN.cascade_names,
        ),
        star=expand("results/star/{sample}/Log.final.out", sample=PLAN.long),
        featurecounts=expand(
            "results/featurecounts/{sample}.tsv.summary", sample=PLAN.long
        ),
        samtools=expand("results/qc/samtools/{sample}.stats", sample=PLAN.long),
        qc_table="results/qc/samples.tsv",
        composition="results/qc/composition_reads.tsv",
        config=PLAN.reference("report.multiqc_config"),
    output:
        html=report(
            "results/multiqc/multiqc_report.html",
            caption="../report/multiqc.rst",
            category="Quality control",
            labels={"report": "MultiQC"},
        ),
        data=directory("results/multiqc/multiqc_report_data"),
    log:
        "logs/multiqc/multiqc.log",
    benchmark:
        "benchmarks/multiqc/multiqc.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/multiqc.yaml"
    shell:
        "multiqc --force --no-ansi --config {input.config:q} "
        "--outdir $(dirname {output.html:q}) --filename $(basename {output.html:q}) "
        "{input.cutadapt:q} {input.bowtie:q} {input.star:q} {input.featurecounts:q} "
        "{input.samtools:q} {input.qc_table:q} {input.composition:q} > {log:q} 2>&1"
