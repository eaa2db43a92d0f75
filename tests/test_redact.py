"""The redactor: secrets never printed, ordinary text left alone."""

from watchdog.redact import REDACTED, redact, redact_url, register_secret, register_url_secret


def test_long_secret_is_replaced_anywhere() -> None:
    """A long token is removed even when glued to other text."""
    register_secret("tok-0123456789abcdef")
    assert redact("Bearer tok-0123456789abcdef;x") == f"Bearer {REDACTED};x"
    assert redact("a/tok-0123456789abcdefz") == f"a/{REDACTED}z"


def test_short_secret_only_where_it_stands_alone() -> None:
    """A short dev token such as 'root' is hidden as a value, but '/root/' paths survive."""
    register_secret("root")
    assert redact("token=root failed") == f"token={REDACTED} failed"
    assert redact("X-Vault-Token: root") == f"X-Vault-Token: {REDACTED}"
    assert redact("cannot read /root/.vault-token") == "cannot read /root/.vault-token"
    assert redact("rooted uproot") == "rooted uproot"


def test_secret_url_hides_the_credential_part_but_not_short_paths() -> None:
    """A Slack-style URL hides its token path; a short path like /hook is not a credential."""
    register_url_secret("https://hooks.slack.example/services/T000/B000/XXXXYYYYZZZZ")
    register_url_secret("https://pager.example/hook")
    assert redact("POST /services/T000/B000/XXXXYYYYZZZZ: 500") == f"POST {REDACTED}: 500"
    assert redact("GET http://127.0.0.1:1/hook") == "GET http://127.0.0.1:1/hook"
    assert redact("to https://pager.example/hook") == f"to {REDACTED}"


def test_redact_url_drops_userinfo_and_query() -> None:
    """URLs in errors lose userinfo and query string."""
    assert redact_url("https://user:pw@host:8443/p?token=x") == f"https://host:8443/p?{REDACTED}"
