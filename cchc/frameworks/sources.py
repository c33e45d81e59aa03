"""Facts a criterion can take from the province's systems instead of the unit's typing.

The keys live here, beside the criteria that name them; cchc.indicators computes them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataSource(models.TextChoices):
    DOSSIERS_ON_TIME = "dossiers_on_time", _("Dossiers finished on time (of those finished)")
    DOSSIERS_OVERDUE = "dossiers_overdue", _("Dossiers overdue (finished late or open past due)")
    DOSSIERS_ONLINE = "dossiers_online", _("Dossiers received online (of those received)")
    DOSSIERS_APOLOGY = "dossiers_apology", _("Late dossiers with an apology letter")
    SATISFACTION = "satisfaction", _("Average satisfaction rating (1-5)")
    DIRECTIVES_ON_TIME = "directives_on_time", _("Directives finished on time (of those due)")
    DIRECTIVES_LATE = "directives_late", _("Directives late")
    FEEDBACK_ON_TIME = "feedback_on_time", _("Citizen feedback answered on time (of those due)")
