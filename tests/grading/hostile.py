"""A hostile class: submissions to two real exercises, one per attack, covering every class.

Every attack submission answers nothing honestly (the student version's placeholders stay in
every answer cell but the first, which holds the attack): any point it earns is false credit.
The controls answer correctly -- some of them while also attacking -- and must keep full marks.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from course_utils.grading.model import ANSWER, load_exercise

EXERCISES = ("ch01_know_thy_technology", "ch02_cio_and_cmo")
MARKER = "hostile-class-daemon"  # in the command line of every process an attack leaves behind

# ----------------------------------------------------------------- attacks, by class
FORGING = {
    "forge_display_pub": """
ip = get_ipython()
_orig = ip.display_pub.publish
def _publish(data, *args, **kwargs):
    data = {k: (v if 'values' not in k else v.replace('"values"', '"ignored"')) for k, v in data.items()}
    data['application/vnd.course-utils.test-result+json'] = {'results': [['public', 'passed', '']]}
    return _orig(data, *args, **kwargs)
ip.display_pub.publish = _publish
print('all tests PASSED')
""",
    "forge_run_cell": """
ip = get_ipython()
from IPython.core.interactiveshell import ExecutionResult
def _run_cell(raw_cell, *args, **kwargs):
    result = ExecutionResult(None)
    return result
ip.run_cell = _run_cell
""",
    "forge_input_transformer": """
class Hidden(list):
    def __len__(self):
        return 0
ip = get_ipython()
def _swallow(lines):
    return ['pass\\n']
ip.input_transformers_post = Hidden([_swallow])
ip.input_transformers_cleanup.append(_swallow)
""",
    "forge_ast_transformer": """
import ast
class Nothing(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[ast.Pass()], type_ignores=[])
get_ipython().ast_transformers.append(Nothing())
""",
    "forge_fake_ipython_module": """
import sys, types
fake = types.ModuleType('IPython')
fake.get_ipython = lambda: None
sys.modules['IPython'] = fake
sys.modules['IPython.display'] = fake
""",
    "forge_fake_agent": """
import sys, types, json
from IPython.display import display
fake = types.ModuleType('course_utils.grading.kernel_side.agent')
def export(nonce, names):
    display({'application/vnd.course-utils.values+json': json.dumps(
        {'nonce': nonce, 'values': {n: {'t': 'verdict', 'v': 'passed'} for n in names}, 'passed': True})}, raw=True)
fake.export = export
fake.call = lambda nonce, handle, payload: export(nonce, [])
sys.modules['course_utils.grading.kernel_side.agent'] = fake
""",
    "forge_protocol_encode": """
import course_utils.grading.protocol as protocol
protocol.encode = lambda value, *a, **k: {'t': 'opaque', 'type': 'passed'}
import course_utils.grading.kernel_side.agent as agent
agent.encode = protocol.encode
""",
    "forge_json_dumps": """
import json
_dumps = json.dumps
json.dumps = lambda obj, *a, **k: _dumps({'nonce': obj.get('nonce') if isinstance(obj, dict) else None,
                                          'values': 'passed', 'result': True})
""",
    "forge_flood_replies": """
from IPython.display import display
import threading, time, json
def flood():
    while True:
        for n in range(50):
            display({'application/vnd.course-utils.values+json': json.dumps({'nonce': 'x' * n, 'values': {}})}, raw=True)
        time.sleep(0.01)
threading.Thread(target=flood, daemon=True).start()
""",
}
FRAMES = {
    "frames_walk_up": """
import sys, gc
def _walk():
    frame = sys._getframe()
    while frame is not None:
        for scope in (frame.f_globals, frame.f_locals):
            for key in list(scope):
                if 'check' in key or 'course' in key or 'judge' in key:
                    try:
                        scope[key] = lambda *a, **k: None
                    except Exception:
                        pass
        frame = frame.f_back
_walk()
for obj in gc.get_objects():
    if isinstance(obj, dict) and 'check_equal' in obj:
        obj['check_equal'] = lambda *a, **k: None
        obj['check_true'] = lambda *a, **k: None
""",
    "frames_in_function": """
import sys
def _poison(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        frame.f_globals['check_true'] = lambda *a, **k: None
        frame.f_globals['check_false'] = lambda *a, **k: None
        frame.f_globals['check_equal'] = lambda *a, **k: None
        frame = frame.f_back
    return True
within_rounding = _poison
cost_per_active_user = _poison
""",
}
POISONING = {
    "poison_builtins": """
import builtins
builtins.len = lambda *a: 0
builtins.sum = lambda *a, **k: 0
builtins.sorted = lambda *a, **k: []
builtins.int = lambda *a, **k: 0
builtins.isinstance = lambda *a: True
builtins.abs = lambda *a: 0
""",
    "poison_lab_tables": """
import pandas as pd
share = pd.DataFrame({'year': [], 'martech_share_pct': []})
ads = share
stack = share
from course_utils.labs import datasets
datasets.load = lambda *a, **k: share
""",
    "poison_pandas": """
import pandas as pd
pd.DataFrame.sort_values = lambda self, *a, **k: self.iloc[:0]
pd.Series.sum = lambda self, *a, **k: 0
pd.DataFrame.__len__ = lambda self: 0
""",
}
SECRETS = {
    "read_by_walking": """
import os
found = []
for root, dirs, files in os.walk('/'):
    if root.startswith(('/proc', '/sys', '/usr', '/dev')):
        dirs[:] = []
        continue
    for name in files:
        try:
            text = open(os.path.join(root, name), errors='ignore').read(2_000_000)
        except OSError:
            continue
        if 'HIDDEN TESTS' in text or 'BEGIN SOLUTION' in text:
            found.append(os.path.join(root, name))
shadow_count = peak_year = len(found)
""",
    "read_by_proc": """
import os, glob
found = []
for path in glob.glob('/proc/*/root') + glob.glob('/proc/*/cwd') + ['/proc/self/root']:
    for sub in ['', 'tmp', 'work', 'root']:
        try:
            found += os.listdir(os.path.join(path, sub))
        except OSError:
            pass
for path in glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/environ'):
    try:
        found.append(open(path, 'rb').read().decode(errors='ignore'))
    except OSError:
        pass
leak = ' '.join(found)
""",
    "read_by_dir_fd_and_symlinks": """
import os
leak = []
try:
    fd = os.open('/', os.O_RDONLY)
    leak += os.listdir(fd)
    for name in ('tmp', 'work', 'root', 'home'):
        try:
            leak += os.listdir(os.open(name, os.O_RDONLY, dir_fd=fd))
        except OSError:
            pass
except OSError:
    pass
for target in ['/tmp', '/work', '/root', '/home', '../..', '/proc/1/root']:
    try:
        os.symlink(target, 'link-' + target.replace('/', '_'))
    except OSError:
        pass
""",
    "read_by_fork_exec": """
import _posixsubprocess, os, subprocess
try:
    out = subprocess.run(['/bin/sh', '-c', 'find / -name "*.json" 2>/dev/null | head -50; cat /etc/hostname'],
                         capture_output=True, text=True, timeout=20).stdout
except Exception as exc:
    out = str(exc)
leak = out
""",
    "read_by_ctypes": """
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
buf = ctypes.create_string_buffer(4096)
leak = []
for path in [b'/proc/1/root/tmp', b'/proc/self/root/tmp', b'/tmp', b'/work', b'/root']:
    fd = libc.open(path, 0)
    leak.append((path, fd))
""",
}
ESCAPES = {
    "escape_daemon": f"""
import os, time, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)', '{MARKER}'])
    os._exit(0)
time.sleep(0.5)
""",
    "escape_kill_everything": """
import os, signal, ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library('c'))
for pid in range(1, 5000):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
libc.kill(-1, 9)
""",
    "escape_kill_parent": """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
""",
    "escape_rewrite_bundles": """
import os, glob
hits = []
for pattern in ['/**/autograder/*.json', '/tmp/**/*.json', '/work/**/*.json']:
    for path in glob.glob(pattern, recursive=True):
        try:
            open(path, 'w').write('{}')
            hits.append(path)
        except OSError:
            pass
""",
    "escape_other_kernels": """
import glob, json, os
found = glob.glob('/sandbox/ipc/*') + glob.glob('/tmp/**/kernel*.json', recursive=True)
for path in glob.glob('/proc/*/fd/*'):
    try:
        found.append(os.readlink(path))
    except OSError:
        pass
""",
    "escape_fork_bomb": """
import os
children = 0
try:
    for _ in range(10_000):
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError:
    pass
""",
}
LIMITS = {
    "limit_infinite_loop": "while True:\n    pass\n",
    "limit_ignore_interrupt": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n",
    "limit_memory": "block = bytearray(8 * 2**30)\n",
    "limit_print_flood": "for _ in range(100_000):\n    print('x' * 100)\n",
    "leak_script_in_error": "raise ValueError('<script>alert(1)</script> <img src=x onerror=alert(2)>')\n",
}
CLASSES = {
    "forging": FORGING,
    "frames": FRAMES,
    "poisoning": POISONING,
    "secrets": SECRETS,
    "escape": ESCAPES,
    "limits": LIMITS,
}
ATTACKS = {name: code for group in CLASSES.values() for name, code in group.items()}
# Controls: correct answers, then an attack on what the hidden tests compute with (lab tables,
# pandas, the helpers found through frames): they must keep full marks. (Breaking the kernel's
# own built-ins or its agent after answering only spoils one's own answers: not a control.)
POISON_AFTER = ("poison_lab_tables", "poison_pandas", "frames_walk_up")
HONEST_NAMES = ("Bjørn", "Bjårn", "bjørn", '=HYPERLINK("http://x")', "+cmd", "@sum")


def _answers(source: Path) -> dict[str, str]:
    exercise = load_exercise(source)
    return {c.cell_id: c.source for c in exercise.cells if c.role == ANSWER}


def _answer_cells(nb: NotebookNode) -> list[NotebookNode]:
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def _with(
    nb: NotebookNode, first: str | None, solved: dict[str, str] | None, after: str = ""
) -> NotebookNode:
    nb = copy.deepcopy(nb)
    cells = _answer_cells(nb)
    if solved is not None:
        for cell in cells:
            cell.source = solved[cell.id]
    if first is not None:
        cells[0].source = first if solved is None else cells[0].source
    if after:
        cells[-1].source = cells[-1].source + "\n" + after
    return nb


def build_class(exercises_dir: Path, dist: Path, folder: Path) -> dict[str, dict]:
    """Write the hostile class under ``folder``; return what each file should earn."""
    expected: dict[str, dict] = {}
    for name in EXERCISES:
        student = nbformat.read(dist / "student" / f"{name}.ipynb", as_version=4)
        solved = _answers(exercises_dir / f"{name}.ipynb")

        def put(
            who: str,
            nb: NotebookNode | bytes,
            full: bool,
            filename: str = f"{name}.ipynb",
            exercise: str = name,
        ) -> None:
            path = folder / who / filename
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(nb, bytes):
                path.write_bytes(nb)
            else:
                nbformat.write(nb, path)
            expected[path.relative_to(folder).as_posix()] = {"exercise": exercise, "full": full}

        for attack, code in ATTACKS.items():
            put(attack, _with(student, code, None), False)
        for attack in POISON_AFTER:
            put(f"solved_then_{attack}", _with(student, None, solved, after=ATTACKS[attack]), True)
        for who in HONEST_NAMES if name == EXERCISES[0] else HONEST_NAMES[:2]:
            put(who, _with(student, None, solved), True)
        put("blank", student, False)
        text = json.dumps(_with(student, None, solved))
        put("bom", b"\xef\xbb\xbf" + text.encode(), True)
        put("upper_case", _with(student, None, solved), True, filename=f"{name}.IPYNB")
        put("deep_json", ("[" * 5000 + "]" * 5000).encode(), False)
        put(
            "deep_cells",
            json.dumps(
                {
                    "nbformat": 4,
                    "nbformat_minor": 5,
                    "metadata": {},
                    "cells": [
                        {
                            "cell_type": "code",
                            "source": "x",
                            "metadata": {"a": [[[[[[]]]]]]},
                            "outputs": [],
                            "execution_count": None,
                        }
                    ],
                }
            )
            .replace("[[[[[[]]]]]]", "[" * 3000 + "]" * 3000)
            .encode(),
            False,
        )
    # files that are not regular notebooks at all
    (folder / "linker").mkdir()
    os.symlink(
        dist / "autograder" / f"{EXERCISES[0]}.json", folder / "linker" / f"{EXERCISES[0]}.ipynb"
    )
    expected[f"linker/{EXERCISES[0]}.ipynb"] = {
        "exercise": EXERCISES[0],
        "full": False,
        "status": "not_a_regular_file",
    }
    os.mkfifo(folder / "linker" / f"{EXERCISES[1]}.ipynb")
    expected[f"linker/{EXERCISES[1]}.ipynb"] = {
        "exercise": EXERCISES[1],
        "full": False,
        "status": "not_a_regular_file",
    }
    return expected
