from common.errors import Conflict, NotFound


class AnalysisNotFound(NotFound):
    code, message = "analysis_not_found", "No such analysis"


class AnalysisAlreadyActive(Conflict):
    """409 naming the job in progress, so a client can follow it instead of waiting blind."""

    code = "analysis_already_active"
    message = "This Instagram account already has an analysis queued or running"

    def __init__(self, job_id: str | None) -> None:
        super().__init__(job_id=job_id)
        self.job_id = job_id
