"""The linker: every global a generated module reads gets one unambiguous name.

Generated code combines the user's functions (possibly from several modules),
rule templates and runtime helpers.  Each global object is bound under its own
name when that name is free, otherwise under a numbered variant, so names from
different modules never clash.  The bindings are the namespace the module is
executed in, and they tell the writer what to import or copy into a file.
"""

from __future__ import annotations

import types

from . import runtime


RUNTIME_HELPERS = {
    "_unbroadcast": runtime.unbroadcast, "_dense": runtime.dense, "_add_at": runtime.add_at,
    "_add": runtime.add, "_copy": runtime.copy, "_scalar_seed": runtime.scalar_seed,
    "_seed": runtime.seed, "_like": runtime.like,
}


class Linker:
    def __init__(self):
        self.bindings = {}  # emitted name -> object
        self.origins = {}  # emitted name -> (module name, name there) where it was found
        self.reserved = set()

    def reserve(self, name):
        self.reserved.add(name)

    def bind(self, name, obj, module=None):
        """The emitted name for ``obj``, preferring ``name``; ``module`` is where it was read."""
        candidate = name
        n = 1
        while True:
            if candidate in self.bindings and self.bindings[candidate] is obj:
                return candidate
            if candidate not in self.bindings and candidate not in self.reserved:
                self.bindings[candidate] = obj
                self.origins[candidate] = (module, name)
                return candidate
            n += 1
            candidate = f"{name}_{n}"

    def helper(self, name):
        return self.bind(name, RUNTIME_HELPERS[name])

    def modules(self):
        return {k: v for k, v in self.bindings.items() if isinstance(v, types.ModuleType)}
