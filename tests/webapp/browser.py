"""Headless Chromium for the browser tests, or a skip (a failure on CI) when it is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Debian's packages (make browser-deps): /usr/bin/chromium and /usr/bin/chromedriver.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
WIDTHS = (390, 1280)


def chromium_or_skip(download_dir: Path):
    """Return a headless Chromium WebDriver that saves downloads in `download_dir`; skip the
    test when Chromium, its driver or Selenium is missing (fail when CI=true)."""
    browser = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    driver_path = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if not (browser and driver_path and webdriver):
        reason = (
            "Headless browser tests need Chromium, chromedriver and selenium "
            "(`make browser-deps`: apt-get install chromium chromium-driver)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} CI must run these tests, not skip them.")
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTHS[1]},900",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    driver.implicitly_wait(5)
    return driver


# The outermost elements that stick out of the window.
_WIDER_THAN_THE_WINDOW = """
const out = [];
for (const el of document.querySelectorAll("body *")) {
  const r = el.getBoundingClientRect();
  if (r.right > window.innerWidth + 0.5 && !out.some(o => o.contains(el))) out.push(el);
}
return out.slice(0, 5).map(el => el.tagName.toLowerCase() + "." + el.className);
"""


class Screens:
    """Saves full-page screenshots at both widths when LEADSCORING_SCREENSHOTS names a folder
    (`make screenshots`), and checks each page needs no sideways scrolling at 390 px."""

    def __init__(self, driver, folder: str | None) -> None:
        self.driver = driver
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        driver = self.driver
        for width in WIDTHS:
            driver.set_window_size(width, 900)
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            if overflow > 0:
                culprits = driver.execute_script(_WIDER_THAN_THE_WINDOW)
                raise AssertionError(
                    f"{name} scrolls sideways by {overflow} px at {width} px: {culprits}"
                )
            if self.folder:
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(width, min(max(height, 600), 3000) + 100)
                driver.save_screenshot(str(self.folder / f"{name}-{width}.png"))
        driver.set_window_size(WIDTHS[1], 900)
