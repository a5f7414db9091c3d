"""The error of ``mamori.connectors``: a dataset's system failed during a request.

::

    MamoriError
    └── ConnectorError     connector_failed     the system's transaction was rolled back

The message names the dataset, the operation and the table, and the database's error class,
never a value read from or written to the system.
"""

from __future__ import annotations

from mamori.errors import MamoriError

__all__ = ["ConnectorError"]


class ConnectorError(MamoriError):
    """A dataset's system could not do what was asked; nothing of it was changed."""

    code = "connector_failed"

    def __init__(self, dataset: str, table: str | None, detail: str) -> None:
        self.dataset = dataset
        self.table = table
        where = f"dataset '{dataset}'" + (f", table '{table}'" if table else "")
        super().__init__(f"{where}: {detail}")
