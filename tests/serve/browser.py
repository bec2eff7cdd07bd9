"""Headless Chromium driven by Selenium, for the page of `zoo.serve`.

Debian's `chromium` and `chromium-driver` are what it runs; `.ci/run` installs them. A machine without
them skips the browser tests with a message naming the packages, except where `ZOO_REQUIRE_BROWSER` is
set (CI sets it), where their absence fails.
"""

import contextlib
import os
import shutil
import tempfile

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PACKAGES = "Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"


@contextlib.contextmanager
def chromium(width=1100, height=900):
    """Yields a Selenium `webdriver.Chrome` of headless Chromium with its own empty profile."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        if os.environ.get("ZOO_REQUIRE_BROWSER"):
            pytest.fail(f"ZOO_REQUIRE_BROWSER is set but {missing} are missing: install {PACKAGES}")
        pytest.skip(f"the browser test needs {PACKAGES}; not found: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    with tempfile.TemporaryDirectory(prefix="zoo-chromium-") as profile:
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     f"--window-size={width},{height}", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def wait_for(driver, condition, seconds=60):
    """Waits until `condition(driver)` is truthy; on time-out fails with the page's status line."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, seconds).until(condition)
    except TimeoutException:
        status = driver.find_element("id", "status").text
        pytest.fail(f"the page did not show the result within {seconds} s; its status line: {status!r}")


def choose_model(driver, name):
    """Picks `name` in the page's model list and waits for its panel."""
    from selenium.webdriver.support.ui import Select

    wait_for(driver, lambda d: d.find_elements("css selector", f"#model option[value='{name}']"))
    Select(driver.find_element("id", "model")).select_by_value(name)
    wait_for(driver, lambda d: d.execute_script("return document.body.dataset.panel") is not None)


def screenshot(driver, name):
    """Saves a PNG of the page into `ZOO_SCREENSHOTS` (a folder) when it is set; returns the path or None."""
    folder = os.environ.get("ZOO_SCREENSHOTS")
    if not folder:
        return None
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    driver.save_screenshot(path)
    return path
