import pytest

from app.answering import prompts
from app.errors import ConfigError


@pytest.mark.parametrize("path", sorted(prompts.PROMPTS.glob("*.txt")), ids=lambda p: p.name)
def test_every_prompt_file_renders(path):
    _, fields = prompts.load(path.stem)
    out = prompts.render(path.stem, **{f: f"<{f}>" for f in fields})
    assert all(f"<{f}>" in out for f in fields) and "{" not in out


def test_wrong_placeholders_are_refused():
    with pytest.raises(ConfigError, match="needs"):
        prompts.render("abstention", question="q")
