"""The pytest plugin of the usersig package: a local Tencent IM per test.

Installed with the package (entry point ``pytest11``, name ``usersig``), so
that a test suite only asks for a fixture:

- ``usersig_emulator``: a started :class:`usersig.testing.Emulator` for
  :data:`~usersig.testing.TEST_SDKAPPID` and :data:`~usersig.testing.TEST_KEY`,
  closed after the test. Its settings come from the ``usersig_emulator``
  marker, whose keyword arguments are the ``Emulator``'s (``sdkappid`` and
  ``key`` included): ``@pytest.mark.usersig_emulator(web_instances=2,
  clock="manual", now=1700000000)``.
- ``usersig_emulator_factory``: ``factory(**settings)`` starts one more
  emulator with those settings (the same defaults); every emulator it
  started is closed after the test.

Importing the plugin imports nothing but pytest: the emulator module is
loaded, and an emulator started, only by a test that asks for a fixture.
``pytest -p no:usersig`` turns the plugin off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable

import pytest

if TYPE_CHECKING:
    from usersig.testing import Emulator

__all__ = ["usersig_emulator", "usersig_emulator_factory"]

_MARKER = "usersig_emulator"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**settings): the settings of the usersig_emulator fixture's Emulator "
        "(any keyword argument of usersig.testing.Emulator, sdkappid and key included)",
    )


@pytest.fixture
def usersig_emulator_factory() -> Iterator[Callable[..., Emulator]]:
    """``factory(**settings)`` starts an ``Emulator`` (``sdkappid`` and
    ``key`` default to ``TEST_SDKAPPID`` and ``TEST_KEY``); each one is
    closed after the test."""
    from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator

    started: list[Emulator] = []

    def start(*, sdkappid: int = TEST_SDKAPPID, key: Any = TEST_KEY, **settings: Any) -> Emulator:
        emu = Emulator(sdkappid, key, **settings)
        started.append(emu)
        return emu

    try:
        yield start
    finally:
        for emu in started:
            emu.close()


@pytest.fixture
def usersig_emulator(
    request: pytest.FixtureRequest, usersig_emulator_factory: Callable[..., Emulator]
) -> Emulator:
    """A started ``Emulator``, configured by the nearest ``usersig_emulator``
    marker's keyword arguments, closed after the test."""
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        return usersig_emulator_factory()
    if marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.{_MARKER} takes keyword arguments only (the Emulator's settings)"
        )
    return usersig_emulator_factory(**marker.kwargs)
