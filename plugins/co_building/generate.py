"""co_building's part of a generated city (``redprop generate city``, issue 17): a year of work orders with their
events and ratings, quarterly property-fee bills with their lines and payments, and two owners' votes per
compound (one closed and counted, one open) with their rolls and ballots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from plugins.co_building.models.consultation import Ballot, BallotRecord, OwnersVote, VoteRoll
from plugins.co_building.models.fees import Bill, BillLine, FeeItem, Payment
from plugins.co_building.models.requests import RequestEvent, ServiceRequest
from plugins.co_building.services.consultation import DEVELOPER, DEVELOPER_NAME, VotingRoom, result_dict, tally_owners_vote

REQUESTS = (
    ("repair", "plumbing", "厨房水管漏水"),
    ("repair", "electrical", "楼道灯不亮"),
    ("repair", "elevator", "电梯异响"),
    ("repair", "doors_windows", "单元门禁损坏"),
    ("complaint", "sanitation", "垃圾清运不及时"),
    ("complaint", "noise", "夜间施工噪音"),
    ("complaint", "parking", "消防通道被占用"),
    ("suggestion", "greening", "建议增加绿化"),
    ("enquiry", "other", "咨询物业费缴纳方式"),
    ("praise", "security", "表扬保安热心帮助"),
)
WORKFLOW = ("assign", "accept", "start", "complete")
STATE_AFTER = {"assign": "assigned", "accept": "accepted", "start": "in_progress", "complete": "completed"}
QUARTERS = 4
PRICE_PER_M2_MONTH = (Decimal("0.80"), Decimal("1.20"), Decimal("1.60"), Decimal("2.20"))


def register(city: Any) -> None:
    city.per_compounds("co_building", make)


def make(batch: Any) -> None:
    rng = batch.rng("co_building")
    now: dt.datetime = batch.now
    requests, events, items, bills, lines, payments = [], [], [], [], [], []
    votes, rolls, ballots, records = [], [], [], []
    for compound in batch.compounds:
        cid = compound.id
        manager, staff = compound.staff["manager"], compound.staff["staff"]
        owners = compound.owners
        # --- a year of work orders: about one per four rooms, most rated and closed
        per_day: dict[str, int] = {}
        for _ in range(max(5, len(compound.rooms) // 4)):
            kind, category, title = rng.choice(REQUESTS)
            owner = rng.choice(owners) if owners else None
            filed = now - dt.timedelta(seconds=rng.randrange(3600, 365 * 86400))
            day = (filed + dt.timedelta(hours=8)).strftime("%Y%m%d")  # Asia/Shanghai
            per_day[day] = per_day.get(day, 0) + 1
            request_id = batch.new_id()
            age = (now - filed).days
            steps = WORKFLOW if age > 14 else WORKFLOW[: rng.randrange(0, len(WORKFLOW) + 1)]
            state, at = "submitted", filed
            row_events = [(filed, "file", None, "submitted", owner_user(compound, owner), "")]
            responded = completed = closed = None
            for action in steps:
                at = at + dt.timedelta(minutes=rng.randrange(20, 600))
                row_events.append((at, action, state, STATE_AFTER[action], staff if action != "assign" else manager, ""))
                state = STATE_AFTER[action]
                if action == "accept":
                    responded = at
                if action == "complete":
                    completed = at
            rating, comment = None, ""
            if state == "completed" and rng.random() < 0.8:
                rating = rng.choices((5, 4, 3, 2, 1), (55, 25, 10, 6, 4))[0]
                comment = "" if rating >= 4 else "处理较慢"
                at = at + dt.timedelta(hours=rng.randrange(1, 48))
                row_events.append((at, "rate", state, "rated", owner_user(compound, owner), comment))
                state = "rated"
            if state in ("completed", "rated") and age > 30:
                at = at + dt.timedelta(days=rng.randrange(1, 7))
                row_events.append((at, "close", state, "closed", manager, ""))
                state, closed = "closed", at
            public = category in ("elevator", "sanitation", "greening", "parking", "noise", "security")
            requests.append(
                {
                    "compound_id": cid,
                    "id": request_id,
                    "number": f"{day}-{per_day[day]:04d}",
                    "kind": kind,
                    "category": category,
                    "priority": "urgent" if rng.random() < 0.1 else "normal",
                    "location": "public" if public else "room",
                    "channel": rng.choice(("portal", "portal", "phone", "app", "visit")),
                    "title": title,
                    "description": f"{title}，请尽快处理。",
                    "room_id": None if public or owner is None else owner[2],
                    "resident_id": owner[0] if owner else None,
                    "filed_for_user_id": owner_user(compound, owner),
                    "filed_by_user_id": owner_user(compound, owner),
                    "contact_name": owner[3] if owner else "",
                    "state": state,
                    "assignee_user_id": staff if state != "submitted" else None,
                    "response_due_at": filed + dt.timedelta(hours=2),
                    "completion_due_at": filed + dt.timedelta(hours=48),
                    "responded_at": responded,
                    "completed_at": completed,
                    "closed_at": closed,
                    "rating": rating,
                    "rating_tags": [] if rating is None else (["及时", "态度好"] if rating >= 4 else ["不及时"]),
                    "rating_comment": comment,
                    "created_at": filed,
                    "updated_at": at,
                }
            )
            for moment, action, before, after, actor, note in row_events:
                events.append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "request_id": request_id,
                        "action": action,
                        "from_state": before,
                        "to_state": after,
                        "actor_user_id": actor,
                        "note": note,
                        "at": moment,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )

        # --- property fees: one area item, billed quarterly on the building area; most bills paid
        item = batch.new_id()
        monthly = rng.choice(PRICE_PER_M2_MONTH)
        price = monthly * 3
        items.append(
            {
                "compound_id": cid,
                "id": item,
                "name": "物业服务费（季度）",
                "kind": "area",
                "unit_price": price,
                "unit": "㎡·季",
                "due_days": 30,
                "area_basis": "building",
            }
        )
        occupied = {room for _, room in compound.households}
        receipts: dict[str, int] = {}
        for q in range(QUARTERS):
            month = _months_back(now, 3 * (QUARTERS - 1 - q))
            period = f"{month.year}-{month.month:02d}"
            issued = dt.datetime(month.year, month.month, 1, 1, tzinfo=dt.UTC)
            due = issued.date() + dt.timedelta(days=30)
            for room, _area, building_area in compound.rooms:
                if room not in occupied:
                    continue
                bill = batch.new_id()
                amount = int((building_area * price * 100).quantize(Decimal(1)))
                paid = 0 if due >= now.date() and rng.random() < 0.5 else (amount if rng.random() < 0.88 else 0)
                status = "paid" if paid == amount else "unpaid"
                bills.append(
                    {
                        "compound_id": cid,
                        "id": bill,
                        "room_id": room,
                        "period": period,
                        "amount_fen": amount,
                        "paid_fen": paid,
                        "status": status,
                        "due_on": due,
                        "issued_at": issued,
                        "created_at": issued,
                        "updated_at": issued,
                    }
                )
                lines.append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "bill_id": bill,
                        "fee_item_id": item,
                        "description": f"物业服务费（季度） 建筑面积 {building_area}㎡ × {price}",
                        "quantity": building_area,
                        "unit_price": price,
                        "amount_fen": amount,
                    }
                )
                if paid:
                    paid_at = issued + dt.timedelta(days=rng.randrange(0, 40), hours=rng.randrange(0, 24))
                    prefix = f"R{paid_at:%Y%m%d}"
                    receipts[prefix] = receipts.get(prefix, 0) + 1
                    method = rng.choice(("provider", "provider", "transfer", "cash"))
                    payments.append(
                        {
                            "compound_id": cid,
                            "id": batch.new_id(),
                            "bill_id": bill,
                            "amount_fen": paid,
                            "method": method,
                            "provider": "wechat" if method == "provider" else None,
                            "provider_reference": None,
                            "status": "succeeded",
                            "idempotency_key": None,
                            "receipt_no": f"{prefix}{receipts[prefix]:05d}",
                            "recorded_by_user_id": manager if method != "provider" else None,
                            "paid_at": paid_at,
                            "created_at": paid_at,
                            "updated_at": paid_at,
                        }
                    )

        # --- owners' votes: one closed and counted half a year ago, one open now
        owner_of = {room: owner for owner, _, room, _ in owners}
        names = {owner: name for owner, _, _, name in owners}
        roll_rooms = []
        for room, area, _ in compound.rooms:
            if room in owner_of:
                roll_rooms.append((room, f"owner:{owner_of[room]}", names[owner_of[room]], area))
            elif room in occupied:
                roll_rooms.append((room, f"room:{room}", "", area))
            else:
                roll_rooms.append((room, DEVELOPER, DEVELOPER_NAME, area))
        heads = sorted({key for _, key, _, _ in roll_rooms if key != DEVELOPER})
        head_names = {key: name for _, key, name, _ in roll_rooms}
        for title, matter, opened, closes, turnout, is_open in (
            ("续聘物业服务企业", "hire_property_company", now - dt.timedelta(days=200), now - dt.timedelta(days=170), 0.78, False),
            ("使用维修资金更换电梯", "use_maintenance_fund", now - dt.timedelta(days=5), now + dt.timedelta(days=25), 0.35, True),
        ):
            vote = batch.new_id()
            cast: dict[str, str] = {}
            for key in heads:
                if rng.random() < turnout:
                    cast[key] = rng.choices(("approve", "reject", "abstain"), (80, 12, 8))[0]
            for room, key, name, area in roll_rooms:
                rolls.append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "vote_id": vote,
                        "room_id": room,
                        "owner_key": key,
                        "owner_name": name,
                        "area": area,
                    }
                )
            for key, choice in cast.items():
                moment = opened + dt.timedelta(seconds=rng.randrange(60, int(((now if is_open else closes) - opened).total_seconds())))
                ballots.append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "vote_id": vote,
                        "owner_key": key,
                        "owner_name": head_names[key],
                        "choice": choice,
                        "channel": "online",
                        "cast_at": moment,
                        "changes": 0,
                    }
                )
                records.append(
                    {
                        "compound_id": cid,
                        "id": batch.new_id(),
                        "vote_id": vote,
                        "owner_key": key,
                        "owner_name": head_names[key],
                        "room_id": None,
                        "choice": choice,
                        "channel": "online",
                        "entered_at": moment,
                    }
                )
            total_area = sum((area for _, _, _, area in roll_rooms), Decimal(0))
            total_heads = len(heads) + (1 if any(k == DEVELOPER for _, k, _, _ in roll_rooms) else 0)
            result = None
            if not is_open:
                tally = tally_owners_vote([VotingRoom(room, key, area) for room, key, _, area in roll_rooms], cast, matter)
                result = {**result_dict(tally), "ballots_entered": len(cast), "paper_over_online": 0}
            votes.append(
                {
                    "compound_id": cid,
                    "id": vote,
                    "title": title,
                    "description": f"{compound.name}业主大会表决：{title}",
                    "matter": matter,
                    "state": "open" if is_open else "closed",
                    "opens_at": opened,
                    "closes_at": closes,
                    "closed_at": None if is_open else closes,
                    "created_by_user_id": manager,
                    "total_area": total_area,
                    "total_heads": total_heads,
                    "result": result,
                    "created_at": opened - dt.timedelta(days=3),
                    "updated_at": closes if not is_open else opened,
                }
            )
    batch.add(ServiceRequest, requests)
    batch.add(RequestEvent, events)
    batch.add(FeeItem, items)
    batch.add(Bill, bills)
    batch.add(BillLine, lines)
    batch.add(Payment, payments)
    batch.add(OwnersVote, votes)
    batch.add(VoteRoll, rolls)
    batch.add(Ballot, ballots)
    batch.add(BallotRecord, records)


def owner_user(compound: Any, owner: Any) -> Any:
    """The owner's account when the generated owner has one."""
    if owner is None:
        return None
    for user, resident in compound.resident_users:
        if resident == owner[0]:
            return user
    return None


def _months_back(moment: dt.datetime, months: int) -> dt.date:
    index = moment.year * 12 + moment.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
