"""The house rules a machine checks (scripts/house_rules.py, also run by `make lint`), so the
suite fails on a break even where lint is skipped; and each check catches what it is for."""

import ast
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("house_rules", ROOT / "scripts" / "house_rules.py")
assert spec and spec.loader
house_rules = importlib.util.module_from_spec(spec)
sys.modules["house_rules"] = house_rules
spec.loader.exec_module(house_rules)


def check(check_name: str, source: str, path: str) -> list[str]:
    return getattr(house_rules, check_name)(ROOT / path, ast.parse(source))


def test_the_code_keeps_the_house_rules():
    assert house_rules.breaks() == []


def test_a_private_name_of_another_app_is_refused():
    source = "from cchc.frameworks.importers import _read_csv\n"
    assert check("private_imports", source, "cchc/indicators/services.py")
    assert not check("private_imports", source, "cchc/frameworks/services.py")
    assert not check(
        "private_imports",
        "from cchc.frameworks.importers import read_csv\n",
        "cchc/indicators/services.py",
    )


def test_an_import_inside_a_function_is_refused_but_in_ready():
    source = "def f():\n    from cchc.core.audit import audit_record\n    return audit_record\n"
    assert check("lazy_imports", source, "cchc/portal/services.py")
    assert not check("lazy_imports", "def f():\n    import json\n", "cchc/portal/services.py")
    ready = "class C:\n    def ready(self):\n        from cchc.core import dashboard\n"
    assert not check("lazy_imports", ready, "cchc/portal/apps.py")


def test_a_save_of_an_existing_row_names_its_fields():
    blind = "def update(row):\n    row.name = 'x'\n    row.save()\n"
    assert check("blind_saves", blind, "cchc/portal/services.py")
    named = "def update(row):\n    row.save(update_fields=['name', 'updated_at'])\n"
    assert not check("blind_saves", named, "cchc/portal/services.py")
    new = "def create():\n    row = Link(name='x')\n    row.full_clean()\n    row.save()\n"
    assert not check("blind_saves", new, "cchc/portal/services.py")
    file_field = "def f(row):\n    row.file.save('a.pdf', content, save=False)\n"
    assert not check("blind_saves", file_field, "cchc/portal/services.py")


def test_the_test_cast_stays_in_the_tests():
    source = "from cchc.core.testing import Cast\n"
    assert check("test_cast_outside_tests", source, "cchc/portal/services.py")


def test_a_count_through_intcomma_is_refused(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{% load humanize %}<td>{{ record.created|intcomma }}</td>\n")
    assert house_rules.ungrouped_counts(page) == [
        f"{page}:1: a count through intcomma; use the `count` filter"
    ]
    page.write_text("{% load cchc %}<td>{{ record.created|count }}</td>\n")
    assert not house_rules.ungrouped_counts(page)
