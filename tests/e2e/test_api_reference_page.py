"""make run's reference page at /docs, in a real headless Chromium: Swagger UI renders the
contract's route from the documents make run serves, and "Try it out" with a demo token reads an
account from the local API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from mvno_local.demo import DEMO_TOKENS
from support.browser import headless_chromium
from support.make_run import RunningService, http_get
from support.openapi_contract import contract_document

PAGE_SECONDS = 30.0  # a deadline for each wait, not a measurement
OPERATION = "operations-accounts-getMvnoAccount"
ACCOUNT = "acc000000000000000000001"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with headless_chromium() as driver:
        yield driver


def test_given_make_run_when_the_contract_is_fetched_then_it_is_docs_openapi_served_from_the_local_api(
    service: RunningService,
) -> None:
    # When
    as_yaml = http_get(f"{service.api_url}/openapi.yaml")
    as_json = http_get(f"{service.api_url}/openapi.json")

    # Then
    served = yaml.safe_load(as_yaml.body)
    assert json.loads(as_json.body) == served
    OpenAPIV31SpecValidator(served).validate()
    assert [server["url"] for server in served["servers"]] == [service.api_url]
    expected = contract_document()
    assert served["paths"].keys() == expected["paths"].keys()
    assert served["components"] == expected["components"]
    assert "x-amazon-apigateway-integration" not in json.dumps(served)


def test_given_the_reference_page_when_loaded_then_it_needs_nothing_but_make_run(service: RunningService) -> None:
    page = http_get(f"{service.api_url}/docs").body.decode()

    referenced = [part.split('"', 1)[0] for part in page.split('src="')[1:] + page.split('href="')[1:]]

    assert referenced
    assert all(reference.startswith("/") for reference in referenced)  # no other origin
    assert all(http_get(f"{service.api_url}{reference}").status == 200 for reference in referenced)
    assert "validatorUrl: null" in page  # Swagger UI's badge would call validator.swagger.io


def _wait(browser: webdriver.Chrome, css: str) -> WebElement:
    found: WebElement = WebDriverWait(browser, PAGE_SECONDS).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return found


def test_given_the_reference_page_in_chromium_when_tried_with_a_demo_token_then_it_shows_the_200_account(
    service: RunningService, browser: webdriver.Chrome
) -> None:
    # Given: the page, rendered from /openapi.json
    browser.get(f"{service.api_url}/docs")
    operation = _wait(browser, f"#{OPERATION}")
    assert "/mvno/{accountId}" in operation.text
    assert "GET" in operation.text

    # When: Authorize with the ADMIN demo token as a Bearer token, then Try it out on one account
    browser.find_element(By.CSS_SELECTOR, ".auth-wrapper button.authorize").click()
    dialog = _wait(browser, ".modal-ux")
    (bearer,) = [box for box in dialog.find_elements(By.CSS_SELECTOR, ".auth-container") if "bearerToken" in box.text]
    bearer.find_element(By.CSS_SELECTOR, "input").send_keys(DEMO_TOKENS["ADMIN"])
    bearer.find_element(By.CSS_SELECTOR, "button.authorize").click()
    dialog.find_element(By.CSS_SELECTOR, "button.btn-done").click()
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    _wait(browser, f"#{OPERATION} button.try-out__btn").click()
    account_id = _wait(browser, f"#{OPERATION} input[placeholder='accountId']")
    account_id.clear()
    account_id.send_keys(ACCOUNT)
    browser.find_element(By.CSS_SELECTOR, f"#{OPERATION} button.execute").click()

    # Then: the live response is the account, as the ADMIN reads it
    status = _wait(browser, f"#{OPERATION} .live-responses-table tr.response td.response-col_status")
    body = browser.find_element(By.CSS_SELECTOR, f"#{OPERATION} .live-responses-table .response-col_description pre")
    assert status.text.strip() == "200"
    account = json.loads(body.text)
    assert account["_id"] == ACCOUNT
    assert "socs" in account  # ADMIN's view
    assert "no-store" in browser.find_element(By.CSS_SELECTOR, f"#{OPERATION} .live-responses-table").text
