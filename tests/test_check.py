"""Format check (审查) rules, and `assistant check` with similar-proposal detection on the sample corpus."""

from __future__ import annotations

import json

import docx
import pytest

from assistant.drafting.check import check_text, split_sections, suggestion_items, title_subjects
from assistant.cli import main
from assistant.drafting.formats import load_format

from .conftest import CORPUS

PROPOSAL = load_format("proposal")

GOOD = """关于推动社区食堂规范发展的提案
提案人：王某（市政协委员）
界别：社会福利和社会保障界

案由：关于推动社区食堂规范发展的提案

一、情况分析
我市社区食堂发展较快，但布局不均、运营困难、食品安全管理薄弱等问题较为突出。部分食堂因租金和人工成本上涨难以为继，
老年人就餐需求得不到满足。社区食堂多由街道临时委托运营，缺乏统一的准入和退出标准，群众投诉时有发生。
调研中，不少居民反映社区食堂价格偏高、菜品单一，希望增加适合老年人和慢性病人的营养餐。
从全市情况看，中心城区社区食堂相对集中，而新建小区和城郊结合部明显不足，部分老年人需要步行二十分钟以上才能就餐。
同时，社区食堂的补贴政策主要针对建设环节，对日常运营支持不够，导致一些食堂开业不久便停业，群众获得感不强。

二、具体建议
一是制定社区食堂建设运营规范，明确选址、面积、消防和食品安全标准，由市民政局牵头于年内出台。
二是按实际就餐人次给予运营补贴，每餐补助不低于2元，按季度拨付。
三是建立社区食堂“明厨亮灶”平台，接入市场监管部门的智慧监管系统。
四是将社区食堂纳入新建小区配套设施清单，按每千户不少于100平方米配建。

建议承办单位：市民政局、市市场监督管理局
"""


def rules(text: str, fmt=PROPOSAL) -> list[str]:
    return [f.rule for f in check_text(text, fmt)]


def test_a_well_formed_proposal_has_no_findings():
    assert check_text(GOOD, PROPOSAL) == []


def test_every_sample_proposal_passes_the_format_check():
    for path in sorted((CORPUS / "proposals").glob("*.txt")):
        assert check_text(path.read_text(encoding="utf-8"), PROPOSAL) == [], path.name


def test_missing_sections_and_fields_are_named():
    text = GOOD.replace("二、具体建议", "二、下一步").replace("界别：社会福利和社会保障界\n", "")
    findings = check_text(text, PROPOSAL)
    assert {"rule": "section", "message": "缺少“具体建议”部分（可用标题：具体建议、建议、对策建议）。",
            "where": "具体建议"} in [f.to_json() for f in findings]
    assert any(f.rule == "field" and f.where == "界别" for f in findings)


def test_title_must_follow_the_pattern():
    findings = check_text(GOOD.replace("关于推动社区食堂规范发展的提案\n", "社区食堂规范发展问题\n", 1), PROPOSAL)
    assert [f.where for f in findings if f.rule == "title"] == ["标题"]


def test_one_subject_per_proposal():
    mixed = GOOD.replace("关于推动社区食堂规范发展的提案\n", "关于推动社区食堂规范发展、加装电梯以及低空经济发展的提案\n", 1)
    assert "one_subject" in rules(mixed)
    assert title_subjects("关于加强网络订餐和校园周边食品安全监管的提案") == ["加强网络订餐", "校园周边食品安全监管"]
    scattered = GOOD.split("二、具体建议")[0] + """二、具体建议
一是编制低空经济发展规划，建设无人机起降点和低空飞行服务站。
二是保障中小学生每天户外活动不少于2小时，开展视力筛查。
三是拓展数字人民币应用场景，在菜市场布设受理终端。
四是加强外卖骑手职业伤害保障，推动平台企业缴纳保险。

建议承办单位：市发展改革委
"""
    findings = [f for f in check_text(scattered, PROPOSAL) if f.rule == "one_subject"]
    assert findings and findings[0].where.startswith("“具体建议”")


def test_suggestions_must_be_numbered_and_concrete():
    unnumbered = GOOD.split("二、具体建议")[0] + "二、具体建议\n希望有关部门高度重视，进一步加强管理，切实解决群众困难。\n"
    assert "numbered" in rules(unnumbered)
    vague = GOOD.replace("三是建立社区食堂“明厨亮灶”平台，接入市场监管部门的智慧监管系统。", "三是高度重视社区食堂工作，进一步加强管理。")
    findings = [f for f in check_text(vague, PROPOSAL) if f.rule == "concrete"]
    assert [f.where for f in findings] == ["具体建议第3条"]
    assert suggestion_items("一是建立台账。二是明确责任。三是每季度通报。") == ["一是建立台账。", "二是明确责任。", "三是每季度通报。"]


def test_length_bounds():
    short = "关于推动社区食堂规范发展的提案\n提案人：王某\n界别：经济界\n案由：略\n情况分析\n问题突出。\n具体建议\n一是建立规范。\n二是给予补贴。\n三是加强监管。\n建议承办单位：市民政局\n"
    assert "length" in rules(short)
    assert "length" in rules(GOOD + "补充说明。" * 1500)


def test_sections_are_found_under_numbered_and_inline_headings():
    names = [s.spec.name for s in split_sections(GOOD, PROPOSAL)]
    assert names == ["案由", "情况分析", "具体建议", "建议承办单位"]
    report = load_format("social_report")
    text = ("关于城区共享单车乱停放的情况反映\n一、基本情况\n……\n二、存在问题\n……\n三、意见建议\n"
            "一是在地铁站周边划定共享单车停放区，配备电子围栏。\n二是对乱停放用户实行信用管理并扣减信用分。\n反映人：李某\n")
    assert [f.rule for f in check_text(text, report)] == ["data", "length"]  # "……" is neither data nor enough text


def test_unfinished_drafts_are_stopped_placeholders_and_markers():
    unfinished = GOOD.replace("界别：社会福利和社会保障界", "界别：【请填写界别】").replace(
        "老年人就餐需求得不到满足。", "老年人就餐需求得不到满足。[3]【请补充本地数据】")
    findings = {f.rule: f for f in check_text(unfinished, PROPOSAL)}
    assert "【请填写界别】" in findings["placeholder"].message and "第3行" in findings["placeholder"].where
    assert "[3]" in findings["marker"].message


def test_two_unrelated_subjects_and_slogans_are_stopped():
    text = GOOD.replace("关于推动社区食堂规范发展的提案", "关于加强中小学生近视防控和改善城区交通的提案").replace(
        "三是建立社区食堂“明厨亮灶”平台，接入市场监管部门的智慧监管系统。", "三是加强领导，提高认识，形成合力。").replace(
        "四是将社区食堂纳入新建小区配套设施清单，按每千户不少于100平方米配建。", "四是多措并举，切实解决群众反映的突出问题。")
    findings = check_text(text, PROPOSAL)
    assert any(f.rule == "one_subject" and f.where == "标题" and "改善城区交通" in f.message for f in findings)
    assert [f.where for f in findings if f.rule == "concrete"] == ["具体建议第3条", "具体建议第4条"]
    # one subject with two objects of one verb is one matter
    assert not [f for f in check_text(GOOD.replace("关于推动社区食堂规范发展的提案", "关于加强网络订餐和校园周边食品安全监管的提案"),
                                      PROPOSAL) if f.rule == "one_subject" and f.where == "标题"]


def test_a_case_without_data_is_named():
    bare = GOOD.split("一、情况分析")[0] + "一、情况分析\n社区食堂是民生实事，群众十分关心，但目前发展不够规范，存在不少困难和问题，亟需引起重视。\n" \
        + "二、具体建议" + GOOD.split("二、具体建议")[1]
    assert "data" in rules(bare)
    assert "data" not in rules(GOOD)


# -- with the corpus ---------------------------------------------------------------------

REWRITTEN_0066 = """关于盘活单位大院车位、推进夜间错时停车的提案

提案人：许志明（市政协委员，民革江州市委会）
界别：中国国民党革命委员会

案由：关于盘活单位大院车位、推进夜间错时停车的提案

一、情况分析
我市近两年新增了2.4万个公共泊位，智慧停车平台也已上线，可老城片区以及学校、医院附近停车难的问题依然没有根本解决。据调研，这些地方的机关、事业单位和国企大院共有内部车位约1.1万个，白天用得多，夜间和节假日利用率一般不到20%，而周边老小区的居民晚上却没地方停车。
（一）单位不愿共享。担心外来车辆带来安全隐患、增加管理责任，又缺少激励约束。
（二）规则不健全。错时停车的时段、收费、保险、违约怎么处理都没有统一规定。
（三）技术跟不上。大多数单位的道闸没有接入市智慧停车平台，做不到预约、计时和自动离场。

二、具体建议
（一）由机关带头开放。党政机关和财政全额保障的事业单位，在能安全隔离的前提下，夜间（19:00至次日7:30）和法定节假日向周边居民开放内部停车场。
（二）制定错时共享管理办法，统一共享时段、价格上限、超时处置和安全责任，街道与单位、居民与单位分别签订协议。
（三）完善激励措施。共享收入留归单位用于停车设施维护，国企开放效果好的在考核中加分，安装联网道闸给予一次性补助。
（四）共享泊位全部接入市智慧停车平台，实现线上预约、无感支付，超时不离场的纳入停车信用记录。

建议承办单位：市机关事务管理局、市城市管理局、市国资委
"""

UNRELATED = """关于加强古树名木保护管理的提案

提案人：周某（市政协委员）
界别：农业和农村界

案由：关于加强古树名木保护管理的提案

一、情况分析
古树名木是珍贵的自然遗产和活的文物。据普查，全市现有登记在册的古树名木1300余株，其中一级古树86株。近年来部分古树因城市建设挤占生长空间、根系被硬化地面覆盖，长势衰弱，个别古树已经死亡。古树养护经费没有稳定来源，专业养护人员缺乏，病虫害防治和避雷设施配备不到位。

二、具体建议
一是开展新一轮古树名木资源普查，为每株古树建立电子档案和二维码标牌。
二是将古树名木养护经费列入财政预算，按一级古树每株每年不少于5000元标准安排。
三是划定古树保护范围，禁止在树冠投影外5米内硬化地面和堆放杂物。
四是组建古树养护专业队伍，对衰弱古树实施复壮工程，重点古树安装避雷设施。

建议承办单位：市林业局、市自然资源和规划局
"""


@pytest.fixture
def cli_index(corpus_assistant, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBED_CACHE", str(corpus_assistant.settings.embed_cache))
    return str(corpus_assistant.settings.index)


def check_json(capsys, index: str, path) -> dict:
    capsys.readouterr()
    assert main(["check", str(path), "--index", index, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_check_flags_the_original_of_a_rewritten_proposal_as_a_likely_duplicate(cli_index, capsys, tmp_path):
    document = docx.Document()
    for line in REWRITTEN_0066.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "我的提案.docx"
    document.save(path)
    data = check_json(capsys, cli_index, path)
    duplicates = [d for d in data["similar"] if d["verdict"] == "likely_duplicate"]
    assert [d["title"] for d in duplicates] == ["关于推动机关企事业单位停车泊位错时共享的提案"]
    assert duplicates[0]["pairs"] and all({"draft", "existing"} <= set(p) for p in duplicates[0]["pairs"])
    assert data["findings"] == []


def test_cli_check_finds_nothing_similar_for_an_unrelated_topic(cli_index, capsys, tmp_path):
    path = tmp_path / "心理健康.txt"
    path.write_text(UNRELATED, encoding="utf-8")
    data = check_json(capsys, cli_index, path)
    assert [d for d in data["similar"] if d["verdict"] == "likely_duplicate"] == []
    assert data["similar"] == []
