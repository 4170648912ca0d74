"""The built website (``make site``) checked in headless Chromium (``make site-check``).

The site in ``build/site/`` is served on 127.0.0.1 and every page is opened in headless
Chromium (or Chrome) through Playwright; the browser is the one
``tools/ensure_chromium.sh`` finds (``$CHROMIUM``, ``chromium``, ``chromium-browser``,
``google-chrome``, the macOS app bundles), as for ``make site-check``. A page
passes when it loads with no console error, no failed request and no request to any
other host; every image has loaded; every link to a page of the site resolves; and
its math is typeset by MathJax (no raw ``$$``, no TeX error). Screenshots of the
landing page and of one notebook page are written to ``build/screenshots/`` for a
person to look at.

Skipped unless COURSE_SITE_CHECK=1 (set by ``make site-check``), so that ``make unit``
never starts a browser.
"""

import functools
import http.server
import json
import os
import re
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

if os.environ.get("COURSE_SITE_CHECK") != "1":
    pytest.skip(
        "the browser check of the website runs with `make site-check`",
        allow_module_level=True,
    )

from playwright.sync_api import sync_playwright  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
SHOTS = ROOT / "build" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
SHOT_NOTEBOOK = "01_ppf_sampling" if "01_ppf_sampling" in NOTEBOOKS else NOTEBOOKS[0]
# an inline formula MathJax left as text: $x$, $\mu + \sigma$ ...
RAW_INLINE_MATH = re.compile(r"\$[^$\s][^$\n]*?\$")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early (leaving a page) is normal


def _serve(directory):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site():
    assert (SITE / "index.html").is_file(), "no build/site/index.html: run `make site`"
    server, base = _serve(SITE)
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    found = subprocess.run(
        ["bash", str(ROOT / "tools" / "ensure_chromium.sh"), "--find"],
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stderr.strip()  # says what to run
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=found.stdout.strip(), args=FLAGS)
        yield chromium
        chromium.close()


def open_page(browser, url, viewport=(1280, 900)):
    """Open ``url``; return the page and the problems seen while it loaded."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}
    )
    page = context.new_page()
    problems = []

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"request to another host: {route.request.url}")
            route.abort()

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page.route("**/*", route)
    page.on("response", on_response)
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"request failed: {r.url} ({r.failure})"),
    )
    page.goto(url, wait_until="load")
    if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup?.promise")
        page.evaluate("() => MathJax.startup.promise")
    return page, problems


def broken_images(page):
    """The src of every <img> that did not load (natural width 0)."""
    return page.evaluate(
        """() => [...document.images]
              .filter(img => !img.complete || img.naturalWidth === 0)
              .map(img => img.getAttribute('src').slice(0, 80))"""
    )


def dead_links(page, base):
    """Links to this site that do not answer 200 (fragments ignored)."""
    hrefs = page.evaluate("() => [...document.links].map(a => a.href)")
    dead = []
    for href in sorted({urldefrag(h).url for h in hrefs}):
        if not href.startswith(base):
            continue  # another host: a link, not a request (Colab, GitHub)
        try:
            with urllib.request.urlopen(href, timeout=10) as response:
                ok = response.status == 200
        except urllib.error.HTTPError:
            ok = False
        if not ok:
            dead.append(href)
    return dead


def unrendered_math(page):
    """Raw TeX left in the prose, and MathJax's own error boxes."""
    text = page.evaluate(
        """() => {
          const cells = [...document.querySelectorAll('.jp-MarkdownCell')];
          const prose = cells.length ? cells : [document.querySelector(
            '.md-content') || document.body];
          return prose.map(e => e.innerText).join('\\n');
        }"""
    )
    found = [f"raw $$ in the text ({text.count('$$')})"] if "$$" in text else []
    found += [f"raw inline math: {m}" for m in RAW_INLINE_MATH.findall(text)[:5]]
    errors = page.evaluate("() => document.querySelectorAll('mjx-merror').length")
    if errors:
        found.append(f"{errors} TeX errors shown by MathJax")
    return found


def site_pages():
    """Every page of the built site (relative paths), 404.html aside."""
    if not SITE.is_dir():
        return ["index.html"]  # the `site` fixture then says: run `make site`
    pages = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html"))
    return [p for p in pages if p != "404.html" and not p.startswith("assets/")]


def n_figures(stem):
    """Bitmap figures (PNG, JPEG) among the committed outputs of a notebook."""
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8"))
    return sum(
        any(kind in ("image/png", "image/jpeg") for kind in out.get("data", {}))
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
    )


@pytest.mark.parametrize("path", site_pages())
def test_page_loads_clean(site, browser, path):
    page, problems = open_page(browser, urljoin(site, path))
    try:
        problems += [f"image not loaded: {src}" for src in broken_images(page)]
        problems += [f"dead link: {href}" for href in dead_links(page, site)]
        problems += unrendered_math(page)
    finally:
        page.context.close()
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_page(site, browser, stem):
    page, problems = open_page(browser, urljoin(site, f"{stem}.html"))
    try:
        shown = page.evaluate(
            "() => document.querySelectorAll('.jp-OutputArea-output img').length"
        )
        colab = page.evaluate(
            """() => [...document.querySelectorAll('a[href*="colab.research"]')]
                  .filter(a => a.querySelector('img')).map(a => a.href)"""
        )
        download = page.evaluate(
            "() => [...document.querySelectorAll('a[download]')].map(a => a.href)"
        )
        math = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    finally:
        page.context.close()
    assert not problems, problems
    assert shown == n_figures(stem), "every committed figure is on the page"
    assert colab and all(href.endswith(f"notebooks/{stem}.ipynb") for href in colab)
    assert download == [urljoin(site, f"{stem}.ipynb")]
    with urllib.request.urlopen(download[0], timeout=10) as response:
        served = response.read()
    assert served == (ROOT / "notebooks" / f"{stem}.ipynb").read_bytes()
    prose = (ROOT / "notebooks" / f"{stem}.ipynb").read_text("utf-8")
    if "$" in prose:
        assert math > 0, "the notebook has LaTeX, so MathJax must have typeset some"


def test_next_links_walk_the_course_in_order(site, browser):
    """From the landing page, "next" visits every notebook in file order."""
    page, _ = open_page(browser, site)  # leaving a page aborts its late requests
    visited = []
    try:
        for _ in range(len(NOTEBOOKS)):
            page.click("a.md-footer__link--next")
            page.wait_for_load_state("load")
            visited.append(Path(urlsplit(page.url).path).stem)
        prev = page.evaluate(
            "() => document.querySelector('a.md-footer__link--prev').href"
        )
    finally:
        page.context.close()
    assert visited == NOTEBOOKS
    assert prev == urljoin(site, f"{NOTEBOOKS[-2]}.html")


def test_search_finds_a_notebook(site, browser):
    """The search box (a web worker over the site's own index) works offline."""
    page, problems = open_page(browser, site)
    try:
        page.click("input.md-search__input")
        page.keyboard.type("Cholesky", delay=50)  # Material searches on keystrokes
        page.wait_for_selector(".md-search-result__item a", timeout=15_000)
        hits = page.evaluate(
            """() => [...document.querySelectorAll('.md-search-result__item a')]
                  .map(a => a.href)"""
        )
    finally:
        page.context.close()
    assert not problems, problems
    assert any("02_gaussian_bayes.html" in hit for hit in hits), hits


def test_screenshots(site, browser):
    """Landing page and one notebook page (its top, and its first displayed
    formula with what follows), for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = [
        ("landing", "", None),
        (SHOT_NOTEBOOK, f"{SHOT_NOTEBOOK}.html", None),
        (f"{SHOT_NOTEBOOK}-math", f"{SHOT_NOTEBOOK}.html", "mjx-container[display]"),
    ]
    for name, path, selector in shots:
        page, problems = open_page(browser, urljoin(site, path))
        try:
            if selector and page.locator(selector).count():
                page.locator(selector).first.scroll_into_view_if_needed()
                page.wait_for_timeout(800)  # the header's title fades on scroll
            page.screenshot(path=SHOTS / f"{name}.png")
        finally:
            page.context.close()
        assert not problems, problems
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    """A page with a missing image, a dead link, raw TeX and an outside request."""
    (tmp_path / "bad.html").write_text(
        "<html><body><p>$$x^2$$ and $y$</p>"
        '<img src="missing.png"><img src="https://example.org/x.png">'
        '<a href="nowhere.html">dead</a></body></html>'
    )
    server, base = _serve(tmp_path)
    try:
        page, problems = open_page(browser, base + "bad.html")
        broken = broken_images(page)
        dead = dead_links(page, base)
        math = unrendered_math(page)
        page.context.close()
    finally:
        server.shutdown()
    assert any("example.org" in p for p in problems)
    assert any("404" in p for p in problems)
    assert broken == ["missing.png", "https://example.org/x.png"]
    assert dead == [base + "nowhere.html"]
    assert "raw $$ in the text (2)" in math and "raw inline math: $y$" in math
