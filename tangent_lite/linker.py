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
    "_seed": runtime.seed, "_like": runtime.like, "_zeros_like": runtime.zeros_like,
    "_owned": runtime.owned, "_broadcast_like": runtime.broadcast_like,
    "_stack_adjoint": runtime.stack_adjoint, "_distinct": runtime.distinct,
    "_reduced_shape_of": runtime.reduced_shape_of, "_abs_index": runtime.abs_index,
}


class Linker:
    def __init__(self):
        self.bindings = {}  # emitted name -> object
        self.origins = {}  # emitted name -> (module name, name there) where it was found
        self.live = {}  # emitted name -> (globals dict, name there): read when the code runs
        self.reserved = set()

    def reserve(self, name):
        self.reserved.add(name)

    def bind(self, name, obj, module=None, source_name=None):
        """The emitted name for ``obj``, preferring ``name``; ``module`` is where it was read
        (under ``source_name``, by default ``name``)."""
        candidate = name
        n = 1
        while True:
            if candidate in self.bindings and self.bindings[candidate] is obj:
                return candidate
            if candidate not in self.bindings and candidate not in self.reserved:
                self.bindings[candidate] = obj
                self.origins[candidate] = (module, source_name or name)
                return candidate
            n += 1
            candidate = f"{name}_{n}"

    def namespace(self):
        """The dict generated code runs in: globals of the user's modules are read live,
        so rebinding a hyper-parameter or an array after compiling is seen."""
        static = {k: v for k, v in self.bindings.items()
                  if not (isinstance(v, tuple) and v and v[0] == "generated")
                  and k not in self.live}
        ns = LiveNamespace(static, dict(self.live))
        ns.tl_linker = self  # a second transformation finds where the names came from
        return ns

    def helper(self, name):
        return self.bind(name, RUNTIME_HELPERS[name])

    def modules(self):
        return {k: v for k, v in self.bindings.items() if isinstance(v, types.ModuleType)}


class LiveNamespace(dict):
    """Globals of generated code; names from the user's modules are looked up there."""

    def __init__(self, static, live):
        super().__init__(static)
        self.live = live

    def __missing__(self, key):
        source = self.live.get(key)
        if source is None:
            raise KeyError(key)
        globals_, name = source
        return globals_[name]
