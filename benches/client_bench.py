"""Times usersig.client against a bare httpx POST of the same prepared
request to the same emulator, side by side in one process, and prints the
ratios (target: at most 1.10).

    target/python-venv/bin/python benches/client_bench.py   # after scripts/test-python.sh

The emulator (usersig.testing, no rate limit) runs in this process on a
thread of its own, on 127.0.0.1. Every variant asks
``openim/query_online_status`` for one account with the detail, one call at
a time, over one ``httpx.Client`` (the client is given the very same one, so
both use one pool and one kept-alive connection):

- ``bare``: requests prepared by ``RestApi`` before the clock starts (the
  URL, headers and body the client sends; one for each call, since every
  request carries a ``random`` of its own), posted with
  ``httpx.Client.post`` and their bodies read: the floor any client pays;
- ``same``: one of them posted again and again. httpx's cookie jar parses
  every answer's URL with ``urllib.parse.urlsplit``, whose cache makes a URL
  seen before about 7 us cheaper on this host: a floor no client gets, since
  Tencent's requests never repeat a ``random``; shown for comparison;
- ``by_hand``: what a caller without the client writes: a request prepared
  by ``RestApi`` for each call, posted, and read by ``parse_response``;
- ``typed`` (``Client.query_online_status``, client rate limit off): the
  lock, preparing the request (cached admin UserSig, fresh ``random``), the
  retry bookkeeping, the streamed and capped body read, ``parse_response``
  and the ``OnlineStatus`` list;
- ``call`` (``Client.call``): the same, answering the ``RestResponse``;
- ``limited``: ``typed`` with the client's rate limit on but never reached
  (10**9 calls a second), so that its bookkeeping is counted.

The same for ``AsyncClient`` against ``httpx.AsyncClient.post``. Then the
blocking variants once more over ``httpx.MockTransport`` (a canned answer,
no socket): the client's own cost per call in microseconds, without the
round trip's noise.

Loopback round trips on a shared host drift within minutes, so the variants
are interleaved: each round times a batch of each, in an order that
rotates, and the ratio is taken within the round; the median of the rounds'
ratios is the figure. Bounded: ROUNDS rounds of BATCH calls per variant.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx

from usersig.client import DEFAULT_TIMEOUT, AsyncClient, Client
from usersig.login import PreparedRequest, RestApi, parse_response
from usersig.testing import TEST_KEY, TEST_SDKAPPID, Emulator

ADMIN = "administrator"
ROUNDS = 150
BATCH = 20
WARM_UP = 500
BODY = {"To_Account": [ADMIN], "IsNeedDetail": 1}


def distinct(api: RestApi, n: int) -> Iterator[PreparedRequest]:
    """``n`` requests for the bare variants, each with its own ``random``, then none."""
    return iter([r for _ in range(n) for r in api.query_online_status([ADMIN])])


def report(title: str, per_round: dict[str, list[float]]) -> None:
    """Prints each variant's median time per call and its median ratio to bare."""
    print(title)
    bare = per_round["bare"]
    for name, times in per_round.items():
        ratios = [t / b for t, b in zip(times, bare)]
        line = f"  {name:8} {statistics.median(times) * 1e6:8.1f} us/call"
        if name != "bare":
            line += f"   ratio {statistics.median(ratios):.3f} (rounds: {min(ratios):.3f} to {max(ratios):.3f})"
        print(line)


def report_cost(per_round: dict[str, list[float]]) -> None:
    """Prints each variant's median cost per call over bare, in microseconds."""
    bare = per_round["bare"]
    for name, times in per_round.items():
        if name != "bare":
            extra = statistics.median(t - b for t, b in zip(times, bare)) * 1e6
            print(f"  {name:8} +{extra:.1f} us/call over bare ({statistics.median(bare) * 1e6:.1f} us)")


def bench_sync(emu: Emulator, transport: httpx.BaseTransport | None = None) -> dict[str, list[float]]:
    # The timeout the clients give the httpx clients they make themselves.
    http = httpx.Client(timeout=DEFAULT_TIMEOUT, transport=transport)
    api = RestApi(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url)
    [request] = api.query_online_status([ADMIN])
    url, headers, body = request.url, request.headers, request.body
    fresh = distinct(api, ROUNDS * BATCH + WARM_UP)
    plain = Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=None, http_client=http)
    limited = Client(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=10**9, http_client=http)

    def bare() -> None:
        r = next(fresh)
        http.post(r.url, content=r.body, headers=r.headers).read()

    def same() -> None:
        http.post(url, content=body, headers=headers).read()

    def by_hand() -> object:
        [r] = api.query_online_status([ADMIN])
        reply = http.post(r.url, content=r.body, headers=r.headers)
        return parse_response(reply.status_code, reply.content).online_status()

    variants: dict[str, Callable[[], object]] = {
        "bare": bare,
        "same": same,
        "by_hand": by_hand,
        "typed": lambda: plain.query_online_status([ADMIN]),
        "call": lambda: plain.call("openim", "query_online_status", BODY),
        "limited": lambda: limited.query_online_status([ADMIN]),
    }
    # Each answers what it should, and everything is warm.
    assert [s.account for s in plain.query_online_status([ADMIN])] == [ADMIN]
    assert parse_response(200, http.post(url, content=body, headers=headers).content).online_status()
    for fn in variants.values():
        for _ in range(WARM_UP // len(variants)):
            fn()

    names = list(variants)
    per_round: dict[str, list[float]] = {n: [] for n in names}
    for r in range(ROUNDS):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn = variants[name]
            start = time.perf_counter()
            for _ in range(BATCH):
                fn()
            per_round[name].append((time.perf_counter() - start) / BATCH)
    plain.close()
    limited.close()
    http.close()
    return per_round


async def bench_async(emu: Emulator) -> dict[str, list[float]]:
    api = RestApi(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url)
    [request] = api.query_online_status([ADMIN])
    url, headers, body = request.url, request.headers, request.body
    fresh = distinct(api, ROUNDS * BATCH + WARM_UP)
    async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as http:
        plain = AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=None, http_client=http)
        limited = AsyncClient(TEST_SDKAPPID, ADMIN, TEST_KEY, base_url=emu.url, rate_limit=10**9, http_client=http)

        async def bare() -> None:
            r = next(fresh)
            await (await http.post(r.url, content=r.body, headers=r.headers)).aread()

        async def same() -> None:
            await (await http.post(url, content=body, headers=headers)).aread()

        async def by_hand() -> object:
            [r] = api.query_online_status([ADMIN])
            reply = await http.post(r.url, content=r.body, headers=r.headers)
            return parse_response(reply.status_code, reply.content).online_status()

        variants: dict[str, Callable[[], Awaitable[object]]] = {
            "bare": bare,
            "same": same,
            "by_hand": by_hand,
            "typed": lambda: plain.query_online_status([ADMIN]),
            "call": lambda: plain.call("openim", "query_online_status", BODY),
            "limited": lambda: limited.query_online_status([ADMIN]),
        }
        assert [s.account for s in await plain.query_online_status([ADMIN])] == [ADMIN]
        for fn in variants.values():
            for _ in range(WARM_UP // len(variants)):
                await fn()

        names = list(variants)
        per_round: dict[str, list[float]] = {n: [] for n in names}
        for r in range(ROUNDS):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                fn = variants[name]
                start = time.perf_counter()
                for _ in range(BATCH):
                    await fn()
                per_round[name].append((time.perf_counter() - start) / BATCH)
        return per_round


CANNED = (
    b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"",'
    b'"QueryResult":[{"To_Account":"administrator","Status":"Offline","Detail":[]}]}'
)


def main() -> None:
    with Emulator(TEST_SDKAPPID, TEST_KEY, rate_limit=0) as emu:
        each = f"{ROUNDS} rounds of {BATCH} calls per variant"
        report(f"usersig.client.Client vs httpx.Client.post, over loopback ({each})", bench_sync(emu))
        report(f"usersig.client.AsyncClient vs httpx.AsyncClient.post, over loopback ({each})",
               asyncio.run(bench_async(emu)))
        mock = httpx.MockTransport(lambda request: httpx.Response(200, content=CANNED))
        print(f"usersig.client.Client's own cost, over httpx.MockTransport ({each})")
        report_cost(bench_sync(emu, mock))


if __name__ == "__main__":
    main()
