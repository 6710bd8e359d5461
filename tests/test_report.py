"""The HTML report, its figures and their statistics, the software versions of the demo run
and Snakemake's own report (the versions module: test_versions.py)."""

import html
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake
from exocargo import exploration, qcplots, report

# Flags for headless Chromium in a container or CI runner: no sandbox (root), no GPU, no
# background traffic; each run gets its own fresh profile (--user-data-dir).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
# Injected first into a copy of the report: records load and script errors and
# console.error calls, then, once everything has loaded, writes what it found into the
# DOM, where --dump-dom returns it.
PROBE = """<script>
window.__problems = [];
window.addEventListener("error", function (event) {
  var target = event.target || {};
  window.__problems.push(String(event.message || ("failed to load " + (target.src || target.href))));
}, true);
var __consoleError = console.error;
console.error = function () {
  window.__problems.push(Array.prototype.join.call(arguments, " "));
  __consoleError.apply(console, arguments);
};
window.addEventListener("load", function () {
  var probe = document.createElement("pre");
  probe.id = "__probe";
  probe.textContent = JSON.stringify({
    problems: window.__problems,
    images: Array.prototype.map.call(document.images, function (img) {
      return {alt: img.alt, width: img.naturalWidth, complete: img.complete,
              inline: img.src.indexOf("data:image/png;base64,") === 0};
    }),
    knownCargoTables: document.querySelectorAll("table.known-cargo:not(.other-claims)").length,
    knownCargoRows: document.querySelectorAll(
      "table.known-cargo:not(.other-claims) tbody tr").length,
    height: document.documentElement.scrollHeight
  });
  document.body.appendChild(probe);
});
</script>
"""


# --------------------------------------------------------------------------------------------
# Unit tests
# --------------------------------------------------------------------------------------------


def de_table():
    return pd.DataFrame({
        "feature_id": ["a", "b", "c", "d"],
        "baseMean": [100.0, 200.0, 50.0, 10.0],
        "log2FoldChange": [2.0, -1.5, 0.1, 3.0],
        "log2FoldChange_shrunk": [1.9, -1.4, 0.05, 0.5],
        "pvalue": [1e-10, 1e-6, 0.5, 0.01],
        "padj": [1e-9, 1e-5, 0.8, np.nan],
    })


def cargo_table():
    return pd.DataFrame({
        "contrast": ["x", "x", "x"],
        "rna_class": ["mirna"] * 3,
        "feature_id": ["a", "c", "a"],
        "gene_name": ["", "", ""],
        "in_catalog": [True, True, True],
        "significant": [True, False, True],
        "claim_id": ["DR1", "DR2", "MET1"],
        "catalog_cargo": ["miR-a", "miR-c", "miR-a"],
        "context_fits": ["yes", "yes", "no"],
        "direction_agrees": ["yes", "not_significant", "unknown"],
        "padj": [1e-9, 0.8, 1e-9],
        "pvalue": [1e-10, 0.5, 1e-10],
        "review": ["000_033a73301b842bf9.txt", "x.txt", "004_ae7c9a7570de428f.txt"],
    })


def test_top_hits_and_summary():
    hits, any_significant = report.top_hits(de_table(), cargo_table(), "mirna", 0.05, 10)
    assert any_significant
    assert list(hits["feature_id"]) == ["a", "b"]
    assert list(hits["catalog"]) == ["miR-a", ""]
    assert report.de_summary(de_table(), 0.05) == {"tested": 4, "significant": 2, "up": 1,
                                                  "down": 1}
    none = de_table().assign(padj=0.9)
    hits, any_significant = report.top_hits(none, cargo_table(), "mirna", 0.05, 2)
    assert not any_significant and list(hits["feature_id"]) == ["a", "b"]


def test_known_cargo_order_and_concordance():
    known = report.known_cargo(cargo_table())
    assert list(known["claim_id"]) == ["DR1", "DR2", "MET1"]  # fitting first, then significant
    assert known.loc[0, "review_name"].startswith("Review 000: exosomes in breast-cancer")
    assert known.loc[0, "review_short"] == "Review 000 (drug resistance)"
    assert known.loc[1, "review_name"] == "x.txt"
    assert report.concordance_counts(known) == {
        "claims": 3, "features": 2, "fitting": 2, "agree": 1, "disagree": 0,
        "not_significant": 1, "unknown": 0,
    }


def test_png_data_uri_and_number_formats(tmp_path):
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nrest")
    assert report.png_data_uri(png).startswith("data:image/png;base64,iVBORw0KG")
    svg = tmp_path / "x.svg"
    svg.write_text("<svg/>")
    with pytest.raises(ValueError, match="not a PNG"):
        report.png_data_uri(svg)
    assert report.format_number(12345.0) == "12,345"
    assert report.format_number(0.12345) == "0.123"
    assert report.format_number(float("nan")) == "–"
    assert report.format_pvalue(1.5e-8) == "1.50e-08"


def test_vst_and_pca_are_deterministic():
    rng = np.random.default_rng(1)
    means = rng.lognormal(4, 1, 300)
    groups = np.repeat([0, 1], 4)
    counts = pd.DataFrame(
        rng.negative_binomial(10, 10 / (10 + means[:, None] * np.where(groups, 2.0, 1.0))),
        index=[f"f{i}" for i in range(300)],
        columns=[f"s{j}" for j in range(8)],
    )
    counts.loc["empty"] = 0
    vst = exploration.variance_stabilised(counts)
    assert "empty" not in vst.index and vst.shape == (300, 8)
    first = exploration.pca(vst)
    coords, explained = first.coords, first.explained
    again = exploration.pca(vst).coords
    assert np.array_equal(coords.to_numpy(), again.to_numpy())
    assert explained[0] > explained[1] and explained.sum() == pytest.approx(1)
    # the two groups (fold change 2 on every feature) separate on PC1
    pc1 = coords["PC1"].to_numpy()
    assert np.sign(pc1[:4].mean()) != np.sign(pc1[4:].mean())
    # sample distances: symmetric, rows and columns in one (reproducible) clustering order
    distances = exploration.sample_distances(vst)
    assert list(distances.index) == list(distances.columns)
    assert sorted(distances.index) == list(vst.columns)
    assert np.allclose(distances.to_numpy(), distances.to_numpy().T)
    assert np.allclose(np.diag(distances.to_numpy()), 0)
    assert distances.loc["s0", "s1"] == pytest.approx(
        np.sqrt(((vst["s0"] - vst["s1"]) ** 2).sum()))
    assert exploration.sample_distances(vst).equals(distances)


def test_vst_needs_two_samples_with_reads():
    counts = pd.DataFrame({"s1": [5, 3], "s2": [0, 0]}, index=["a", "b"])
    with pytest.raises(ValueError, match="needs 2 samples and 2 features with reads"):
        exploration.variance_stabilised(counts)


def test_clustered_zscores_scale_rows_and_group_alike_rows():
    values = pd.DataFrame(
        [[1.0, 2.0, 3.0], [5.0, 5.0, 5.0], [10.0, 20.0, 30.0], [3.0, 2.0, 1.0]],
        index=["up", "flat", "up10", "down"],
        columns=["s1", "s2", "s3"],
    )
    z = exploration.clustered_zscores(values)
    assert sorted(z.index) == sorted(values.index) and list(z.columns) == ["s1", "s2", "s3"]
    assert np.allclose(z.loc["flat"], 0)
    assert np.allclose(z.loc["up"], z.loc["up10"])
    assert np.allclose(z.loc["up"], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    order = list(z.index)
    assert abs(order.index("up") - order.index("up10")) == 1


def test_cargo_labels_name_significant_catalog_features():
    labels, catalog = qcplots.cargo_labels(cargo_table(), "mirna")
    assert labels == {"a": "a"}
    assert catalog == {"a", "c"}
    features = qcplots.cargo_features([cargo_table()], "mirna")
    assert features.to_dict("records") == [
        {"feature_id": "a", "label": "a", "significant_in": "x", "catalog": "miR-a"},
        {"feature_id": "c", "label": "c", "significant_in": "", "catalog": "miR-c"},
    ]
    assert qcplots.short_name("hsa-miR-199a-3p/hsa-miR-199b-3p") == "miR-199a-3p/miR-199b-3p"
    assert qcplots.short_name("hsa-let-7a-5p") == "let-7a-5p"
    assert qcplots.short_name("ENSG0001") == "ENSG0001"


# --------------------------------------------------------------------------------------------
# The demo report
# --------------------------------------------------------------------------------------------


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def run_chromium(args, workdir: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    """Headless Chromium with a fresh profile; returns the finished process."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
    try:
        return subprocess.run(
            [chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def console_messages(stderr: str) -> list[str]:
    """Console output Chromium logs with --enable-logging=stderr (any level)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.workflow
def test_report_is_self_contained(demo_run):
    page = (demo_run / "results/report.html").read_text()
    sources = re.findall(r"<(?:img|script|iframe|link)\b[^>]*\b(?:src|href)=\"([^\"]*)\"", page)
    assert sources, "no embedded resources found"
    assert all(s.startswith("data:") for s in sources), sources
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)
    for section in ("Run summary", "Quality control", "Differential expression",
                    "Known cargo", "Software versions"):
        assert section in page
    for contrast in ("resistant_vs_sensitive", "metastatic_vs_localized"):
        assert f'id="known-cargo-{contrast}"' in page
    # planted catalog miRNAs appear with the review's reference numbers
    assert "hsa-miR-1246" in page and "hsa-miR-105-5p" in page
    assert "ref.&nbsp;43" in page


@pytest.mark.workflow
def test_report_renders_in_chromium(demo_run):
    """Every embedded image loads, nothing is logged, the known-cargo tables are there;
    a full-page screenshot is written to results/report_screenshot.png."""
    results = demo_run / "results"
    original = results / "report.html"
    plain = run_chromium(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
         original.as_uri()],
        demo_run,
    )
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert "Known cargo" in plain.stdout
    assert console_messages(plain.stderr) == []

    probed = results / "report.probe.html"
    probed.write_text(original.read_text().replace("<head>", "<head>\n" + PROBE, 1))
    run = run_chromium(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
         probed.as_uri()],
        demo_run,
    )
    probed.unlink()
    assert run.returncode == 0, run.stderr[-3000:]
    found = re.search(r'<pre id="__probe">(.*?)</pre>', run.stdout, re.S)
    assert found, "the probe did not report (page load never finished?)"
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["problems"] == []
    assert len(probe["images"]) >= 8
    broken = [img["alt"] for img in probe["images"] if not (img["complete"] and img["width"] > 0)]
    assert broken == []
    assert all(img["inline"] for img in probe["images"])
    assert probe["knownCargoTables"] == 2 and probe["knownCargoRows"] > 0
    assert console_messages(run.stderr) == []

    screenshot = results / "report_screenshot.png"
    height = min(int(probe["height"]) + 50, 16000)
    shot = run_chromium(
        [f"--window-size=1400,{height}", f"--screenshot={screenshot}", original.as_uri()],
        demo_run,
    )
    assert shot.returncode == 0, shot.stderr[-3000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000
    print(f"report screenshot: {screenshot}")


@pytest.mark.workflow
def test_versions_name_every_tool(demo_run):
    versions = pd.read_csv(demo_run / "results/versions.tsv", sep="\t", dtype=str)
    tools = set(versions["tool"])
    assert {"cutadapt", "bowtie", "samtools", "multiqc", "snakemake", "python",
            "pydeseq2", "pandas", "matplotlib"} <= tools
    assert versions["version"].str.match(r"^\d+(\.\d+)+[a-z]?\d*$").all(), versions
    sheet = pd.read_csv(demo_run / "config/samples.tsv", sep="\t", dtype=str, comment="#")
    if (sheet["library"] == "long").any():
        assert {"STAR", "featureCounts"} <= tools


@pytest.mark.workflow
def test_snakemake_report_archive(demo_run):
    result = snakemake(demo_run, "--report", "report.zip", "--cores", "1")
    archive = demo_run / "report.zip"
    assert archive.is_file(), result.stdout + result.stderr
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    assert any(n.endswith("report.html") for n in names)
    for produced in ("samples.tsv", "composition.png", "pca.png", "cargo_heatmap.png",
                     "resistant_vs_sensitive.volcano.png", "multiqc_report.html",
                     "versions.tsv"):
        assert any(n.endswith(produced) for n in names), produced
