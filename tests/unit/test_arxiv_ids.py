import pytest

from dailypapers.domain.arxiv_ids import canonical_arxiv_id, parse_arxiv_ref
from dailypapers.domain.errors import InvalidArxivId


@pytest.mark.parametrize(
    ("text", "arxiv_id", "version"),
    [
        ("2405.15738", "2405.15738", None),
        ("2405.15738v2", "2405.15738", 2),
        (" arXiv:2405.15738 ", "2405.15738", None),
        ("https://arxiv.org/abs/2405.15738v3", "2405.15738", 3),
        ("http://arxiv.org/pdf/2405.15738v1.pdf", "2405.15738", 1),
        ("arxiv.org/pdf/2405.15738", "2405.15738", None),
        ("https://export.arxiv.org/abs/1501.0001", "1501.0001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("math.AG/0601001v2", "math.AG/0601001", 2),
        ("https://arxiv.org/abs/cond-mat/0207270", "cond-mat/0207270", None),
    ],
)
def test_accepts_every_form_users_paste(text: str, arxiv_id: str, version: int | None) -> None:
    ref = parse_arxiv_ref(text)
    assert (ref.arxiv_id, ref.version) == (arxiv_id, version)


@pytest.mark.parametrize(
    "text", ["", "hello", "2405.157", "2405.15738v0", "https://example.com/abs/2405.15738", "1234.5"]
)
def test_rejects_what_is_not_an_id(text: str) -> None:
    with pytest.raises(InvalidArxivId, match="arXiv id"):
        canonical_arxiv_id(text)
