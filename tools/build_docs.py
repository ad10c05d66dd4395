#!/usr/bin/env python
"""Build the cdx documentation site offline into `_site/`, without Quarto.

`nbdev_docs` = nbdev's notebook processing + a Quarto render. Quarto cannot be installed here, so we do the two
halves ourselves:

1. **nbdev's processing**, the pieces `nbdev.quarto._pre_docs` calls (all but `_ensure_quarto`, which downloads
   Quarto): `nbs/nbdev.yml` (and `nbs/_quarto.yml` if missing), the module index `cdx/_modidx.py`, `nbs/sidebar.yml`
   (the page order, index first) and `_proc/`, the processed notebooks (frontmatter pulled out of the title cell,
   `#|hide`/`#|export` cells emptied, `show_doc` documentation added for exported symbols, ...). Like `nbdev_docs`,
   this runs each notebook's import and export cells, so `cdx` must import.
2. **Rendering with nbconvert**, Jupyter's own notebook-to-HTML renderer. We chose it because it is the well-kept,
   standard renderer (it is what JupyterLab's "Export Notebook As HTML" runs, maintained by Project Jupyter, and
   already one of our dev dependencies): it renders outputs exactly as stored (nothing is re-executed), embeds images
   as data URIs, highlights code with Pygments and turns markdown, tables included, into HTML. A small Jinja template
   (`tools/docs_template/page.html.j2`) extends its `lab` template with a sidebar listing every page and a title
   header, and drops the CDN scripts (require.js, MathJax, mermaid, widgets) so pages work offline.

What Quarto would have interpreted and nbconvert does not know is cleaned up before rendering: the raw YAML
frontmatter cell becomes the page title and description; `#|` directive lines are removed from code and their meaning
honoured (`include: false`, `echo: false`, `output: false`); `:::` fenced-div lines and `{#id .class}` heading
attributes are removed from markdown; links to other notebooks (`00_core.ipynb`, nbdev's `core.html`, or the
online `doc_host` address) point to the local page.

Pages: `nbs/index.ipynb` -> `_site/index.html`, `nbs/<stem>.ipynb` -> `_site/<stem>.html`.

Usage: `python tools/build_docs.py [--force] [--n-workers N]` (from anywhere; paths are relative to the repo).
"""
from __future__ import annotations

import argparse, contextlib, copy, os, posixpath, re, shutil, sys, time, traceback
from pathlib import Path

import nbformat
import yaml
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = Path(__file__).resolve().parent/'docs_template'
NOTEBOOK_EXTS = {'.ipynb', '.qmd', '.md'}


# ---------------------------------------------------------------- step 1: nbdev's processing

@contextlib.contextmanager
def in_repo(root: Path):
    "Run with `root` as working directory (nbdev finds settings.ini from there) and `root` importable (also in nbdev's worker processes)."
    old_cwd, old_path, old_pp = os.getcwd(), list(sys.path), os.environ.get('PYTHONPATH')
    os.chdir(root)
    sys.path.insert(0, str(root))
    os.environ['PYTHONPATH'] = os.pathsep.join([str(root)] + ([old_pp] if old_pp else []))
    try: yield root
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        if old_pp is None: os.environ.pop('PYTHONPATH', None)
        else: os.environ['PYTHONPATH'] = old_pp


def process_notebooks(root: Path = ROOT, force: bool = False, n_workers: int = 1) -> tuple[Path, Path]:
    "nbdev's `_pre_docs` without `_ensure_quarto`: returns (`_proc` dir, `nbs` dir). Must run inside `in_repo(root)`."
    import nbdev.doclinks, nbdev.quarto, nbdev.serve
    from nbdev.config import get_config
    nbs = get_config().nbs_path
    nbdev.quarto.refresh_quarto_yml()                   # nbs/nbdev.yml; keeps our nbs/_quarto.yml symlink
    nbdev.doclinks._build_modidx()                      # cdx/_modidx.py, used for the doc links
    nbdev.quarto.nbdev_sidebar.__wrapped__(path=nbs)    # nbs/sidebar.yml: the page order
    proc = nbdev.serve.proc_nbs(nbs, n_workers=n_workers, force=force)   # _proc/: processed notebooks
    return Path(proc), Path(nbs)


# ---------------------------------------------------------------- pages, titles, links

def sidebar_entries(sidebar_yml: Path) -> list[str]:
    "The pages listed in nbdev's `sidebar.yml`, in order (sections flattened)."
    def walk(items):
        for it in items or []:
            if isinstance(it, str): yield it
            elif isinstance(it, dict):
                if 'href' in it: yield it['href']
                yield from walk(it.get('contents'))
    d = yaml.safe_load(sidebar_yml.read_text(encoding='utf-8')) or {}
    return [e for e in walk(d.get('website', {}).get('sidebar', {}).get('contents')) if Path(e).suffix in NOTEBOOK_EXTS]


def page_name(entry: str) -> str:
    "Site file for a sidebar entry: `index.ipynb` -> `index.html`, `00_core.ipynb` -> `00_core.html`."
    return Path(entry).with_suffix('.html').as_posix()


def rel_href(target: str, current: str) -> str:
    "Relative link from page `current` to page `target` (both relative to the site root)."
    return posixpath.relpath(target, posixpath.dirname(current) or '.')


_re_fm = re.compile(r'^---\s*\n(.*?\n)?---\s*(?:\n|$)', re.DOTALL)
_re_h1 = re.compile(r'^#[ \t]+(.+?)[ \t]*#*[ \t]*$', re.MULTILINE)


def split_frontmatter(text: str) -> tuple[dict, str]:
    "(YAML frontmatter dict, rest) of a text starting with `---` ... `---`; ({}, text) if it has none."
    m = _re_fm.match(text.lstrip())
    if not m: return {}, text
    try: d = yaml.safe_load(m.group(1) or '') or {}
    except yaml.YAMLError: return {}, text
    return (d, text.lstrip()[m.end():]) if isinstance(d, dict) else ({}, text)


def load_page(src: Path) -> nbformat.NotebookNode:
    "A processed notebook, or a `.qmd`/`.md` page wrapped as a one-cell notebook."
    if src.suffix == '.ipynb': return nbformat.read(src, as_version=4)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell(src.read_text(encoding='utf-8'))])


# ---------------------------------------------------------------- cleaning what only Quarto understands

_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')
_re_fenced_div = re.compile(r'^[ \t]*:::+.*$', re.MULTILINE)          # replaced by an empty line
_re_heading_attrs = re.compile(r'^(#{1,6}[ \t].*?)[ \t]*\{[#.][^}\n]*\}[ \t]*$', re.MULTILINE)
_re_link_attrs = re.compile(r'(\]\([^)\s]*\))\{[^}\n]*\}')                    # `[source](url){target="_blank" ...}`


def strip_quarto_md(src: str) -> str:
    "Markdown without Quarto-only syntax: fenced-div lines, heading attributes, link attributes."
    return _re_link_attrs.sub(r'\1', _re_heading_attrs.sub(r'\1', _re_fenced_div.sub('', src)))


def code_directives(source: str) -> tuple[dict, str]:
    "Split the leading `#| key: value` / `#|key` lines off a code cell: ({key: value}, remaining source)."
    lines, d = source.splitlines(), {}
    i = 0
    while i < len(lines) and (_re_directive.match(lines[i]) or not lines[i].strip()):
        m = _re_directive.match(lines[i])
        if m: d[m.group(1).lower()] = m.group(2).strip().strip('"\'').lower()
        i += 1
    rest = [l for l in lines[i:] if not _re_directive.match(l)]   # nbdev allows `#|` lines anywhere; none should show
    return d, '\n'.join(rest).strip('\n')


def is_false(v) -> bool: return str(v).lower() in ('false', 'no', '0')


def is_visible_code(cell) -> bool:
    "Will this code cell's source show on the page? (shared with tools/check_docs.py)"
    if cell.cell_type != 'code': return False
    d, src = code_directives(cell.get('source') or '')
    return bool(src.strip()) and not is_false(d.get('include', 'true')) and not is_false(d.get('echo', 'true'))


def clean_notebook(nb) -> tuple[nbformat.NotebookNode, dict]:
    "Copy of processed notebook `nb` with Quarto-only syntax removed, and its frontmatter (title, description, ...)."
    nb, fm, cells = copy.deepcopy(nb), {}, []
    for cell in nb.cells:
        src = cell.get('source') or ''
        if cell.cell_type == 'raw':
            d, rest = split_frontmatter(src)
            if d:
                fm.update(d)
                src = rest
            if not src.strip(): continue
            cell.cell_type, cell.source = 'markdown', src      # .qmd/.md pages and leftover raw text: render as markdown
            cell.pop('outputs', None); cell.pop('execution_count', None)
        if cell.cell_type == 'markdown':
            src = strip_quarto_md(src)
            if 'title' not in fm and (m := _re_h1.search(src)):   # no frontmatter: the first `# Title` is the title
                fm['title'] = m.group(1).strip()
                src = src[:m.start()] + src[m.end():]
            if not src.strip(): continue
            cell.source = src
        elif cell.cell_type == 'code':
            d, src = code_directives(src)
            if is_false(d.get('include', 'true')): continue
            if is_false(d.get('output', 'true')): cell.outputs = []
            for o in cell.get('outputs', []):               # show_doc's markdown outputs carry link attributes too
                md = o.get('data', {}).get('text/markdown')
                if md is not None: o['data']['text/markdown'] = strip_quarto_md(''.join(md) if isinstance(md, list) else md)
            cell.source = src
            if not src.strip() or is_false(d.get('echo', 'true')):
                cell.metadata['transient'] = {'remove_source': True}   # nbconvert's way to hide an input
            if not src.strip() and not cell.get('outputs'): continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop('widgets', None)     # widget state nbdev's showdoc step stores; we have no widget renderer offline
    return nb, fm


def commented_markdown(nb) -> list[int]:
    "Markdown cells written like comments (`# text` on every line, some lines just `#`): a notebook-source slip."
    return [i for i, c in enumerate(nb.cells) if c.cell_type == 'markdown' and len(ls := (c.source or '').splitlines()) > 1
            and all(l.startswith('#') for l in ls) and any(l.strip() == '#' for l in ls)]


def page_title(fm: dict, fallback: str) -> str:
    return str(fm.get('title') or fallback).strip()


# ---------------------------------------------------------------- step 2: rendering

def make_exporter() -> HTMLExporter:
    return HTMLExporter(template_name='lab', extra_template_paths=[str(TEMPLATE_DIR)],
                        template_file='page.html.j2', embed_images=True,
                        exclude_input_prompt=True, exclude_output_prompt=True)   # no In [ ]/Out[ ], like nbdev's site


def fix_links(html: str, link_map: dict[str, str], current: str, site_url: str) -> str:
    "Point links to other notebooks/pages (by notebook name, nbdev's html name, or the online address) to local pages."
    prefix = re.escape(site_url.rstrip('/') + '/') if site_url else ''
    pat = re.compile(r'href="(?:%s)?([^"#?:]+?\.(?:ipynb|html|qmd))(#[^"]*)?"' % prefix)
    def sub(m):
        target = link_map.get(m.group(1))
        return f'href="{rel_href(target, current)}{m.group(2) or ""}"' if target else m.group(0)
    return pat.sub(sub, html)


def copy_assets(proc: Path, site: Path):
    "Copy images and other files next to the notebooks (not notebooks, not Quarto/nbdev config) into the site."
    for f in proc.rglob('*'):
        if f.is_file() and f.suffix not in NOTEBOOK_EXTS | {'.yml', '.yaml'} and not f.name.startswith('.'):
            dest = site/f.relative_to(proc)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)


def render_site(proc: Path, nbs: Path, site: Path, site_title: str = 'cdx', site_url: str = '') -> list[str]:
    "Render every page of `nbs/sidebar.yml` from `proc` into `site`; returns the page names written."
    entries = sidebar_entries(nbs/'sidebar.yml')
    if not entries: raise RuntimeError(f'{nbs/"sidebar.yml"} lists no pages')
    pages = []                                   # (entry, page name, cleaned nb, frontmatter)
    for e in entries:
        src = proc/e
        if not src.exists(): raise FileNotFoundError(f'{e} is in sidebar.yml but nbdev did not produce {src}')
        raw = load_page(src)
        if bad := commented_markdown(raw):
            print(f'  note: {e}: {len(bad)} markdown cells have "#" before every line (e.g. {raw.cells[bad[0]].source.splitlines()[0]!r}),'
                  ' so they render as headings: fix the notebook')
        nb, fm = clean_notebook(raw)
        pages.append((e, page_name(e), nb, fm))
    link_map = {}
    for e, name, nb, fm in pages:
        for k in (e, Path(e).with_suffix('.html').as_posix(), fm.get('output-file')):
            if k: link_map[str(k)] = name
    if site.exists(): shutil.rmtree(site)
    site.mkdir(parents=True)
    copy_assets(proc, site)
    exporter, home = make_exporter(), 'index.html' if any(n == 'index.html' for _, n, _, _ in pages) else pages[0][1]
    if home != 'index.html':                     # no nbs/index.ipynb (yet): index.html sends readers to the first page
        (site/'index.html').write_text(f'<!DOCTYPE html><meta charset="utf-8"><title>{site_title}</title>'
                                       f'<meta http-equiv="refresh" content="0; url={home}"><a href="{home}">{home}</a>\n')
    for e, name, nb, fm in pages:
        title = page_title(fm, Path(e).stem)
        nav = [dict(href=rel_href(n, name), title=page_title(f, Path(x).stem), current=(n == name))
               for x, n, _, f in pages]
        nb.metadata['title'] = title if name == home else f'{title} – {site_title}'
        resources = {'metadata': {'name': title, 'path': str((proc/e).parent)},
                     'cdx': dict(title=title, description=str(fm.get('description') or ''), nav=nav,
                                 site_title=site_title, home=rel_href(home, name), source=e)}
        html, _ = exporter.from_notebook_node(nb, resources=resources)
        out = site/name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(fix_links(html, link_map, name, site_url), encoding='utf-8')
        print(f'  {e:<28} -> {out.relative_to(site.parent)}  ({title})')
    return [n for _, n, _, _ in pages]


# ---------------------------------------------------------------- main

def main(argv=None, root: Path = ROOT) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--force', action='store_true', help='re-process all notebooks, ignoring the _proc cache')
    ap.add_argument('--n-workers', type=int, default=1, help="nbdev worker processes (default 1: the machine is shared)")
    args = ap.parse_args(argv)
    root, t0 = Path(root).resolve(), time.time()
    try:
        with in_repo(root):
            from nbdev.config import get_config
            print('processing notebooks with nbdev ...')
            proc, nbs = process_notebooks(root, force=args.force, n_workers=args.n_workers)
            cfg = get_config()
            site_url = cfg.get('doc_host', '').rstrip('/') + cfg.get('doc_baseurl', '')
            print(f'rendering {proc.relative_to(root)}/ with nbconvert ...')
            names = render_site(proc, nbs, root/'_site', site_title=cfg.get('title', cfg.lib_name), site_url=site_url)
    except Exception as e:
        traceback.print_exc()
        print(f'build_docs: FAILED: {type(e).__name__}: {e}', file=sys.stderr)
        return 1
    print(f'built {len(names)} pages into {root/"_site"} in {time.time()-t0:.1f}s; open {root/"_site"/names[0]}')
    return 0


if __name__ == '__main__': sys.exit(main())
