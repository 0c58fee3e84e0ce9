"""Drives PaySync's console in a real headless Chromium (Selenium + Debian's chromedriver), as
an operator and a viewer would use it. Started by Tests/PaySyncHTTPTests/ConsoleBrowserTests.swift
against a live PaySync holding: operator `ana` and viewer `vic` (password in PAYSYNC_CONSOLE_PASSWORD),
order A-1001 with an open review item and a refused (forged) callback, and order B-2002.

Every step asserts what the page shows; the first failed step ends the run with exit code 1 and
its name. With PAYSYNC_CONSOLE_SCREENSHOTS set, each screen is saved there as a PNG
(docs/console/*.png are made this way).
"""
import csv
import io
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["PAYSYNC_CONSOLE_URL"].rstrip("/")
PASSWORD = os.environ["PAYSYNC_CONSOLE_PASSWORD"]
SHOTS = os.environ.get("PAYSYNC_CONSOLE_SCREENSHOTS")
DOWNLOADS = tempfile.mkdtemp(prefix="paysync-console-downloads-")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("PAYSYNC_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS, "download.prompt_for_download": False})
    service = Service(executable_path=os.environ.get("PAYSYNC_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def shot(driver, name):
    """The whole page (up to 2,400 pixels high), through the DevTools protocol."""
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": min(height, 2400), "deviceScaleFactor": 1, "mobile": False})
        driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def sign_in(driver, name):
    driver.get(BASE + "/console")
    check(driver.current_url == BASE + "/console/login", f"an unsigned browser is sent to sign in, not to {driver.current_url}")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    click(driver, driver.find_element(By.ID, "sign-in"))
    check(driver.current_url == BASE + "/console", f"signed in, the front page opens (at {driver.current_url})")
    check(driver.find_element(By.ID, "operator").text.startswith(name + " ("), "the header names who is signed in")


def sign_out(driver):
    click(driver, driver.find_element(By.ID, "sign-out"))
    check(driver.current_url == BASE + "/console/login", "signing out leads to the sign-in page")


def load(driver, action):
    """Runs `action` (a click or a submit that leaves the page) and waits for the next page."""
    # A mark on the old page's window: gone once another document has loaded.
    driver.execute_script("window.paysyncOldPage = true")
    action()
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return window.paysyncOldPage === undefined && document.readyState === 'complete'"))


def click(driver, element):
    load(driver, element.click)


def open_order(driver, number):
    driver.get(BASE + "/console/orders")
    driver.find_element(By.ID, "number").send_keys(number)
    click(driver, driver.find_element(By.ID, "search"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#orders tr")[1:]
    check(len(rows) == 1, f"the search for {number} finds one order, not {len(rows)}")
    click(driver, rows[0].find_element(By.LINK_TEXT, number))
    check(driver.find_element(By.TAG_NAME, "h1").text.startswith("Order " + number), f"the order page of {number} opens")


def steps():
    driver = browser()
    try:
        driver.get(BASE + "/console/login")
        shot(driver, "login")
        driver.find_element(By.ID, "name").send_keys("ana")
        driver.find_element(By.ID, "password").send_keys("not the password")
        click(driver, driver.find_element(By.ID, "sign-in"))
        check("the name or the password is wrong" in driver.find_element(By.ID, "error").text, "a wrong password is refused with a reason")

        yield "sign in as an operator"
        sign_in(driver, "ana")
        check(driver.find_element(By.ID, "open-reviews").text == "1", "the front page counts one open review item")
        today = driver.find_elements(By.CSS_SELECTOR, "#periods tr")[1].find_elements(By.TAG_NAME, "td")
        check([cell.text for cell in today] == ["Today (UTC)", "2", "1", "1", "0", "1"],
              f"today: 2 orders created, 1 paid, 1 open, 1 refused callback (not {[cell.text for cell in today]})")
        shot(driver, "home")

        yield "find an order by number and read its timeline"
        driver.get(BASE + "/console/orders")
        shot(driver, "orders")
        open_order(driver, "A-1001")
        timeline = driver.find_element(By.ID, "timeline").text
        check("merchant created the order" in timeline, "the timeline shows the order's creation")
        check("codepay callback rejected (bad_signature)" in timeline, "the timeline shows the refused callback with its reason")
        check("amount_mismatch" in timeline or "review" in timeline.lower(), "the timeline shows the review the wrong amount opened")
        shot(driver, "order")

        yield "a form posted without its CSRF token is refused"
        form = driver.find_element(By.ID, "verify-form")
        driver.execute_script("arguments[0].querySelector('input[name=csrf]').remove()", form)
        form.find_element(By.NAME, "reason").send_keys("checking")
        click(driver, form.find_element(By.TAG_NAME, "button"))
        check("no valid CSRF token" in driver.find_element(By.ID, "error").text, "the post without a token is refused with a reason")

        yield "resolve a review item"
        driver.get(BASE + "/console/reviews")
        shot(driver, "reviews")
        rows = driver.find_elements(By.CSS_SELECTOR, "#reviews tr[id^=review-]")
        check(len(rows) == 1 and "amount_mismatch" in rows[0].text, "the queue lists the open amount_mismatch item")
        rows[0].find_element(By.NAME, "note").send_keys("partial capture confirmed with CodePay")
        click(driver, rows[0].find_element(By.TAG_NAME, "button"))
        check(driver.find_element(By.ID, "no-reviews").text == "Nothing to review.", "the resolved item leaves the open queue")
        driver.get(BASE + "/console/reviews?status=resolved")
        check("ana: partial capture confirmed with CodePay" in driver.find_element(By.ID, "reviews").text, "the resolved item names who and why")

        yield "replay a refused callback"
        driver.get(BASE + "/console/inbox")
        shot(driver, "inbox")
        entries = driver.find_elements(By.CSS_SELECTOR, "#inbox tr[id^=inbox-]")
        check(len(entries) == 1 and "rejected (bad_signature)" in entries[0].text, "the inbox lists the refused callback and why")
        click(driver, entries[0].find_element(By.TAG_NAME, "a"))
        check("merchant_order_no" in driver.find_element(By.ID, "body").text, "the stored request's body is shown")
        shot(driver, "inbox-entry")
        replay = driver.find_element(By.ID, "replay-form")
        replay.find_element(By.NAME, "reason").send_keys("checking the key")
        click(driver, replay.find_element(By.TAG_NAME, "button"))
        check(driver.find_element(By.ID, "notice").text == "Callback replayed.", "the replay is confirmed")
        check(driver.find_element(By.ID, "verdict").text == "rejected (bad_signature)", "a forged callback stays refused after its replay")
        open_order(driver, "A-1001")
        check("callback replayed by ana in the console" in driver.find_element(By.ID, "timeline").text, "the replay is audited with the operator's name")

        yield "redeliver an event"
        driver.get(BASE + "/console/stuck")
        check(driver.find_element(By.ID, "no-stuck").text == "No order is stuck.", "no order is stuck")
        shot(driver, "stuck")
        driver.get(BASE + "/console/events")
        check("https://shop.example/paysync" in driver.find_element(By.ID, "endpoints").text, "the events page lists the endpoint")
        undelivered = driver.find_elements(By.CSS_SELECTOR, "#undelivered tr")[1:]
        check(len(undelivered) >= 1, "the events page lists the events not yet delivered")
        shot(driver, "events")
        click(driver, undelivered[0].find_element(By.TAG_NAME, "a"))
        redeliver = driver.find_element(By.ID, "redeliver-form")
        shot(driver, "event")
        redeliver.find_element(By.NAME, "reason").send_keys("shop asked for it again")
        click(driver, redeliver.find_element(By.TAG_NAME, "button"))
        check(driver.find_element(By.ID, "notice").text == "The event will be sent again.", "the redelivery is confirmed")

        yield "export the filtered orders as CSV"
        driver.get(BASE + "/console/orders?maxAmountMinor=1000")
        driver.find_element(By.ID, "csv").click()
        path = os.path.join(DOWNLOADS, "orders.csv")
        deadline = time.time() + 30
        while not os.path.exists(path) and time.time() < deadline:
            time.sleep(0.1)
        check(os.path.exists(path), "the CSV file is downloaded")
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(io.StringIO(handle.read())))
        check([row["merchant_order_number"] for row in rows] == ["B-2002"], f"the CSV holds exactly the filter's orders, not {rows}")
        check(rows[0]["amount_minor"] == "700" and rows[0]["currency"] == "USD", "the CSV carries exact minor units and currency")
        sign_out(driver)

        yield "a viewer reads but cannot act"
        sign_in(driver, "vic")
        open_order(driver, "B-2002")
        check(not driver.find_elements(By.ID, "cancel-form"), "a viewer is shown no cancel form")
        csrf = driver.find_element(By.CSS_SELECTOR, "header input[name=csrf]").get_attribute("value")
        order_id = driver.current_url.rsplit("/", 1)[1]
        load(driver, lambda: driver.execute_script(
            "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];"
            "for (const [k, v] of [['csrf', arguments[1]], ['reason', 'viewer tries']]) {"
            " const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i); }"
            "document.body.appendChild(f); f.submit();",
            f"/console/orders/{order_id}/cancel", csrf))
        check("vic is a viewer: viewers read, operators act" in driver.find_element(By.ID, "error").text, "the viewer's cancel is refused")
        open_order(driver, "B-2002")
        check(driver.find_element(By.ID, "order-status").text == "pending", "the refused cancel changed nothing")
    finally:
        driver.quit()


def main():
    current = "open the sign-in page"
    try:
        for name in steps():
            current = name
        print("console browser test: every step passed")
        return 0
    except Exception as error:  # noqa: BLE001 - the step's name and the error are the report
        print(f"console browser test: step '{current}' failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
