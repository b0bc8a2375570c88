"""sopacket: prepare a checked, complete, encrypted second-opinion packet from one YAML file.

The public Python API (importing this package imports nothing heavy):

    >>> from sopacket import load_packet, check_packet
    >>> report = check_packet(load_packet("examples/jane-doe/packet.yaml"))
    >>> report.ready
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "check_file", "check_packet", "load_packet"]

if TYPE_CHECKING:
    from .checking.check import check_file
    from .checking.checklist import check_packet
    from .packetfile.validation import load_packet


def __getattr__(name: str) -> Any:
    if name == "load_packet":
        from .packetfile.validation import load_packet

        return load_packet
    if name == "check_file":
        from .checking.check import check_file

        return check_file
    if name == "check_packet":
        from .checking.checklist import check_packet

        return check_packet
    raise AttributeError(name)
