"""Document formats (提案, 社情民意信息, 协商建议) as editable TOML templates in ``prompts/formats/``.

A format names the title pattern, the header fields (提案人, 界别 …) and the ordered sections,
each with a role that tells the draft builder how to fill it and the headings the format check
accepts for it. Templates are read at run time: staff may edit them without touching code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

KINDS = ("proposal", "social_report", "consultation")
KIND_LABELS = {"proposal": "提案", "social_report": "社情民意信息", "consultation": "协商建议"}
ROLES = ("title_echo", "status", "problems", "views", "consensus", "suggestions", "basis", "precedents",
         "departments", "signature")
_BUNDLED = Path(__file__).resolve().parents[2] / "prompts" / "formats"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    placeholder: str


@dataclass(frozen=True)
class SectionSpec:
    name: str
    role: str
    aliases: tuple[str, ...]
    required: bool = True
    reference: bool = False  # a drafting aid, not part of the submitted text
    numbered: bool = False
    intro: str = ""


@dataclass(frozen=True)
class Format:
    kind: str
    label: str
    title: str  # "关于{topic}的提案"
    title_pattern: str
    min_chars: int
    max_chars: int
    min_suggestions: int
    fields: tuple[FieldSpec, ...]
    sections: tuple[SectionSpec, ...]

    def make_title(self, topic: str) -> str:
        topic = topic.strip()
        for prefix in ("关于",):
            topic = topic.removeprefix(prefix)
        for suffix in ("的" + self.label, self.label, "的提案", "提案", "的情况反映", "的协商建议"):
            topic = topic.removesuffix(suffix)
        return self.title.replace("{topic}", topic)

    def section(self, role: str) -> SectionSpec | None:
        return next((s for s in self.sections if s.role == role), None)


def parse_format(data: dict) -> Format:
    """A ``Format`` from the parsed TOML of a template; raises ValueError on a bad template."""
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"format kind must be one of {', '.join(KINDS)}, got {kind!r}")
    sections = []
    for raw in data.get("sections", []):
        if raw.get("role") not in ROLES:
            raise ValueError(f"{kind}: section {raw.get('name')!r} has unknown role {raw.get('role')!r}")
        sections.append(SectionSpec(
            name=raw["name"], role=raw["role"], aliases=tuple(raw.get("aliases") or [raw["name"]]),
            required=bool(raw.get("required", True)), reference=bool(raw.get("reference", False)),
            numbered=bool(raw.get("numbered", False)), intro=str(raw.get("intro", "")),
        ))
    if not sections:
        raise ValueError(f"{kind}: a format needs at least one section")
    return Format(
        kind=kind, label=data.get("label", KIND_LABELS[kind]), title=data.get("title", "关于{topic}"),
        title_pattern=data.get("title_pattern", ".+"), min_chars=int(data.get("min_chars", 0)),
        max_chars=int(data.get("max_chars", 100_000)), min_suggestions=int(data.get("min_suggestions", 1)),
        fields=tuple(FieldSpec(f["name"], f.get("placeholder", f"【请填写{f['name']}】")) for f in data.get("fields", [])),
        sections=tuple(sections),
    )


def load_format(kind: str, folder: Path | None = None) -> Format:
    """The format ``kind`` from ``folder/formats/<kind>.toml`` (``folder``: Settings.prompts), else bundled."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    candidates = ([Path(folder) / "formats" / f"{kind}.toml"] if folder else []) + [_BUNDLED / f"{kind}.toml"]
    for path in candidates:
        if path.is_file():
            with path.open("rb") as fh:
                return parse_format(tomllib.load(fh))
    raise FileNotFoundError(f"format template {kind}.toml not found in {', '.join(str(p.parent) for p in candidates)}")
