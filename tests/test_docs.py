"Build the docs site offline (tools/build_docs.py) and check it in headless Chromium (tools/check_docs.py)."
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tools'))
import build_docs, check_docs

CHROMIUM = '/usr/bin/chromium'


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f'{CHROMIUM} is missing: the docs check needs headless Chromium '
                                                         '(apt-get install chromium; CI installs it)')
def test_docs_build_and_check():
    assert build_docs.main([]) == 0, 'tools/build_docs.py failed (see the output above)'
    assert check_docs.main(['--browser', CHROMIUM]) == 0, 'tools/check_docs.py found problems (see the output above)'
