"""A local Tencent Cloud IM for tests, in process.

:class:`Emulator` serves the emulator of the ``usersig-emulator`` crate on
``127.0.0.1`` from a thread of its own: the REST account APIs as Tencent
answers them (``emu.url`` is the base URL to send them to), SDK logins with
the console's multi-instance and cross-platform policy, kick notices, REST
kicks that revoke earlier UserSigs, signed ``State.StateChange`` webhooks,
a manual clock and rate limits. No ``usersig`` binary is needed.

>>> from usersig import Signer
>>> from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator
>>> with Emulator(TEST_SDKAPPID, TEST_KEY, clock="manual", now=1700000000) as emu:
...     sig = Signer(TEST_SDKAPPID, TEST_KEY).sign("alice", 3600, now=emu.now)
...     emu.login("alice", sig)["ActionStatus"], emu.state()["OnlineCount"]
('OK', 1)

The pytest plugin (installed with the package, as ``usersig``) adds the
``usersig_emulator`` fixture, configured by the ``usersig_emulator`` marker,
and the ``usersig_emulator_factory`` fixture: see ``usersig.pytest_plugin``.
"""

from __future__ import annotations

from usersig._native import Emulator
from usersig.exceptions import EmulatorError

#: The app id the ``usersig_emulator`` fixture emulates unless told otherwise.
TEST_SDKAPPID: int = 1400000000

#: The key the ``usersig_emulator`` fixture's app has unless told otherwise:
#: the demo key of Tencent's own samples, public, never a real app's.
TEST_KEY: str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"

__all__ = ["TEST_KEY", "TEST_SDKAPPID", "Emulator", "EmulatorError"]
