"""OPS-1: with STORAGE_URL=s3://... every kept file (evidence, rendered PDFs) lives in the bucket of
an S3-protocol server (moto's, on loopback), nothing on this machine's disk, and is served only
through the portal's own authorisation."""

import io
from datetime import date, timedelta
from pathlib import Path

import boto3
import pytest

from bwportal.domain import documents
from bwportal.domain.notices.outbox import take_committed
from bwportal.domain.public import issues as pi
from bwportal.extensions import db
from bwportal.jobs.outbox import relay
from bwportal.models import Document, DocumentStatus
from tests import factories as f


@pytest.fixture
def on_s3(app, s3_bucket, monkeypatch, tmp_path):
    endpoint, bucket = s3_bucket
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{bucket}/portal")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", endpoint)
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "not-used"))
    client = boto3.client("s3", endpoint_url=endpoint)

    def objects() -> dict[str, bytes]:
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}

    return objects


def test_evidence_goes_to_the_bucket_and_comes_back_only_to_those_allowed(app, login, world, on_s3, tmp_path):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=90))
    finding = f.make_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    db.session.commit()
    png = f.public_png_bytes(3, 3)
    client = login(world.factory_user)
    answer = client.post(f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond",
                         data={"text": "Paid", "version": "", "files": [(io.BytesIO(png), "payslip.png")]},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    db.session.expire_all()
    evidence = pi.response_for(finding.id).files[0]
    assert on_s3() == {f"portal/evidence/{evidence.stored_name}": png}
    assert not Path(tmp_path / "not-used").exists()
    url = f"/factories/{world.angkor.id}/public-issues/files/{evidence.id}"
    served = client.get(url)
    assert served.status_code == 200 and served.data == png and served.headers["Content-Length"] == str(len(png))
    assert login(world.factory2_user).get(url).status_code == 404  # another factory: no file
    client = login(world.factory_user)
    # Removed by the factory: gone from the bucket too.
    assert client.post(f"/factories/{world.angkor.id}/public-issues/files/{evidence.id}/delete").status_code == 302
    assert on_s3() == {}


def test_a_pdf_rendered_by_the_worker_is_kept_in_the_bucket(app, login, world, pr1, on_s3, jobs):
    client = login(world.factory_user)
    answer = client.post(f"/factories/{world.angkor.id}/reports/{pr1.id}/pdf")
    assert answer.status_code == 302
    relay(take_committed(db.session()))
    jobs()
    document = db.session.get(Document, int(answer.location.rsplit("/", 1)[1]))
    db.session.refresh(document)
    assert document.status is DocumentStatus.READY, document.error
    kept = on_s3()
    assert list(kept) == [f"portal/documents/{document.stored_name}"]
    downloaded = client.get(f"{answer.location}/file")
    assert downloaded.status_code == 200
    assert downloaded.data == kept[f"portal/{documents.FOLDER}/{document.stored_name}"]
    assert downloaded.data.startswith(b"%PDF")
