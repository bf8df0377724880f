"""Load an organisation's programme YAML, with errors that name the file, line, field and fix."""

from __future__ import annotations

import calendar
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from definitions.errors import BadInput
from definitions.organisation import (
    CareerLadder,
    Organisation,
    OrganisationProfile,
    unresolved_references,
)
from definitions.panels import PanelProgramme
from definitions.programmes import Programme
from definitions.registration import RegistrationProgramme
from definitions.reminders import Delivery, ReminderPolicy
from definitions.spelling import closest
from definitions.supervision import SupervisionProgramme
from definitions.training import TrainingProgramme

SAMPLE_ORGANISATION = Path(__file__).parent / "sample"

M = TypeVar("M", bound=BaseModel)


class ProgrammeFileError(BadInput):
    """A programme file that cannot be used, said so a person can fix it."""

    def __init__(
        self, path: Path, problem: str, *, field: str = "", line: int | None = None, fix: str = ""
    ) -> None:
        self.path, self.problem, self.field, self.line, self.fix = path, problem, field, line, fix
        where = (
            f"{path}" + (f", line {line}" if line else "") + (f", field {field}" if field else "")
        )
        super().__init__(f"{where}: {problem}" + (f"; fix: {fix}" if fix else ""))


class _Policies(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery: Delivery = Delivery()
    policies: dict[str, ReminderPolicy]


class _Programmes(BaseModel):
    """programmes.yaml: dated programmes by key, e.g. `induction:` and `probation:`."""

    model_config = ConfigDict(extra="forbid")

    programmes: dict[str, Programme] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("programmes"), dict):
            found = data["programmes"]
            if "asye" in found:
                raise ValueError(
                    "the ASYE year has its own file: move `asye:` from programmes.yaml to asye.yaml"
                )
            data = {
                **data,
                "programmes": {
                    k: {**v, "key": k} if isinstance(v, dict) else v for k, v in found.items()
                },
            }
        return data


FILES: dict[str, type[BaseModel]] = {
    "organisation.yaml": OrganisationProfile,
    "ladder.yaml": CareerLadder,
    "asye.yaml": Programme,
    "reminders.yaml": _Policies,
    "training.yaml": TrainingProgramme,
    "panels.yaml": PanelProgramme,
    "supervision.yaml": SupervisionProgramme,
    "registration.yaml": RegistrationProgramme,
    "programmes.yaml": _Programmes,
}
# A lifecycle the organisation does not run is left out: no ASYE year, no training
# programme, no progression panels. Ladder then makes no items, mails or steps for it.
OPTIONAL_FILES = (
    "asye.yaml",
    "training.yaml",
    "panels.yaml",
    "supervision.yaml",
    "registration.yaml",
    "programmes.yaml",
)


def load_organisation(folder: Path | str = SAMPLE_ORGANISATION) -> Organisation:
    """Read and validate every programme file in `folder`; the first bad one raises."""
    folder = Path(folder)
    profile, profile_tree = _load_file(folder / "organisation.yaml", OrganisationProfile)
    ladder, ladder_tree = _load_file(folder / "ladder.yaml", CareerLadder)
    asye, asye_tree = _load_optional(folder / "asye.yaml", Programme)
    policies, policies_tree = _load_file(folder / "reminders.yaml", _Policies)
    training, training_tree = _load_optional(folder / "training.yaml", TrainingProgramme)
    panels, panels_tree = _load_optional(folder / "panels.yaml", PanelProgramme)
    supervision, supervision_tree = _load_optional(
        folder / "supervision.yaml", SupervisionProgramme
    )
    registration, registration_tree = _load_optional(
        folder / "registration.yaml", RegistrationProgramme
    )
    programmes, programmes_tree = _load_optional(folder / "programmes.yaml", _Programmes)
    trees = {
        "organisation.yaml": profile_tree,
        "ladder.yaml": ladder_tree,
        "asye.yaml": asye_tree,
        "reminders.yaml": policies_tree,
        "training.yaml": training_tree,
        "panels.yaml": panels_tree,
        "supervision.yaml": supervision_tree,
        "registration.yaml": registration_tree,
        "programmes.yaml": programmes_tree,
    }
    # Cross-file references are checked here, where each file's YAML tree gives the line.
    unresolved = unresolved_references(
        profile,
        ladder,
        asye,
        policies.policies,
        policies.delivery,
        training,
        panels,
        supervision,
        registration,
        tuple(programmes.programmes.values()) if programmes else (),
    )
    if unresolved:
        ref, tree = unresolved[0], trees.get(unresolved[0].file)
        raise ProgrammeFileError(
            folder / ref.file,
            ref.problem,
            field=_dotted(ref.loc),
            line=_line_of(tree, ref.loc),
            fix=_choose_from(_scalar_at(tree, ref.loc) or str(ref.loc[-1]), ref.choices),
        )
    try:
        return Organisation(
            profile=profile,
            ladder=ladder,
            asye=asye,
            reminder_policies=policies.policies,
            delivery=policies.delivery,
            training=training,
            panels=panels,
            supervision=supervision,
            registration=registration,
            programmes=tuple(programmes.programmes.values()) if programmes else (),
            templates=folder / "templates" if (folder / "templates").is_dir() else None,
        )
    except ValidationError as exc:
        # A defensive net: Organisation's own checks, should they ever go beyond the above.
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        name, _, problem = message.partition(": ")
        path = folder / name if name in FILES else folder
        raise ProgrammeFileError(path, problem or message) from None


LIFECYCLES = ("asye", "training", "panels", "supervision", "registration", "programmes")


def lifecycles_in(folder: Path | str) -> frozenset[str]:
    """The optional lifecycles an organisation's folder runs, from which of their files it
    holds: read without parsing, so `ladder --help` works even while a file has an error."""
    return frozenset(name for name in LIFECYCLES if (Path(folder) / f"{name}.yaml").is_file())


def _load_optional(path: Path, model: type[M]) -> tuple[M | None, yaml.Node | None]:
    """A lifecycle's file, or (None, None) when the organisation leaves it out."""
    if not path.exists():
        return None, None
    return _load_file(path, model)


def _load_file(path: Path, model: type[M]) -> tuple[M, yaml.Node | None]:
    """The validated model of one file, with its YAML tree (to find lines for later checks)."""
    if not path.is_file():
        raise ProgrammeFileError(
            path,
            "file not found",
            fix=f"copy it from {SAMPLE_ORGANISATION / path.name} and edit it",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProgrammeFileError(
            path,
            f"not UTF-8 text (byte {exc.start} cannot be read)",
            fix="save the file as UTF-8 text; a programme file is YAML, not a spreadsheet or PDF",
        ) from None
    try:
        tree = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ProgrammeFileError(
            path,
            f"not valid YAML: {exc.problem}",
            line=line,
            fix="check indentation and quoting around that line",
        ) from None
    except (ValueError, TypeError, yaml.YAMLError) as exc:
        # PyYAML builds dates while loading, so 2026-02-30 fails here with no position.
        raise _unconstructable(path, text, exc) from None
    if not isinstance(data, dict):
        raise ProgrammeFileError(
            path,
            "expected a mapping of fields at the top level",
            fix=f"start from {SAMPLE_ORGANISATION / path.name}",
        )
    try:
        return model.model_validate(data), tree
    except ValidationError as exc:
        err = _first_error(exc.errors())
        loc = tuple(err["loc"])
        raise ProgrammeFileError(
            path,
            _problem(err),
            field=_dotted(loc),
            line=_line_of(tree, loc),
            fix=_fix(err, model),
        ) from None


def _unconstructable(path: Path, text: str, exc: Exception) -> ProgrammeFileError:
    """The error for a value PyYAML parsed but could not build, at the value's line."""
    try:
        found = _unbuildable_scalar(yaml.compose(text), ())
    except yaml.YAMLError:
        found = None
    if found is None:
        return ProgrammeFileError(
            path,
            f"a value cannot be read: {exc}",
            fix="check the file's values; write a real calendar date as YYYY-MM-DD",
        )
    loc, node = found
    is_date = node.tag == "tag:yaml.org,2002:timestamp"
    return ProgrammeFileError(
        path,
        f"'{node.value}' is not a real {'calendar date' if is_date else 'value'} ({exc})",
        field=_dotted(loc),
        line=node.start_mark.line + 1,
        fix=_real_date_fix(node.value)
        if is_date
        else "check the value at that line, or quote it to keep it as text",
    )


def _real_date_fix(text: str) -> str:
    """How to correct a date that does not exist: the month's real last day."""
    found = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", text.strip())
    if not found:
        return "write a date that exists, as YYYY-MM-DD, e.g. 2026-03-31"
    year, month = int(found[1]), int(found[2])
    if not 1 <= month <= 12:
        return f"there is no month {month}; months run 01 to 12"
    last = calendar.monthrange(year, month)[1]
    return (
        f"{calendar.month_name[month]} {year} has {last} days; use a day that exists, "
        f"e.g. {year}-{month:02d}-{last:02d}"
    )


def _unbuildable_scalar(
    node: yaml.Node | None, loc: tuple[Any, ...]
) -> tuple[tuple[Any, ...], yaml.ScalarNode] | None:
    """The first scalar under `node` that PyYAML's safe constructor fails on, with its loc."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.constructor.SafeConstructor().construct_object(node)
        except (ValueError, TypeError, yaml.YAMLError):
            return loc, node
        return None
    children: list[tuple[Any, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(k.value, v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = list(enumerate(node.value))
    for part, child in children:
        found = _unbuildable_scalar(child, (*loc, part))
        if found is not None:
            return found
    return None


def _first_error(errors: list[Any]) -> Any:
    """The error to report: a misspelt key rather than the field it leaves missing.

    `monts: 6` gives "months: field required" first and "monts: extra inputs" second; the
    person typed the second, so that is where their eye and the fix belong.
    """
    first = errors[0]
    if first["type"] != "missing":
        return first
    mapping = tuple(first["loc"][:-1])
    missing = [
        str(e["loc"][-1])
        for e in errors
        if e["type"] == "missing" and tuple(e["loc"][:-1]) == mapping
    ]
    extras = [
        e for e in errors if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == mapping
    ]
    if not extras:
        return first
    scored = [(closest(str(e["loc"][-1]), missing), e) for e in extras]
    close, extra = next(((c, e) for c, e in scored if c), scored[0])
    needs = ", ".join(f"`{m}`" for m in missing)
    verb = "is" if len(missing) == 1 else "are"
    return {
        **extra,
        "missing": missing,
        "did_you_mean": close,
        "msg": f"{extra['msg']}, and required {needs} {verb} missing",
    }


def _choose_from(given: str, choices: tuple[str, ...]) -> str:
    close = closest(given, choices)
    hint = f"did you mean `{close}`? " if close else ""
    return f"{hint}use one of: {', '.join(choices)}"


def _scalar_at(tree: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    """The text of the scalar at `loc` (the name that did not resolve), or ''."""
    node = tree
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return ""
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _dotted(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


GOT_LIMIT = 80  # characters of a bad value echoed back; a whole pasted block helps no one


def _problem(err: Any) -> str:
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] in ("missing", "extra_forbidden"):
        return msg.lower()
    if err["type"] == "with_fix":  # the message names the value itself
        return msg
    got = repr(err.get("input"))
    if len(got) > GOT_LIMIT:
        got = got[: GOT_LIMIT - 3] + "..."
    return f"{msg} (got {got})"


def _fix(err: Any, model: type[BaseModel]) -> str:
    kind = err["type"]
    field = err["loc"][-1] if err["loc"] else ""
    if kind == "with_fix":
        return str(err["ctx"]["fix"])
    if kind == "missing":
        return f"add `{field}:` with a value"
    if kind == "extra_forbidden" and err.get("did_you_mean"):
        meant = err["did_you_mean"]
        return f"did you mean `{meant}`? rename `{field}:` to `{meant}:`"
    if kind == "extra_forbidden" and not err.get("missing"):
        meant = closest(str(field), sorted(_fields_at(model, tuple(err["loc"][:-1]))))
        if meant:
            return f"did you mean `{meant}`? rename `{field}:` to `{meant}:`"
    if kind == "extra_forbidden" and err.get("missing"):
        needs = ", ".join(f"`{m}:`" for m in err["missing"])
        meant = closest(str(field), sorted(_fields_at(model, tuple(err["loc"][:-1]))))
        if meant:
            return (
                f"did you mean `{meant}`? rename `{field}:` to `{meant}:`; the same block "
                f"also needs {needs}"
            )
        return f"remove it, or correct its spelling; the same block also needs {needs}"
    if kind == "extra_forbidden":
        return "remove it, or correct its spelling"
    if kind == "milestone_after_programme":
        return (
            f"bring it to at most {err['ctx']['length']} from the start, or raise the "
            "programme's `length_months` (or `length`)"
        )
    if kind.startswith("int"):
        return "write a whole number, e.g. 3"
    if kind.startswith("date"):
        return "write the date as YYYY-MM-DD"
    if kind == "literal_error":
        return f"use one of {err.get('ctx', {}).get('expected', 'the listed values')}"
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and underscores only"
    if kind in ("greater_than_equal", "less_than_equal", "too_short"):
        return "see the allowed range in the message"
    return f"compare with the sample file {SAMPLE_ORGANISATION.name}/ shipped with Ladder"


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The field names of the (nested) model at `loc`, to suggest for a misspelt key."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            if isinstance(part, int):
                continue
            return set()
        info = current.model_fields.get(part)
        if info is None:
            return set()
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return set(current.model_fields)
    return set()


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as `Validity | None` or `tuple[Module, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest existing parent."""
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:  # an extra key: point at the key itself
                child = next((k for k, _ in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
