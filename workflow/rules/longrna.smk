# Long-RNA libraries (trimmed in trim.smk): STAR (two-pass, chimeric junctions for circRNAs), library
# strandedness, featureCounts per sample and gene matrices split by gene type.


rule check_longrna_reference:
    input:
        genome=PLAN.reference("longrna.genome"),
        gtf=PLAN.reference("longrna.gtf"),
    output:
        # plain, whatever the configured files' compression: every later step reads these
        genome="results/references/genome.fa",
        gtf="results/references/genes.gtf",
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
        # checked and decompressed first: STAR reads neither gzip nor a genome with
        # duplicate names (which it indexes without complaint)
        fasta="results/references/genome.fa",
        gtf="results/references/genes.gtf",
        chrom_sizes="results/references/genome.chrom_sizes",
    output:
        index=directory("results/references/star"),
    log:
        "logs/star_index/star_index.log",
    benchmark:
        "benchmarks/star_index/star_index.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=star_index_memory,
    params:
        sa_bases=star_sa_index_bases,
        overhang=PLAN.config["longrna"]["star"]["sjdb_overhang"],
        sa_sparse=PLAN.config["longrna"]["star"]["sa_sparse"],
    shell:
        "mkdir -p {output.index:q} && "
        "STAR --runMode genomeGenerate --runThreadN {threads} "
        "--genomeDir {output.index:q} --genomeFastaFiles {input.fasta:q} "
        "--sjdbGTFfile {input.gtf:q} --sjdbOverhang {params.overhang} "
        "--genomeSAindexNbases {params.sa_bases} --genomeSAsparseD {params.sa_sparse} "
        "--outFileNamePrefix {output.index:q}/ > {log:q} 2>&1"


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
        main="logs/star_align/{sample}.log",
        star="results/star/{sample}/Log.out",
        progress="results/star/{sample}/Log.progress.out",
    benchmark:
        "benchmarks/star_align/{sample}.tsv"
    shadow:
        "minimal"
    conda:
        "../envs/star.yaml"
    threads: 2
    resources:
        mem_mb=star_align_memory,
    params:
        prefix="results/star/{sample}/",
        chimeric=PLAN.star_chimeric(),
        extra=PLAN.config["longrna"]["star"]["extra"],
    shell:
        "STAR --runThreadN {threads} --genomeDir {input.index:q} "
        "--readFilesIn {input.reads:q} --readFilesCommand zcat "
        "--outFileNamePrefix {params.prefix:q} "
        "--outSAMtype BAM SortedByCoordinate --outSAMattributes NH HI AS nM XS "
        "--quantMode GeneCounts --twopassMode Basic --outReadsUnmapped Fastx "
        "{params.chimeric} {params.extra} > {log.main:q} 2>&1 && "
        "samtools index {output.bam:q} >> {log.main:q} 2>&1 && "
        # Single-end runs write no mate2; an empty one keeps the outputs fixed.
        "touch {output.unmapped[1]:q}"


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
        gtf="results/references/genes.gtf",
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
        args=run_plan.FEATURECOUNTS_ARGUMENTS,
        pairs=featurecounts_pairs,
    script:
        "../scripts/featurecounts.py"


rule gene_matrices:
    input:
        counts=expand("results/featurecounts/{sample}.tsv", sample=PLAN.long),
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
        samples=PLAN.long,
        gene_types=PLAN.config["longrna"]["gene_types"],
    script:
        "../scripts/gene_matrices.py"
