"""The web archive in a real headless browser: Debian's chromium driven by Selenium
through the system chromedriver (never a downloaded browser build).

A machine without chromium fails these tests loudly (a skipped browser test is not
a passing one): ``make install`` installs it with apt-get where it can; elsewhere
install ``chromium`` and ``chromium-driver``, or set DIGESTBOT_SKIP_BROWSER=1 to
skip them knowingly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.archive import Archive
from bot.config import Settings
from bot.engine import Engine, make_engine
from tests.conftest import FIXTURES, SHARED
from tests.web_support import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOW_TO_GET = "apt-get install -y chromium chromium-driver (Debian/Ubuntu), or make install as root"

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("DIGESTBOT_SKIP_BROWSER") == "1":
            pytest.skip(f"chromium is not installed: {HOW_TO_GET}")
        pytest.fail(f"chromium and chromedriver are needed for the browser tests: {HOW_TO_GET}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument("--window-size=1200,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def thursdai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    feed = SHARED / "feeds" / "thursdai_substack_podcast_all_redacted.rss"
    if not feed.is_file():
        pytest.skip("../shared (real feeds) is not present next to the repository")
    engine = make_engine(Settings(), db_path=tmp_path_factory.mktemp("web") / "t.db")
    engine.ingest(str(feed))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def site(thursdai: Engine) -> Iterator[str]:
    with serving(thursdai) as server:
        yield server.url


def _errors(driver) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_episode_list_then_an_episode(browser, site: str, thursdai: Engine) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Episodes"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_elements(By.TAG_NAME, "main") and browser.find_elements(By.TAG_NAME, "nav")
    episodes = browser.find_elements(By.CSS_SELECTOR, "ul.episodes a")
    assert len(episodes) == len(thursdai.episodes())
    newest = thursdai.episodes()[0]
    assert episodes[0].text == newest.title  # newest first
    episodes[0].click()
    assert browser.current_url == f"{site}/episode/{newest.id}"
    assert browser.find_element(By.TAG_NAME, "h1").text == newest.title
    sections = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert sections and "Open Source LLMs" in sections
    release_links = browser.find_elements(By.CSS_SELECTOR, "section li a[href^='/release/']")
    assert release_links
    assert not _errors(browser)


def test_release_page_and_its_timeline(browser, site: str, thursdai: Engine) -> None:  # type: ignore[no-untyped-def]
    archive = Archive(thursdai)
    counts = thursdai.store.entity_counts(archive.entity_ids())
    busiest = max(counts, key=lambda k: counts[k])
    browser.get(f"{site}/release/{busiest}")
    entity = thursdai.store.entity(busiest)
    assert entity is not None
    assert browser.find_element(By.TAG_NAME, "h1").text == entity.name
    assert browser.find_element(By.ID, "what").is_displayed()
    mentions = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    assert len(mentions) == counts[busiest]
    browser.find_element(By.CSS_SELECTOR, "a[href^='/family/']").click()
    assert "family" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    for image in browser.find_elements(By.TAG_NAME, "img"):  # the timeline picture, once wired
        assert image.get_attribute("alt")
        assert browser.execute_script("return arguments[0].naturalWidth", image) > 0
    assert not _errors(browser)


def test_search_with_a_typo(browser, site: str) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/")
    box = browser.find_element(By.CSS_SELECTOR, "form[role=search] input[name=q]")
    box.send_keys("kokorro")
    box.submit()
    assert browser.current_url == f"{site}/search?q=kokorro"
    # Full text alone finds nothing and the page suggests the nearest name ("Did you
    # mean"); with the semantic extra the typo's words already rank Kokoro.  Either way
    # the first result is Kokoro.
    hits = browser.find_elements(By.CSS_SELECTOR, "ol.hits li")
    assert hits and "Kokoro" in hits[0].text
    browser.find_element(By.PARTIAL_LINK_TEXT, "Kokoro").click()
    assert "/release/kokoro" in browser.current_url
    assert "Kokoro" in browser.find_element(By.TAG_NAME, "h1").text


def test_hostile_feed_shows_text_and_runs_nothing(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(Settings(), db_path=tmp_path / "hostile.db")
    try:
        engine.ingest(str(FIXTURES / "hostile_feed.rss"))
        episode = engine.episodes()[0]
        with serving(engine) as server:
            browser.get_log("browser")  # drop what earlier pages logged
            browser.get(f"{server.url}/episode/{episode.id}")
            with pytest.raises(NoAlertPresentException):
                _ = browser.switch_to.alert.text
            assert browser.find_elements(By.TAG_NAME, "script") == []
            assert not browser.find_elements(By.CSS_SELECTOR, "[onclick], [onerror]")
            text = browser.find_element(By.TAG_NAME, "main").text
            assert "</p><script>x()</script>" in text  # the markup, shown as text
            hrefs = [a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")]
            assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
            assert not any(h.startswith(("data:", "javascript:")) for h in hrefs)
            assert not _errors(browser)
            shot = tmp_path / "hostile-episode.png"
            assert browser.save_screenshot(str(shot))
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    finally:
        engine.close()


def test_screenshot_of_a_release_page_on_a_phone(browser, site: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{site}/release/kokoro")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing overflows sideways on a phone
        shot = tmp_path / "release-kokoro-phone.png"
        assert browser.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        browser.set_window_size(1200, 900)


def test_static_site_works_from_file_urls(browser, thursdai: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from adapters.web.site import write_site

    out = tmp_path / "site"
    write_site(Archive(thursdai), out)
    browser.get((out / "index.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == "Episodes"
    assert not browser.find_elements(By.CSS_SELECTOR, "form[role=search]")  # needs a server
    browser.find_element(By.CSS_SELECTOR, "ul.episodes a").click()
    assert browser.current_url.startswith((out / "episode").as_uri())
    title = browser.find_element(By.TAG_NAME, "h1").text
    assert title == thursdai.episodes()[0].title
    browser.find_element(By.CSS_SELECTOR, "section li a[href*='release/']").click()
    assert "/release/" in browser.current_url and browser.find_element(By.ID, "what")
    browser.find_element(By.CSS_SELECTOR, "a[href*='family/']").click()
    assert "family" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.CSS_SELECTOR, "a.home").click()
    assert browser.current_url == (out / "index.html").as_uri()
