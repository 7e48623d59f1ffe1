"""Evidence on a failing link, in Debian chromium (issue 19): a factory user attaches a phone photo
to an IP item; the page makes it smaller, sends it in chunks with a progress bar; the link drops
mid-upload and comes back; the upload goes on where it stopped, and the photo lands once,
downscaled, with no EXIF location. Without JavaScript the plain upload still works."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.infra.storage import storage
from bwportal.models import Factory, IPItem, IPItemFile, IPStatus, Upload
from tests.photos import GPS_IFD, phone_photo

from .steps import sign_in

pytestmark = pytest.mark.e2e

def open_item() -> IPItem:
    factory = db.session.scalar(select(Factory).where(Factory.name == "Angkor Garments"))
    return db.session.scalars(select(IPItem).where(IPItem.factory_id == factory.id,
                                                   IPItem.status != IPStatus.COMPLETED).order_by(IPItem.id)).first()


def test_a_photo_goes_through_a_dropped_link_once_downscaled_without_location(page, tmp_path):
    """Issue 19 items 1 and 2: chunks, progress, resume after going offline mid-upload."""
    photo = tmp_path / "IMG_2041.jpg"
    phone_photo(photo)
    assert Image.open(photo).getexif().get_ifd(GPS_IFD)  # the photo really carries a location
    item = open_item()
    sign_in(page, "factory@demo.test")
    page.goto(f"/factories/{item.factory_id}/ip/{item.id}")

    # A slow uplink (about 32 KB/s) so that the link can drop between two chunks.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    def link(offline: bool) -> None:  # one CDP session for throttling and dropping the link
        cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": 50,
                                                      "downloadThroughput": 250_000, "uploadThroughput": 32_000})

    link(offline=False)
    chunks = []
    page.on("requestfinished", lambda r: chunks.append(r.headers.get("upload-offset"))
            if r.method == "PATCH" else None)

    with page.expect_request(lambda r: r.method == "PATCH"):
        page.get_by_label("Evidence files").set_input_files(str(photo))
    row = page.locator(".upload-row")
    expect(row.locator("progress")).to_be_visible()
    link(offline=True)  # mid-upload: the first chunk on its way, the rest to go
    expect(row.locator(".upload-status")).to_contain_text("The connection dropped", timeout=15_000)
    page.wait_for_timeout(1500)
    link(offline=False)
    expect(row.locator(".upload-status")).to_contain_text("Uploaded", timeout=30_000)
    assert row.locator("progress").evaluate("bar => bar.value") == 100

    page.get_by_label("What these files show").fill("Photo of the repaired fire exit")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".flashes")).to_contain_text("Evidence added.")
    expect(page.locator("#history")).to_contain_text("Photo of the repaired fire exit")
    expect(page.locator("#evidence")).to_contain_text("IMG_2041.jpg")

    db.session.expire_all()
    [stored] = db.session.scalars(select(IPItemFile).where(IPItemFile.item_id == item.id)).all()
    assert db.session.scalar(select(Upload)) is None
    with storage().open(stored.storage_key) as stream:
        content = stream.read()
    assert len(content) == stored.size < photo.stat().st_size // 4
    image = Image.open(io.BytesIO(content))
    assert image.format == "JPEG" and max(image.size) == 1600 and image.size == (1600, 1200)
    assert not image.getexif().get_ifd(GPS_IFD)  # no location
    assert not image.getexif()  # no EXIF at all
    assert len(chunks) >= 2  # sent in chunks


def test_without_javascript_the_plain_upload_still_works(page_without_js, tmp_path):
    photo = tmp_path / "minutes.jpg"
    phone_photo(photo, 800, 600)
    item = open_item()
    page = page_without_js
    sign_in(page, "factory@demo.test")
    page.goto(f"/factories/{item.factory_id}/ip/{item.id}")
    page.get_by_label("Evidence files").set_input_files(str(photo))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.locator(".flashes")).to_contain_text("Evidence added.")
    db.session.expire_all()
    [stored] = db.session.scalars(select(IPItemFile).where(IPItemFile.item_id == item.id)).all()
    assert stored.size == photo.stat().st_size  # as it was sent: the browser did nothing to it
