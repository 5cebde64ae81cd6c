"""Issue 16, point 9: schemathesis against the running application's own schema — zero 5xx, zero answers the schema
does not describe (status documented, content type, body schema).

The application is served by a live uvicorn on a free loopback port (the real HTTP stack, middleware included),
bound to this test's private copy of the demo database. Every operation of ``/schema/openapi.json`` gets
``EXAMPLES`` generated cases, each sent as one of three demo roles (a resident, a compound manager, a district
administrator) drawn with the case; compound routes are aimed at their own compound A1 so the cases get past the
reach check into the handlers. Fixed seed, no shrinking: the run is the same every time and bounded
(the case count is printed). Where the schema declares OpenAPI links, the stateful run follows them too.

Run once, on PostgreSQL: it is stricter than SQLite about what reaches it (NUL characters, out-of-range numbers and
dates, string lengths, row-level security), so that is where a generated input turns into a 5xx.
Each failure found is kept as a regression test in ``tests/core/test_fuzz_regressions.py``.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from tenants.demo import DEMO_PASSWORD
from tests.support.services import free_port

pytestmark = pytest.mark.skipif(
    os.environ.get("REDPROP_TEST_BACKEND", "sqlite") != "postgresql",
    reason="fuzzing runs once, on PostgreSQL (stricter than SQLite about the inputs that reach it)",
)

SEED = 20261202
EXAMPLES = int(os.environ.get("REDPROP_FUZZ_EXAMPLES", "3"))
MODES = os.environ.get("REDPROP_FUZZ_MODES", "positive").split(",")  # "negative": inputs the schema forbids (must be 4xx)
ROLES = {"resident": "resident-a1", "compound manager": "ent-a-manager", "district admin": "district-1-admin"}
SKIP = {("POST", "/api/v1/auth/logout")}  # would revoke the token the run is using


class LiveServer:
    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="fuzz-uvicorn")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def test_fuzz_the_schema_no_5xx_and_every_answer_as_documented(app, city, capsys):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    started = time.monotonic()
    with LiveServer(app) as live, requests.Session() as http:
        tokens = {}
        for role, username in ROLES.items():
            answer = http.post(f"{live.url}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
            assert answer.status_code == 200, answer.text
            tokens[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        raw = http.get(f"{live.url}/schema/openapi.json", timeout=30).json()
        schema = schemathesis.openapi.from_dict(raw)
        own = {"compound_id": str(city.compounds["A1"])}
        count = {"cases": 0, "operations": 0, "unsatisfiable": 0}
        failures: list[str] = []

        def one(operation) -> None:
            fixed = {k: v for k, v in own.items() if "{" + k in operation.path}
            from schemathesis.generation import GenerationMode

            strategy = st.one_of(*(operation.as_strategy(GenerationMode(m), path_parameters=fixed or None) for m in MODES))

            @seed(SEED)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, role=st.sampled_from(sorted(ROLES)))
            def run(case, role) -> None:
                count["cases"] += 1
                response = case.call(base_url=live.url, session=http, headers=tokens[role], timeout=60)
                try:
                    case.validate_response(response, checks=checks)
                except Exception as exc:  # every failure is collected, the run goes on
                    failures.append(f"{case.method} {case.formatted_path} as {role} → {response.status_code}: {str(exc)[:600]}")

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (negative mode on an operation without inputs)
                count["unsatisfiable"] += 1

        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIP:
                continue
            count["operations"] += 1
            one(operation)
        links = sum(
            len(r.get("links", {}))
            for item in raw["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
            for r in op.get("responses", {}).values()
        )
    with capsys.disabled():
        print(
            f"\nfuzzing: {count['cases']} cases over {count['operations']} operations as {', '.join(ROLES)} (seed {SEED}, "
            f"{EXAMPLES} a operation), {len(failures)} failures, {links} OpenAPI links, {time.monotonic() - started:.0f} s"
        )
    assert not failures, "\n".join(failures[:30])
