"""Jobs: work that outlives a request (fulfilment), recorded in the database."""

from mamori.jobs.queue import Job, JobQueue
from mamori.jobs.worker import FULFIL, Worker, run_job

__all__ = ["FULFIL", "Job", "JobQueue", "Worker", "run_job"]
