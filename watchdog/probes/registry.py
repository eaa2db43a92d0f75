"""A registry of probe kinds that imports each kind's module the first time it is asked for.

Loading a config needs only the kinds it uses, and ``check`` or ``once`` with three kinds
should not pay for sixteen (their HTTP, DNS, TLS and Vault libraries included). Names are
known without importing anything, so ``kind in PROBES`` and ``sorted(PROBES)`` stay cheap;
``PROBES[name]`` imports ``module`` and returns its ``KIND``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping

from watchdog.probes.base import ProbeKind

__all__ = ["KindRegistry"]


class KindRegistry(MutableMapping[str, ProbeKind]):
    """Kind name → ``ProbeKind``, each loaded from its module on first use."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._loaded: dict[str, ProbeKind] = {}

    def __getitem__(self, name: str) -> ProbeKind:
        found = self._loaded.get(name)
        if found is not None:
            return found
        module = importlib.import_module(self._modules[name])  # KeyError for unknown kinds
        kind: ProbeKind = module.KIND
        if kind.name != name:
            raise RuntimeError(f"{module.__name__}.KIND is named {kind.name!r}, not {name!r}")
        self._loaded[name] = kind
        return kind

    def __setitem__(self, name: str, kind: ProbeKind) -> None:
        self._modules[name] = kind.run.__module__
        self._loaded[name] = kind

    def __delitem__(self, name: str) -> None:
        del self._modules[name]
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)
