"""Evidence for an answer: which sentences of the retrieved passages answer the question.

Pure functions. A passage is cut into *units* — a sentence; a sentence that ends with "：" together
with the items that follow it (even past the chunk's end); a short article (第X条) whole; a table
row with its header. Units that are not statements (mastheads, salutations, closing formulas,
contact lines, dates alone, bare headings, markup, instructions addressed to the reader) are
never quoted. Units are scored against the question's content terms weighted by their rarity in
the corpus (IDF: a word every document contains carries almost nothing), with a bonus for the
kind of fact asked for (an amount, a date, a department); passages contribute only when they are
about as relevant as the best one, so most answers come from one or two documents.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.ingest.metadata import is_periodical_masthead
from assistant.models import SearchHit
from assistant.numerals import cn_number, parse_cn_number

_PLAIN_WORDS = Path(__file__).resolve().parents[1] / "data" / "plain_words.txt"

# -- what the question asks for ------------------------------------------------------------

_ASKS_AMOUNT = re.compile(r"多少|几[个名台人项次元万年天月岁家所条]|比例|标准|金额|额度|上限|下限|最高|最低|多大|多长|多少钱|几成|费用|补助|补贴|奖励|多高|多久")
_ASKS_TIME = re.compile(r"什么时候|何时|哪一?年|几月|日期|时间|期限|截止|多久|时限|起施行|什么时间|哪天|几号")
_ASKS_WHO = re.compile(r"哪个部门|哪些部门|谁|由谁|哪家|哪个单位|哪些单位|牵头|负责|主管|承办")

_NUMBER_UNIT = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万元|亿元|元|万|亿|%|‰|台|个|人|户|天|日|年|月|周|小时|工作日|分|岁|平方米|米|公里|倍|项|家|所|张|次|间|套|辆|件|批|名|周岁)"
    r"|[一二三四五六七八九十百千两]+(?:个|天|年|月|周|人|倍|项|名|次|万元|元)"
    r"|百分之[一二三四五六七八九十百点]+")
_DATE = re.compile(r"\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日|\d{4}年(?:底|前|起|内)|自.{2,20}起")
_ORG = re.compile(r"[\u4e00-\u9fff]{2,16}?(?:局|委员会|委|厅|办公室|办|部|中心|院|政府|公司|银行|街道|所)")


_MEASURE_WORDS = "万元|元|个工作日|工作日|个|名|台|人|户|天|年|月|周|岁|次|分|小时|项|家|所|倍|条"
_ASKED_UNIT = re.compile(rf"(?:多少|几)({_MEASURE_WORDS})")
_ASKS_MONEY = re.compile(r"多少钱|[补奖]多少|费(?!率)|补助|补贴|津贴|奖励|资助|工资|收入|资金|保险金|养老金|价格|金额|标准是多少")


@dataclass(frozen=True)
class Wants:
    """The kind of fact a question asks for; ``unit`` the measure it names ("多少人" → 人, money → 元)."""

    amount: bool = False
    time: bool = False
    who: bool = False
    unit: str = ""
    framing: bool = False  # asks about a rule's purpose, scope or commencement


def question_wants(question: str) -> Wants:
    asked = _ASKED_UNIT.search(question)
    unit = asked.group(1) if asked else ("元" if _ASKS_MONEY.search(question) else "")
    return Wants(bool(_ASKS_AMOUNT.search(question)), bool(_ASKS_TIME.search(question)),
                 bool(_ASKS_WHO.search(question)), unit, bool(_ASKS_FRAMING.search(question)))


QUESTION_WORD = re.compile(r"几|啥|哪|谁|什么|怎|多少|多大|多久|多长|多高")
_ASKS_FIGURE = re.compile(rf"(?:多少|几)(个月|人次|亿元|{_MEASURE_WORDS}|张|批|辆|套|间|块|亩|平方米|份|起|件|座|栋|吨|公斤|千克|公里|"
                          rf"平方公里|公顷|立方米|千瓦|笔|枚|篇|册|株|艘|架|部|场|处|本|首)?|多久|多长时间|多大(?:比例|比重|占比|幅度)")
# a sum of money named right after "多少" and ending there ("加班补助？", "会费的标准"), not a noun it qualifies ("补贴对象")
_MONEY_NOUN = re.compile(r"^[\u4e00-\u9fff]{0,5}?(?:费|补助|补贴|津贴|工资|奖金|奖励|资金|罚款|保险金|养老金|抚恤金|经费|投资|价格|租金)(?![\u4e00-\u9fff](?<![是呢吗的啊了呀和]))")
_SAME_MEASURE = {"天": "天|日|个工作日|工作日", "日": "天|日|个工作日|工作日", "工作日": "工作日|天|日", "个工作日": "工作日|天|日",
                 "岁": "岁|周岁", "人": "人|名|人次", "名": "人|名", "月": "个月|月", "个月": "个月|月", "个": "个|家|所|项|名|条",
                 "家": "家|户|所", "户": "户|家", "份": "份|项", "万元": "万元|亿元|元", "元": "元|万元|亿元|%", "亿元": "亿元|亿",
                 "人次": "人次|万人次"}
_ASKS_SHARE = re.compile(r"幅度|比例|比重|占比|[^效]率")
_SHARE = "%|％|成|倍|百分点"
_PERCENT = "%|％|百分点"
_TIME_SPAN = "天|日|个工作日|工作日|个月|月|年|周|小时|分钟"
_NUMBER = r"[\d一二三四五六七八九十百千万两半]"
_NOT_ORDINAL = r"(?<![第\d.．一二三四五六七八九十百千万两半])"  # "第八十条", "第5条", "22." number things, they do not count them


_ASKS_WHO_SETS = re.compile(r"[^，,？?。]{0,2}(?:由谁|谁来|由哪)")
_IDENTIFIER = re.compile(r"(?:文号|编号|号码|电话|邮编|代码|网址|账号)[是为]?$")
_COUNTED = ("个", "家", "项", "所", "条")
_ENUMERATION = re.compile(r"(?:[^、，,。；：:\s]{1,12}、){3,}[^、，,。；：:\s]{1,12}")  # four names or more


@dataclass(frozen=True)
class AskedFigure:
    """A question asking for a figure ("多少张", "补助多少", "多久"): ``label`` as the question says it,
    ``measure`` the units that may carry the answer (empty: any number)."""

    label: str
    measure: str

    def found_in(self, text: str) -> bool:
        if not self.measure:  # any number of something ("1.4万人", "三千余名"), not "十四届" or "一是"
            return bool(re.search(rf"{_NOT_ORDINAL}(?:\d+(?![\d.．、]*[.．、](?!\d))(?!(?:[.．]\d+){{2}})(?!\d*[年月日号〕])|[一二三四五六七八九十百千两]+(?:余|多)?(?:万|亿|千|百)?(?:余|多)?"
                                  rf"(?:{_MEASURE_WORDS}|张|批|辆|套|间|块|亩|份|起|件|座|栋|吨|位|只|头|种|类|人次|倍|届|期|轮))", text))
        if self.label.startswith("几") and self.measure.split("|")[0] in _COUNTED and _ENUMERATION.search(text):
            return True  # "由几个部门组成" is answered by naming them (a few, not "多少")
        if self.measure == _TIME_SPAN and re.search(r"每(?:周|月|年|日|天|季度|学期)", text):
            return True  # "多长时间举行一次" is answered by "每周举行一次"
        share = "|百分之|分之[一二三四五六七八九十]|半数|一半" if "%" in self.measure else ""  # "百分之十", "五分之一"
        return bool(re.search(rf"{_NOT_ORDINAL}{_NUMBER}+(?:\.\d+)?\s*(?:余|多)?(?:万|亿)?(?:余|多)?个?(?:{self.measure}){share}", text))


def asked_figure(question: str) -> AskedFigure | None:
    """The figure a question asks for, when it asks for one in so many words; None otherwise.
    "补助多少", "每月发多少" ask for money; "多少游客" for a count of anything; "几号", "几月" for a date."""
    for match in _ASKS_FIGURE.finditer(question):
        text, unit = match.group(0), match.group(1)
        after = question[match.end() : match.end() + 1]
        if question[max(0, match.start() - 3) : match.start()] == "百分之" or after in ("%", "％"):
            return AskedFigure(text, _PERCENT)  # "占百分之几", "百分之多少的企业": a percentage
        before1 = question[max(0, match.start() - 1) : match.start()]
        if before1 in ("哪", "第") or (text.startswith("几") and before1 in "好十"):
            continue  # "哪几项" asks for a list, "第几届" an ordinal; "好几个", "十几个" ask nothing
        if _ASKS_WHO_SETS.match(question[match.end() : match.end() + 6]):
            continue  # "减多少由谁来定" asks who decides the amount
        if _IDENTIFIER.search(question[max(0, match.start() - 6) : match.start()]):
            return None  # "文号是多少", "电话是多少": an identifier, not a figure
        if text in ("多久", "多长时间"):
            return AskedFigure(text, _TIME_SPAN)
        if text.startswith("多大"):
            return AskedFigure(text, _SHARE)  # "占多大比例": a percentage
        if unit:
            return AskedFigure(text, _SAME_MEASURE.get(unit, re.escape(unit)))
        if text == "几" and after in "号月点时":
            continue  # a date or an hour, not a figure
        if money_named(question[match.end():]):
            return AskedFigure(text, _SAME_MEASURE["元"])  # "发多少加班补助", "交多少会费": money
        if re.match(r"[\u4e00-\u9fff]", after) and not re.match(r"[钱是呢啊了]", after):
            return AskedFigure(text, "")  # "多少游客": a count
        before = question[max(0, match.start() - 8) : match.start()]
        if _ASKS_SHARE.search(before):
            return AskedFigure(text, _SHARE)  # "降价幅度是多少": a percentage
        if after == "钱" or _ASKS_MONEY.search(before + text):
            return AskedFigure(text + ("钱" if after == "钱" else ""), _SAME_MEASURE["元"])
        return AskedFigure(text, "")
    return None


def money_named(after: str) -> str:
    """The sum of money named right after "多少" ("加班补助", "会费", "建设补贴资金"); "" when none is
    (a count: "补贴对象")."""
    named = _MONEY_NOUN.match(after)
    return named.group(0) if named else ""


def _has_amount_in(unit_text: str, measure: str) -> bool:
    """A number followed by the asked measure ("2000人", "120元", "五万元")."""
    measure = measure.removeprefix("个") if measure not in ("个",) else measure
    return bool(re.search(rf"[\d一二三四五六七八九十百千万两]\s*(?:万|亿)?{re.escape(measure)}", unit_text))


# -- units -----------------------------------------------------------------------------------

_ENUM = r"(?:第[一二三四五六七八九十百零〇\d]+[章节条款项]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+[、．.]|\d{1,2}[.、．](?!\d)|[①-⑳])"
_HEADING_START = re.compile(rf"^\s*{_ENUM}")
_ITEM_START = re.compile(rf"^\s*(?:{_ENUM}|[一二三四五六七八九十]是(?=[\u4e00-\u9fff]))")  # …and "四是建立…制度。聘请…"
_ARTICLE_START = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+条")
_SECTION_START = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+[章节编]")
_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』）)]*|\n|$)")
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_TABLE_CELL_SEP = " | "

# Statements that are not answers: formulas of replies and letters, contact and filing lines.
_FORMULA = re.compile(
    r"收悉|现答复如下|现将.{0,12}答复如下|感谢您|感谢你|欢迎继续|联系人|联系电话|联系方式|邮政编码|此件公开发布|此件不公开|"
    r"特此(?:通知|函复|答复|报告|公告)|现印发给你们|请遵照执行|请认真贯彻|请结合实际|^抄(?:送|报)|抄(?:送|报)[:：]|印发日期|报送日期|成文日期|"
    r"签发人|^类别[:：]|^附件\s*\d*[:：]?|^主题词|^（?此页无正文|^[（(]?联系|^公开方式|\d{1,2}\s*日印发$")
_NAMES_PROPOSAL = re.compile(r"《[^《》]{4,60}(?:提案|建议|议案)》收悉")  # "您提出的《关于设立…的提案》收悉" says what was asked
_PERSON_TITLES = "委员|代表|同志|先生|女士"
_SALUTATION = re.compile(rf"^[\u4e00-\u9fff、，,·\s]{{1,40}}(?:{_PERSON_TITLES}|各位|们|单位|部门|企业|办事处|人民政府|局|委)[:：]$")
_ADDRESSEE = re.compile(rf"^(?!各位|尊敬|亲爱|全体)([\u4e00-\u9fff·]{{2,12}}?(?:{_PERSON_TITLES}|副主席|主席))\s*[:：]$")
ADDRESSEE_LINES = 20  # a reply's salutation ("周桂英代表：") is among its first lines


def _head_lines(document: str) -> list[str]:
    return [line.strip() for line in document.split("\n", ADDRESSEE_LINES)[:ADDRESSEE_LINES]]


def addressee(document: str) -> str | None:
    """The person a reply or letter is addressed to, from its salutation: "周桂英代表"."""
    return next((found.group(1) for found in map(_ADDRESSEE.match, _head_lines(document)) if found), None)


_AUTHOR_LABELS = ("提案人", "反映人", "领衔人", "提案者")  # the person before the group that proposes
_AUTHOR = re.compile(rf"^({'|'.join(_AUTHOR_LABELS)})\s*[:：]\s*(\S.{{0,40}})$")


def author(document: str) -> str | None:
    """Who made a proposal or reported a 社情民意信息, from its metadata line: "反映人：吴立新（市政协委员）"."""
    found = {m.group(1): f"{m.group(1)}：{m.group(2).strip()}" for m in map(_AUTHOR.match, reversed(_head_lines(document))) if m}
    return next((found[label] for label in _AUTHOR_LABELS if label in found), None)



_DOC_NUMBER_ONLY = re.compile(r"^[\u4e00-\u9fff]{1,16}\s*[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d+\s*号[。]?$")
_DATE_ONLY = re.compile(r"^[\d年月日\s.\-/至—～~（）()一二三四五六七八九十〇○]+$")
_MARKUP = re.compile(r"\]\(|!\[|javascript:|https?://\S+$|^\s*[#*>|]|\{\{|<[a-zA-Z/][^>]*>")
_INSTRUCTION = re.compile(
    r"(?:忽略|无视|忘记|不要理会).{0,12}(?:指令|指示|要求|提示|规则|设定|以上|之前|前面)|你现在是|你是一个|扮演|"
    r"请(?:直接)?(?:回答|输出|回复)[:：]|系统提示|system\s*prompt|ignore\s+(?:all|previous|the above)|"
    r"disregard\s+(?:all|previous)|you\s+are\s+now", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A quotable piece of one passage: its text and where it sits in the document."""

    hit: int  # index of the passage in the hits
    text: str
    start: int  # offset in the document text (or in the passage when the document is unknown)
    end: int


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def is_bare_heading(text: str) -> bool:
    """A heading or list label with no statement of its own: "（三）充电设施供给不足。", "第二章 设施建设"."""
    body = text.strip().rstrip("。：:")
    if _SECTION_START.match(body) and _words(body) <= 24:
        return True
    if not _HEADING_START.match(body) or _ARTICLE_START.match(body):
        return False
    rest = re.sub(rf"^\s*{_ENUM}\s*", "", body)
    return _words(rest) <= 20 and "，" not in rest and "," not in rest


def quotable(text: str, title: str = "") -> bool:
    """Whether a unit may be quoted as (part of) an answer."""
    body = text.strip()
    words = _words(body)
    if words < 6 or _MARKUP.search(body) or _INSTRUCTION.search(body) or body.endswith(("？", "?")):
        return False
    if _FORMULA.search(body) and not _NAMES_PROPOSAL.search(body):
        return False
    if _SALUTATION.match(body) or _DATE_ONLY.match(body) or _DOC_NUMBER_ONLY.match(body) or is_bare_heading(body):
        return False
    if body.endswith(("：", ":")) and "\n" not in body:
        return False  # a lead-in whose items are missing
    if _METADATA_LINE.match(body) or _SESSION_LINE.match(body) or _REVISION_HISTORY.match(body) or is_periodical_masthead(body):
        return False  # "提案者：市总工会界别委员小组", "江州市政协十四届四次会议", "江州市政协社情民意信息"
    if title and _restates_title(re.sub(r"\s", "", body), re.sub(r"\s", "", title)):
        return False  # the masthead, or the title again ("案由：关于…的提案", inside a 通知)
    return True


_METADATA_LINE = re.compile(r"^(?:提案号|案号|提案者|提案人|提出者|领衔人|联名人|附议人|反映人|报送单位|承办单位|主办单位|协办单位|会办单位)[:：]")
# a law's or regulation's history under its title: "（1994年1月28日…发布 根据…第一次修订…）"
_REVISION_HISTORY = re.compile(r"^[（(][^（()）]*\d{4}年[^（()）]*(?:通过|发布|公布|修订|修正)[\s\S]*[）)]$")
_SESSION_LINE = re.compile(r"^[\u4e00-\u9fff]{0,12}?(?:政协|人大|人民代表大会|政治协商会议)[\u4e00-\u9fff]{0,8}?"
                           r"第?[一二三四五六七八九十]+届[\u4e00-\u9fff]{0,10}?[一二三四五六七八九十]+次(?:全体)?会议$")
_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,4}[:：]")


def _restates_title(plain: str, title: str) -> bool:
    """A line that only names the document: the title itself (or with 的通知), or a line with no
    sentence of its own (no "，" or "。" inside) nearly all of whose character pairs (after a "案由："
    label) are the title's."""
    if plain == title or (len(plain) <= len(title) + 6 and plain in title + "的通知"):
        return True
    rest = _LABEL.sub("", plain).rstrip("。")
    if not rest or len(rest) > 60 or re.search(r"[，,。；;]", rest):
        return False
    grams = _bigrams(rest)
    return bool(grams) and len(grams & _bigrams(title)) >= 0.8 * len(grams)


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of every line of ``text`` that overlaps [start, end)."""
    spans = []
    pos = text.rfind("\n", 0, start) + 1
    while pos < len(text) and pos < end:
        stop = text.find("\n", pos)
        stop = len(text) if stop < 0 else stop
        if stop > pos:
            spans.append((pos, stop))
        pos = stop + 1
    return spans


def _table_header(text: str, line_start: int) -> str | None:
    """The first row of the table a " | " row belongs to, when that row is not the row itself."""
    header = None
    pos = line_start
    while pos > 0:
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start : pos - 1]
        if _TABLE_CELL_SEP not in line:
            break
        header = line
        pos = prev_start
    return header


def _with_header(header: str, row: str) -> str:
    names = [h.strip() for h in header.split("|")]
    cells = [c.strip() for c in row.split("|")]
    if len(names) != len(cells):
        return row
    return "；".join(f"{n}：{c}" for n, c in zip(names, cells) if c) + "。"


MAX_UNIT = 600  # characters: a lead-in with its items, or an article, longer than this is cut into sentences
WHOLE_ARTICLE = 320  # an article up to this long is quoted whole
WHOLE_ITEM = 150  # …and a numbered item ("七、国庆节：…共7天。9月29日、10月12日上班。") up to this long


def _lines_after(text: str, line_end: int) -> Iterator[tuple[str, int]]:
    """The lines that follow the line ending at ``line_end``: (text, end) each."""
    pos = line_end + 1
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        yield text[pos:end], end
        pos = end + 1


def _items_end(text: str, lead_start: int, lead_end: int) -> int:
    """Where the list items after a lead-in ("…如下：") end: at the first line that is not an item (a
    heading such as "一、总体要求" opens the next section), or before the unit grows past MAX_UNIT."""
    stop = lead_end
    for item, end in _lines_after(text, lead_end):
        heading = is_bare_heading(item) and not item.rstrip().endswith(("；", ";", "。", "，"))
        if (not _ITEM_START.match(item) or _ARTICLE_START.match(item) or _SECTION_START.match(item)
                or heading or end - lead_start > MAX_UNIT):
            break
        stop = end
    return stop


def _article_end(text: str, line_end: int) -> int:
    """Where the article whose first line ends at ``line_end`` ends: before the next article, chapter,
    heading or blank line (paragraphs that start like an item stay with it)."""
    stop = line_end
    for line, end in _lines_after(text, line_end):
        if (not line.strip() or _ARTICLE_START.match(line) or _SECTION_START.match(line) or line.startswith("#")
                or (is_bare_heading(line) and not _ITEM_START.match(line)) or _FORMULA.search(line)):
            break  # …or the closing lines after the last article ("公开方式：主动公开", "…12月6日印发")
        stop = end
        if stop - line_end > WHOLE_ARTICLE:
            break
    return stop


ROSTER_LINES = 8  # names under one label ("副组长：丁学东 国务院副秘书长" / "李干杰 生态环境部部长" / …) quoted with it
_ROSTER_LINE = re.compile(r"^[^，,。；;：:！？!?]{2,40}$")
_ROSTER_HEAD = re.compile(r"^[^，,。；;！？!?]{3,48}$")  # "副组长：丁学东　　国务院副秘书长": a label and a name, no sentence


def _roster_end(text: str, line_end: int) -> int:
    """Where the names listed under a label line end ("副组长：丁学东 …" and the name lines after it, up
    to the next label): the label line alone when no name line follows or the list is too long."""
    stop, names = line_end, 0
    for line, end in _lines_after(text, line_end):
        if (not _ROSTER_LINE.match(line.strip()) or _LEADING_LABEL.match(line) or _HEADING_START.match(line)
                or line.startswith("#")):
            break
        stop, names = end, names + 1
    return stop if names <= ROSTER_LINES else line_end


_SERIAL = re.compile(r"^\s*(\d{1,3})\s*$")
RECORD_LINES = 6  # cells of a table row flattened one per line after its serial number
WHOLE_RECORD = 400


def _record(text: str, serial_end: int, serial: int) -> tuple[int, int] | None:
    """The row of a table flattened one cell per line under its serial number ("10" / 区域性股权市场设置科技创新专板
    / what it is / 中国证监会 / 8 个改革试验区域 / "11"): the span of its cells, when the next row's
    serial, a heading or the end of the text closes it within a few lines; None otherwise."""
    first, stop, cells = serial_end + 1, serial_end, 0
    for line, end in _lines_after(text, serial_end):
        following = _SERIAL.match(line)
        if following or _HEADING_START.match(line) or _SECTION_START.match(line):
            closes = not following or int(following.group(1)) == serial + 1
            break
        stop, cells = end, cells + 1
        if cells > RECORD_LINES:
            return None
    else:
        closes = True
    return (first, stop) if closes and cells >= 2 and stop - first <= WHOLE_RECORD else None


def passage_units(hit_index: int, text: str, start: int, end: int, title: str = "") -> list[Unit]:
    """The quotable units of the passage ``text[start:end]`` (``text`` being the whole document)."""
    units: list[Unit] = []
    lines = _lines(text, start, end)
    skip_until = -1
    for a, b in lines:
        if a < skip_until:
            continue
        line = text[a:b]
        serial = _SERIAL.match(line)
        record = _record(text, b, int(serial.group(1))) if serial else None
        if record:  # a flattened table row is quoted whole, its cells on their lines
            units.append(Unit(hit_index, text[record[0] : record[1]], *record))
            skip_until = record[1]
            continue
        if _TABLE_CELL_SEP in line:
            header = _table_header(text, a)
            if header:
                units.append(Unit(hit_index, _with_header(header, line), a, b))
            continue
        if line.rstrip().endswith(("：", ":")):
            # a lead-in: bring the items that follow, past the passage's end if need be
            stop = _items_end(text, a, b)
            if stop > b and quotable(text[a:stop], title):  # else ("…收悉。现函复如下：") its items stand alone
                units.append(Unit(hit_index, text[a:stop], a, stop))
                skip_until = stop
                continue
        if _LEADING_LABEL.match(line) and _ROSTER_HEAD.match(line.strip()):
            stop = _roster_end(text, b)
            if stop > b:
                units.append(Unit(hit_index, text[a:stop], a, stop))
                skip_until = stop
                continue
        if _ARTICLE_START.match(line):
            stop = _article_end(text, b)  # an article's further paragraphs (款) belong to it…
            if stop - a > WHOLE_ARTICLE:
                stop = b  # …unless that makes it too long: then its first paragraph, if short
            if stop - a <= WHOLE_ARTICLE:
                units.append(Unit(hit_index, text[a:stop], a, stop))
                skip_until = stop
                continue
        elif _ITEM_START.match(line) and b - a <= WHOLE_ITEM:
            units.append(Unit(hit_index, line, a, b))
            continue
        offset = a
        for piece in _SENTENCE.findall(line):
            if piece.strip():
                units.append(Unit(hit_index, piece.strip(), offset + len(piece) - len(piece.lstrip()),
                                  offset + len(piece.rstrip())))
            offset += len(piece)
    return [u for u in units if quotable(u.text, title)]


# -- scoring ------------------------------------------------------------------------------------


def idf(document_frequency: int, documents: int) -> float:
    """BM25's inverse document frequency: rare terms weigh most, a term in every chunk almost nothing."""
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


PLAIN_WORD_CREDIT = 0.8  # an everyday word found as the official one ("照片" as "相片", "办完" as "办结")
_TRAILING_PLACE = re.compile(r"(?<=..)[内里后前时]$")  # "工作日内", "三年后": the word before it is what counts


@lru_cache(maxsize=1)
def official_words() -> dict[str, tuple[str, ...]]:
    """Everyday word → the words documents use for it (``data/plain_words.txt``)."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _PLAIN_WORDS.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words and not line.startswith("#"):
            table[words[0]] = tuple(dict.fromkeys((*table.get(words[0], ()), *words[1:])))
    return table


def term_credit(term: str, text: str) -> float:
    """1 when ``text`` contains the term; less when it has the official word for an everyday one
    ("照片" → "相片") or the term without a trailing 内/后 ("工作日内"); for a three-character term cut
    from a spoken phrase ("建运维", "能多报"), half the share of its character pairs found; else 0."""
    if term in text or any(variant in text for variant in _numeral_variants(term)):
        return 1.0
    if any(word in text for word in official_words().get(term, ())):
        return PLAIN_WORD_CREDIT
    stem = _TRAILING_PLACE.sub("", term)
    if stem != term and stem in text:
        return PLAIN_WORD_CREDIT
    if len(term) != 3 or term.isascii():
        return 0.0  # only three-character cuts of spoken phrases; longer compounds are real words
    pairs = [term[i : i + 2] for i in range(len(term) - 1)]
    return 0.5 * sum(1 for p in pairs if p in text) / len(pairs)


_ARABIC_NUMBER = re.compile(r"(?<!\d)[1-9]\d?(?!\d)")
_CHINESE_NUMBER = re.compile(r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]")


@lru_cache(maxsize=4096)
def _numeral_variants(term: str) -> tuple[str, ...]:
    """The same small number written the other way and an age as documents write it: "16" → "十六",
    "十六岁" → "十六周岁", "16岁"."""
    if _ARABIC_NUMBER.search(term):
        forms = [term, _ARABIC_NUMBER.sub(lambda m: cn_number(int(m.group())), term)]
    elif _CHINESE_NUMBER.search(term) and re.search(r"[岁年天日月个]", term):
        forms = [term, _CHINESE_NUMBER.sub(lambda m: str(parse_cn_number(m.group())), term)]
    else:
        return ()
    forms += [f.replace("岁", "周岁") for f in forms if "岁" in f and "周岁" not in f]
    return tuple(f for f in forms[1:] if f != term)


def coverage(terms: Mapping[str, float], text: str) -> float:
    """IDF-weighted share of the question's terms found in ``text``."""
    total = sum(terms.values())
    if total <= 0:
        return 0.0
    return sum(w * term_credit(t, text) for t, w in terms.items()) / total


def _bigrams(text: str) -> set[str]:
    runs = re.findall(r"[\u3400-\u9fffA-Za-z0-9]+", text)
    return {run[i : i + 2] for run in runs for i in range(len(run) - 1)}


# A rule's own framing — its purpose ("为……，制定本办法"), scope ("……适用本办法") and commencement
# ("本办法自……起施行") — says what the document is, not what it provides; it answers only questions
# about exactly that.
_FRAMING = re.compile(r"制定本(?:办法|规定|方案|细则|条例|意见|措施|规则)|适用本(?:办法|规定|方案|细则|条例)|"
                      r"^(?:第[一二三四五六七八九十百零〇\d]+条\s*)?本(?:办法|规定|方案|细则|条例)(?:自|由)")
_ASKS_FRAMING = re.compile(r"目的|为什么|适用|范围|施行|生效|实施日期|起执行|哪些人|谁可以")
FRAMING_PENALTY = 0.25


TITLE_CREDIT = 0.7  # a question term the unit's document title says counts this much in every unit of it


def score_unit(unit: str, terms: Mapping[str, float], question_bigrams: set[str], wants: Wants,
               title: str = "") -> float:
    """Relevance of one unit: IDF-weighted term coverage, character-pair overlap, and a bonus when it
    holds the kind of fact asked for. A term its document's title says counts mostly as found in
    every unit ("江州家庭医生签约服务费是多少" asked of the 家庭医生签约服务 plan is about 服务费: every
    sentence of that plan is about 家庭医生 and 签约)."""
    total = sum(terms.values())
    score = 0.0
    if total > 0:
        score = sum(w * max(term_credit(t, unit), TITLE_CREDIT if t in title else 0.0) for t, w in terms.items()) / total
    if question_bigrams:
        score += 0.15 * len(question_bigrams & _bigrams(unit)) / len(question_bigrams)
    if wants.amount and wants.unit and _has_amount_in(unit, wants.unit):
        score += 0.2
    elif wants.amount and _NUMBER_UNIT.search(unit):
        score += 0.08
    if wants.time and _DATE.search(unit):
        score += 0.12
    if wants.who and _ORG.search(unit):
        score += 0.06
    if not wants.framing and _FRAMING.search(unit):
        score -= FRAMING_PENALTY
    label = _LEADING_LABEL.match(unit)
    if label and re.sub(r"[ \u3000]", "", label.group(1)) in terms:
        score += LABEL_BONUS  # "组长：韩正 国务院副总理" is what "组长是谁" asks for
    return score


_LEADING_LABEL = re.compile(r"^([\u4e00-\u9fff](?:[ \u3000]*[\u4e00-\u9fff]){1,5})[:：]")
LABEL_BONUS = 0.25


_ANSWERED = re.compile(r"《([^《》]{4,60}(?:提案|建议|议案))》")


def subject_title(hit: SearchHit, document: str) -> str:
    """What a document is about, as its title says: a reply's title names only the proposal's number
    ("…关于对市政协十四届三次会议第0123号提案的答复"), so the proposal's own title, which the reply
    quotes near its start ("您提出的《关于加大老旧小区加装电梯资金支持力度的提案》收悉"), is added."""
    title = f"{hit.title} {_KIND_NAMES[hit.genre]}" if hit.genre in _KIND_NAMES else hit.title
    if "答复" not in hit.title and hit.genre != "reply":
        return title
    named = _ANSWERED.search(document[:1500] or hit.text)
    return f"{title} {named.group(1)}" if named else title


# What a member calls a document of a kind its title does not name ("网格员…的社情民意信息提了什么建议"):
# the masthead says it, and mastheads are not quoted.
_KIND_NAMES = {"social_report": "社情民意信息", "proposal": "提案"}


def title_baseline(terms: Mapping[str, float], title: str) -> float:
    """What every unit of a document scores for the question terms its title says."""
    total = sum(terms.values())
    return TITLE_CREDIT * sum(w for t, w in terms.items() if t in title) / total if total > 0 else 0.0


# -- selection ----------------------------------------------------------------------------------

PASSAGES = 6  # passages looked at
MAX_DOCUMENTS = 2  # documents an answer quotes
OTHER_DOCUMENT_MARGIN = 0.9  # …the second only when its unit is nearly as relevant and adds what the first lacks
PASSAGE_MARGIN = 0.8  # a passage contributes when its best unit scores at least this share of the best
UNIT_MARGIN = 0.55  # further units are quoted when they score at least this share of the best unit
MAX_CHARS = 520  # quoted characters, beyond the first unit


@dataclass
class Evidence:
    """The units chosen to answer, best document first, and what they cover."""

    units: list[Unit] = field(default_factory=list)
    best_score: float = 0.0
    coverage: float = 0.0  # IDF-weighted share of the question's terms in the quoted passages (and their titles)

    @property
    def hits(self) -> list[int]:
        return list(dict.fromkeys(u.hit for u in self.units))


WINDOW = 800  # characters around the two best passages whose units are candidates too (the next article)


def candidate_units(hits: Sequence[SearchHit], texts: Mapping[str, str], passages: int = PASSAGES) -> list[Unit]:
    """Quotable units of the first ``passages`` hits and of every later hit of the best document (the
    caller may append the rest of that document's passages), cut from their documents' text where
    known; around the two best passages the neighbouring text counts too (a question's second part is
    often in the next article). A unit is taken once, for the first passage that reaches it."""
    units: list[Unit] = []
    seen: set[tuple[str, int]] = set()
    for i, hit in enumerate(hits):
        if i >= passages and hit.doc_id != hits[0].doc_id:
            continue  # beyond the first passages only the best document is read on
        document = texts.get(hit.doc_id, "")
        if document and hit.end > hit.start and document[hit.start : hit.end] == hit.text:
            reach = WINDOW if i < 2 else 0
            found = passage_units(i, document, max(0, hit.start - reach), hit.end + reach, hit.title)
        else:
            found = passage_units(i, hit.text, 0, len(hit.text), hit.title)
        for unit in found:
            key = (hit.doc_id, unit.start) if document else (hit.chunk_id, unit.start)
            if key not in seen:
                seen.add(key)
                units.append(unit)
    return units


GENRE_BONUS = 0.1  # "提案里说…" is answered from the proposal, "答复说…" from the reply
_GENRE_CUES = (("reply", re.compile(r"答复|复函|函复|办理情况|办理结果")), ("proposal", re.compile(r"提案")),
               ("social_report", re.compile(r"社情民意")), ("speech", re.compile(r"发言|讲话")),
               ("consultation", re.compile(r"协商议事|协商会|协商情况")))


_TITLE_TAIL = re.compile(r"(?:》)?(?:的)?(?:通知|意见|决定|函)?$")


def is_titled(name: str, title: str) -> bool:
    """Whether the document titled ``title`` *is* the one ``name`` names: its title ends with the name
    ("…关于印发广州市公共租赁住房管理办法的通知"), not merely mentions it (its 实施条例, a 解读)."""
    core = _TITLE_TAIL.sub("", title.replace("《", "").replace("》", ""))
    return name in title and core.endswith(name)


def _named_bonus(name: str, title: str) -> float:
    """A document named in the question leads: fully when it *is* that document, half when it only
    mentions it (its 实施条例, a 解读)."""
    if name not in title:
        return 0.0
    return NAMED_DOCUMENT_BONUS if is_titled(name, title) else NAMED_DOCUMENT_BONUS / 2


NAMED_FIRST_SHARE = 0.5  # a named document's best unit leads when at least this relevant


def _named_document_first(scored: list[tuple[float, float, Unit]], hits: Sequence[SearchHit],
                          boost: Sequence[str]) -> None:
    """A question that names the law or document it asks about ("行政处罚法里…") is answered from it:
    its best unit goes first unless it is far less relevant than another document's."""
    names = [b.strip("《》") for b in boost if b.startswith("《")]
    if not names:
        return
    for index, item in enumerate(scored):
        if any(_named_bonus(name, hits[item[2].hit].title) == NAMED_DOCUMENT_BONUS for name in names):
            if index and item[0] >= NAMED_FIRST_SHARE * scored[0][0]:
                scored.insert(0, scored.pop(index))
            return


def genre_asked(question: str) -> str | None:
    """The kind of document a question says it asks about, if it says: a reply before a proposal
    ("关于…的提案，住建局答复说…" asks the reply)."""
    return next((genre for genre, cue in _GENRE_CUES if cue.search(question)), None)


NEW_TERMS_SHARE = 0.15  # …and only when what it adds weighs this share of the question
NAMED_DOCUMENT_BONUS = 0.3  # a question that names a document by its 文号 or 《title》 is answered from it
MIN_OWN = 0.12  # a further unit must itself say something the question asks about


SECTION_CREDIT = 0.5  # a unit under a heading that names what the question asks about ("4、创业带动就业补贴")


@lru_cache(maxsize=256)
def _headings(text: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The positions and texts of a document's heading lines ("4、创业带动就业补贴", "第二章 设施建设")."""
    positions, names = [], []
    at, previous = 0, ""
    for line in text.split("\n"):
        body = line.strip()
        if ((0 < len(body) <= 40 and is_bare_heading(body) and not body.endswith(("；", ";", "，", ","))
                and not previous.endswith(("：", ":", "；", ";")))  # not an item of a list
                or _SECTION_NAME.fullmatch(body)):
            positions.append(at)
            names.append(body)
        at += len(line) + 1
        previous = body or previous
    return tuple(positions), tuple(names)


# the unnumbered section names of a proposal or a 社情民意信息 ("存在问题", "意见建议")
_SECTION_NAME = re.compile(r"(?:基本情况|存在(?:的)?(?:主要)?问题|主要问题|问题分析|原因分析|(?:意见|对策|几点|工作|具体)?建议|案由|理由|办法)[:：]?")


def _section_credit(terms: Mapping[str, float], document: str, start: int, asked: str | None = None) -> float:
    section = section_heading(document, start)
    if not section:
        return 0.0
    return SECTION_CREDIT * (coverage(terms, section) + (asked is not None and asked in section))


# A question asking for a part of a proposal or report by the name of its section: "提了什么建议" asks
# for what is under "意见建议" or "对策建议", "存在哪些问题" for what is under "存在问题".
_ASKS_SECTION = ((re.compile(r"(?:提了|提出了?|有|给了|给出了?)(?:什么|哪些|哪几条|几条)(?:具体|主要)?(?:意见)?建议|"
                             r"建议(?!的?(?:答复|办理|回复))[^，,。？?；]{0,8}(?:什么|哪些|怎么|如何)"), "建议"),
                 (re.compile(r"(?:存在|有|反映了?|指出了?)(?:什么|哪些)(?:主要|突出)?问题|问题(?:是什么|有哪些)"), "问题"))


def section_asked(question: str) -> str | None:
    """The section a question asks for by its name ("建议", "问题"), if any."""
    return next((name for pattern, name in _ASKS_SECTION if pattern.search(question)), None)


def section_heading(text: str, start: int) -> str | None:
    """The heading of the section a unit starting at ``start`` lies in: "补贴标准：10000元" under
    "1、一次性创业资助" is not the standard of "4、创业带动就业补贴"."""
    if not text:
        return None
    positions, names = _headings(text)
    index = bisect.bisect_right(positions, start - 1) - 1
    return names[index] if index >= 0 else None


def choose(hits: Sequence[SearchHit], units: Sequence[Unit], terms: Mapping[str, float], question: str,
           boost: Sequence[str] = (), texts: Mapping[str, str] | None = None) -> Evidence:
    """The units that answer ``question``: the best unit, then units of the same document nearly as
    good or adding a term the answer lacks, and units of another document only when they add what
    the first lacks; until the next one adds nothing relevant. ``boost`` are strings (the question's
    years, places, numbers) whose presence makes a unit more relevant.

    A unit's *own* score looks at its text alone; its *relevance* adds its passage's title and
    heading (a document about the question ranks its sentences higher) and retrieval's order."""
    if not units:
        return Evidence()
    firsts_of = {h.doc_id: h for h in reversed(hits)}  # each document's first passage
    about = {doc: subject_title(h, (texts or {}).get(doc, "")) for doc, h in firsts_of.items()}
    wants = question_wants(question)
    q_bigrams = _bigrams(question)
    genre = genre_asked(question)
    scored = []
    for unit in units:
        hit = hits[unit.hit]
        context = f"{hit.title} {hit.doc_number or ''} {hit.heading}"
        titled = score_unit(unit.text, terms, q_bigrams, wants, about[hit.doc_id])
        own = titled - 0.5 * title_baseline(terms, about[hit.doc_id])  # mostly what the unit itself says
        own += 0.1 * sum(1 for b in boost if b in unit.text)
        relevance = 0.7 * titled + 0.3 * coverage(terms, context + unit.text) + 0.04 / (unit.hit + 1)
        relevance += sum(NAMED_DOCUMENT_BONUS if "〔" in b else 0.05 for b in boost if b in context)
        relevance += sum(_named_bonus(b.strip("《》"), hit.title) for b in boost if b.startswith("《"))
        relevance += GENRE_BONUS if hit.genre == genre else 0.0
        scored.append((relevance, own, unit))
    scored.sort(key=lambda item: -item[0])
    _named_document_first(scored, hits, boost)
    # within the answering document, a unit under a heading naming what is asked ranks higher: the
    # heading says which "补贴标准：…" line is the standard asked about; which document answers is not its say
    lead = scored[0][2]
    lead_doc = hits[lead.hit].doc_id
    document = (texts or {}).get(lead_doc, "")
    section = section_asked(question)
    scored = [(r + _section_credit(terms, document, u.start, section) if hits[u.hit].doc_id == lead_doc else r, o, u)
              for r, o, u in scored]
    asking = [part for part in clauses(question) if _ASKS.search(part)]  # a part that only names the document asks nothing
    if section and len(asking) < 2 and any(section in name for name in _headings(document)[1]):
        # "提了什么建议": the answering document's 意见建议, not its 基本情况 nor its 存在问题
        scored = [item for item in scored if hits[item[2].hit].doc_id != lead_doc
                  or section in (section_heading(document, item[2].start) or "")]
        lead = max(scored, key=lambda item: item[0])[2]
    scored.sort(key=lambda item: (item[2] is not lead, -item[0]))
    best_relevance, best_own, best = scored[0]
    firsts = _clause_bests(question, terms, scored, hits, boost, about)
    passage_best: dict[int, float] = {}
    for relevance, _, unit in scored:
        passage_best.setdefault(unit.hit, relevance)
    allowed = {h for h, r in passage_best.items() if r >= PASSAGE_MARGIN * best_relevance}
    documents: list[str] = [hits[best.hit].doc_id]
    chosen = [best]
    covered = {t for t in terms if t in best.text or t in about[hits[best.hit].doc_id]}  # the document line names its title
    total = 0
    answers_part = {id(u): answered for *_, u, answered in firsts}  # each part's best unit: does it say it all?
    for relevance, own, unit, *_ in [*firsts, *scored[1:]]:
        first = id(unit) in answers_part
        if unit in chosen or (unit.hit not in allowed and not answers_part.get(id(unit))) or own < MIN_OWN:
            continue
        doc = hits[unit.hit].doc_id
        new_terms = {t for t in terms if t in unit.text} - covered
        if first and doc in documents:
            pass  # the best unit for one part of a question in several parts
        elif doc in documents:
            if not (own >= 0.8 * best_own or (new_terms and own >= UNIT_MARGIN * best_own)):
                continue
        elif len(documents) >= MAX_DOCUMENTS:
            continue
        elif disagree([unit.text], [u.text for u in chosen]) and relevance >= PASSAGE_MARGIN * best_relevance:
            pass  # another document states another amount of the same thing: the member must see both
        elif (relevance < OTHER_DOCUMENT_MARGIN * best_relevance
              or sum(terms[t] for t in new_terms) < NEW_TERMS_SHARE * sum(terms.values())):
            continue  # another document only for what the first does not say
        if any(_overlaps(unit, other, hits) for other in chosen):
            continue
        if total + len(unit.text) > MAX_CHARS and not first:
            continue  # (each part of a question keeps its best unit)
        chosen.append(unit)
        covered |= new_terms
        total += len(unit.text)
        if doc not in documents:
            documents.append(doc)
    chosen += _sequels(chosen, scored, hits, documents[0], best_own, terms)
    figure = asked_figure(question)
    if figure and not figure.found_in(" ".join(u.text for u in chosen)):
        chosen += _figure_unit(figure, scored, chosen, hits, best_own)
    for part in clauses(question):
        chosen += _part_figure_unit(part, terms, scored, chosen, hits, about)
    passages = list(dict.fromkeys(u.hit for u in chosen))
    evidence_text = " ".join(f"{hits[i].title} {hits[i].heading} {hits[i].text}" for i in passages)
    evidence_text += " " + " ".join(u.text for u in chosen)
    order = {doc: i for i, doc in enumerate(documents)}
    chosen.sort(key=lambda u: (order[hits[u.hit].doc_id], u.start))
    return Evidence(chosen, best_relevance, coverage(terms, evidence_text))


SEQUEL_MIN_OWN = 0.3  # share of the best unit's own score the sentence right after a quoted one needs to follow it
SEQUEL_CHARS = 120  # …and no longer than this
SEQUEL_TERM_WEIGHT = 3.0  # …and naming one of the question's rarer words


def _sequels(chosen: Sequence[Unit], scored: Sequence[tuple[float, float, Unit]], hits: Sequence[SearchHit],
             document: str, best_own: float, terms: Mapping[str, float]) -> list[Unit]:
    """The short sentence right after a quoted one of the answering document, when it speaks of the
    question too ("非法人社会团体还应有固定的联络地点、5000元以上的资金…" after the conditions it adds to);
    not the next article or numbered item, which is a provision of its own."""
    ends = {(hits[u.hit].doc_id, u.end) for u in chosen}
    taken = {(hits[u.hit].doc_id, u.start) for u in chosen}
    found: list[Unit] = []
    for _, own, unit in scored:
        doc = hits[unit.hit].doc_id
        if (doc == document and (doc, unit.start) not in taken and any((doc, unit.start - gap) in ends for gap in (0, 1, 2))
                and own >= SEQUEL_MIN_OWN * best_own and len(unit.text) <= SEQUEL_CHARS
                and not _ITEM_START.match(unit.text)  # a new article or item is no sequel: it says something else
                and any(term_credit(t, unit.text) for t, w in terms.items() if w >= SEQUEL_TERM_WEIGHT)):
            found.append(unit)
            taken.add((doc, unit.start))
    return found


FIGURE_MIN_OWN = 0.4  # share of the best unit's own score a unit must reach to be quoted for the figure asked


def _figure_unit(figure: AskedFigure, scored: Sequence[tuple[float, float, Unit]], chosen: Sequence[Unit],
                 hits: Sequence[SearchHit], best_own: float) -> list[Unit]:
    """When the chosen units lack the figure the question asks for ("多少套"), the most relevant unit of
    the best document that states one — if it is relevant enough to quote at all."""
    best_doc = hits[chosen[0].hit].doc_id
    for _, own, unit in scored:
        if (hits[unit.hit].doc_id == best_doc and unit not in chosen and own >= FIGURE_MIN_OWN * best_own
                and figure.found_in(unit.text) and not any(_overlaps(unit, other, hits) for other in chosen)):
            return [unit]
    return []


def _part_figure_unit(part: str, terms: Mapping[str, float], scored: Sequence[tuple[float, float, Unit]],
                      chosen: Sequence[Unit], hits: Sequence[SearchHit], about: Mapping[str, str]) -> list[Unit]:
    """For one part of a question that asks its own figure ("…使用率到了多少？"), the unit of the best
    document that states that kind of figure and best matches the part, when no chosen unit does."""
    figure = asked_figure(part)
    fit = _part_scorer(part, terms, hits, about)
    if not figure or not fit:
        return []
    best_doc = hits[chosen[0].hit].doc_id
    if any(figure.found_in(u.text) and fit(u) >= PART_FIGURE_FIT for u in chosen):
        return []
    candidates = [(fit(u), u) for _, _, u in scored if hits[u.hit].doc_id == best_doc and u not in chosen
                  and figure.found_in(u.text) and not any(_overlaps(u, other, hits) for other in chosen)]
    best = max(candidates, key=lambda c: c[0], default=None)
    return [best[1]] if best and best[0] >= PART_FIGURE_FIT else []


PART_FIGURE_FIT = 0.6  # how well a unit must match a part of the question to be quoted for its figure

_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(万元|亿元|元|%|个工作日|工作日|天|台|户|人)")


def disagree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two sets of statements give different amounts in the same unit (每台15万元 / 每台18万元)."""
    qa = {(m.group(1), m.group(0)) for text in a for m in _QUANTITY.finditer(text)}
    qb = {(m.group(1), m.group(0)) for text in b for m in _QUANTITY.finditer(text)}
    units = {u for u, _ in qa} & {u for u, _ in qb}
    return any({v for u, v in qa if u == unit} != {v for u, v in qb if u == unit} for unit in units)


_CLAUSE_SPLIT = re.compile(r"[？?；;！!。]|，(?=[^，]{4,})")


def clauses(question: str) -> list[str]:
    """The parts of a question asked in several ("…是多少？一个团队最多签多少人？")."""
    parts = [item for p in _CLAUSE_SPLIT.split(question) for item in _respective_parts(p.strip())
             if len(_WORD.findall(item)) >= 4]
    return parts if len(parts) > 1 else []


_RESPECTIVELY = re.compile(r"分别|各(?=[是要有为能可在由补扣拿定建收交多几])")
_LIST_JOINT = re.compile(r"、|以及|或者|和|与|及|或")


def _respective_parts(part: str) -> list[str]:
    """A part asking the same of several things ("初审、审核、审定各要在几个工作日内办完", "建设补助和运营补助
    分别是多少") as one part per thing, each with what is asked of it."""
    asked = _RESPECTIVELY.search(part)
    if not asked:
        return [part]
    items = [i for i in _LIST_JOINT.split(part[: asked.start()]) if len(_WORD.findall(i)) >= 2]
    return [item + part[asked.start() :] for item in items] if len(items) > 1 else [part]


_ASKS = re.compile(rf"{QUESTION_WORD.pattern}|如何|吗|是否|能否|可否|多远|为何")  # a part of a question that asks something
CLAUSE_ANSWERED = 1.0  # a part's score (its terms found, the kind of fact it asks for) of a unit that answers it


def _clause_bests(question: str, terms: Mapping[str, float], scored: Sequence[tuple[float, float, Unit]],
                  hits: Sequence[SearchHit], boost: Sequence[str],
                  about: Mapping[str, str]) -> list[tuple[float, float, Unit, bool]]:
    """For a question in several parts, the best unit of the best document for each part (a place,
    year or number the part names counts as in ``choose``), and whether it says all that part asks
    (then it is quoted even when its passage ranks low for the question as a whole)."""
    parts = clauses(question)
    if not parts:
        return []
    best_doc = hits[scored[0][2].hit].doc_id
    picks = []
    for part in parts:
        fit = _part_scorer(part, terms, hits, about)
        if not fit:
            continue
        named = [b for b in boost if b in part]
        candidates = [(fit(u) + 0.1 * sum(1 for b in named if b in u.text), r, o, u)
                      for r, o, u in scored if hits[u.hit].doc_id == best_doc]
        if candidates:
            part_score, relevance, own, unit = max(candidates, key=lambda c: (c[0], c[1]))
            if part_score >= 0.5:
                picks.append((relevance, own, unit, part_score >= CLAUSE_ANSWERED and bool(_ASKS.search(part))))
    return picks


def _part_scorer(part: str, terms: Mapping[str, float], hits: Sequence[SearchHit],
                 about: Mapping[str, str]) -> Callable[[Unit], float] | None:
    """How well a unit answers one part of a question (its own terms, the kind of fact it asks for);
    None when the part has none of the question's terms."""
    own_terms = {t: w for t, w in terms.items() if t in part}
    if not own_terms:
        return None
    wants, grams = question_wants(part), _bigrams(part)
    return lambda unit: score_unit(unit.text, own_terms, grams, wants, about[hits[unit.hit].doc_id])


def _overlaps(a: Unit, b: Unit, hits: Sequence[SearchHit]) -> bool:
    """Same span of the same document, or all but the same words (a statement repeated elsewhere)."""
    if hits[a.hit].doc_id == hits[b.hit].doc_id and a.start < b.end and b.start < a.end:
        return True
    ga, gb = _bigrams(a.text), _bigrams(b.text)
    return bool(ga and gb) and len(ga & gb) / len(ga | gb) > 0.6
