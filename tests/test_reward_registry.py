"""Rewards are one algebra: only the registry tells reward kinds apart.

Every stage finds a reward's entry with ``rulekit.plan.kinds.kind_of`` and calls it;
none tests the reward's class. These tests scan the source for class tests on the six
IR reward classes (``isinstance``, ``issubclass``, ``type(x) is``, ``match`` class
patterns) outside the parser, the IR, the plan and the registry package.
"""

from __future__ import annotations

import ast
from pathlib import Path

from rulekit import ir
from rulekit.parser import parse
from rulekit.plan import bind
from rulekit.plan.kinds import all_kinds, kind_of

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rulekit"
REWARD_CLASSES = frozenset({"Prize", "Rebate", "Bonus", "Milestone", "Commission", "Subsidy"})
ALLOWED = ("parser.py", "ir.py", "plan/", "rewards/")


def _reward_class(node: ast.expr) -> str | None:
    """``ir.Prize`` (or ``Prize`` imported from the IR) -> ``"Prize"``."""
    if isinstance(node, ast.Attribute) and node.attr in REWARD_CLASSES:
        return node.attr
    if isinstance(node, ast.Name) and node.id in REWARD_CLASSES:
        return node.id
    return None


def _classes_in(node: ast.expr) -> list[str]:
    """Reward classes named by an ``isinstance`` second argument: a class, a tuple or a ``|`` union."""
    if isinstance(node, ast.Tuple):
        return [name for elt in node.elts for name in _classes_in(elt)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _classes_in(node.left) + _classes_in(node.right)
    found = _reward_class(node)
    return [found] if found else []


def class_tests(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for every test of a reward's class in ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
        ):
            if len(node.args) == 2:
                found += [(node.lineno, f"{node.func.id} {name}") for name in _classes_in(node.args[1])]
        elif isinstance(node, ast.MatchClass):
            name = _reward_class(node.cls)
            if name:
                found.append((node.lineno, f"case {name}()"))
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Call):
            call = node.left
            if isinstance(call.func, ast.Name) and call.func.id == "type":
                found += [(node.lineno, f"type() is {n}") for c in node.comparators for n in _classes_in(c)]
    return found


def _allowed(path: Path) -> bool:
    relative = path.relative_to(PACKAGE).as_posix()
    return any(relative == a or relative.startswith(a) for a in ALLOWED)


def test_no_module_outside_the_registry_tests_a_rewards_class() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _allowed(path)
        for line, what in class_tests(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "reward kinds are told apart by rulekit.plan.kinds.kind_of only:\n" + "\n".join(offenders)


def test_the_scan_finds_every_form_of_class_test() -> None:
    # The scan is only worth something if it sees the forms the code used to have.
    source = "\n".join(
        [
            "if isinstance(r, ir.Prize): pass",  # line 1
            "if isinstance(r, (ir.Bonus, ir.Milestone)): pass",  # line 2: two
            "if isinstance(r, ir.Commission | ir.Subsidy): pass",  # line 3: two
            "match r:",
            "    case ir.Rebate(): pass",  # line 5
            "if type(r) is ir.Subsidy: pass",  # line 6
            "if isinstance(r, ir.Money): pass",  # not a reward class
        ]
    )
    assert sorted(line for line, _ in class_tests(source)) == [1, 2, 2, 3, 3, 5, 6]


def test_every_ir_reward_class_has_exactly_one_entry() -> None:
    # ir.Reward is the union of the reward classes; each must map to one entry, none twice.
    declared = set(ir.Reward.__args__)  # type: ignore[attr-defined]
    assert {k.decl for k in all_kinds()} == declared
    assert len({k.name for k in all_kinds()}) == len(all_kinds()) == 6


def test_the_plan_labels_each_reward_with_its_entry() -> None:
    # campaigns/uk_shop.rules declares `commission new_merchant_waiver` (line 49) then
    # `subsidy free_shipping` (line 53); the commission is a charge, the subsidy a payout.
    path = ROOT / "campaigns" / "uk_shop.rules"
    plan = bind(parse(path.read_text(encoding="utf-8"), str(path)).program)
    assert [(r.name, r.kind.name, r.kind.paid, r.kind.per_order) for r in plan.rewards] == [
        ("new_merchant_waiver", "commission", False, True),
        ("free_shipping", "subsidy", True, True),
    ]
    assert [r.kind for r in plan.rewards] == [kind_of(r.decl) for r in plan.rewards]
