"""The tree reads as docs/architecture.md draws it.

What the tree must look like:

- `config/` wires the project (settings, urls, wsgi, asgi, celery, health, env, middleware). It may
  import every app; no app imports it (settings are read through `django.conf.settings`).
- The apps depend one way, each only on the core and the apps to its left:

      alignment ← charts ← notifications ← charters ← decisions ← checkins ← reviews ← asks ← transfer ← chat ← api ← bench

  An arrow is a Python import (top-level, inside a function or under `if TYPE_CHECKING:`), a lazy
  model reference (`"charters.Goal"`), a namespaced URL name (`"charters:detail"`), and in the app's
  templates (`templates/<app>/`) a `{% url 'charters:…' %}` or an `{% include "charters/…" %}`.
  The core, `alignment`, imports no other app: feature apps register with it (`alignment.panels`).
- No import circle anywhere, within an app or across apps: the module graph is a tree of layers.
- No app connects a handler to a signal of its own: it calls what it causes, and keeps signals for
  the apps to its right.
- The core's templates link to no feature app; only the site's layout (`templates/base.html`) shows
  the notification bell.
- No view, selector or template decides by a role or a state string: they ask
  `alignment.permissions` (a capability) or the model.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["alignment", "charts", "notifications", "charters", "decisions", "checkins", "reviews", "asks", "transfer", "chat", "api", "bench"]
CORE, FEATURES = ORDER[0], ORDER[1:]
WIRING = "config"
PACKAGES = [*ORDER, WIRING]
# The layout every page is drawn in: base.html, and its header (drawn by `{% site_header %}`).
SITE_LAYOUT = (ROOT / "templates" / "base.html", ROOT / "templates" / "_site_header.html")
# What the site's layout may show of a feature app: the bell.
SITE_LAYOUT_MAY_LINK_TO = {"notifications"}


# --- The project's modules --------------------------------------------------------------------------


def python_files(package: str, *, with_migrations: bool = True) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        if with_migrations or "migrations" not in path.relative_to(ROOT).parts:
            yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    """Every module of the apps and of `config`, migrations left out (they are Django's history)."""
    return {module_name(path): path for package in PACKAGES for path in python_files(package, with_migrations=False)}


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def where(path: Path, line: int | None = None) -> str:
    relative = str(path.relative_to(ROOT))
    return f"{relative}:{line}" if line else relative


# --- Which app a file points at ---------------------------------------------------------------------

LAZY_MODEL = re.compile(r"(\w+)\.[A-Z]\w*")  # "charters.Goal"
URL_NAME = re.compile(r"(\w+):\w+")  # "charters:detail"


def imported_apps(path: Path) -> set[str]:
    """Project packages a module imports, or points at by a model reference or a URL name."""
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for pattern in (LAZY_MODEL, URL_NAME):
                if match := pattern.fullmatch(node.value):
                    found.add(match.group(1))
    return found & set(PACKAGES)


# `{% url 'charters:detail' %}`, `{% include "charters/_team_panel.html" %}`, `{% extends "bench/base.html" %}`
TEMPLATE_URL = re.compile(r"""\{%\s*url\s+["'](\w+):""")
TEMPLATE_NAME = re.compile(r"""\{%\s*(?:include|extends)\s+["'](\w+)/""")


def template_dirs() -> list[Path]:
    return [ROOT / "templates", *(ROOT / package / "templates" for package in PACKAGES)]


def all_templates() -> list[Path]:
    return sorted(
        path
        for directory in template_dirs()
        if directory.is_dir()
        for path in directory.rglob("*")
        if path.is_file() and path.suffix in {".html", ".txt", ".md"}
    )


def app_templates(app: str) -> list[Path]:
    """The templates in the app's own folder (`templates/<app>/`, or `<app>/templates/<app>/`)."""
    return [
        path for path in all_templates() if any(path.is_relative_to(directory / app) for directory in template_dirs())
    ]


def linked_apps(path: Path) -> set[str]:
    """Project apps a template links to (`{% url %}`) or renders a template of (`include`, `extends`)."""
    text = path.read_text()
    return {*TEMPLATE_URL.findall(text), *TEMPLATE_NAME.findall(text)} & set(ORDER)


# --- An app imports only the core and the apps before it ---------------------------------------------


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_only_the_core_and_the_apps_before_it(app):
    allowed = set(ORDER[: ORDER.index(app) + 1])
    offending = {
        where(path): sorted(imported_apps(path) - allowed)
        for path in python_files(app)
        if imported_apps(path) - allowed
    }
    offending |= {
        where(path): sorted(linked_apps(path) - allowed) for path in app_templates(app) if linked_apps(path) - allowed
    }
    assert offending == {}, (
        f"{app} may depend only on {sorted(allowed)} (the order is {' ← '.join(ORDER)}); "
        f"these files point to the right: {offending}"
    )


def test_the_core_imports_no_feature():
    """`alignment` is first in the order: feature apps register with it, it never reaches for them."""
    offending = {
        where(path): sorted(imported_apps(path) & set(FEATURES))
        for path in python_files(CORE)
        if imported_apps(path) & set(FEATURES)
    }
    assert offending == {}, (
        f"the core imports feature apps (give the core a registry in alignment/panels.py "
        f"or a signal the feature listens to): {offending}"
    )


def test_no_app_imports_config():
    """`config` wires the apps together; an app reads settings through `django.conf.settings`."""
    offending = [where(path) for app in ORDER for path in python_files(app) if WIRING in imported_apps(path)]
    assert offending == [], f"apps import the project's wiring (config): {offending}"


# --- No import circle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


def resolve(name: str) -> str | None:
    """The deepest project module `name` names ("alignment.models.User" → "alignment.models")."""
    modules = project_modules()
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_base(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The module a `from … import` reads from, relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    anchor = package.split(".")
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def imports_in(module: str, path: Path, tree: ast.Module) -> Iterator[Edge]:
    """Every import statement in a module, wherever it sits, as edges to project modules.

    Top-level, inside a function and under `if TYPE_CHECKING:` alike: each is an arrow, and a circle
    that only closes at run time (or for the type checker) is still a circle. `from pkg import mod` is
    an edge to `pkg.mod` when that module exists, not to `pkg`: a package's `__init__` that imports
    its own submodules would otherwise look like a circle.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = import_base(module, path, node)
            targets = [f"{base}.{alias.name}" if alias.name != "*" else base for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = resolve(target)
            if resolved and resolved != module:
                yield Edge(module, resolved, node.lineno)


def import_graph() -> dict[str, list[Edge]]:
    return {module: list(imports_in(module, path, parse(path))) for module, path in project_modules().items()}


def strongly_connected_components(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (a deep import chain must not hit Python's recursion limit)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_edge = work.pop()
            if next_edge == 0:
                index[node] = lowlink[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = graph[node]
            for position in range(next_edge, len(edges)):
                target = edges[position].target
                if target not in index:
                    work.append((node, position + 1))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
            else:
                if lowlink[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
                if work:
                    parent = work[-1][0]
                    lowlink[parent] = min(lowlink[parent], lowlink[node])
    return components


def test_strongly_connected_components_finds_circles_and_only_circles():
    """The circle finder itself: a → b → c → a is one circle; d, which only imports a, is in none."""
    graph = {
        "a": [Edge("a", "b", 1)],
        "b": [Edge("b", "c", 1)],
        "c": [Edge("c", "a", 1)],
        "d": [Edge("d", "a", 1)],
        "e": [Edge("e", "f", 1)],
        "f": [Edge("f", "e", 1)],
    }
    circles = [c for c in strongly_connected_components(graph) if len(c) > 1]
    assert sorted(circles) == [["a", "b", "c"], ["e", "f"]]


def test_the_import_graph_counts_every_import_statement():
    """Imports that only run later count too: without them, a circle could hide there."""
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
from django.db import models
from alignment import panels
from . import selectors
from .models import Charter

if TYPE_CHECKING:
    from checkins.selectors import WeekPage

def ready():
    import notifications.services
    from notifications import webhooks as hooks
"""
    edges = {
        (edge.target, edge.line)
        for edge in imports_in("charters.apps", ROOT / "charters" / "apps.py", ast.parse(source))
    }
    assert edges == {
        ("alignment.panels", 5),  # `from pkg import mod` is the module, not the package
        ("charters.selectors", 6),  # relative
        ("charters.models", 7),  # `from module import name` is the module
        ("checkins.selectors", 10),  # for the type checker only
        ("notifications.services", 13),  # inside a function
        ("notifications.webhooks", 14),
    }


def test_no_import_circle_anywhere():
    graph = import_graph()
    circles = [component for component in strongly_connected_components(graph) if len(component) > 1]
    described = []
    for circle in circles:
        members = set(circle)
        edges = sorted(
            {
                f"{e.source} → {e.target} ({where(project_modules()[e.source], e.line)})"
                for module in circle
                for e in graph[module]
                if e.target in members
            }
        )
        described.append(f"{', '.join(circle)}:\n    " + "\n    ".join(edges))
    assert circles == [], "import circles (each listed with the imports that close it):\n" + "\n".join(described)


# --- Signals are for the apps to the right ---------------------------------------------------------


def is_signal(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and (
        (isinstance(value.func, ast.Name) and value.func.id == "Signal")
        or (isinstance(value.func, ast.Attribute) and value.func.attr == "Signal")
    )


def signals_defined_in(app: str) -> set[tuple[str, str]]:
    """(module, name) of every module-level `name = Signal()` in the app."""
    found = set()
    for module, path in project_modules().items():
        if module.split(".")[0] != app:
            continue
        for node in parse(path).body:
            if isinstance(node, ast.Assign) and is_signal(node.value):
                found |= {(module, target.id) for target in node.targets if isinstance(target, ast.Name)}
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value
                and is_signal(node.value)
            ):
                found.add((module, node.target.id))
    return found


def bindings(module: str) -> dict[str, tuple[str, str | None]]:
    """What each imported name stands for: (module, attribute), attribute None for a module."""
    path = project_modules()[module]
    bound: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in project_modules():
                    bound[alias.asname] = (alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            base = import_base(module, path, node)
            for alias in node.names:
                name = alias.asname or alias.name
                if f"{base}.{alias.name}" in project_modules():
                    bound[name] = (f"{base}.{alias.name}", None)
                else:
                    bound[name] = (base, alias.name)
    return bound


def connected_signals(module: str) -> Iterator[tuple[tuple[str, str] | str, int]]:
    """Signals a module connects a handler to: `signal.connect(...)` and `@receiver(signal)`."""
    bound = bindings(module)

    def origin(expression: ast.expr) -> tuple[str, str] | str:
        if isinstance(expression, ast.Name):
            target = bound.get(expression.id)
            if target and target[1]:
                return target  # imported by name
            return (module, expression.id)  # defined here, or unknown: compare by name in this module
        if isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name):
            target = bound.get(expression.value.id)
            if target and target[1] is None:
                return (target[0], expression.attr)  # signals.charter_ratified
        return ast.unparse(expression)

    for node in ast.walk(parse(project_modules()[module])):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "connect":
            yield origin(node.func.value), node.lineno
        elif isinstance(node.func, ast.Name) and node.func.id == "receiver" and node.args:
            first = node.args[0]
            for signal in first.elts if isinstance(first, (ast.List, ast.Tuple)) else [first]:
                yield origin(signal), node.lineno


@pytest.mark.parametrize("app", ORDER)
def test_no_app_connects_a_handler_to_its_own_signal(app):
    """A side effect wired where nobody reads it: call what you cause; signals are for apps to the right."""
    own = signals_defined_in(app)
    offending = [
        f"{where(path, line)} connects to {signal[0]}.{signal[1]}"
        for module, path in project_modules().items()
        if module.split(".")[0] == app
        for signal, line in connected_signals(module)
        if signal in own
    ]
    assert offending == [], f"{app} connects handlers to its own signals; call them where the event happens"


# --- Templates ---------------------------------------------------------------------------------------


def core_templates() -> list[Path]:
    """Templates that belong to no feature app: the root ones, `alignment/`, `emails/`, `registration/`…"""
    feature_folders = [directory / app for directory in template_dirs() for app in FEATURES]
    return [
        path
        for path in all_templates()
        if path not in SITE_LAYOUT and not any(path.is_relative_to(folder) for folder in feature_folders)
    ]


def test_core_templates_link_to_no_feature_app():
    """Feature apps add their links and panels through `alignment.panels`."""
    offending = {
        where(path): sorted(linked_apps(path) & set(FEATURES))
        for path in core_templates()
        if linked_apps(path) & set(FEATURES)
    }
    assert offending == {}


def test_the_site_layout_links_to_no_feature_but_the_notification_bell():
    """`templates/base.html` and its header are on every page; of the feature apps they show only the bell."""
    for layout in SITE_LAYOUT:
        assert linked_apps(layout) & set(FEATURES) <= SITE_LAYOUT_MAY_LINK_TO


ROLE_FLAG = re.compile(r"\b(is_leader|is_member|is_facilitator)\b")
# A comparison with a quoted literal, or of a state-like attribute: templates ask a property instead.
STRING_COMPARISON = re.compile(r"""(==|!=)\s*["']|["']\s*(==|!=)|\.(state|kind|verdict|outcome)\s*(==|!=)""")
# Comparisons that are about presentation, not a rule of the product.
PRESENTATION = re.compile(r"""(field\.widget_type|message\.level_tag)\s*==""")


def template_lines():
    for path in all_templates():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            yield where(path, number), line


def test_no_template_checks_a_role():
    assert [place for place, line in template_lines() if ROLE_FLAG.search(line)] == []


def test_no_template_compares_a_state_or_role_string():
    offending = [place for place, line in template_lines() if STRING_COMPARISON.search(PRESENTATION.sub("", line))]
    assert offending == []


def modules_of_kind(kind: str) -> list[Path]:
    """`views.py` (or `selectors.py`) at any depth: `reviews/retro/views.py`, a `views/` package, `retro_views.py`."""
    return [
        path
        for package in ORDER
        for path in python_files(package, with_migrations=False)
        if path.stem == kind or path.stem.endswith(f"_{kind}") or kind in path.relative_to(ROOT).parts[:-1]
    ]


@pytest.mark.parametrize("kind", ["views", "selectors"])
def test_no_view_or_selector_checks_a_role(kind):
    """They ask a capability (`access.can(Capability.…)`), never which role a person holds."""
    offending = [
        where(path)
        for path in modules_of_kind(kind)
        if ROLE_FLAG.search(path.read_text()) or re.search(r"\bRole\.", path.read_text())
    ]
    assert offending == []


def test_no_module_is_a_prefixed_app():
    """`retro_views.py` or `notification_models.py` say "this is its own app or package": give it one."""
    roles = {"models", "views", "forms", "services", "selectors", "locks", "admin", "tasks"}
    offending = [
        where(path)
        for package in ORDER
        for path in python_files(package, with_migrations=False)
        if "_" in path.stem and path.stem.rsplit("_", 1)[1] in roles
    ]
    assert offending == []
