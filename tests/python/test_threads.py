"""Many threads signing and verifying at once with shared Signer/Verifier
objects, and the batch calls letting other threads run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from conftest import DEMO_APP, DEMO_KEY
from usersig import ExpiredError, IdentifierMismatchError, Signer, Verifier

T0 = 1_700_000_000


def test_many_threads_share_one_signer_and_verifier() -> None:
    signer = Signer(DEMO_APP, DEMO_KEY)
    verifier = Verifier(DEMO_APP, DEMO_KEY)
    expected = {f"user{i}": signer.sign(f"user{i}", 3600 + i, now=T0) for i in range(64)}

    def work(worker: int) -> int:
        checked = 0
        for round_ in range(20):
            ident = f"user{(worker * 7 + round_) % 64}"
            i = int(ident[4:])
            sig = signer.sign(ident, 3600 + i, now=T0)
            assert sig == expected[ident]
            c = verifier.verify(ident, sig, now=T0 + 3600 + i)
            assert (c.identifier, c.expires_at) == (ident, T0 + 3600 + i)
            try:
                verifier.verify(ident, sig, now=T0 + 3601 + i)
                raise AssertionError("an expired sig verified")
            except ExpiredError as e:
                assert e.expired_at == T0 + 3600 + i
            batch = signer.sign_many([ident, "other"], 3600 + i, now=T0)
            assert batch[0] == sig
            results = verifier.verify_many([(ident, batch[0]), (ident, batch[1])], now=T0)
            assert results[0] == c
            assert isinstance(results[1], IdentifierMismatchError)
            checked += 1
        return checked

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert sum(pool.map(work, range(64))) == 64 * 20


def longest_stall_while(call: Callable[[], Any]) -> tuple[float, float]:
    """Runs `call` in a thread; returns (its duration, the longest time the
    main thread could not run Python code meanwhile)."""
    done = threading.Event()
    took = [0.0]

    def run() -> None:
        t = time.perf_counter()
        call()
        took[0] = time.perf_counter() - t
        done.set()

    worker = threading.Thread(target=run)
    stall = 0.0
    last = time.perf_counter()
    worker.start()
    while True:
        # Each gap between two of these readings is time this thread could
        # not run, from the worker's start to the moment its call is done.
        now = time.perf_counter()
        stall = max(stall, now - last)
        last = now
        if done.is_set():
            break
        time.sleep(0.001)
    worker.join()
    return took[0], stall


def test_batches_release_the_gil() -> None:
    signer = Signer(DEMO_APP, DEMO_KEY)
    verifier = Verifier(DEMO_APP, DEMO_KEY)
    # Size the batch to take about a second on this machine and build.
    t = time.perf_counter()
    signer.sign_many([f"u{i}" for i in range(2000)], now=T0)
    n = max(2000, int(2000 * 1.0 / max(time.perf_counter() - t, 1e-6)))
    ids = [f"u{i}" for i in range(n)]

    took, stall = longest_stall_while(lambda: signer.sign_many(ids, now=T0))
    assert took > 0.3
    # Holding the GIL for the batch would stall this thread for all of it.
    assert stall < took / 2, (took, stall)

    pairs = list(zip(ids, signer.sign_many(ids, now=T0)))
    took, stall = longest_stall_while(lambda: verifier.verify_many(pairs, now=T0))
    assert took > 0.3
    assert stall < took / 2, (took, stall)


def test_the_stall_measure_sees_a_call_that_holds_the_gil() -> None:
    # Sorting a big list of floats runs in C without releasing the GIL: the
    # measure above must see it, or the test above proves nothing.
    import random

    data = [random.random() for _ in range(300_000)]
    t = time.perf_counter()
    sorted(data)
    reps = max(1, int(0.6 / max(time.perf_counter() - t, 1e-6)))
    big = data * reps
    took, stall = longest_stall_while(lambda: sorted(big))
    assert stall > took / 2, (took, stall)
