"""The journeys of issue 15, point 5, walked in Chromium on a 390 px phone by the demo's people.

Every page visited is checked by :mod:`tests.e2e.journey` (axe-core: no serious or
critical violation; no sideways scrolling; no script or CSP error) and kept as a
screenshot ``tests/output/screenshots/journeys/<journey>-<nn>-<step>.png``
(docs/journeys.md lists the journeys). They run once, on the SQLite pass (tests/e2e/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.e2e.journey import Journey

pytestmark = pytest.mark.e2e

UUID = "[0-9a-f-]{36}"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def wait_for_state(page, state: str) -> None:
    page.wait_for_selector(f'#request-state [data-state="{state}"]')


def staff_move(person, action: str, state: str, note: str | None = None) -> None:
    if note is not None:
        person.page.fill(f"#note-{action}", note)
    person.page.click(f"#action-{action}")
    wait_for_state(person.page, state)


def test_request_filed_handled_rated_and_reopened_by_a_low_rating(browser, live_server, city):
    """Resident files a repair (portal) → manager assigns, repairman accepts, starts, completes (console) → the
    resident, told of each move, rates it low → it reopens to the manager, who is told."""
    a1 = city.compounds["A1"]
    journey = Journey(browser, live_server, "1-request")
    resident = journey.person("resident-a1", portal=True)
    resident.step("portal-home")
    resident.page.click(".tabbar >> text=报事报修")
    resident.page.wait_for_url(f"{live_server}/portal/compounds/{a1}/co_building/requests")
    resident.step("my-requests")
    resident.click_through("#new-request")
    resident.page.select_option("#kind", "repair")
    resident.page.select_option("#category", "plumbing")
    resident.page.fill("#title", "厨房下水道堵塞")
    resident.page.fill("#description", "洗碗池下水很慢，已经两天了")
    resident.step("file-a-repair")
    resident.click_through("#file-request")
    assert re.search(rf"/requests/{UUID}$", resident.page.url)
    request_url = resident.page.url
    wait_for_state(resident.page, "submitted")
    resident.step("filed")

    manager = journey.person("ent-a-manager")
    manager.go(f"/console/compounds/{a1}/co_building/requests?state=open", "manager-open-requests")
    manager.press(manager.page.locator("#requests-table tr", has_text="厨房下水道堵塞").locator("a").first)
    manager.page.select_option("#assignee-assign", label="红城物业维修工")
    manager.step("manager-dispatch")
    staff_move(manager, "assign", "assigned", note="下午上门疏通")
    manager.step("manager-assigned")

    repairman = journey.person("ent-a-staff")
    repairman.go(f"/console/compounds/{a1}/co_building/requests?mine=true", "repairman-my-orders")
    repairman.press(repairman.page.locator("#requests-table tr", has_text="厨房下水道堵塞").locator("a").first)
    staff_move(repairman, "accept", "accepted")
    staff_move(repairman, "start", "in_progress")
    staff_move(repairman, "complete", "completed", note="疏通了下水管")
    repairman.step("repairman-completed")

    # the resident was told of every move: the header counts them, the inbox lists them
    resident.go("/portal/")
    assert resident.unread() >= 4
    resident.click_through(".portal-top a.unread")
    told = resident.page.locator("#main").inner_text()
    assert all(word in told for word in ("已派单", "已受理", "开始处理", "已完成，请评价"))
    resident.step("inbox-told-of-each-move")
    resident.press(resident.page.locator(".notice", has_text="已完成，请评价").locator("a").first)
    assert resident.page.url == request_url
    resident.page.check("#rating-2")
    resident.page.fill("#comment", "还是堵，没修好")
    resident.step("rate-low")
    resident.page.click("#submit-rating")
    wait_for_state(resident.page, "assigned")  # a low rating reopens it for a return visit
    resident.step("reopened")

    # the manager is told of the low rating
    manager.go("/console/")
    assert manager.unread() >= 1
    manager.go("/console/inbox?unread=true", "manager-inbox-low-rating")
    assert "还是堵，没修好" in manager.page.locator("#main").inner_text()
    journey.finish()


def test_proposal_co_signed_deliberated_voted_and_counted(browser, live_server, city):
    """Owner proposal → three co-signatures (the threshold) → a deliberation meeting and its decision → an owners'
    vote the owners are told of → ballots → the result."""
    a1 = city.compounds["A1"]
    portal = f"/portal/compounds/{a1}/co_building/consultation"
    console = f"/console/compounds/{a1}/co_building/consultation"
    title = "小区东门增设快递柜"
    journey = Journey(browser, live_server, "2-vote")

    proposer = journey.person("resident-a1", portal=True)
    proposer.go(portal, "consultation")
    proposer.page.click("#main details summary >> text=提出议题")
    proposer.page.fill("#p-title", title)
    proposer.page.fill("#p-body", "快递堆在门岗，老人取件不便，建议在东门增设智能快递柜。")
    proposer.step("raise-proposal")
    proposer.click_through("#main details button[type=submit]")
    mine = proposer.page.locator("#proposals li", has_text=title)
    assert "我发起的" in mine.inner_text() and mine.locator("button").count() == 0  # nobody co-signs their own
    proposer.step("raised")

    for n, username in enumerate(("resident-a1b", "resident-a1c", "resident-a1d"), start=1):
        neighbour = journey.person(username, portal=True)
        neighbour.go(portal)
        row = neighbour.page.locator("#proposals li", has_text=title)
        neighbour.press(row.locator("button[type=submit]"))
        assert "已联署" in neighbour.page.locator("#proposals li", has_text=title).inner_text()
        neighbour.step(f"co-signed-{n}")
    proposer.go(portal)
    assert "待议事" in proposer.page.locator("#proposals li", has_text=title).inner_text()  # the threshold is reached

    chair = journey.person("district-1-admin")
    chair.go(console, "console-consultation")
    row = chair.page.locator("#proposals tr", has_text=title)
    assert "3 / 3" in row.inner_text()
    chair.page.click("#main details summary >> text=安排议事会")
    chair.page.fill("#m-title", "快递柜议事会")
    chair.page.fill("#m-at", (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))  # held just now
    chair.page.fill("#m-where", "社区党群服务中心")
    chair.page.locator("fieldset label", has_text=title).locator("input").check()
    chair.page.fill("#m-people", "owners: 张建国\ncommittee: 业委会主任\nproperty_company: 红城物业项目经理")
    chair.step("schedule-meeting")
    chair.click_through("#main details form button[type=submit] >> text=安排")
    assert re.search(rf"/co_building/meetings/{UUID}$", chair.page.url)
    chair.page.fill("#mm-text", "各方同意在东门增设快递柜，提交业主表决。")
    chair.page.fill("#mm-out", "提交业主表决")
    chair.step("meeting-minutes")
    chair.click_through("#main form button[type=submit] >> text=保存纪要")
    chair.go(console)
    row = chair.page.locator("#proposals tr", has_text=title)
    row.locator("select[name=decision]").select_option("to_vote")
    row.locator("input[name=outcome]").fill("提交业主表决")
    chair.press(row.locator("button[type=submit]"))
    chair.step("decided-to-vote")

    chair.page.click("#main details summary >> text=发起表决")
    chair.page.fill("#v-title", title)
    chair.page.select_option("#v-matter", "other")
    chair.page.fill("#v-closes", "2030-02-01T20:00")
    chair.step("prepare-vote")
    chair.click_through("#main details form button[type=submit]")
    if "/votes/" not in chair.page.url:
        chair.press(chair.page.locator("#votes a", has_text=title))
    vote_url = chair.page.url
    chair.step("vote-draft")
    chair.click_through("form[action$='/open'] button[type=submit]")
    chair.step("vote-open")

    # the owners are told; two of them vote
    for username, choice in (("resident-a1", "approve"), ("resident-a1b", "reject")):
        owner = journey.person(username, portal=True)
        owner.go("/portal/")
        assert owner.unread() >= 1
        owner.go("/portal/inbox")
        owner.press(owner.page.locator(".notice", has_text=f"业主表决：{title}").locator("a").first)
        owner.page.check(f"input[name=choice][value={choice}]")
        owner.step(f"ballot-{username}")
        owner.click_through("#cast")
        assert owner.page.locator("#my-ballot").count() == 1
        owner.step(f"voted-{username}")

    chair.go(vote_url)
    assert chair.page.locator("#ballots-cast").inner_text().strip() == "2"
    chair.click_through("form[action$='/close'] button[type=submit]")
    chair.step("vote-closed-result")
    assert "通过" in chair.page.locator("#main").inner_text()
    proposer.go(portal)
    assert proposer.page.locator("#votes li", has_text=title).locator(".badge").count() == 1  # the result on the portal
    proposer.step("result-on-the-portal")
    journey.finish()


def test_bill_issued_paid_confirmed_and_receipted(browser, live_server, city):
    """Staff issue next month's bills → the owner is told, opens the bill, pays (offline provider, a reference) →
    the service centre records the money → a receipt on both sides."""
    a1 = city.compounds["A1"]
    console = f"/console/compounds/{a1}/co_building/fees"
    journey = Journey(browser, live_server, "3-bill")
    manager = journey.person("ent-a-manager")
    manager.go(console, "console-fees")
    period = manager.page.input_value("#gen-period")
    year, month = map(int, period.split("-"))
    period = f"{year + month // 12}-{month % 12 + 1:02d}"  # next month: no bill yet
    manager.page.fill("#gen-period", period)
    manager.click_through("form[action$='/bills/generate'] button[type=submit]")
    assert manager.page.locator("#generated").count() == 1
    manager.step("bills-issued")

    resident = journey.person("resident-a1", portal=True)
    assert resident.unread() >= 1
    resident.go("/portal/inbox", "inbox-new-bill")
    resident.press(resident.page.locator(".notice", has_text=period).locator("a").first)
    assert re.search(rf"/co_building/fees/bills/{UUID}$", resident.page.url)
    bill_url = resident.page.url
    resident.step("bill")
    resident.click_through("#pay")
    reference = resident.page.locator("#payment-reference").inner_text()
    resident.step("payment-started")

    manager.go(bill_url.replace("/portal/", "/console/"))
    row = manager.page.locator("#payments tr", has_text=reference)
    manager.step("console-bill-pending")
    manager.press(row.locator("button[type=submit]").first)
    receipt = manager.page.locator("#payments a", has_text=re.compile(r"\S"))
    assert receipt.count() == 1
    manager.step("console-money-received")
    manager.click_through("#payments a")
    manager.step("console-receipt")

    resident.go(bill_url)
    assert resident.page.locator('[data-status="paid"]').count() >= 1
    resident.step("bill-paid")
    resident.click_through("#payments a")
    assert "收据" in resident.page.locator("main").inner_text()
    resident.step("receipt")
    journey.finish()


def test_volunteer_signs_up_is_checked_in_earns_points_and_redeems_a_reward(browser, live_server, city):
    """An organiser sets up an activity → a resident signs up (portal) → is checked in and out on site → earns the
    activity's points → redeems a reward → the organiser hands it over."""
    a1 = city.compounds["A1"]
    title = "楼道清洁志愿服务"
    now = dt.datetime.now(SHANGHAI)
    journey = Journey(browser, live_server, "4-volunteer")
    organiser = journey.person("ent-a-manager")
    organiser.go(f"/console/compounds/{a1}/co_building/activities", "console-activities")
    organiser.page.fill("#a-title", title)
    organiser.page.fill("#a-start", (now + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"))  # check-in opens an hour before
    organiser.page.fill("#a-end", (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    organiser.page.fill("#a-place", "1号楼")
    organiser.page.select_option("#a-rule", "fixed")
    organiser.page.fill("#a-value", "30")
    organiser.step("organise-activity")
    organiser.click_through("#a-title >> xpath=ancestor::form//button[@type='submit']")

    volunteer = journey.person("resident-a1", portal=True)
    volunteer.page.click(".tabbar summary >> text=更多")
    volunteer.step("more-menu-open")
    volunteer.click_through(".tabbar .more-menu >> text=志愿活动")
    card = volunteer.page.locator("section.card", has_text=title)
    volunteer.press(card.locator("button[type=submit]", has_text="报名"))
    assert "取消报名" in volunteer.page.locator("section.card", has_text=title).inner_text()
    volunteer.step("signed-up")

    organiser.go(f"/console/compounds/{a1}/co_building/activities")
    organiser.press(organiser.page.locator("#activities-table a", has_text=title))
    activity_url = organiser.page.url
    organiser.step("activity-with-check-in-code")
    row = organiser.page.locator("#signups-table tr", has_text="张建国")
    organiser.press(row.locator("button[type=submit]", has_text="签到"))
    organiser.step("checked-in")
    organiser.page.goto(activity_url)
    row = organiser.page.locator("#signups-table tr", has_text="张建国")
    organiser.press(row.locator("button[type=submit]", has_text="签退"))
    organiser.step("checked-out")

    volunteer.go(f"/portal/compounds/{a1}/co_building/points")
    assert volunteer.page.locator("#my-balance").inner_text().strip() == "30"
    volunteer.step("points-earned")
    reward = volunteer.page.locator("li, tr, section", has_text="洗衣液").last
    volunteer.press(reward.locator("button[type=submit]"))
    assert volunteer.page.locator("#my-balance").inner_text().strip() == "5"
    volunteer.step("reward-redeemed")

    organiser.go(f"/console/compounds/{a1}/co_building/rewards", "console-rewards")
    pending = organiser.page.locator("#redemptions-table tr", has_text="洗衣液").filter(has_text="张建国")
    organiser.press(pending.locator("button[type=submit]", has_text="已发放"))
    organiser.go(f"/console/compounds/{a1}/co_building/rewards?status=delivered")
    assert organiser.page.locator("#redemptions-table tr", has_text="洗衣液").filter(has_text="张建国").count() == 1
    organiser.step("reward-handed-over")
    journey.finish()


def test_a_district_enables_a_module_and_the_compound_sees_it(browser, live_server, city):
    """The district withdraws, then enables, a module it alone switched on for A1: its pages leave, then join, the
    menus of the compound's staff (console) and residents (portal)."""
    a1 = city.compounds["A1"]
    modules = f"/console/compounds/{a1}/modules"
    journey = Journey(browser, live_server, "5-module")
    district = journey.person("district-1-admin")
    district.go(modules, "district-modules")
    by_district = [
        row.get_attribute("data-module")
        for row in district.page.locator("#modules-table tr[data-module]").all()
        if "街道" in row.locator("td").nth(2).inner_text()
    ]
    if not by_district:
        journey.finish()
        pytest.skip("no module is on in A1 by the district alone: install examples/parcel_lockers (CI does)")
    module = by_district[0]
    row = f"#modules-table tr[data-module={module}]"

    def links(person, menu: str) -> int:
        return person.page.locator(f"{menu} a[href*='/{module}/']").count()

    district.press(district.page.locator(f"{row} button[value=false]"))
    assert district.page.locator(f"{row} .badge.off").count() == 1
    district.step("withdrawn")
    resident = journey.person("resident-a1", portal=True)
    manager = journey.person("ent-a-manager")
    assert links(resident, ".tabbar") == 0 and links(manager, ".sidebar") == 0
    resident.step("portal-without-the-module")
    manager.step("console-without-the-module")

    district.press(district.page.locator(f"{row} button[value=true]"))
    assert district.page.locator(f"{row} .badge.on").count() == 1
    district.step("enabled")
    resident.go("/portal/")
    assert links(resident, ".tabbar") >= 1
    link = resident.page.locator(f".tabbar a[href*='/{module}/']").first
    if resident.page.locator(f".tabbar .more-menu a[href*='/{module}/']").count():
        resident.page.click(".tabbar summary")
    resident.step("portal-with-the-module")
    resident.press(link)
    resident.step("portal-module-page")
    manager.go("/console/")
    assert links(manager, ".sidebar") >= 1
    manager.step("console-with-the-module")
    journey.finish()


def test_the_party_secretary_lands_on_what_the_organisation_covers(browser, live_server, city):
    """The community party secretary logs in: the home counts and offers the compounds the organisation covers and what
    waits for its review; from there, a compound's party building overview names the organisations serving it."""
    a1 = city.compounds["A1"]
    journey = Journey(browser, live_server, "6-party")
    secretary = journey.person("party-secretary-1")
    assert secretary.page.url.endswith("/console/")
    secretary.step("home")
    head = secretary.page.locator(".page-head").inner_text()
    reached = int(re.search(r"可访问的小区[:：]\s*(\d+)", head).group(1))
    offered = secretary.page.locator("#switch-compound option").all_inner_texts()
    assert reached == len(offered) >= 1 and "红城·幸福家园" in offered  # the compounds of 东关社区, and only those
    assert secretary.page.locator(".waiting").count() == 1
    secretary.go(f"/console/compounds/{a1}/party_building/", "compound-party-overview")
    assert "东关社区" in secretary.page.locator("#main").inner_text()
    journey.finish()


def test_the_console_pages_that_scrolled_sideways_fit_a_phone(browser, live_server, city):
    """Tenants, fees, a bill, volunteers and a party meeting: the console pages that scrolled sideways at 390 px."""
    a1 = city.compounds["A1"]
    journey = Journey(browser, live_server, "7-phone")
    platform = journey.person("platform")
    platform.go("/console/tenants", "tenants")
    manager = journey.person("ent-a-manager")
    manager.go(f"/console/compounds/{a1}/co_building/fees", "fees")
    manager.press(manager.page.locator("a[href*='/co_building/fees/bills/']").first)
    manager.step("bill")
    manager.go(f"/console/compounds/{a1}/co_building/volunteers", "volunteers")
    secretary = journey.person("party-secretary-1")
    secretary.go(f"/console/compounds/{a1}/party_building/meetings", "party-meetings")
    secretary.press(secretary.page.locator("a[href*='/party_building/meetings/']").first)
    secretary.step("party-meeting")
    journey.finish()
