"""What a new user trips over in the first hour (issue 15): a port in use names the
address, a configuration error is printed alone (no usage text) and exits 2, `--version` exists, and a
metric value that is not a number is called that, and HEAD is answered wherever GET is."""

from __future__ import annotations

import socket
import subprocess

import requests

from conftest import free_port, perfwatch_binary


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), *args], capture_output=True, text=True, timeout=timeout)


def test_port_in_use_names_the_address_and_starts_nothing(tmp_path):
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        out = run("serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "d"))
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert f"127.0.0.1:{port}" in text and "already in use" in text, text
    assert "bind(descriptor" not in text and "Usage:" not in text, text
    # Nothing started, so nothing is shut down either.
    assert "compact" not in text and "alert state" not in text, text


def test_configuration_error_is_printed_alone_and_exits_2(tmp_path):
    cfg = tmp_path / "perfwatch.yml"
    cfg.write_text("server:\n  port: eighty\n")
    out = run("serve", "--config", str(cfg), "--data", str(tmp_path / "d"))
    text = out.stdout + out.stderr
    assert out.returncode == 2, text
    assert "perfwatch.yml:2: server.port:" in text, text
    assert "Usage:" not in text and "USAGE" not in text, text


def test_version_flag():
    out = run("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()[0].isdigit(), out.stdout


def test_start_up_says_what_to_do_next(start_server):
    """Issue 15 (onboarding): the start-up lines say where the dashboard is and how to get data in, with the real
    address: `perfwatch demo --server …`, an OpenTelemetry SDK's endpoint, the RUM snippet."""
    server = start_server()
    output = server.output()
    assert f"next: open {server.url}/ (the dashboard)" in output, output
    assert f"perfwatch demo --server {server.url}" in output and f"OTEL_EXPORTER_OTLP_ENDPOINT={server.url}" in output, output
    assert "RUM snippet" in output


def test_metric_value_that_is_not_a_number_is_called_so(start_server):
    server = start_server()
    body = {"metrics": [{"name": "a", "kind": "gauge", "value": "x"}, {"name": "b", "kind": "gauge", "value": 2}]}
    response = requests.post(f"{server.url}/api/v1/metrics", json=body, timeout=10)
    assert "value must be a number, not the string 'x'" in response.text, response.text
    assert "NaN" not in response.text, response.text


def test_head_is_answered_wherever_get_is(start_server):
    server = start_server()
    for path in ["/healthz", "/rum.js", "/api/v1/metrics", "/"]:
        get = requests.get(server.url + path, timeout=10)
        head = requests.head(server.url + path, timeout=10)
        assert head.status_code == get.status_code, (path, head.status_code, get.status_code)
        assert head.content == b"", path
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), path
    # A path that does not exist stays a 404, and a method that is not allowed a 405.
    assert requests.head(server.url + "/nope", timeout=10).status_code == 404
    assert requests.delete(server.url + "/healthz", timeout=10).status_code == 405
    # The connection is still good for the next request (no body bytes were left behind).
    with requests.Session() as session:
        assert session.head(server.url + "/healthz", timeout=10).status_code == 200
        assert session.get(server.url + "/healthz", timeout=10).status_code == 200


def _subcommands(help_text: str) -> list[str]:
    """The names listed under SUBCOMMANDS: in an ArgumentParser help text (a name starts a line at column 2)."""
    section = help_text.split("SUBCOMMANDS:", 1)[1] if "SUBCOMMANDS:" in help_text else ""
    return [line.split()[0] for line in section.splitlines()
            if line.startswith("  ") and len(line) > 2 and line[2] != " " and not line.strip().startswith("See ")]


def test_every_doc_a_help_text_names_exists():
    """Each `docs/….md` a command's --help points to is in the repository (issue 15: `load --help` named
    docs/load-run.md, which is docs/formats/load-run.md)."""
    import re
    from conftest import REPO_ROOT

    def help_of(*words: str) -> str:
        return subprocess.run([str(perfwatch_binary()), *words, "--help"], capture_output=True, text=True, timeout=20).stdout

    seen, missing = 0, []
    for command in _subcommands(help_of()):
        texts = [help_of(command)] + [help_of(command, sub) for sub in _subcommands(help_of(command))]
        for text in texts:
            for path in re.findall(r"docs/[\w./-]+\.md", text):
                seen += 1
                if not (REPO_ROOT / path).is_file():
                    missing.append((command, path))
    assert seen >= 3, "the help texts name their docs"
    assert not missing, missing


def test_demo_output_arrives_as_it_happens_through_a_pipe(start_server):
    """`perfwatch demo` into a pipe prints its first line while it still runs (issue 15: stdout was block-buffered
    when not a terminal, so nothing came for a minute, then everything)."""
    import select
    import time

    server = start_server()
    demo = subprocess.Popen([str(perfwatch_binary()), "demo", "--server", server.url, "--backfill", "1m", "--rate", "5",
                             "--duration", "30s"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        ready, _, _ = select.select([demo.stdout], [], [], 20)
        assert ready, "no output within 20 s"
        line = demo.stdout.readline().decode()
        assert line.startswith("backfilled 1m:"), line
        assert demo.poll() is None, "the line came only when the demo ended"
    finally:
        demo.kill()
        demo.wait()


def test_unknown_command_is_an_error_even_with_help():
    """Issue 15: `perfwatch audit --help` printed the root help and exited 0, as if the command existed."""
    # `audit` exists since issue 20; `lighthouse` stands for a command that does not.
    for args in (["lighthouse", "--help"], ["lighthouse"], ["serv"]):
        done = subprocess.run([str(perfwatch_binary()), *args], capture_output=True, text=True, timeout=20)
        assert done.returncode == 2, (args, done.returncode, done.stdout[:200])
        assert f"unknown command '{args[0]}'" in done.stderr and "serve, edge" in done.stderr, done.stderr
        assert "OVERVIEW" not in done.stdout


def test_group_help_pages_show_examples():
    """`perfwatch budget --help` and `deploy --help` show how to run them, not only the subcommand list (issue 15)."""
    for group, example in (("budget", "perfwatch budget check budgets.yml --server"), ("deploy", "perfwatch deploy mark --service")):
        text = subprocess.run([str(perfwatch_binary()), group, "--help"], capture_output=True, text=True, timeout=20).stdout
        assert "Examples:" in text and example in text, text
        # No example is broken over two lines (ArgumentParser wraps at 80 columns).
        assert not [line for line in text.splitlines() if line.startswith("--")], text


def _help_texts() -> dict[str, str]:
    """Every command's --help (the root, each command, each subcommand), by command line."""
    def help_of(*words: str) -> str:
        return subprocess.run([str(perfwatch_binary()), *words, "--help"], capture_output=True, text=True, timeout=20).stdout

    texts = {"perfwatch": help_of()}
    for command in _subcommands(texts["perfwatch"]):
        texts[f"perfwatch {command}"] = help_of(command)
        for sub in _subcommands(texts[f"perfwatch {command}"]):
            texts[f"perfwatch {command} {sub}"] = help_of(command, sub)
    return texts


def test_help_texts_do_not_break_lines_mid_sentence():
    """Issue 15: help texts broke lines mid-sentence ("…then PERFWATCH_* environment" / "variables, then…") where the
    source's own line breaks met ArgumentParser's wrapping at 80 columns, and long examples wrapped to column 0.
    Paragraphs are wrapped by the parser alone (every line but a paragraph's last is full), and an example fits."""
    problems = []
    for command, text in _help_texts().items():
        lines = text.split("USAGE:", 1)[0].splitlines()
        paragraph: list[str] = []
        for index, line in enumerate(lines + [""]):
            if line and not line.startswith(" "):
                if index > 0 and lines[index - 1].startswith("  ") and not line.endswith(":"):
                    problems.append(f"{command}: an example wrapped: {lines[index - 1].strip()!r} / {line!r}")
                paragraph.append(line)
                continue
            problems += [f"{command}: short line inside a paragraph: {short!r}" for short in paragraph[:-1]
                         if len(short) < 55 and not short.endswith(":")]
            paragraph = []
    assert not problems, "\n".join(problems)
