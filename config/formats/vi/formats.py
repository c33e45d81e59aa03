"""Vietnamese formats: Django's, with the dates people type read day first.

Django's Vietnamese locale names no input formats, so Django's defaults applied, which read
"08/12/2026" month first: a decision typed as 8 December was issued on 12 August, and
"15/01/2027" was refused (a walk). The browser's date picker sends ISO dates; a date typed
or pasted is read day first, with any of the marks Vietnamese documents use."""

from django.conf.locale.vi.formats import *  # noqa: F403

DAY_FIRST_DATES = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"]
DATE_INPUT_FORMATS = DAY_FIRST_DATES
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    *DAY_FIRST_DATES,
]
