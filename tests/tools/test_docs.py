"""The documentation: generated reference is current, the README stays a short entry point whose links work.

The reference tables in docs/ (component arguments and outputs, policies, configuration keys) are written by
``scripts/gen_docs.py`` from the code; these tests fail when one is stale, when a component has no table,
or when a component argument has no docstring to fill its row.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import pytest

from scripts import gen_docs
from stack import config

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_BYTES = 30_000


def test_generated_reference_is_current():
    problems, _ = gen_docs.problems_and_updates()
    assert problems == [], "\n".join(problems) + "\nrun `./scaling docs` and commit docs/"


def test_the_staleness_check_can_fail(tmp_path, monkeypatch):
    """Guards the test above: an edited row inside a generated block is reported, and a rewrite fixes it."""
    for path in DOCS.glob("*.md"):
        (tmp_path / path.name).write_text(path.read_text())
    doc = tmp_path / "components.md"
    doc.write_text(doc.read_text().replace("| `az_count` | `int` | `3` |", "| `az_count` | `int` | `4` |", 1))
    monkeypatch.setattr(gen_docs, "DOCS", tmp_path)
    problems, updates = gen_docs.problems_and_updates()
    assert any("components.md: stale block(s): component Network" in p for p in problems), problems
    assert "| `az_count` | `int` | `3` |" in updates[doc]


def test_a_component_without_a_block_is_reported(tmp_path, monkeypatch):
    for path in DOCS.glob("*.md"):
        (tmp_path / path.name).write_text(path.read_text())
    doc = tmp_path / "components.md"
    doc.write_text(re.sub(r"<!-- BEGIN GENERATED: component Cache -->.*?<!-- END GENERATED: component Cache -->",
                          "", doc.read_text(), flags=re.S))
    monkeypatch.setattr(gen_docs, "DOCS", tmp_path)
    problems, _ = gen_docs.problems_and_updates()
    assert any("no generated block for component Cache" in p for p in problems), problems


def test_configuration_reference_is_the_one_stack_config_prints():
    """Moved here from tests/stack/test_config.py with the table (README -> docs/configuration.md)."""
    assert config.markdown_reference() in (DOCS / "configuration.md").read_text(), \
        "docs/configuration.md is stale: run `./scaling docs`"


@pytest.mark.parametrize("component", gen_docs.exported_components())
def test_every_component_argument_has_a_docstring_and_a_row(component):
    module = importlib.import_module(f"components.{importlib.import_module('components')._EXPORTS[component]}")
    classes = gen_docs._classes(Path(module.__file__))
    documented = {a.name: a.doc for a in gen_docs.documented_attributes(classes[f"{component}Args"])}
    fields = [f.name for f in dataclasses.fields(getattr(module, f"{component}Args"))]
    assert [f for f in fields if not documented.get(f)] == [], f"{component}Args fields without a docstring"
    block = gen_docs._body((DOCS / "components.md").read_text(), f"component {component}")
    for name in fields:
        assert f"| `{name}` |" in block, f"docs/components.md has no row for {component}Args.{name}"


def test_policy_table_lists_every_policy_once():
    from policies.registry import ALL_POLICIES

    table = gen_docs._body((DOCS / "policies.md").read_text(), "policies")
    for policy in ALL_POLICIES:
        assert table.count(f"| `{policy.name}` |") == 1, policy.name


def test_defaults_in_the_tables_come_from_the_code():
    """A default that is a design limit shows the number (from scaling_kit.limits), not the expression."""
    from scaling_kit.limits import RATE_LIMIT

    block = gen_docs._body((DOCS / "components.md").read_text(), "component RateLimit")
    assert f"| `requests` | `int` | `{RATE_LIMIT.max_requests}` |" in block


# --- the README ---------------------------------------------------------------------------------------------

def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {github_anchor(m.group(1)) for m in re.finditer(r"(?m)^#{1,6} (.+)$", text)}


def test_readme_is_a_short_entry_point():
    assert len(README.read_bytes()) <= README_MAX_BYTES, "move long reference into docs/"


def test_readme_table_of_contents_lists_every_section_and_its_links_resolve():
    text = README.read_text()
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    targets = re.findall(r"\]\(#([^)]+)\)", contents)
    sections = [github_anchor(h) for h in re.findall(r"(?m)^## (.+)$", re.sub(r"```.*?```", "", text, flags=re.S))]
    assert targets == [s for s in sections if s != "contents"]


def test_readme_links_every_document_in_docs():
    text = README.read_text()
    for path in sorted(DOCS.glob("*.md")):
        assert f"(docs/{path.name})" in text, f"README does not link docs/{path.name}"


@pytest.mark.parametrize("path", [README, *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_relative_links_point_to_existing_files_and_headings(path):
    text = path.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"```.*?```", "", text, flags=re.S)):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: link to missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked.read_text()), f"{path.name}: no heading for #{anchor} in {linked.name}"


def _goal_table(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| goal |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return lines[start:end]


def test_readme_shows_the_latest_benchmark_goal_table():
    benchmarks = (ROOT / "BENCHMARKS.md").read_text()
    assert _goal_table((ROOT / "README.md").read_text()) == _goal_table(benchmarks), \
        "README's benchmark table differs from BENCHMARKS.md: ./scaling bench --write copies it"
