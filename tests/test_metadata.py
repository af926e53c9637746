"""Tests for assistant.metadata on real shared documents and small synthetic examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest.clean import clean_pages
from assistant.ingest.metadata import (
    detect_doc_number,
    detect_metadata,
    find_doc_numbers,
    parse_date,
    title_from_filename,
)
from assistant.ingest.read import ReadError, read_file

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
STATECOUNCIL = SHARED / "statecouncil"


def _meta(path: Path):
    doc = read_file(path)
    return detect_metadata(clean_pages(doc.pages).text, path.name, doc.title_hint)


def _gov(prefix: str) -> Path:
    return next(STATECOUNCIL.glob(f"{prefix}_*"))


@pytest.mark.parametrize(
    ("prefix", "genre", "doc_number", "issuer", "date"),
    [
        ("gov-001", "policy", "国发〔2019〕5号", "国务院", "2019-01-27"),
        ("gov-002", "policy", "国办发〔2019〕6号", "国务院办公厅", "2019-01-22"),
        ("gov-021", "reply", "国办函〔2004〕57号", "国务院办公厅", "2004-08-12"),
        ("gov-025", "reply", "国办函〔2005〕21号", "国务院办公厅", "2005-03-03"),
        ("gov-026", "reply", "国办函〔2006〕82号", "国务院办公厅", "2006-10-18"),
        ("gov-027", "reply", "国办函〔2006〕71号", "国务院办公厅", "2006-09-07"),
        ("gov-030", "reply", "国办函〔2005〕69号", "国务院办公厅", "2005-07-14"),
        ("gov-033", "law", "国务院令第707号", "国务院", "2018-12-18"),
        ("gov-045", "policy", "国函〔1996〕95号", "国务院、中央军委", "1996-11-05"),
        ("gov-058", "law", "国务院令第706号", "国务院", "2018-11-06"),
    ],
)
def test_statecouncil_documents(prefix: str, genre: str, doc_number: str, issuer: str, date: str) -> None:
    path = _gov(prefix)
    meta = _meta(path)
    expected_title = path.stem.split("_", 1)[1]
    assert meta.title == expected_title
    assert meta.genre == genre
    assert meta.doc_number == doc_number
    assert meta.issuer == issuer
    assert meta.date == date
    assert meta.year == int(date[:4])
    assert meta.visibility == "public"


def test_statecouncil_titles_and_numbers_mostly_right() -> None:
    files = sorted(STATECOUNCIL.glob("gov-*.txt"))
    titles = numbers = 0
    for path in files:
        meta = _meta(path)
        titles += meta.title == path.stem.split("_", 1)[1]
        first_lines = path.read_text(encoding="utf-8").split("\n")[:6]
        numbers += bool(meta.doc_number) and any(meta.doc_number.replace("国务院令", "") in line for line in first_lines)
    assert titles / len(files) >= 0.8
    assert numbers / len(files) >= 0.9


def test_pdf_metadata() -> None:
    meta = _meta(SHARED / "pdf" / "发改办财金规〔2019〕860号.pdf")
    assert meta.title == "关于加强个人所得税纳税信用建设的通知"
    assert meta.doc_number == "发改办财金规〔2019〕860号"
    assert meta.genre == "policy"
    assert meta.issuer == "国家发展改革委办公厅、税务总局办公厅"
    assert (meta.date, meta.year) == ("2019-08-20", 2019)


def test_html_metadata() -> None:
    meta = _meta(SHARED / "html" / "11_公共租赁住房保障办法_穗府办规2024-13号.html")
    assert meta.title == "广州市人民政府办公厅关于印发广州市公共租赁住房管理办法的通知"
    assert meta.doc_number == "穗府办规〔2024〕13号"
    assert meta.genre == "policy"
    assert meta.issuer == "广州市人民政府办公厅"
    assert meta.date == "2024-07-26"
    order = _meta(SHARED / "html" / "33_广州市老年人优待办法_政府令179号.html")
    assert (order.title, order.doc_number, order.genre) == ("广州市老年人优待办法", "广州市人民政府令第179号", "law")
    regulation = _meta(SHARED / "html" / "37_市场主体登记管理条例_国务院令746号.html")
    assert regulation.doc_number == "国务院令第746号"
    assert regulation.title == "中华人民共和国市场主体登记管理条例"


def test_laws_metadata() -> None:
    for path in [
        SHARED / "laws" / "宪法相关法" / "立法法(2023-03-13).md",
        SHARED / "laws" / "宪法相关法" / "居民身份证法(2011-10-29).md",
    ]:
        meta = _meta(path)
        assert meta.genre == "law"
        assert meta.title.startswith("中华人民共和国") and meta.title.endswith("法")
        assert meta.year is not None


def test_speech_file() -> None:
    meta = _meta(next((SHARED / "speeches").glob("*.txt")))
    assert meta.genre == "speech"
    assert "发言摘登" in meta.title


def test_doc_number_variants() -> None:
    assert find_doc_numbers("江政办发[2023]12号")[0][1] == "江政办发〔2023〕12号"
    assert find_doc_numbers("穗府办规（2024）13号")[0][1] == "穗府办规〔2024〕13号"
    assert find_doc_numbers("国发【2019】5号")[0][1] == "国发〔2019〕5号"
    assert find_doc_numbers("广州市人民政府令第179号")[0][1] == "广州市人民政府令第179号"
    assert find_doc_numbers("中华人民共和国国务院令\n第746号")[0][1] == "国务院令第746号"
    glued = ["国务院办公厅关于科技节水建议的复函国办函〔2005〕21号", "某某：", "正文引用（国发〔2018〕41号）。"]
    assert detect_doc_number(glued) == "国办函〔2005〕21号"
    body_only = ["关于做好某项工作的通知", "各区：", "根据《某办法》（国发〔2018〕41号），现通知如下。"]
    assert detect_doc_number(body_only) is None


def test_dates_and_filenames() -> None:
    assert parse_date("二〇〇四年八月十二日") == "2004-08-12"
    assert parse_date("一九八一年五月二十三日") == "1981-05-23"
    assert parse_date("2019 年 8 月 20 日") == "2019-08-20"
    assert title_from_filename("gov-001_国务院关于某事的意见.txt") == "国务院关于某事的意见"
    assert title_from_filename("01_招生细则.txt") == "招生细则"
    meta = detect_metadata("", "b3_2023年工作总结.txt")
    assert (meta.title, meta.year, meta.genre) == ("2023年工作总结", 2023, "other")


SYNTHETIC = {
    "proposal": "关于加快发展社区养老服务的提案\n提案人：张三\n案由：社区养老服务供给不足。\n一是加大投入；二是完善政策。",
    "reply": "江州市民政局关于市政协十三届二次会议第45号提案的答复\n江民函〔2024〕33号\n张三委员：\n您提出的《关于加快发展社区养老服务的提案》收悉。经研究，现答复如下：\n一、加大投入。",
    "social_report": "社情民意信息\n关于农村留守老人照护问题的反映\n近期调研发现，部分农村留守老人缺乏照护。",
    "consultation": "关于推进老旧小区改造的协商建议\n市政协专题协商会围绕老旧小区改造开展协商。",
    "law": "# 江州市养犬管理条例\n## 第一章 总则\n第一条 为了规范养犬行为，制定本条例。\n第二条 本条例适用于本市。\n第三条 市公安机关负责实施。",
    "policy": "江州市人民政府办公室关于印发江州市养老服务补贴办法的通知\n江政办发〔2023〕12号\n各区人民政府：\n现将《江州市养老服务补贴办法》印发给你们。\n第一条 为规范补贴。\n第二条 适用范围。\n第三条 补贴标准。\n江州市人民政府办公室\n2023年5月16日",
    "speech": "在全市政协工作会议上的讲话\n同志们：\n今天我们召开会议，总结工作。",
    "other": "江州市天气概况\n今年降水偏多。",
}


@pytest.mark.parametrize("genre", sorted(SYNTHETIC))
def test_synthetic_genres(genre: str) -> None:
    assert detect_metadata(SYNTHETIC[genre], f"{genre}.txt").genre == genre


def test_synthetic_policy_fields() -> None:
    meta = detect_metadata(SYNTHETIC["policy"], "x.txt")
    assert meta.title == "江州市人民政府办公室关于印发江州市养老服务补贴办法的通知"
    assert meta.doc_number == "江政办发〔2023〕12号"
    assert meta.issuer == "江州市人民政府办公室"
    assert (meta.date, meta.year) == ("2023-05-16", 2023)
    reply = detect_metadata(SYNTHETIC["reply"], "r.txt")
    assert reply.issuer == "江州市民政局"
    assert reply.doc_number == "江民函〔2024〕33号"
    assert reply.year == 2024


def test_two_line_title_with_headers() -> None:
    text = "特急\n江州市住房和城乡建设局\n关于进一步加强物业管理\n工作的通知\n江建发〔2024〕7号\n（此件公开发布）\n各县区：\n正文。\n2024年3月1日"
    meta = detect_metadata(text, "x.txt", title_hint="网站首页")
    assert meta.title == "关于进一步加强物业管理工作的通知"
    assert meta.doc_number == "江建发〔2024〕7号"
    assert meta.date == "2024-03-01"


def test_title_stops_before_issue_field_and_organisation_lines():
    report = "农村独居老人吃饭难问题值得关注\n某市政协社情民意信息2023年第31期\n反映人：某某\n\n一、基本情况\n正文。"
    assert detect_metadata(report, "r.txt").title == "农村独居老人吃饭难问题值得关注"
    record = "协商议事会协商纪要——某小区加装电梯\n\n某区委员联络组\n2024年9月\n\n议题：低层住户意见分歧如何化解\n"
    assert detect_metadata(record, "c.txt").title == "协商议事会协商纪要——某小区加装电梯"
    speech = "为新就业形态劳动者织密社会保障网\n某市政协十四届四次会议大会发言摘要\n发言人：某某\n正文。"
    assert detect_metadata(speech, "s.txt").title == "为新就业形态劳动者织密社会保障网"


# -- every file: titles, issuers, dates and genres a member sees everywhere --------------------------

import random  # noqa: E402
import re  # noqa: E402

from assistant.ingest.metadata import split_issuers, strip_masthead  # noqa: E402

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
_MASTHEAD_IN_TITLE = re.compile(r"政协[\u4e00-\u9fff]{0,20}(?:会议|社情民意信息?)$|社情民意信息$|(?:19|20)\d{2}年第\d+期|大会发言摘要$")
_CHROME_IN_TITLE = re.compile(r"https?:|\]\(|您当前所在|当前位置|长者专区")
_GLUED_ISSUERS = re.compile(r"(?:局|委员会|委|厅|办公室|政府|公司|部)(?=江州|广州|国家|国网|中共)")
_LABELLED_DATE = re.compile(r"^(?:报送|成文|印发|提交)日期[:：]\s*((?:19|20)\d{2})年", re.M)


def _every_file() -> list[Path]:
    files = [p for p in sorted(CORPUS_DIR.rglob("*")) if p.is_file()]
    for name in ("statecouncil", "html", "pdf", "speeches", "reports"):
        files += [p for p in sorted((SHARED / name).rglob("*")) if p.is_file()]
    laws = [p for p in sorted((SHARED / "laws").rglob("*.md"))]
    files += random.Random(11).sample(laws, 100)
    return [p for p in files if not p.name.endswith(".reference.txt")]


def test_titles_issuers_dates_and_genres_of_every_file_are_clean() -> None:
    problems = []
    for path in _every_file():
        try:
            doc = read_file(path)
        except ReadError:
            continue  # an empty or unreadable file has no metadata to judge
        text = clean_pages(doc.pages).text
        meta = detect_metadata(text, path.name, doc.title_hint)
        where = f"{path.parent.name}/{path.name}: {meta.title!r} / {meta.issuer!r}"
        if not meta.title or len(meta.title) > 100:
            problems.append(f"{where}: empty or overlong title")
        if _MASTHEAD_IN_TITLE.search(meta.title):
            problems.append(f"{where}: masthead, issue or meeting line in the title")
        if _CHROME_IN_TITLE.search(meta.title) or re.search(r"\d{4}-\d+号$", meta.title):
            problems.append(f"{where}: page chrome or file-name 文号 in the title")
        issuers = meta.extra.get("issuers") or ([meta.issuer] if meta.issuer else [])
        if meta.issuer and "、".join(issuers) != meta.issuer:
            problems.append(f"{where}: issuer string and issuers list disagree")
        if any(_GLUED_ISSUERS.search(issuer) for issuer in issuers):
            problems.append(f"{where}: two issuers glued together")
        labelled = _LABELLED_DATE.search("\n".join(text.split("\n")[:15]))
        if labelled and meta.year != int(labelled.group(1)):
            problems.append(f"{where}: 报送/成文/提交日期 {labelled.group(1)} not read (year {meta.year})")
        if meta.date and meta.year != int(meta.date[:4]):
            problems.append(f"{where}: year {meta.year} disagrees with date {meta.date}")
        if path.parent.name == "speeches" and meta.genre != "speech":
            problems.append(f"{where}: speech filed as {meta.genre}")
    assert problems == []


def test_masthead_and_issuer_helpers() -> None:
    assert strip_masthead("关于提升城市排水防涝能力解决城市内涝问题的提案江州市政协十四届三次会议") == \
        "关于提升城市排水防涝能力解决城市内涝问题的提案"
    assert strip_masthead("农村独居老人吃饭难问题值得关注江州市政协社情民意信息") == "农村独居老人吃饭难问题值得关注"
    assert strip_masthead("全省政协工作经验交流会发言摘登（下）") == "全省政协工作经验交流会发言摘登（下）"
    assert split_issuers("江州市教育局江州市卫生健康委员会") == ["江州市教育局", "江州市卫生健康委员会"]
    assert split_issuers("江州市发展和改革委员会江州市住房和城乡建设局国网江州供电公司") == [
        "江州市发展和改革委员会", "江州市住房和城乡建设局", "国网江州供电公司"]
    assert split_issuers("江州市发展和改革委员会（江州市营商环境建设局）") == ["江州市发展和改革委员会（江州市营商环境建设局）"]
    assert split_issuers("国务院办公厅、中央军委办公厅") == ["国务院办公厅", "中央军委办公厅"]
    assert split_issuers("江州市人民政府办公室") == ["江州市人民政府办公室"]


def test_mastheads_labelled_dates_several_issuers_and_speeches_in_detected_metadata() -> None:
    report = ("关于城区飞线充电的情况反映江州市政协社情民意信息\n2024年第9期\n反映人：某某\n报送日期：2025年4月2日\n"
              "基本情况\n正文。")
    meta = detect_metadata(report, "r.txt")
    assert (meta.title, meta.genre, meta.date, meta.year) == ("关于城区飞线充电的情况反映", "social_report", "2025-04-02", 2025)
    joint = ("江州市教育局江州市卫生健康委员会关于加强中小学生近视防控工作的通知\n江教发〔2024〕3号\n各区：\n正文。\n"
             "江州市教育局\n江州市卫生健康委员会\n2024年3月1日")
    meta = detect_metadata(joint, "j.txt")
    assert meta.issuer == "江州市教育局、江州市卫生健康委员会"
    assert meta.extra["issuers"] == ["江州市教育局", "江州市卫生健康委员会"]
    speech = "以文旅融合赋能乡村振兴\n江州市政协十四届三次会议大会发言摘要\n发言人：某某\n2024年1月12日\n各位委员：\n正文。"
    meta = detect_metadata(speech, "s.txt")
    assert (meta.title, meta.genre, meta.year) == ("以文旅融合赋能乡村振兴", "speech", 2024)


def test_a_proposal_and_a_social_conditions_report_are_known_by_their_numbers() -> None:
    proposal = ("关于推进智慧停车建设的提案\n江州市政协十四届二次会议\n提案号：第0211号\n提案者：某某\n"
                "提交日期：2023年1月11日\n案由：关于推进智慧停车建设的提案\n一、情况分析\n正文。")
    meta = detect_metadata(proposal, "p.txt")
    assert (meta.genre, meta.doc_number) == ("proposal", "第0211号")
    report = "关于外卖骑手交通安全的建议\n江州市政协社情民意信息\n2025年第18期（总第236期）\n反映人：某某\n报送日期：2025年4月16日\n正文。"
    assert detect_metadata(report, "r.txt").doc_number == "2025年第18期，总第236期"
    cited = "关于某事的情况反映\n江州市政协社情民意信息\n反映人：某某\n正文引用了2024年第9期的内容。"
    assert detect_metadata(cited, "c.txt").doc_number is None  # an issue cited in the body is not its own
