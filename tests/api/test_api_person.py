"""The person downloads the package of their own completed disclosure with the session
their code opened, and logging out ends that session on the browser."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from tests.api.conftest import HANAKO, bearer, error_of
from tests.api.test_api_privacy import SAME_SITE, _code, _submit

from mamori.core import Mamori


def test_the_person_downloads_their_package_then_logs_out(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str, tmp_path: Path
) -> None:
    rid = _submit(client)
    assert client.post(f"/v1/privacy/requests/{rid}/code", headers=SAME_SITE).status_code == 202
    verified = client.post(
        f"/v1/privacy/requests/{rid}/verify", json={"code": _code(tmp_path)}, headers=SAME_SITE
    )
    assert verified.status_code == 200, verified.text
    early = client.get(f"/v1/privacy/requests/{rid}/download")
    error_of(early, 409, "conflict")

    officer = bearer(tokens["officer"])
    assert client.post(f"/v1/requests/{rid}/approve", headers=officer).status_code == 200
    done = client.post(f"/v1/requests/{rid}/fulfil", json={"now": True}, headers=officer)
    assert done.status_code == 200, done.text

    package = client.get(f"/v1/privacy/requests/{rid}/download")
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(package.content))
    everything = b"".join(files.read(n) for n in files.namelist()).decode("utf-8", "replace")
    assert HANAKO["email"] in everything
    downloads = [e for e in core.audit.export() if e["action"] == "download"]
    assert [(d["subject"], d["detail"]["request"]) for d in downloads] == [(hanako, rid)]

    out = client.post("/v1/privacy/logout", headers=SAME_SITE)
    assert out.status_code == 204
    assert "mamori_person" in out.headers["set-cookie"]
    error_of(client.get(f"/v1/privacy/requests/{rid}"), 401, "unauthenticated")
    error_of(client.get(f"/v1/privacy/requests/{rid}/download"), 401, "unauthenticated")
