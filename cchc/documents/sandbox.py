"""Where an uploaded Word template runs: a Jinja sandbox that sees plain data only, counts its
work, and — for any template that is not one shipped with CCHC — a separate process with
limits on time and memory.

What a template may touch, and why each limit exists (an attacker's review found each hole):

- **Plain data only.** The context is strings, numbers, booleans, lists and dicts of them; the
  body is rendered to Word XML before the template sees it (it used to be a docxtpl object
  whose methods read and wrote files). Attributes are read, and methods called, only on those
  plain types, on `loop` and `namespace()`; anything else is refused. Lists and dicts cannot
  be changed from the template (Jinja's immutable sandbox).
- **Bounded work.** Every loop iteration and every call is a step; a render may take
  MAX_STEPS of them, and stops when RENDER_SECONDS have passed. Recursive loops are refused
  when the template is compiled; repetition (`*`) and `**` are bounded or refused.
- **A process of its own.** An uploaded template renders in a child process forked for it,
  with a CPU-time and memory limit, killed when RENDER_SECONDS have passed, that answers in
  plain bytes (never a pickle): a template that finds a way around the counting still cannot
  hold a worker, exhaust the host, or change anything in the process that serves requests.
"""

import contextlib
import datetime
import os
import re
import select
import signal
import time
import types
import warnings
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace
from markupsafe import Markup

from cchc.core.processes import limit_address_space

MAX_STEPS = 200_000  # loop iterations and calls in one render (a real template: hundreds)
RENDER_SECONDS = 10.0  # wall-clock time of one render
MAX_REPEAT = 1_000_000  # characters or items a `*` may produce
CHILD_MEMORY = 1536 * 1024 * 1024  # address space of the rendering process, bytes

PLAIN_TYPES: tuple[type, ...] = (
    str,
    int,
    float,
    Decimal,
    bool,
    datetime.date,
    list,
    tuple,
    dict,
    Markup,
    Namespace,
    LoopContext,
)


class RenderLimitError(SecurityError):
    """The template did more work, or took longer, than a document may. `code` says which
    limit ("steps", "time", "repeat"); docx.py turns it into the user's language."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class Environment(ImmutableSandboxedEnvironment):
    """The sandbox every Word template runs in; a new one for each render (it keeps the count
    of steps and the deadline). Of Jinja's global functions only range (bounded by Jinja) and
    namespace remain."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals = {name: self.globals[name] for name in ("range", "namespace")}
        self.filters["cchc_counted"] = self._counted
        self.steps = 0
        self.deadline = time.monotonic() + RENDER_SECONDS

    # --- plain data only ----------------------------------------------------------------

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not isinstance(obj, PLAIN_TYPES):
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, Macro) or any(obj is function for function in self.globals.values()):
            allowed = True
        elif isinstance(obj, types.BuiltinMethodType | types.MethodType):
            allowed = isinstance(getattr(obj, "__self__", None), PLAIN_TYPES)
        else:
            allowed = False
        return allowed and bool(super().is_safe_callable(obj))

    # --- bounded work -------------------------------------------------------------------

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise RenderLimitError("steps", f"more than {MAX_STEPS} steps")
        if time.monotonic() > self.deadline:
            raise RenderLimitError("time", f"more than {RENDER_SECONDS:g} seconds")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.step()
        return super().call(__context, __obj, *args, **kwargs)

    def _counted(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.step()
            yield item

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator is not allowed in a template")
        sequences = (str, list, tuple)
        for sequence, count in ((left, right), (right, left)):
            repeats = isinstance(sequence, sequences) and isinstance(count, int)
            if repeats and len(sequence) * count > MAX_REPEAT:
                raise RenderLimitError("repeat", "repetition too large")
        return super().call_binop(context, operator, left, right)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop counts its steps; a recursive loop is refused."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise jinja2.TemplateSyntaxError(
                    "recursive loops are not allowed in a document template",
                    loop.lineno,
                    name,
                    filename,
                )
            loop.iter = nodes.Filter(
                loop.iter, "cchc_counted", [], [], None, None, lineno=loop.lineno
            )
        return tree


def environment(strict: bool = False) -> Environment:
    undefined = jinja2.StrictUndefined if strict else jinja2.Undefined
    return Environment(autoescape=True, undefined=undefined)


# --- a process of its own -----------------------------------------------------------------


class IsolatedRenderError(Exception):
    """The child process refused the template or was stopped: `code` names a limit
    ("steps", "time", "repeat", "memory"), the sandbox's refusal ("forbidden"), a name or
    attribute the data does not have ("undefined", the name in `detail`); "error" is any
    other failure, told in `detail`."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def _limit_child() -> None:
    """CPU seconds, and address space: what the process already maps plus CHILD_MEMORY."""
    import resource

    seconds = int(RENDER_SECONDS) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    limit_address_space(CHILD_MEMORY)


def _child_result(function: Any, args: tuple[Any, ...]) -> bytes:
    """What the child sends back: b"ok\n" and the bytes made, or a code and a message. Plain
    bytes, never a pickle: the parent must not run anything the child might have shaped."""
    try:
        _limit_child()
        return b"ok\n" + bytes(function(*args))
    except RenderLimitError as error:
        code, message = error.code, str(error)
    except SecurityError as error:
        code, message = "forbidden", str(error)
    except jinja2.UndefinedError as error:  # a name, key or attribute the data does not have
        found = re.findall(r"'([^']+)'", str(error))
        code, message = "undefined", found[-1] if found else ""
    except MemoryError:
        code, message = "memory", ""
    except BaseException as error:  # noqa: BLE001 - every failure goes back as a message
        code, message = "error", str(error) or type(error).__name__
    return f"{code}\n{message}".encode(errors="replace")


def run_isolated(function: Any, *args: Any) -> bytes:
    """function(*args) -> bytes, in a child process forked from this one (it has the code
    loaded already, and shares nothing it can change) with a CPU and memory limit, stopped
    after RENDER_SECONDS; its bytes, or IsolatedRenderError."""
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        # Forking a threaded process (the development server) is safe here: the child runs
        # only code already imported, then leaves with os._exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: coverage does not follow it
        try:
            os.close(reader)
            data = _child_result(function, args)
            view = memoryview(data)
            while view:
                view = view[os.write(writer, view) :]
        finally:
            os._exit(0)
    os.close(writer)
    chunks = []
    deadline = time.monotonic() + RENDER_SECONDS + 5
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise IsolatedRenderError("time")
            ready, _, _ = select.select([reader], [], [], remaining)
            if ready:
                chunk = os.read(reader, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(reader)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    status, _, payload = b"".join(chunks).partition(b"\n")
    if status == b"ok":
        return payload
    if not status:  # killed by its limits before it could answer
        raise IsolatedRenderError("memory")
    raise IsolatedRenderError(status.decode(errors="replace"), payload.decode(errors="replace"))
