#!/usr/bin/env python
"""Generate README.md from nbs/index.ipynb offline (`nbdev_readme` needs Quarto, which we cannot install).

The notebook goes through nbdev's own cell processors (the ones that only edit cells: `#|hide`, `#|export`,
`#|hide_line`, `#|filter_stream`, magics, ANSI codes; not the ones that execute code or add doc links), then Quarto
options are honoured (`include: false`, `echo: false`, `output: false`) and nbconvert's MarkdownExporter writes GitHub
markdown: code cells as ```python blocks, outputs as stored (text indented, HTML as HTML, images into `README_files/`).

We read nbs/index.ipynb itself, not `_proc/index.ipynb`: the processed copy depends on when the docs were last built
and on the installed packages (doc links), and `--check` must give the same answer everywhere.

Usage: `python tools/make_readme.py` writes README.md; `python tools/make_readme.py --check` exits 1 if README.md
is out of date.
"""
from __future__ import annotations

import argparse, configparser, re, shutil, sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import ROOT, _re_fenced_div, _re_heading_attrs, code_directives, is_false, split_frontmatter

FILES_DIR = 'README_files'
STALE_MSG = 'README.md is out of date with nbs/index.ipynb: run python tools/make_readme.py'
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'


def readme_nb_path(root: Path = ROOT) -> Path:
    "nbs/index.ipynb, or whatever settings.ini's `nbs_path`/`readme_nb` say."
    cp = configparser.ConfigParser(delimiters=['='])
    cp.read(root/'settings.ini', encoding='utf-8')
    d = cp['DEFAULT']
    return root/d.get('nbs_path', 'nbs')/d.get('readme_nb', 'index.ipynb')


def process(nb_path: Path) -> nbformat.NotebookNode:
    "The notebook as nbdev would show it: hidden/exported cells gone, directives applied and removed."
    from execnb.nbio import nb2str, read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import (clean_magics, filter_stream_, hide_, hide_line, populate_language,
                                  rm_export, rm_header_dash, strip_ansi, strip_hidden_metadata)
    nb = read_nb(nb_path)
    NBProcessor(nb=nb, procs=[populate_language, hide_line, filter_stream_, rm_header_dash, rm_export,
                              clean_magics, hide_, strip_ansi, strip_hidden_metadata], process=True)
    nb = nbformat.reads(nb2str(nb), as_version=4)
    cells = []
    for cell in nb.cells:
        src = cell.get('source') or ''
        if cell.cell_type == 'raw':                                   # YAML frontmatter: title and description
            fm, rest = split_frontmatter(src)
            if not fm: cells.append(cell); continue
            head = (f"# {fm['title']}\n\n" if fm.get('title') else '') + (f"> {fm['description']}\n" if fm.get('description') else '')
            if head.strip(): cells.append(nbformat.v4.new_markdown_cell(head))
            if rest.strip(): cells.append(nbformat.v4.new_markdown_cell(rest))
        elif cell.cell_type == 'markdown':
            cell.source = _re_heading_attrs.sub(r'\1', _re_fenced_div.sub('', src))
            if cell.source.strip(): cells.append(cell)
        elif cell.cell_type == 'code':
            d, code = code_directives(src)
            if is_false(d.get('include', 'true')): continue
            if is_false(d.get('output', 'true')): cell.outputs = []
            cell.source = code
            if not code.strip() or is_false(d.get('echo', 'true')): cell.metadata['transient'] = {'remove_source': True}
            if code.strip() or cell.outputs: cells.append(cell)
    nb.cells = cells
    nb.metadata['language_info'] = {'name': 'python'}                 # code fences say ```python
    return nb


def render(nb_path: Path) -> tuple[str, dict[str, bytes]]:
    "(README markdown, {relative path: bytes} of the images it links)."
    exporter = MarkdownExporter()
    md, res = exporter.from_notebook_node(process(nb_path), resources={'output_files_dir': FILES_DIR,
                                                                        'unique_key': 'README'})
    md = re.sub(r'[ \t]+$', '', md, flags=re.MULTILINE)
    md = HEADER + re.sub(r'\n{3,}', '\n\n', md).strip() + '\n'
    return md, dict(res.get('outputs', {}))


def out_of_date(root: Path = ROOT) -> str | None:
    "None if README.md (and its images) match what nbs/index.ipynb gives, else what differs."
    nb_path = readme_nb_path(root)
    if not nb_path.is_file(): return f'{nb_path} not found'
    md, files = render(nb_path)
    readme = root/'README.md'
    if not readme.is_file(): return 'README.md does not exist'
    if readme.read_text(encoding='utf-8') != md: return 'README.md differs'
    for name, data in files.items():
        f = root/name
        if not f.is_file() or f.read_bytes() != data: return f'{name} is missing or differs'
    return None


def write(root: Path = ROOT) -> Path:
    md, files = render(readme_nb_path(root))
    if (root/FILES_DIR).is_dir(): shutil.rmtree(root/FILES_DIR)
    for name, data in files.items():
        (root/name).parent.mkdir(parents=True, exist_ok=True)
        (root/name).write_bytes(data)
    (root/'README.md').write_text(md, encoding='utf-8')
    return root/'README.md'


def main(argv=None, root: Path = ROOT) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='only check that README.md is up to date (exit 1 if not)')
    args = ap.parse_args(argv)
    root = Path(root).resolve()
    nb_path = readme_nb_path(root)
    if not nb_path.is_file():
        print(f'make_readme: {nb_path} not found', file=sys.stderr); return 2
    if args.check:
        why = out_of_date(root)
        if why: print(f'{STALE_MSG} ({why})', file=sys.stderr); return 1
        print('README.md is up to date with nbs/index.ipynb'); return 0
    out = write(root)
    print(f'wrote {out} from {nb_path.relative_to(root)}')
    return 0


if __name__ == '__main__': sys.exit(main())
