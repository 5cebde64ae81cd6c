"""Owners' vote tally benchmark: a compound of 10,000 rooms and 8,000 owners (target: under 50 ms).

Not a pytest test. From the repository root::

    .venv/bin/python -m bench.vote_tally                 # 10,000 rooms, 8,000 owners, 30 runs
    .venv/bin/python -m bench.vote_tally --rooms 50000 --owners 40000 --runs 10

The compound is synthetic but shaped like a real one: 8,000 owners, of whom
some hold two or three rooms (parking spaces and shops included), 150 rooms
still held by the developer (one head together), exclusive areas between
35 and 180 m² with two decimals; 75 % of the heads vote, 60 % of them approve.
The timed call is ``tally_owners_vote`` exactly as ``close_vote`` calls it
(heads, exact Fractions over Decimal areas, both rules), for an ordinary and
for a special matter; building the input rows is not timed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from decimal import Decimal

from plugins.co_building.services.consultation import DEVELOPER, VotingRoom, tally_owners_vote

TARGET_MS = 50.0


def compound(rooms: int, owners: int, developer_rooms: int, seed: int) -> tuple[list[VotingRoom], dict[str, str]]:
    rng = random.Random(seed)
    keys = [f"id:{rng.getrandbits(128):032x}" for _ in range(owners)]
    out = []
    for i in range(rooms):
        area = Decimal(rng.randrange(3500, 18000)) / 100
        if i < developer_rooms:
            key = DEVELOPER
        elif i - developer_rooms < owners:
            key = keys[i - developer_rooms]  # every owner holds at least one room
        else:
            key = rng.choice(keys)  # the rest: owners of several rooms
        out.append(VotingRoom(uuid.UUID(int=rng.getrandbits(128)), key, area))
    heads = sorted({r.owner_key for r in out})
    voters = rng.sample(heads, k=len(heads) * 3 // 4)
    ballots = {k: ("approve" if rng.random() < 0.6 else rng.choice(("reject", "abstain"))) for k in voters}
    return out, ballots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=8_000)
    parser.add_argument("--developer-rooms", type=int, default=150)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()
    rooms, ballots = compound(args.rooms, args.owners, args.developer_rooms, args.seed)
    print(f"compound: {len(rooms):,} rooms, {len({r.owner_key for r in rooms}):,} heads, {len(ballots):,} ballots")
    worst = 0.0
    for matter in ("hire_property_company", "raise_maintenance_fund"):
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            tally = tally_owners_vote(rooms, ballots, matter)
            timings.append((time.perf_counter() - started) * 1000)
        median, p95 = statistics.median(timings), sorted(timings)[int(len(timings) * 0.95) - 1]
        worst = max(worst, median)
        print(f"{matter:24s} median {median:6.1f} ms  p95 {p95:6.1f} ms  quorum={tally.quorum_met} passed={tally.passed}")
    print(f"target: median under {TARGET_MS:.0f} ms — {'met' if worst < TARGET_MS else 'NOT met'}")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
