"""Open data (API-1): the Transparency Portal's contents as JSON and CSV, whole and per
programme, with a licence and the date of the data, cacheable; exactly what the public pages
show (PUB-3) and nothing private."""

import csv
import io

from bwportal.extensions import db
from tests import factories as f
from tests.web import test_transparency
from tests.web.test_transparency import PRIVATE, days_ago, released_cycles

listed = test_transparency.listed  # the public pages' fixture: Angkor listed, with private values everywhere

JSON = "/api/v1/open-data/transparency.json"
CSV = "/api/v1/open-data/transparency.csv"


def test_the_json_is_what_the_public_pages_show(client, world, listed):
    released_cycles(world.mekong, days_ago(300))  # one released cycle: not listed
    db.session.commit()
    response = client.get(JSON)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    assert data["licence"] == {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert data["data_date"] and data["programme"] is None
    [angkor] = data["factories"]
    assert (angkor["name"], angkor["country"], angkor["programme"]) == ("Angkor Garments", "KH", "Cambodia")
    assert angkor["url"].endswith(f"/transparency/factories/{world.angkor.id}")
    shown = {f["finding"]: f for f in angkor["findings"]}
    assert set(shown) == {"Overtime paid at the normal rate", "Annual leave not paid", "Exit blocked on floor 2"}
    overtime = shown["Overtime paid at the normal rate"]
    assert overtime["response"] == "All overtime now paid at 150%" and overtime["response_verified"] is True
    assert sorted(e["name"] for e in overtime["evidence_files"]) == ["payroll.pdf", "payslips.png"]
    assert shown["Annual leave not paid"]["response_verified"] is False
    assert shown["Exit blocked on floor 2"]["response"] == ""
    page = client.get(f"/transparency/factories/{world.angkor.id}").get_data(as_text=True)
    for finding in angkor["findings"]:  # the page shows each of them, and its files' links
        assert finding["finding"] in page and finding["compliance_point"] in page
        for file in finding["evidence_files"]:
            assert file["url"].split("localhost", 1)[-1] in page
    body = response.get_data(as_text=True)
    for private in [*PRIVATE, "Old cycle", "Non-public finding", "Private action plan"]:
        assert private not in body, private


def test_the_csv_has_a_row_per_finding_with_the_licence_and_the_date(client, world, listed):
    response = client.get(CSV)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3 and {r["factory"] for r in rows} == {"Angkor Garments"}
    assert {r["licence"] for r in rows} == {"CC-BY-4.0"} and rows[0]["data_date"]
    verified = [r for r in rows if r["response_verified"] == "yes"]
    assert [r["finding"] for r in verified] == ["Overtime paid at the normal rate"]
    for private in PRIVATE:
        assert private not in text


def test_per_programme_and_unknown_programmes(client, world, listed):
    assert client.get(f"{JSON}?programme_id={world.idn.id}").get_json()["factories"] == []
    mine = client.get(f"{JSON}?programme_id={world.kh.id}").get_json()
    assert [f["name"] for f in mine["factories"]] == ["Angkor Garments"] and mine["programme"]["name"] == "Cambodia"
    assert client.get(f"{CSV}?programme_id={world.idn.id}").get_data(as_text=True).count("\n") == 1  # header
    missing = client.get(f"{JSON}?programme_id=987654")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_open_data_is_cacheable(client, world, listed):
    first = client.get(JSON)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(JSON, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(JSON, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    csv_first = client.get(CSV)
    assert client.get(CSV, headers={"If-None-Match": csv_first.headers["ETag"]}).status_code == 304
    f.make_public_response(f.make_finding(listed["latest"], "Paid Leave", "New public finding",
                                          publicly_reported=True), "New response")
    db.session.commit()
    changed = client.get(JSON, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "New public finding" in changed.get_data(as_text=True)
