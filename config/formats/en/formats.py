"""English pages of a Vietnamese system: Django's English formats, but a date typed is read day
first, as the documents it comes from write it (the Vietnamese formats' rule)."""

from django.conf.locale.en.formats import *  # noqa: F403

from config.formats.vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS  # noqa: F401
