"""Demo indicators: the one-stop-shop dossiers of the city's wards and communes from 1 January
of last year to today (so "change from the same period last year" has something to compare),
and the leadership's directives of this year. Generated, not real: deterministic (a seeded
random generator) and loaded once — if the units already have dossiers, nothing is added.

Each unit has its own size (1,000–4,000 dossiers a year), online share (rising over time),
late rate (1–8 %, lower this year for most units, higher for one or two) and habit of sending
apology letters. The procedure codes follow the national procedure database's numbering for
commune-level procedures; names, codes and time limits are illustrative."""

import bisect
import datetime
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from cchc.accounts.models import Membership
from cchc.core.roles import Role
from cchc.indicators.models import Directive, Dossier
from cchc.indicators.summary import rebuild_dossier_months
from cchc.orgunits.models import OrgUnit

SEED = 4242
BATCH = 2000


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    days: int  # time limit, in working days
    weight: float  # share of the one-stop shop's dossiers
    online: float  # how readily it is filed online (1 = average)


PROCEDURES = [
    Procedure(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
        "của Việt Nam cấp hoặc chứng nhận",
        1,
        30,
        0.7,
    ),
    Procedure(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản (áp dụng cho cả trường hợp chứng thực "
        "điểm chỉ và trường hợp người yêu cầu chứng thực không thể ký, không thể điểm chỉ được)",
        1,
        12,
        0.5,
    ),
    Procedure("1.001193", "Đăng ký khai sinh", 1, 11, 1.5),
    Procedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", 3, 9, 1.6),
    Procedure("1.004222", "Đăng ký thường trú", 5, 8, 1.5),
    Procedure("1.004194", "Đăng ký tạm trú", 3, 6, 1.6),
    Procedure("2.000635", "Cấp bản sao trích lục hộ tịch", 1, 6, 1.7),
    Procedure("1.000894", "Đăng ký kết hôn", 1, 4, 0.9),
    Procedure("1.000656", "Đăng ký khai tử", 1, 3, 1.2),
    Procedure("1.004859", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", 3, 3, 1.0),
    Procedure(
        "2.000913",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất "
        "và nhà ở",
        2,
        5,
        0.3,
    ),
    Procedure("1.001022", "Đăng ký nhận cha, mẹ, con", 3, 1, 0.8),
]
# The procedure weights' average online readiness, so the units' shares come out as drawn.
_MEAN_ONLINE = sum(p.weight * p.online for p in PROCEDURES) / sum(p.weight for p in PROCEDURES)

DIRECTIVE_CONTENTS = [
    "Rà soát, niêm yết công khai thủ tục hành chính tại Bộ phận một cửa.",
    "Báo cáo tình hình giải quyết hồ sơ quá hạn và gửi thư xin lỗi người dân, tổ chức.",
    "Triển khai thanh toán trực tuyến phí, lệ phí giải quyết thủ tục hành chính.",
    "Đẩy mạnh tiếp nhận hồ sơ trực tuyến toàn trình, bảo đảm tỷ lệ theo kế hoạch của tỉnh.",
    "Hoàn thành số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn tồn.",
    "Kiện toàn Bộ phận tiếp nhận và trả kết quả, bố trí công chức có chuyên môn phù hợp.",
    "Tổ chức đối thoại với người dân về giải quyết thủ tục hành chính trên địa bàn.",
    "Khắc phục tồn tại sau kiểm tra công tác cải cách hành chính, báo cáo kết quả về Phòng Nội vụ.",
    "Cập nhật đầy đủ dữ liệu hộ tịch lên Phần mềm đăng ký, quản lý hộ tịch điện tử dùng chung.",
    "Rà soát, làm sạch dữ liệu dân cư phục vụ triển khai Đề án 06 của Chính phủ.",
    "Duy trì Hệ thống quản lý chất lượng theo TCVN ISO 9001:2015; tổ chức đánh giá nội bộ.",
    "Triển khai khảo sát mức độ hài lòng của người dân, tổ chức tại Bộ phận một cửa.",
    "Xây dựng kế hoạch tuyên truyền cải cách hành chính trên hệ thống loa truyền thanh.",
    "Xử lý dứt điểm văn bản trễ hạn trên Hệ thống quản lý văn bản và điều hành.",
    "Báo cáo kết quả thực hiện các chỉ tiêu cải cách hành chính quý, gửi Phòng Nội vụ tổng hợp.",
    "Rà soát, đề xuất phương án đơn giản hóa thủ tục hành chính thuộc thẩm quyền cấp xã.",
    "Chấn chỉnh kỷ luật, kỷ cương hành chính và thái độ phục vụ tại Bộ phận một cửa.",
    "Hướng dẫn người dân sử dụng tài khoản định danh điện tử VNeID khi nộp hồ sơ trực tuyến.",
    "Rà soát, công khai địa chỉ tiếp nhận phản ánh, kiến nghị về quy định hành chính.",
    "Tự chấm điểm chỉ số cải cách hành chính và gửi tài liệu kiểm chứng đúng thời hạn.",
]
DIRECTIVE_ROWS = 60

# Public holidays (no dossier is received): fixed dates, and the lunar ones for a few years
# (Tết: the closure around the first day of the lunar year; the Hùng Kings' day).
FIXED_HOLIDAYS = [(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)]
TET = {
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    2028: datetime.date(2028, 1, 26),
    2029: datetime.date(2029, 2, 13),
    2030: datetime.date(2030, 2, 3),
}
HUNG_KINGS = {
    2024: datetime.date(2024, 4, 18),
    2025: datetime.date(2025, 4, 7),
    2026: datetime.date(2026, 4, 27),
    2027: datetime.date(2027, 4, 16),
    2028: datetime.date(2028, 4, 4),
    2029: datetime.date(2029, 4, 23),
    2030: datetime.date(2030, 4, 12),
}
# Office hours, in minutes after midnight: 7:30–11:30 and 13:30–17:00 (450 working minutes).
MORNING = (450, 690)
AFTERNOON = (810, 1020)
WORKING_MINUTES = (MORNING[1] - MORNING[0]) + (AFTERNOON[1] - AFTERNOON[0])
# More dossiers on Mondays, fewer on Fridays; more before Tết, fewer in the Tết month and summer.
WEEKDAY_FACTOR = [1.2, 1.05, 1.0, 0.95, 0.8]
MONTH_FACTOR = {1: 1.15, 2: 0.85, 6: 0.95, 7: 0.9, 8: 0.95, 12: 1.1}


def _holidays(years: range) -> set[datetime.date]:
    days = {datetime.date(year, month, day) for year in years for month, day in FIXED_HOLIDAYS}
    for year in years:
        if year in TET:
            days.update(TET[year] + datetime.timedelta(days=n) for n in range(-3, 6))
        if year in HUNG_KINGS:
            days.add(HUNG_KINGS[year])
    return days


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    closed = _holidays(range(first.year, last.year + 1))
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _minute(working_minute: int) -> int:
    """Minute of the day of the n-th working minute (0 ≤ n < 450)."""
    span = MORNING[1] - MORNING[0]
    if working_minute < span:
        return MORNING[0] + working_minute
    return AFTERNOON[0] + working_minute - span


# The n-th working minute of a day, as a time after midnight.
OFFSETS = [datetime.timedelta(minutes=_minute(n)) for n in range(WORKING_MINUTES)]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class UnitProfile:
    unit: OrgUnit
    prefix: str
    size: float  # dossiers a year
    online: tuple[float, float]  # share at the first and at the last day of the period
    late: tuple[float, float]  # late rate last year, this year
    apology: float  # share of late dossiers that get an apology letter
    rated: float  # share of finished dossiers rated by the applicant


def _profiles(rng: random.Random, city: OrgUnit, units: list[OrgUnit]) -> dict[int, UnitProfile]:
    province = city.parent
    head = (
        f"H{province.gso_code or province.code}.{city.gso_code or city.code}"
        if province
        else (f"H{city.gso_code or city.code}")
    )
    worse = set(rng.sample(range(len(units)), k=min(2, len(units))))
    profiles = {}
    wards_seen = 0
    for index, unit in enumerate(units):
        if unit.kind == OrgUnit.Kind.WARD:
            # The central wards are the busiest.
            size = [3200.0, 2300.0][wards_seen] if wards_seen < 2 else rng.uniform(1050, 1650)
            wards_seen += 1
        else:
            size = rng.uniform(1000, 1200)
        online_start = rng.uniform(0.28, 0.40)
        online_end = min(0.75, online_start + rng.uniform(0.22, 0.34))
        late_before = rng.uniform(0.022, 0.075)
        if index in worse:
            late_now = min(0.08, late_before * rng.uniform(1.2, 1.5))
        else:
            late_now = max(0.01, late_before * rng.uniform(0.5, 0.9))
        profiles[unit.pk] = UnitProfile(
            unit=unit,
            prefix=f"{head}.X{unit.gso_code or unit.code}",
            size=size,
            online=(online_start, online_end),
            late=(late_before, late_now),
            apology=rng.uniform(0.7, 0.95),
            rated=rng.uniform(0.3, 0.5),
        )
    return profiles


def _dossiers(
    rng: random.Random,
    profile: UnitProfile,
    days: list[datetime.date],
    until: int,
    now: datetime.datetime,
) -> Iterator[Dossier]:
    """One unit's dossiers received on days[0..until-1] (days goes on past today for due and
    finishing dates), none received after `now`."""
    today = now.date()
    this_year = today.year
    # Vietnam keeps no daylight saving time: a day's midnight plus minutes is the wall time.
    zone = timezone.get_current_timezone()
    midnights = [
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone) for day in days
    ]
    first, last = days[0], datetime.date(this_year, 12, 31)
    total_days = (last - first).days or 1
    cumulative = list(itertools.accumulate(p.weight for p in PROCEDURES))
    unit_id = profile.unit.pk
    for day_index in range(until):
        day = days[day_index]
        growth = 1.06 if day.year == this_year else 1.0
        mean = (
            profile.size / 245 * WEEKDAY_FACTOR[day.weekday()] * MONTH_FACTOR.get(day.month, 1.0)
        ) * growth
        count = _poisson(rng, mean)
        if not count:
            continue
        progress = (day - first).days / total_days
        online_share = profile.online[0] + (profile.online[1] - profile.online[0]) * progress
        late_rate = profile.late[1] if day.year == this_year else profile.late[0]
        stamp = day.strftime("%y%m%d")
        midnight = midnights[day_index]
        minutes = sorted(rng.randrange(WORKING_MINUTES) for _ in range(count))
        for number, minute in enumerate(minutes, start=1):
            received_at = midnight + OFFSETS[minute]
            if received_at > now:
                break
            procedure = rng.choices(PROCEDURES, cum_weights=cumulative)[0]
            draw = rng.random()
            if draw < online_share * procedure.online / _MEAN_ONLINE:
                channel = Dossier.Channel.ONLINE
            elif draw > 0.992:
                channel = Dossier.Channel.POST
            else:
                channel = Dossier.Channel.IN_PERSON
            due_index = day_index + procedure.days
            due_at = midnights[due_index] + OFFSETS[minute]
            finished_at: datetime.datetime | None
            status = Dossier.Status.FINISHED
            apology_on: datetime.date | None = None
            satisfaction: int | None = None
            outcome = rng.random()
            if outcome < 0.004:
                # Withdrawn by the applicant before it was handled.
                status, finished_at = Dossier.Status.CANCELLED, None
            elif outcome < 0.016:
                # Returned as incomplete, the same day.
                status = Dossier.Status.RETURNED
                finished_at = midnight + OFFSETS[(minute + WORKING_MINUTES) // 2]
            elif outcome < 0.016 + late_rate:
                # Late: finished 1 to ~10 working days after the due day (a long tail), or
                # still open; some received in the last months are stuck awaiting verification.
                delay = 1 + min(int(rng.expovariate(0.35)), 30)
                stuck = (today - day).days < 90 and rng.random() < 0.12
                finish_index = due_index + delay
                finished_at = (
                    None
                    if stuck
                    else midnights[finish_index] + OFFSETS[rng.randrange(WORKING_MINUTES)]
                )
                apology_day = days[due_index + 1]
                if apology_day <= today and rng.random() < profile.apology:
                    apology_on = apology_day
            else:
                # On time: on one of the working days up to the due day, before the due time.
                finish_index = day_index + rng.randint(0, procedure.days)
                if finish_index == day_index:
                    finish_minute = rng.randint(minute, WORKING_MINUTES - 1)
                elif finish_index == due_index:
                    finish_minute = rng.randint(0, minute)
                else:
                    finish_minute = rng.randrange(WORKING_MINUTES)
                finished_at = midnights[finish_index] + OFFSETS[finish_minute]
            if finished_at is not None and finished_at > now:
                # Not finished yet (its time will come).
                status, finished_at = Dossier.Status.OPEN, None
            elif finished_at is None and status == Dossier.Status.FINISHED:
                status = Dossier.Status.OPEN
            if status == Dossier.Status.FINISHED and rng.random() < profile.rated:
                late = finished_at is not None and finished_at > due_at
                satisfaction = rng.choices((3, 4, 5), (35, 45, 20) if late else (8, 37, 55))[0]
            yield Dossier(
                code=f"{profile.prefix}-{stamp}-{number:04d}",
                procedure_code=procedure.code,
                procedure_name=procedure.name,
                org_unit_id=unit_id,
                channel=channel,
                received_at=received_at,
                due_at=due_at,
                finished_at=finished_at,
                status=status,
                apology_issued=apology_on is not None,
                apology_on=apology_on,
                satisfaction=satisfaction,
            )


def _seed_dossiers(rng: random.Random, city: OrgUnit, units: list[OrgUnit]) -> int:
    now = timezone.localtime()
    today = now.date()
    # Working days from 1 January last year, and on past today for due and finishing dates.
    days = _working_days(datetime.date(today.year - 1, 1, 1), today + datetime.timedelta(days=120))
    until = sum(1 for day in days if day <= today)
    profiles = _profiles(rng, city, units)
    created = 0
    batch: list[Dossier] = []
    for unit in units:
        for dossier in _dossiers(rng, profiles[unit.pk], days, until, now):
            batch.append(dossier)
            if len(batch) >= BATCH:
                Dossier.objects.bulk_create(batch, batch_size=BATCH)
                created += len(batch)
                batch = []
    if batch:
        Dossier.objects.bulk_create(batch, batch_size=BATCH)
        created += len(batch)
    rebuild_dossier_months()  # as an import would
    return created


def _seed_directives(rng: random.Random, city: OrgUnit, units: list[OrgUnit]) -> int:
    """About 60 directives: city notices ("125/TB-UBND") each assigned to a few units, issued
    over this year (over the last 150 days early in the year, so some deadlines have passed):
    most completed on time, some late, some still open and a few overdue. Dates fall on
    working days."""
    today = timezone.localdate()
    start = min(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=150))
    workdays = _working_days(start, today + datetime.timedelta(days=61))
    issue_days = [day for day in workdays if day < today]
    recorder = (
        Membership.objects.filter(org_unit=city, role=Role.HOME_AFFAIRS, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    notices = []
    rows = 0
    while rows < DIRECTIVE_ROWS:
        size = min(rng.choice([1, 2, 3, 3, 3, 4, 5]), DIRECTIVE_ROWS - rows, len(units))
        notices.append((rng.choice(issue_days), size))
        rows += size
    notices.sort()
    number = rng.randint(8, 15)
    contents = rng.sample(DIRECTIVE_CONTENTS, len(DIRECTIVE_CONTENTS))
    directives = []
    for index, (issued_on, size) in enumerate(notices):
        number += rng.randint(6, 24)
        deadline = _day_between(
            rng,
            workdays,
            issued_on + datetime.timedelta(days=15),
            issued_on + datetime.timedelta(days=60),
        )
        for unit in rng.sample(units, size):
            directive = Directive(
                number=f"{number}/TB-UBND",
                issued_on=issued_on,
                content=contents[index % len(contents)],
                deadline=deadline,
                org_unit=unit,
                recorded_by=recorder.user if recorder else None,
            )
            draw = rng.random()
            if deadline < today:
                if draw < 0.7:
                    directive.completed_on = _on_time(rng, workdays, directive, today)
                elif draw < 0.88:
                    directive.completed_on = _late(rng, workdays, directive, today)
            elif draw < 0.45:
                directive.completed_on = _on_time(rng, workdays, directive, today)
            directives.append(directive)
    # However the dates fall, the demo shows one of each: late, and overdue.
    past = [directive for directive in directives if directive.deadline < today]
    on_time = [d for d in past if d.completed_on is not None and d.completed_on <= d.deadline]
    if on_time and not any(d.completed_on and d.completed_on > d.deadline for d in past):
        late = on_time.pop(0)
        late.completed_on = _late(rng, workdays, late, today)
    if on_time and not any(d.completed_on is None for d in past):
        on_time.pop().completed_on = None
    for directive in directives:
        if directive.completed_on is None:
            directive.note = ""
        elif directive.completed_on > directive.deadline:
            directive.note = "Hoàn thành chậm so với thời hạn được giao."
        else:
            directive.note = "Đã báo cáo kết quả thực hiện."
    Directive.objects.bulk_create(directives)
    return len(directives)


def _day_between(
    rng: random.Random, workdays: list[datetime.date], low: datetime.date, high: datetime.date
) -> datetime.date:
    """A working day from low to high (low itself if there is none)."""
    choices = workdays[bisect.bisect_left(workdays, low) : bisect.bisect_right(workdays, high)]
    return rng.choice(choices) if choices else low


def _on_time(
    rng: random.Random, workdays: list[datetime.date], directive: Directive, today: datetime.date
) -> datetime.date:
    """Completed by the deadline, in the last 60 % of the time given."""
    high = min(directive.deadline, today)
    middle = directive.issued_on + (high - directive.issued_on) * 2 // 5
    return _day_between(rng, workdays, middle, high)


def _late(
    rng: random.Random, workdays: list[datetime.date], directive: Directive, today: datetime.date
) -> datetime.date:
    """Completed 1 to 20 days after the deadline (by today: the deadline has passed)."""
    low = directive.deadline + datetime.timedelta(days=1)
    return _day_between(rng, workdays, low, min(today, low + datetime.timedelta(days=19)))


def seed_indicators(*, city: OrgUnit) -> dict[str, Any]:
    """Load the dossiers and directives of the city's wards and communes once; return
    {"dossiers": n, "directives": m, "line": ...} (the line is for the console)."""
    units = list(
        OrgUnit.objects.filter(
            parent=city, kind__in=[OrgUnit.Kind.WARD, OrgUnit.Kind.COMMUNE], active_to__isnull=True
        ).order_by("sort_order", "name")
    )
    created = False
    if units and not Dossier.objects.filter(org_unit__in=units).exists():
        rng = random.Random(SEED)  # noqa: S311 - demo data, not security
        with transaction.atomic():
            _seed_dossiers(rng, city, units)
            if not Directive.objects.filter(org_unit__in=units).exists():
                _seed_directives(rng, city, units)
        created = True
    dossiers = Dossier.objects.filter(org_unit__in=units).count()
    directives = Directive.objects.filter(org_unit__in=units).count()
    line = f"Dossiers: {dossiers} (last year and this year) · directives: {directives}"
    return {
        "created": created,
        "dossiers": dossiers,
        "directives": directives,
        "line": line + ("" if created else " (already loaded)"),
    }
