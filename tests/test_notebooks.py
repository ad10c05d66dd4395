"""Every notebook in nbs/ executed as one pytest test, with nbdev's own runner (`nbdev.test.test_nb`) and the skip flags of
settings.ini (`tst_flags`: cells flagged `slow` are skipped), so CI prints how many notebooks passed."""
import io, json
from pathlib import Path
import pytest
from pyflakes.api import check
from pyflakes.reporter import Reporter
from nbdev.config import get_config
from nbdev import test as nbdev_test  # not `from nbdev.test import test_nb`: pytest would collect it as a test

ROOT = Path(__file__).resolve().parent.parent
NBS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))

def test_notebooks_found():
    assert len(NBS) >= 7, f"expected the pipeline's notebooks in {ROOT/'nbs'}, found {[p.name for p in NBS]}"

@pytest.mark.parametrize('nb', NBS, ids=[p.stem for p in NBS])
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(nb.parent)
    skip = get_config(path=ROOT).tst_flags.split()
    ok, secs = nbdev_test.test_nb(nb, skip_flags=skip, basepath=ROOT)
    assert ok, f"{nb.name} failed (its traceback is printed above)"

def test_notebook_sizes():
    "Every notebook stays under about 300 KB with its outputs kept (figures re-encoded by tools/shrink_figures.py after a run)."
    big = {p.name: p.stat().st_size//1024 for p in NBS if p.stat().st_size > 300*1024}
    assert not big, f"notebooks over 300 KB: {big}; run python tools/shrink_figures.py and commit"

def undefined_names(nb:Path)->list:
    "pyflakes' undefined names in a notebook's code cells taken as one module, in order (shell and magic lines dropped)."
    cells = [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    src = '\n\n'.join('\n'.join(l for l in ''.join(c['source']).splitlines() if not l.lstrip().startswith(('%', '!'))) for c in cells)
    out = io.StringIO(); check(src, nb.name, Reporter(out, io.StringIO()))
    ipython = ("'display'", "'get_ipython'")  # names the notebook kernel provides
    return [l for l in out.getvalue().splitlines() if "undefined name '" in l and not l.endswith(ipython)]

def test_names_defined():
    "Cells flagged `slow` do not run in CI; pyflakes reads them anyway, so a name never imported (08b's `TEACHERS`) fails here, not in the queue."
    bad = {p.name: u for p in NBS if (u := undefined_names(p))}
    assert not bad, f"undefined names (add the import to the notebook's import cell): {bad}"
