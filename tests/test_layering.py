"""The dependency direction: a zoo module imports only modules of its own tier or a lower one, and no
module reaches itself through imports (function-level imports included).

Tiers, lowest first (a module belongs to the tier of its longest listed prefix):

    foundations      the internals module, the user-error type, command-line number types, checks, atomic file writing, text and subword vocabularies, tables, metrics,
                     the model registry, decoding search, data readers, compiled kernels, the CPU's flags
    cells            zoo.cells
    layers           zoo.layers, zoo.encoders
    training         fit, its epoch policy and distribution strategies, plots of a run, mixed precision
    models           zoo.models (registered architectures)
    services         config and its settings, tuning, generation, export, workdir, the recipe contract, the
                     predictor base, the model card
    recipe packages  zoo.captioning, zoo.translation, ... (one per recipe)
    entry modules    zoo.recipes, zoo.bench, zoo.export.__main__, zoo.serve (the REST server and its page), and
                     the package face zoo/__init__
"""

import ast
import os

import pytest

TIERS = (
    ("foundations", ("zoo._internals", "zoo.errors", "zoo.arguments", "zoo.checks", "zoo.atomic", "zoo.text", "zoo.subwords", "zoo.tables", "zoo.metrics",
                     "zoo.registry", "zoo.decoding", "zoo.data", "zoo.native", "zoo.cpu")),
    ("cells", ("zoo.cells",)),
    ("layers", ("zoo.layers", "zoo.encoders")),
    ("training", ("zoo.epoch_policy", "zoo.training", "zoo.distribute", "zoo.plots", "zoo.precision")),
    ("models", ("zoo.models",)),
    ("services", ("zoo.config", "zoo.settings", "zoo.tuning", "zoo.generation", "zoo.export", "zoo.workdir",
                  "zoo.recipe", "zoo.predictor", "zoo.model_card")),
    ("recipe packages", ("zoo.captioning", "zoo.translation", "zoo.frame_labeling", "zoo.sequence_classification",
                         "zoo.language_model", "zoo.forecasting", "zoo.long_memory")),
    ("entry modules", ("zoo", "zoo.recipes", "zoo.bench", "zoo.export.__main__", "zoo.serve")),
)
ZOO_ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "zoo")


def modules_under(root):
    """{dotted module name: file path} of every .py file under the package folder `root`."""
    base = os.path.dirname(root)
    modules = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = os.path.relpath(path, base)[:-3].replace(os.sep, ".")
                modules[dotted.removesuffix(".__init__")] = path
    return modules


def imports_of(path, modules, package):
    """The modules of `modules` that the file `path` imports anywhere in its body (a `from A import b`
    counts as A.b when that is a module, else as A)."""
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                         for alias in node.names)
    return {name for name in found if name == package or name.startswith(package + ".")} & set(modules)


def tier_of(module, tiers):
    """The index of the tier whose longest prefix names `module` (None when no tier does)."""
    best = None
    for index, (_, prefixes) in enumerate(tiers):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    return None if best is None else best[0]


def import_graph(root):
    modules = modules_under(root)
    package = os.path.basename(root)
    return {module: imports_of(path, modules, package) for module, path in modules.items()}


def upward_imports(graph, tiers):
    """`(importer, imported)` pairs where the imported module's tier is above the importer's, and modules
    that belong to no tier as `(module, None)`."""
    found = [(module, None) for module in graph if tier_of(module, tiers) is None]
    for module, imported in graph.items():
        for target in imported:
            if None not in (tier_of(module, tiers), tier_of(target, tiers)) and tier_of(target, tiers) > tier_of(module, tiers):
                found.append((module, target))
    return sorted(found, key=str)


def import_cycles(graph):
    """Each cycle of the graph once, as a list of modules starting and ending with the same one."""
    cycles, done, path = [], set(), []

    def visit(module):
        if module in path:
            cycle = path[path.index(module):] + [module]
            if not any(set(cycle) == set(seen) for seen in cycles):
                cycles.append(cycle)
            return
        if module in done:
            return
        path.append(module)
        for target in sorted(graph.get(module, ())):
            visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    return cycles


def _describe(pairs, tiers):
    return "\n".join(f"{a} ({tiers[tier_of(a, tiers)][0] if tier_of(a, tiers) is not None else 'no tier'}) imports "
                     f"{b} ({tiers[tier_of(b, tiers)][0]})" if b else f"{a} belongs to no tier" for a, b in pairs)


def test_no_zoo_module_imports_upward():
    pairs = upward_imports(import_graph(ZOO_ROOT), TIERS)
    assert not pairs, "upward imports (see the tier order in this file's docstring):\n" + _describe(pairs, TIERS)


def test_no_import_cycles():
    cycles = import_cycles(import_graph(ZOO_ROOT))
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(cycle) for cycle in cycles)


@pytest.fixture
def synthetic_package(tmp_path):
    """pkg.low imports pkg.high lazily (upward), pkg.high imports pkg.low (a cycle), pkg.stray has no tier."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "low.py").write_text("def f():\n    from pkg.high import g\n    return g\n")
    (root / "high.py").write_text("from pkg import low\n\ndef g():\n    return low\n")
    (root / "stray.py").write_text("import os\n")
    return str(root)


def test_the_checks_find_an_upward_import_a_cycle_and_a_module_outside_every_tier(synthetic_package):
    tiers = (("low", ("pkg.low", "pkg")), ("high", ("pkg.high",)))
    graph = import_graph(synthetic_package)

    assert graph["pkg.low"] == {"pkg.high"} and graph["pkg.high"] == {"pkg.low"}
    assert upward_imports(graph, tiers) == [("pkg.low", "pkg.high")]
    assert upward_imports(graph, tiers[1:]) == [("pkg", None), ("pkg.low", None), ("pkg.stray", None)]
    assert import_cycles(graph) == [["pkg.high", "pkg.low", "pkg.high"]]
