"""Scheduled reports end to end (issue 20, docs/audits.md): a weekly PDF report, sent now through
`POST /api/v1/reports/schedules/{name}/send`, arrives at a real SMTP server (aiosmtpd) as a PDF
attachment printed by headless Chromium, whose text (`pdftotext`) holds every section; the JSON and
CSV previews render; bad schedules through the API are 400s naming the field."""

from __future__ import annotations

import email
import json
import shutil
import subprocess

import pytest

from conftest import now_ms
from test_alerting import MailSink, wait_for

SECTIONS = ["Performance report: weekly", "Web Vitals", "Lab scores", "Slowest routes", "Open issues",
            "Optimizations and verdicts", "Alert statistics", "Uptime per check", "Budget status"]


def test_weekly_pdf_report_arrives_by_mail(start_server, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/test.sh does)")
    mail = MailSink()
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""alerting:
  channels:
    - name: mail
      type: email
      smtp: {{host: 127.0.0.1, port: {mail.port}, from: perfwatch@example.com, to: [oncall@example.com], tls: none}}
reports:
  - name: weekly
    schedule: {{every: week, weekday: monday, at: "08:00", time_zone: Europe/Berlin}}
    recipients: [cto@example.com, team@example.com]
    format: pdf
""")
    server = start_server(config=config, data_dir=tmp_path / "data")
    # Some traffic, so the slowest-routes section has a row.
    t = now_ms()
    r = server.post_metrics([{"name": "http.server.duration", "kind": "timing", "value": 420 + i, "unit": "ms",
                              "tags": {"service": "shop", "route": "/checkout"}, "time": t - i * 1000} for i in range(20)])
    assert r.status_code == 200, r.text

    listed = server.get("/api/v1/reports/schedules").json()["schedules"]
    assert [(s["name"], s["origin"], s["schedule"]["time_zone"]) for s in listed] == [("weekly", "file", "Europe/Berlin")], listed
    assert listed[0]["next_fire_at"] > now_ms()

    sent = server.post("/api/v1/reports/schedules/weekly/send", timeout=90)
    assert sent.status_code == 200, sent.text
    assert sent.json()["format"] == "pdf" and sent.json()["recipients"] == ["cto@example.com", "team@example.com"]

    raw = wait_for(lambda: next(iter(mail.messages), None), 30, "the report e-mail")
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "Perfwatch report: weekly"
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename().startswith("weekly-") and pdf.get_filename().endswith(".pdf")
    data = pdf.get_payload(decode=True)
    assert data.startswith(b"%PDF"), data[:20]
    out = tmp_path / "report.pdf"
    out.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True, timeout=30).stdout
    for section in SECTIONS:
        assert section in text, f"{section!r} missing from the PDF text:\n{text}"
    assert "/checkout" in text, text


def test_previews_and_bad_schedules(start_server):
    server = start_server()
    preview = server.get("/api/v1/reports/preview", format="json", every="day")
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "application/json"
    body = preview.json()
    assert {"vitals", "scores", "slowest_routes", "open_issues", "optimizations", "alerts", "uptime", "budget"} <= set(body), body
    assert [v["vital"] for v in body["vitals"]] == ["lcp", "inp", "cls", "fcp", "ttfb"]
    csv = server.get("/api/v1/reports/preview", format="csv")
    assert csv.status_code == 200 and csv.text.startswith("section,item,metric,value\r\n"), csv.text[:200]
    assert server.get("/api/v1/reports/preview", format="xlsx").status_code == 400

    cases = [
        ({"name": "r", "schedule": {"every": "fortnight"}, "recipients": ["a@example.com"]}, "schedule.every: must be day or week"),
        ({"name": "r", "schedule": {"every": "day", "at": "25:00"}, "recipients": ["a@example.com"]}, "schedule.at: must be a local time"),
        ({"name": "r", "schedule": {"every": "week", "time_zone": "Europe/Atlantis"}, "recipients": ["a@example.com"]}, "schedule.time_zone: unknown time zone"),
        ({"name": "r", "schedule": {"every": "day"}, "recipients": ["cto at example"]}, "recipients[0]: 'cto at example' is not an e-mail address"),
        ({"name": "r", "schedule": {"every": "day"}, "recipients": ["a@example.com"], "format": "docx"}, "format: must be json, csv or pdf"),
    ]
    for body, expected in cases:
        r = server.post("/api/v1/reports/schedules", data=json.dumps(body), headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert expected in r.json()["error"]["message"], (body, r.text)
    ok = server.post("/api/v1/reports/schedules", data=json.dumps(
        {"name": "daily", "schedule": {"every": "day", "at": "07:30", "time_zone": "America/New_York"}, "recipients": ["a@example.com"], "format": "csv"}),
        headers={"Content-Type": "application/json"})
    assert ok.status_code == 201, ok.text
    dup = server.post("/api/v1/reports/schedules", data=json.dumps(
        {"name": "daily", "schedule": {"every": "day"}, "recipients": ["a@example.com"]}), headers={"Content-Type": "application/json"})
    assert dup.status_code == 400 and "name: a report named 'daily' already exists" in dup.text
    assert server.get("/healthz").status_code == 200
