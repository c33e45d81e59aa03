"""Links that leave the site (e-mails): absolute, from the SITE_URL setting, never from the
request (a forged Host header must not choose where an e-mail's link points)."""

from django.conf import settings
from django.core import checks


def absolute_url(path: str) -> str:
    """ "/rounds/assessments/51/" → "https://cchc.example.gov.vn/rounds/assessments/51/"; a
    link already absolute, or an empty one, is returned as it is."""
    if not path or "://" in path:
        return path
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}/{path.lstrip('/')}" if base else path


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
    """E-mails carry links: in production they need the site's address."""
    site_url = str(getattr(settings, "SITE_URL", "") or "")
    if not site_url.startswith("https://"):
        return [
            checks.Warning(
                "SITE_URL is not set to the https:// address officials open CCHC at: "
                "links in e-mails would be relative (or point to an insecure address).",
                hint="Set SITE_URL, e.g. SITE_URL=https://cchc.hatinh.gov.vn",
                id="cchc.W001",
            )
        ]
    return []
