"""The hook specifications: the contract between the core and every plugin.

Every hook is a *registration* hook: the core calls it once when the plugins are loaded
and passes a ``register`` callback; the plugin calls ``register(obj)`` for each thing it
provides. The core validates what it is given (type, unique name) and says which plugin
is at fault when something is wrong. No hook is ``firstresult``; return values are
ignored (return ``None``).

Heavy modules (torch, tensorflow, onnxruntime) must not be imported by these hooks:
registering happens in every process, also where the framework is not installed.
Import them inside the ``*_impl`` methods instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from tracker.api import Converter, Framework, Oracle, Runtime
    from tracker.cases import ModelCase

hookspec = pluggy.HookspecMarker("tracker")


@hookspec
def register_frameworks(register: Callable[[Framework], None]) -> None:
    """Register source frameworks (model builders and reference executors).

    :param register: call with a :class:`tracker.api.Framework` instance. Its ``name``
        is what cases name in ``ModelCase.framework`` and pipelines in ``envs/``.

    An exception raised here makes the plugin *broken*: it is listed as such by
    ``tracker plugins`` and any pipeline that needs it fails with the exception.

    .. versionadded:: 0.1
    """


@hookspec
def register_models(register: Callable[[ModelCase], None]) -> None:
    """Register model cases (a model source or model zoo).

    :param register: call with a :class:`tracker.cases.ModelCase` for each case. Case
        ids are unique across all plugins; registering an id twice is an error naming
        both plugins. Must be cheap: the builder is not called here, only named.

    .. versionadded:: 0.1
    """


@hookspec
def register_converters(register: Callable[[Converter], None]) -> None:
    """Register converters.

    :param register: call with a :class:`tracker.api.Converter` instance. Its
        ``convert_impl`` receives a :class:`tracker.api.ConversionRequest` and returns
        the path of the artifact it wrote; any exception it raises is the converter's
        failure (``convert_error``), never the tracker's.

    .. versionadded:: 0.1
    """


@hookspec
def register_runtimes(register: Callable[[Runtime], None]) -> None:
    """Register runtimes that execute converted artifacts.

    :param register: call with a :class:`tracker.api.Runtime` instance. An exception in
        ``load_impl`` is ``runtime_load_error``; in ``run_impl`` it is ``runtime_error``.
        A runtime that cannot run on this platform returns a reason from
        ``not_runnable_reason()``; its cells are recorded ``not_runnable``.

    .. versionadded:: 0.1
    """


@hookspec
def register_oracles(register: Callable[[Oracle], None]) -> None:
    """Register oracles that judge artifacts and outputs.

    :param register: call with a :class:`tracker.api.Oracle` instance. ``judge_impl``
        returns a :class:`tracker.api.Verdict` with every metric it measured. A failed
        verdict of an ``artifact`` oracle makes the outcome ``invalid_model``, of an
        ``outputs`` oracle ``incorrect``. An exception is recorded as a failed verdict.

    .. versionadded:: 0.1
    """
