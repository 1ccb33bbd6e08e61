"""End to end: the planner served by ``streamlit run`` and driven in headless Chromium.

Starts ``streamlit run app.py`` on a free localhost port, opens each page in Debian's
``chromium`` through playwright's Python API, checks what the page shows, and saves a
screenshot of every page under ``docs/screenshots/`` (the README's pictures).

Needs ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it) and the
``playwright`` package (no browser download: the system chromium is used). Locally the test
skips with the reason when either is missing; in CI (``CI`` set) it fails instead.

Adding a step (``step_connections`` and ``step_shutdowns`` are examples: one assessment or
plan, what the page shows checked against the library's): write
``def step_<name>(ui: UI) -> None`` that opens a page, interacts, asserts and calls
``ui.shot("<name>")``, and append it to :data:`STEPS`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("PLANNER_SCREENSHOT_DIR") or REPO / "docs" / "screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 90
PAGE_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 600_000  # a cold numba cache compiles the solver first (about two minutes)


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; no browser download needed)"
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
    return None


MISSING = _missing()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MISSING is not None and not os.environ.get("CI"),
                       reason=f"end-to-end browser test: {MISSING}"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on http://127.0.0.1:<free port>, saving studies to a temp folder."""
    if MISSING:
        pytest.fail(f"end-to-end browser test cannot run in CI: {MISSING}")
    from application.plots import ensure_static_font

    ensure_static_font(REPO / "static")  # the interface's Chinese font, before the first page
    port = _free_port()
    folder = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "PLANNER_STUDIES_DIR": str(folder / "studies")}
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (folder / "streamlit.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class UI:
    """One browser tab on the app, with the few moves the steps need."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self, path: str = "") -> None:
        """Open a page by its url_path ("" is the default page, Network)."""
        self.page.goto(f"{self.url}/{path}")
        self.idle(RUN_TIMEOUT_MS)  # a page's first draw may compile kernels (cold cache)

    def idle(self, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
        """Wait until the script run is over and every element is drawn.

        The app's script state becomes "notRunning", and the placeholders Streamlit shows
        while an element's code loads (``stSkeleton``) are gone.
        """
        self.page.wait_for_selector("[data-testid='stMain']", timeout=timeout_ms)
        self.page.wait_for_function(
            "() => document.querySelector(\"[data-test-script-state='notRunning']\")"
            " && !document.querySelector(\"[data-testid='stStatusWidget']\")"
            " && !document.querySelector(\"[data-testid='stSkeleton']\")",
            timeout=timeout_ms)

    def text(self, text: str, timeout_ms: int = PAGE_TIMEOUT_MS):
        """The first element showing ``text``, once it is visible."""
        locator = self.page.get_by_text(text).first
        locator.wait_for(state="visible", timeout=timeout_ms)
        return locator

    def metric(self, label: str) -> str:
        """The value of an ``st.metric`` by its label."""
        box = self.page.locator("[data-testid='stMetric']").filter(has_text=label).first
        return box.locator("[data-testid='stMetricValue']").inner_text()

    def click(self, name: str) -> None:
        """Click a button by its label."""
        self.page.get_by_role("button", name=name).click()

    def choose(self, box, option: str, *, exact: bool = False, tries: int = 3) -> None:
        """Open the select box ``box`` and pick ``option``.

        A click that lands while the page redraws leaves the list closed; it is tried again
        (up to ``tries`` times) after the page is idle.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(tries):
            self.idle()
            box.locator("input").click()
            item = self.page.get_by_role("option", name=option, exact=exact)
            try:
                item.wait_for(state="visible", timeout=10_000)
            except PlaywrightTimeout:
                if attempt == tries - 1:
                    raise
                self.page.keyboard.press("Escape")
                continue
            item.click()
            return

    def load_study(self, file_label: str) -> None:
        """Open the page's "Study file" box, pick a listed file and load it."""
        self.page.get_by_text("Study file: save or load (YAML)").click()
        box = self.page.locator("[data-testid='stSelectbox']").filter(
            has_text="Saved and example studies")
        self.choose(box, file_label)
        self.click("Load the chosen file")
        # the box may redraw closed when the study switches the network: in the page, not
        # necessarily visible
        self.page.get_by_text("Loaded ").first.wait_for(state="attached",
                                                        timeout=RUN_TIMEOUT_MS)
        self.idle(RUN_TIMEOUT_MS)

    def no_exception(self) -> None:
        """No traceback on the page."""
        assert self.page.locator("[data-testid='stException']").count() == 0

    def shot(self, name: str, max_height: int = 4000) -> Path:
        """Screenshot of the whole page to docs/screenshots/<name>.png.

        Streamlit scrolls inside its main container, so the tab is made as tall as the
        content (up to ``max_height`` px) before the picture is taken.
        """
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        height = self.page.evaluate(
            "() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
        width = self.page.viewport_size["width"]
        self.page.set_viewport_size({"width": width, "height": min(int(height), max_height)})
        self.idle()
        self.page.wait_for_timeout(1200)  # let the maps' WebGL canvases redraw
        self.page.screenshot(path=str(path))
        return path


def step_network(ui: UI) -> None:
    """Network page on the demo: summary, then one run; the map turns into pressures."""
    ui.open("")
    ui.text("Demo: ctown_batadal.inp")
    assert ui.metric("Junctions") == "388" and ui.metric("Pipes") == "429"
    ui.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(
        timeout=PAGE_TIMEOUT_MS)  # the map is drawn (WebGL)
    ui.click("Run simulation")
    ui.text("junctions fall below the service pressure", timeout_ms=RUN_TIMEOUT_MS)
    ui.idle(RUN_TIMEOUT_MS)
    ui.text("Minimum pressure head over the run (m)")
    ui.text("0–14.28 m (below service)")
    ui.no_exception()
    ui.shot("network")


def step_capacity(ui: UI) -> None:
    """2025 capacity page: the gap table and its counts, with the illustrative banner."""
    ui.open("capacity")
    ui.text("Gap table: where each 2025 target stands")
    ui.text("Illustrative demo data.")
    assert ui.metric("Targets at risk") == "9" and ui.metric("Targets on track") == "2"
    assert ui.page.locator("[data-testid='stDataFrame']").count() >= 1
    ui.no_exception()
    ui.shot("capacity")


def step_connections(ui: UI) -> None:
    """Connections page: assess the default application (the network's first junction); the
    verdict and the customer's lowest pressure shown are the library's."""
    from application import DEMO_NETWORK, DEMO_PLACEMENT, open_network, read_placement
    from application.connection_study import assess_item, connection_study

    ui.open("connections")
    ui.text("Connections")
    ui.click("Assess the application")
    ui.text("A-NEW: ", timeout_ms=RUN_TIMEOUT_MS)
    ui.idle(RUN_TIMEOUT_MS)
    opened = open_network(DEMO_NETWORK)
    opened = type(opened)(opened.net, read_placement(DEMO_PLACEMENT, opened.net),
                          opened.source, opened.sha256)
    expected = assess_item(connection_study(opened), {
        "application_id": "A-NEW", "customer_class": "commercial",
        "node": opened.net.wn.junction_name_list[0], "demand_l_s": 1.0, "meter_dn": 25,
        "storeys": 2})
    box = ui.page.locator("[data-testid='stAlertContainer']").filter(has_text="A-NEW: ").first
    assert f"A-NEW: {expected.verdict}" in [line.strip() for line in
                                            box.inner_text().splitlines()]
    ui.text(f"Lowest pressure at the customer: {expected.customer_min_pressure_m / 100:.2f} MPa "
            f"({expected.customer_min_pressure_m:.1f} m)")
    ui.text("Change of the lowest daily pressure (m)")
    ui.no_exception()
    ui.shot("connections")


def step_shutdowns(ui: UI) -> None:
    """Shutdowns page: load the example study and plan its works job; the window, the
    customers without water and the valves shown are those ``planning.shutdowns`` plans."""
    from datetime import datetime

    from application import DEMO_DIR, load_study, open_study_network
    from planning.shutdowns import Job, Policy, plan_job

    ui.open("shutdowns")
    ui.text("Shutdowns")
    ui.load_study("scenarios/demo/shutdown_jobs.yaml")
    ui.click("Plan the shutdown")
    ui.text("W-2025-001: works on pipe P1", timeout_ms=RUN_TIMEOUT_MS)
    ui.idle(RUN_TIMEOUT_MS)
    net = open_study_network(load_study(DEMO_DIR / "shutdown_jobs.yaml")).net
    expected = plan_job(net, Job(pipe="P1", duration_h=6, job_id="W-2025-001",
                                 not_before=datetime(2025, 7, 1, 22)), None,
                        Policy(notice_h=24, night_only=True, night_start_h=22, night_end_h=6),
                        now=datetime(2025, 6, 28, 9))
    summary = expected.impact.summary
    assert ui.metric("Customers without water") == f"{summary['customers_without_water']:,}"
    assert ui.metric("Valves to close") == str(len(expected.valves_to_close))
    start = expected.best_window["start"]
    ui.text(f"valves closed {start.day} {start:%B %Y %H:%M}")
    ui.text("Supply during the shutdown")  # the map's legend
    ui.no_exception()
    ui.shot("shutdowns")


def step_leakage(ui: UI) -> None:
    """Leakage page: load the example study and run it; the network's leakage and assessed
    rate shown are those ``planning.leakage`` computes for the same study."""
    from application import DEMO_DIR, load_study, open_study_network
    from application.leakage_study import run_leakage

    ui.open("leakage")
    ui.text("Leakage")
    ui.load_study("scenarios/demo/leakage_settings.yaml")
    ui.click("Run and assess the network")
    ui.text("Water balance and CJJ 92 rates per zone", timeout_ms=RUN_TIMEOUT_MS)
    ui.idle(RUN_TIMEOUT_MS)
    study = load_study(DEMO_DIR / "leakage_settings.yaml")
    expected = run_leakage(open_study_network(study), study.body).network
    assert ui.metric("Leakage (m³/d)") == f"{expected['leakage_m3_per_d']:,.0f}"
    assert ui.metric("漏损率 R_BL (%)") == f"{expected['assessed_rate_pct']:.2f}"
    box = ui.page.locator("[data-testid='stAlertContainer']").filter(has_text="Network: ").first
    # Streamlit's markdown typesets "<=" as "≤"
    assert f"Network: {expected['verdict']}".replace("<=", "≤") in box.inner_text()
    ui.no_exception()
    ui.shot("leakage")


def step_pages_in_chinese_and_english(ui: UI) -> None:
    """Every page opened in Simplified Chinese (``?lang=zh_CN``: the app's default language),
    its title the catalog's; then the sidebar switch turns it into English. Screenshots
    ``zh_<page>.png``."""
    import re

    from app_pages import PAGES
    from application.i18n import _, use_language

    cjk = re.compile(r"[\u4e00-\u9fff]")
    for spec in PAGES:
        ui.open(f"{spec.url_path}?lang=zh_CN")
        with use_language("zh_CN"):
            title = _(spec.title)
        ui.page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True) \
            .first.wait_for(timeout=PAGE_TIMEOUT_MS)  # the navigation in Chinese
        assert cjk.search(ui.page.locator("h1").first.inner_text()), spec.url_path
        ui.no_exception()
        ui.shot(f"zh_{spec.url_path}")
    ui.page.locator("[data-testid='stSidebar']").get_by_text("English").click()
    ui.idle()
    ui.page.locator("[data-testid='stSidebarNav']").get_by_text(PAGES[-1].title, exact=True) \
        .first.wait_for(timeout=PAGE_TIMEOUT_MS)
    assert not cjk.search(ui.page.locator("h1").first.inner_text())
    ui.no_exception()


def _map_pixel(ui: UI, kind: str) -> tuple[float, float]:
    """A page point on the first deck.gl map that shows a junction (``kind="junction"``: the
    middle of a small dark-blue dot) or a plain pipe (``"pipe"``: a grey line pixel away
    from every dot), found in a screenshot of the canvas (what the planner sees)."""
    import io

    import numpy as np
    from PIL import Image

    canvas = ui.page.locator("[data-testid='stDeckGlJsonChart']").first.locator("canvas").first
    canvas.scroll_into_view_if_needed()  # the mouse clicks in the viewport
    ui.page.wait_for_timeout(800)
    rgb = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")).astype(int)
    box = canvas.bounding_box()  # after the scroll
    scale = rgb.shape[1] / box["width"]  # device pixels per page pixel
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    blue = (b - r > 50) & (r < 120)
    grey = (abs(r - g) < 12) & (abs(g - b) < 12) & (r > 90) & (r < 200)

    def window(mask: np.ndarray, half: int) -> np.ndarray:
        """True where the (2 half + 1)^2 square around a pixel is all ``mask``."""
        from numpy.lib.stride_tricks import sliding_window_view

        full = sliding_window_view(np.pad(mask, half), (2 * half + 1, 2 * half + 1))
        return full.all(axis=(-1, -2))

    def near(mask: np.ndarray, half: int) -> np.ndarray:
        from numpy.lib.stride_tricks import sliding_window_view

        full = sliding_window_view(np.pad(mask, half), (2 * half + 1, 2 * half + 1))
        return full.any(axis=(-1, -2))

    if kind == "junction":  # inside a dot of radius ~4 px, not a large tank/reservoir dot
        hits = window(blue, 1) & ~window(blue, 5)
    else:
        hits = grey & ~near(blue, 8)
    ys, xs = np.nonzero(hits)
    assert len(xs), f"no {kind} found on the map"
    k = len(xs) // 2
    return box["x"] + xs[k] / scale, box["y"] + ys[k] / scale


def step_click_to_place_an_application(ui: UI) -> None:
    """Connections page: a click on a junction of the placing map moves the application to
    that junction (the form's junction box changes to it)."""
    ui.open("connections")
    ui.text("Place on the map (click a junction)")
    ui.page.locator("[data-testid='stDeckGlJsonChart']").first.locator("canvas").first \
        .wait_for(timeout=PAGE_TIMEOUT_MS)
    ui.page.wait_for_timeout(2000)  # the WebGL draw
    x, y = _map_pixel(ui, "junction")
    ui.page.mouse.move(x, y)
    tooltip = ui.page.locator(".deck-tooltip").first
    tooltip.wait_for(timeout=PAGE_TIMEOUT_MS)
    node = tooltip.inner_text().split()[0]  # "J295 (Junction)": the junction under the mouse
    shown = ("(node) => [...document.querySelectorAll(\"[data-testid='stSelectbox']\")].some(e =>"
             " e.innerText.includes(node) || [...e.querySelectorAll('input')].some("
             "i => (i.value || '').includes(node) || (i.getAttribute('aria-label') || '')"
             ".includes(node)))")
    for attempt in range(3):  # a click that lands while the chart redraws is lost: retry
        ui.page.mouse.click(x, y)
        ui.idle()
        try:  # the form's junction box now holds the clicked junction
            ui.page.wait_for_function(shown, arg=node, timeout=20_000)
            break
        except Exception:
            if attempt == 2:
                raise
            ui.page.mouse.move(x, y)
            ui.page.wait_for_timeout(1000)
    ui.no_exception()
    ui.shot("connections_click_to_place")


def step_click_to_pick_a_pipe(ui: UI) -> None:
    """Shutdowns page: a click on a pipe of the map offers to plan works on it; accepting
    puts a job on that pipe in the table."""
    ui.open("shutdowns")
    ui.page.locator("[data-testid='stDeckGlJsonChart']").first.locator("canvas").first \
        .wait_for(timeout=PAGE_TIMEOUT_MS)
    ui.page.wait_for_timeout(2000)
    x, y = _map_pixel(ui, "pipe")
    ui.page.mouse.move(x, y)
    ui.page.mouse.click(x, y)
    ui.idle()
    picked = ui.text("picked on the map.")
    pipe = picked.inner_text().split("Pipe", 1)[1].split()[0]
    ui.click("Plan works on it")
    ui.idle()
    assert pipe.startswith("P")
    # the job table now has a job on the pipe: the study builds and can be planned
    ui.page.get_by_role("button", name="Plan the shutdown").wait_for(timeout=PAGE_TIMEOUT_MS)
    ui.no_exception()
    ui.shot("shutdowns_click_to_pick")


STEPS: list[Callable[[UI], None]] = [
    step_network,
    step_capacity,
    step_connections,
    step_shutdowns,
    step_leakage,
    step_pages_in_chinese_and_english,
    step_click_to_place_an_application,
    step_click_to_pick_a_pipe,
]
"""The walk through the app, in order; each step gets a fresh tab (a fresh session)."""


@pytest.mark.parametrize("step", STEPS, ids=[s.__name__.removeprefix("step_") for s in STEPS])
def test_app_in_browser(server, browser, step):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        step(UI(page, server))
    finally:
        page.close()


LEDGER_BATCH = """application_id,customer_class,node,demand_l_s,meter_dn,storeys,filed_at
E-1,commercial,J283,0.5,25,2,2025-03-03 09:30
E-2,industrial,J7,1.0,40,2,2025-03-03 10:00
"""


def test_ledger_workflow_in_browser(server, browser, tmp_path):
    """Connections page, ledger panel: file a CSV batch, assess, approve, connect, each with
    a name and a time; the clock and the business users' median shown are those
    ``planning.connections`` computes from the records in the ledger file."""
    from planning.connections import Ledger, Policy, connection_clock, median_table

    batch = tmp_path / "applications.csv"
    batch.write_text(LEDGER_BATCH)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    ui = UI(page, server)

    def typed(label: str, value: str) -> None:
        box = page.get_by_role("textbox", name=label)
        box.fill(value)
        box.press("Enter")
        ui.idle()

    try:
        ui.open("connections")
        path = Path(page.get_by_role("textbox", name="Ledger file").input_value())  # in the server's folder
        ui.click("Open or create the ledger")
        ui.idle()
        typed("Your name", "Li")
        typed("When (YYYY-MM-DD HH:MM; empty: now)", "2025-03-03 10:05")
        page.locator("[data-testid='stFileUploader']").filter(
            has_text="CSV batch of applications").locator("input[type='file']").set_input_files(
            str(batch))
        ui.idle()
        ui.click("File the batch")
        ui.text("Filed 2 applications: E-1, E-2.", timeout_ms=RUN_TIMEOUT_MS)
        box = page.locator("[data-testid='stMultiSelect']").filter(has_text="Applications")
        for aid in ("E-1", "E-2"):
            ui.choose(box, aid, exact=True)
            page.keyboard.press("Escape")  # a multiselect's list stays open after a pick
            ui.idle()
        typed("Your name", "Wang")
        typed("When (YYYY-MM-DD HH:MM; empty: now)", "2025-03-03 10:30")
        ui.click("Assess the chosen")
        ui.text("Assessed 2: ", timeout_ms=RUN_TIMEOUT_MS)
        ui.idle(RUN_TIMEOUT_MS)
        typed("Your name", "Zhao")
        typed("When (YYYY-MM-DD HH:MM; empty: now)", "2025-03-03 11:00")
        ui.click("Approve")
        ui.text("approve: 2 recorded.")
        typed("Your name", "Chen")
        typed("When (YYYY-MM-DD HH:MM; empty: now)", "2025-03-03 13:30")
        ui.click("Mark connected")
        ui.text("connect: 2 recorded.")
        ui.idle()
        ui.text("Connection clock (working days)")
        ui.no_exception()
        with Ledger(path) as ledger:
            events = ledger.events()
            clock = connection_clock(ledger, Policy())
        assert list(events["who"]) == ["Li", "Li", "Wang", "Wang", "Zhao", "Zhao", "Chen",
                                       "Chen"]
        # E-1: 09:30 -> 13:30 = 4 office hours; E-2: 10:00 -> 13:30 = 3.5 h; of 8 h a day
        assert clock.loc["E-1", "total_days"] == pytest.approx(4.0 / 8.0)
        assert clock.loc["E-2", "total_days"] == pytest.approx(3.5 / 8.0)
        median = median_table(clock, Policy()).loc[0, "median_days"]
        assert median == pytest.approx((4.0 + 3.5) / 2 / 8.0)
        assert ui.metric("Business users' median 2025 (working days)") == f"{median:.3f}"
        ui.shot("connection_ledger")
    except Exception:
        page.screenshot(path=str(tmp_path / "failed.png"), full_page=True)
        print("screenshot of the failure:", tmp_path / "failed.png")
        raise
    finally:
        page.close()
