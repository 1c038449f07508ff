"""The apps' imports point one way: patients at the bottom, doctors and notifications on it, adminpanel on top.

Read from the source with ast (imports inside functions count too); tests and migrations are left out.
The project package's wiring modules (URLs, routing, views, ASGI/WSGI) sit above every app; its other modules
(settings, helpers such as smartqueue.requests or smartqueue.actions) sit below them all and import none.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"patients": 0, "doctors": 1, "notifications": 1, "adminpanel": 2}
# The project package's modules that wire the apps together; its other modules are helpers below every app.
PROJECT_WIRING = {"smartqueue.routing", "smartqueue.urls", "smartqueue.views", "smartqueue.asgi", "smartqueue.wsgi"}
PROJECT_TOP = 3


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def source_modules():
    for package in [*LAYERS, "smartqueue"]:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield module_name(path), path


def imported_modules(name, path):
    """Every module this one imports, resolved to the project's own modules where it names one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def layer_of(module):
    top = module.split(".")[0]
    if top in LAYERS:
        return LAYERS[top]
    if top == "smartqueue":
        return PROJECT_TOP if module in PROJECT_WIRING else -1
    return None


def project_graph():
    modules = dict(source_modules())
    return {
        name: {imported for imported in imported_modules(name, path) if imported in modules and imported != name}
        for name, path in modules.items()
    }


GRAPH = project_graph()


def test_the_graph_was_read():
    assert {"patients.services", "doctors.services", "notifications.services", "adminpanel.services"} <= set(GRAPH)
    assert "patients.models" in GRAPH["patients.services"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_points_up_or_sideways_between_apps(module):
    app = module.split(".")[0]
    wrong = [
        imported
        for imported in GRAPH[module]
        if imported.split(".")[0] != app
        and (layer_of(imported) > layer_of(module) or layer_of(imported) == layer_of(module))
    ]
    assert wrong == [], f"{module} imports {wrong}: a lower (or peer) layer must announce through patients.hooks"


def test_no_module_imports_itself_round_a_cycle():
    cycles = []
    state = {}

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(GRAPH[module]):
            if state.get(imported) == "open":
                cycles.append(path[path.index(imported) :] + [imported])
            elif imported not in state:
                visit(imported, path + [imported])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_catches_an_upward_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from adminpanel.models import AuditLog\n")
    imported = set(imported_modules("patients.probe", probe))
    assert "adminpanel.models" in imported and layer_of("adminpanel.models") > layer_of("patients.probe")


def status_groups(path):
    """The tuples, lists and sets of a module that name both a called and an in-consultation status."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            named = {element.attr for element in node.elts if isinstance(element, ast.Attribute)}
            if {"CALLED", "IN_CONSULTATION"} <= named:
                yield node.lineno


def test_which_tokens_are_with_a_doctor_is_said_once():
    """Called or in consultation, "with a doctor", is Queue.SERVING_STATUSES (and QueueQuerySet.with_a_doctor()):
    call-next passing a patient over, the dashboard's "with a doctor elsewhere" and the serving boards read it."""
    retyped = [
        f"{module}:{line}"
        for module, path in source_modules()
        if module != "patients.models"
        for line in status_groups(path)
    ]
    assert retyped == [], "use Queue.SERVING_STATUSES or Queue.objects.with_a_doctor()"


def department_activity_filters(path):
    """The lines of a module where Department.objects is filtered on is_active itself (a keyword, or a Q in it)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        manager = node.func.value
        if not (isinstance(manager, ast.Attribute) and manager.attr == "objects"):
            continue
        if not (isinstance(manager.value, ast.Name) and manager.value.id == "Department"):
            continue
        if any(isinstance(inner, ast.keyword) and inner.arg == "is_active" for inner in ast.walk(node)):
            yield node.lineno


def test_which_departments_take_patients_is_said_once():
    """Active, "taking patients", is DepartmentQuerySet.active(): registration, bookings, transfers, broadcasts,
    closings and the departments a doctor can join all read it, so none lets in a department the others refuse."""
    retyped = [
        f"{module}:{line}"
        for module, path in source_modules()
        if module != "patients.models"
        for line in department_activity_filters(path)
    ]
    assert retyped == [], "use Department.objects.active()"
