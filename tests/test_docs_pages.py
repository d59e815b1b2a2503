"""Every ```python snippet in the user guides runs, and prints what the page shows.

A snippet runs as its own script in a fresh interpreter (rules it registers do not
leak into other tests), from a temporary directory; a first line ``# name.py``
names the file, so error messages on the page show that name. When a ```text
block follows the snippet (only blank lines between), the snippet's standard
output must be exactly that text. After an intended change, rebuild the outputs
with

    TL_UPDATE_DOCS=1 python -m pytest tests/test_docs_pages.py
"""

import os
import re
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["numerical-stability.md", "non-differentiable-points.md", "custom-rules.md"]
FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```\n", re.S | re.M)
NAME = re.compile(r"# ([\w-]+\.py)\n")


def _read(page):
    with open(os.path.join(ROOT, "docs", page), encoding="utf-8") as fh:
        return fh.read()


def snippets(text):
    """``(python match, following text-block match or None)`` for each python block."""
    blocks = list(FENCE.finditer(text))
    out = []
    for i, m in enumerate(blocks):
        if m.group("lang") != "python":
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and (nxt.group("lang") != "text"
                                or text[m.end():nxt.start()].strip()):
            nxt = None
        out.append((m, nxt))
    return out


def run(code, index, page):
    with tempfile.TemporaryDirectory() as tmp:
        first = NAME.match(code)
        name = first.group(1) if first else f"{page[:-3].replace('-', '_')}_{index}.py"
        path = os.path.join(tmp, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(code)
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   PYTHONWARNINGS="ignore")
        proc = subprocess.run([sys.executable, name], cwd=tmp, env=env, capture_output=True,
                              text=True, timeout=120)
        stdout = proc.stdout.replace(os.path.realpath(tmp) + os.sep, "").replace(
            tmp + os.sep, "")
    return proc.returncode, stdout, proc.stderr


CASES = [(page, k) for page in PAGES for k in range(len(snippets(_read(page))))]


@pytest.mark.parametrize("page,k", CASES, ids=[f"{p}#{k}" for p, k in CASES])
def test_snippet_runs_and_prints_what_the_page_shows(page, k):
    text = _read(page)
    code_m, out_m = snippets(text)[k]
    rc, stdout, stderr = run(code_m.group("body"), k, page)
    assert rc == 0, f"{page} snippet {k} failed:\n{stderr}"
    if out_m is None:
        return
    if os.environ.get("TL_UPDATE_DOCS"):
        new = text[:out_m.start("body")] + stdout + text[out_m.end("body"):]
        with open(os.path.join(ROOT, "docs", page), "w", encoding="utf-8") as fh:
            fh.write(new)
        return
    assert stdout == out_m.group("body"), (
        f"{page} snippet {k} prints something else than the page shows; after an "
        f"intended change run TL_UPDATE_DOCS=1 pytest tests/test_docs_pages.py\n"
        f"--- page\n{out_m.group('body')}--- actual\n{stdout}")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_snippets_and_is_linked_from_the_readme(page):
    assert snippets(_read(page)), page
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        assert f"(docs/{page})" in fh.read()


def test_conventions_table_links_tests_that_exist():
    """Each row of the SPEC §3 table names the test that pins it."""
    text = _read("non-differentiable-points.md")
    with open(os.path.join(ROOT, "tests", "test_conventions.py"), encoding="utf-8") as fh:
        tests = set(re.findall(r"^def (test_\w+)", fh.read(), re.M))
    rows = [r for r in text.splitlines() if r.startswith("| ") and "test_conventions.py" in r]
    assert len(rows) >= 6, "the table has one row per SPEC §3 convention"
    for row in rows:
        names = re.findall(r"\[`(test_\w+)`\]\(\.\./tests/test_conventions\.py\)", row)
        assert names, row
        for name in names:
            assert name in tests, f"{name} is not in tests/test_conventions.py"


def test_sweep_size_on_the_page_is_current():
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import test_robustness as T

    n = sum(len(c.points) for c in T.CASES)
    text = _read("numerical-stability.md")
    assert f"{n} (primitive, point) pairs" in text and f"{len(T.CASES)} primitives" in text, (
        f"docs/numerical-stability.md should say {n} (primitive, point) pairs and "
        f"{len(T.CASES)} primitives")
