"""The example app's presence table: who is online, from IM's
``State.StateChange`` callbacks.

A login adds an instance on its platform (``OptPlatform``) and removes one
for each platform in ``KickedDevice`` (the instances it kicked, as Web SDK
2.14 and later report them); a logout or a disconnect removes one on its
platform, or, for a REST kick (``OptPlatform`` ``RESTAPI``, one callback per
instance), one on any platform.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Optional

from usersig.login import StateChange


class Presence:
    """Instances online per user and platform. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._online: dict[str, Counter[str]] = {}
        self._last: dict[str, str] = {}

    def apply(self, change: StateChange, platform: Optional[str]) -> None:
        """Records one ``State.StateChange`` callback sent with ``OptPlatform`` ``platform``."""
        with self._lock:
            counts = self._online.setdefault(change.account, Counter())
            if change.action == "Login":
                counts[platform or "Unknown"] += 1
                for kicked in change.kicked_platforms:
                    self._remove(counts, kicked)
            elif change.action in ("Logout", "Disconnect"):
                self._remove(counts, platform)
            self._last[change.account] = f"{change.action}/{change.reason}"
            if not counts:
                del self._online[change.account]

    @staticmethod
    def _remove(counts: Counter[str], platform: Optional[str]) -> None:
        if platform is not None and counts.get(platform, 0) > 0:
            target = platform
        elif counts:  # a REST kick names no platform: any instance goes
            target = max(counts, key=lambda p: counts[p])
        else:
            return
        counts[target] -= 1
        if counts[target] <= 0:
            del counts[target]

    def platforms(self, user_id: str) -> dict[str, int]:
        """``{platform: instances online}`` for ``user_id`` (empty when off line)."""
        with self._lock:
            return dict(self._online.get(user_id, {}))

    def is_online(self, user_id: str) -> bool:
        """Whether ``user_id`` has an instance online."""
        return bool(self.platforms(user_id))

    def last_change(self, user_id: str) -> Optional[str]:
        """The last ``Action/Reason`` recorded for ``user_id``."""
        with self._lock:
            return self._last.get(user_id)

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Every user online and their platforms."""
        with self._lock:
            return {u: dict(c) for u, c in self._online.items()}
