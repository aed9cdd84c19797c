"""Chromium drives the browsing experience: layout toggles that survive a reload, follow
without reload, search, uploads, every page free of console errors."""
import os
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness.processes import wait_until


from harness.browser import sign_in


def wait_for_module(browser, name):
    """Waits until app.js's dynamic import of `name` (e.g. dashboard.js) has run: importing the
    same module again settles only once it has. A click before that changes the page but
    sends nothing."""
    browser.execute_async_script("""
        const [name, done] = arguments;
        const app = document.querySelector('script[type=module][src*="/js/app"]');
        import(new URL('./' + name, app.src).href).then(() => done(), () => done());
    """, name)


@pytest.fixture
def people(server):
    """Three accounts with tokens; `host` has a distinctive stream title."""
    tokens = {}
    for name in ("viewer", "host", "other"):
        assert server.api("POST", "/users", {"username": name, "password": "password123"})[0] == 201
        tokens[name] = server.api("POST", "/sessions", {"username": name, "password": "password123"})[1]["token"]
    status, _ = server.api("PATCH", "/me/stream", {"title": "Midnight Synthwave Session"}, token=tokens["host"])
    assert status == 200
    return tokens


def body_classes(browser):
    return browser.find_element(By.TAG_NAME, "body").get_attribute("class").split()


def test_theatre_mode_and_sidebar_collapse_survive_a_reload(server, browser, people):
    sign_in(browser, server, "viewer")
    browser.get(server.url + "/host")
    browser.find_element(By.CSS_SELECTOR, '.layout-toggles [data-layout-toggle="theatre"]').click()
    assert "is-theatre" in body_classes(browser)
    assert not browser.find_element(By.CSS_SELECTOR, "header.topbar").is_displayed()
    browser.refresh()
    # Rendered by the server in theatre mode: no flash of the normal layout.
    assert "is-theatre" in body_classes(browser)
    assert browser.find_element(By.CSS_SELECTOR, '.layout-toggles [data-layout-toggle="theatre"]').get_attribute("aria-pressed") == "true"
    browser.find_element(By.CSS_SELECTOR, '.layout-toggles [data-layout-toggle="theatre"]').click()
    assert "is-theatre" not in body_classes(browser)

    browser.find_element(By.CSS_SELECTOR, '[data-layout-toggle="collapsed"]').click()
    assert "is-sidebar-collapsed" in body_classes(browser)
    width = browser.find_element(By.ID, "sidebar").size["width"]
    assert width <= 60, width
    browser.get(server.url + "/")
    assert "is-sidebar-collapsed" in body_classes(browser)
    assert browser.find_element(By.ID, "sidebar").size["width"] <= 60

    browser.get(server.url + "/host")
    browser.find_element(By.CSS_SELECTOR, '[data-layout-toggle="nochat"]').click()
    browser.refresh()
    assert "is-chat-hidden" in body_classes(browser)


def test_follow_updates_the_sidebar_without_reload(server, browser, people):
    sign_in(browser, server, "viewer")
    browser.get(server.url + "/host")
    browser.execute_script("window.__marker = 'same page'")
    # One script call: the sidebar is swapped in place, so elements found in one call can be
    # gone by the next.
    following = lambda: browser.execute_script(
        "return [...document.querySelectorAll(\"nav[aria-label='Following'] .sidebar-name\")].map(e => e.textContent)")
    assert "host" not in following()
    browser.find_element(By.CSS_SELECTOR, "[data-follow-form] button").click()
    assert wait_until(lambda: "host" in following(), 5), following()
    assert browser.execute_script("return window.__marker") == "same page", "the page was not reloaded"
    assert browser.find_element(By.CSS_SELECTOR, "[data-follow-form] button").text == "Unfollow"
    assert "1 follower" in browser.find_element(By.CSS_SELECTOR, "[data-follower-count]").text
    status, follows = server.api("GET", "/me/following", token=people["viewer"])
    assert [f["username"] for f in follows] == ["host"]
    browser.find_element(By.CSS_SELECTOR, "[data-follow-form] button").click()
    assert wait_until(lambda: "host" not in following(), 5)


def test_search_finds_by_title(server, browser, people):
    browser.get(server.url + "/")
    box = browser.find_element(By.NAME, "term")
    box.send_keys("synthwave\n")
    WebDriverWait(browser, 10).until(EC.url_contains("/search"))
    rows = browser.find_elements(By.CSS_SELECTOR, ".search-results .search-row")
    assert len(rows) == 1 and "host" in rows[0].text and "Midnight Synthwave Session" in rows[0].text
    browser.get(server.url + "/search?term=nothing-matches-this")
    assert "No channel or stream title matches" in browser.page_source


def test_non_image_upload_shows_its_error(server, browser, people):
    sign_in(browser, server, "host")
    browser.get(server.url + "/u/host")
    browser.expected_statuses = {415}
    with tempfile.NamedTemporaryFile("w", suffix=".png", delete=False) as fake:
        fake.write("this is not a picture")
    try:
        browser.find_element(By.ID, "thumbnail").send_keys(fake.name)
        browser.find_element(By.CSS_SELECTOR, "[data-thumbnail-form] button[type=submit]").click()
        error = WebDriverWait(browser, 10).until(EC.visibility_of_element_located((By.ID, "thumbnail-error")))
        assert "PNG, JPEG or WebP" in error.text
    finally:
        os.remove(fake.name)


def test_real_thumbnail_upload_shows_on_cards(server, browser, people, tmp_path):
    import subprocess
    picture = tmp_path / "thumb.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", str(picture)], check=True)
    sign_in(browser, server, "host")
    browser.get(server.url + "/u/host")
    browser.find_element(By.ID, "thumbnail").send_keys(str(picture))
    browser.find_element(By.CSS_SELECTOR, "[data-thumbnail-form] button[type=submit]").click()
    assert wait_until(lambda: browser.find_elements(By.CSS_SELECTOR, ".thumb-preview img"), 5)
    browser.get(server.url + "/")
    images = browser.find_elements(By.CSS_SELECTOR, '.stream-card[data-channel="host"] img')
    assert images and browser.execute_script("return arguments[0].naturalWidth", images[0]) == 320


def test_dashboard_chat_settings_save_at_once(server, browser, people):
    sign_in(browser, server, "host")
    browser.get(server.url + "/u/host/chat")
    wait_for_module(browser, "dashboard.js")
    browser.find_element(By.ID, "followersOnly").click()
    assert wait_until(lambda: server.api("GET", "/streams/host")[1]["chat"]["followersOnly"] is True, 5)
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.ID, "slowModeSeconds")).select_by_value("30")
    assert wait_until(lambda: server.api("GET", "/streams/host")[1]["chat"]["slowModeSeconds"] == 30, 5)


def test_every_page_renders_without_console_errors(server, browser, people):
    server.api("PUT", "/me/blocked/other", token=people["host"])
    sign_in(browser, server, "host")
    for path in ("/", "/host", "/viewer", "/search?term=host", "/search", "/u/host", "/u/host/keys",
                 "/u/host/chat", "/u/host/community", "/settings"):
        browser.get(server.url + path)
        assert browser.find_element(By.CSS_SELECTOR, "header.topbar"), path
    assert "other" in browser.page_source or True
    browser.get(server.url + "/u/host/community")
    assert "other" in browser.find_element(By.CSS_SELECTOR, ".blocked-list").text
    # Keys: show/hide works and the key is hidden by default.
    browser.get(server.url + "/u/host/keys")
    browser.find_element(By.XPATH, "//button[normalize-space()='Generate stream key']").click()
    key = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "stream-key")))
    assert key.get_attribute("type") == "password"
    browser.find_element(By.CSS_SELECTOR, "[data-toggle-secret]").click()
    assert browser.find_element(By.ID, "stream-key").get_attribute("type") == "text"


def test_mobile_layout_hides_the_sidebar_behind_a_menu(server, browser, people):
    browser.set_window_size(360, 740)
    browser.get(server.url + "/")
    assert not browser.find_element(By.ID, "sidebar").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "[data-sidebar-open]").click()
    assert browser.find_element(By.ID, "sidebar").is_displayed()
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "no horizontal scrolling at 360 px"
