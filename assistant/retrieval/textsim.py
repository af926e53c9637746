"""Pure text helpers shared by drafting, the format check and duplicate detection.

Sentences (via ``chunk.sentence_spans``), character bigrams, Dice overlap and IDF-weighted
containment. No model, no index: everything here is deterministic and cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from assistant.ingest.chunk import sentence_spans

_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Header and sign-off lines of proposals, reports and replies: not content.
HEADER_LINE = re.compile(
    r"^\s*(?:提案人|提案者|联系人|界别|联名人|附议人|建议承办单位|承办单位|提交日期|提案号|反映人|联系电话|发言人|"
    r"\S{0,8}政协\S{0,16}(?:会议|期)\s*$|[（(]此件)"
)

# Words any proposal uses: they say nothing about its subject.
GENERIC_WORDS = frozenset(
    "建议 加强 推进 推动 完善 建立 部门 政府 我市 市级 相关 工作 机制 服务 管理 提高 提升 支持 鼓励 制度 开展 落实 "
    "加大 力度 进一步 规范 优化 健全 实施 实行 强化 保障 政策 资金 财政 给予 按照 要求 引导 探索 统筹 协调 企业 "
    "社会 群众 居民 单位 问题 情况 全市 有关 各类 负责 能力 水平 体系 建设 措施 质量 标准 平台 培训 宣传 责任".split()
)


def sentences(text: str, min_cjk: int = 6) -> list[str]:
    """Sentences of ``text`` line by line, keeping those with at least ``min_cjk`` CJK characters."""
    found = []
    for line in text.splitlines():
        carry = ""
        for start, end in sentence_spans(line, 0, len(line)):
            sentence = carry + line[start:end].strip()
            carry = ""
            if sentence.endswith('"') and sentence.count('"') % 2:
                sentence, carry = sentence[:-1], '"'  # an opening ASCII quote glued to the previous sentence
            if len(_CJK.findall(sentence)) >= min_cjk:
                found.append(sentence)
    return found


def content_text(text: str, skip_title: bool = True) -> str:
    """``text`` without its title line and header/sign-off lines (提案人, 界别, 建议承办单位 …)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if skip_title and lines:
        lines = lines[1:]
    return "\n".join(line for line in lines if not HEADER_LINE.match(line))


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters, digits and ideographs of ``text`` (punctuation dropped)."""
    kept = "".join(_KEEP.findall(text))
    return {kept[i : i + 2] for i in range(len(kept) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def idf_weights(bags: Iterable[set[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency of each bigram over ``bags`` (one set per document)."""
    bags = list(bags)
    frequency: dict[str, int] = {}
    for bag in bags:
        for gram in bag:
            frequency[gram] = frequency.get(gram, 0) + 1
    total = len(bags)
    return {gram: math.log((total + 1) / (count + 1)) + 0.05 for gram, count in frequency.items()}


def weighted_containment(part: set[str], whole: set[str], idf: Mapping[str, float], default: float = 1.0) -> float:
    """Share of ``part``'s IDF mass that also occurs in ``whole`` (0..1)."""
    mass = sum(idf.get(g, default) for g in part)
    return sum(idf.get(g, default) for g in part & whole) / mass if mass else 0.0


GENERIC_GRAMS = frozenset(g for word in GENERIC_WORDS for g in bigrams(word))  # their bigrams
