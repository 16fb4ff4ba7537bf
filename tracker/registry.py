"""Loading plugins and holding what they register.

This is the only module that calls ``pm.hook``; the rest of the core asks the
:class:`Registry` for typed components.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pluggy

from tracker import hookspecs
from tracker.api import Component, Converter, Framework, Oracle, Runtime
from tracker.cases import ModelCase
from tracker.errors import InternalError, PluginError
from tracker.plugin import ENTRY_POINT_GROUP
from tracker.signatures import safe_text

T = TypeVar("T")

KINDS: dict[str, tuple[str, type]] = {
    "framework": ("register_frameworks", Framework),
    "converter": ("register_converters", Converter),
    "runtime": ("register_runtimes", Runtime),
    "oracle": ("register_oracles", Oracle),
    "model": ("register_models", ModelCase),
}
KIND_HOOKS = [hook for hook, _ in KINDS.values()]


@dataclasses.dataclass
class PluginInfo:
    """One plugin as found: where it comes from and what it registered."""

    name: str
    module: str
    distribution: str | None = None
    version: str | None = None
    error: str | None = None  # why it is broken (failed import, bad hook, bad registration)
    origin: str | None = None  # where it was installed from: "editable /path", a URL, or "index"
    provides: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.error is not None


def installed_from(dist: importlib.metadata.Distribution) -> str:
    """Where a distribution was installed from, as its ``direct_url.json`` (PEP 610) says:
    ``editable /path``, ``/path`` or a URL for a direct reference, else ``index``."""
    try:
        record = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("url"), str):
        return "index"
    url = record["url"]
    where = url.removeprefix("file://") if url.startswith("file://") else url
    editable = isinstance(record.get("dir_info"), dict) and record["dir_info"].get("editable") is True
    return f"editable {where}" if editable else where


def _env_list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


class Registry:
    """Every framework, converter, runtime, oracle and case the installed plugins provide."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("tracker")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.components: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.owners: dict[tuple[str, str], str] = {}

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def load(cls, *, entry_points: bool = True, modules: Iterable[str] = ()) -> Registry:
        registry = cls()
        if os.environ.get("TRACKER_TRACE_PLUGINS"):
            registry.pm.trace.root.setwriter(lambda text: sys.stderr.write(f"[plugins] {text}"))
            registry.pm.enable_tracing()
        if entry_points:
            registry._load_entry_points()
        extra = list(modules) + (_env_list("TRACKER_PLUGIN_MODULES") or [])
        for module_name in extra:
            registry._load_module(module_name)
        registry._check_hooks()
        registry._collect()
        return registry

    def _load_entry_points(self) -> None:
        allow = _env_list("TRACKER_PLUGINS")
        block = set(_env_list("TRACKER_DISABLE_PLUGINS") or [])
        seen: set[str] = set()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in seen:
                continue
            seen.add(ep.name)
            if ep.name in block or (allow is not None and ep.name not in allow):
                self.pm.set_blocked(ep.name)
                continue
            dist = getattr(ep, "dist", None)
            info = PluginInfo(
                name=ep.name,
                module=ep.value,
                distribution=dist.metadata["Name"] if dist else None,
                version=dist.version if dist else None,
                origin=installed_from(dist) if dist else None,
            )
            self.plugins[ep.name] = info
            try:
                plugin = ep.load()
            except BaseException as exc:  # a plugin's import may raise anything
                if isinstance(exc, KeyboardInterrupt):
                    raise
                info.error = f"failed to import {ep.value}: {_describe(exc)}"
                continue
            self._register(info, plugin)

    def _load_module(self, module_name: str) -> None:
        info = PluginInfo(name=module_name, module=module_name, origin="module (TRACKER_PLUGIN_MODULES)")
        self.plugins[module_name] = info
        try:
            plugin = importlib.import_module(module_name)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            info.error = f"failed to import {module_name}: {_describe(exc)}"
            return
        self._register(info, plugin)

    def _register(self, info: PluginInfo, plugin: object) -> None:
        try:
            self.pm.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:
            info.error = f"invalid hook implementation: {exc}"

    def _check_hooks(self) -> None:
        """A hook implementation that matches no hookspec (a misspelled hook) is an error."""
        for info in self.plugins.values():
            plugin = self.pm.get_plugin(info.name)
            if plugin is None or info.broken:
                continue
            for attr in dir(plugin):
                if attr.startswith("_") or attr in KIND_HOOKS:
                    continue
                if self.pm.parse_hookimpl_opts(plugin, attr) is not None:
                    info.error = (
                        f"{info.module}.{attr} is marked @hookimpl but no tracker hook is "
                        f"named {attr!r} (misspelled?); the hooks are: {', '.join(KIND_HOOKS)}"
                    )
                    self.pm.unregister(name=info.name)
                    break
        self.pm.check_pending()

    def _collect(self) -> None:
        for kind, (hook_name, base) in KINDS.items():
            hook = getattr(self.pm.hook, hook_name)
            for impl in hook.get_hookimpls():
                info = self.plugins[impl.plugin_name]
                others = [p for p in self.pm.get_plugins() if p is not impl.plugin]
                caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
                try:
                    caller(register=self._registrar(kind, base, info))
                except PluginError as exc:
                    info.error = str(exc)
                except Exception as exc:
                    info.error = f"{hook_name}() raised {_describe(exc)}"

    def _registrar(self, kind: str, base: type, info: PluginInfo) -> Callable[[Any], None]:
        def register(obj: Any) -> None:
            if not isinstance(obj, base):
                raise PluginError(
                    f"plugin {info.name!r} registered {obj!r} with {KINDS[kind][0]}(), "
                    f"which takes {base.__module__}.{base.__qualname__} instances"
                )
            name = obj.id if kind == "model" else obj.name
            if not name:
                raise PluginError(f"plugin {info.name!r} registered a {kind} without a name")
            owner = self.owners.get((kind, name))
            if owner is not None:
                raise PluginError(
                    f"{kind} {name!r} is registered by both plugin {owner!r} and {info.name!r}",
                    hint=f"disable one with TRACKER_DISABLE_PLUGINS={info.name}",
                )
            self.owners[(kind, name)] = info.name
            self.components[kind][name] = obj
            info.provides.append((kind, name))

        return register

    # -- typed access ---------------------------------------------------------------------
    @property
    def frameworks(self) -> dict[str, Framework]:
        return self.components["framework"]

    @property
    def converters(self) -> dict[str, Converter]:
        return self.components["converter"]

    @property
    def runtimes(self) -> dict[str, Runtime]:
        return self.components["runtime"]

    @property
    def oracles(self) -> dict[str, Oracle]:
        return self.components["oracle"]

    @property
    def cases(self) -> list[ModelCase]:
        return sorted(self.components["model"].values(), key=lambda c: c.id)

    def model_plugins(self) -> dict[str, list[str]]:
        """Each plugin that registers cases -> the ids of its cases."""
        found: dict[str, list[str]] = {}
        for info in self.plugins.values():
            ids = [name for kind, name in info.provides if kind == "model"]
            if ids:
                found[info.name] = ids
        return found

    def framework(self, name: str) -> Framework:
        """The framework registered as ``name``; if there is none, a :class:`PluginError`
        naming the installed ones."""
        return self._named("framework", name, Framework)

    def converter(self, name: str) -> Converter:
        """The converter registered as ``name`` (errors as :meth:`framework`)."""
        return self._named("converter", name, Converter)

    def runtime(self, name: str) -> Runtime:
        """The runtime registered as ``name`` (errors as :meth:`framework`)."""
        return self._named("runtime", name, Runtime)

    def oracle(self, name: str) -> Oracle:
        """The oracle registered as ``name`` (errors as :meth:`framework`)."""
        return self._named("oracle", name, Oracle)

    def case(self, case_id: str) -> ModelCase:
        """The model case registered as ``case_id`` (errors as :meth:`framework`)."""
        return self._named("model", case_id, ModelCase)

    def component(self, kind: str, name: str) -> Component:
        """A framework, converter, runtime or oracle by ``kind`` and ``name``, for code that
        needs only what every component has (availability, versions)."""
        return self._named(kind, name, Component)

    def broken(self) -> list[PluginInfo]:
        return [info for info in self.plugins.values() if info.broken]

    def require_healthy(self) -> None:
        """Raise if any plugin is broken: a misspelled hook must fail loudly."""
        broken = self.broken()
        if broken:
            lines = "\n".join(f"  {info.name}: {info.error}" for info in broken)
            raise PluginError(
                f"{len(broken)} plugin(s) could not be loaded:\n{lines}",
                hint="fix or uninstall them, or skip them with TRACKER_DISABLE_PLUGINS=name",
            )

    def _named(self, kind: str, name: str, base: type[T]) -> T:
        """What a plugin registered as ``name`` under ``kind``: a ``base`` instance."""
        found = self.components[kind].get(name)
        if found is not None:
            if not isinstance(found, base):  # _registrar checked it: a core bug
                raise InternalError(f"{kind} {name!r} is a {type(found).__name__}, not a {base.__name__}")
            return found
        known = ", ".join(sorted(self.components[kind])) or "none"
        broken = [f"{i.name} ({i.error})" for i in self.broken()]
        hint = f"installed {kind}s: {known}"
        if broken:
            hint += f"; broken plugins: {'; '.join(broken)}"
        raise PluginError(f"no {kind} named {name!r} is installed", hint=hint)

    def owner(self, kind: str, name: str) -> PluginInfo:
        return self.plugins[self.owners[(kind, name)]]



def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
    return safe_text(f"{type(exc).__name__}: {exc}{where}", 2_000)
