"""The columns of ``audit_log`` that the database derives from the hashed bytes.

``at``, ``actor``, ``action``, ``subject`` and ``purpose`` are generated columns (SQLite:
virtual, PostgreSQL: stored) computed from ``canonical``. Nobody can UPDATE them; to make
one lie, a superuser has to change the table's definition. :func:`check` looks at the
definitions (a few catalogue reads, whatever the size of the log), and when one was
changed, finds the first entry whose column disagrees with its hashed bytes.
"""

from __future__ import annotations

from sqlalchemy import Connection

__all__ = ["DERIVED", "check"]

DERIVED = (("at", 40), ("actor", 200), ("action", 40), ("subject", 40), ("purpose", 64))
_PG_FUNCTION = "BEGIN RETURN convert_from(entry, 'UTF8')::jsonb ->> field; END"


def _sqlite_expression(name: str) -> str:
    return f"json_extract(CAST(canonical AS TEXT), '$.{name}')"


def _sqlite_definition(name: str, length: int) -> str:
    return f"{name} VARCHAR({length}) GENERATED ALWAYS AS ({_sqlite_expression(name)}) VIRTUAL"


def _pg_expression(name: str) -> str:
    return f"mamori_audit_field(canonical, '{name}'::text)"


def _pg_truth(name: str) -> str:
    return f"(convert_from(canonical, 'UTF8')::jsonb ->> '{name}')"


def check(conn: Connection) -> tuple[int | None, str] | None:
    """None when every derived column is defined as mamori made it; else the first entry
    whose column disagrees with its hashed bytes (or None) and what is wrong."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        changed = _sqlite_changed(conn)
        truth = _sqlite_expression
        distinct = "IS NOT"
    elif dialect == "postgresql":
        changed = _pg_changed(conn)
        truth = _pg_truth
        distinct = "IS DISTINCT FROM"
    else:  # pragma: no cover - the store runs on SQLite and PostgreSQL
        return None
    if not changed:
        return None
    present = set(conn.exec_driver_sql("SELECT * FROM audit_log WHERE 1 = 0").keys())
    comparable = [name for name in changed if name in present]
    seq = None
    if comparable:
        disagree = " OR ".join(f"{name} {distinct} {truth(name)}" for name in comparable)
        seq = conn.exec_driver_sql(f"SELECT min(seq) FROM audit_log WHERE {disagree}").scalar()
    where = f"; entry {seq} disagrees with its hashed bytes" if seq is not None else ""
    names = ", ".join(changed)
    return seq, f"audit_log column {names} is no longer derived from the hashed entry{where}"


def _sqlite_changed(conn: Connection) -> list[str]:
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
    ).scalar()
    hidden = {row[1]: row[6] for row in conn.exec_driver_sql("PRAGMA table_xinfo(audit_log)")}
    return [
        name
        for name, length in DERIVED
        if hidden.get(name) != 2 or _sqlite_definition(name, length) not in (sql or "")
    ]


def _pg_changed(conn: Connection) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT a.attname, a.attgenerated, pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d "
        "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = 'audit_log'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
    ).all()
    found = {name: (generated, expression) for name, generated, expression in rows}
    body = conn.exec_driver_sql(
        "SELECT prosrc FROM pg_proc WHERE proname = 'mamori_audit_field'"
    ).scalars()
    function_ok = [" ".join(b.split()) for b in body] == [_PG_FUNCTION]
    return [
        name
        for name, _ in DERIVED
        if not function_ok or found.get(name) != ("s", _pg_expression(name))
    ]
