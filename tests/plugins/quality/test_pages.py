"""quality's console and portal pages without a browser: each audience finds the demo's work on its pages, in
Chinese and English, and the forms go through the same rules as the API."""

from __future__ import annotations

import re

import pytest

from tests.core.test_web import HTML, csrf_of, sign_in


@pytest.fixture
def web(client):
    client.follow_redirects = False
    return client


async def _ok(web, path: str, *markers: str, lang: str = "zh-CN") -> str:
    r = await web.get(path, params={"lang": lang}, headers=HTML)
    assert r.status_code == 200, (path, r.status_code, r.text[:2000])
    for marker in markers:
        assert marker in r.text, (path, marker)
    return r.text


async def test_the_district_pages_show_the_demo_period_scheme_plans_and_desk(web, city):
    await sign_in(web, "district-1-admin")
    a1 = city.compounds["A1"]
    await _ok(web, "/console/quality/schemes", "文峰区红色物业服务质量考核方案", "指标库", "检查考核得分")
    periods = await _ok(web, "/console/quality/periods", "已发布")
    period = re.search(r'href="(/console/quality/periods/[0-9a-f-]+)"', periods).group(1)
    text = await _ok(web, period, "红城·幸福家园", "安居·东关花园", "★", "区内排名")
    assert 'id="move-compute"' not in text  # published: frozen
    await _ok(web, "/console/quality/inspection-plans", "月度随机抽查", "公共区域及楼道保洁")
    await _ok(web, "/console/quality/rectifications", "ZG", "已退回")
    await _ok(web, "/console/quality/surveys", "物业服务满意度问卷（标准版）")
    await _ok(web, "/console/quality/loop", 'id="chart-flow"', 'id="chart-stars"', "<svg")
    await _ok(web, f"/console/compounds/{a1}/quality/loop", 'id="chart-months"', 'id="chart-categories"')
    await _ok(web, f"/console/compounds/{a1}/quality/surveys", "年度物业服务满意度测评")
    inspections = await _ok(web, f"/console/compounds/{a1}/quality/inspections", "记录检查", "消防通道畅通")
    inspection = re.search(rf'href="(/console/compounds/{a1}/quality/inspections/[0-9a-f-]+)"', inspections).group(1)
    await _ok(web, inspection, "2号楼消防通道堆放电动车和纸箱")
    for lang, marker in (("en", "Evaluation schemes"), ("zh-CN", "考核方案")):
        await _ok(web, "/console/quality/schemes", marker, lang=lang)
    await _ok(web, period, "Rank in the district", lang="en")


async def test_the_operator_answers_the_returned_item_and_reads_its_scores(web, city):
    await sign_in(web, "ent-a-admin")
    a1 = city.compounds["A1"]
    desk = await _ok(web, "/console/quality/rectifications", "已退回")
    notice = re.search(rf'href="(/console/compounds/{a1}/quality/rectifications/[0-9a-f-]+)"', desk).group(1)
    page = await _ok(web, notice, "复查时2单元仍有小广告", "整改情况")
    item = re.search(rf'action="({notice}/items/[0-9a-f-]+/answer)"', page).group(1)
    r = await web.post(item, data={"answer": "已清除全部小广告并拍照", "_csrf": csrf_of(page)}, headers=HTML)
    assert r.status_code == 303, r.text
    await _ok(web, notice, "已清除全部小广告并拍照", "已答复")
    await _ok(web, "/console/quality/scores", "红城·幸福家园", "考核结果")
    r = await web.get("/console/quality/schemes", headers=HTML)
    assert r.status_code == 200 and "文峰区红色物业服务质量考核方案" not in r.text  # the schemes page lists the caller's tenant's schemes


async def test_a_resident_answers_the_open_survey_on_the_portal_and_sees_the_stars(web, city):
    await sign_in(web, "resident-a1")
    home = await _ok(web, "/portal/quality", "年度物业服务满意度测评", "★", "红城·幸福家园")
    link = re.search(r'href="(/portal/compounds/[0-9a-f-]+/quality/surveys/[0-9a-f-]+)"', home).group(1)
    form = await _ok(web, link, "门岗与巡逻安保", "最希望改进的方面")
    data = {
        "cleaning": "5",
        "security": "4",
        "greening": "4",
        "repairs": "3",
        "desk": "5",
        "party": "5",
        "improve": ["停车管理", "夜间照明"],
        "_csrf": csrf_of(form),
    }
    r = await web.post(link, data=data, headers=HTML)
    assert r.status_code == 303, r.text
    again = await _ok(web, link)
    assert 'value="停车管理" checked' in again and 'value="4" id="security-4" checked' in again  # the household's answers come back
    bad = await web.post(link, data={**data, "security": "9", "_csrf": csrf_of(again)}, headers=HTML)
    assert bad.status_code == 422 and "answers.security" in bad.text


async def test_pages_refuse_who_may_not_see_them(web, city):
    await sign_in(web, "resident-a1")
    assert (await web.get("/console/quality/periods", headers=HTML)).status_code in (302, 303, 403)
    await sign_in(web, "ent-a-staff")
    assert (await web.get("/console/quality/inspection-plans", headers=HTML)).status_code == 403
