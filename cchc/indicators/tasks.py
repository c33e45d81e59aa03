from django.tasks import task

from cchc.indicators.services import dossier_import_run


@task
def run_dossier_import(import_id: int) -> str:
    """Import an uploaded dossier export (a worker runs it; progress in indicators.progress)."""
    return dossier_import_run(import_id).status
