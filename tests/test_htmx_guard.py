"""Views never read the htmx request headers themselves: they ask `cchc.core.htmx`
(`is_htmx`, `render_page_or_partial`), the one place that knows a history restore wants the whole
page. Every module of the apps (tests aside) is read as Python, not grepped, so a comment or a
docstring naming the header does not count and `request.headers.get("hx-request")` does."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "cchc"
HELPER = "cchc/core/htmx.py"
# The request's htmx headers, as Django names them in headers and in META.
HEADERS = {
    "hx-request",
    "http_hx_request",
    "hx-history-restore-request",
    "http_hx_history_restore_request",
}
# Functions still reading `request.htmx` themselves while another change is made to them:
# (module, function), "*" for a whole module. Remove an entry once its code asks the helper.
PENDING: set[tuple[str, str]] = set()  # every view now asks core.htmx


def _reads(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, enclosing function, what) for each direct read of the htmx request state."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.lower() in HEADERS
        ):
            found.append((node.lineno, function, f"the {node.value!r} header"))
        elif isinstance(node, ast.Attribute) and node.attr == "htmx":
            found.append((node.lineno, function, "request.htmx"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "htmx"
        ):
            found.append((node.lineno, function, f"{node.func.id}(…, 'htmx')"))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def offences(root: Path = APPS) -> list[str]:
    result = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        if relative == HELPER or "/tests/" in relative or path.name.startswith("test_"):
            continue
        for line, function, what in _reads(ast.parse(path.read_text(), filename=relative)):
            if (relative, "*") in PENDING or (relative, function) in PENDING:
                continue
            result.append(f"{relative}:{line} {function or '<module>'} reads {what}")
    return result


def test_no_view_reads_the_htmx_headers_itself():
    found = offences()
    assert not found, "ask cchc.core.htmx (is_htmx, render_page_or_partial):\n" + "\n".join(found)


def test_the_guard_sees_each_way_of_reading_them(tmp_path):
    app = tmp_path / "cchc" / "someapp"
    app.mkdir(parents=True)
    (app / "views.py").write_text(
        '"""A docstring may name the HX-Request header."""\n'
        "def a(request):\n"
        '    return request.headers.get("HX-Request")\n'
        "def b(request):\n"
        '    return request.META.get("HTTP_HX_REQUEST")\n'
        "def c(request):\n"
        "    return request.htmx\n"
        "def d(request):\n"
        '    return getattr(request, "htmx", None)\n'
        "def e(request):\n"
        '    return request.headers["hx-history-restore-request"]\n'
    )
    (app / "tests").mkdir()
    (app / "tests" / "test_views.py").write_text('HTMX = {"HX-Request": "true"}\n')
    found = [line.split(" ", 1)[1] for line in offences(tmp_path / "cchc")]
    assert found == [
        "a reads the 'HX-Request' header",
        "b reads the 'HTTP_HX_REQUEST' header",
        "c reads request.htmx",
        "d reads getattr(…, 'htmx')",
        "e reads the 'hx-history-restore-request' header",
    ]
