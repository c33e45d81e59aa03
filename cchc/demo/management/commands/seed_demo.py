"""Load the demo: Hà Tĩnh province → Hà Tĩnh city (2020), its 15 wards and communes, the 7
advising agencies, and one demo user per role; and, beside it, the province after the reform
of 07/2025 (cchc/demo/province.py: 7 new units made by the real reorganisation service from
the 27 before it, with their 2024 results and the province's own rounds). Refuses to run
unless DEBUG is on.

Loaded once: each demo's last step appends an event to the audit trail (append-only, so nothing a user
does through the pages removes it), and a run that finds both changes nothing and only prints the
logins, whatever the user created, copied, renamed or archived since. A database loaded before
that event existed is completed step by step (each step looks its objects up by what users
cannot change) and then gets the event."""

import json
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation

from cchc.accounts.models import Membership, User
from cchc.accounts.services import membership_add, user_create
from cchc.core.audit import audit_record
from cchc.core.models import AuditEvent
from cchc.core.roles import Role
from cchc.demo.documents import seed_documents
from cchc.demo.indicators import seed_indicators
from cchc.demo.inspections import seed_inspections
from cchc.demo.portal import seed_portal
from cchc.demo.province import (
    LEAD_OF_THANH_SEN,
    PROVINCE_NOTE,
    THANH_SEN,
    apply_reform,
    province_is_seeded,
    seed_former_city,
    seed_province_rounds,
)
from cchc.demo.rounds import seed_rounds
from cchc.frameworks.importers import read_framework_file
from cchc.frameworks.models import Framework
from cchc.frameworks.services import framework_import, framework_publish
from cchc.orgunits.models import OrgUnit
from cchc.orgunits.services import org_unit_create, org_unit_update

DEMO_PASSWORD = "cchc-demo-2026"
CCHC_DIR = Path(__file__).resolve().parents[3]
UNITS_FILE = CCHC_DIR / "orgunits" / "data" / "ha-tinh-units.json"
FRAMEWORK_FILE = CCHC_DIR / "frameworks" / "data" / "example-commune-framework.csv"
FRAMEWORK_NAME = "Bộ chỉ số CCHC cấp xã (minh họa)"
REFUSE_MESSAGE = (
    "seed_demo refuses to run with DEBUG off: demo users and passwords must never reach "
    "production. Set DEBUG=1 on a development machine."
)

# The seven standing agencies that advise the city on the seven PAR areas (Resolution 30c).
# Which agency appraises which area is a reconstruction for the demo, not an official list.
AGENCIES = [
    ("436-NV", "Phòng Nội vụ", "noivu", ["1", "4", "5"]),
    ("436-TP", "Phòng Tư pháp", "tuphap", ["2"]),
    ("436-VP", "Văn phòng HĐND và UBND thành phố", "vanphong", ["3"]),
    ("436-TCKH", "Phòng Tài chính - Kế hoạch", "taichinh", ["6"]),
    ("436-VHTT", "Phòng Văn hóa và Thông tin", "vanhoa", ["7"]),
    ("436-KT", "Phòng Kinh tế", "kinhte", ["3"]),
    ("436-TT", "Thanh tra thành phố", "thanhtra", ["1"]),
]
PROVINCE_NAME = "Tỉnh Hà Tĩnh"
CITY_NAME = "Thành phố Hà Tĩnh"
# The events that mark a completed load; their targets are the demo city and the province.
SEEDED_ACTION = "org_unit.seed_demo"
SEEDED_PROVINCE_ACTION = "org_unit.seed_demo_province"
CITY_DEMO = "city"
PROVINCE_DEMO = "province"
REFORMED_PROVINCE = "Tỉnh Hà Tĩnh (sau sắp xếp 07/2025)"
CITY_CENTRE = (105.885, 18.335)  # longitude, latitude of Hà Tĩnh city
CELL = 0.018  # degrees: a simple square per ward, only so the map has something to show


@dataclass(frozen=True)
class DemoAccount:
    """One demo login: who, in which role, at which unit (by the unit's code)."""

    username: str
    full_name: str
    role: Role
    unit_code: str
    unit: str
    area_codes: tuple[str, ...] = ()
    demo: str = CITY_DEMO


def demo_accounts(wards: list[dict[str, Any]]) -> list[DemoAccount]:
    """The demo's logins, from the data files alone (printing them needs no database)."""
    accounts = [
        DemoAccount("admin", "Quản trị hệ thống", Role.SYSTEM_ADMIN, "42", PROVINCE_NAME),
        DemoAccount("noivu", "Nguyễn Thị Hoa (Phòng Nội vụ)", Role.HOME_AFFAIRS, "436", CITY_NAME),
        DemoAccount("lanhdao", "Trần Văn Minh (Lãnh đạo UBND)", Role.LEADER, "436", CITY_NAME),
        DemoAccount("kiemtra", "Lê Văn Nam (Đoàn kiểm tra)", Role.INSPECTOR, "436", CITY_NAME),
        DemoAccount(
            "bientap", "Phạm Thị Lan (Cổng thông tin)", Role.PORTAL_EDITOR, "436", CITY_NAME
        ),
    ]
    accounts += [
        DemoAccount(
            f"thamdinh.{slug}", f"Chuyên viên {name}", Role.APPRAISER, code, name, tuple(areas)
        )
        for code, name, slug, areas in AGENCIES
    ]
    code, name = AGENCIES[0][0], AGENCIES[0][1]
    accounts.append(
        DemoAccount(
            "kiemtra.noivu", "Chuyên viên kiểm tra Phòng Nội vụ", Role.INSPECTOR, code, name
        )
    )
    for ward in wards:
        slug, code, name = ascii_slug(ward["name"]), str(ward["code"]), ward["name"]
        accounts.append(
            DemoAccount(f"canbo.{slug}", f"Công chức CCHC {name}", Role.UNIT_OFFICER, code, name)
        )
        accounts.append(
            DemoAccount(f"chutich.{slug}", f"Chủ tịch UBND {name}", Role.UNIT_CHAIR, code, name)
        )
    # The province after the reform: its Home Affairs department, a leader, a new ward.
    thanh_sen = "Phường Thành Sen"
    accounts += [
        DemoAccount(
            "noivu.tinh",
            "Võ Thị Thu (Sở Nội vụ)",
            Role.HOME_AFFAIRS,
            "42",
            REFORMED_PROVINCE,
            demo=PROVINCE_DEMO,
        ),
        DemoAccount(
            "lanhdao.tinh",
            "Hoàng Văn Đức (Lãnh đạo UBND tỉnh)",
            Role.LEADER,
            "42",
            REFORMED_PROVINCE,
            demo=PROVINCE_DEMO,
        ),
        DemoAccount(
            "canbo.thanhsen",
            f"Công chức CCHC {thanh_sen}",
            Role.UNIT_OFFICER,
            THANH_SEN,
            thanh_sen,
            demo=PROVINCE_DEMO,
        ),
        DemoAccount(
            "chutich.thanhsen",
            f"Chủ tịch UBND {thanh_sen}",
            Role.UNIT_CHAIR,
            THANH_SEN,
            thanh_sen,
            demo=PROVINCE_DEMO,
        ),
    ]
    return accounts


def seeded_events() -> dict[str, AuditEvent]:
    """The audit events of the completed loads, by action (one query)."""
    events = AuditEvent.objects.filter(
        object_type="orgunits.orgunit", action__in=[SEEDED_ACTION, SEEDED_PROVINCE_ACTION]
    ).only("at", "action")
    return {event.action: event for event in events}


def ascii_slug(name: str) -> str:
    """Return "tranphu" for "Phường Trần Phú"."""
    words = name.replace("Phường ", "").replace("Xã ", "").replace("Đ", "D").replace("đ", "d")
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return "".join(character for character in plain.lower() if character.isalnum())


def square(column: int, row: int) -> dict[str, Any]:
    west = CITY_CENTRE[0] + (column - 2.5) * CELL
    south = CITY_CENTRE[1] + (row - 1.5) * CELL
    ring = [
        [round(west, 5), round(south, 5)],
        [round(west + CELL, 5), round(south, 5)],
        [round(west + CELL, 5), round(south + CELL, 5)],
        [round(west, 5), round(south + CELL, 5)],
        [round(west, 5), round(south, 5)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class Command(BaseCommand):
    help = "Load demo units and users for Hà Tĩnh city (idempotent; DEBUG only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(REFUSE_MESSAGE)
        data = json.loads(UNITS_FILE.read_text(encoding="utf-8"))
        accounts = demo_accounts(data["ha_tinh_city_2020"])
        seeded = seeded_events()
        if len(seeded) == 2:
            self.stdout.write(
                "The demo is already loaded (on "
                f"{timezone.localtime(seeded[SEEDED_ACTION].at):%d/%m/%Y}): nothing changed. "
                "To start again from a fresh demo: make reset-db"
            )
        else:
            # One slow hash for every demo account (they share the printed demo password).
            self.password_hash = make_password(DEMO_PASSWORD)
            with transaction.atomic():
                if SEEDED_ACTION not in seeded:
                    city = self.seed(data, accounts)
                    audit_record(actor=None, action=SEEDED_ACTION, target=city)
                # A demo loaded before the province existed gets it now.
                province = self.seed_province(data, accounts)
                audit_record(actor=None, action=SEEDED_PROVINCE_ACTION, target=province)
        if not options["quiet"]:
            self.print_logins(accounts)

    def unit(self, code: str, **values: Any) -> OrgUnit:
        existing = OrgUnit.objects.filter(code=code).first()
        return existing or org_unit_create(actor=None, code=code, **values)

    def user(self, account: DemoAccount, unit: OrgUnit) -> None:
        role = account.role
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=account.username,
                password=DEMO_PASSWORD,
                full_name=account.full_name,
                password_hash=self.password_hash,
            )
        if role == Role.SYSTEM_ADMIN and not user.is_superuser:
            # The demo administrator may also open the Django admin back door.
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        if not Membership.objects.filter(
            user=user, role=role, org_unit=unit, is_active=True
        ).exists():
            membership_add(
                actor=None,
                user=user,
                role=role,
                org_unit=unit,
                area_codes=list(account.area_codes) or None,
            )

    def seed(self, data: dict[str, Any], accounts: list[DemoAccount]) -> OrgUnit:
        """Load what is missing of the demo; return the city."""
        province = self.unit("42", gso_code="42", name=PROVINCE_NAME, kind=OrgUnit.Kind.PROVINCE)
        wards = data["ha_tinh_city_2020"]
        boundaries = [square(index % 5, index // 5) for index in range(len(wards))]
        city_ring = [
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] + 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] + 2.5 * CELL, 5), round(CITY_CENTRE[1] + 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] + 1.5 * CELL, 5)],
            [round(CITY_CENTRE[0] - 2.5 * CELL, 5), round(CITY_CENTRE[1] - 1.5 * CELL, 5)],
        ]
        city = self.unit(
            "436",
            gso_code="436",
            name=CITY_NAME,
            kind=OrgUnit.Kind.CITY,
            parent=province,
        )
        ward_units = []
        for index, ward in enumerate(wards):
            kind = OrgUnit.Kind.WARD if ward["name"].startswith("Phường") else OrgUnit.Kind.COMMUNE
            ward_units.append(
                self.unit(
                    str(ward["code"]),
                    gso_code=str(ward["code"]),
                    name=ward["name"],
                    kind=kind,
                    parent=city,
                    boundary=boundaries[index],
                    sort_order=index + 1,
                )
            )
        agency_units = [
            self.unit(code, name=name, kind=OrgUnit.Kind.AGENCY, parent=city, sort_order=100 + i)
            for i, (code, name, _slug, _areas) in enumerate(AGENCIES)
        ]
        framework = self.framework(city)
        if city.boundary is None:
            city.boundary = {"type": "Polygon", "coordinates": [city_ring]}
            city.save(update_fields=["boundary"])

        units = {unit.code: unit for unit in [province, city, *ward_units, *agency_units]}
        for account in accounts:
            if account.demo == CITY_DEMO:
                self.user(account, units[account.unit_code])
        # The dossiers and directives first: the rounds take their figures from them.
        indicators = seed_indicators(city=city)
        self.stdout.write(indicators["line"])
        seed_rounds(
            framework=framework,
            city=city,
            coordinator=User.objects.get(username="noivu"),
            history=self.framework(city, year=framework.year - 1),
        )
        inspections = seed_inspections(city=city, coordinator=User.objects.get(username="noivu"))
        self.stdout.write(inspections["line"])
        documents = seed_documents(city=city, coordinator=User.objects.get(username="noivu"))
        self.stdout.write(f"Documents issued: {documents}")
        self.stdout.write(seed_portal(editor=User.objects.get(username="bientap")))
        return city

    def seed_province(self, data: dict[str, Any], accounts: list[DemoAccount]) -> OrgUnit:
        """The province after the 07/2025 reform, beside the 2020 city; return the province."""
        province = self.unit("42", gso_code="42", name=PROVINCE_NAME, kind=OrgUnit.Kind.PROVINCE)
        if province_is_seeded():
            return province  # loaded whole (one transaction) by a run that left no marker
        former_city = seed_former_city(
            province=province, before=data["ha_tinh_city_2025_before_july"]
        )
        # The ward's people start at its lead predecessor: the reorganisation moves them.
        units = {"42": province, THANH_SEN: OrgUnit.objects.get(code=LEAD_OF_THANH_SEN)}
        for account in accounts:
            if account.demo == PROVINCE_DEMO:
                self.user(account, units[account.unit_code])
        year = timezone.localdate().year
        coordinator = User.objects.get(username="noivu.tinh")
        rounds = seed_province_rounds(
            province=province,
            former_city=former_city,
            coordinator=coordinator,
            history=self.framework(former_city, year=2024),
            framework_2025=self.framework(province, year=year - 1),
            framework_2026=self.framework(province, year=year),
            reform=lambda: apply_reform(actor=None, former_city=former_city),
        )
        province = org_unit_update(actor=None, org_unit=province, note=PROVINCE_NOTE)
        self.stdout.write(
            f"Province after the 07/2025 reform: {len(rounds)} rounds, 27 former units → 7 new"
        )
        return province

    def framework(self, city: OrgUnit, year: int | None = None) -> Framework:
        """Import and publish the illustrative commune framework for a year (this year by
        default), once. The demo's is the first version: copies of it are later versions of the
        same name, and a version number never changes."""
        year = year or timezone.localdate().year
        existing = (
            Framework.objects.filter(issuer=city, name=FRAMEWORK_NAME, year=year)
            .order_by("version")
            .first()
        )
        if existing is not None:
            return existing
        content, agencies = read_framework_file(
            data=FRAMEWORK_FILE.read_bytes(), file_name=FRAMEWORK_FILE.name
        )
        if city.kind == OrgUnit.Kind.PROVINCE:
            # The file names the city's offices as appraisers; the province's departments are
            # not in the demo, so its own office (Sở Nội vụ) appraises every criterion.
            content.criteria = [replace(row, agency_code="") for row in content.criteria]
            agencies = {}
        framework = framework_import(
            actor=None,
            issuer=city,
            content=content,
            agencies=agencies,
            name=FRAMEWORK_NAME,
            year=year,
            unit_kinds=[OrgUnit.Kind.WARD, OrgUnit.Kind.COMMUNE],
            decision_number="52/2019/QĐ-UBND (cấu trúc)",
            description=(
                "Bộ chỉ số minh họa: cấu trúc 70 điểm tiêu chí + 30 điểm điều tra xã hội học theo "
                "QĐ 52/2019/QĐ-UBND của UBND tỉnh Hà Tĩnh; tên lĩnh vực theo bộ chỉ số cấp xã của "
                "Hà Nội; phần lớn tiêu chí, điểm và cách chấm được dựng lại để minh họa."
            ),
            is_illustrative=True,
            source=FRAMEWORK_FILE.name,
        )
        return framework_publish(actor=None, framework=framework)

    def print_logins(self, logins: list[DemoAccount]) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            self.stdout.write("")
            self.stdout.write(
                self.style.SUCCESS(f"Demo logins — password for all: {DEMO_PASSWORD}")
            )
            width = max(len(login.username) for login in logins)
            for demo, heading in (
                (CITY_DEMO, "Hà Tĩnh city as in 2020 (the source article):"),
                (PROVINCE_DEMO, "Hà Tĩnh province after the 07/2025 reform (7 new units):"),
            ):
                self.stdout.write(heading)
                by_unit: dict[str, list[DemoAccount]] = {}
                for login in logins:
                    if login.demo != demo:
                        continue
                    if login.username.startswith(("canbo.", "chutich.")):
                        by_unit.setdefault(login.unit, []).append(login)
                    else:
                        role = login.role.label
                        self.stdout.write(f"  {login.username:<{width}}  {role} — {login.unit}")
                for unit, unit_logins in by_unit.items():
                    names = " / ".join(login.username for login in unit_logins)
                    roles = " / ".join(str(login.role.label) for login in unit_logins)
                    self.stdout.write(f"  {names:<{2 * width}}  {roles} — {unit}")
                self.stdout.write("")
