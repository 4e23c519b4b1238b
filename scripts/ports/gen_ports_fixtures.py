"""Runs each ported program's oracle (scripts/ports/<name>.py, the public PyTorch program with its
listed changes) under the running PyTorch, and writes what it printed and its PORT_RESULTS to
tests/fixtures/torch-<major.minor>/ports/<name>.json, which tests/ports.test.ts compares the
TypeScript port (examples/ports/<name>.ts) against bit for bit.

    /usr/bin/python3 scripts/ports/gen_ports_fixtures.py                     # PyTorch 1.13
    .venv/torch-2.13/bin/python scripts/ports/gen_ports_fixtures.py          # PyTorch 2.13
    python scripts/ports/gen_ports_fixtures.py regression                     # one program
"""
import contextlib
import io
import json
import os
import runpy
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from fixture_dir import fixture_path, json_number  # noqa: E402

import torch  # noqa: E402


def programs():
    return sorted(f[:-3] for f in os.listdir(HERE) if f.endswith('.py') and f != os.path.basename(__file__))


def clean(v):
    """NaN and infinities spelt as fixture_dir spells them, everywhere in the results."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    return json_number(v)


def run(name):
    # One thread, as the port's test runs: the same reduction order on both sides.
    torch.set_num_threads(1)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        program = runpy.run_path(os.path.join(HERE, f'{name}.py'), run_name='__main__')
    out = {'torch': torch.__version__, 'stdout': printed.getvalue().splitlines(), 'results': clean(program['PORT_RESULTS'])}
    path = fixture_path(os.path.join('ports', f'{name}.json'))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print(f'[ports] {name}: {path}')


if __name__ == '__main__':
    for name in sys.argv[1:] or programs():
        run(name)
