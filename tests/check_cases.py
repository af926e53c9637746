"""Seeded cases for the format check (审查): clean drafts and drafts with one known defect each.

Clean drafts are the team's sample proposals and 社情民意信息 in ``corpus/`` plus the drafts below; each defect
is a transformation of a clean draft (a placeholder left in, a ``[n]`` marker, two matters in the title, slogans
instead of measures, a missing section, a 案由 without data, unnumbered suggestions, suggestions on other
subjects). Used by ``tests/test_check_cases.py`` (the format rules only) and ``scripts/bench_drafting.py``
(which adds near-copies of existing proposals for 查重).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.drafting.check import _DATA  # what counts as data: the case removes every bit of it

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@dataclass(frozen=True)
class CheckCase:
    name: str
    kind: str
    text: str
    expect: tuple[str, ...]  # finding rules that must be reported; () for a clean draft


OWN_DRAFTS = {
    "社区食堂": ("proposal", """关于推动社区食堂规范发展的提案
提案人：王某（市政协委员）
界别：社会福利和社会保障界

案由：关于推动社区食堂规范发展的提案

一、情况分析
我市现有社区食堂126家，日均就餐约1.8万人次，但布局不均、运营困难、食品安全管理薄弱等问题较为突出。
去年有17家社区食堂因租金和人工成本上涨停业，老年人就餐需求得不到满足。社区食堂多由街道临时委托运营，
缺乏统一的准入和退出标准，群众投诉时有发生。中心城区社区食堂相对集中，而新建小区和城郊结合部明显不足，
部分老年人需要步行二十分钟以上才能就餐。补贴政策主要针对建设环节，对日常运营支持不够，群众获得感不强。

二、具体建议
一是制定社区食堂建设运营规范，明确选址、面积、消防和食品安全标准，由市民政局牵头于年内出台。
二是按实际就餐人次给予运营补贴，每餐补助不低于2元，按季度拨付。
三是建立社区食堂“明厨亮灶”平台，接入市场监管部门的智慧监管系统。
四是将社区食堂纳入新建小区配套设施清单，按每千户不少于100平方米配建。

建议承办单位：市民政局、市市场监督管理局、市财政局
"""),
    "公交接驳": ("proposal", """关于优化轨道交通站点公交接驳的提案
提案人：李某（市政协委员）
界别：经济界

案由：关于优化轨道交通站点公交接驳的提案

一、情况分析
我市已开通地铁线路4条、车站86座，日均客运量约65万人次。调研发现，约三成车站500米范围内没有公交站点，
部分换乘需步行10分钟以上；早晚高峰公交与地铁首末班时间不衔接，末班地铁到站后周边公交已停运；
部分站点出入口缺少非机动车停放区，共享单车堆放占用人行道。乘客满意度调查中，“换乘不方便”位列不满意事项第一位。
城郊新建片区的居民反映，从小区到最近的地铁站没有直达公交，只能依靠电动自行车或网约车，通勤成本每月增加200元以上。

二、具体建议
一是由市交通运输局牵头编制轨道交通站点接驳规划，对距公交站点超过300米的车站增设或迁移公交站点。
二是建立公交与地铁运营时刻联动机制，末班公交发车时间不早于末班地铁到站后15分钟。
三是在每个地铁站出入口50米范围内施划非机动车停放区，配建电子围栏。
四是开通社区至地铁站的“微循环”公交线路，年内试点10条。

建议承办单位：市交通运输局、市城市管理局、市轨道交通集团
"""),
    "楼道充电": ("social_report", """关于老旧小区电动自行车楼道充电隐患的情况反映

基本情况
近期对东湖区、临江区8个老旧小区的走访发现，约四成住户把电动自行车推进楼道或家中充电，
夜间楼道内插线板、飞线随处可见。今年以来全市发生电动自行车火灾23起，其中15起发生在老旧小区。
这些小区多建于上世纪九十年代，楼道狭窄、只有一个出口，一旦起火，浓烟会迅速封堵逃生通道，后果不堪设想。

存在问题
一是集中充电设施不足，8个小区仅有充电桩46个，远不能满足需求。
二是物业管理缺位，多数老旧小区无物业，楼道堆放无人劝阻。
三是充电收费偏高，部分充电桩每度电收费超过1.5元，居民宁愿在家充电。

意见建议
一是由区住房城乡建设部门牵头，在老旧小区改造中按每百户不少于10个的标准配建集中充电设施。
二是由消防救援部门会同街道开展楼道飞线充电专项整治，每季度通报一次。

反映人：赵某（市政协委员）
"""),
}

UNRELATED_ITEMS = ("一是编制低空经济发展规划，建设无人机起降点和低空飞行服务站。\n"
                   "二是保障中小学生每天户外活动不少于2小时，开展视力筛查。\n"
                   "三是拓展数字人民币应用场景，在菜市场布设受理终端。\n")
SLOGANS = ("一是加强领导，提高认识，形成工作合力。", "二是多措并举，切实解决群众反映的突出问题。")


def _defects(name: str, kind: str, text: str) -> list[CheckCase]:
    """One case per defect that applies to ``text``."""
    lines = text.splitlines()
    title = lines[0]
    cases = []

    def add(defect: str, changed: str, *expect: str) -> None:
        if changed != text:
            cases.append(CheckCase(f"{name}/{defect}", kind, changed, expect))

    body = [i for i, line in enumerate(lines) if len(line) > 30 and not re.match(r"^\s*(?:[一二三四五六七八九十]+是|\d)", line)]
    if body:
        first = lines[body[0]]
        add("placeholder", text.replace(first, first + "【请补充本地数据】", 1), "placeholder")
        add("marker", text.replace(first, re.sub(r"。", "。[2]", first, count=1), 1), "marker")
    if kind == "proposal" and title.endswith("的提案") and re.match(r"^关于(?:推动|推进|加强|加快|完善|提升|优化|建立|规范|破解|做实|深化|妥善|加大|为)", title):
        for other in ("加强中小学生近视防控", "改善城区交通微循环"):
            if not set(other[2:]) & set(title):  # a matter sharing nothing with the title's
                add("two_subjects_title", text.replace(title, title.replace("的提案", f"和{other}的提案")), "one_subject")
                break
    heading = next((line for line in lines if re.match(r"^\s*(?:[一二三四]、)?(?:具体建议|意见建议|建议)\s*$", line)), None)
    after = lines.index(heading) if heading else 0
    items = [line for line in lines[after:] if re.match(r"^\s*[一二三四五六七八九十]是", line)]
    if len(items) >= 3:
        off = text
        for item, new in zip(items[-3:], UNRELATED_ITEMS.splitlines()):
            off = off.replace(item, re.match(r"^\s*[一二三四五六七八九十]是", item).group() + new[2:], 1)
        add("unrelated_suggestions", off, "one_subject")
        vague = text
        for item, new in zip(items[:2], SLOGANS):
            vague = vague.replace(item, re.match(r"^\s*[一二三四五六七八九十]是", item).group() + new[2:], 1)
        add("slogans", vague, "concrete")
        unnumbered = text
        for item in items:
            unnumbered = unnumbered.replace(item, re.sub(r"^\s*[一二三四五六七八九十]是", "", item), 1)
        add("unnumbered", unnumbered, "numbered")
    if heading:
        add("missing_section", text.replace(heading + "\n", "", 1), "section")
        vague = "这一问题群众反映强烈，社会关注度高，亟需引起有关部门重视，采取有力措施加以解决。"
        before = [line for line in lines[1:after] if len(line) > 20 and not re.match(r"^[\u4e00-\u9fff]{2,6}[：:]", line)]
        no_data = text
        for line in before:
            no_data = no_data.replace(line, vague if _DATA.search(line) else line, 1)
        if not _DATA.search("\n".join(no_data.splitlines()[1:after])):
            add("no_data", no_data, "data")
    return cases


def clean_cases() -> list[CheckCase]:
    cases = [CheckCase(f"own/{name}", kind, text, ()) for name, (kind, text) in OWN_DRAFTS.items()]
    for path in sorted((CORPUS / "proposals").glob("*.txt")):
        cases.append(CheckCase(f"corpus/{path.stem[:9]}", "proposal", path.read_text(encoding="utf-8"), ()))
    return cases


def defect_cases() -> list[CheckCase]:
    cases = []
    for name, (kind, text) in OWN_DRAFTS.items():
        cases += _defects(f"own/{name}", kind, text)
    for path in sorted((CORPUS / "proposals").glob("*.txt"))[:6]:
        cases += _defects(f"corpus/{path.stem[:9]}", "proposal", path.read_text(encoding="utf-8"))
    return cases


def near_copy(text: str) -> str:
    """A lightly reworded copy of a proposal: title and wording touched, suggestions in another order."""
    lines = text.splitlines()
    title = lines[0].replace("关于", "关于进一步", 1)
    items = [line for line in lines if re.match(r"^\s*[一二三四五六七八九十]是", line)]
    body = "\n".join(lines[1:]).replace("我市", "本市").replace("建议", "提议")
    for old, new in zip(items, reversed(items)):
        body = body.replace(old, "\0" + new[2:], 1)
    numbers = iter("一二三四五六七八九十")
    body = re.sub("\0", lambda m: next(numbers) + "是", body)
    return f"{title}\n{body}"


def duplicate_cases() -> list[CheckCase]:
    """Near-copies of sample proposals: 查重 must call the original a likely duplicate (needs the index)."""
    cases = []
    for pattern in ("2024-0123_*", "2023-0087_*", "2025-0066_*", "2024-0233_*"):
        path = next((CORPUS / "proposals").glob(pattern))
        cases.append(CheckCase(f"near_copy/{path.stem}", "proposal", near_copy(path.read_text(encoding="utf-8")),
                               ("duplicate",)))
    return cases
