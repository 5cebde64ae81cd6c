"""Authorization benchmark: ``FastEnforcer`` against pycasbin's plain ``Enforcer`` at city scale.

Not a pytest test. From the repository root::

    .venv/bin/python -m bench.authz            # full size (a minute or two)
    .venv/bin/python bench/authz.py --quick    # smaller run, a few seconds

The policy is synthetic but shaped like a city deployment and fully determined
by ``--seed``: the real role templates from every ``policies.csv`` (core,
tenants, plugins), 300 tenants (1 platform, 60 districts, 239 enterprises),
2,000 compounds each operated by an enterprise and lying in a district, 20,000
role assignments (tenant-wide staff roles in ``tenant:`` domains,
compound-limited staff roles and residents in ``compound:`` domains) and about
ten custom roles (``custom:<tenant uuid>:<slug>``, domain ``*``) for a quarter
of the districts and enterprises.

Checks are a random mix of allowed and denied requests in tenant and compound
domains plus unknown users. Every call is timed on its own with
``time.perf_counter_ns``; the figures are per call, in microseconds, and
include the timer's own cost (printed as "timer overhead").

* FastEnforcer cold: a freshly loaded enforcer, first call of each distinct request.
* FastEnforcer warm: the same requests again (answers memoised), several passes.
* casbin Enforcer: pycasbin's plain ``Enforcer`` (``core.authz.enforcer.casbin_enforcer``)
  on a random sample of the same requests; each answer is compared with
  FastEnforcer's, and any difference fails the run (exit status 1).
"""

from __future__ import annotations

import argparse
import gc
import pathlib
import platform
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.authz.enforcer import FastEnforcer, casbin_enforcer  # noqa: E402
from core.authz.store import read_policy_files  # noqa: E402

Line = tuple[str, ...]
Request = tuple[str, str, str, str]
TARGET_MEDIAN_US = 10.0

FULL = dict(districts=60, enterprises=239, compounds=2_000, assignments=20_000, requests=100_000, warm_passes=3, compare=2_000)
QUICK = dict(districts=60, enterprises=239, compounds=2_000, assignments=20_000, requests=10_000, warm_passes=2, compare=100)

# Share of the 20,000 assignments by kind.
TENANT_WIDE, COMPOUND_LIMITED, RESIDENTS = 0.45, 0.25, 0.30
CUSTOM_TENANT_SHARE = 0.25  # districts and enterprises that define custom roles
CUSTOM_SLUGS = [
    "gate-guard",
    "cleaner",
    "gardener",
    "electrician",
    "plumber",
    "cashier",
    "front-desk",
    "parking",
    "inspector",
    "dispatcher",
    "accountant",
    "auditor",
    "liaison",
    "volunteer",
    "grid-worker",
    "archivist",
]

# Request mix: (label, weight).
MIX = [
    ("allow, tenant domain", 0.30),
    ("allow, compound domain", 0.20),
    ("deny, other permission", 0.20),
    ("deny, other domain", 0.20),
    ("unknown user", 0.10),
]


# --------------------------------------------------------------------------- policy


def template_files() -> list[tuple[str, pathlib.Path]]:
    files = [("core", ROOT / "core" / "policies.csv"), ("tenants", ROOT / "tenants" / "policies.csv")]
    files += [(p.parent.name, p) for p in sorted((ROOT / "plugins").glob("*/policies.csv"))]
    return files


@dataclass
class City:
    lines: list[Line] = field(default_factory=list)
    perms: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # role -> (obj, act), templates and custom
    universe: list[tuple[str, str]] = field(default_factory=list)  # every (obj, act) any role grants
    domains: list[str] = field(default_factory=list)  # every tenant and compound domain
    assignments: list[tuple[str, str, str]] = field(default_factory=list)  # (user, role, domain)
    stats: Counter = field(default_factory=Counter)


def build_city(rng: random.Random, districts: int, enterprises: int, compounds: int, assignments: int) -> City:
    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    city = City()
    templates = read_policy_files(template_files())
    for name, t in sorted(templates.items()):
        city.perms[name] = set(t.permissions)
        city.lines += [("p", name, "*", obj, act) for obj, act in sorted(t.permissions)]
    city.stats["template roles"] = len(templates)
    city.stats["template p lines"] = len(city.lines)

    kind_perms: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for t in templates.values():
        for kind in t.tenant_kinds:
            kind_perms[kind] |= t.permissions

    platform_dom = f"tenant:{new_id()}"
    district_doms = [f"tenant:{new_id()}" for _ in range(districts)]
    enterprise_doms = [f"tenant:{new_id()}" for _ in range(enterprises)]
    kind_of = {platform_dom: "platform", **{d: "district" for d in district_doms}, **{d: "enterprise" for d in enterprise_doms}}
    # Enterprise sizes are skewed: a few large operators run many compounds.
    enterprise_weight = [rng.paretovariate(1.2) for _ in enterprise_doms]

    compound_side: dict[str, tuple[str, str]] = {}  # compound -> (operator enterprise, district)
    for _ in range(compounds):
        operator = rng.choices(enterprise_doms, weights=enterprise_weight)[0]
        compound_side[f"compound:{new_id()}"] = (operator, rng.choice(district_doms))
    compound_doms = list(compound_side)
    city.domains = [platform_dom, *district_doms, *enterprise_doms, *compound_doms]
    city.stats["tenants"] = len(kind_of)
    city.stats["compounds"] = len(compound_doms)

    # Custom roles: ~10 per tenant for some districts and enterprises, granting part of the kind's permissions.
    custom_of: dict[str, list[str]] = defaultdict(list)
    for dom in rng.sample(district_doms + enterprise_doms, round(CUSTOM_TENANT_SHARE * (districts + enterprises))):
        pool = sorted(kind_perms[kind_of[dom]])
        for slug in rng.sample(CUSTOM_SLUGS, rng.randint(8, 12)):
            role = f"custom:{dom.removeprefix('tenant:')}:{slug}"
            granted = set(rng.sample(pool, rng.randint(3, min(8, len(pool)))))
            city.perms[role] = granted
            city.lines += [("p", role, "*", obj, act) for obj, act in sorted(granted)]
            custom_of[dom].append(role)
    city.stats["custom roles"] = sum(len(v) for v in custom_of.values())
    city.stats["custom p lines"] = len(city.lines) - city.stats["template p lines"]
    city.universe = sorted(set().union(*city.perms.values()))

    seen: set[Line] = set()
    staff_of: dict[str, list[str]] = defaultdict(list)  # tenant -> its staff users (for multi-role / multi-compound staff)
    residents: list[str] = []

    def assign(user: str, role: str, dom: str, kind: str) -> bool:
        line = ("g", user, role, dom)
        if line in seen:
            return False
        seen.add(line)
        city.lines.append(line)
        city.assignments.append((user, role, dom))
        city.stats[kind] += 1
        return True

    def staff_user(tenant: str, reuse: float) -> str:
        pool = staff_of[tenant]
        if pool and rng.random() < reuse:
            return rng.choice(pool)
        user = f"u:{new_id()}"
        pool.append(user)
        return user

    def pick_role(choices: list[tuple[str, float]], tenant: str) -> str:
        if custom_of.get(tenant) and rng.random() < 0.10:
            return rng.choice(custom_of[tenant])
        names, weights = zip(*choices, strict=False)
        return rng.choices(names, weights=weights)[0]

    n_tenant = round(TENANT_WIDE * assignments)
    n_compound = round(COMPOUND_LIMITED * assignments)
    n_resident = assignments - n_tenant - n_compound
    enterprise_roles = [("enterprise_admin", 0.10), ("tenant_admin", 0.05), ("enterprise_manager", 0.15), ("enterprise_staff", 0.70)]
    district_roles = [("district_admin", 0.25), ("tenant_admin", 0.05), ("district_officer", 0.70)]

    kind = "g: tenant-wide staff (tenant domain)"
    while city.stats[kind] < n_tenant:
        draw = rng.random()
        if draw < 0.003:
            assign(staff_user(platform_dom, 0.0), "platform_admin", platform_dom, kind)
        elif draw < 0.30:
            tenant = rng.choice(district_doms)
            assign(staff_user(tenant, 0.10), pick_role(district_roles, tenant), tenant, kind)
        else:
            tenant = rng.choices(enterprise_doms, weights=enterprise_weight)[0]
            assign(staff_user(tenant, 0.10), pick_role(enterprise_roles, tenant), tenant, kind)

    kind = "g: compound-limited staff (compound domain)"
    while city.stats[kind] < n_compound:
        compound = rng.choice(compound_doms)
        operator, district = compound_side[compound]
        if rng.random() < 0.8:
            role = pick_role([("enterprise_manager", 0.35), ("enterprise_staff", 0.65)], operator)
            assign(staff_user(operator, 0.30), role, compound, kind)
        else:
            assign(staff_user(district, 0.30), pick_role([("district_officer", 1.0)], district), compound, kind)

    kind = "g: residents (compound domain)"
    while city.stats[kind] < n_resident:
        compound = rng.choice(compound_doms)
        user = rng.choice(residents) if residents and rng.random() < 0.03 else f"u:{new_id()}"
        if assign(user, "resident", compound, kind):
            residents.append(user)
            if rng.random() < 0.03 and city.stats[kind] < n_resident:
                assign(user, "committee_member", compound, kind)

    city.stats["p lines"] = sum(1 for line in city.lines if line[0] == "p")
    city.stats["g lines"] = len(city.assignments)
    city.stats["users"] = len({a[0] for a in city.assignments})
    return city


# --------------------------------------------------------------------------- requests


def build_requests(rng: random.Random, city: City, n: int) -> list[tuple[Request, str]]:
    """``n`` distinct requests, each with its mix label, in random order."""
    by_domain_kind = {
        "tenant": [a for a in city.assignments if a[2].startswith("tenant:")],
        "compound": [a for a in city.assignments if a[2].startswith("compound:")],
    }
    labels, weights = zip(*MIX, strict=False)
    out: dict[Request, str] = {}
    while len(out) < n:
        label = rng.choices(labels, weights=weights)[0]
        if label == "unknown user":
            req = (f"u:{uuid.UUID(int=rng.getrandbits(128), version=4)}", rng.choice(city.domains), *rng.choice(city.universe))
        else:
            pool = by_domain_kind[
                "compound"
                if label == "allow, compound domain"
                else "tenant"
                if label == "allow, tenant domain"
                else rng.choice(("tenant", "compound"))
            ]
            user, role, dom = rng.choice(pool)
            granted = city.perms[role]
            if label == "deny, other permission":
                obj, act = rng.choice(city.universe)
                while (obj, act) in granted:
                    obj, act = rng.choice(city.universe)
                req = (user, dom, obj, act)
            elif label == "deny, other domain":
                req = (user, rng.choice(city.domains), *rng.choice(sorted(granted)))
            else:
                req = (user, dom, *rng.choice(sorted(granted)))
        out.setdefault(req, label)
    items = list(out.items())
    rng.shuffle(items)
    return items


# --------------------------------------------------------------------------- timing


def percentile(sorted_ns: list[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanoseconds, in microseconds."""
    if not sorted_ns:
        return float("nan")
    k = max(0, min(len(sorted_ns) - 1, round(q / 100 * len(sorted_ns) + 0.5) - 1))
    return sorted_ns[k] / 1000


def summarize(ns: list[int]) -> dict[str, float]:
    s = sorted(ns)
    return {
        "calls": len(s),
        "median": percentile(s, 50),
        "p95": percentile(s, 95),
        "p99": percentile(s, 99),
        "max": s[-1] / 1000 if s else float("nan"),
    }


def time_calls(fn, requests: list[Request]) -> tuple[list[int], list[bool]]:
    clock = time.perf_counter_ns
    times = [0] * len(requests)
    answers = [False] * len(requests)
    gc.collect()
    for i, (sub, dom, obj, act) in enumerate(requests):
        t0 = clock()
        answer = fn(sub, dom, obj, act)
        times[i] = clock() - t0
        answers[i] = answer
    return times, answers


def timer_overhead_ns(n: int = 100_000) -> float:
    clock = time.perf_counter_ns
    deltas = []
    for _ in range(n):
        t0 = clock()
        deltas.append(clock() - t0)
    deltas.sort()
    return deltas[len(deltas) // 2]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="same policy, 10,000 checks and a 100-request casbin sample")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--requests", type=int, help="distinct requests for FastEnforcer (default 100,000; --quick 10,000)")
    parser.add_argument("--compare", type=int, help="requests sent to pycasbin and compared (default 2,000; --quick 100)")
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.requests:
        cfg["requests"] = args.requests
    if args.compare is not None:
        cfg["compare"] = args.compare

    from importlib.metadata import version

    import casbin  # noqa: F401  (fail early when missing)

    print(f"redprop authz benchmark ({'quick' if args.quick else 'full'}), seed {args.seed}")
    print(f"python {platform.python_version()}, pycasbin {version('casbin')}, {platform.machine()}, {_cpu_model()}")

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    city = build_city(rng, cfg["districts"], cfg["enterprises"], cfg["compounds"], cfg["assignments"])
    print(f"\npolicy built in {time.perf_counter() - t0:.1f} s")
    for key in (
        "tenants",
        "compounds",
        "users",
        "template roles",
        "template p lines",
        "custom roles",
        "custom p lines",
        "p lines",
        "g lines",
        "g: tenant-wide staff (tenant domain)",
        "g: compound-limited staff (compound domain)",
        "g: residents (compound domain)",
    ):
        print(f"  {key:<45} {city.stats[key]:>7,}")

    labelled = build_requests(rng, city, cfg["requests"])
    requests = [req for req, _ in labelled]
    overhead = timer_overhead_ns()

    # (a) FastEnforcer, cold then warm.
    fast = FastEnforcer()
    t0 = time.perf_counter()
    fast.load(city.lines)
    fast_load = time.perf_counter() - t0
    cold_ns, answers = time_calls(fast.enforce, requests)
    warm_ns: list[int] = []
    order = list(requests)
    for _ in range(cfg["warm_passes"]):
        rng.shuffle(order)
        warm_ns += time_calls(fast.enforce, order)[0]

    allowed = Counter()
    total = Counter()
    for (_req, label), answer in zip(labelled, answers, strict=False):
        total[label] += 1
        allowed[label] += answer
    print(f"\nrequest mix: {len(requests):,} distinct requests")
    for label, _ in MIX:
        print(f"  {label:<25} {total[label]:>7,}  allowed {allowed[label] / max(total[label], 1):6.1%}")

    # (b) pycasbin's plain Enforcer on a random sample, compared with FastEnforcer.
    t0 = time.perf_counter()
    reference = casbin_enforcer(city.lines)
    casbin_load = time.perf_counter() - t0
    sample = rng.sample(range(len(requests)), min(cfg["compare"], len(requests)))
    sample_reqs = [requests[i] for i in sample]
    casbin_ns, casbin_answers = time_calls(reference.enforce, sample_reqs)
    mismatches = [(requests[i], answers[i], got) for i, got in zip(sample, casbin_answers, strict=False) if answers[i] != got]

    rows = [
        ("FastEnforcer cold", fast_load, summarize(cold_ns)),
        ("FastEnforcer warm", None, summarize(warm_ns)),
        ("casbin Enforcer", casbin_load, summarize(casbin_ns)),
        ("  casbin, allowed", None, summarize([t for t, a in zip(casbin_ns, casbin_answers, strict=False) if a])),
        ("  casbin, denied", None, summarize([t for t, a in zip(casbin_ns, casbin_answers, strict=False) if not a])),
    ]
    print(f"\nper call, µs (timer overhead {overhead / 1000:.2f} µs included)")
    header = f"{'enforcer':<20} {'load':>9} {'calls':>9} {'median':>10} {'p95':>10} {'p99':>10} {'max':>10}"
    print(header)
    print("-" * len(header))
    for name, load, s in rows:
        load_s = f"{load:.2f} s" if load is not None else ""
        print(f"{name:<20} {load_s:>9} {s['calls']:>9,} {s['median']:>10.2f} {s['p95']:>10.2f} {s['p99']:>10.2f} {s['max']:>10.1f}")
    speedup = rows[2][2]["median"] / rows[0][2]["median"]
    print(f"\ncasbin median / FastEnforcer cold median: {speedup:,.0f}x")
    for name, _, s in rows[:2]:
        verdict = "met" if s["median"] < TARGET_MEDIAN_US else "MISSED"
        print(f"target: {name} median under {TARGET_MEDIAN_US:g} µs: {verdict} ({s['median']:.2f} µs)")

    print(f"\ncompared with pycasbin: {len(sample_reqs):,} requests, {sum(casbin_answers):,} allowed, {len(mismatches)} differences")
    if mismatches:
        for req, mine, theirs in mismatches[:10]:
            print(f"  DIFFERENT {req}: FastEnforcer {mine}, casbin {theirs}")
        return 1
    return 0


def _cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    sys.exit(main())
