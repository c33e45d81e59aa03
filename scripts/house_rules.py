#!/usr/bin/env python3
"""House rules a machine checks (docs/architecture.md, "Dependency rules"; CONTRIBUTING.md).
Run by `make lint` and by tests/test_house_rules.py; prints each break and exits 1 on any.

1. No private name imported across apps: `from cchc.x.y import _name` in an app other than x
   (tests included: a test of one app reaches into another's internals no more than code).
2. No import of cchc inside a function (to dodge a cycle) in a module that is not a test:
   the layers make a module-level import possible; the few lazy imports with a reason are
   in ALLOWED_LAZY_IMPORTS, each with it. AppConfig.ready() registrations are always allowed.
3. No `.save()` without `update_fields=` in a service (cchc/*/services.py,
   cchc/*/services/*.py) on a row that exists: allowed only on an object the same function
   made with a constructor (`Model(...)`; the `full_clean()` + `save()` of a new row).
4. The test cast (cchc/core/testing.py, which imports accounts and orgunits against core's
   layer: the one exception in pyproject's import contract) is imported by tests only.
5. Counts on a page go through the project's `count` filter (1.234, as `core.dates.format_count`
   writes them), never humanize's `intcomma`: Django's Vietnamese formats have the separator
   but no grouping, so `intcomma` printed "15000".
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cchc"

# "path:function" -> why the import cannot be at the module's top.
ALLOWED_LAZY_IMPORTS: dict[str, str] = {
    # A service that queues a task imports the task's module when it queues: the task module
    # imports the service it runs (its entry point), so one of the two must wait.
    "cchc/documents/services.py:bulk_start": "queues documents.tasks.run_bulk_job",
    "cchc/indicators/services.py:dossier_import_start": "queues indicators.tasks",
    # A model's property delegating to the module that defines the figure over that model
    # (figures.py imports the models to build its queries).
    "cchc/indicators/models.py:state": "Directive.state is figures.directive_state",
}


def is_test(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or path.name.startswith("test_") or parts[0] == "tests"


def modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def app_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


def imported(node: ast.AST) -> list[tuple[str, str | None]]:
    """(module, name) pairs of an import statement of cchc (absolute imports only)."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names if alias.name.startswith("cchc.")]
    if (
        isinstance(node, ast.ImportFrom)
        and node.level == 0
        and node.module
        and (node.module == "cchc" or node.module.startswith("cchc."))
    ):
        return [(node.module, alias.name) for alias in node.names]
    return []


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, without those of functions nested in it."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def private_imports(path: Path, tree: ast.AST) -> list[str]:
    app = app_of(path) if PACKAGE in path.parents else ""
    found = []
    for node in ast.walk(tree):
        for module, name in imported(node):
            parts = module.split(".")
            owner = parts[1] if len(parts) > 1 else ""
            if owner != app and (
                (name or "").startswith("_") or any(p.startswith("_") for p in parts[1:])
            ):
                if name is not None and name.startswith("__"):
                    continue  # dunders (__version__) are public
                found.append(
                    f"{where(path, node)}: imports the private {module}.{name or ''} "
                    f"of another app ({owner}): make it public where it belongs, or move it"
                )
    return found


def lazy_imports(path: Path, tree: ast.AST) -> list[str]:
    found = []
    for function in functions(tree):
        if path.name == "apps.py" and function.name == "ready":
            continue  # registrations once the app registry is ready
        key = f"{path.relative_to(ROOT)}:{function.name}"
        if key in ALLOWED_LAZY_IMPORTS:
            continue
        for node in own_nodes(function):
            for module, name in imported(node):
                found.append(
                    f"{where(path, node)}: imports {module}{'.' + name if name else ''} inside "
                    f"{function.name}(): import it at the top (the layers allow it, or the code "
                    "belongs elsewhere), or add it to ALLOWED_LAZY_IMPORTS with the reason"
                )
                break
    return found


def is_service(path: Path) -> bool:
    rel = path.relative_to(PACKAGE).parts
    return len(rel) >= 2 and (rel[1] == "services.py" or (rel[1] == "services" and len(rel) == 3))


def constructed_names(function: ast.AST) -> set[str]:
    """Names the function assigns from a constructor call (`x = Model(...)`)."""
    names = set()
    for node in own_nodes(function):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called[:1].isupper():
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def blind_saves(path: Path, tree: ast.AST) -> list[str]:
    found = []
    for function in functions(tree):
        made = constructed_names(function)
        for node in own_nodes(function):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "save"
            ):
                continue
            if any(k.arg in ("update_fields", None) for k in node.keywords):
                continue  # update_fields given (or passed on with **kwargs)
            if any(k.arg == "save" for k in node.keywords):
                continue  # a file field's save(name, content, save=False): the file, not a row
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id in made:
                continue  # a new row, made in this function
            found.append(
                f"{where(path, node)}: {ast.unparse(node)} in {function.name}() writes every "
                "column of a row that exists: name them with update_fields= (a concurrent "
                "save of other fields is otherwise overwritten)"
            )
    return found


def test_cast_outside_tests(path: Path, tree: ast.AST) -> list[str]:
    if path.name == "testing.py" and app_of(path) == "core":
        return []
    return [
        f"{where(path, node)}: imports the test cast (cchc.core.testing) outside the tests"
        for node in ast.walk(tree)
        for module, name in imported(node)
        if module == "cchc.core.testing" or (module == "cchc.core" and name == "testing")
    ]


def templates() -> Iterator[Path]:
    for folder in (PACKAGE, ROOT / "templates"):
        yield from sorted(folder.rglob("*.html"))


def ungrouped_counts(path: Path) -> list[str]:
    shown = path.relative_to(ROOT) if ROOT in path.parents else path
    return [
        f"{shown}:{number}: a count through intcomma; use the `count` filter"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "intcomma" in line
    ]


def breaks() -> list[str]:
    found: list[str] = []
    for path in templates():
        found += ungrouped_counts(path)
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if PACKAGE not in path.parents:
            continue  # the cross-app tests of tests/ belong to no app
        found += private_imports(path, tree)
        if is_test(path):
            continue
        found += lazy_imports(path, tree)
        found += test_cast_outside_tests(path, tree)
        if is_service(path):
            found += blind_saves(path, tree)
    return found


def main() -> int:
    found = breaks()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} house rule(s) broken (scripts/house_rules.py says why each holds).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
