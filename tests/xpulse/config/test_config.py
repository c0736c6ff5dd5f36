"""Config: loading, one-line errors naming file and key, env overrides, ``xpulse init``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from xpulse.cli import cli
from xpulse.cli import init as init_module
from xpulse.config.paths import config_path, data_dir, state_dir
from xpulse.config.settings import load_config
from xpulse.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_accounts(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path / "c.toml",
            '[api]\nclient_id = "abc"\n[[accounts]]\nname = "main"\nusername = "@Jack"\n'
            '[[accounts]]\nname = "rival"\nusername = "bob"\nauth = "bearer"\nown = false\n',
        )
    )
    assert cfg.api.base_url == "https://api.x.com" and cfg.api.callback_port == 8765
    assert cfg.account("main").username == "Jack"
    assert cfg.account("rival").auth == "bearer"
    assert cfg.path == tmp_path / "c.toml"
    with pytest.raises(ConfigError, match=r"no account named 'nope'.*main, rival"):
        cfg.account("nope")
    with pytest.raises(ConfigError, match="pass --account"):
        cfg.account(None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('timezone = "Mars/Olympus"\n', r"c\.toml: timezone: unknown time zone 'Mars/Olympus'"),
        ('[api]\nbase_url = "ftp://x"\n', r"c\.toml: api\.base_url: 'ftp://x' is not an http"),
        ('[[accounts]]\nname = "a b"\nusername = "x"\n', r"c\.toml: accounts\[0\]\.name"),
        ("plan = 'free'\n", r"c\.toml: plan: "),
        ("[api\n", r"c\.toml: not valid TOML"),
        ("colour = 1\n", r"c\.toml: colour: "),
    ],
)
def test_errors_are_one_line_naming_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path / "c.toml", text))
    assert "\n" not in str(info.value)


def test_missing_config_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `xpulse init`"):
        load_config(tmp_path / "none.toml")


def test_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(write(tmp_path / "c.toml", '[api]\nbase_url = "http://127.0.0.1:9/"\n'))
    assert cfg.api_base() == "http://127.0.0.1:9"
    assert cfg.db_url() == f"sqlite:///{data_dir() / 'xpulse.db'}"
    monkeypatch.setenv("XPULSE_API_BASE", "http://127.0.0.1:8000")
    monkeypatch.setenv("XPULSE_DB", "postgresql+psycopg://u@localhost/x")
    assert cfg.api_base() == "http://127.0.0.1:8000"
    assert cfg.db_url() == "postgresql+psycopg://u@localhost/x"
    monkeypatch.setenv("XPULSE_API_BASE", "not a url")
    with pytest.raises(ConfigError, match="XPULSE_API_BASE"):
        cfg.api_base()


def test_dirs_live_under_xpulse_home(isolated_env: Path) -> None:
    assert config_path() == isolated_env / "config.toml"
    assert data_dir().is_relative_to(isolated_env) and state_dir().is_relative_to(isolated_env)


def test_init_writes_a_loadable_commented_config_without_secrets(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XPULSE_CLIENT_SECRET", "fake-secret-never-written")
    result = CliRunner().invoke(
        cli, ["init", "--client-id", "abc123", "--account", "main", "--username", "jack"]
    )
    assert result.exit_code == 0, result.output
    text = config_path().read_text()
    assert "# Secrets never go in this file" in text
    assert "fake-secret" not in text
    assert "http://127.0.0.1:8765/callback" in text
    cfg = load_config()
    assert cfg.api.client_id == "abc123" and cfg.account("main").username == "jack"
    assert tomllib.loads(text)["accounts"][0]["auth"] == "oauth2"


def test_init_refuses_to_overwrite_without_force(isolated_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    again = runner.invoke(cli, ["init", "--client-id", "new"])
    assert again.exit_code != 0
    assert "already exists; pass --force" in again.output
    assert "Traceback" not in again.output
    assert runner.invoke(cli, ["init", "--client-id", "new", "--force"]).exit_code == 0
    assert load_config().api.client_id == "new"


def test_init_turns_files_on_and_explains_slack_email_plan_and_budget(
    isolated_env: Path,
) -> None:
    result = CliRunner().invoke(
        cli, ["init", "--client-id", "abc123", "--account", "brand", "--username", "jack"]
    )
    assert result.exit_code == 0, result.output
    folder = isolated_env / "reports"
    assert f"reports: files in {folder}" in result.output
    assert "next: xpulse auth login --account brand" in result.output
    text = config_path().read_text()
    data = tomllib.loads(text)
    assert data["delivery"]["files"] == {
        "folder": str(folder),
        "formats": ["html", "md", "json", "csv"],
    }
    assert "slack" not in data["delivery"] and "email" not in data["delivery"]
    # Slack and email are there, commented, with what each needs.
    assert '# webhook_url_env = "XPULSE_SLACK_WEBHOOK"' in text
    assert "Incoming Webhooks" in text
    assert '# password_env = "XPULSE_SMTP_PASSWORD"' in text and "# host = " in text
    assert "pay-per-use bills" in text and "stops before it" in text
    # Uncommenting Slack gives a config that loads.
    cfg = load_config()
    assert cfg.delivery.files is not None and cfg.delivery.files.path() == folder
    enabled = text.replace("# [delivery.slack]\n# webhook", "[delivery.slack]\nwebhook")
    config_path().write_text(enabled)
    assert load_config().delivery.slack is not None


def test_init_never_prompts_off_a_terminal(isolated_env: Path) -> None:
    result = CliRunner().invoke(cli, ["init"], input="should-not-be-read\n")
    assert result.exit_code == 0, result.output
    assert "client id" not in result.output.lower().split("wrote")[0]
    assert load_config().api.client_id == ""
    assert "next: set api.client_id in" in result.output


def test_init_asks_on_a_terminal_for_what_it_cannot_guess(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(init_module, "_interactive", lambda no_input: not no_input)
    result = CliRunner().invoke(cli, ["init"], input="my-client\n@jack\nbrand\ny\n")
    assert result.exit_code == 0, result.output
    cfg = load_config()
    assert cfg.api.client_id == "my-client"
    assert (cfg.accounts[0].name, cfg.accounts[0].username) == ("brand", "jack")
    assert cfg.accounts[0].owns_app is True  # asked: it picks X's price for its own posts
    quiet = CliRunner().invoke(cli, ["init", "--force", "--no-input"], input="x\n")
    assert quiet.exit_code == 0 and load_config().api.client_id == ""


def test_help_has_examples() -> None:
    runner = CliRunner()
    for args in (["init"], ["auth"], ["auth", "login"], ["auth", "status"], ["auth", "logout"]):
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, args


def test_bearer_accounts_have_nothing_to_sign_in(isolated_env: Path, monkeypatch) -> None:
    write(
        isolated_env / "config.toml",
        '[api]\nclient_id = "abc"\n[[accounts]]\nname = "rival"\nusername = "bob"\n'
        'auth = "bearer"\nown = false\n',
    )
    runner = CliRunner()
    login = runner.invoke(cli, ["auth", "login", "--no-browser"])
    assert login.exit_code == 2
    assert "uses an app bearer token (XPULSE_BEARER_TOKEN)" in login.output
    assert "XPULSE_BEARER_TOKEN not set" in runner.invoke(cli, ["auth", "status"]).output
    monkeypatch.setenv("XPULSE_BEARER_TOKEN", "fake-app-bearer-abcdef")
    status = runner.invoke(cli, ["auth", "status"])
    assert "rival (@bob): app bearer set" in status.output
    assert "fake-app-bearer" not in status.output


def test_login_without_client_id_is_one_clear_line(isolated_env: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["init", "--username", "jack"])
    result = runner.invoke(cli, ["auth", "login", "--no-browser"])
    assert result.exit_code == 2
    assert "api.client_id is empty" in result.output
    assert len(result.output.strip().splitlines()) == 1
