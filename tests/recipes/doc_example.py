"""Runs the `zoo.load` example of a recipe's page in docs/recipes/ against a trained test model."""

import contextlib
import io
import os
import re

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "recipes")
MARK = "<!-- this example runs in the test suite (tests/recipes/doc_example.py) -->"


def example_code(recipe):
    """The python block after the marker in docs/recipes/<recipe>.md."""
    with open(os.path.join(DOCS, f"{recipe}.md"), encoding="utf-8") as file:
        text = file.read()
    match = re.search(re.escape(MARK) + r"\n```python\n(.*?)```", text, re.S)
    assert match, f"docs/recipes/{recipe}.md has no example after the marker"
    return match.group(1)


def run_example(recipe, workdir, folder, files=None):
    """Runs the example in `folder`, where `saved_models/<recipe>` is `workdir` and `files` (name → bytes)
    lie; returns what it printed."""
    os.makedirs(os.path.join(folder, "saved_models"), exist_ok=True)
    os.symlink(os.path.abspath(str(workdir)), os.path.join(folder, "saved_models", recipe))
    for name, data in (files or {}).items():
        with open(os.path.join(folder, name), "wb") as file:
            file.write(data)
    printed = io.StringIO()
    here = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(example_code(recipe), f"docs/recipes/{recipe}.md", "exec"), {"__name__": "__example__"})
    finally:
        os.chdir(here)
    return printed.getvalue()
