"""The HTML report in a real browser: headless Chromium renders the heatmap."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tracker.envinfo import Environment
from tracker.reports.data import gather
from tracker.reports.html import render_html
from tracker.store import ResultRecord, Store, VerdictRecord

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTCOMES = ["ok", "incorrect", "convert_error"]
HOSTILE = '<b>not bold</b> "><img src=x onerror=alert(1)>'


def _page(tmp_path) -> str:
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


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_the_report_renders_its_heatmap_in_headless_chromium(tmp_path):
    url = _page(tmp_path)
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run([CHROMIUM, *FLAGS, *profile, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert '<table id="outcomes">' in dom and "<thead>" in dom
    assert dom.count('<td class="cell') == 6  # 3 cases x 2 environments
    assert dom.count('<td class="case">case-') == 3  # the case ids label the rows
    assert 'data-outcome="incorrect"' in dom
    elements = re.sub(r'="[^"]*"', '=""', dom)  # serializers differ on < > inside attribute values
    assert "<b>" not in elements and "<img" not in elements  # the hostile signature stayed text
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *FLAGS, *profile, "--window-size=1400,1000", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 10_000  # a real picture, not an empty page
