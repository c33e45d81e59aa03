"""The dashboards on the generator's data (BENCH_SCALE=city|province|nation; see generate.py):
six rounds, a year's consolidated inspections with findings, root causes and remediation
actions, two years of dossiers and a year of directives. Each page is requested through the
test client as the leader at the top (server time: views, queries and templates) and printed
beside the 1 s limit, with its query count; the overview again as it reads before the round
is published (everything live, nothing frozen)."""

from typing import Any

from common import page_figures, report, setup_django
from generate import dataset

setup_django()

from django.test import Client  # noqa: E402

from cchc.accounts.models import User  # noqa: E402
from cchc.assessments.models import Round  # noqa: E402

LIMIT_SECONDS = 1.0


def main() -> None:
    data = dataset()
    first, open_round = data.first, data.open_round
    leader = User.objects.get(username="bench-leader")
    client = Client()
    client.force_login(leader)
    pages: dict[str, tuple[str, dict[str, Any]]] = {
        "overview": ("/overview/", {"round": first.pk}),
        "progress": ("/overview/progress/", {"round": open_round.pk}),
        "inspections": ("/overview/inspections/", {"year": 2026}),
        "indicators": ("/overview/indicators/", {"year": 2026}),
        "map_data": (f"/overview/rounds/{first.pk}/map.json", {}),
        "ranking_xlsx": ("/overview/export/overview/ranking.xlsx", {"round": first.pk}),
    }
    figures: dict[str, object] = {
        "units": len(data.units),
        "rounds": len(data.rounds),
        "visits": data.visits,
        "dossiers": data.dossiers,
        "limit_seconds": LIMIT_SECONDS,
    }
    for name, (url, params) in pages.items():
        seconds, query_count = page_figures(client, url, params)
        figures[f"{name}_seconds"] = seconds
        figures[f"{name}_queries"] = query_count
        figures[f"{name}_vs_limit"] = seconds / LIMIT_SECONDS
    # The same overview while the round is still being appraised (this benchmark's copy of
    # the data): ranking and heatmap read live from every unit's totals, no summary yet.
    Round.objects.filter(pk=first.pk).update(status=Round.Status.FINALISED)
    seconds, query_count = page_figures(client, *pages["overview"])
    figures["overview_before_publication_seconds"] = seconds
    figures["overview_before_publication_queries"] = query_count
    figures["overview_before_publication_vs_limit"] = seconds / LIMIT_SECONDS
    report(f"dashboards_{data.scale}", figures)


if __name__ == "__main__":
    main()
