"""Importing Gradio without its type-stub writer (half of ``import gradio``'s time).

While Gradio is imported, its ``ComponentMeta`` calls ``create_or_modify_pyi`` for every component
class it defines: the component's whole source file is read and parsed with ``ast``, a Jinja
template is rendered and a ``.pyi`` stub next to it in site-packages is compared (and rewritten when
it differs). That keeps Gradio's own editor stubs up to date during Gradio's development and does
nothing for a running app, yet it is about half of the import: 7.5 s → 3.5 s at load 6 on the
2-core development machine (docs/benchmarks.md, "Start-up of serve").

``skip_stub_writing()`` installs a one-shot import hook that, right after ``gradio.component_meta``
has run (before any component class exists), replaces that function with one that does nothing.
If Gradio is already imported, or a later Gradio has no such function, nothing changes.
"""

from __future__ import annotations

import importlib.abc
import sys

MODULE = "gradio.component_meta"
STUB_WRITER = "create_or_modify_pyi"


def _no_stub(*args, **kwargs) -> None:
    return None


class _Loader(importlib.abc.Loader):
    """The real loader of ``gradio.component_meta``; after running the module, the stub writer is
    replaced."""

    def __init__(self, real: importlib.abc.Loader):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module) -> None:
        self.real.exec_module(module)
        if callable(getattr(module, STUB_WRITER, None)):
            setattr(module, STUB_WRITER, _no_stub)

    def __getattr__(self, name):  # get_source, get_filename… for tracebacks and inspect
        return getattr(self.real, name)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        sys.meta_path.remove(self)  # one shot, and the other finders below find the real module
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader)
                return spec
        return None


def skip_stub_writing() -> None:
    """Make the next ``import gradio`` skip the stub writer (no effect once Gradio is imported)."""
    if MODULE in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
