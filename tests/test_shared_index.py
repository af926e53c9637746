"""Several processes, one index (Chroma server): a document written by one is found by the other.

The second process is the real CLI in a subprocess; the keyword index of the long-running one
(as in ``assistant serve``) catches up from the shared registry, touching only the changed document.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEW_DOC = """关于在江州市推广社区共享菜园的提案

一、基本情况
我市部分老旧小区存在闲置边角地，居民自发开辟的共享菜园既美化环境，又增进邻里交往。

二、具体建议
（一）由街道牵头梳理可利用的闲置地块，制定共享菜园管理公约。
（二）对参与共享菜园建设的小区给予一次性补助。
"""


def _cli(index: Path, env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "assistant.cli", "--index", str(index), *args], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_write_by_one_process_is_searchable_in_the_other(make_assistant, chroma_server, embed_cache, tmp_path):
    collection = f"shared-{uuid.uuid4().hex[:8]}"
    index = tmp_path / "index"
    serving = make_assistant(index, chroma_url=chroma_server, chroma_collection=collection)
    serving.ingest(sorted((ROOT / "corpus" / "proposals").glob("*.txt"))[:3])
    assert not [h for h in serving.search("社区共享菜园 闲置地块", k=5) if "共享菜园" in h.title]
    keywords_before = serving.index.keywords()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CHROMA_URL": chroma_server,
           "ASSISTANT_CHROMA_COLLECTION": collection, "ASSISTANT_EMBED_CACHE": str(embed_cache)}
    upload = tmp_path / "共享菜园.txt"
    upload.write_text(NEW_DOC, encoding="utf-8")
    _cli(index, env, "ingest", str(upload))  # another process writes

    hits = serving.search("社区共享菜园 闲置地块", k=5)
    assert hits and "共享菜园" in hits[0].title
    keywords = serving.index.keywords()
    assert keywords is keywords_before  # caught up in place, not rebuilt
    assert keywords.changed_rows == len(serving.document_chunks(hits[0].doc_id))

    serving.remove([hits[0].doc_id])  # and the other way round
    found = json.loads(_cli(index, env, "search", "社区共享菜园 闲置地块", "--json"))
    assert not [h for h in found if "共享菜园" in h["title"]]
