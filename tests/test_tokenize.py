"""jieba tokens are the same whether the dictionary is read on demand (short runs) or loaded whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant.index import tokenize

ROOT = Path(__file__).resolve().parent.parent


def test_on_demand_dictionary_gives_the_same_tokens_as_the_whole_one():
    lazy, full = tokenize._lazy_jieba(), tokenize._full_jieba()
    assert lazy is not None and lazy.FREQ is not full.FREQ
    texts = [p.read_text(encoding="utf-8")[:3000] for p in sorted((ROOT / "corpus").rglob("*.txt"))[:8]]
    texts += ["老旧小区加装电梯每台补助多少？", "推进“双随机、一公开”监管，2024年国办发〔2024〕5号", "AI大模型 赋能 政务服务"]
    for text in texts:
        assert list(lazy.cut_for_search(text)) == list(full.cut_for_search(text))
        assert list(lazy.cut(text)) == list(full.cut(text))


def test_a_question_is_tokenized_without_loading_the_whole_dictionary():
    tokenize._lazy_jieba()  # the frequency file exists from here on
    code = ("from assistant.index.tokenize import word_tokens, query_terms, _full_jieba\n"
            "print(word_tokens('政协委员关于老旧小区加装电梯的提案'), query_terms('加装电梯补助'),"
            " _full_jieba.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert "'加装'" in out and "'电梯'" in out and out.strip().endswith(" 0")
