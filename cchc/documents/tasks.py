from django.tasks import task

from cchc.documents.services import bulk_run


@task
def run_bulk_job(job_id: int) -> str:
    """Issue a bulk job's documents (a worker runs it; progress is kept on the job)."""
    return bulk_run(job_id).status
