"""A real headless browser for the end-to-end tests: the distribution's Chromium and its matching
chromedriver (Debian's `chromium` and `chromium-driver`, which .ci/run installs), driven by
Selenium. Nothing is downloaded: both are named by path, so Selenium Manager stays idle."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "apt-get install -y chromium chromium-driver (.ci/run does it)"


@contextmanager
def headless_chromium() -> Iterator[webdriver.Chrome]:
    for program in (CHROMIUM, CHROMEDRIVER):
        if not (program.exists() or shutil.which(program.name)):
            pytest.fail(f"{program} is missing: {INSTALL_HINT}")
    # Selenium logs each WebDriver command with its arguments at DEBUG: typed text includes tokens.
    logging.getLogger("selenium").setLevel(logging.WARNING)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
