"""The tree reads as README's architecture section says.

- dependencies point one way: alignment (core) ← charters ← decisions ← checkins ← reviews;
  an app imports only the core and apps before it, in code and in model relations;
- no view, selector or template decides by a role or a state string: they ask
  `alignment.permissions` or the model.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["alignment", "charters", "decisions", "checkins", "reviews", "bench"]


def python_files(app: str):
    yield from sorted((ROOT / app).rglob("*.py"))


def imported_apps(path: Path) -> set[str]:
    """Project apps a module imports, or points at in a relation string ("charters.Goal")."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = re.fullmatch(r"(\w+)\.[A-Z]\w*", node.value)  # a lazy model reference
            if match:
                found.add(match.group(1))
            if isinstance(node, ast.Constant) and re.fullmatch(r"(\w+):\w+", node.value):  # a URL name
                found.add(node.value.split(":")[0])
    return found & set(ORDER)


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_only_the_core_and_the_apps_before_it(app):
    allowed = set(ORDER[: ORDER.index(app) + 1])
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - allowed)
        for path in python_files(app)
        if imported_apps(path) - allowed
    }
    assert offending == {}


def test_core_templates_link_to_no_feature_app():
    """Feature apps add their links and panels through `alignment.panels`."""
    feature_url = re.compile(r"""\{%\s*url\s+['"](charters|decisions|checkins|reviews):""")
    offending = [str(p.relative_to(ROOT)) for p in (ROOT / "templates").glob("*.html")
                 if feature_url.search(p.read_text())]
    offending += [str(p.relative_to(ROOT)) for p in (ROOT / "templates" / "alignment").glob("*.html")
                  if feature_url.search(p.read_text())]
    assert offending == []


ROLE_FLAG = re.compile(r"\b(is_leader|is_member|is_facilitator)\b")
# A comparison with a quoted literal, or of a state-like attribute: templates ask a property instead.
STRING_COMPARISON = re.compile(r"""(==|!=)\s*["']|["']\s*(==|!=)|\.(state|kind|verdict|outcome)\s*(==|!=)""")
# Comparisons that are about presentation, not a rule of the product.
PRESENTATION = re.compile(r"""(field\.widget_type|message\.level_tag)\s*==""")


def template_lines():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            yield f"{path.relative_to(ROOT)}:{number}", line


def test_no_template_checks_a_role():
    assert [where for where, line in template_lines() if ROLE_FLAG.search(line)] == []


def test_no_template_compares_a_state_or_role_string():
    offending = [
        where for where, line in template_lines()
        if STRING_COMPARISON.search(PRESENTATION.sub("", line))
    ]
    assert offending == []


@pytest.mark.parametrize("module", ["views.py", "selectors.py"])
def test_no_view_or_selector_checks_a_role(module):
    offending = [
        str(path.relative_to(ROOT))
        for app in ORDER
        for path in [ROOT / app / module]
        if path.exists() and (ROLE_FLAG.search(path.read_text()) or re.search(r"\bRole\.", path.read_text()))
    ]
    assert offending == []
