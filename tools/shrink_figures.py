#!/usr/bin/env python
"""Keep every notebook under its size budget (300 KB) with its figures kept: each PNG output larger than `--over` KB is
re-encoded as a 256-colour palette PNG (matplotlib's plots have few colours: the picture is unchanged to the eye), and then
downscaled until it fits `--max` KB. Run it after executing a notebook that draws figures; tests/test_notebooks.py checks
the budget.   Usage: python tools/shrink_figures.py [NOTEBOOK ...]   (default: every notebook in nbs/)"""
import argparse, base64, io, json, sys
from pathlib import Path
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

def shrink_png(b64:str, max_kb:float)->str:
    im = Image.open(io.BytesIO(base64.b64decode(b64))).convert('RGB')
    while True:
        buf = io.BytesIO(); im.quantize(256, method=Image.Quantize.MEDIANCUT).save(buf, 'PNG', optimize=True)
        if buf.tell()/1024 <= max_kb or min(im.size) < 200: return base64.b64encode(buf.getvalue()).decode()
        im = im.resize((int(im.width*0.85), int(im.height*0.85)), Image.LANCZOS)

def shrink(path:Path, over_kb:float=40, max_kb:float=120)->int:
    "Shrink the large PNG outputs of the notebook at `path` in place; returns the bytes saved."
    before = path.stat().st_size
    nb = json.loads(path.read_text())
    for c in nb['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if 'image/png' in d:
                b64 = ''.join(d['image/png']) if isinstance(d['image/png'], list) else d['image/png']
                if len(b64)*3/4/1024 > over_kb: d['image/png'] = shrink_png(b64.replace('\n', ''), max_kb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return before - path.stat().st_size

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*'); ap.add_argument('--over', type=float, default=40); ap.add_argument('--max', type=float, default=120)
    a = ap.parse_args()
    for p in (map(Path, a.notebooks) if a.notebooks else sorted((ROOT/'nbs').glob('*.ipynb'))):
        saved = shrink(p, a.over, a.max)
        if saved: print(f"{p.name}: {saved/1024:.0f} KB smaller, now {p.stat().st_size/1024:.0f} KB")
