"""Fails when a crate's modules depend on each other in a cycle.

    python3 scripts/module_cycles.py core/src bindings-c/src ...

A module depends on another when its code (outside `#[cfg(test)] mod tests`) names it through
`crate::` or `super::`. Checked among the top-level modules of each crate and among the
children of each folder module, so that every layer only looks down.
"""
import os, re, sys
from collections import defaultdict
def check(root):
    def modpath(f):
        rel = os.path.relpath(f, root)[:-3].split(os.sep)
        if rel[-1] in ('lib', 'main', 'mod'): rel = rel[:-1]
        return rel
    deps = defaultdict(set)
    for dp, _, fs in os.walk(root):
        for fn in fs:
            if not fn.endswith('.rs'): continue
            f = os.path.join(dp, fn); me = modpath(f)
            text = open(f).read()
            text = re.sub(r'#\[cfg\(test\)\]\s*mod tests \{.*', '', text, flags=re.S)  # test modules may look anywhere
            text = re.sub(r'//.*', '', text)
            refs = set()
            for m in re.finditer(r'crate::((?:\w+::)*\w+)', text):
                refs.add(tuple(m.group(1).split('::')))
            for m in re.finditer(r'crate::\{([^}]*)\}', text):
                for part in m.group(1).split(','):
                    part = part.strip().split('::')
                    if part[0]: refs.add(tuple(p.strip() for p in part))
            for m in re.finditer(r'\bsuper::((?:\w+::)*\w+)', text):
                refs.add(tuple(me[:-1]) + tuple(m.group(1).split('::')))
            for r in refs:
                for depth in (1, 2):
                    if len(me) >= depth and len(r) >= depth and tuple(me[:depth-1]) == tuple(r[:depth-1]) and me[depth-1] != r[depth-1]:
                        deps[tuple(me[:depth])].add(tuple(r[:depth]))
    # Tarjan on each level
    nodes = set(deps) | {d for v in deps.values() for d in v}
    index = {}; low = {}; stack = []; on = set(); sccs = []; c = [0]
    sys.setrecursionlimit(10000)
    def strong(v):
        index[v] = low[v] = c[0]; c[0] += 1; stack.append(v); on.add(v)
        for w in deps.get(v, ()):
            if w not in index: strong(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: sccs.append(comp)
    for v in sorted(nodes):
        if v not in index: strong(v)
    for comp in sccs:
        print(f"{root}: module cycle: {' <-> '.join('::'.join(m) for m in sorted(comp))}")
    return not sccs


if __name__ == "__main__":
    results = [check(root) for root in sys.argv[1:]]
    if not all(results):
        sys.exit(1)
    print("no module cycle in", ", ".join(sys.argv[1:]))
