"""The specifics a question names — a year, a place, a proposal, article or document number, a
document title, an organisation — which the evidence must contain for the library to answer it.

"2020年春节放假安排" cannot be answered from the 2019 notice, nor "深圳市…补助多少" from Guangzhou's
rules, however similar the passages read. Pure functions; places and organisations are recognised
with jieba's part-of-speech tags on the project's own dictionary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant.answers.evidence import QUESTION_WORD, is_titled, official_words
from assistant.index.tokenize import _jieba, in_dictionary
from assistant.ingest.metadata import DOC_NUMBER_RE

_CN_DIGITS = "一二三四五六七八九十百零〇两"
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|年度)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[—\-－~～至到]\s*((?:19|20)\d{2})")
_ARTICLE = re.compile(rf"第[{_CN_DIGITS}\d]+[条章款](?!建议|意见|措施|要求|原则|经验)")  # not "第一条建议"
_PROPOSAL_NO = re.compile(r"第?\s*(\d{2,5})\s*号(?:提案|建议|议案)?")
_SESSION = re.compile(rf"第[{_CN_DIGITS}]+届|(?<![{_CN_DIGITS}每])(?!一届)[{_CN_DIGITS}]+届|[{_CN_DIGITS}]+次(?:全体)?会议")  # 十届 … 五次会议, not "一届任期"
_ORDINAL = re.compile(rf"第(?!一[次批期轮])[{_CN_DIGITS}\d]+(?:次|批|期|轮)(?!会议|全体)")  # 第六次大督查, 第三批房源 (第一次: "the first time")
_BOOK_TITLE = re.compile(r"《([^《》]{4,60})》")
_PLACE_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|区|县|州|镇|乡|街道)$")
_GENERIC_PLACES = frozenset("""本市 全市 我市 市区 城区 小区 社区 地区 全区 本区 辖区 新区 园区 景区 片区 老城区 全省 本省 我省 全县 本县
    县区 市县 省市 城市 农村 城乡 乡镇 各省 各市 各区 各地 当地 外地 本地 国内 境内 境外 全国 中国 国家 镇街 外国 外省 外市""".split())
# "越秀区", "武进区" (which jieba tags as names): a district or county, not 社区, 山区 or 城区
_DISTRICT = re.compile(r"[\u4e00-\u9fff]{2}(?<!社|小|园|城|片|景|辖|新|专|街|校|山|矿|灾|市|郊|库|湾|地|牧|林|老|外)[区县]")
_NOT_PLACES = frozenset("中考 高考 下半旗".split())  # words jieba tags as places
_SMALLER_PLACE = frozenset("村 镇 乡 屯 庄".split())  # after a province's name: a village's ("河南村")
_VERB_BEFORE_PLACE = re.compile(r"^[来去到在从往回至赴]")  # "来江州" as jieba sometimes cuts it
_KIND_OF_BUSINESS = re.compile(r"[\u4e00-\u9fff]{2}(?:公司|银行)")  # "保险公司", "物业公司": a kind, not a name
_ORG_SUFFIX = re.compile(r"(?:局|委员会|委|厅|办公室|中心|公司|银行|协会|学会|大学|学院|医院)$")


@dataclass(frozen=True)
class Specifics:
    """What a question pins down; each entry must be found in the evidence (text or metadata)."""

    years: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # years asked as a plan's target ("到2025年"): the plan states them once, up front
    issued: tuple[str, ...] = ()  # years a document asked about was issued in ("2020年国务院出台的…政策"): its date says it
    places: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()  # proposal numbers, 文号 (normalised), article numbers
    titles: tuple[str, ...] = ()  # 《…》 names
    organisations: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (*self.years, *self.places, *self.numbers, *self.titles, *self.organisations)

    def boosts(self) -> tuple[str, ...]:
        """Strings whose presence makes a passage more relevant to this question (a 《title》 named
        makes that document's passages the most relevant)."""
        return (*self.years, *(_place_stem(p) for p in self.places), *self.numbers, *self.organisations,
                *(f"《{t}》" for t in self.titles))


@lru_cache(maxsize=1)
def _pos_tokenizer():
    import jieba.posseg

    return jieba.posseg.POSTokenizer(_jieba())


def is_noun(word: str) -> bool:
    """A dictionary word jieba tags as a noun on its own ("注册资本", "人口"), not a verb, a measure or a
    fragment of two words ("准备", "一家", "内交")."""
    tags = list(_pos_tokenizer().cut(word))
    return in_dictionary(word) and len(tags) == 1 and tags[0].flag.startswith("n")


_PROPER_NAME_TAGS = ("nr", "ns", "nt", "nz")


def is_proper_name(word: str) -> bool:
    """A word jieba tags as a person's, place's or body's name on its own ("郑洛新", "梁溪区")."""
    tags = list(_pos_tokenizer().cut(word))
    return len(tags) == 1 and tags[0].flag.startswith(_PROPER_NAME_TAGS)


def _join_district_names(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A name jieba does not know as a place, cut from its suffix ("吴江" + "区"), joined back into the
    district it names: "苏州市吴江区" asks about 吴江区, not about any part of 苏州市."""
    joined: list[tuple[str, str]] = []
    for word, flag in tokens:
        if (word in ("区", "县") and len(joined) >= 2 and joined[-2][1] == "ns"
                and joined[-1][1] in ("nr", "nrt", "nz", "ns") and len(joined[-1][0]) == 2):
            joined[-1] = (joined[-1][0] + word, "ns")
        else:
            joined.append((word, flag))
    return joined


def _place_stem(place: str) -> str:
    stem = _PLACE_SUFFIX.sub("", place)
    return stem if len(stem) >= 2 else place


def question_specifics(question: str) -> Specifics:
    years = list(dict.fromkeys(_YEAR.findall(question)))
    for low, high in _YEAR_RANGE.findall(question):
        # a span ("2023—2025年") names a plan: the span must be found, not each year anywhere
        years = [y for y in years if y not in (low, high)] + [f"{low}—{high}"]
    numbers: list[str] = []
    for issuer, year, number in DOC_NUMBER_RE.findall(question):
        # the last two characters of the issuer's code ("国发", "办发", "提复") tell 国发〔2019〕6号 from 国办发〔2019〕6号
        numbers.append(f"{issuer[-2:] if len(issuer) >= 2 else ''}〔{year}〕{number}号")
    rest = DOC_NUMBER_RE.sub(" ", question)
    numbers += _ARTICLE.findall(rest)
    for match in _PROPOSAL_NO.finditer(_YEAR.sub(" ", rest)):
        if "号" in match.group(0):
            numbers.append(match.group(1))
    numbers += _SESSION.findall(rest)
    numbers += _ORDINAL.findall(rest)
    titles = [t for t in _BOOK_TITLE.findall(question)]
    places: list[str] = []
    organisations: list[str] = []
    outside_titles = _BOOK_TITLE.sub(" ", question)
    tokens = [(w.strip(), f) for w, f in _pos_tokenizer().cut(outside_titles)]
    tokens = _join_district_names(tokens)
    for i, (word, flag) in enumerate(tokens):
        if len(word) < 2 or word in _GENERIC_PLACES:
            continue
        if i + 1 < len(tokens) and tokens[i + 1][0] in _SMALLER_PLACE:
            continue  # "河南村": a village's name, not the province
        if QUESTION_WORD.search(word) or word in _NOT_PLACES:
            continue  # "上多大" tagged as a place
        if (flag == "ns" and not _ORG_SUFFIX.search(word)) or _DISTRICT.fullmatch(word):
            places.append(_VERB_BEFORE_PLACE.sub("", word) if len(word) >= 3 else word)
        elif flag == "nt" or (flag.startswith("n") and _ORG_SUFFIX.search(word) and len(word) >= 4 and not in_dictionary(word)):
            # a dictionary noun ("服务中心", "定点医院") is a kind of body, not one the question names
            if not _KIND_OF_BUSINESS.fullmatch(word):
                organisations.append(word)
    # a plan's target year ("到2025年") or the year of a dated event ("2003年8月…瓦斯爆炸") is stated once
    targets = tuple(y for y in years if re.search(rf"到\s*{y}|{y}\s*年(?:底|末|前|\s*\d{{1,2}}\s*月)", question))
    issued = tuple(y for y in years if y not in targets and re.search(rf"{y}\s*年{_ISSUED}", question))
    return Specifics(tuple(years), targets, issued, tuple(dict.fromkeys(places)), tuple(dict.fromkeys(numbers)),
                     tuple(dict.fromkeys(titles)), tuple(dict.fromkeys(organisations)))


_LAW_END = re.compile(r"(?<![办方做说看想依合违非执立司守用手算疗语书章宪])法|条例")


def laws_named(question: str, titles: Iterable[str]) -> tuple[str, ...]:
    """Laws and regulations a question names without 《》 ("就业促进法第七十五条"): the longest run of
    characters ending in 法 or 条例 that a retrieved document's title contains."""
    titles = list(titles)
    outside = _BOOK_TITLE.sub(" ", question)
    found = []
    for match in _LAW_END.finditer(outside):
        end = match.end()
        for start in range(max(0, end - 16), end - 2):
            name = outside[start:end]
            if re.fullmatch(r"[\u4e00-\u9fff]+", name) and any(name in t for t in titles):
                found.append(name)
                break
    return tuple(dict.fromkeys(found))


def _plain(text: str) -> str:
    text = re.sub(r"[\s　]", "", text).replace("[", "〔").replace("]", "〕").replace("（", "(").replace("）", ")")
    return re.sub(r"(?<=\d)(?:年)?[—\-－~～至到–](?=\d)", "—", text)


def _title_found(title: str, evidence: str) -> bool:
    """A 《title》 is found when the evidence names it, allowing a missing 江州市/关于 prefix or 的通知 tail."""
    core = re.sub(r"^(?:关于印发|关于)|的(?:通知|意见|决定)$", "", _plain(title))
    return core in evidence or _plain(title) in evidence


_ISSUED = ("(?:国务院办公厅|国务院|国办|市政府|省政府|[\u4e00-\u9fff]{2,3}市|市里|省里)?"
           "(?:出台|印发|发布|下发|颁布|公布|制定|推出|发)(?:的|了)")  # "2020年国务院出台的", not "到2020年出台"


def missing(specifics: Specifics, evidence: str, documents: str = "", title: str = "", head: str | None = None,
            dated: str = "") -> list[str]:
    """The specifics the evidence does not contain, as the question wrote them.

    Years, numbers and titles must be in the quoted evidence (or its metadata); a place or an
    organisation may be anywhere in the ``documents`` quoted from (a Guangzhou page need not say
    广州 in the sentence that answers). A document whose ``title`` names its year (关于2019年部分
    节假日安排的通知) is about that year only, whatever other years its text mentions; one whose title
    names a province (关于湖北省在…) is about that province only. A 文号 must be the document's own
    (its metadata or its ``head``, the masthead), not one its text cites; an article number asked of a
    named law must be that law's, not its 实施条例's. A year the question says a document was issued in
    ("2020年国务院出台的…") must be its date (``dated``, else its masthead) or in its title."""
    plain = _plain(evidence)
    whole = plain + _plain(documents)
    own = plain if head is None else _plain(head)
    absent = []
    for year in specifics.years:
        if year in specifics.issued:  # the document's own date or title, not a year its text mentions
            if year not in f"{title} {dated or own}":
                absent.append(f"{year}年")
            continue
        found = year in (whole if year in specifics.targets else plain)
        # a title's year rules unless the quoted text speaks of the year asked ("1996年，我国共发生…"),
        # not merely of a day in it ("2018年12月30日至2019年1月1日放假")
        spoken_of = re.search(rf"{year}年(?!\d{{1,2}}月)", _BOOK_TITLE.sub("", plain))  # not a cited 《title》
        if not found or not (_covers(title_years(title), year) or spoken_of):
            absent.append(f"{year}年")
    for place in specifics.places:
        if not _place_found(place, whole) or _another_province(place, title):
            absent.append(place)
    # a question naming the document's own 文号 may ask about another its text cites ("原来的国办发〔2016〕82号")
    cites = any("〔" in n and _plain(n) in own for n in specifics.numbers)
    for number in specifics.numbers:
        if _plain(number) not in ((whole if cites else own) if "〔" in number else plain):
            absent.append(number)
        elif (_ARTICLE.fullmatch(number) and specifics.titles and title
              and not any(is_titled(_plain(name), _plain(title)) for name in specifics.titles)):
            absent.append(number)  # "个人所得税法第三十条" is the law's article, not its 实施条例's
    for name in specifics.titles:
        if not _title_found(name, own):  # the document itself, not one it cites ("计划出台《…办法》")
            absent.append(f"《{name}》")
    for organisation in specifics.organisations:
        if not _named(organisation, whole):
            absent.append(organisation)
    return absent


def _place_found(place: str, text: str) -> bool:
    """The place as written, without its suffix, or a province and a city run together ("辽宁大连" is
    written "辽宁省大连市")."""
    stem = _place_stem(place)
    return stem in text or any(re.search(f"{re.escape(stem[:i])}[省市]{re.escape(stem[i:])}", text)
                               for i in range(2, len(stem) - 1))


def _named(organisation: str, text: str) -> bool:
    """Whether ``text`` names a body the question names: as written, without its place prefix, by the
    full name of a short one (``data/plain_words.txt``: 全国政协 → 中国人民政治协商会议全国委员会), or with
    its characters in order (城管局 → 城市管理局)."""
    names = (organisation, _org_stem(organisation), *official_words().get(organisation, ()))
    return any(name in text for name in names) or bool(_abbreviated(_org_stem(organisation)).search(text))


@lru_cache(maxsize=256)
def _abbreviated(short: str) -> re.Pattern:
    """A short name's characters in order inside a full one: "城管局" in "城市管理局", "文旅局" in
    "文化广电旅游局", "香港特区政府" in "香港特别行政区政府"."""
    return re.compile("[^，。；、\\s]{0,4}".join(map(re.escape, short)))


_PROVINCES = tuple("""北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川
    贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门""".split())


def _another_province(place: str, title: str) -> bool:
    """"重庆…" asked of "关于湖北省在温家宝总理考察工作时所提问题…的函": the title is about another province."""
    stem = _place_stem(place)
    named = [p for p in _PROVINCES  # "山西、安徽省", not "西藏班"
             if re.search(rf"{p}(?:、[\u4e00-\u9fff]{{2,3}})*(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)", title)]
    return stem in _PROVINCES and bool(named) and stem not in named


def years_in(text: str) -> set[str]:
    """The years a text names ("2023年乡村旅游接待游客1600万人次" → {"2023"})."""
    return set(_YEAR.findall(text))


def title_years(title: str) -> list[tuple[int, int]]:
    """The years (as spans) a title says its document is about: "2019年部分节假日" → (2019, 2019),
    "（2018—2035年）" → (2018, 2035); none for most titles."""
    spans = [(int(low), int(high)) for low, high in _YEAR_RANGE.findall(title)]
    rest = _YEAR_RANGE.sub(" ", title)
    return spans + [(int(year), int(year)) for year in _YEAR.findall(rest)]


def _covers(spans: list[tuple[int, int]], year: str) -> bool:
    """Whether the title's years cover the year asked ("2019", or a plan's span "2023—2025")."""
    first, _, last = year.partition("—")
    asked_low, asked_high = int(first), int(last or first)
    return not spans or any(low <= asked_high and asked_low <= high for low, high in spans)


def _org_stem(organisation: str) -> str:
    """"江州市住房和城乡建设局" is also written "市住房城乡建设局"; compare without the place prefix."""
    stem = re.sub(r"^[\u4e00-\u9fff]{2,4}?(?:省|市|区|县)", "", organisation)
    return stem if len(stem) >= 3 else organisation


def same_doc_number(asked: str, doc_number: str) -> bool:
    """"国发〔2018〕39号" (as ``question_specifics`` keeps it: the issuer's last two characters) names the
    document numbered "国发〔2018〕39号", not "国办发〔2018〕39号"."""
    return _plain(asked) in _plain(doc_number)


def title_named(asked: str, title: str) -> bool:
    """A 《title》 in a question names a document whose title contains it (or its core)."""
    return _title_found(asked, _plain(title))
