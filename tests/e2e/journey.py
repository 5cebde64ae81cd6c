"""What every journey test does on every page it visits, on a 390 px phone.

A :class:`Journey` opens one browser context per person (390 × 844, zh-CN, touch)
and, at each :meth:`Person.step`, checks the page a person over sixty would be
holding:

- axe-core (``tests/e2e/vendor/axe.min.js``, from npm, never downloaded at test
  time) finds no *serious* or *critical* violation. It is evaluated in the page
  through Playwright, i.e. the DevTools protocol, which the page's
  Content-Security-Policy does not govern: the policy stays as strict as served;
- nothing scrolls sideways (``scrollWidth <= innerWidth``);
- no script error and no CSP refusal was reported;

and saves a screenshot ``tests/output/screenshots/journeys/<journey>-<nn>-<step>.png``.
Findings are collected, so one run reports every page's problems; :meth:`Journey.finish`
fails the test if there is any.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field

from tenants.demo import DEMO_PASSWORD
from tests.e2e.conftest import SCREENSHOTS

AXE = pathlib.Path(__file__).with_name("vendor") / "axe.min.js"
SHOTS = SCREENSHOTS / "journeys"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
BLOCKING = ("serious", "critical")

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(1, 2).join(""))
  }));
}"""


@dataclass
class Journey:
    browser: object
    base: str
    name: str
    findings: list[str] = field(default_factory=list)
    visits: int = 0
    minor: int = 0
    _counter: int = 0
    _people: list[Person] = field(default_factory=list)

    def person(self, username: str | None = None, *, portal: bool = False, phone: bool = True) -> Person:
        """Somebody with a browser of their own, logged in as ``username`` (portal or console) unless None."""
        context = self.browser.new_context(**(PHONE if phone else {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}))
        page = context.new_page()
        someone = Person(self, context, page, username or "visitor")
        page.on("pageerror", lambda error: self.findings.append(f"{someone.who}: script error: {error}"))
        page.on(
            "console",
            lambda message: self.findings.append(f"{someone.who}: {message.text}") if "Content Security Policy" in message.text else None,
        )
        self._people.append(someone)
        if username:
            someone.log_in(username, portal=portal)
        return someone

    def shot_name(self, label: str) -> pathlib.Path:
        self._counter += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS / f"{self.name}-{self._counter:02d}-{label}.png"

    def finish(self) -> None:
        for someone in self._people:
            someone.context.close()
        assert self.findings == [], "\n".join(self.findings)


@dataclass
class Person:
    journey: Journey
    context: object
    page: object
    who: str

    @property
    def base(self) -> str:
        return self.journey.base

    def go(self, path: str, label: str | None = None):
        response = self.page.goto(path if path.startswith("http") else f"{self.base}{path}")
        assert response is not None and response.status < 400, f"{self.who}: {path} answered {response and response.status}"
        if label:
            self.step(label)
        return response

    def log_in(self, username: str, *, portal: bool = False) -> None:
        side = "portal" if portal else "console"
        self.page.goto(f"{self.base}/{side}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(re.compile(rf".*/{side}/?$"))
        self.who = username

    def click_through(self, selector: str) -> None:
        """Click something that loads another page and wait for it."""
        self.press(self.page.locator(selector).first)

    def press(self, target) -> None:
        """Click ``target`` (a locator) and wait for the next page; an irreversible action's confirmation dialog
        (``button[data-confirm]``) is checked like a page and confirmed, as the person would."""
        from playwright.sync_api import TimeoutError as Timeout

        try:
            with self.page.expect_navigation(timeout=20_000):
                target.click()
                try:
                    asked = self.page.locator("#confirm-dialog[open]").count() > 0
                except Exception:  # the click already navigates: the page that asked nothing is gone
                    asked = False
                if asked:
                    self.page.click("#confirm-dialog button[value=yes]")
        except Timeout:
            said = self.page.locator(".form-error, .alert.error").evaluate_all("els => els.map(e => e.innerHTML)")
            raise AssertionError(f"{self.who} on {self.page.url}: no next page; the page says {said}") from None

    def step(self, label: str) -> pathlib.Path:
        """Check the page now shown (axe, sideways scroll) and keep its screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"{self.who} on {page.url.removeprefix(self.base)}"
        self.journey.visits += 1
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
                     && !e.closest('.table-wrap')).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""
            )
            self.journey.findings.append(f"{where}: scrolls sideways ({width[0]} > {width[1]} px): {wide}")
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        for v in page.evaluate(_AXE_RUN):
            if v["impact"] in BLOCKING:
                self.journey.findings.append(f"{where}: axe {v['impact']} {v['id']} ({v['help']}): {v['nodes']}")
            else:
                self.journey.minor += 1
        path = self.journey.shot_name(label)
        page.screenshot(path=str(path), full_page=True)
        return path

    def unread(self) -> int:
        """The unread count the header shows (0 when there is no badge)."""
        badge = self.page.locator("#unread-count")
        return int(badge.inner_text()) if badge.count() else 0
