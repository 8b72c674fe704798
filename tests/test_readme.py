"""The README does not drift: every fenced Python block runs (from a directory that is not the checkout)
and prints the values its comments promise; its install commands agree with the Makefile's; its
glossary is the one of ``linnet --help``.

A block preceded by ``<!-- readme-test: slow -->`` runs with the slow tests (``pytest -m slow``).
"""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"(<!--[^\n]*-->\n)?```python\n(.*?)```", re.S)


def _blocks() -> list:
    out = []
    for k, m in enumerate(BLOCK.finditer(README), 1):
        line = README[:m.start(2)].count("\n") + 1
        marks = [pytest.mark.slow] if m.group(1) and "readme-test: slow" in m.group(1) else []
        out.append(pytest.param(m.group(2), id=f"block{k}-line{line}", marks=marks))
    return out


def _literal(comment: str) -> str | None:
    """The value a comment promises (``# 33 16 5 33``, ``# (28, 28): ...``, ``# {'a': 1}``), or None for
    a comment in words."""
    text = comment.strip()
    if not text:
        return None
    if text[0] in "([{":
        close = {"(": ")", "[": "]", "{": "}"}[text[0]]
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == text[0]
            depth -= ch == close
            if depth == 0:
                return text[:i + 1]
        return None
    m = re.match(r"-?\d[\d .,e+-]*", text)
    return m.group(0).strip().rstrip(",.:") if m else None


def test_the_readme_has_python_blocks():
    assert len(_blocks()) >= 2


@pytest.mark.parametrize("code", _blocks())
def test_readme_python_block_runs_and_prints_what_it_says(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # the examples must not rely on the checkout's files
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    printed = out.getvalue()
    for line in code.splitlines():
        if line.lstrip().startswith("print(") and "#" in line:
            want = _literal(line.split("#", 1)[1])
            if want is not None:
                assert want in printed, f"README promises {want!r} for `{line.strip()}`; printed:\n{printed}"


def test_the_python_examples_import_only_the_front_door():
    for param in _blocks():
        imports = [ln.strip() for ln in param.values[0].splitlines() if ln.startswith(("import ", "from "))]
        assert imports == ["import linnet_cli as ln"], imports


def test_install_commands_agree_with_the_makefile():
    make = re.search(r"pip install --quiet -e '\.\[([a-z,]+)\]'", (ROOT / "Makefile").read_text())
    assert make, "the Makefile's install line"
    extras = make.group(1)
    assert f"pip install -e\n'.[{extras}]'" in README or f"pip install -e '.[{extras}]'" in README


def test_the_glossary_is_the_one_of_linnet_help():
    from linnet_cli.cli.main import GLOSSARY
    terms = README.split("## Terms", 1)[1].split("\n## ", 1)[0]
    for term in ("N_C", "N_C*", "N_R", "CBB", "BKK", "B_C, B_C*"):
        assert f"\n| {term} |" in terms and term in GLOSSARY
    for level in ("proven", "exact", "trace test", "rank test", "parameter homotopy", "not verified"):
        assert f"`{level}`" in terms
        assert level.split()[0] in GLOSSARY


def test_the_readme_names_no_checkout_path_as_a_table_to_run():
    assert "linnet table configs/" not in README and 'load_table_spec("configs/' not in README
