"""The OpenAPI document is honest enough to build a client from (issue 16, point 6).

openapi-python-client generates a client from the schema the running app serves, without a warning (it drops an
operation's responses, or a whole schema, on anything it cannot read); the client drives three flows of a
resident against the live app — file a request, pay a bill, cast a ballot — and reads each error as a Problem.
Run on SQLite only: the document does not depend on the backend. A second test (both backends, no server)
checks that every operation documents the statuses the authorisation matrix and the fuzzing can produce.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import pathlib
import pkgutil
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import uvicorn

from core import clock
from core.openapi import PROBLEM_MEDIA_TYPE
from tenants.demo import DEMO_PASSWORD

NOV_30 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
PACKAGE = "redprop_api_client"
CONFIG = """
post_hooks: []
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  image/svg+xml: application/octet-stream
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(app):
    """The run's application (bound to this test's database) on a free local port."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn-openapi-client", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def _generate(schema: dict, where: pathlib.Path) -> str:
    (where / "openapi.json").write_text(json.dumps(schema))
    (where / "config.yaml").write_text(CONFIG)
    tool = pathlib.Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [str(tool), "generate", "--path", "openapi.json", "--config", "config.yaml", "--meta", "none", "--output-path", PACKAGE],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    return output


def _operations() -> dict[str, object]:
    """Every generated operation module by its operationId (``fileRequest`` → ``api.….file_request``)."""
    api = importlib.import_module(PACKAGE + ".api")
    found = {}
    for info in pkgutil.walk_packages(api.__path__, api.__name__ + "."):
        if not info.ispkg:
            found[info.name.rsplit(".", 1)[1]] = importlib.import_module(info.name)
    return found


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


@pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "sqlite", reason="the schema is the same on both backends: once, on SQLite"
)
def test_a_generated_client_builds_cleanly_and_drives_three_resident_flows(served, city, tmp_path):
    import httpx

    schema = httpx.get(served + "/schema/openapi.json", timeout=60).json()
    output = _generate(schema, tmp_path)
    assert "warning" not in output.lower() and "unable" not in output.lower(), output

    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module(PACKAGE)
        models = importlib.import_module(PACKAGE + ".models")
        ops = _operations()
        operation_ids = [
            o["operationId"] for item in schema["paths"].values() for o in item.values() if isinstance(o, dict) and "operationId" in o
        ]
        assert not [o for o in operation_ids if _snake(o) not in ops], "operations missing from the client"

        def call(name: str, client, **kw):
            response = ops[_snake(name)].sync_detailed(client=client, **kw)
            return response.status_code, response.parsed

        anonymous = package.Client(base_url=served, raise_on_unexpected_status=True)

        def log_in(username: str):
            status, token = call("login", anonymous, body=models.LoginIn.from_dict({"username": username, "password": DEMO_PASSWORD}))
            assert status == 200, token
            return package.AuthenticatedClient(base_url=served, token=token.access_token, raise_on_unexpected_status=True)

        resident, admin = log_in("resident-a1"), log_in("ent-a-admin")
        compound = str(city.compounds["A1"])

        # 1. a resident files a repair request for their room
        status, rooms = call("myRooms", resident, compound_id=compound)
        assert status == 200 and rooms.items
        body = {"kind": "repair", "category": "plumbing", "title": "厨房水管漏水", "description": "水槽下方一直滴水", "location": "room"}
        status, filed = call(
            "fileRequest", resident, compound_id=compound, body=models.RequestIn.from_dict({**body, "room_id": str(rooms.items[0].room_id)})
        )
        assert status == 201 and filed.state == "submitted", filed
        status, seen = call("getRequest", resident, compound_id=compound, request_id=str(filed.id))
        assert status == 200 and seen.title == body["title"]
        # an error reaches the client as the Problem the document promises
        status, problem = call(
            "fileRequest",
            resident,
            compound_id=compound,
            body=models.RequestIn.from_dict({**body, "title": "   ", "room_id": str(rooms.items[0].room_id)}),
        )
        assert status in (400, 422) and isinstance(problem, models.Problem) and problem.errors[0].field == "title", problem

        # 2. the bills of a month are issued; the resident pays theirs through the offline provider; staff confirm
        with clock.frozen_at(NOV_30):
            status, item = call(
                "createFeeItem",
                admin,
                compound_id=compound,
                body=models.FeeItemIn.from_dict({"name": "电梯运行费", "kind": "area", "unit_price": "0.35"}),
            )
            assert status == 201, item
            status, issued = call(
                "generateBills", admin, compound_id=compound, body=models.GenerateBillsIn.from_dict({"period": "2027-01"})
            )
            assert status == 200 and issued.created >= 1, issued
            status, bills = call("listBills", resident, compound_id=compound, period="2027-01")
            assert status == 200 and bills.total == 1
            bill = bills.items[0]
            payment = models.PaymentIn.from_dict({"amount_fen": bill.amount_fen, "method": "provider", "provider": "offline"})
            status, started = call(
                "recordPayment", resident, compound_id=compound, bill_id=str(bill.id), body=payment, idempotency_key="client-1"
            )
            assert status == 201 and started.status == "pending", started
            status, done = call("confirmPayment", admin, compound_id=compound, payment_id=str(started.id))
            assert status == 200 and done.status == "succeeded"
            status, paid = call("getBill", resident, compound_id=compound, bill_id=str(bill.id))
            assert paid.status == "paid"

        # 3. the owner casts a ballot in the compound's open vote
        status, votes = call("listVotes", resident, compound_id=compound)
        vote = next(v for v in votes.items if v.state == "open")
        status, cast = call(
            "castBallot", resident, compound_id=compound, vote_id=str(vote.id), body=models.BallotIn.from_dict({"choice": "approve"})
        )
        assert status == 200 and cast.my_ballot == "approve", cast
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


async def test_every_operation_documents_what_the_matrix_and_the_fuzzer_can_meet(client):
    """Guarded operations: 401, 403, 404 (a compound out of reach) and 422 where they take input; every error a
    problem+json body of the Problem schema; every operation 400 (a NUL in any query value); every $ref resolves."""
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    assert {"Problem", "FieldError"} <= set(components) and set(components["Problem"]["required"]) == {"type", "title", "status"}
    assert components["FieldError"]["required"] == ["message"]  # a field, or an import's row and column
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["BearerToken"]["description"],
    }
    text = json.dumps(schema)
    unresolved = {ref for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text) if ref not in components}
    assert not unresolved
    assert '"extra"' not in text  # litestar's own error body is gone
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(operations) > 200
    for path, method, op in operations:
        statuses = {int(s) for s in op["responses"]}
        where = f"{method.upper()} {path}"
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], where
                assert response["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}, where
        assert 400 in statuses, where
        if op.get("security"):
            assert op["security"] == [{"BearerToken": []}]
            assert {401, 403, 404} <= statuses, where
            if op.get("parameters") or op.get("requestBody"):
                assert 422 in statuses, where
        if "{compound_id}" in path:
            assert 404 in statuses, f"{where}: a compound route answers 404 out of reach"
        if method in ("post", "put", "patch", "delete"):
            assert 409 in statuses, where
    public_writes = {path for path, method, op in operations if not op.get("security") and method == "post"}
    assert "/api/v1/auth/login" in public_writes
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "422", "429"} <= set(login) and "security" not in schema["paths"]["/api/v1/auth/login"]["post"]
