"""The quick-look pages in a real browser (Debian's chromium, headless, driven by selenium): the archive of
:mod:`testsupport.service_archive` served by a real uvicorn server on loopback, the data policy applied at
its fixed clock, a PI's release of part of UVI's data recorded before the server starts.

A user opens ``/``, follows the day, sees each instrument's section with its datasets' states (public,
proprietary until a date, partly released), the quick-look figures load with the not-for-publication notice,
a public product's link downloads the product and a proprietary one's is refused without a token; the
instrument links filter the day. A screenshot of the day is left in the test's tmp folder.

The browser tests skip where chromium, chromedriver or selenium is missing, except under CI (``CI`` set),
where they fail (:mod:`testsupport.browser`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import numpy as np
import pytest
import requests

from smilekit.archive.access import record_release
from smilekit.archive.policy import QUICKLOOK_NOTICE
from testsupport.browser import headless_chromium
from testsupport.service import live_server
from testsupport.service_archive import DAY, PROPRIETARY_START, PROPRIETARY_UNTIL, build_archive

DAY_TEXT = str(DAY)[:10]
#: The public sees the proprietary period's end as ``YYYY-MM-DDThh:mm:ssZ``.
UNTIL_TEXT = PROPRIETARY_UNTIL.isoformat() + "Z"
#: UVI's PI releases the first 5 of UVI's 10 proprietary minutes, approved by the SWT before the clock.
RELEASE = (PROPRIETARY_START, PROPRIETARY_START + np.timedelta64(5, "m"))
INSTRUMENTS = ("aux", "lia", "mag", "sc", "sxi", "uvi")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The archive (build_archive's dict), the base URL of its live server, and a browser on it."""
    archive = build_archive(tmp_path_factory.mktemp("quicklook-browser"))
    record_release(archive.folder, "uvi", *RELEASE, pi="uma uvi", approved_by="sam swt",
                   approved_at=dt.datetime(2026, 6, 1), url=archive.url)  # fmt: skip
    with live_server(archive.folder, url=archive.url, clock=lambda: archive.clock) as base:
        with headless_chromium("the quick-look pages") as browser:
            browser.set_page_load_timeout(20)
            yield archive, base, browser


def _states(browser) -> dict[str, tuple[str, str, str]]:
    """The datasets' rows of the page: ``{dataset: (data-state, state words, section id)}``."""
    from selenium.webdriver.common.by import By

    rows = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "tr.dataset"):
        cell = row.find_elements(By.TAG_NAME, "td")[1]
        section = row.find_element(By.XPATH, "ancestor::section").get_attribute("id")
        rows[row.get_attribute("data-dataset")] = (row.get_attribute("data-state"), cell.text, section)
    return rows


def _fetch(browser, href: str) -> list:
    """The browser fetches ``href`` (same origin, no token): ``[HTTP status, bytes of the body]``."""
    return browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status, b.byteLength])))"
        ".catch(e => done([-1, String(e)]));",
        href,
    )


def test_a_user_browses_from_the_days_to_the_day_of_every_instrument(site, tmp_path):
    from selenium.webdriver.common.by import By

    archive, base, browser = site
    browser.set_window_size(1280, 900)
    browser.get(base + "/")
    assert browser.find_element(By.ID, "notice").is_displayed()
    days = browser.find_elements(By.CSS_SELECTOR, "#days a.day")
    assert [a.text for a in days] == [DAY_TEXT]
    listed = browser.find_element(By.ID, "days").text
    for code in INSTRUMENTS:
        assert code.upper() in listed, code

    days[0].click()
    assert browser.current_url == f"{base}/quicklook/{DAY_TEXT}"
    assert DAY_TEXT in browser.title
    sections = [s.get_attribute("id") for s in browser.find_elements(By.CSS_SELECTOR, "section.instrument")]
    assert sorted(sections) == list(INSTRUMENTS)
    for code in INSTRUMENTS:
        assert browser.find_element(By.ID, code).is_displayed(), code

    states = _states(browser)
    assert set(states) == set(archive.products)
    for dataset in ("sc_l2_ephemeris", "aux_l2_solarwind", "lia_l2_moments", "mag_ql_fields"):
        assert states[dataset][:2] == ("public", "public"), dataset
    for dataset in ("sxi_l1_events", "sxi_l2_images"):  # received less than a year before the clock
        assert states[dataset][:2] == ("proprietary", f"proprietary until {UNTIL_TEXT}"), dataset
    state, words, section = states["uvi_l3_boundaries"]  # half of it opened by its PI's release
    assert (state, section) == ("partly", "uvi")
    assert "released by its PI" in words and UNTIL_TEXT in words
    for dataset in ("mag_l2_fields", "sxi_l3_boundaries"):  # public products and a proprietary one
        assert states[dataset][0] == "partly" and UNTIL_TEXT in states[dataset][1], dataset
    for dataset, (state, _, section) in states.items():  # the state is shown in its own colour
        cell = browser.find_element(By.CSS_SELECTOR, f"tr[data-dataset='{dataset}'] td.{state}")
        assert cell.is_displayed() and section == dataset.split("_")[0]
    colours = {s: browser.find_element(By.CSS_SELECTOR, f"td.{s}").value_of_css_property("color")
               for s in ("public", "proprietary", "partly")}  # fmt: skip
    assert len(set(colours.values())) == 3, colours

    browser.set_window_size(
        1280, browser.execute_script("return document.documentElement.scrollHeight") + 200
    )
    shot = tmp_path / "quicklook-day.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_the_quicklook_figures_load_with_the_not_for_publication_notice(site):
    from selenium.webdriver.common.by import By

    archive, base, browser = site
    browser.get(f"{base}/quicklook/{DAY_TEXT}")
    notice = browser.find_element(By.ID, "notice")
    assert notice.is_displayed() and notice.text == QUICKLOOK_NOTICE
    figures = browser.find_elements(By.CSS_SELECTOR, "section#mag figure")
    assert len(figures) == len(archive.products["mag_ql_fields"]) == 2
    assert not browser.find_elements(By.CSS_SELECTOR, "section:not(#mag) figure")
    wanted = {f"{base}/quicklook/figure/{i}" for i in archive.products["mag_ql_fields"]}
    assert {f.find_element(By.TAG_NAME, "img").get_attribute("src") for f in figures} == wanted
    for figure in figures:
        image = figure.find_element(By.TAG_NAME, "img")
        size = browser.execute_script(
            "const i = arguments[0]; return i.complete ? [i.naturalWidth, i.naturalHeight, i.width] : null;",
            image,
        )
        assert size is not None and size[0] > 100 and size[1] > 100 and size[2] > 100, size
        assert image.is_displayed()
        caption = figure.find_element(By.TAG_NAME, "figcaption")
        assert caption.is_displayed() and "not for publication" in caption.text


def _links(browser, dataset: str) -> list:
    """The product links of ``dataset``'s row."""
    from selenium.webdriver.common.by import By

    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-dataset='{dataset}']")
    return row.find_elements(By.CSS_SELECTOR, "a[href*='/products/']")


def test_a_public_product_downloads_and_a_proprietary_one_is_refused_without_a_token(site, tmp_path):
    from selenium.webdriver.common.by import By

    archive, base, browser = site
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    browser.get(f"{base}/quicklook/{DAY_TEXT}")
    (product,) = archive.products["lia_l2_moments"]
    name = archive.records[product]["name"]
    (link,) = _links(browser, "lia_l2_moments")
    assert link.get_attribute("href") == f"{base}/products/{product}" and link.text == name
    link.click()  # the browser downloads the product under its name
    deadline = time.monotonic() + 10
    while not (tmp_path / name).is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / name).read_bytes() == archive.path(product).read_bytes()
    answer = requests.get(link.get_attribute("href"), timeout=10)
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == archive.records[product]["sha256"]

    (link,) = _links(browser, "sxi_l1_events")
    href = link.get_attribute("href")
    assert _fetch(browser, href)[0] == 401  # the browser has no token
    link.click()  # ... and shows the refusal
    assert browser.current_url == href
    assert f"proprietary until {UNTIL_TEXT}" in browser.find_element(By.TAG_NAME, "body").text
    answer = requests.get(href, timeout=10)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["detail"].startswith("sxi_l1_events")
    swt = {"Authorization": f"Bearer {archive.tokens['swt']}"}
    assert requests.get(href, headers=swt, timeout=10).status_code == 200

    # a dataset partly public: its public products download, its proprietary one is refused
    browser.back()
    statuses = [_fetch(browser, a.get_attribute("href"))[0] for a in _links(browser, "mag_l2_fields")]
    expected = [
        200 if i in archive.public_ids["mag_l2_fields"] else 401 for i in archive.products["mag_l2_fields"]
    ]
    assert statuses == expected == [200, 200, 401]


@pytest.mark.parametrize("instrument", ["uvi", "mag"])
def test_the_instrument_links_filter_the_day(site, instrument):
    from selenium.webdriver.common.by import By

    archive, base, browser = site
    browser.get(base + "/")
    browser.find_element(By.CSS_SELECTOR, f"a[href='/quicklook/{DAY_TEXT}?instrument={instrument}']").click()
    assert browser.current_url == f"{base}/quicklook/{DAY_TEXT}?instrument={instrument}"
    sections = [s.get_attribute("id") for s in browser.find_elements(By.CSS_SELECTOR, "section.instrument")]
    assert sections == [instrument]
    assert set(_states(browser)) == {d for d in archive.products if d.startswith(instrument + "_")}
    figures = browser.find_elements(By.TAG_NAME, "figure")
    assert len(figures) == (2 if instrument == "mag" else 0)
    assert browser.find_element(By.ID, "notice").is_displayed()


def test_a_dataset_public_by_age_in_part_is_not_said_released_by_its_pi(site):
    _, base, browser = site
    browser.get(f"{base}/quicklook/{DAY_TEXT}?instrument=mag")
    state, words, _ = _states(browser)["mag_l2_fields"]  # no release of MAG's data was ever recorded
    assert state == "partly" and "released by its PI" not in words
