"""The result store (DuckDB)."""

from tracker.store.store import (
    DEFAULT_STORE,
    ConversionRecord,
    ResultRecord,
    Store,
    VerdictRecord,
    default_store_path,
)

__all__ = [
    "DEFAULT_STORE",
    "ConversionRecord",
    "ResultRecord",
    "Store",
    "VerdictRecord",
    "default_store_path",
]
