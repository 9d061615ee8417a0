"""Type stubs of the native module `pml._pml` (the Pythonic API is in `pml/__init__.py`)."""

from typing import Any, Callable, Dict, List, Optional, Union

__version__: str
DEFAULT_WINDOW_MS: int

class PmlError(Exception):
    """Any error of pml; where it happened, when known."""

    file: Optional[str]
    offset: Optional[int]
    event_index: Optional[int]

class CaptureError(PmlError): ...
class FilterError(PmlError): ...
class ArgumentError(PmlError): ...
class OutputError(PmlError): ...

_Filters = Dict[str, Any]
_Progress = Optional[Callable[[int, int], Any]]

class Batches:
    unreadable: int
    rows: int
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...

class RawEvents:
    capture_events: int
    columns: List[str]
    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...
    def collect(self, progress: _Progress = None) -> Batches: ...

class Capture:
    files: List[str]
    event_count: int
    warnings: List[str]
    closed: bool
    def close(self) -> None: ...
    def info_json(self) -> str: ...
    def events(
        self,
        filters: _Filters,
        columns: Union[None, str, List[str]],
        text: bool = False,
        limit: Optional[int] = None,
    ) -> RawEvents: ...
    def analyze_json(self, name: str, window_ms: int, include_procmon: bool = False) -> str: ...
    def summary_jsonl(
        self, kind: str, column: Optional[str], filters: _Filters, progress: _Progress = None
    ) -> str: ...
    def export(
        self,
        out: str,
        format: str,
        filters: _Filters,
        columns: Optional[str],
        progress: _Progress = None,
    ) -> int: ...
    def save_filtered(self, out: str, filters: _Filters) -> int: ...
    def report(self, out: str, window_ms: int, include_procmon: bool = False) -> int: ...

def open(paths: List[str], salvage: bool = True, tz: Optional[str] = None) -> Capture: ...
def diff_json(
    good: Capture,
    bad: Capture,
    filters: _Filters,
    limit: int = 1000,
    link_incidents: bool = True,
    progress: _Progress = None,
) -> str: ...
