"""The web config file: what loads, and every refusal with file, line, key and reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.components import REPO
from tests.webconfig.pki import WebPki, bcrypt_hash, make_web_pki
from watchdog.config.errors import ConfigError
from watchdog.config.load import load_config
from watchdog.webconfig.load import load_web_config


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> WebPki:
    """One PKI for the whole module."""
    return make_web_pki(tmp_path_factory.mktemp("pki"))


def _tls(pki: WebPki) -> str:
    return f"tls_server_config:\n  cert_file: {pki.server[0]}\n  key_file: {pki.server[1]}\n"


def _refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "web.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_web_config(path)
    assert len(caught.value.issues) == 1, caught.value
    return str(caught.value.issues[0]).replace(str(path), "web.yml")


def test_empty_file_means_plain_http_without_auth(tmp_path: Path) -> None:
    """An empty web config is valid, as in exporter-toolkit: no TLS, no users."""
    path = tmp_path / "web.yml"
    path.write_text("")
    loaded = load_web_config(path)
    assert not loaded.tls and loaded.users == {}


def test_full_config_loads_with_relative_paths(tmp_path: Path, pki: WebPki) -> None:
    """Paths are relative to the web config file; the context requires client certificates."""
    (tmp_path / "certs").mkdir()
    for source in (pki.server[0], pki.server[1], pki.ca):
        (tmp_path / "certs" / source.name).write_bytes(source.read_bytes())
    path = tmp_path / "web.yml"
    path.write_text(
        "tls_server_config:\n"
        f"  cert_file: certs/{pki.server[0].name}\n  key_file: certs/{pki.server[1].name}\n"
        f"  client_ca_file: certs/{pki.ca.name}\n  client_auth_type: RequireAndVerifyClientCert\n"
        "  min_version: TLS13\n  client_allowed_sans: [prometheus.example]\n"
        "http_server_config:\n  headers: {X-Frame-Options: deny}\n"
        f"basic_auth_users:\n  alice: '{bcrypt_hash('x')}'\n"
    )
    loaded = load_web_config(path)
    assert loaded.ssl_context is not None
    assert loaded.ssl_context.verify_mode.name == "CERT_REQUIRED"
    assert loaded.ssl_context.minimum_version.name == "TLSv1_3"
    assert loaded.allowed_sans == {"prometheus.example"}
    assert set(loaded.users) == {"alice"} and loaded.headers == {"X-Frame-Options": "deny"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tls_server_config: {}\n", "web.yml:1: tls_server_config: missing cert_file (or cert)"),
        (
            "tls_server_config:\n  cert_file: /nonexistent/c.pem\n  key_file: /nonexistent/k\n",
            "web.yml:1: tls_server_config: cert_file /nonexistent/c.pem does not exist",
        ),
        (
            "basic_auth_users:\n  bob: plaintext-password\n",
            "web.yml:2: basic_auth_users.bob: not a bcrypt hash",
        ),
        ("tls_server_confg: {}\n", "web.yml:1: tls_server_confg: unknown key (did you mean"),
        ("rate_limit: {interval: 1s, burst: 20}\n", "web.yml:1: rate_limit: not supported"),
        (
            "http_server_config:\n  headers: {X-Powered-By: me}\n",
            "web.yml:2: http_server_config.headers: header 'X-Powered-By' is not one the format",
        ),
    ],
)
def test_refusals_name_file_line_and_reason(tmp_path: Path, text: str, expected: str) -> None:
    """Each bad web config is refused with its line and a reason."""
    assert _refusal(tmp_path, text).startswith(expected)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("  client_auth_type: RequireAnyClientCert\n", "accepts client certificates nobody"),
        ("  client_auth_type: Sometimes\n", "unknown client_auth_type 'Sometimes'"),
        ("  client_auth_type: RequireAndVerifyClientCert\n", "needs client_ca_file"),
        ("  client_ca_file: {ca}\n", "client_ca_file is set but client_auth_type is NoClientCert"),
        ("  min_version: TLS13\n  max_version: TLS12\n", "min_version TLS13 is above max_version"),
        ("  min_version: SSL3\n", "Input should be 'TLS10', 'TLS11', 'TLS12' or 'TLS13'"),
        (
            "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
            "cipher suite TLS_RSA_WITH_RC4_128_SHA is insecure",
        ),
        ("  curve_preferences: [X25519]\n", "not supported: Python's ssl module cannot"),
        ("  client_allowed_sans: [a.example]\n", "client_allowed_sans needs client_auth_type"),
    ],
)
def test_tls_refusals(tmp_path: Path, pki: WebPki, extra: str, expected: str) -> None:
    """TLS settings the daemon cannot honour safely are refused with the reason."""
    message = _refusal(tmp_path, _tls(pki) + extra.format(ca=pki.ca))
    assert message.startswith("web.yml:"), message
    assert expected in message, message


def test_mismatched_key_is_refused_at_load(tmp_path: Path, pki: WebPki) -> None:
    """A key that does not belong to the certificate is refused when loading, not later."""
    message = _refusal(
        tmp_path,
        f"tls_server_config:\n  cert_file: {pki.server[0]}\n  key_file: {pki.client[1]}\n",
    )
    assert message.startswith("web.yml:2: tls_server_config.cert_file: cannot use the certificate")
    assert "KEY_VALUES_MISMATCH" in message


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "watchdog", "check", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _config(tmp_path: Path, listen: str, **server: object) -> Path:
    path = tmp_path / "watchdog.yml"
    path.write_text(
        yaml.safe_dump(
            {"server": {"listen": listen, **server}, "state_dir": str(tmp_path / "state")}
        )
    )
    return path


def test_check_refuses_a_bad_web_config_with_file_and_line(tmp_path: Path) -> None:
    """`check --web.config.file` exits 2 and prints the web config's file:line: reason."""
    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  bob: hunter2\n")
    result = _check("-c", str(_config(tmp_path, "127.0.0.1:9911")), "--web.config.file", str(web))
    assert result.returncode == 2  # an invalid config, as the daemon would refuse it
    assert f"{web}:2: basic_auth_users.bob: not a bcrypt hash" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_check_reads_server_web_config_file(tmp_path: Path) -> None:
    """`server.web_config_file` is loaded (relative to the config) and checked too."""
    (tmp_path / "web.yml").write_text("tls_server_config: {}\n")
    result = _check("-c", str(_config(tmp_path, "127.0.0.1:9911", web_config_file="web.yml")))
    assert result.returncode == 2
    assert f"{tmp_path / 'web.yml'}:1: tls_server_config: missing cert_file" in result.stderr


def test_check_warns_about_an_exposed_unprotected_listener(tmp_path: Path) -> None:
    """Listening beyond loopback without TLS or basic auth is a warning; with either, none."""
    exposed = _check("-c", str(_config(tmp_path, "0.0.0.0:9911")))
    assert exposed.returncode == 0
    assert "server.listen: 0.0.0.0:9911 is reachable beyond this host" in exposed.stderr
    loopback = _check("-c", str(_config(tmp_path, "127.0.0.1:9911")))
    assert "reachable beyond this host" not in loopback.stderr
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  alice: '{bcrypt_hash('x')}'\n")
    protected = _check("-c", str(_config(tmp_path, "0.0.0.0:9911")), "--web.config.file", str(web))
    assert protected.returncode == 0, protected.stderr
    assert "reachable beyond this host" not in protected.stderr


def test_load_config_keeps_the_flag_for_reloads(tmp_path: Path) -> None:
    """The command line's web config is remembered so a reload reads the same file."""
    web = tmp_path / "web.yml"
    web.write_text("")
    loaded = load_config(_config(tmp_path, "127.0.0.1:9911"), web_config_file=web)
    assert loaded.web is not None and loaded.web_config_flag == web


def test_a_missing_web_config_file_is_named_where_it_was_given(tmp_path: Path) -> None:
    """server.web_config_file pointing nowhere: the config's line; the flag: the flag."""
    config = _config(tmp_path, "127.0.0.1:9911", web_config_file="nowhere.yml")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert str(caught.value.issues[0]) == (
        f"{config}:3: server.web_config_file: web config file"
        f" {tmp_path / 'nowhere.yml'} does not exist"
    )
    with pytest.raises(ConfigError, match=r"no\.yml does not exist \(--web\.config\.file\)"):
        load_config(_config(tmp_path, "127.0.0.1:9911"), web_config_file=tmp_path / "no.yml")
