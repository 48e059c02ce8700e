"""The workbook contract (DOMAIN §3): one pydantic model per table.

The models are the single source of truth for column names, types, required fields, defaults,
ranges, enums, natural keys and references. The importer does not build a model per row (that
is what makes validation slow on big files); it reads the models once into ``TableSpec`` /
``FieldSpec`` and parses whole columns at a time. Header spellings and enum labels in kk/ru/en
come from the i18n catalog (``i18n/schema.toml``), plus the extra spellings listed here.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, ClassVar, Final, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, Field

# --------------------------------------------------------------------------------------------
# Enums (values are the English keys stored in the database)


class ProjectStatus(StrEnum):
    initiation = "initiation"
    planning = "planning"
    execution = "execution"
    completed = "completed"
    suspended = "suspended"
    cancelled = "cancelled"


class IndicatorKind(StrEnum):
    target_indicator = "target_indicator"
    kpi = "kpi"


class Direction(StrEnum):
    increase = "increase"
    decrease = "decrease"


class Criterion(StrEnum):
    """The five measurable criteria of DT §19."""

    citizen_satisfaction = "citizen_satisfaction"
    government_cost = "government_cost"
    transparency = "transparency"
    anti_corruption = "anti_corruption"
    security_sovereignty = "security_sovereignty"


class ActivityStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class RiskCategory(StrEnum):
    """Reg §42.1: macroeconomic and key risks."""

    macroeconomic = "macroeconomic"
    key = "key"


class Priority(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class RiskStatus(StrEnum):
    open = "open"
    closed = "closed"
    occurred = "occurred"


class Role(StrEnum):
    """Reg §4 and §15."""

    curator = "curator"
    office_head = "office_head"
    coordinator = "coordinator"
    scrum_manager = "scrum_manager"
    program_manager = "program_manager"
    project_manager = "project_manager"
    analyst = "analyst"
    team_member = "team_member"
    stakeholder = "stakeholder"


class MeetingType(StrEnum):
    daily = "daily"
    sprint_planning = "sprint_planning"
    sprint_review = "sprint_review"
    monthly_report = "monthly_report"
    quarterly_report = "quarterly_report"
    other = "other"


class FundingSource(StrEnum):
    """Reg §26; DT §17.2 keeps "additional funding required" apart from financed sources."""

    republican_budget = "republican_budget"
    local_budget = "local_budget"
    extra_budgetary = "extra_budgetary"
    additional_funding_required = "additional_funding_required"


class Decision(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class DecisionKind(StrEnum):
    """What the curator's quarterly meeting decides on (Reg §34)."""

    priority = "priority"
    discrepancy = "discrepancy"
    budget = "budget"
    team_size = "team_size"
    other = "other"


class RoadmapEventKind(StrEnum):
    """The steps of a digital-transformation roadmap (DT §23–25, §34, §37–40, §45, §52)."""

    submitted = "submitted"  # the draft (or a change) reaches the office for agreement (§23–24)
    agreed = "agreed"  # the office head's decision: agreed (§24)
    rework = "rework"  # the office head's decision: needs rework (§24)
    approved = "approved"  # approved by the head of the state body (§24); a change too (§52)
    published_portal = "published_portal"  # on the e-government architecture portal (§25)
    published_site = "published_site"  # on the body's official internet resource (§25)
    published_pmis = "published_pmis"  # in the project-management information system (§25)
    team_formed = "team_formed"  # the re-engineering project team (§37)
    notice_posted = "notice_posted"  # the notice of the planned review of business processes (§38)
    schedule_drafted = "schedule_drafted"  # the plan-schedule drawn up by the team (§39)
    schedule_approved = "schedule_approved"  # approved by the deputy head for digitalisation (§39)
    schedule_entered = "schedule_entered"  # entered into the PM information system (§40)
    target_approved = "target_approved"  # the target business-process variant approved (§45)
    target_published = "target_published"  # the target variant published (§45)
    evaluation_reviewed = "evaluation_reviewed"  # evaluation results brought to the office (§34)


class ChangeGround(StrEnum):
    """The cases in which a roadmap may be changed (DT §51.1–6)."""

    review = "1"  # after a review and evaluation by a body of the DT structure
    pilot = "2"  # after pilot projects of the roadmap
    planning_documents = "3"  # the State Planning System's documents changed
    reorganisation = "4"  # a significant change of activity (reorganisation etc.)
    external = "5"  # grounds outside the body's competence set by legal acts
    other = "6"  # cases not provided for: at most once in 6 months after the previous approval


#: Catalog section of each enum's labels (``enum.<name>.<value>``).
ENUM_CATALOG: Final[dict[type[StrEnum], str]] = {
    ProjectStatus: "project_status",
    IndicatorKind: "indicator_kind",
    Direction: "direction",
    Criterion: "criterion",
    ActivityStatus: "activity_status",
    RiskCategory: "risk_category",
    Priority: "priority",
    RiskStatus: "risk_status",
    Role: "role",
    MeetingType: "meeting_type",
    FundingSource: "funding_source",
    Decision: "decision",
    DecisionKind: "decision_kind",
    RoadmapEventKind: "roadmap_event",
    ChangeGround: "change_ground",
}

#: Spellings people type besides the catalog labels and the English keys.
ENUM_SYNONYMS: Final[dict[type[StrEnum], dict[str, tuple[str, ...]]]] = {
    ProjectStatus: {
        "initiation": ("бастама", "инициирование", "initiated", "idea"),
        "planning": ("planned",),
        "execution": (
            "орындалуда",
            "іске асырылуда",
            "в работе",
            "исполнение",
            "реализуется",
            "in progress",
            "active",
            "implementation",
            "ongoing",
        ),
        "completed": ("аяқталған", "завершён", "завершено", "closed", "complete", "done"),
        "suspended": ("тоқтатылды", "on hold", "paused"),
        "cancelled": ("жойылған", "отменён", "отменено", "canceled", "terminated"),
    },
    IndicatorKind: {
        "target_indicator": ("индикатор", "мақсатты", "целевой", "target", "ти", "ци"),
        "kpi": (
            "нәтижеліліктің негізгі көрсеткіші",
            "ключевой показатель эффективности",
            "кпи",
            "key performance indicator",
        ),
    },
    Direction: {
        "increase": ("артуы", "өсуі", "увеличение", "up", "higher is better", "↑"),
        "decrease": ("азаюы", "төмендеуі", "уменьшение", "down", "lower is better", "↓"),
    },
    Criterion: {
        "citizen_satisfaction": ("1", "citizen satisfaction"),
        "government_cost": ("2", "government cost"),
        "transparency": ("3", "ашықтық", "прозрачность"),
        "anti_corruption": ("4", "сыбайлас жемқорлық", "коррупция", "corruption"),
        "security_sovereignty": ("5", "қауіпсіздік", "безопасность", "security"),
    },
    ActivityStatus: {
        "not_started": ("басталған жоқ", "не начата", "не начат", "planned", "todo", "to do"),
        "in_progress": ("орындалу үстінде", "в процессе", "выполняется", "started", "ongoing"),
        "done": ("орындалған", "аяқталды", "выполнена", "выполнен", "завершено", "completed", "complete", "finished"),
        "cancelled": ("жойылған", "отменена", "отменен", "canceled"),
    },
    RiskCategory: {
        "macroeconomic": ("макро", "macro"),
        "key": ("негізгі тәуекел", "ключевой риск", "основной"),
    },
    Priority: {
        "high": ("жоғарғы", "высокая", "высокое", "h", "red"),
        "medium": ("орта", "средняя", "среднее", "m", "amber", "moderate"),
        "low": ("төменгі", "низкая", "низкое", "l", "green"),
    },
    RiskStatus: {
        "open": ("белсенді", "открытый", "открыт", "активный", "active"),
        "closed": ("жабылды", "закрытый", "закрыт", "close"),
        "occurred": ("іске асты", "реализован", "произошел", "произошёл", "materialised", "materialized", "happened"),
    },
    Role: {
        "curator": ("портфель кураторы", "куратор портфеля"),
        "office_head": ("жобалық офис басшысы", "head of project office", "office head"),
        "coordinator": ("үйлестіруші", "координатор"),
        "scrum_manager": ("scrum", "скрам-менеджер", "скрам менеджер", "scrum master"),
        "program_manager": ("руководитель программы",),
        "project_manager": ("руководитель проекта", "pm"),
        "analyst": ("талдаушы", "аналитик", "business analyst"),
        "team_member": ("мүше", "участник", "член команды", "developer", "әзірлеуші", "разработчик", "member"),
        "stakeholder": ("серіктес", "стейкхолдер", "стейкхолдер", "партнер"),
    },
    MeetingType: {
        "daily": ("күнделікті", "ежедневная", "дейли", "daily standup", "standup", "stand-up"),
        "sprint_planning": ("спринт жоспарлау", "планирование", "planning"),
        "sprint_review": ("спринт бойынша шолу", "демонстрация", "review", "demo"),
        "monthly_report": ("ай сайынғы", "ежемесячная", "monthly"),
        "quarterly_report": ("тоқсан сайынғы", "ежеквартальная", "quarterly"),
        "other": ("өзге", "иное", "прочее"),
    },
    FundingSource: {
        "republican_budget": ("рб", "республиканский", "республикалық", "republican", "state budget"),
        "local_budget": ("мб", "жб", "местный", "жергілікті", "local"),
        "extra_budgetary": ("бюджеттен тыс", "внебюджет", "внебюджетный", "extrabudgetary", "off-budget"),
        "additional_funding_required": (
            "қосымша қаржыландыру",
            "доп. финансирование",
            "дополнительное финансирование",
            "additional funding",
            "unfunded",
        ),
    },
    Decision: {
        "pending": ("қаралу үстінде", "рассматривается", "в работе", "under review"),
        "approved": ("мақұлданды", "бекітілген", "утверждено", "одобрен", "accepted"),
        "rejected": ("қабылданбаған", "отказано", "отклонен", "declined"),
    },
    RoadmapEventKind: {
        "submitted": ("келісуге жіберілді", "направлен на согласование", "submitted for agreement", "поступил"),
        "agreed": ("келісілді", "согласован", "согласовано", "agreement"),
        "rework": ("пысықтауға", "на доработку", "доработка", "returned"),
        "approved": ("бекітілді", "утвержден", "утверждено", "approval"),
        "published_portal": ("архитектуралық портал", "архитектурный портал", "portal"),
        "published_site": ("интернет-ресурс", "сайт", "website", "site"),
        "published_pmis": ("жобалық басқару жүйесі", "ис пу", "испу", "pmis"),
        "team_formed": ("команда құрылды", "команда сформирована", "team formed"),
        "notice_posted": ("хабарлама", "информация размещена", "notice"),
        "schedule_drafted": ("кесте әзірленді", "план-график разработан", "schedule drawn up"),
        "schedule_approved": ("кесте бекітілді", "план-график утвержден", "schedule approved"),
        "schedule_entered": ("кесте енгізілді", "план-график внесен", "schedule entered"),
        "target_approved": ("нысаналы нұсқа бекітілді", "целевой вариант утвержден", "target approved"),
        "target_published": ("нысаналы нұсқа орналастырылды", "целевой вариант размещен", "target published"),
        "evaluation_reviewed": ("бағалау қаралды", "оценка рассмотрена", "evaluation"),
    },
    ChangeGround: {
        n: (
            *words,
            f"п. {n}",  # as the decree's items are cited: "п. 6", "пп. 6", "6-т.", "6) …"
            f"п.{n}",
            f"пп. {n}",
            f"подпункт {n}",
            f"{n}-т.",
            f"{n}-тармақша",
            f"case {n}",
        )
        for n, words in {
            "1": (
                "бағалау нәтижесі",
                "по результатам оценки",
                "review",
                "evaluation",
                "1) по результатам рассмотрения и оценки",
            ),
            "2": ("пилот", "пилотные проекты", "pilot", "2) по итогам осуществления пилотных проектов"),
            "3": (
                "жоспарлау құжаттары",
                "документы системы государственного планирования",
                "planning documents",
                "3) в связи с внесением изменений в документы системы государственного планирования",
            ),
            "4": (
                "қайта ұйымдастыру",
                "реорганизация",
                "reorganisation",
                "reorganization",
                "4) значительном изменении текущей деятельности",
            ),
            "5": ("құзыреттен тыс", "вне компетенции", "external"),
            "6": (
                "көзделмеген",
                "не предусмотренные",
                "other",
                "not provided for",
                "6) не предусмотренные случаи",
                "6) в случаях, не предусмотренных настоящими правилами",
                "в случаях, не предусмотренных настоящими правилами",
            ),
        }.items()
    },
    DecisionKind: {
        "priority": ("басымдық", "приоритет", "priorities"),
        "discrepancy": ("сәйкессіздік", "несоответствие", "расхождение", "mismatch"),
        "budget": ("бюджеттер", "баланстық бюджет", "финансирование", "funding"),
        "team_size": ("команда", "команда саны", "численность", "штат", "team"),
        "other": ("өзге", "иное", "прочее"),
    },
}

# --------------------------------------------------------------------------------------------
# Field markers


@dataclass(frozen=True)
class Key:
    """The field is part of the table's natural key (rows are upserted by it)."""


@dataclass(frozen=True)
class Ref:
    """The field refers to a row of another table, known in the file or in the database."""

    table: str
    field: str


@dataclass(frozen=True)
class Percent:
    """A percentage 0–100; ``85%`` reads as 85 and a share 0–1 is read ×100 with a warning."""


@dataclass(frozen=True)
class PersonName:
    """A person's name: matched to other names ignoring case and repeated spaces (DOMAIN §4.3)."""


@dataclass(frozen=True)
class NameList:
    """Names separated by ``,`` ``;`` or line breaks: compared as a set (order, case, spacing and
    separators do not make a change)."""


@dataclass(frozen=True)
class Aliases:
    """Header spellings accepted besides the catalog labels (any language)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Order:
    """``later`` may not be before ``earlier`` in the same row."""

    earlier: str
    later: str


class TableModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: ClassVar[str]
    order_rules: ClassVar[tuple[Order, ...]] = ()


ProjectRef = Annotated[str, Ref("projects", "project_id"), Aliases(("project", "проект", "жоба"))]
IndicatorRef = Annotated[str, Ref("indicators", "indicator_id"), Aliases(("indicator", "индикатор"))]

# --------------------------------------------------------------------------------------------
# Tables (DOMAIN §3)


class Project(TableModel):
    """Project passport (Reg §2.3, §23)."""

    table = "projects"
    order_rules = (Order("start_date", "end_date"), Order("start_date", "completed_on"))

    project_id: Annotated[str, Key(), Aliases(("id", "project code", "код", "код проекта", "шифр"))]
    name: Annotated[str, Aliases(("project", "title", "наименование", "название проекта", "атауы"))]
    program: Annotated[str | None, Aliases(("programme", "бағдарламасы"))] = None
    strategic_goal: Annotated[str | None, Aliases(("goal", "цель", "мақсат"))] = None
    curator: Annotated[str | None, PersonName()] = None
    program_manager: Annotated[str | None, PersonName(), Aliases(("руководитель программы",))] = None
    project_manager: Annotated[str | None, PersonName(), Aliases(("руководитель проекта", "pm"))] = None
    start_date: Annotated[dt.date, Aliases(("start", "начало", "басталуы"))]
    end_date: Annotated[
        dt.date,
        Aliases(
            (
                "end",
                "deadline",
                "passport deadline",
                "срок",
                "срок завершения",
                "дата окончания",
                "дата завершения",
                "аяқталу мерзімі",
                "аяқталу күні",
            )
        ),
    ]
    status: Annotated[ProjectStatus | None, Aliases(("state", "состояние", "жай-күйі"))] = None
    completed_on: Annotated[dt.date | None, Aliases(("actual end", "дата фактического завершения"))] = None
    approved_on: Annotated[dt.date | None, Aliases(("approved", "дата утверждения"))] = None
    description: Annotated[str | None, Aliases(("summary", "aims"))] = None
    # the source system's own rating (a delivery-confidence assessment, "Amber/Green"): shown
    # beside the computed RAG, never in its place
    reported_rag: Annotated[
        str | None,
        Aliases(("delivery confidence", "source rag", "reported status", "оценка источника", "дереккөз бағасы")),
    ] = None


class Indicator(TableModel):
    """Target indicators and KPIs (Reg §2.4–2.5, §21; DT §18–19)."""

    table = "indicators"

    indicator_id: Annotated[str, Key(), Aliases(("id", "код", "код показателя"))]
    project_id: ProjectRef
    name: Annotated[str, Aliases(("indicator", "наименование", "показатель", "атауы"))]
    kind: Annotated[IndicatorKind | None, Aliases(("type", "тип", "вид индикатора"))] = None
    parent_id: Annotated[
        str | None,
        Ref("indicators", "indicator_id"),
        Aliases(("parent", "target indicator", "код целевого индикатора", "мақсатты индикатор коды")),
    ] = None
    unit: Annotated[str | None, Aliases(("ед. изм.", "өлшем бірл."))] = None
    baseline: Annotated[float, Aliases(("base", "база", "базовое", "базалық"))]
    target: Annotated[float, Aliases(("target value", "цель", "план", "мақсат"))]
    direction: Direction = Direction.increase
    deadline: Annotated[dt.date, Aliases(("due", "срок", "мерзімі"))]
    weight: Annotated[float, Field(ge=0), Aliases(("вес индикатора",))] = 1.0
    criterion: Annotated[Criterion | None, Aliases(("критерий", "өлшемшарт", "dt criterion"))] = None
    direction_id: Annotated[
        str | None,
        Ref("roadmap_directions", "direction_id"),
        Aliases(("roadmap direction", "направление дорожной карты", "жол картасының бағыты")),
    ] = None


class IndicatorValue(TableModel):
    """Actual values of indicators by period (Reg §44–45)."""

    table = "indicator_values"

    indicator_id: Annotated[str, Key(), Ref("indicators", "indicator_id"), Aliases(("indicator", "индикатор"))]
    period_end: Annotated[
        dt.date,
        Key(),
        Aliases(("period", "quarter", "date", "период", "квартал", "дата", "кезең", "тоқсан", "күні")),
    ]
    actual: Annotated[float, Aliases(("value", "fact", "факт", "значение", "мән", "нақты"))]
    comment: Annotated[str | None, Aliases(("note", "примечание", "ескертпе"))] = None


class Activity(TableModel):
    """Activities of the detailed plan (Reg §2.6, §26–27, §45)."""

    table = "activities"
    order_rules = (Order("planned_start", "planned_end"),)

    activity_id: Annotated[str, Key(), Aliases(("id", "task id", "код", "№"))]
    project_id: ProjectRef
    name: Annotated[str, Aliases(("activity", "task", "мероприятие", "задача", "іс-шара"))]
    stage: Annotated[str | None, Aliases(("phase", "milestone", "кезең", "этап проекта"))] = None
    responsible: Annotated[str | None, PersonName(), Aliases(("owner", "исполнитель", "орындаушы"))] = None
    planned_start: Annotated[dt.date | None, Aliases(("start", "начало", "басталуы"))] = None
    planned_end: Annotated[
        dt.date,
        Aliases(("due", "due date", "planned finish", "end", "срок", "срок исполнения", "мерзімі")),
    ]
    actual_end: Annotated[
        dt.date | None,
        Aliases(("actual finish", "completed on", "факт", "дата исполнения", "орындалған күні")),
    ] = None
    status: Annotated[ActivityStatus | None, Aliases(("state", "состояние"))] = None
    percent_complete: Annotated[
        float | None, Percent(), Field(ge=0, le=100), Aliases(("% complete", "progress", "прогресс", "%"))
    ] = None
    expected_result: Annotated[str | None, Aliases(("result", "deliverable", "результат", "нәтиже"))] = None
    indicator_id: Annotated[str | None, Ref("indicators", "indicator_id"), Aliases(("indicator", "индикатор"))] = None


class Risk(TableModel):
    """Risk register (Reg §31, §42–43)."""

    table = "risks"
    order_rules = (Order("identified_on", "last_reviewed_on"),)

    risk_id: Annotated[str, Key(), Aliases(("id", "код", "№"))]
    project_id: ProjectRef
    title: Annotated[
        str,
        Aliases(
            ("risk", "description", "name", "наименование риска", "описание риска", "тәуекел атауы", "сипаттамасы")
        ),
    ]
    category: Annotated[RiskCategory | None, Aliases(("type", "тип", "түрі"))] = None
    probability: Annotated[int, Field(ge=1, le=5), Aliases(("likelihood", "p", "вероятность", "ықтималдығы"))]
    impact: Annotated[int, Field(ge=1, le=5), Aliases(("severity", "i", "влияние", "воздействие", "әсері"))]
    priority: Annotated[Priority | None, Aliases(("level", "уровень", "деңгейі"))] = None
    owner: Annotated[str | None, PersonName(), Aliases(("responsible", "ответственный", "жауапты"))] = None
    mitigation: Annotated[str | None, Aliases(("mitigation plan", "меры", "шаралар"))] = None
    alternative_plan: Annotated[str | None, Aliases(("contingency", "contingency plan", "балама"))] = None
    identified_on: Annotated[dt.date | None, Aliases(("identified", "raised on", "выявлен", "анықталды"))] = None
    last_reviewed_on: Annotated[
        dt.date | None, Aliases(("reviewed on", "last review", "переоценка", "қайта бағаланды"))
    ] = None
    status: Annotated[RiskStatus | None, Aliases(("state", "состояние"))] = None


class TeamMember(TableModel):
    """Project team and released share of working time (Reg §4, §10, §15, §17)."""

    table = "team"
    order_rules = (Order("from_date", "to_date"),)

    project_id: Annotated[str, Key(), Ref("projects", "project_id"), Aliases(("project", "проект", "жоба"))]
    person: Annotated[str, Key(), PersonName(), Aliases(("name", "employee", "фио", "аты-жөні", "ф.и.о."))]
    role: Annotated[Role, Aliases(("роль в проекте", "рөл"))]
    allocation_pct: Annotated[
        float,
        Percent(),
        Field(ge=0, le=100),
        Aliases(
            (
                "allocation",
                "share",
                "release",
                "доля",
                "доля освобождения",
                "процент участия",
                "үлесі",
                "босату үлесі",
                "қатысу пайызы",
            )
        ),
    ]
    from_date: Annotated[dt.date | None, Key(), Aliases(("from", "start", "с", "начало"))] = None
    to_date: Annotated[dt.date | None, Aliases(("to", "until", "end", "по", "окончание"))] = None


class Meeting(TableModel):
    """Meetings held (Reg §32–38)."""

    table = "meetings"

    meeting_id: Annotated[str, Key(), Aliases(("id", "код", "№"))]
    project_id: ProjectRef
    type: Annotated[MeetingType, Aliases(("kind", "тип", "вид встречи", "түрі"))]
    date: Annotated[dt.date, Aliases(("meeting date", "дата встречи", "кездесу күні"))]
    duration_min: Annotated[float, Field(gt=0), Aliases(("duration", "minutes", "длительность", "минут", "ұзақтығы"))]
    attendees: Annotated[
        str | None, NameList(), Aliases(("participants", "present", "участники", "присутствовали"))
    ] = None
    teams_presented: Annotated[int, Field(ge=1), Aliases(("teams", "команд", "командалар"))] = 1


class BudgetLine(TableModel):
    """Budget by funding source (Reg §26, §29, §47; DT §17.2)."""

    table = "budget"

    project_id: Annotated[str, Key(), Ref("projects", "project_id"), Aliases(("project", "проект", "жоба"))]
    year: Annotated[int, Key(), Field(ge=1990, le=2100), Aliases(("fiscal year", "финансовый год", "қаржы жылы"))]
    funding_source: Annotated[FundingSource, Key(), Aliases(("source", "источник", "көзі"))]
    planned: Annotated[float, Field(ge=0), Aliases(("plan", "budget", "план", "жоспар", "запланировано"))]
    spent: Annotated[float | None, Field(ge=0), Aliases(("actual", "spent", "факт", "освоено", "игерілді"))] = None


class ChangeRequest(TableModel):
    """Passport change requests (Reg §30, §39–40)."""

    table = "changes"
    order_rules = (Order("submitted_on", "decided_on"),)

    change_id: Annotated[str, Key(), Aliases(("id", "код", "№"))]
    project_id: ProjectRef
    submitted_on: Annotated[dt.date, Aliases(("submitted", "date", "дата", "күні"))]
    description: Annotated[str | None, Aliases(("change", "изменение", "өзгеріс"))] = None
    decision: Annotated[Decision | None, Aliases(("status", "статус", "мәртебесі"))] = None
    decided_on: Annotated[dt.date | None, Aliases(("decision date", "дата решения"))] = None


class Evaluation(TableModel):
    """Project evaluation reports (Reg §47–50)."""

    table = "evaluations"

    project_id: Annotated[str, Key(), Ref("projects", "project_id"), Aliases(("project", "проект", "жоба"))]
    submitted_on: Annotated[dt.date, Aliases(("submitted", "report date", "дата отчета", "есеп күні"))]
    final_result: Annotated[str | None, Aliases(("result", "результат", "нәтиже"))] = None
    budget_absorbed_pct: Annotated[
        float | None, Percent(), Field(ge=0), Aliases(("absorption", "освоение", "игерілуі"))
    ] = None
    lessons_learned: Annotated[str | None, Aliases(("lessons", "уроки", "сабақтар"))] = None


class MeetingDecision(TableModel):
    """Decisions of the curator's quarterly meeting: priorities, discrepancies, budgets and team
    sizes (Reg §34), each with who does it by when."""

    table = "decisions"
    order_rules = (Order("meeting_date", "due_date"), Order("meeting_date", "done_on"))

    decision_id: Annotated[str, Key(), Aliases(("id", "код", "№", "код решения", "шешім коды"))]
    project_id: ProjectRef
    meeting_date: Annotated[
        dt.date, Aliases(("meeting", "date", "дата", "дата заседания", "дата встречи", "кездесу күні", "күні"))
    ]
    kind: Annotated[DecisionKind, Aliases(("type", "тип", "вид", "түрі", "вид решения", "шешім түрі"))] = (
        DecisionKind.other
    )
    text: Annotated[
        str, Aliases(("decision", "description", "решение", "шешім", "содержание", "мазмұны", "формулировка"))
    ]
    responsible: Annotated[
        str | None, PersonName(), Aliases(("owner", "исполнитель", "ответственный", "орындаушы", "жауапты"))
    ] = None
    due_date: Annotated[dt.date | None, Aliases(("due", "deadline", "срок", "срок исполнения", "мерзімі"))] = None
    done_on: Annotated[
        dt.date | None, Aliases(("done", "completed on", "исполнено", "дата исполнения", "орындалған күні"))
    ] = None


class Roadmap(TableModel):
    """A state body's digital-transformation roadmap for three years (DT §16–17, §23–25)."""

    table = "roadmaps"
    order_rules = (Order("period_from", "period_to"),)

    roadmap_id: Annotated[str, Key(), Aliases(("id", "код", "код дорожной карты", "жол картасының коды"))]
    agency: Annotated[str, Aliases(("state body", "body", "госорган", "государственный орган", "мемлекеттік орган"))]
    name: Annotated[str, Aliases(("roadmap", "дорожная карта", "жол картасы", "наименование", "атауы"))]
    period_from: Annotated[int, Field(ge=2000, le=2100), Aliases(("from", "с", "начало периода", "кезеңнің басы"))]
    period_to: Annotated[int, Field(ge=2000, le=2100), Aliases(("to", "по", "конец периода", "кезеңнің соңы"))]
    version: Annotated[str | None, Aliases(("редакция", "версия", "нұсқа"))] = None
    deputy_head: Annotated[
        str | None,
        PersonName(),
        Aliases(("deputy head for digitalisation", "курирующий заместитель", "цифрландыру жөніндегі орынбасар")),
    ] = None


class RoadmapDirection(TableModel):
    """A strategic direction of a roadmap, its financed and unfinanced parts kept apart (DT §17.2,
    §18); its target and effectiveness indicators are rows of ``indicators`` naming it."""

    table = "roadmap_directions"

    direction_id: Annotated[str, Key(), Aliases(("id", "код", "код направления", "бағыт коды"))]
    roadmap_id: Annotated[str, Ref("roadmaps", "roadmap_id"), Aliases(("roadmap", "дорожная карта", "жол картасы"))]
    name: Annotated[str, Aliases(("direction", "направление", "бағыт", "наименование", "атауы"))]
    project_id: Annotated[str | None, Ref("projects", "project_id"), Aliases(("project", "проект", "жоба"))] = None
    financed: Annotated[
        float | None, Field(ge=0), Aliases(("financed amount", "обеспечено финансированием", "қаржыландырылған"))
    ] = None
    additional_funding: Annotated[
        float | None,
        Field(ge=0),
        Aliases(("additional funding required", "требует доп. финансирования", "қосымша қаржыландыру")),
    ] = None


class RoadmapEvent(TableModel):
    """What happened to a roadmap or one of its changes, and when (DT §24–25, §34, §37–40, §45, §52)."""

    table = "roadmap_events"

    roadmap_id: Annotated[
        str, Key(), Ref("roadmaps", "roadmap_id"), Aliases(("roadmap", "дорожная карта", "жол картасы"))
    ]
    kind: Annotated[RoadmapEventKind, Key(), Aliases(("event", "step", "событие", "шаг", "оқиға", "кезең"))]
    event_date: Annotated[dt.date, Key(), Aliases(("date", "дата", "күні"))]
    change_id: Annotated[
        str | None, Key(), Ref("roadmap_changes", "change_id"), Aliases(("change", "изменение", "өзгеріс"))
    ] = None  # in the key: a change's step may fall on the day of the roadmap's own step of that kind
    document: Annotated[str | None, Aliases(("document number", "номер документа", "№ документа", "құжат нөмірі"))] = (
        None
    )
    comment: Annotated[str | None, Aliases(("note", "примечание", "ескертпе"))] = None


class RoadmapChange(TableModel):
    """A change of an approved roadmap and its ground (DT §51–52); its steps are ``roadmap_events``
    naming it."""

    table = "roadmap_changes"

    change_id: Annotated[str, Key(), Aliases(("id", "код", "код изменения", "өзгеріс коды"))]
    roadmap_id: Annotated[str, Ref("roadmaps", "roadmap_id"), Aliases(("roadmap", "дорожная карта", "жол картасы"))]
    ground: Annotated[ChangeGround, Aliases(("case", "основание", "негіз", "п. 51", "51-т."))]
    description: Annotated[str | None, Aliases(("описание", "сипаттамасы", "содержание"))] = None


MODELS: Final[tuple[type[TableModel], ...]] = (
    Project,
    Indicator,
    IndicatorValue,
    Activity,
    Risk,
    TeamMember,
    Meeting,
    BudgetLine,
    ChangeRequest,
    Evaluation,
    MeetingDecision,
    Roadmap,
    RoadmapDirection,
    RoadmapEvent,
    RoadmapChange,
)

# --------------------------------------------------------------------------------------------
# The specs the importer works from

Kind = Literal["text", "date", "number", "integer", "enum"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Kind
    required: bool
    default: object
    key: bool
    enum: type[StrEnum] | None
    ref: Ref | None
    percent: bool
    person: bool
    ge: float | None
    gt: float | None
    le: float | None
    aliases: tuple[str, ...]
    name_list: bool = False

    @property
    def sql_type(self) -> str:
        return {"text": "VARCHAR", "date": "DATE", "number": "DOUBLE", "integer": "INTEGER", "enum": "VARCHAR"}[
            self.kind
        ]


@dataclass(frozen=True)
class TableSpec:
    name: str
    model: type[TableModel]
    fields: tuple[FieldSpec, ...]
    order_rules: tuple[Order, ...]

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.key)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _unwrap_optional(tp: object) -> object:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _kind(tp: object) -> tuple[Kind, type[StrEnum] | None]:
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return "enum", tp
    if tp is dt.date:
        return "date", None
    if tp is float:
        return "number", None
    if tp is int:
        return "integer", None
    if tp is str:
        return "text", None
    raise TypeError(f"unsupported field type {tp!r}")


def _field_spec(name: str, model: type[TableModel]) -> FieldSpec:
    info = model.model_fields[name]
    meta = list(info.metadata)
    kind, enum = _kind(_unwrap_optional(info.annotation))
    ge = gt = le = None
    aliases: tuple[str, ...] = ()
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            ge = float(typing.cast(float, m.ge))
        elif isinstance(m, annotated_types.Gt):
            gt = float(typing.cast(float, m.gt))
        elif isinstance(m, annotated_types.Le):
            le = float(typing.cast(float, m.le))
        elif isinstance(m, Aliases):
            aliases += m.names
    return FieldSpec(
        name=name,
        kind=kind,
        required=info.is_required(),
        default=None if info.is_required() else info.default,
        key=any(isinstance(m, Key) for m in meta),
        enum=enum,
        ref=next((m for m in meta if isinstance(m, Ref)), None),
        percent=any(isinstance(m, Percent) for m in meta),
        person=any(isinstance(m, PersonName) for m in meta),
        name_list=any(isinstance(m, NameList) for m in meta),
        ge=ge,
        gt=gt,
        le=le,
        aliases=aliases,
    )


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every table of the contract, in workbook order."""
    return {
        m.table: TableSpec(
            name=m.table,
            model=m,
            fields=tuple(_field_spec(n, m) for n in m.model_fields),
            order_rules=m.order_rules,
        )
        for m in MODELS
    }


TABLES: Final[tuple[str, ...]] = tuple(m.table for m in MODELS)
