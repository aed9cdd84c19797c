"""Headless Chromium signs up, signs out and signs in through the real forms."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def submit_form(browser, username, password):
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()


def test_sign_up_sign_out_sign_in(server, browser):
    wait = WebDriverWait(browser, 10)
    browser.expected_statuses = {401}
    browser.get(server.url + "/")
    assert "Metropole" in browser.title
    browser.find_element(By.LINK_TEXT, "Sign up").click()
    wait.until(EC.url_contains("/signup"))

    submit_form(browser, "Browser_User", "password123")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".menu-name")))
    assert browser.find_element(By.CSS_SELECTOR, ".menu-name").get_attribute("textContent") == "Browser_User"
    assert "Browser_User's stream" in browser.page_source

    # Sign out from the account menu.
    browser.find_element(By.CSS_SELECTOR, ".menu-button").click()
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    wait.until(EC.presence_of_element_located((By.LINK_TEXT, "Sign in")))

    # A wrong password shows an error in the page, then the right one signs in.
    browser.find_element(By.LINK_TEXT, "Sign in").click()
    wait.until(EC.url_contains("/signin"))
    submit_form(browser, "browser_user", "wrong-password")
    error = wait.until(EC.presence_of_element_located((By.ID, "form-error")))
    assert "Wrong username or password" in error.text
    browser.find_element(By.ID, "username").clear()
    submit_form(browser, "browser_user", "password123")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".menu-name")))


def test_sign_up_errors_show_next_to_the_field(server, browser):
    browser.expected_statuses = {422}
    browser.get(server.url + "/signup")
    submit_form(browser, "x", "password123")
    error = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "username-error")))
    assert "3–24" in error.text
    assert browser.find_element(By.ID, "username").get_attribute("aria-invalid") == "true"


def test_pages_have_no_console_errors_and_404_is_designed(server, browser):
    browser.expected_statuses = {404}
    for path in ("/", "/signin", "/signup", "/no-such-page/at/all"):
        browser.get(server.url + path)
        assert browser.find_element(By.CSS_SELECTOR, "header.topbar")
    assert "This page does not exist" in browser.page_source
