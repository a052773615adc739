"""The admin page in a real headless browser (Debian's chromium, driven by
selenium through chromedriver): a table created through the page, an item
added, seen in the list, edited; screenshots taken at each step, and the
text they should show checked in the page's DOM. Needs chromium and
chromium-driver: installed with apt-get when missing and we can (root);
without them it fails in CI (CI=true) and is skipped elsewhere."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
from support import http_client, unique_name

pytestmark = pytest.mark.lmdb_only("one browser run is enough: the page is the same on every "
                                   "backend (tests/test_admin.py runs on all three)")

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,900")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ensure_chromium() -> tuple[str, str]:
    """(chromium, chromedriver), installing Debian's packages if missing."""
    def found():
        return shutil.which("chromium"), shutil.which("chromedriver")
    if None in found() and os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=environment, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "chromium", "chromium-driver"], env=environment, capture_output=True)
    browser, driver = found()
    if browser is None or driver is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are missing and could not be installed")
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")
    return browser, driver


@pytest.fixture
def browser(tmp_path):
    binary, driver_path = ensure_chromium()
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=driver_path))
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def page_text(browser, expected: list[str], seconds: float = 10.0) -> str:
    """The page's text once it holds every expected string (a click that
    submits a form loads a new page: until it has, the old one is read,
    or its elements go stale under the reader)."""
    from selenium.common.exceptions import StaleElementReferenceException
    deadline = time.time() + seconds
    while True:
        try:
            text = browser.find_element("tag name", "body").text
        except StaleElementReferenceException:
            text = ""
        if all(wanted in text for wanted in expected) or time.time() > deadline:
            return text
        time.sleep(0.05)


def screenshot(browser, path, expected: list[str]) -> None:
    """A PNG of the page, taken once the page's text holds every expected string."""
    text = page_text(browser, expected)
    for wanted in expected:
        assert wanted in text, f"{wanted!r} not on the page:\n{text}"
    assert browser.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5000


def test_a_table_and_an_item_made_and_edited_in_a_browser(browser, server_url, tmp_path):
    name, client = unique_name("browser"), http_client(server_url)
    browser.get(server_url + "/_admin")
    form = browser.find_element("id", "create-table")
    form.find_element("name", "name").send_keys(name)
    form.find_element("name", "partition_key").send_keys("id")
    form.find_element("id", "create").click()
    # the page answers with the new table's page (it may still be CREATING)
    screenshot(browser, tmp_path / "1-created.png", [name, "key id (HASH)"])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.01})
    browser.get(server_url + "/_admin")
    screenshot(browser, tmp_path / "2-tables.png", [name, "id (HASH)", "ACTIVE"])

    browser.get(f"{server_url}/_admin/tables/{name}")
    browser.find_element("id", "new-item").click()
    item = {"id": {"S": "first"}, "note": {"S": "hello from the browser"}}
    editor = browser.find_element("id", "item")
    editor.clear()
    editor.send_keys(json.dumps(item))
    browser.find_element("id", "save").click()
    screenshot(browser, tmp_path / "3-saved.png", ["Saved.", "hello from the browser"])
    assert client.get_item(TableName=name, Key={"id": {"S": "first"}})["Item"] == item

    browser.get(f"{server_url}/_admin/tables/{name}")
    screenshot(browser, tmp_path / "4-list.png", ["Scan: 1 items", "first",
                                                  "hello from the browser"])
    browser.find_element("link text", "view").click()
    edited = {**item, "note": {"S": "edited in the browser"}}
    editor = browser.find_element("id", "item")
    editor.clear()
    editor.send_keys(json.dumps(edited))
    browser.find_element("id", "save").click()
    screenshot(browser, tmp_path / "5-edited.png", ["Saved.", "edited in the browser"])
    assert client.get_item(TableName=name, Key={"id": {"S": "first"}})["Item"] == edited

    # a bad edit shows DynamoDB's error on the page, and changes nothing
    editor = browser.find_element("id", "item")
    editor.clear()
    editor.send_keys(json.dumps({"note": {"S": "no key"}}))
    browser.find_element("id", "save").click()
    screenshot(browser, tmp_path / "6-error.png", [
        "ValidationException: One or more parameter values were invalid: Missing the key id"])
    assert client.get_item(TableName=name, Key={"id": {"S": "first"}})["Item"] == edited
