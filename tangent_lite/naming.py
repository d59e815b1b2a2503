"""Deterministic names: the same input always gives the same output text."""

from __future__ import annotations

import gast


def names_in(node):
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)} | {
        a.arg for a in gast.walk(node) if isinstance(a, getattr(gast, "arg", ()))}


class Names:
    """Hands out fresh names that clash with nothing the function uses."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.counters = {}
        self.adjoints = {}
        self.tangents = {}
        self.temps = set()  # names of temporaries, which later passes may inline away

    def fresh(self, base):
        n = self.counters.get(base, 0)
        while True:
            n += 1
            name = f"{base}{n}"
            if name not in self.taken:
                self.counters[base] = n
                self.taken.add(name)
                if base == "_t":
                    self.temps.add(name)
                return name

    def exact(self, name):
        """``name`` itself when free, else ``name`` with a number."""
        if name not in self.taken:
            self.taken.add(name)
            return name
        return self.fresh(name + "_")

    def adjoint(self, name):
        """The adjoint of ``x`` is ``bx``; ``_t3`` gives ``b_t3``."""
        if name not in self.adjoints:
            self.adjoints[name] = self.exact("b" + name)
            if name in self.temps:
                self.temps.add(self.adjoints[name])
        return self.adjoints[name]

    def tangent(self, name):
        """The tangent of ``x`` is ``dx``; ``_t3`` gives ``d_t3``."""
        if name not in self.tangents:
            self.tangents[name] = self.exact("d" + name)
            if name in self.temps:
                self.temps.add(self.tangents[name])
        return self.tangents[name]
