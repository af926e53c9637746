"""Train the linear ranker (assistant/rank.py) on the development benchmarks, with cross-validation.

    python scripts/train_ranker.py ../shared/bench/govqa ../shared/bench/cppcc_reply [--index index]

Builds (or reuses) each set's evaluation index, collects the candidates and features of every
query through the production retriever, reports 5-fold cross-validated hit@10 / MRR@10 of the
ranker against plain RRF, and cross-set scores (trained on one set, tested on the other), then
fits on everything and writes assistant/data/ranker.json. Labels are used only here, never at
query time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import load_settings  # noqa: E402
from assistant.retrieval.evaluate import load_beir, open_eval_index, passage_ids_by_doc  # noqa: E402
from assistant.models import SearchFilters  # noqa: E402
from assistant.retrieval.rank import FEATURES, WEIGHTS_FILE, LinearRanker  # noqa: E402


def collect(beir_dir: Path, index: str | None) -> list[dict]:
    """Per query: features, whether each candidate's document is relevant, the candidate docs."""
    beir = load_beir(beir_dir)
    cache = beir_dir.resolve().name + ".features.npz"
    settings = load_settings(index=index)
    cache_path = settings.index / "eval" / cache
    assistant = open_eval_index(settings, beir)
    try:
        doc_passages = passage_ids_by_doc(assistant)
        chunk_doc = dict(zip(assistant.index.keywords().chunk_ids, assistant.index.keywords().doc_ids))
        if cache_path.is_file():
            data = np.load(cache_path, allow_pickle=True)
            return list(data["groups"])
        groups = []
        for number, (qid, text) in enumerate(beir.queries, start=1):
            found = assistant.retriever.candidates(text, SearchFilters())
            docs = [chunk_doc[c] for c in found.chunk_ids]
            relevant = beir.qrels[qid]
            labels = np.array([any(p in relevant for p in doc_passages.get(d, [])) for d in docs], dtype=float)
            rrf = (np.where(found.dense_rank > 0, 1 / (60 + found.dense_rank), 0)
                   + np.where(found.chars_rank > 0, 1 / (60 + found.chars_rank), 0))
            groups.append({"x": found.features(), "y": labels, "docs": np.array(docs), "rrf": rrf,
                           "set": beir.name})
            if number % 200 == 0:
                print(f"  {beir.name}: {number}/{len(beir.queries)} queries", file=sys.stderr)
        np.savez(cache_path, groups=np.array(groups, dtype=object))
        return groups
    finally:
        assistant.close()


def evaluate_scores(groups: list[dict], scores: list[np.ndarray], k: int = 10) -> tuple[float, float]:
    hits = mrr = 0.0
    for group, score in zip(groups, scores):
        order = np.argsort(-score, kind="stable")
        seen: list[str] = []
        rank = None
        for i in order:
            doc = group["docs"][i]
            if doc in seen:
                continue
            seen.append(doc)
            if group["y"][i] > 0:
                rank = len(seen)
                break
            if len(seen) >= k:
                break
        if rank is not None:
            hits += 1
            mrr += 1 / rank
    return hits / len(groups), mrr / len(groups)


def fit(groups: list[dict], l2: float = 1e-3, steps: int = 300, lr: float = 0.05) -> LinearRanker:
    """Listwise softmax loss (ListNet with one-hot targets), full-batch Adam, vectorised over groups."""
    usable = [g for g in groups if g["y"].sum() > 0 and len(g["y"])]
    x = np.concatenate([g["x"] for g in usable])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    x = (x - mean) / scale
    target = np.concatenate([g["y"] / g["y"].sum() for g in usable])
    starts = np.cumsum([0] + [len(g["y"]) for g in usable[:-1]])
    group_of = np.repeat(np.arange(len(usable)), [len(g["y"]) for g in usable])
    w = np.zeros(x.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        s = x @ w
        s = s - np.maximum.reduceat(s, starts)[group_of]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[group_of]
        grad = x.T @ (p - target) / len(usable) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return LinearRanker(mean, scale, w)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--index", default=None)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    by_set = {path.resolve().name: collect(path, args.index) for path in args.sets}
    everything = [g for groups in by_set.values() for g in groups]
    rng = np.random.default_rng(0)
    fold_of = rng.integers(0, args.folds, size=len(everything))
    cv_scores: list[np.ndarray] = [np.zeros(0)] * len(everything)
    for fold in range(args.folds):
        train = [g for g, f in zip(everything, fold_of) if f != fold]
        model = fit(train)
        for i, (g, f) in enumerate(zip(everything, fold_of)):
            if f == fold:
                cv_scores[i] = model.score(g["x"])
    print("| set | RRF hit@10 / MRR@10 | ranker, 5-fold CV | ranker trained on the other set only |")
    print("|---|---|---|---|")
    for name, groups in by_set.items():
        idx = [i for i, g in enumerate(everything) if g["set"] == name]
        rrf = evaluate_scores(groups, [g["rrf"] for g in groups])
        cv = evaluate_scores(groups, [cv_scores[i] for i in idx])
        others = [g for g in everything if g["set"] != name]
        other_model = fit(others) if others else None
        cross = evaluate_scores(groups, [other_model.score(g["x"]) for g in groups]) if other_model else (0, 0)
        print(f"| {name} | {rrf[0]:.3f} / {rrf[1]:.3f} | {cv[0]:.3f} / {cv[1]:.3f} | {cross[0]:.3f} / {cross[1]:.3f} |")
    final = fit(everything)
    WEIGHTS_FILE.write_text(json.dumps(final.to_json(), indent=1), encoding="utf-8")
    print("weights:", dict(zip(FEATURES, np.round(final.weights, 3))))
    print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
