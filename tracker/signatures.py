"""Error signatures: the same bug, recognisable across versions, models and machines.

A signature is ``ExceptionType: first meaningful line of the message`` with the parts
that vary between occurrences masked: numbers, hex addresses, paths, quoted temporary
names. Stored messages are truncated and made safe (valid UTF-8, no NUL, bounded size).
"""

from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 8_000
MAX_SIGNATURE_CHARS = 240

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
# native frames in messages: "/src/onnxruntime/core/graph/model.cc:179 ns::Model::Model(args) "
_NATIVE_LOCATION = re.compile(r"(?:[\w./-]+)?\.(?:cc|cpp|cxx|c|h|hpp):\d+\s*")
_NATIVE_FUNCTION = re.compile(r"(?:[\w<>]+::)+~?[\w<>]+\((?:[^()]|\([^()]*\))*\)(?:\s*const)?\s*")
# absolute paths, and relative ones of three components or more (".tracker/cache/x/model.onnx",
# not "int/float")
_PATH = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[\"'(=]))"
    r"(?:(?:[A-Za-z]:)?(?:/[^\s\"':,()]+)+/?|[\w.~-]+(?:/[^\s\"':,()]+){2,}/?)"
)
# graph node names ("node with name '/model/Where_3'", "Name:'node_where'") differ between
# exporters and models for the same runtime bug
_NODE_NAME = re.compile(r"\b(name\s*:?\s*)'[^'\n]*'", re.IGNORECASE)
_UUIDISH = re.compile(r"\b[0-9a-f]{8,}\b")
# NumPy 2 writes scalars as "np.int32(5)" where NumPy 1 wrote "5": the same bug either way
_NUMPY_SCALAR = re.compile(r"\bnp\.(?:u?int\d+|float\d+|bool_?|complex\d+|str_)\(([^()]*)\)")
_NUMBER = re.compile(r"(?<!\w)[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPACES = re.compile(r"\s+")

# Lines that carry no information about *which* bug it is.
_BORING = re.compile(
    r"^(traceback|during handling|the above exception|file \"|\s*\^+\s*$|-{3,}|={3,})",
    re.IGNORECASE,
)


def safe_text(text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Return ``text`` as valid UTF-8 without NULs, truncated in the middle to ``limit``.

    Bytes that are not UTF-8 are replaced, so a converter printing garbage cannot break
    the store or a report. The head and the tail are kept: the tail of a traceback is
    usually the useful part.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    else:
        text = str(text).encode("utf-8", errors="replace").decode("utf-8")
    text = text.replace("\x00", "\\0")
    if len(text) > limit:
        keep = limit // 2 - 40
        omitted = len(text) - 2 * keep
        text = f"{text[:keep]}\n... [{omitted} characters omitted] ...\n{text[-keep:]}"
    return text


# TensorFlow's errors raised while tracing a function ("in user code:", then the frames
# of the traced code) say what went wrong on their last line, not their first.
_STAGED = re.compile(r"^\s*in user code:")
_REPEATED_KIND = re.compile(r"^(\w+): ")


def first_meaningful_line(message: str) -> str:
    if _STAGED.match(message):
        lines = [line.strip() for line in message.splitlines() if line.strip()]
        if len(lines) > 1:
            return lines[-1]
    for line in message.splitlines():
        stripped = line.strip()
        if stripped and not _BORING.match(stripped):
            return stripped
    return ""


def mask(text: str) -> str:
    """Mask what varies between occurrences of the same error."""
    text = _NATIVE_LOCATION.sub("", text)
    text = _NATIVE_FUNCTION.sub("", text)
    text = _NUMPY_SCALAR.sub(r"\1", text)
    text = _NODE_NAME.sub(r"\1'<name>'", text)
    text = _ADDRESS.sub("<addr>", text)
    text = _PATH.sub("<path>", text)
    text = _UUIDISH.sub("<id>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACES.sub(" ", text).strip()


def signature(kind: str, message: str = "") -> str:
    """Normalise an error into a stable signature.

    >>> signature("RuntimeError", "shape (1, 3, 224) at 0x7f00 in /tmp/x/model.onnx")
    'RuntimeError: shape (<n>, <n>, <n>) at <addr> in <path>'
    """
    line = mask(first_meaningful_line(safe_text(message, 4_000)))
    repeated = _REPEATED_KIND.match(line)
    if repeated and _STAGED.match(message) and kind.rsplit(" ", 1)[-1] == repeated.group(1):
        line = line[repeated.end():]  # "TypeError: TypeError: ..." says it once
    text = f"{kind}: {line}" if line else kind
    if len(text) > MAX_SIGNATURE_CHARS:
        text = text[: MAX_SIGNATURE_CHARS - 3] + "..."
    return text


def exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, outermost first (cycles cut)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        chain.append(current)
        seen.add(id(current))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return chain


def exception_signature(exc: BaseException) -> str:
    """Signature of an exception: its innermost cause names the bug best.

    Converters wrap the real error (``torch.onnx`` raises ``ConversionError`` from the
    operator's ``DispatchError``); both type names are kept, the message of the
    innermost one is used.
    """
    chain = exception_chain(exc)
    outer, inner = chain[0], chain[-1]
    kind = type(inner).__name__
    if inner is not outer:
        kind = f"{type(outer).__name__} <- {kind}"
    message = str(inner) or str(outer)
    return signature(kind, message)
