"""Every text the visitor reads exists in English and Russian (ui/i18n.py).

These fail when someone adds a page text that is not a key, a key without Russian, or a
server-made message written as a literal: add it to ui/i18n.py in both languages.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import timedelta
from pathlib import Path

import pytest

import providers
from canvas.fair_share import VisitorBusyError
from canvas.generation import FRAME_KINDS, Frame
from providers import (
    BadRequestError,
    ProgressUpdate,
    QuotaExceededError,
    ResponseError,
    StabilityAI_SD35Large,
)
from providers.errors import from_app_error
from ui import i18n
from ui.text import plain

ROOT = Path(__file__).resolve().parent.parent
CYRILLIC = re.compile("[а-яА-ЯёЁ]")
I18N_KEY = re.compile(r'__i18n__\{"__type__": "translation_metadata", "key": "([^"]+)"\}')
# Properties the page shows as text, and the components whose value is shown text.
TEXT_PROPS = ("label", "info", "placeholder", "title", "description")
TEXT_VALUES = {"markdown", "button", "loginbutton", "html"}
# Model names, as Markdown shows them and as choices do.
MODEL_NAMES = {
    name
    for e in providers.registry.entries()
    for name in (plain(e.provider.display_name), e.provider.display_name)
}
# Known gaps, each to be worded in ui/i18n.py (none now).
NOT_YET_RUSSIAN: set[str] = set()


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def page_config():
    import app

    return app.demo.get_config_file()


def api_only(config) -> set[int]:
    """Components that only events without a trigger on the page (API endpoints) use."""
    used = {True: set(), False: set()}
    for dependency in config["dependencies"]:
        on_page = bool(dependency.get("targets"))
        used[on_page] |= set(dependency["inputs"]) | set(dependency["outputs"])
    return used[False] - used[True]


def test_every_text_on_the_page_is_a_key_with_english_and_russian(page_config):
    untranslated = []
    for component in page_config["components"]:
        props = component.get("props", {})
        if component["id"] in api_only(page_config) and props.get("visible") is False:
            continue  # never on the page: an API endpoint's own inputs and outputs
        if props.get("elem_id") in NOT_YET_RUSSIAN:
            continue
        names = list(TEXT_PROPS)
        if component["type"] in TEXT_VALUES:
            names.append("value")
        # A menu's or checkbox group's choices: (name shown, value) pairs.
        shown = [("choice", choice[0]) for choice in props.get("choices") or []]
        for name, value in [(name, props.get(name)) for name in names] + shown:
            if not isinstance(value, str) or not value.strip():
                continue
            if value in MODEL_NAMES:
                continue  # a proper name reads the same in every language
            keys = I18N_KEY.findall(value)
            rest = I18N_KEY.sub("", value)
            # Around a key only numbers and signs may stay (e.g. "<key> 1024 × 1024"); a
            # text of numbers and signs alone ("16:9") reads the same in every language.
            if re.search(r"[^\W\d_]", rest):
                untranslated.append(f"{component['type']}.{name} = {value!r}")
            untranslated += [f"unknown key {key!r}" for key in keys if key not in i18n.PAGE]
    assert untranslated == [], "texts not in ui/i18n.py:\n" + "\n".join(untranslated)
    import app  # the launch gives the page its translations

    assert app.launch_options()["i18n"] is i18n.I18N


def test_every_text_has_russian_with_the_same_fields():
    for key, (english, russian) in i18n.PAGE.items():
        assert english.strip() and CYRILLIC.search(russian), f"{key!r} has no Russian"
        assert fields(english) == fields(russian), key


def test_every_model_has_a_russian_description():
    for entry in providers.registry.entries():
        assert CYRILLIC.search(i18n.model_description(entry.name, "ru")), entry.name
        assert i18n.model_description(entry.name, "en") == entry.provider.description


def test_messages_made_on_the_server_are_never_literals():
    # gr.Error("...") or status_line("...") in ui/ would reach a Russian visitor in English.
    literals = []
    for path in (ROOT / "ui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = ast.unparse(node.func)
            if name in {"gr.Error", "gr.Info", "gr.Warning", "status_line"} and isinstance(
                node.args[0], ast.Constant | ast.JoinedStr
            ):
                literals.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert literals == []


def test_every_kind_of_status_line_is_worded_in_russian():
    assert set(i18n.FRAMES) == set(FRAME_KINDS)
    record = type(
        "Record",
        (),
        {
            "model_label": "FLUX.1 [dev]",
            "parameters": type("P", (), {"seed": 42, "width": 1024, "height": 768})(),
        },
    )()
    frames = {
        "sending": Frame("", kind="sending", facts={"model": "FLUX.1 [dev]"}),
        "progress": Frame(
            "", kind="progress", facts={"progress": ProgressUpdate("queued", queue_position=2)}
        ),
        "preview": Frame("", kind="preview", facts={"step": 3, "total": 28}),
        "done": Frame("", record=record, kind="done"),
        "fallback": Frame(
            "",
            kind="fallback",
            facts={"error": QuotaExceededError("quota", upstream_message=""), "model": "X"},
        ),
    }
    assert set(frames) == set(FRAME_KINDS)
    assert i18n.frame_text(frames["done"], "ru") == "Готово: FLUX.1 [dev] · зерно 42 · 1024×768"
    assert i18n.frame_text(frames["progress"], "ru") == "Ожидание в очереди Space (место 3)"
    assert i18n.frame_text(frames["preview"], "ru") == "Предпросмотр (шаг 3 из 28)"
    for frame in frames.values():
        assert CYRILLIC.search(i18n.frame_text(frame, "ru")), frame.kind
    assert i18n.frame_text(Frame("Step 1 of 4", kind="progress"), "en") == "Step 1 of 4"


def every_subclass(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from every_subclass(sub)


def test_every_provider_error_class_has_its_own_russian():
    generic = i18n.ERRORS_RU["error"]
    assert all(key in i18n.ERRORS_RU for _, key in i18n.ERROR_CLASSES)
    for cls in every_subclass(ResponseError):
        if cls.__module__.startswith("providers"):
            assert any(issubclass(cls, known) for known, _ in i18n.ERROR_CLASSES), cls
    assert CYRILLIC.search(generic)
    assert CYRILLIC.search(i18n.error_text(VisitorBusyError(2), "ru"))


def test_every_reason_for_bad_input_has_russian_with_its_fields():
    # Every `reason="..."` a provider gives a BadRequestError.
    reasons = set()
    for path in [*(ROOT / "providers").glob("*.py"), *(ROOT / "canvas").glob("*.py")]:
        reasons |= set(re.findall(r'reason="(\w+)"', path.read_text()))
    assert reasons, "no reasons found: has BadRequestError changed?"
    assert reasons <= set(i18n.ERRORS_RU), reasons - set(i18n.ERRORS_RU)


def bad_request(**arguments) -> BadRequestError:
    with pytest.raises(BadRequestError) as caught:
        StabilityAI_SD35Large.prepare(**{"prompt": "a fox", **arguments})
    return caught.value


def test_bad_input_in_russian_is_made_from_the_errors_fields_and_english_stays():
    error = bad_request(guidance_scale=14)
    assert error.message.endswith("guidance_scale must be between 0 and 7.5, not 14.")
    assert i18n.error_text(error, "en") == error.message
    assert i18n.error_text(error, "ru") == (
        "Следование запросу (guidance): значение должно быть от 0 до 7.5, а не 14."
    )
    assert i18n.error_text(bad_request(prompt=" "), "ru") == "Запрос пуст: опишите изображение."
    assert "16:9" in i18n.error_text(bad_request(aspect_ratio="7:5"), "ru")
    assert "символов" in i18n.error_text(bad_request(prompt="a" * 3000), "ru")
    with pytest.raises(BadRequestError) as caught:
        providers.registry.get("flux-ultra")
    assert "Неизвестная модель 'flux-ultra'" in i18n.error_text(caught.value, "ru")


def test_a_quota_error_in_russian_gives_the_wait_from_its_field():
    error = from_app_error(
        "You have exceeded your free GPU quota (75s requested vs. 0s left). Try again in 23:41:05",
        None,
    ).naming("FLUX.1 [dev]")
    assert error.wait == timedelta(hours=23, minutes=41, seconds=5)
    assert "Try again in about 23 h 41 min" in error.message  # API and g4f callers
    text = i18n.error_text(error, "ru")
    assert text.startswith("FLUX.1 [dev]: ваша бесплатная квота GPU")
    assert "примерно через 23 ч 41 мин" in text


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-US,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,ru;q=0.5", "ru"),
        ("de-DE", "en"),
        ("en;q=0.3, ru;q=0.7", "ru"),
        ("", "en"),
        ("garbage;q=x", "en"),
    ],
)
def test_the_language_is_the_most_wanted_one_the_page_has(header, language):
    request = type("Request", (), {"headers": {"accept-language": header}})()
    assert i18n.language_of(request) == language
    assert i18n.language_of(None) == "en"


def test_compares_words_have_russian_for_every_quota_tier_and_count():
    from canvas import quota

    assert {tier.name for tier in quota.TIERS} <= set(i18n.TIERS_RU)
    counts = [i18n.count("images_count", n, "ru") for n in (1, 2, 5, 11, 21, 22)]
    assert counts == [
        "1 изображение", "2 изображения", "5 изображений", "11 изображений", "21 изображение",
        "22 изображения",
    ]  # fmt: skip
    assert i18n.count("images_count", 1, "en") == "1 image"
    assert i18n.count("models_count", 3, "en") == "3 models"


@pytest.mark.parametrize(
    ("models", "russian"),
    [
        ([], "Модели не выбраны: выберите хотя бы одну."),
        (["flux-dev"] * 2, "Модель FLUX.1 [dev] выбрана дважды."),
        (["flux-dev", "sd-3.5-large", "flux-schnell", "z-image-turbo", "qwen-image-fast"],
         "Моделей выбрано 5, а можно не больше 4."),
    ],
)  # fmt: skip
def test_a_bad_choice_of_models_for_compare_reads_in_russian(models, russian):
    from canvas import compare

    with pytest.raises(BadRequestError) as caught:
        compare.plan(compare.Run(prompt="a fox", models=models))
    assert i18n.error_text(caught.value, "ru") == russian


def test_a_models_own_bound_in_compare_names_the_model_in_russian_too():
    from canvas import compare

    run = compare.Run(prompt="a fox", models=["flux-dev", "sd-3.5-large"], guidance_scale=9)
    with pytest.raises(BadRequestError) as caught:
        compare.plan(run)
    assert caught.value.message == (
        "Stable Diffusion 3.5 Large: guidance_scale must be between 0 and 7.5, not 9."
    )
    assert i18n.error_text(caught.value, "ru") == (
        "Stable Diffusion 3.5 Large: Следование запросу (guidance): значение должно быть от 0 "
        "до 7.5, а не 9."
    )
