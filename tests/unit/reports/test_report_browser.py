"""The HTML report in a real browser, headless Chromium: the heatmap renders, the hostile
texts stay text, and a report of the default matrix's size (67 pairs, long labels:
tests/planted_matrix.py) fits a 1400 px wide window, its legends beside the heatmaps.

The page has no script of its own; the test measures it by adding one to a copy that
writes the measures into the DOM, which ``--dump-dom`` prints."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from planted_matrix import planted_matrix_data

from tracker.envinfo import Environment
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.store import ResultRecord, Store, VerdictRecord

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
WIDTH = 1400
OUTCOMES = ["ok", "incorrect", "convert_error"]
HOSTILE = '<b>not bold</b> "><img src=x onerror=alert(1)>'
# writes into the DOM what the test checks: the page's width, and where each heatmap and
# its environment legend are
MEASURE = """<script>
const box = (e) => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right}; };
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({
  viewport: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  sections: [...document.querySelectorAll(".matrix")].map((m) => ({
    heatmap: box(m.querySelector(".heatmap")), legend: box(m.querySelector(".envs"))})),
});
document.body.appendChild(out);
</script>"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH: apt-get install chromium (.ci/run installs it)")


def _chromium(tmp_path, *options: str, url: str) -> str:
    profile = "--user-data-dir=" + str(tmp_path / "profile")
    done = subprocess.run([CHROMIUM, *FLAGS, profile, f"--window-size={WIDTH},1000", *options, url],
                          capture_output=True, text=True, timeout=180, check=True)
    return done.stdout


def _small_page(tmp_path) -> str:
    from tracker.cases import ModelCase
    from tracker.inputs import InputSpec

    cases = [ModelCase(id=f"case-{i}", framework="numpy", builder="tracker.inputs:make_inputs",
                       inputs=(InputSpec("x", (2,)),), kind="unit") for i in range(3)]
    with Store.open(tmp_path / "store.duckdb") as store:
        store.record_cases(cases)
        for version in ("1.20.1", "1.31.1"):
            env = Environment("3.11.7", "linux-x86_64", {"onnxruntime": version})
            store.record_environment(env, label=f"pipe.variant onnxruntime-{version}",
                                     requested={"onnxruntime": f"=={version}"}, buildable=True)
            run = store.start_run(env_id=env.env_id, label="", pipeline="pipe", variant="variant",
                                  model_set=None, manifest_hash="m", case_count=3, argv=[])
            for case, outcome in zip(cases, OUTCOMES, strict=True):
                store.record_result(ResultRecord(
                    run_id=run, env_id=env.env_id, config_key="c", pipeline="pipe", variant="variant",
                    framework="numpy", converter="conv", runtime="onnxruntime", case_id=case.id,
                    case_hash=case.content_hash, outcome=outcome, signature=HOSTILE,
                    verdicts=[VerdictRecord("numeric", outcome == "ok")]))
        page = tmp_path / "index.html"
        page.write_text(render_html(gather(store)), encoding="utf-8")
    return page.as_uri()


def test_the_report_renders_its_heatmap_in_headless_chromium(tmp_path):
    url = _small_page(tmp_path)
    dom = _chromium(tmp_path, "--dump-dom", url=url)
    assert '<table class="outcomes"' in dom and "<thead>" in dom
    assert dom.count('<td class="cell') == 6  # 3 cases x 2 environments
    assert dom.count('<td class="case">case-') == 3  # the case ids label the rows
    assert 'data-outcome="incorrect"' in dom
    elements = re.sub(r'="[^"]*"', '=""', dom)  # serializers differ on < > inside attribute values
    assert "<b>" not in elements and "<img" not in elements  # the hostile signature stayed text
    shot = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={shot}", url=url)
    assert shot.stat().st_size > 10_000  # a real picture, not an empty page


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """The report of the planted 67-pair store, as headless Chromium lays it out at 1400 px."""
    tmp_path = tmp_path_factory.mktemp("big")
    page = render_html(planted_matrix_data(tmp_path_factory))
    assert "<script" not in page  # the report itself runs nothing
    copy = tmp_path / "measured.html"
    copy.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", url=copy.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script wrote nothing"
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_a_report_of_67_pairs_does_not_overflow_1400_px(measured):
    assert measured["viewport"] == WIDTH
    assert measured["scrollWidth"] <= WIDTH


def test_each_environment_legend_is_beside_its_heatmap(measured):
    assert measured["sections"], "no heatmap found"
    for section in measured["sections"]:
        heatmap, legend = section["heatmap"], section["legend"]
        assert legend["left"] >= heatmap["right"] and abs(legend["top"] - heatmap["top"]) < 40, section
