"""Who reaches which unit is decided in one place, cchc/orgunits/scope.py (`Scope.of(user)`,
and `under_q` / `is_under` for questions of the tree alone). This guard reads every module of
the apps (tests aside) as Python and fails on a second copy of the rule: a filter on a unit's
materialised path (`path__startswith`, `path__istartswith`, `path__regex`, in a keyword or a
key, f-strings included) or a comparison of paths (`x.path.startswith(…)`,
`….startswith(x.path)`, `path.startswith(…)`). A docstring or comment naming them does not
count. The few modules whose `path` is no unit's are allowed below, each with its reason."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ROOT / "cchc"
POLICY = "cchc/orgunits/scope.py"
PATH_LOOKUP = re.compile(r"path__i?(startswith|regex)", re.IGNORECASE)
# (module, function): why its `path` is not a unit's tree path.
ALLOWED = {
    ("cchc/core/context_processors.py", "navigation"): (
        "request.path is the page's address: the menu marks the section the reader is in"
    ),
    ("cchc/portal/editor_views.py", "statistics_view"): (
        "VisitDay.path is the portal page counted ('article:<slug>'), not a unit"
    ),
}


def _is_path(node: ast.AST) -> bool:
    """`x.path`, or a name that holds a path (`path`, `old_path`)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "path"
    return isinstance(node, ast.Name) and (node.id == "path" or node.id.endswith("_path"))


def _uses(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, enclosing function, what) for each path filter or path comparison."""
    found: list[tuple[int, str, str]] = []
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and PATH_LOOKUP.search(node.value)
        ):
            found.append((node.lineno, function, f"a filter on {node.value!r}"))
        elif isinstance(node, ast.keyword) and node.arg and PATH_LOOKUP.search(node.arg):
            found.append((node.value.lineno, function, f"a filter on {node.arg!r}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"startswith", "endswith"}
            and (_is_path(node.func.value) or any(_is_path(arg) for arg in node.args))
        ):
            found.append((node.lineno, function, "a comparison of paths"))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def offences(root: Path = APPS) -> tuple[list[str], set[tuple[str, str]]]:
    """The offences, and the allowed (module, function) pairs actually met."""
    result, met = [], set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        if relative == POLICY or "/tests/" in relative or "/migrations/" in relative:
            continue
        if path.name.startswith("test_"):
            continue
        for line, function, what in _uses(ast.parse(path.read_text(), filename=relative)):
            if (relative, function) in ALLOWED:
                met.add((relative, function))
                continue
            result.append(f"{relative}:{line} {function or '<module>'} has {what}")
    return result, met


def test_no_module_but_the_scope_policy_compares_unit_paths():
    found, met = offences()
    assert not found, (
        "ask cchc.orgunits.scope (Scope.of(user).filter/units_q/covers/keeps, or under_q and "
        "is_under for the tree alone):\n" + "\n".join(found)
    )
    assert met == set(ALLOWED), f"allowed but no longer needed: {set(ALLOWED) - met}"


def test_the_policy_itself_is_what_the_guard_would_catch():
    """The guard is not blind: the one module it lets through builds both forms."""
    uses = _uses(ast.parse((ROOT / POLICY).read_text()))
    kinds = {what.split(" ", 2)[1] for _line, _function, what in uses}
    assert {"filter", "comparison"} <= kinds, uses


def test_the_guard_sees_each_way_of_writing_it(tmp_path):
    app = tmp_path / "cchc" / "someapp"
    app.mkdir(parents=True)
    (app / "selectors.py").write_text(
        '"""A docstring may name path__startswith and unit.path.startswith(p)."""\n'
        "from django.db.models import Q\n"
        "def a(units, unit):\n"
        "    return units.filter(path__startswith=unit.path)\n"
        "def b(field, path):\n"
        '    return Q(**{f"{field}__path__startswith": path})\n'
        "def c(unit, paths):\n"
        "    return any(unit.path.startswith(p) for p in paths)\n"
        "def d(old_path, name):\n"
        "    return name.startswith(old_path)\n"
        "def e(units, p):\n"
        "    return units.exclude(org_unit__path__istartswith=p)\n"
        "def f(units):\n"
        "    return units.filter(name__startswith='Phường')\n"
    )
    (app / "tests").mkdir()
    (app / "tests" / "test_selectors.py").write_text(
        "def test(units, u):\n    units.filter(path__startswith=u.path)\n"
    )
    found, _met = offences(tmp_path / "cchc")
    assert [line.split(" ", 1)[1] for line in found] == [
        "a has a filter on 'path__startswith'",
        "b has a filter on '__path__startswith'",
        "c has a comparison of paths",
        "d has a comparison of paths",
        "e has a filter on 'org_unit__path__istartswith'",
    ]
