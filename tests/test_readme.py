"README.md is generated from nbs/index.ipynb by tools/make_readme.py; these tests keep it that way."
import json, sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tools'))
import make_readme


def test_readme_up_to_date():
    "Same check as `python tools/make_readme.py --check`."
    if not make_readme.readme_nb_path().is_file(): pytest.skip('nbs/index.ipynb does not exist yet: no README to check')
    why = make_readme.out_of_date()
    assert why is None, f'{make_readme.STALE_MSG} ({why})'


def _cell(kind, src, outputs=None):
    c = {'cell_type': kind, 'metadata': {}, 'source': src}
    if kind == 'code': c.update(execution_count=1, outputs=outputs or [])
    return c


def test_make_readme_on_a_small_notebook(tmp_path):
    "Hidden cells and directives go, markdown, code and text outputs stay; --check notices edits."
    (tmp_path/'settings.ini').write_text('[DEFAULT]\nnbs_path = nbs\nreadme_nb = index.ipynb\n')
    (tmp_path/'nbs').mkdir()
    out = lambda t: [{'output_type': 'stream', 'name': 'stdout', 'text': t}]
    nb = {'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': [
        _cell('code', '#|hide\nsecret = 1', out('hidden output\n')),
        _cell('markdown', '# demo\n\n> A test library.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n::: {.callout-note}\nNote.\n:::'),
        _cell('code', '#| echo: false\nprint("shown")', out('shown\n')),
        _cell('code', '#|export\ndef f(): pass'),
        _cell('code', 'x = 1 + 1\nx', [{'output_type': 'execute_result', 'execution_count': 1, 'metadata': {},
                                        'data': {'text/plain': '2'}}])]}
    (tmp_path/'nbs'/'index.ipynb').write_text(json.dumps(nb))
    assert make_readme.out_of_date(tmp_path) == 'README.md does not exist'
    assert make_readme.main([], root=tmp_path) == 0
    md = (tmp_path/'README.md').read_text()
    assert '# demo' in md and '> A test library.' in md and '| 1 | 2 |' in md and 'Note.' in md
    assert '```python\nx = 1 + 1\nx\n```' in md and '    2' in md and '    shown' in md
    for junk in ('secret', 'hidden output', '#|', 'print("shown")', 'def f', ':::'): assert junk not in md, junk
    assert make_readme.main(['--check'], root=tmp_path) == 0
    (tmp_path/'README.md').write_text(md + 'hand edit\n')
    assert make_readme.main(['--check'], root=tmp_path) == 1
