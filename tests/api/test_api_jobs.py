"""Jobs over HTTP: a fulfilment queued through the API shows as queued, then done once a
worker ran it, by state and one by one; engineers read them, support may not."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import bearer, error_of

from mamori.core import Mamori
from mamori.jobs import Worker


def test_queued_fulfilment_is_listed_until_a_worker_runs_it(
    core: Mamori, client: TestClient, tokens: dict[str, str], hanako: str
) -> None:
    officer, engineer = bearer(tokens["officer"]), bearer(tokens["engineer"])
    rid = core.requests.submit("erasure", actor="test", subject=hanako).request.id
    core.requests.verify_by_staff(rid, actor="test", checked=["運転免許証"])
    core.requests.start(rid, actor="test")
    queued = client.post(f"/v1/requests/{rid}/fulfil", json={}, headers=officer)
    assert queued.status_code == 202, queued.text
    job_id = queued.json()["job"]["id"]

    listed = client.get("/v1/jobs", headers=engineer)
    assert listed.status_code == 200
    assert [(j["id"], j["kind"], j["ref"], j["state"]) for j in listed.json()] == [
        (job_id, "fulfil", rid, "queued")
    ]
    assert client.get("/v1/jobs", params={"state": "done"}, headers=engineer).json() == []

    ran = Worker(core).run_once()
    assert ran is not None and ran.id == job_id and ran.state == "done", ran
    done = client.get("/v1/jobs", params={"state": "done"}, headers=engineer).json()
    assert [j["id"] for j in done] == [job_id]
    one = client.get(f"/v1/jobs/{job_id}", headers=engineer)
    assert one.status_code == 200
    assert one.json() == core.jobs.get(job_id).to_dict()
    assert one.json()["attempts"] == 1 and one.json()["error"] is None
    assert core.requests.get(rid).state.value == "completed"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_job_queries_name_the_field(client: TestClient, tokens: dict[str, str]) -> None:
    engineer = bearer(tokens["engineer"])
    state = client.get("/v1/jobs", params={"state": "stuck"}, headers=engineer)
    assert error_of(state, 422, "bad_request")["fields"] == ["query.state"]
    zero = client.get("/v1/jobs/0", headers=engineer)
    assert error_of(zero, 422, "bad_request")["fields"] == ["path.job_id"]
    error_of(client.get("/v1/jobs/4242", headers=engineer), 404, "not_found")
    error_of(client.get("/v1/jobs", headers=bearer(tokens["support"])), 403, "forbidden")
