#!/usr/bin/env python
"""Check the built docs site (`_site/`, from tools/build_docs.py) in headless Chromium.

Every page listed in `nbs/sidebar.yml` is loaded from disk (`file://`) with `chromium --headless --dump-dom`, and the
DOM the browser built is checked against what the processed notebook in `_proc/` says the page must show:

- the page loaded: it has its title heading (`<h1 class="cdx-title">`, the notebook's frontmatter/`# Title`);
- the navigation lists every page, in the order of `sidebar.yml`, with its title;
- each visible code cell shows as code (a `<pre>` in an input area);
- an image output (image/png or image/jpeg) shows as an `<img>` whose data: URI decodes to an image or whose file
  exists; a markdown table, or an html/markdown output with a table, shows as a `<table>`;
- no Quarto leftovers (`#|` directive lines, YAML frontmatter) show as text.

It also saves a screenshot of index.html (the first page of the nav) as `_site/screenshot-index.png` (1280x900) for a
human look.
Prints a line per page and `docs check: N passed, M failed` (pages; a failed screenshot counts as a failure too);
exits 1 if anything failed, 2 if it could not run (no Chromium, no built site).

Usage: `python tools/check_docs.py [--browser PATH]` (after `python tools/build_docs.py`).
"""
from __future__ import annotations

import argparse, base64, os, posixpath, re, shutil, struct, subprocess, sys, tempfile, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import (ROOT, clean_notebook, code_directives, is_false, is_visible_code, load_page, page_name,
                        page_title, sidebar_entries)

BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
_re_md_table = re.compile(r'^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$', re.MULTILINE)
IMAGE_MAGIC = (b'\x89PNG', b'\xff\xd8\xff', b'GIF8', b'<svg', b'<?xml', b'RIFF')   # png, jpeg, gif, svg, webp


def find_browser(explicit: str | None = None) -> str | None:
    "Chromium to use: --browser, $CHROMIUM, /usr/bin/chromium, or chromium/chrome on PATH."
    for c in [explicit, os.environ.get('CHROMIUM'), '/usr/bin/chromium', shutil.which('chromium'),
              shutil.which('chromium-browser'), shutil.which('google-chrome')]:
        if c and Path(c).exists(): return c
    return None


def run_browser(browser: str, args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    "Run headless Chromium with a fresh profile directory (deleted afterwards)."
    with tempfile.TemporaryDirectory(prefix='cdx-chromium-') as profile:
        return subprocess.run([browser, *BROWSER_FLAGS, f'--user-data-dir={profile}', *args],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(browser: str, page: Path) -> str:
    r = run_browser(browser, ['--dump-dom', page.resolve().as_uri()])
    if r.returncode != 0 or '<html' not in r.stdout:
        tail = '\n'.join(l for l in r.stderr.splitlines() if 'dbus' not in l)[-2000:]
        raise RuntimeError(f'chromium exited {r.returncode} with no DOM for {page}:\n{tail}')
    return r.stdout


class PageDom(HTMLParser):
    "What a checked page shows: title heading, nav links, code inputs, tables, images, visible text."
    VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.stack, self.title, self.nav, self.code_inputs, self.tables, self.imgs, self.svgs = [], None, [], 0, 0, [], 0
        self.text, self._nav_link = [], None
        self.feed(html); self.close()

    def _inside(self, tag=None, cls=None):
        return any((tag is None or t == tag) and (cls is None or cls in c) for t, c in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs); cls = (a.get('class') or '').split()
        if tag == 'img': self.imgs.append(a.get('src') or '')
        elif tag == 'table': self.tables += 1
        elif tag == 'svg': self.svgs += 1
        elif tag == 'pre' and self._inside('div', 'jp-InputArea'): self.code_inputs += 1
        elif tag == 'a' and self._inside('nav', 'cdx-nav') and self._inside('li'): self._nav_link = [a.get('href', ''), '']
        elif tag == 'h1' and 'cdx-title' in cls: self.title = ''
        if tag not in self.VOID: self.stack.append((tag, cls))

    def handle_endtag(self, tag):
        if tag in self.VOID: return
        while self.stack:                       # the browser's DOM is well formed; be lenient anyway
            t, cls = self.stack.pop()
            if t == 'a' and self._nav_link is not None and tag == 'a':
                self.nav.append((self._nav_link[0], self._nav_link[1].strip())); self._nav_link = None
            if t == tag: break

    def handle_data(self, data):
        if self._inside('style') or self._inside('script'): return
        self.text.append(data)
        if self._nav_link is not None: self._nav_link[1] += data
        if self.title is not None and self._inside('h1', 'cdx-title'): self.title += data


def expectations(nb) -> dict:
    "What the page of processed notebook `nb` must show, from its cells (hidden cells and outputs excluded)."
    _, fm = clean_notebook(nb)
    exp = dict(fm=fm, code=0, images=0, svgs=0, table=False)
    for cell in nb.cells:
        src = cell.get('source') or ''
        if cell.cell_type == 'markdown':
            if _re_md_table.search(src) or '<table' in src: exp['table'] = True
            continue
        if cell.cell_type != 'code': continue
        d, _ = code_directives(src)
        if is_false(d.get('include', 'true')): continue
        exp['code'] += is_visible_code(cell)
        if is_false(d.get('output', 'true')): continue
        for o in cell.get('outputs', []):
            data = o.get('data', {})
            if 'image/png' in data or 'image/jpeg' in data: exp['images'] += 1
            elif 'image/svg+xml' in data and 'text/html' not in data: exp['svgs'] += 1
            html, md = ''.join(data.get('text/html', '')), ''.join(data.get('text/markdown', ''))
            if '<table' in html or (not html and (_re_md_table.search(md) or '<table' in md)): exp['table'] = True
    return exp


def image_problem(src: str, page: Path) -> str | None:
    "Why image `src` on `page` would not show (None if it is fine)."
    if src.startswith('data:'):
        head, _, payload = src.partition(',')
        try: raw = base64.b64decode(payload) if head.endswith(';base64') else unquote(payload).encode()
        except Exception as e: return f'undecodable data: URI ({e})'
        if not any(raw.lstrip()[:len(m)] == m for m in IMAGE_MAGIC): return f'data: URI is not an image ({raw[:8]!r})'
        return None
    u = urlsplit(src)
    if u.scheme in ('http', 'https'): return None      # external (e.g. a badge): reported as a note, not checked
    f = Path(unquote(u.path)) if u.scheme == 'file' else page.parent/unquote(u.path)
    return None if src and f.is_file() else f'missing image file {src!r}'


def check_page(browser: str, site: Path, entry: str, nb, nav_expected: list[tuple[str, str]]) -> tuple[list, dict]:
    "Load one page in Chromium and compare with the expectations; returns (problems, stats)."
    name = page_name(entry)
    page, exp, problems = site/name, expectations(nb), []
    if not page.is_file(): return [f'{name} was not built'], {}
    dom = PageDom(dump_dom(browser, page))
    title = page_title(exp['fm'], Path(entry).stem)
    if dom.title is None: problems.append('no title heading <h1 class="cdx-title"> (page did not load?)')
    elif dom.title.strip() != title: problems.append(f'title heading is {dom.title.strip()!r}, expected {title!r}')
    got_nav = [(posixpath.normpath(posixpath.join(posixpath.dirname(name), h)), t) for h, t in dom.nav]
    if got_nav != nav_expected:
        problems.append(f'nav is {[h for h, _ in got_nav]} {[t for _, t in got_nav]}, expected (sidebar.yml order) '
                        f'{[h for h, _ in nav_expected]} {[t for _, t in nav_expected]}')
    if dom.code_inputs < exp['code']:
        problems.append(f"shows {dom.code_inputs} code blocks, the notebook has {exp['code']} visible code cells")
    bad = [p for p in (image_problem(s, page) for s in dom.imgs) if p]
    problems += bad
    if len(dom.imgs) < exp['images']:
        problems.append(f"shows {len(dom.imgs)} <img>, the notebook has {exp['images']} image outputs")
    if dom.svgs < exp['svgs']: problems.append(f"shows {dom.svgs} <svg>, the notebook has {exp['svgs']} svg outputs")
    if exp['table'] and not dom.tables: problems.append('the notebook has a table but the page shows no <table>')
    text = ''.join(dom.text)
    junk = [l.strip() for l in text.splitlines() if re.match(r'\s*#\|', l) or re.match(r'\s*output-file:', l)]
    if junk: problems.append(f'Quarto/nbdev directives show as text: {junk[:3]}')
    stats = dict(code=dom.code_inputs, tables=dom.tables, figures=len(dom.imgs) - len(bad) + dom.svgs,
                 external=[s for s in dom.imgs if s.startswith(('http:', 'https:'))])
    return problems, stats


def png_size(path: Path) -> tuple[int, int] | None:
    b = path.read_bytes()[:24] if path.is_file() else b''
    return struct.unpack('>II', b[16:24]) if b[:8] == b'\x89PNG\r\n\x1a\n' and len(b) >= 24 else None


def take_screenshot(browser: str, page: Path, out: Path) -> str | None:
    "Screenshot `page` into `out` (1280x900); returns a problem or None."
    out.unlink(missing_ok=True)
    r = run_browser(browser, [f'--screenshot={out}', '--window-size=1280,900', '--hide-scrollbars', page.resolve().as_uri()])
    size = png_size(out)
    return None if size else f'no screenshot written (chromium exit {r.returncode})'


def main(argv=None, root: Path = ROOT) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--browser', help='Chromium binary (default: $CHROMIUM, /usr/bin/chromium, or on PATH)')
    args = ap.parse_args(argv)
    root, t0 = Path(root).resolve(), time.time()
    site, proc, sidebar = root/'_site', root/'_proc', root/'nbs'/'sidebar.yml'
    browser = find_browser(args.browser)
    if not browser: print('check_docs: no Chromium found (install chromium or pass --browser)', file=sys.stderr); return 2
    if not site.is_dir() or not sidebar.is_file():
        print(f'check_docs: no built site at {site} (or no {sidebar}): run python tools/build_docs.py first', file=sys.stderr)
        return 2
    entries = sidebar_entries(sidebar)
    if not entries: print(f'check_docs: {sidebar} lists no pages', file=sys.stderr); return 2
    nbs = {}
    for e in entries:
        if not (proc/e).is_file():
            print(f'check_docs: {proc/e} missing: run python tools/build_docs.py first', file=sys.stderr); return 2
        nbs[e] = load_page(proc/e)
    nav_expected = [(page_name(e), page_title(clean_notebook(nbs[e])[1], Path(e).stem)) for e in entries]
    print(f'checking {len(entries)} pages of {site} with {browser}')
    passed, failed, tables, figures, external = 0, 0, 0, 0, []
    for e in entries:
        try: problems, st = check_page(browser, site, e, nbs[e], nav_expected)
        except Exception as ex: problems, st = [f'could not check: {type(ex).__name__}: {ex}'], {}
        if st: tables, figures, external = tables + st['tables'], figures + st['figures'], external + st['external']
        if problems:
            failed += 1
            print(f'FAIL {page_name(e)} ({e}):')
            for p in problems: print(f'     - {p}')
        else:
            passed += 1
            print(f"ok   {page_name(e):<24} {st['code']} code blocks, {st['tables']} tables, {st['figures']} figures")
    shot = site/'screenshot-index.png'
    problem = take_screenshot(browser, site/page_name(entries[0]), shot)   # index.html, or the first page if none
    if problem: failed += 1; print(f'FAIL screenshot: {problem}')
    else: print(f'ok   screenshot               {shot} ({"x".join(map(str, png_size(shot)))})')
    if external: print(f'note: external images (not checked, need network): {sorted(set(external))}')
    print(f'site: {tables} tables, {figures} figures in {len(entries)} pages; {time.time()-t0:.1f}s')
    print(f'docs check: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__': sys.exit(main())
