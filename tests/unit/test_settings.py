from pathlib import Path

import pytest

from dailypapers.domain.errors import ConfigError
from dailypapers.settings import Settings, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [name for name, _, _ in Settings.documented() if f"`{name}`" not in text]
    assert not missing, f"settings missing from README.md: {missing}"


def test_defaults_then_file_then_environment(tmp_path: Path) -> None:
    assert load_settings({}).database_url == "sqlite:///data/dailypapers.db"
    config = tmp_path / "hub.toml"
    config.write_text('page_size = 25\nharvest_sets = "math, cs"\n')
    settings = load_settings({"DAILYPAPERS_CONFIG": str(config), "DAILYPAPERS_PAGE_SIZE": "7"})
    assert settings.page_size == 7
    assert settings.harvest_set_list == ["math", "cs"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DAILYPAPERS_PAGE_SIZE": "many"}, "DAILYPAPERS_PAGE_SIZE = 'many' is not a valid int"),
        ({"DAILYPAPERS_ARXIV_MIN_INTERVAL_SECONDS": "soon"}, "not a valid float"),
    ],
)
def test_bad_values_are_refused_with_the_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_unknown_or_broken_config_file(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("page_sise = 3\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({}, config_file=config)
    config.write_text("page_size = \n")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings({}, config_file=config)
