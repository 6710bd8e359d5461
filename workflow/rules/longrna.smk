# Long-RNA libraries: trimming, STAR (two-pass, chimeric junctions for circRNAs), library
# strandedness, featureCounts per sample and gene matrices split by gene type.


rule trim_longrna_pe:
    input:
        fastq=get_long_fastqs,
    output:
        r1="results/trimmed/long/{sample}_R1.fastq.gz",
        r2="results/trimmed/long/{sample}_R2.fastq.gz",
        json="results/trimmed/long/{sample}.cutadapt.json",
    log:
        "logs/trim_longrna/{sample}.log",
    benchmark:
        "benchmarks/trim_longrna/{sample}.tsv"
    wildcard_constraints:
        sample=PAIRED_PATTERN,
    conda:
        "../envs/cutadapt.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    params:
        args=longrna_cutadapt_arguments,
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
        check_reads=trim_check_reads,
    shell:
        # On failure, say which read file is broken and how (mates that are not pairs,
        # truncated gzip, not FASTQ); cutadapt's message does not name the file.
        "{params.cleanup}; "
        "if ! cutadapt {params.args} -j {threads} --json {params.partial.json:q} "
        "-o {params.partial.r1:q} -p {params.partial.r2:q} {input.fastq:q} "
        "> {log:q} 2>&1; then "
        "{params.check_reads} {input.fastq:q} 2>&1 | tee -a {log:q} >&2; exit 1; fi; "
        "{params.publish}"


rule trim_longrna_se:
    input:
        fastq=get_long_fastqs,
    output:
        r1="results/trimmed/long/{sample}_R1.fastq.gz",
        json="results/trimmed/long/{sample}.cutadapt.json",
    log:
        "logs/trim_longrna/{sample}.log",
    benchmark:
        "benchmarks/trim_longrna/{sample}.tsv"
    wildcard_constraints:
        sample=SINGLE_PATTERN,
    conda:
        "../envs/cutadapt.yaml"
    threads: 2
    resources:
        mem_mb=1024,
    params:
        args=longrna_cutadapt_arguments,
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
        check_reads=trim_check_reads,
    shell:
        "{params.cleanup}; "
        "if ! cutadapt {params.args} -j {threads} --json {params.partial.json:q} "
        "-o {params.partial.r1:q} {input.fastq:q} > {log:q} 2>&1; then "
        "{params.check_reads} {input.fastq:q} 2>&1 | tee -a {log:q} >&2; exit 1; fi; "
        "{params.publish}"


rule check_longrna_reference:
    input:
        genome=config["longrna"]["genome"],
        gtf=config["longrna"]["gtf"],
    output:
        chrom_sizes="results/references/genome.chrom_sizes",
        genes="results/references/genes.tsv",
    log:
        "logs/check_longrna_reference/check_longrna_reference.log",
    benchmark:
        "benchmarks/check_longrna_reference/check_longrna_reference.tsv"
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/check_longrna_reference.py"


rule star_index:
    input:
        fasta=config["longrna"]["genome"],
        gtf=config["longrna"]["gtf"],
        # checked first: STAR indexes a genome with duplicate names without complaint
        chrom_sizes="results/references/genome.chrom_sizes",
    output:
        index=directory("results/references/star"),
    log:
        "logs/star_index/star_index.log",
    benchmark:
        "benchmarks/star_index/star_index.tsv"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=star_index_memory,
    params:
        sa_bases=star_sa_index_bases,
        overhang=config["longrna"]["star"]["sjdb_overhang"],
        partial=partial_outputs,
        publish=publish_outputs,
        cleanup=partial_cleanup,
    shell:
        "{params.cleanup}; "
        "rm -rf {params.partial.index:q} && mkdir -p {params.partial.index:q} && "
        "STAR --runMode genomeGenerate --runThreadN {threads} "
        "--genomeDir {params.partial.index:q} --genomeFastaFiles {input.fasta:q} "
        "--sjdbGTFfile {input.gtf:q} --sjdbOverhang {params.overhang} "
        "--genomeSAindexNbases {params.sa_bases} "
        "--outFileNamePrefix {params.partial.index:q}/ > {log:q} 2>&1 && "
        "{params.publish}"


rule star_align:
    input:
        reads=get_trimmed_long_fastqs,
        index="results/references/star",
    output:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        bai="results/star/{sample}/Aligned.sortedByCoord.out.bam.bai",
        junctions="results/star/{sample}/Chimeric.out.junction",
        gene_counts="results/star/{sample}/ReadsPerGene.out.tab",
        splice_junctions="results/star/{sample}/SJ.out.tab",
        final_log="results/star/{sample}/Log.final.out",
        unmapped=temp(
            multiext("results/star/{sample}/Unmapped.out", ".mate1", ".mate2")
        ),
    log:
        "logs/star_align/{sample}.log",
    benchmark:
        "benchmarks/star_align/{sample}.tsv"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=star_align_memory,
    params:
        prefix=star_prefix,
        chimeric=star_chimeric_arguments,
        extra=config["longrna"]["star"]["extra"],
        partial=partial_outputs,
        publish=publish_star_outputs,
        cleanup=star_cleanup,
    shell:
        # A killed run leaves STAR's temporary directory behind, and STAR refuses to start
        # while it exists.
        "{params.cleanup}; "
        "rm -rf {params.prefix:q}_STARtmp && "
        "STAR --runThreadN {threads} --genomeDir {input.index:q} "
        "--readFilesIn {input.reads:q} --readFilesCommand zcat "
        "--outFileNamePrefix {params.prefix:q} "
        "--outSAMtype BAM SortedByCoordinate --outSAMattributes NH HI AS nM XS "
        "--quantMode GeneCounts --twopassMode Basic --outReadsUnmapped Fastx "
        "{params.chimeric} {params.extra} > {log:q} 2>&1 && "
        "samtools index {params.partial.bam:q} >> {log:q} 2>&1 && "
        # Single-end runs write no mate2; an empty one keeps the outputs fixed.
        "touch {params.partial.unmapped[1]:q} && "
        "{params.publish}"


rule infer_strandedness:
    input:
        gene_counts="results/star/{sample}/ReadsPerGene.out.tab",
    output:
        strandedness="results/star/{sample}/strandedness.json",
    log:
        "logs/infer_strandedness/{sample}.log",
    benchmark:
        "benchmarks/infer_strandedness/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    params:
        declared=get_declared_strandedness,
    script:
        "../scripts/infer_strandedness.py"


rule featurecounts:
    input:
        bam="results/star/{sample}/Aligned.sortedByCoord.out.bam",
        junctions="results/star/{sample}/Chimeric.out.junction",
        gtf=config["longrna"]["gtf"],
        strandedness="results/star/{sample}/strandedness.json",
    output:
        counts="results/featurecounts/{sample}.tsv",
        summary="results/featurecounts/{sample}.tsv.summary",
    log:
        "logs/featurecounts/{sample}.log",
    benchmark:
        "benchmarks/featurecounts/{sample}.tsv"
    conda:
        "../envs/subread.yaml"
    threads: 2
    resources:
        mem_mb=2048,
    params:
        paired=is_paired_sample,
    script:
        "../scripts/featurecounts.py"


rule gene_matrices:
    input:
        counts=get_featurecounts_tables,
        genes="results/references/genes.tsv",
    output:
        lncrna="results/counts/lncrna.tsv",
        mrna="results/counts/mrna.tsv",
        genes="results/counts/genes.tsv",
    log:
        "logs/gene_matrices/gene_matrices.log",
    benchmark:
        "benchmarks/gene_matrices/gene_matrices.tsv"
    localrule: True
    conda:
        "../envs/python.yaml"
    params:
        samples=LONG_SAMPLES,
        gene_types=config["longrna"]["gene_types"],
    script:
        "../scripts/gene_matrices.py"
