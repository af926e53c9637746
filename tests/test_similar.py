"""Similar-proposal detection (查重): pure scoring, and precision/recall on tests/data/similar_pairs.jsonl."""

from __future__ import annotations

import json
import sys

from assistant.drafting.similar import Candidate, draft_queries, score_candidates, sentence_pairs, topic_of

from .conftest import DATA, ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from bench_similar import evaluate  # noqa: E402

DRAFT = """关于提高加装电梯补助标准的提案
提案人：某委员
一、情况分析
目前市级财政对每台电梯补助15万元，而一台电梯综合造价普遍在45万元至60万元之间。
住宅专项维修资金使用需经双三分之二业主表决，程序繁琐。
二、具体建议
一是将市级补助提高至每台20万元。
"""


def candidate(doc_id: str, title: str, text: str, genre: str = "proposal") -> Candidate:
    return Candidate(doc_id, title, genre, f"{title}\n{text}")


def test_topic_and_queries():
    assert topic_of("关于提高加装电梯补助标准的提案") == "提高加装电梯补助标准"
    queries = draft_queries(DRAFT)
    assert queries[0] == "关于提高加装电梯补助标准的提案"
    assert all("提案人" not in q for q in queries)


def test_sentence_pairs_line_up_overlapping_points():
    existing = "关于加装电梯的提案\n目前市级财政对每台电梯补助15万元，而当前一台6层单元电梯综合造价普遍在45万元至60万元之间。\n另一件事情与此无关。"
    pairs = sentence_pairs(DRAFT, existing)
    assert pairs[0].draft.startswith("目前市级财政对每台电梯补助15万元")
    assert pairs[0].existing.startswith("目前市级财政对每台电梯补助15万元")
    assert all(p.overlap >= 0.22 for p in pairs)


def test_scoring_separates_duplicate_related_and_unrelated_and_never_calls_a_reply_a_duplicate():
    original = "目前市级财政对每台电梯补助15万元，而一台电梯综合造价普遍在45万元至60万元之间。住宅专项维修资金使用需经双三分之二业主表决，程序繁琐。建议将市级补助提高至每台20万元。"
    candidates = [
        candidate("dup", "关于加大加装电梯资金支持力度的提案", original),
        candidate("reply", "关于加装电梯资金提案的答复", original, genre="reply"),
        candidate("rel", "关于化解加装电梯低层住户分歧的提案", "加装电梯中低层住户意见分歧大，建议建立补偿协商机制和专业调解队伍。"),
        candidate("far", "关于发展低空经济的提案", "建设无人机起降点，发展低空物流和应急救援。"),
    ]
    found = {d.doc_id: d for d in score_candidates(DRAFT, candidates)}
    assert found["dup"].verdict == "likely_duplicate"
    assert found["reply"].verdict == "related"
    assert "far" not in found
    assert list(found)[0] == "dup"


def test_precision_and_recall_on_the_labelled_pairs(corpus_assistant):
    pairs = [json.loads(line) for line in (DATA / "similar_pairs.jsonl").read_text("utf-8").splitlines() if line.strip()]
    assert len(pairs) >= 10
    result = evaluate(corpus_assistant, pairs)
    assert result["duplicate_precision"] >= 0.8
    assert result["duplicate_recall"] >= 0.8
    assert result["related_recall"] >= 0.7
    assert result["unrelated_false_alarm_rate"] <= 0.34

