"""mkdocs hooks for the course website (listed in mkdocs.yml).

Each notebook page gets its Colab badge served from the site itself (the badge in the
notebook points at colab.research.google.com, and the site must not fetch anything
from another host) and a download link for the ``.ipynb`` that the mkdocs-jupyter
plugin copies beside the page. MathJax 3 (served from the site, see
tools/build_site.py) is configured for the delimiters Jupyter uses, and loaded on
the Markdown pages that have math (the landing page's learning goals).
"""

import html
import posixpath
import re
import tomllib
from pathlib import Path

from mkdocs.utils import get_relative_url

COLAB_BADGE_URL = "https://colab.research.google.com/assets/colab-badge.svg"
# the repository's address, written once in pyproject.toml ([project.urls])
_PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_REPO = tomllib.loads(_PYPROJECT.read_text("utf-8"))["project"]["urls"]["Repository"]
COLAB_NOTEBOOK = (
    "https://colab.research.google.com/github/"
    + _REPO.removeprefix("https://github.com/").rstrip("/")
    + "/blob/main/notebooks/{}"
)
LOCAL_BADGE = "assets/colab-badge.svg"
# read by MathJax 3 when it loads (nbconvert's own configuration is for MathJax 2)
MATHJAX_CONFIG = r"""<script>
window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\(", "\\)"]], processEscapes: true,
        processEnvironments: true, tags: "ams"},
  options: {ignoreHtmlClass: "tex2jax_ignore", processHtmlClass: "tex2jax_process"}
};
</script>
"""
# a link from one notebook to another (nbconvert leaves it pointing at the .ipynb)
NOTEBOOK_LINK = re.compile(r'href="(?:\./)?([\w.-]+\.ipynb)(#[^"]*)?"')
# the badge link as nbconvert renders the notebook's first cell
BADGE_LINK = re.compile(
    r'<a href="https://colab\.research\.google\.com/github/[^"]*"[^>]*>\s*'
    r"<img[^>]*colab-badge\.svg[^>]*>\s*</a>"
)


def on_page_content(html_body, page, config, files):
    """Local badge, download link and links between notebook pages; MathJax."""
    src = page.file.src_uri
    if not src.endswith(".ipynb"):
        if 'class="arithmatex"' not in html_body:  # Markdown page without math
            return html_body
        script = get_relative_url("assets/mathjax/tex-chtml-full.js", page.file.url)
        return f'{MATHJAX_CONFIG}<script src="{script}"></script>\n{html_body}'
    name = posixpath.basename(src)
    badge = get_relative_url(LOCAL_BADGE, page.file.url)
    download = (
        f'<a class="nb-download" href="{html.escape(name)}" download>'
        f"Download the notebook ({html.escape(name)})</a>"
    )
    html_body = MATHJAX_CONFIG + html_body.replace(COLAB_BADGE_URL, badge)
    html_body = NOTEBOOK_LINK.sub(
        lambda m: (
            f'href="{m[1][: -len(".ipynb")]}.html{m[2] or ""}"'
            if files.get_file_from_path(m[1])
            else m[0]
        ),
        html_body,
    )  # [notebook 04](04_vae.ipynb) leads to its page, not to a download
    match = BADGE_LINK.search(html_body)
    if match:  # put the download link beside the notebook's own badge
        links = f'<span class="nb-links">{match.group(0)} {download}</span>'
        return html_body[: match.start()] + links + html_body[match.end() :]
    colab = (
        f'<a href="{COLAB_NOTEBOOK.format(html.escape(name))}">'
        f'<img alt="Open In Colab" src="{badge}"/></a>'
    )
    return f'<p class="nb-links">{colab} {download}</p>' + html_body
