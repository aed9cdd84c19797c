"""Chromium drives every control of the live player while ffmpeg publishes the test clip
(1280x720): play/pause, mute and volume (remembered), the LIVE button, the stats panel,
fullscreen, picture-in-picture, theatre mode, keyboard shortcuts, tab order, and reconnecting
after the server drops the feed."""
import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness.media import publish
from harness.processes import wait_until
from harness.server import Server

USER = "Caster"


@pytest.fixture
def live_channel(server):
    """`Caster` publishing the test clip: (server, publisher)."""
    _, url = server.channel(USER)
    publisher = publish(url)
    try:
        assert wait_until(lambda: server.is_live(USER), timeout=8), "the channel did not go live"
        yield server, publisher
    finally:
        if publisher.poll() is None:
            publisher.terminate()
            publisher.wait()


def js(browser, script):
    return browser.execute_script("const player = document.querySelector('[data-player]'); const video = player.querySelector('video'); " + script)


def control(browser, name):
    return browser.find_element(By.CSS_SELECTOR, f"[data-player] [data-player-{name}]")


def playing(browser, seconds=1.0):
    """Whether the video's time advances by at least half of `seconds`."""
    before = js(browser, "return video.currentTime")
    time.sleep(seconds)
    return js(browser, "return video.currentTime") > before + seconds / 2


def open_playing(browser, server):
    browser.get(f"{server.url}/{USER}")
    assert wait_until(lambda: (js(browser, "return video.currentTime") or 0) > 1.0, timeout=15), "video did not start"


def pressed(element, value):
    """Whether a toggle comes to show `value` in aria-pressed: the controls redraw on the
    video's and the document's events, a task after the action."""
    return wait_until(lambda: element.get_attribute("aria-pressed") == value, timeout=3)


def test_play_pause_live_mute_volume_stats_and_fullscreen(live_channel, browser):
    server, _ = live_channel
    open_playing(browser, server)
    play = control(browser, "play")
    assert play.get_attribute("aria-pressed") == "true"
    assert play.get_attribute("aria-label") == "Play"

    # Pause: the video stops where it is and the LIVE button says how far behind it falls.
    play.click()
    assert js(browser, "return video.paused") is True
    assert pressed(play, "false")
    stopped = js(browser, "return video.currentTime")
    time.sleep(4)
    assert js(browser, "return video.currentTime") == stopped, "currentTime advanced while paused"
    live = control(browser, "live")
    assert live.get_attribute("data-state") == "behind"
    assert wait_until(lambda: float(live.get_attribute("data-behind")) > 3.0, timeout=2), live.get_attribute("data-behind")
    assert live.text.startswith("Behind by"), live.text

    # Play resumes from there, still behind (the viewer chose to be).
    play.click()
    assert wait_until(lambda: js(browser, "return !video.paused"), timeout=2)
    assert playing(browser)
    assert float(live.get_attribute("data-behind")) > 2.0
    assert live.get_attribute("data-state") == "behind"

    # LIVE: back within 1.5 s of the edge, and the button says LIVE.
    live.click()
    assert wait_until(lambda: js(browser, "return player.player.behind") < 1.5, timeout=3), js(browser, "return player.player.behind")
    assert wait_until(lambda: live.get_attribute("data-state") == "live", timeout=2)
    assert live.text == "LIVE"

    # Mute toggles video.muted and aria-pressed (the page starts muted).
    # (The controls redraw on the video's volumechange event, a task after the click: wait.)
    mute = control(browser, "mute")
    def muted_shows(value):
        return wait_until(lambda: js(browser, "return video.muted") is value
                          and mute.get_attribute("aria-pressed") == str(value).lower(), timeout=2)
    assert muted_shows(True)
    mute.click()
    assert muted_shows(False)
    mute.click()
    assert muted_shows(True)

    # The volume slider shows 0 while muted; unmuted, ten steps of 0.05 down from full, by keyboard.
    volume = control(browser, "volume")
    assert volume.get_attribute("aria-label") == "Volume"
    assert wait_until(lambda: float(volume.get_attribute("value")) == 0, timeout=2), volume.get_attribute("value")
    mute.click()
    assert wait_until(lambda: float(volume.get_attribute("value")) == 1, timeout=2), volume.get_attribute("value")
    volume.send_keys(*([Keys.ARROW_LEFT] * 10))
    assert wait_until(lambda: abs(js(browser, "return video.volume") - 0.5) < 0.01, timeout=2), js(browser, "return video.volume")
    assert js(browser, "return video.muted") is False

    # Stats: the published clip's size and a bitrate counted from the bytes received.
    stats_toggle = control(browser, "stats-toggle")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-player-stats]").is_displayed()
    stats_toggle.click()
    assert stats_toggle.get_attribute("aria-pressed") == "true"
    stat = lambda key: browser.find_element(By.CSS_SELECTOR, f'[data-stat="{key}"]').text
    assert wait_until(lambda: stat("resolution") == "1280x720", timeout=5), stat("resolution")
    assert wait_until(lambda: stat("bitrate").endswith("kbps") and int(stat("bitrate").split()[0]) > 500, timeout=5), stat("bitrate")
    assert stat("buffer").endswith(" s") and float(stat("buffer").split()[0]) < 2.0, stat("buffer")
    assert float(stat("delay").split()[0]) < 2.0, stat("delay")
    assert " of " in stat("dropped"), stat("dropped")
    print("stats:", {key: stat(key) for key in ("resolution", "bitrate", "buffer", "delay", "dropped")})
    stats_toggle.click()
    assert not browser.find_element(By.CSS_SELECTOR, "[data-player-stats]").is_displayed()

    # Fullscreen: the player (video and controls) fills the screen, and leaves it again.
    fullscreen = control(browser, "fullscreen")
    fullscreen.click()
    assert wait_until(lambda: js(browser, "return document.fullscreenElement === player"), timeout=3)
    assert pressed(fullscreen, "true")
    fullscreen.click()
    assert wait_until(lambda: js(browser, "return document.fullscreenElement === null"), timeout=3)
    assert pressed(fullscreen, "false")

    # Picture-in-picture where the browser offers it; the button is hidden where it does not.
    pip = control(browser, "pip")
    if js(browser, "return document.pictureInPictureEnabled"):
        pip.click()
        entered = wait_until(lambda: js(browser, "return document.pictureInPictureElement === video"), timeout=3)
        print("picture-in-picture entered:", entered)
        assert entered
        assert pressed(pip, "true")
        pip.click()
        assert wait_until(lambda: js(browser, "return document.pictureInPictureElement === null"), timeout=3)
    else:
        print("picture-in-picture: not enabled in this browser; the button is hidden")
        assert not pip.is_displayed()

    # The volume is remembered across a reload.
    open_playing(browser, server)
    assert abs(js(browser, "return video.volume") - 0.5) < 0.01
    assert js(browser, "return video.muted") is False
    assert abs(float(control(browser, "volume").get_attribute("value")) - 0.5) < 0.01


def test_theatre_button_in_the_player_is_remembered(live_channel, browser):
    server, _ = live_channel
    open_playing(browser, server)
    theatre = browser.find_element(By.CSS_SELECTOR, '[data-player] [data-layout-toggle="theatre"]')
    assert theatre.get_attribute("aria-pressed") == "false"
    width = js(browser, "return player.getBoundingClientRect().width")
    theatre.click()
    assert "is-theatre" in browser.find_element(By.TAG_NAME, "body").get_attribute("class").split()
    assert theatre.get_attribute("aria-pressed") == "true"
    assert js(browser, "return player.getBoundingClientRect().width") > width
    browser.refresh()
    assert "is-theatre" in browser.find_element(By.TAG_NAME, "body").get_attribute("class").split()
    theatre = browser.find_element(By.CSS_SELECTOR, '[data-player] [data-layout-toggle="theatre"]')
    assert theatre.get_attribute("aria-pressed") == "true"


def test_keyboard_shortcuts_and_tab_order(live_channel, browser):
    server, _ = live_channel
    open_playing(browser, server)
    keys = lambda *sequence: ActionChains(browser).send_keys(*sequence).perform()
    body = browser.find_element(By.TAG_NAME, "body")
    browser.execute_script("document.activeElement.blur()")

    keys("k")
    assert js(browser, "return video.paused") is True
    keys(" ")
    assert wait_until(lambda: js(browser, "return !video.paused"), timeout=2)
    assert js(browser, "return window.scrollY") == 0, "space scrolled the page instead of playing"
    keys("m")
    assert js(browser, "return video.muted") is False
    keys("m")
    assert js(browser, "return video.muted") is True
    keys("i")
    assert browser.find_element(By.CSS_SELECTOR, "[data-player-stats]").is_displayed()
    keys("i")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-player-stats]").is_displayed()
    keys("f")
    assert wait_until(lambda: js(browser, "return document.fullscreenElement === player"), timeout=3)
    keys("f")
    assert wait_until(lambda: js(browser, "return document.fullscreenElement === null"), timeout=3)
    keys("t")
    assert "is-theatre" in body.get_attribute("class").split()
    keys("t")
    assert "is-theatre" not in body.get_attribute("class").split()

    # Typing in a text field is typing, not shortcuts.
    search = browser.find_element(By.CSS_SELECTOR, "[data-hotkey='/']")
    search.send_keys("km")
    assert js(browser, "return !video.paused && video.muted") is True
    assert search.get_attribute("value") == "km"

    # Keyboard only: Tab reaches every visible control, and Space on a focused button presses it once.
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    wanted = {"play", "mute", "volume", "live", "stats-toggle", "fullscreen", "theatre"}
    if js(browser, "return document.pictureInPictureEnabled"):
        wanted.add("pip")
    reached = set()
    for _ in range(80):
        keys(Keys.TAB)
        name = browser.execute_script("""
            const el = document.activeElement;
            if (!el.closest('[data-player]')) return null;
            if (el.matches('[data-layout-toggle="theatre"]')) return 'theatre';
            const attr = [...el.attributes].map(a => a.name).find(n => n.startsWith('data-player-'));
            return attr ? attr.slice('data-player-'.length) : null;
        """)
        if name:
            reached.add(name)
            if name == "play":
                keys(" ")
                assert js(browser, "return video.paused") is True, "Space on the focused play button did not pause once"
                keys(" ")
                assert wait_until(lambda: js(browser, "return !video.paused"), timeout=2)
        if wanted <= reached:
            break
    assert wanted <= reached, f"not reached by Tab: {wanted - reached}"
    # Focus is visible on the controls (the 2 px brand outline, keyboard only).
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", outline


def test_reconnects_with_backoff_after_the_server_drops_the_feed(data_dir, browser):
    server = Server(data_dir).start()
    publisher = None
    try:
        _, url = server.channel(USER)
        publisher = publish(url)
        assert wait_until(lambda: server.is_live(USER), timeout=8)
        open_playing(browser, server)

        # The server goes away: the feed closes without the stream's end message.
        server.stop()
        publisher.wait(timeout=10)
        assert wait_until(lambda: js(browser, "return player.dataset.state") == "reconnecting", timeout=5)
        assert js(browser, "return player.querySelector('.player-message').textContent") == "Reconnecting…"
        delays = set()
        wait_until(lambda: delays.add(js(browser, "return player.dataset.retryDelay")) or {"2000", "4000"} <= delays, timeout=12)
        assert {"1000", "2000", "4000"} & delays and {"2000", "4000"} <= delays, f"retry delays seen: {delays}"

        # Back on the same ports and data: the player plays again by itself.
        server = Server(data_dir, http_port=server.http_port, rtmp_port=server.rtmp_port, webrtc_port=server.webrtc_port).start()
        publisher = publish(url)
        assert wait_until(lambda: server.is_live(USER), timeout=8)
        assert wait_until(lambda: js(browser, "return player.dataset.state") == "playing", timeout=15)
        assert wait_until(lambda: playing(browser), timeout=15), "video did not play again"
        assert js(browser, "return player.querySelector('.player-message').textContent") == ""
    finally:
        if publisher and publisher.poll() is None:
            publisher.terminate()
            publisher.wait()
        server.stop()
    # Chromium logs each WebSocket (player, chat) that failed to connect while the server was
    # down; any other script error fails the test.
    errors = [entry for entry in browser.get_log("browser")
              if entry["level"] == "SEVERE" and entry.get("source") == "javascript"
              and "WebSocket connection to" not in entry["message"]]
    assert not errors, errors


def test_the_streams_end_is_offline_with_no_retry(live_channel, browser):
    server, publisher = live_channel
    open_playing(browser, server)
    publisher.terminate()
    publisher.wait()
    assert wait_until(lambda: js(browser, "return player.dataset.state") == "offline", timeout=5)
    assert js(browser, "return player.querySelector('.player-offline').hidden") is False
    assert not control(browser, "play").is_displayed(), "controls stay on an offline player"
    # No reconnect attempts follow the end message.
    time.sleep(3)
    assert js(browser, "return player.dataset.state") == "offline"
    assert js(browser, "return player.dataset.retryDelay") is None
