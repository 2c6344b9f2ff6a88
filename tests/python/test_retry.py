"""The retry decision from Python: the same rules as the Rust crate's."""

from __future__ import annotations

import inspect

import pytest

from usersig import InvalidArgumentError
from usersig.login import (
    ApiError,
    Backoff,
    ErrorClass,
    ErrorCode,
    RetryPolicy,
    TransportError,
    is_read_only,
    parse_response,
)


def fail(code: int, extra: str = "") -> ApiError:
    body = f'{{"ActionStatus":"FAIL","ErrorCode":{code},"ErrorInfo":"x"{extra}}}'.encode()
    with pytest.raises(ApiError) as e:
        parse_response(200, body)
    return e.value


def transport() -> TransportError:
    with pytest.raises(TransportError) as e:
        parse_response(503, b"")
    return e.value


def test_defaults_show_in_the_signature_and_the_values() -> None:
    p = RetryPolicy()
    assert (p.max_attempts, p.deadline, p.retry_writes_on_transport) == (3, 120.0, False)
    assert (p.backoff.base, p.backoff.cap) == (0.5, 30.0)
    assert str(inspect.signature(RetryPolicy)) == (
        "(max_attempts=3, *, backoff=None, deadline=120.0, retry_writes_on_transport=False)"
    )
    assert RetryPolicy.never().max_attempts == 1
    assert repr(p).startswith("RetryPolicy(max_attempts=3, backoff=Backoff(base=0.5")


def test_retry_codes_until_the_attempts_run_out() -> None:
    call = RetryPolicy(backoff=Backoff(base=1.0, cap=8.0)).start(False)
    e = fail(60007)
    # random=0: no jitter drawn, the wait is 0 (no floor for 60007).
    assert [call.on_failure(e, 0.0, random=0).action for _ in range(3)] == [
        "retry",
        "retry",
        "give_up",
    ]
    last = call.on_failure(e, 0.0, random=0)
    assert last.reason == "attempts_exhausted"
    assert last.message == "no attempts left"
    assert [a.code for a in call.attempts] == [ErrorCode(60007)] * 4
    assert all(a.error_class is ErrorClass.RETRY for a in call.attempts)


def test_the_jitter_stays_under_the_doubling_ceiling() -> None:
    call = RetryPolicy(max_attempts=10, backoff=Backoff(base=1.0, cap=4.0)).start(False)
    e = fail(70500)
    waits = [call.on_failure(e, 0.0).after for _ in range(5)]
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(w is not None and 0.0 <= w <= c for w, c in zip(waits, ceilings))


def test_70050_waits_a_minute_and_60022_the_server_time() -> None:
    locked = RetryPolicy().start(False).on_failure(fail(70050), 0.0, random=0)
    assert (locked.action, locked.after) == ("retry", 60.0)
    busy = fail(60022, ',"WaitingTime":9')
    assert busy.waiting_time == 9.0
    d = RetryPolicy().start(False).on_failure(busy, 0.0, random=0)
    assert (d.action, d.after) == ("retry", 9.0)


@pytest.mark.parametrize(
    ("code", "error_class"),
    [(70009, ErrorClass.CONFIG), (70051, ErrorClass.STOP), (70107, ErrorClass.IMPORT), (12345, ErrorClass.UNKNOWN)],
)
def test_codes_that_retrying_cannot_mend_give_up_at_once(code: int, error_class: ErrorClass) -> None:
    call = RetryPolicy().start(True)
    d = call.on_failure(fail(code), 0.0)
    assert (d.action, d.reason, d.after) == ("give_up", "not_retryable", None)
    assert call.attempts[0].error_class is error_class


def test_an_expired_admin_sig_is_renewed_once() -> None:
    call = RetryPolicy.never().start(False)
    assert call.on_failure(fail(70001), 0.0).action == "reissue"
    assert call.reissued
    d = call.on_failure(fail(70052), 0.1)
    assert (d.action, d.reason) == ("give_up", "already_reissued")
    assert [str(a) for a in call.attempts] == ["70001 (reissue)", "70052 (reissue)"]
    assert call.attempts[1].elapsed == 0.1


def test_transport_failures_retry_reads_and_not_writes() -> None:
    read = RetryPolicy().start(True)
    assert read.read_only
    assert read.on_failure(transport(), 0.0).action == "retry"
    assert read.attempts[0].code is None
    write = RetryPolicy().start(False)
    assert write.on_failure(transport(), 0.0).reason == "not_read_only"
    opted = RetryPolicy(retry_writes_on_transport=True).start(False)
    assert opted.on_failure(transport(), 0.0).action == "retry"
    assert is_read_only("openim", "query_online_status")
    assert is_read_only("im_open_login_svc", "account_check")
    assert not is_read_only("im_open_login_svc", "account_delete")


def test_no_wait_ends_past_the_deadline() -> None:
    d = RetryPolicy(deadline=30.0).start(False).on_failure(fail(70050), 0.0, random=0)
    assert (d.action, d.reason) == ("give_up", "deadline")
    d = RetryPolicy(deadline=None).start(False).on_failure(fail(70050), 1e6, random=0)
    assert d.action == "retry"


def test_a_fail_without_a_code_is_retried() -> None:
    e = fail(0)
    assert e.code == 0 and e.error_class is ErrorClass.RETRY
    assert RetryPolicy().start(False).on_failure(e, 0.0).action == "retry"


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="max_attempts must be at least 1"):
        RetryPolicy(0)
    with pytest.raises(InvalidArgumentError, match="deadline"):
        RetryPolicy(deadline=-1.0)
    call = RetryPolicy().start(False)
    with pytest.raises(TypeError, match="error must be an ApiError or a TransportError, not ValueError"):
        call.on_failure(ValueError("x"), 0.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="elapsed"):
        call.on_failure(transport(), float("nan"))
    assert call.attempts == []
