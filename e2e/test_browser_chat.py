"""Chat in Chromium: two windows chat through the channel page; an XSS payload shows as text;
the slow-mode countdown and the kicked notice appear. The `browser` fixture fails the test on
any console error, and so does the second window here."""
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from test_chat import patch_stream


@pytest.fixture
def second_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    yield driver
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    driver.quit()
    assert not errors, f"console errors in the second window: {errors}"


def open_channel(driver, server, token, channel="Host"):
    """Signs the window in with the token as its session cookie and opens the channel page."""
    driver.get(server.url + "/healthz")
    driver.add_cookie({"name": "metropole_session", "value": token, "path": "/"})
    driver.get(f"{server.url}/{channel}")
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-chat][data-ready]")))


def say(driver, text):
    box = driver.find_element(By.CSS_SELECTOR, "[data-chat-input]")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def last_line(driver):
    lines = driver.find_elements(By.CSS_SELECTOR, "[data-chat-log] .chat-line")
    return lines[-1] if lines else None


def test_two_windows_chat_and_html_stays_text(server, browser, second_browser):
    host_token, bea_token = server.sign_up("Host"), server.sign_up("Bea")
    open_channel(browser, server, host_token)
    open_channel(second_browser, server, bea_token)

    say(second_browser, "hi from Bea")
    wait = WebDriverWait(browser, 5)
    wait.until(lambda d: last_line(d) and "hi from Bea" in last_line(d).text)
    name = last_line(browser).find_element(By.CSS_SELECTOR, ".chat-name")
    assert name.text == "Bea" and name.value_of_css_property("color").startswith("rgb")

    say(browser, "hello Bea")
    WebDriverWait(second_browser, 5).until(lambda d: last_line(d) and "hello Bea" in last_line(d).text)
    assert last_line(second_browser).find_element(By.CSS_SELECTOR, ".chat-badge").text == "Streamer"

    payload = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>'
    say(second_browser, payload)
    wait.until(lambda d: last_line(d) and "bold" in last_line(d).text)
    text = last_line(browser).find_element(By.CSS_SELECTOR, ".chat-text")
    assert text.text == payload
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-chat-log] img, [data-chat-log] b")
    assert browser.title != "pwned"

    # The streamer sees a moderation menu on others' messages; the viewer does not.
    assert last_line(browser).find_elements(By.CSS_SELECTOR, "[data-moderate='kick']")
    assert not second_browser.find_elements(By.CSS_SELECTOR, "[data-moderate]")
    # Community tab lists both, searchable.
    browser.find_element(By.ID, "chat-tab-community").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".community-person")) == 2)
    browser.find_element(By.CSS_SELECTOR, "[data-community-search]").send_keys("be")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".community-person")) == 1)


def test_slow_mode_countdown_and_kicked_notice(server, browser, second_browser):
    host_token, bea_token = server.sign_up("Host"), server.sign_up("Bea")
    patch_stream(server, host_token, slowModeSeconds=5)
    open_channel(second_browser, server, bea_token)
    notice = second_browser.find_element(By.CSS_SELECTOR, "[data-chat-notice]")
    assert "Slow mode" in notice.text

    say(second_browser, "quick one")
    countdown = WebDriverWait(second_browser, 5).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-chat-countdown]")))
    assert countdown.text.startswith("Wait ") and countdown.text.endswith(" s")
    assert not second_browser.find_element(By.CSS_SELECTOR, "[data-chat-send]").is_enabled()

    # The streamer kicks Bea from the message's menu in the first window.
    open_channel(browser, server, host_token)
    WebDriverWait(browser, 5).until(lambda d: last_line(d) and "quick one" in last_line(d).text)
    line = last_line(browser)
    webdriver.ActionChains(browser).move_to_element(line).perform()
    line.find_element(By.CSS_SELECTOR, "[data-moderate='kick']").click()
    WebDriverWait(second_browser, 2).until(
        lambda d: "removed" in d.find_element(By.CSS_SELECTOR, "[data-chat-notice]").text)
    assert not second_browser.find_element(By.CSS_SELECTOR, "[data-chat-form]").is_displayed()
    status, _ = server.api("GET", "/streams/Host/chatters")
    assert status == 200
