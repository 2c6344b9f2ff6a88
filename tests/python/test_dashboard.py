"""The emulator's dashboard (GET /) in a real browser: headless Chromium
(Debian's chromium and chromium-driver), driven by selenium.

The seed document's scenario by clicking: two Web instances allowed, a1, a2
and a3 of one account log in with UserSigs the page has the emulator issue;
the page shows a1 kicked with multipleAccount by a3's login, a2 and a3
online, and the webhooks, which go to the example FastAPI app, delivered
with a valid Sign. Then the other controls: log out, REST kick (the
revoked-sig mark), and a UserID made of HTML shown as text.

A screenshot is kept in target/test-artifacts/dashboard.png (and written to
the path in USERSIG_DASHBOARD_SCREENSHOT too, which is how docs/dashboard.png
is made). Without Chromium the tests skip, unless USERSIG_REQUIRE_CHROMIUM=1
(CI installs it and sets that), where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import shutil
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from conftest import DEMO_APP, DEMO_KEY, REPO, examples_on_path, keep_artifact
from servers import serve_asgi

from usersig.login import CallbackVerifier
from usersig.testing import Emulator

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SELENIUM = importlib.util.find_spec("selenium") is not None
MISSING = (
    "no Chromium here: apt-get install chromium chromium-driver (.ci/run installs them)"
    if not (CHROMIUM and DRIVER)
    else "no selenium here: pip install selenium (the test extra has it)"
    if not SELENIUM
    else None
)
if MISSING and os.environ.get("USERSIG_REQUIRE_CHROMIUM") == "1":
    raise RuntimeError(MISSING + ", and USERSIG_REQUIRE_CHROMIUM=1 requires it")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

TOKEN = "dashboard-callback-token"
ARTIFACTS = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "test-artifacts"
WAIT = 10.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,860",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--proxy-server=direct://",
        "--proxy-bypass-list=*",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def app_url() -> Iterator[str]:
    examples_on_path()
    import fastapi_app

    from usersig import Signer

    app = fastapi_app.create_app(Signer(DEMO_APP, DEMO_KEY), CallbackVerifier(TOKEN, sdkappid=DEMO_APP))
    with serve_asgi(app) as url:
        yield url


@pytest.fixture
def emulator(app_url: str, usersig_emulator_factory: Callable[..., Emulator]) -> Emulator:
    # The demo app, the example's; the manual clock starts now, so that the
    # app finds the webhooks fresh.
    return usersig_emulator_factory(
        sdkappid=DEMO_APP,
        key=DEMO_KEY,
        web_instances=2,
        clock="manual",
        now=int(time.time()),
        callback_url=app_url + "/im/callback",
        callback_token=TOKEN,
    )


def until(what: str, check: Callable[[], Any]) -> Any:
    """Polls ``check`` until it answers something true, at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            got = check()
        except Exception as e:  # a table re-rendered under us: look again
            got, error = None, repr(e)
        else:
            error = ""
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never showed {what}" + (f" ({error})" if error else ""))
        time.sleep(0.05)


def rows(driver: Any, table: str) -> list[dict[str, str]]:
    """The rows of a table: their data attributes and their text."""
    script = (
        "return Array.from(document.querySelectorAll(arguments[0] + ' tbody tr:not(.empty)'))"
        ".map(r => Object.assign({text: r.innerText}, r.dataset));"
    )
    result: list[dict[str, str]] = driver.execute_script(script, "#" + table)
    return result


def type_into(driver: Any, element_id: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def click(driver: Any, element_id: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, element_id).click()


def result(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    text: str = driver.find_element(By.ID, "result").text
    return text


def log_in(driver: Any, user: str, instance: str) -> None:
    type_into(driver, "login-user", user)
    type_into(driver, "login-instance", instance)
    click(driver, "login-button")
    until(f"{instance} logged in", lambda: result(driver).startswith(f"{instance} logged in as {user}"))


def advance(driver: Any, emu: Emulator, seconds: int) -> None:
    before = emu.now
    type_into(driver, "advance-seconds", str(seconds))
    click(driver, "advance-button")
    until("the clock advanced", lambda: emu.now == before + seconds and "clock is at" in result(driver))


def open_dashboard(driver: Any, emu: Emulator) -> None:
    from selenium.webdriver.common.by import By

    driver.get(emu.url + "/")
    until("live", lambda: driver.find_element(By.ID, "live").text == "live")
    assert driver.title == "usersig emulator"


def console_errors(driver: Any) -> list[Any]:
    """Errors in the console but the network's (a refused request is one):
    a script or style the Content-Security-Policy blocked would be here."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and e["source"] != "network"]


def test_the_seed_scenario_by_clicking(browser: Any, emulator: Emulator) -> None:
    from selenium.webdriver.common.by import By

    driver, emu = browser, emulator
    open_dashboard(driver, emu)
    assert driver.find_element(By.ID, "policy").text == "2 Web instances, cross-platform dual"
    assert driver.find_element(By.ID, "clock-kind").text == "manual"

    for instance in ("a1", "a2", "a3"):
        log_in(driver, "alice", instance)
        if instance != "a3":
            advance(driver, emu, 1)
    assert result(driver) == "a3 logged in as alice (Web); kicked a1 (multipleAccount)"

    [kick] = until("a1's kick", lambda: rows(driver, "kicks"))
    assert (kick["user"], kick["instance"], kick["reason"], kick["by"]) == ("alice", "a1", "multipleAccount", "a3")
    assert "multipleAccount" in kick["text"] and "login of a3 (Web)" in kick["text"]
    online = until(
        "a2 and a3 online",
        lambda: (r := rows(driver, "online")) and {x["instance"] for x in r} == {"a2", "a3"} and r,
    )
    assert [(r["user"], r["platform"]) for r in online] == [("alice", "Web"), ("alice", "Web")]
    assert driver.find_element(By.ID, "online-count").text == "2"
    alice = next(r for r in rows(driver, "accounts") if r["user"] == "alice")
    assert "Web 2" in alice["text"] and alice["revoked"] == ""

    # The webhooks reached the example app: signed, checked, answered OK.
    hooks = until(
        "three webhooks delivered",
        lambda: (r := rows(driver, "webhooks")) and len(r) == 3 and all(x["state"] == "delivered" for x in r) and r,
    )
    for hook in hooks:
        assert hook["replyOk"] == "true"
        assert "valid" in hook["text"] and "HTTP 200 OK" in hook["text"]
    assert all("alice" in h["text"] and "Login" in h["text"] for h in hooks)
    assert "Login, kicked Web" in hooks[0]["text"]  # newest first: a3's login

    # What the page shows is what the emulator holds.
    state = emu.state()
    assert [(k["InstanceID"], k["Reason"]) for k in state["Kicks"]] == [("a1", "multipleAccount")]
    assert state["Kicks"][0]["Cause"] == {"Type": "Login", "InstanceID": "a3", "Platform": "Web"}
    assert state["OnlineCount"] == 2
    # Nothing was loaded from anywhere but the emulator, and nothing was blocked.
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith(emu.url + "/") for r in resources), resources
    assert console_errors(driver) == []

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    keep_artifact(shot)
    wanted = os.environ.get("USERSIG_DASHBOARD_SCREENSHOT")
    if wanted:
        shutil.copyfile(shot, wanted)


def test_log_out_rest_kick_and_values_shown_as_text(browser: Any, emulator: Emulator) -> None:
    from selenium.webdriver.common.by import By

    driver, emu = browser, emulator
    open_dashboard(driver, emu)
    log_in(driver, "bob", "b1")
    advance(driver, emu, 1)
    log_in(driver, "bob", "b2")

    # Log out b1 with its row's button.
    until("b1 and b2 online", lambda: len(rows(driver, "online")) == 2)
    driver.find_element(By.CSS_SELECTOR, "#online tr[data-instance='b1'] button.logout").click()
    until("b1 logged out", lambda: [r["instance"] for r in rows(driver, "online")] == ["b2"])
    assert result(driver) == "b1 of bob logged out"

    # REST-kick bob: b2 goes with REST_API_Kick, his UserSigs are marked revoked.
    driver.find_element(By.CSS_SELECTOR, "#accounts tr[data-user='bob'] button.kick").click()
    until("bob kicked", lambda: [r["reason"] for r in rows(driver, "kicks")] == ["REST_API_Kick"])
    assert rows(driver, "online") == []
    bob = until(
        "bob's revoked mark",
        lambda: next((r for r in rows(driver, "accounts") if r["user"] == "bob" and r["revoked"]), None),
    )
    assert int(bob["revoked"]) == emu.now and "issued until" in bob["text"]
    assert "REST kick" in rows(driver, "kicks")[0]["text"]

    # A UserID made of HTML is shown as text, never made into elements.
    hostile = "<img src=x onerror=alert(1)>"
    log_in(driver, hostile, "x1")
    [row] = until("the hostile login", lambda: rows(driver, "online"))
    assert row["user"] == hostile and row["text"].startswith(hostile)
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []
    assert driver.execute_script("return document.querySelectorAll('[onerror]').length") == 0

    # A refused login says why.
    type_into(driver, "login-expire", "2000000000")  # past 50 years
    type_into(driver, "login-instance", "x2")
    click(driver, "login-button")
    until("the refusal", lambda: "refused: 70402" in result(driver))
    assert console_errors(driver) == []
