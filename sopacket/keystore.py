"""Packet passwords in the operating system's keyring (service ``sopacket``, user name = the
packet id): macOS Keychain, Windows Credential Locker, the Secret Service on Linux.

Where no keyring backend works (a headless server, a container), every action fails with
one clear message and exit code 5; nothing ever falls back to storing a password in a
plain file. A backend that does not encrypt is refused the same way: keyrings.alt's
PlaintextKeyring (base64 in a file), and any backend that keyring's own rule marks as not
recommended (a priority below 1). In a chain of backends only those that pass are used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from .errors import KeyringError

SERVICE = "sopacket"

_NO_BACKEND = (
    "Use --password-stdin or --password-file instead, or run a keyring service that "
    "encrypts (on a Linux desktop: gnome-keyring or KWallet; on a server: gnome-keyring's "
    "Secret Service in a D-Bus session, e.g. `dbus-run-session -- sh -c "
    "'gnome-keyring-daemon --unlock --components=secrets; sopacket ...'`)."
)

_PLAINTEXT = ("keyrings.alt.file.PlaintextKeyring",)
"""Backends known to keep passwords unencrypted (keyrings.alt's: base64 in a file)."""


def _backend() -> Any:
    import keyring
    from keyring.backends import fail

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration
        raise KeyringError(
            f"the OS keyring cannot be used ({type(exc).__name__}).", _NO_BACKEND
        ) from None
    if isinstance(backend, fail.Keyring) or type(backend).__name__ in ("NullKeyring",):
        raise KeyringError("no OS keyring is available on this computer.", _NO_BACKEND)
    chain = getattr(backend, "backends", None)
    if chain is None:
        _refuse_unsafe(backend)
        return backend
    safe = [b for b in chain if _unsafe(b) is None]
    if not safe:
        for inner in chain:
            _refuse_unsafe(inner)
        raise KeyringError("no OS keyring is available on this computer.", _NO_BACKEND)
    # A chain reads from every member: keep to the safe ones (the first one stores).
    return backend if len(safe) == len(chain) else safe[0]


def _unsafe(backend: Any) -> str | None:
    """Why a keyring backend must not keep a packet's password, or None."""
    classes = {f"{c.__module__}.{c.__qualname__}" for c in type(backend).__mro__}
    scheme = str(getattr(backend, "scheme", "")).lower()
    if classes.intersection(_PLAINTEXT) or scheme.startswith("no enc"):
        return "writes passwords to a file without encrypting them"
    try:
        priority = float(backend.priority)
    except Exception:  # a backend that is not viable here says so by raising
        return "cannot be used on this computer"
    if priority < 1:  # keyring: "a priority of one or greater is recommended"
        return f"is marked as not recommended (keyring priority {priority:g}, below 1)"
    return None


def _refuse_unsafe(backend: Any) -> None:
    why = _unsafe(backend)
    if why is not None:
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        raise KeyringError(
            f"the keyring backend in use, {name}, {why}; sopacket does not keep packet "
            "passwords there.",
            _NO_BACKEND,
        )


def _call(action: str, func: Any, *args: Any) -> Any:
    from keyring.errors import KeyringError as BackendError

    try:
        return func(*args)
    except BackendError as exc:
        raise KeyringError(
            f"the OS keyring refused to {action} ({type(exc).__name__}).",
            "Unlock the keyring (log in to the desktop session) and try again. " + _NO_BACKEND,
        ) from None
    except Exception as exc:  # D-Bus and platform errors surface as many kinds
        raise KeyringError(
            f"the OS keyring failed to {action} ({type(exc).__name__}).", _NO_BACKEND
        ) from None


def check_available() -> None:
    """Raise KeyringError now if no keyring backend can be used."""
    _backend()


def store(packet_id: str, password: str) -> bool:
    """Store a packet's password; True when it replaced one that was stored before."""
    backend = _backend()
    previous = _call("read the password", backend.get_password, SERVICE, packet_id)
    _call("store the password", backend.set_password, SERVICE, packet_id, password)
    return bool(previous)


def stored(packet_id: str) -> str | None:
    """The password stored for a packet, or None."""
    backend = _backend()
    value = _call("read the password", backend.get_password, SERVICE, packet_id)
    return str(value) if value else None


def fetch_or_create(packet_id: str, make: Callable[[], str]) -> tuple[str, bool]:
    """The packet's stored password; where none is stored, ``make()`` one and store it.
    True when it was made now. Two sopacket processes asking at once get the same one:
    the read and the store happen under one lock (:func:`_locked`)."""
    with _locked():
        value = stored(packet_id)
        if value is not None:
            return value, False
        value = make()
        store(packet_id, value)
    return value, True


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """This user's sopacket keyring lock (an OS file lock beside keyring's own data, in
    the user's data folder), where the system has file locks; else nothing."""
    try:
        import fcntl
        import os

        from keyring.util import platform_

        folder = platform_.data_root()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(
            os.path.join(folder, "sopacket-keyring.lock"),
            os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
            0o600,
        )
    except (ImportError, OSError):  # no fcntl (Windows), or no folder to lock in
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def fetch(packet_id: str) -> str:
    backend = _backend()
    value = _call("read the password", backend.get_password, SERVICE, packet_id)
    if not value:
        raise KeyringError(
            f"the OS keyring has no password for packet '{packet_id}'.",
            f"Store one with `sopacket password set {packet_id}`, or make one with "
            f"`sopacket password generate {packet_id}`.",
        )
    return str(value)


def forget(packet_id: str) -> bool:
    """Remove a packet's password; False when none was stored (nothing to do: forgetting
    twice is not an error)."""
    from keyring.errors import PasswordDeleteError

    backend = _backend()
    if _call("read the password", backend.get_password, SERVICE, packet_id) is None:
        return False
    try:
        backend.delete_password(SERVICE, packet_id)
    except PasswordDeleteError:
        return False  # removed meanwhile
    except Exception as exc:
        raise KeyringError(
            f"the OS keyring failed to forget the password ({type(exc).__name__}).", _NO_BACKEND
        ) from None
    return True


def list_ids() -> list[str]:
    """Packet ids with a stored password, where the backend can list them."""
    backend = _backend()
    for inner in getattr(backend, "backends", None) or []:  # a chain: list with its first
        if type(inner).__module__.endswith("SecretService"):
            backend = inner
            break
    name = type(backend).__module__
    if name.endswith("SecretService"):

        def search() -> list[str]:
            collection = backend.get_preferred_collection()
            items = collection.search_items({"service": SERVICE})
            return sorted({str(item.get_attributes().get("username", "")) for item in items})

        return [i for i in _call("list the passwords", search) if i]
    lister = getattr(backend, "sopacket_list", None)  # test and custom backends
    if lister is not None:
        return sorted(lister(SERVICE))
    raise KeyringError(
        f"this keyring ({type(backend).__name__}) cannot list its entries.",
        "Use `sopacket password show ID` with the packet's id (its `id:` line).",
    )
