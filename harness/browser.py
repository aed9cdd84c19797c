"""Headless Debian Chromium through selenium, as the e2e tests and probes drive it."""
import shutil

FLAGS = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
         "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900")
# Camera, microphone and their permission prompt, faked; WebRTC allowed to pair with a
# 127.0.0.1 candidate (the WHIP tests run in a network namespace with loopback only).
WEBRTC_FLAGS = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection")


def chromium(extra_flags=()):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS + tuple(extra_flags):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    return driver


def console_errors(driver, expected_statuses=()):
    """SEVERE console entries, but for network errors of statuses the caller expects."""
    return [
        entry for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
        and not (entry.get("source") == "network"
                 and any(f"status of {status} " in entry["message"] for status in expected_statuses))
    ]


def sign_in(driver, server, username, password="password123"):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(server.url + "/signin")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".menu-name")))
