"""The framework's float64 reference (``Framework.run_float64``), for the output oracles
that ask for it (``Oracle.wants_float64_reference``): from the cache, or computed on the
reference's input sets and cached beside it, or why there is none.

Why there is none is cached too when the framework said so (``NotImplementedError``) or
the float64 run raised (an operator without a float64 kernel): it is a property of the
model and the framework version, and every environment would otherwise build the model
again to learn it. A model that could not be built is not remembered: that says nothing
about float64.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tracker.api import Framework, Oracle
from tracker.signatures import safe_text
from tracker.worker.cache import Cache
from tracker.worker.extras import inputs_digest


def wanted(oracles: Sequence[Oracle], oracle_options: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether one of these output oracles, with the pipeline's options, wants it."""
    return any(o.wants_float64_reference({**o.defaults, **oracle_options.get(o.name, {})}) for o in oracles)


def missing(cache: Cache, reference: str) -> bool:
    """Whether neither the float64 outputs nor why there are none are in the cache (the
    digest of the inputs is checked when they are loaded)."""
    return not cache.float64_path(reference).is_file() and cache.float64_unavailable(reference) is None


def reference(cache: Cache, key: str, framework: Framework, model: Callable[[], Any],
              inputs: Sequence[Sequence[Any]]) -> tuple[list[list[Any]] | None, str | None]:
    """``(outputs per input set, None)``, or ``(None, why not)``. ``model`` builds the
    source model (called only when the outputs are not cached)."""
    reason = cache.float64_unavailable(key)
    if reason is not None:
        return None, reason
    digest = inputs_digest(inputs)
    cached = cache.load_float64(key, digest)
    if cached is not None:
        return cached, None
    try:
        source = model()
    except Exception as exc:  # noqa: BLE001 - the float32 reference was cached; say so, remember nothing
        traceback.print_exception(exc)
        return None, safe_text(f"the source model could not be built for its float64 run: {exc!r}", 500)
    reason: str | None = None
    try:
        outputs = [framework.run_float64(source, sample) for sample in inputs]
    except NotImplementedError as exc:
        reason = safe_text(str(exc) or f"framework {framework.name!r} cannot run its models in float64", 500)
    except Exception as exc:  # noqa: BLE001 - a model without a float64 kernel: a reason, not a failure
        traceback.print_exception(exc)
        reason = safe_text(f"the float64 run failed: {type(exc).__name__}: {exc}", 500)
    if reason is not None:
        cache.save_float64_unavailable(key, reason)
        return None, reason
    cache.save_float64(key, digest, outputs)
    return outputs, None
