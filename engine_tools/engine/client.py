"""The engine over its REST API (ovirtsdk4): the names commands use, one
import for all of them. Each job is its own module, lower ones first:

- session: connect, log in and out, SDK failures as one-line EngineErrors
- window: the bounded request window, send_all (each write once), list_all
- reads: VMs and the vNIC profile model
- writes: VM properties, vNIC profiles added, NICs moved
"""
from engine_tools.engine.reads import (  # noqa: F401
    NAMES_PER_SEARCH,
    PAGE_SIZE,
    SEARCH_CHARS,
    name_searches,
    read_all_vms,
    read_back,
    read_back_networking,
    read_both_models,
    read_networking,
    read_vms,
)
from engine_tools.engine.session import (  # noqa: F401
    API_PATH,
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    WINDOW,
    EngineError,
    NoAnswer,
    Options,
    UnreadableAnswer,
    api_url,
    close,
    connect,
    engine_error,
    fault_text,
    no_answer,
    session,
    transport_text,
)
from engine_tools.engine.window import Outcome, run_windowed, send_all, wait_answer  # noqa: F401
from engine_tools.engine.writes import (  # noqa: F401
    MapWrites,
    add_profiles,
    apply_changes,
    change_nic_profiles,
    write_maps,
)
