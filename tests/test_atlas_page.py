"""The atlas's page (`linnet atlas report`) in a real browser: headless Chromium driven by selenium opens
index.html from disk with every host name unresolvable, sorts the table by a column, filters it to two
hidden layers, finds the plots drawn, and checks that nothing was requested from anywhere but the disk.

Skipped with the reason where Chromium, chromedriver or selenium is missing (`apt-get install chromium
chromium-driver`; selenium comes with the test extra).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from test_conjectures import atlas_records, make_atlas

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser"))
                                or not shutil.which("chromedriver"),
                                reason="needs Chromium and chromedriver (apt-get install chromium chromium-driver)")

#: How long the page may take to draw its table and plots (plotly's script alone is 4.8 MB).
READY_SECONDS = 30


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    from linnet_cli.atlas.dataset import load_atlas
    from linnet_cli.atlas.page import write_report
    root = tmp_path_factory.mktemp("page")
    frame = load_atlas(make_atlas(root / "atlas"))
    return write_report(frame, root / "site", sidecar=frame.attrs["atlas"])


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    os.environ.setdefault("SE_AVOID_STATS", "true")      # selenium's usage statistics: no request from here either
    options = Options()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--host-resolver-rules=MAP * ~NOTFOUND",    # no host name resolves: the network is out of reach
                "--disable-background-networking", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})   # every request the page makes
    # the driver given by path: selenium's manager (which would look for one on the network) is not run
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    yield driver
    driver.quit()


def _wait(driver, script: str, what: str):
    """Poll ``script`` until it returns something true; fail after READY_SECONDS."""
    end = time.monotonic() + READY_SECONDS
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"the page never showed {what}")


#: The cells of the table's shown rows, by column name (the header row with the names is the table's first).
ROWS = """
const names = [...document.querySelectorAll('#atlas_wrapper thead tr:first-child th')]
    .map(th => th.querySelector('.dt-column-title').innerText.trim());
return [...document.querySelectorAll('#atlas tbody tr')].map(tr => {
    const cells = [...tr.querySelectorAll('td')].map(td => td.innerText.trim());
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
});
"""


#: Whether the table is ordered by its column N_C, up (asc) or down (desc).
ORDERED = ("return [...document.querySelectorAll('#atlas_wrapper th')].some(th => "
           "th.innerText.trim() === 'N_C' && th.classList.contains('dt-ordering-{way}'))")


@pytest.fixture(scope="module")
def opened(browser, page):
    browser.get(page.as_uri())
    _wait(browser, "return document.querySelector('#atlas.dataTable tbody tr td') !== null", "the atlas table")
    _wait(browser, "return document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", "its plots")
    return browser


def _count(n: str) -> int:
    return int(n.replace(",", ""))


def test_clicking_a_header_sorts_the_table_by_that_column(opened):
    from selenium.webdriver.common.by import By
    header = next(th for th in opened.find_elements(By.CSS_SELECTOR, "#atlas_wrapper th")
                  if th.find_element(By.CSS_SELECTOR, ".dt-column-title").text == "N_C")
    header.click()
    _wait(opened, ORDERED.format(way="asc"), "the rows by N_C")
    rows = opened.execute_script(ROWS)
    shown = [_count(r["N_C"]) for r in rows if r["N_C"]]
    everything = sorted(rec["N_C"] for rec in atlas_records() if rec["N_C"] is not None)
    assert len(rows) == 25 and shown == everything[:len(shown)]      # ascending, from the smallest of all
    header.click()
    _wait(opened, ORDERED.format(way="desc"), "the rows by N_C, downwards")
    rows = opened.execute_script(ROWS)
    assert [_count(r["N_C"]) for r in rows[:3]] == sorted(everything, reverse=True)[:3] == [2537, 1921, 705]


def test_the_search_row_filters_the_table_to_two_hidden_layers(opened):
    from selenium.webdriver.common.by import By
    cells = opened.find_elements(By.CSS_SELECTOR, "#atlas_wrapper thead tr:nth-child(2) > *")
    names = [th.find_element(By.CSS_SELECTOR, ".dt-column-title").text for th in
             opened.find_elements(By.CSS_SELECTOR, "#atlas_wrapper thead tr:first-child th")]
    box = cells[names.index("H")].find_element(By.CSS_SELECTOR, "input")
    box.send_keys("2")
    want = sum(1 for rec in atlas_records() if rec["H"] == 2)
    info = _wait(opened, "const t = document.querySelector('#atlas_info').innerText; "
                         "return t.includes('filtered') ? t : null", "the filtered count")
    assert f"of {want} entries" in info, info
    opened.execute_script("document.querySelector('#atlas_wrapper select').value = '100'; "
                          "document.querySelector('#atlas_wrapper select').dispatchEvent(new Event('change'))")
    rows = opened.execute_script(ROWS)
    assert len(rows) == want > 25 and {r["H"] for r in rows} == {"2"}
    box.clear()
    box.send_keys("\b")          # an input event with the box empty: every row again, for the tests after this one


def test_the_plots_are_drawn_with_their_points(opened):
    plots = opened.execute_script("return [...document.querySelectorAll('.js-plotly-plot')].map(p => p.id)")
    assert set(plots) == {"plot-N_C", "plot-N_C_star", "plot-torus-share", "plot-completeness", "plot-seconds"}
    points = opened.execute_script("return document.querySelectorAll('#plot-N_C .scatterlayer .point').length")
    assert points == sum(1 for rec in atlas_records() if rec["N_C"])


def test_nothing_was_requested_but_files_on_disk(opened):
    import json
    events = [json.loads(e["message"])["message"] for e in opened.get_log("performance")]
    requests = {m["params"]["request"]["url"] for m in events if m["method"] == "Network.requestWillBeSent"}
    # the page, plotly's script beside it, and the table's library, inlined and imported from a blob
    assert requests and all(r.startswith(("file:", "blob:", "data:")) for r in requests), requests
    assert any(r.endswith("/site/assets/plotly.min.js") for r in requests), requests
    errors = [e for e in opened.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


#: Per column, the left edges of its header cell and of its cell in the first row shown.
EDGES = """
const heads = [...document.querySelectorAll('#atlas_wrapper thead tr:first-child th')]
    .filter(th => th.offsetHeight > 0);
const cells = [...document.querySelector('#atlas tbody tr').querySelectorAll('td')];
return heads.map((th, i) => [th.getBoundingClientRect().left, cells[i].getBoundingClientRect().left]);
"""


def test_the_headers_stand_over_their_columns(opened):
    """Each header is over its own column (drawn as a separate table, with scrollX, the headers drifted
    off their columns under the row of search boxes)."""
    edges = opened.execute_script(EDGES)
    assert len(edges) > 20 and all(abs(head - cell) < 1.5 for head, cell in edges), edges
