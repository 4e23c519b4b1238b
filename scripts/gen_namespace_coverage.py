"""Writes tests/fixtures/namespace_coverage.json: PyTorch 2.x's documented torch.* functions and
Tensor methods, each with its argument names and whether it is deprecated, sparse or quantized.
tests/namespace.test.ts measures how many of them torchnode has (the issue's 95% target is over
the ones that are none of the three), and the README lists the rest.

"Documented" means: a public callable of torch / torch.Tensor with a docstring. Argument names
come from inspect.signature where Python has one, else from the docstring's first line, which is
how PyTorch documents its C++-bound functions ("add(input, other, *, alpha=1, out=None) -> Tensor").

Run with the PyTorch 2.x venv (under 1.x it says so and writes nothing):

    .venv/torch-2.13/bin/python scripts/gen_namespace_coverage.py
"""
import inspect
import json
import os
import re
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'fixtures', 'namespace_coverage.json')

SPARSE_WORDS = ('sparse', 'coalesce', 'crow_indices', 'col_indices', 'ccol_indices', 'row_indices', 'smm', 'sspaddmm',
                'hspmm', 'sparse_mask', 'dense_dim', 'to_dense')
SPARSE_NAMES = {'indices', 'values', 'indices_copy', 'values_copy', 'is_coalesced'}
QUANT_WORDS = ('quantize', 'quantized', 'fbgemm', 'qscheme', 'int_repr', 'q_per_channel', 'q_scale', 'q_zero_point')


def arg_names(obj, name, doc):
    try:
        sig = inspect.signature(obj)
        names = [p.name for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return [n for n in names if n != 'self']
    except (TypeError, ValueError):
        pass
    for line in (doc or '').strip().splitlines()[:3]:
        m = re.match(r'\s*(?:torch\.|Tensor\.)?' + re.escape(name) + r'\((.*?)\)\s*(->.*)?$', line)
        if m:
            out = []
            for part in split_top_level(m.group(1)):
                # "alpha: Number = 1" or "alpha=1": the name before any annotation or default
                part = re.split(r'[:=]', part, 1)[0].strip().replace('\\', '')
                if re.fullmatch(r'[A-Za-z_]\w*', part) and part != 'self':
                    out.append(part)
            return out
    return []


def split_top_level(s):
    """Splits on commas outside brackets: 'a: Optional[Tuple[int, int]], b' -> two parts."""
    parts, depth, cur = [], 0, ''
    for ch in s:
        if ch in '([{':
            depth += 1
        elif ch in ')]}':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    parts.append(cur)
    return parts


def kind(name, doc):
    low = (doc or '').lower()
    # The function itself, not one of its arguments: "torch.qr is deprecated in favor of torch.linalg.qr".
    if re.search(rf'(\b{re.escape(name)}\b(\(\))?[^.\n]{{0,30}}(is|has been) deprecated|this (function|method) is deprecated)', low):
        return 'deprecated'
    if name in SPARSE_NAMES or any(w in name for w in SPARSE_WORDS):
        return 'sparse'
    if any(w in name for w in QUANT_WORDS) or name.startswith('q_'):
        return 'quantized'
    return ''


def is_documented(doc):
    # pybind11 gives every binding a docstring that is only its signature ("parse_ir(input: str) ->
    # torch::jit::Graph"): internals, not documented API. A documented function has prose.
    lines = [l.strip() for l in (doc or '').strip().splitlines() if l.strip()]
    return any(not re.match(r'^(\d+\. )?[\w.]+\(.*\)( -> .*)?$', l) and l != 'Overloaded function.' for l in lines)


def entries(owner, is_method):
    out = []
    for name in sorted(dir(owner)):
        if name.startswith('_'):
            continue
        raw = inspect.getattr_static(owner, name)
        if is_method and isinstance(raw, property):
            continue
        obj = getattr(owner, name)
        if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue
        doc = getattr(obj, '__doc__', None)
        if not is_documented(doc):
            continue
        out.append({'name': name, 'args': arg_names(obj, name, doc), 'kind': kind(name, doc)})
    return out


def main():
    if int(torch.__version__.split('.')[0]) < 2:
        print(f'[namespace_coverage] PyTorch {torch.__version__}: the coverage list is PyTorch 2.x\'s; skipped')
        return
    data = {
        'pytorch': torch.__version__.split('+')[0],
        'torch': entries(torch, False),
        'tensor': entries(torch.Tensor, True),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f, indent=0)
        f.write('\n')
    print(f"[namespace_coverage] {len(data['torch'])} torch functions, {len(data['tensor'])} Tensor methods -> {OUT}")


if __name__ == '__main__':
    sys.exit(main())
