"""The periods indicators are counted over, as the scoring rounds name them."""

import datetime

PERIODS = ("h1", "m9", "annual")
LAST_MONTH = {"h1": 6, "m9": 9, "annual": 12}


def period_range(year: int, period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day: 6 months = January–June, 9 months = January–September."""
    last_month = LAST_MONTH[period]
    end = (
        datetime.date(year, 12, 31)
        if last_month == 12
        else (datetime.date(year, last_month + 1, 1) - datetime.timedelta(days=1))
    )
    return datetime.date(year, 1, 1), end
