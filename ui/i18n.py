"""Every text the visitor reads, in English and Russian: the one place translations live.

The page's fixed text (labels, placeholders, info lines, buttons, Markdown) is a key, `t(key)`,
which the browser shows in its language (`gr.I18n`, given to `launch(i18n=...)`). Text made on
the server (status lines, notes, error pop-ups) is worded with `say(key, language, ...)` in the
language of the request (`language_of`, from Accept-Language). Provider errors keep their one
English message for API and g4f callers; `error_text` words them for the page from their class
and fields. A new visible text gets a key here, in both languages: tests/test_i18n.py fails on
a page text that is not a key, and on a key without Russian.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

import providers
from canvas import models
from canvas.fair_share import VisitorBusyError
from canvas.generation import Frame, ImageRecord
from providers import (
    BadRequestError,
    MalformedOutputError,
    ModelNotFoundError,
    OfflineError,
    ProgressUpdate,
    QuotaExceededError,
    ResponseError,
    SpaceChangedError,
    SpaceUnavailableError,
    UpstreamAppError,
    UpstreamTimeoutError,
)
from providers.errors import format_wait

LANGUAGES = ("en", "ru")  # the first is the default
ENGLISH, RUSSIAN = LANGUAGES

# key: (English, Russian). Fields in braces are filled by `say`.
TEXT: dict[str, tuple[str, str]] = {
    # ---- the page ----
    "header": (
        "# Space Canvas\nMake images with the free image Spaces on Hugging Face. "
        "Type a prompt, pick a model, press **Generate**; or compare models side by side.",
        "# Space Canvas\nИзображения с помощью бесплатных Spaces для генерации картинок на "
        "Hugging Face. Опишите картинку, выберите модель, нажмите **Создать** — или сравните "
        "модели рядом.",
    ),
    "prompt": ("Prompt", "Запрос"),
    "create_tab": ("Create", "Создать"),
    "compare_tab": ("Compare", "Сравнить"),
    "compare_run": ("Compare", "Сравнить"),
    "download_all": ("Download all", "Скачать все"),
    "download_session": ("Download all as a zip", "Скачать все одним zip-архивом"),
    "session_zip": ("All your images", "Все ваши изображения"),
    "nothing_to_download": (
        "Make an image first: there is nothing to download yet.",
        "Сначала создайте изображение: скачивать пока нечего.",
    ),
    "compare_models": ("Models", "Модели"),
    "compare_models_info": (
        "One for several images, or two to four to compare",
        "Одна — для нескольких изображений, или от двух до четырёх — для сравнения",
    ),
    "images_per_model": ("Images per model", "Изображений на модель"),
    "negative_info": ("Used by the models that take one", "Для моделей, которые его принимают"),
    "seeds_info": (
        "Image 1 takes this seed, image 2 the next, and so on",
        "Изображение 1 получает это зерно, изображение 2 — следующее, и так далее",
    ),
    "random_seeds": ("Random seeds", "Случайные зёрна"),
    "image": ("Image", "Изображение"),
    # Compare's status lines and cost note. A count's forms are split by "|": English one,
    # other; Russian one, few, many (`count`).
    "images_count": ("{n} image|{n} images", "{n} изображение|{n} изображения|{n} изображений"),
    "images_of": ("{n} image|{n} images", "{n} изображения|{n} изображений|{n} изображений"),
    "models_count": ("{n} model|{n} models", "{n} модель|{n} модели|{n} моделей"),
    "compare_waiting": ("Waiting to start…", "Ожидание запуска…"),
    "compare_running": ("Making {images} on {models}…", "Создаю {images}, в работе {models}…"),
    "compare_done": ("Done: {made} of {images}{failed}", "Готово: {made} из {images}{failed}"),
    "compare_failed": (
        "; {failed} could not be made (see its cell).",
        "; не удалось: {failed} (см. ячейки).",
    ),
    "cell_caption": ("{caption} · {seconds} s", "{caption} · {seconds} с"),
    "cost_unknown": ("Cost: choose the models first.", "Стоимость: сначала выберите модели."),
    "cost_too_many": ("Choose at most {limit} models.", "Выберите не больше {limit} моделей."),
    "cost": (
        "This run reserves {seconds} GPU seconds of your daily ZeroGPU quota ({parts}): {verdict}.",
        "Этот запуск занимает {seconds} с GPU из вашей дневной квоты ZeroGPU ({parts}): {verdict}.",
    ),
    "cost_part": ("{model} {seconds} s", "{model} {seconds} с"),
    "cost_part_images": ("{model} {images} × {seconds} s", "{model} {images} × {seconds} с"),
    "cost_within": (
        "within a day's quota even {tier} ({quota})",
        "в пределах дневной квоты даже {tier} ({quota})",
    ),
    "cost_within_other": (
        "more than a day's quota {tier} ({quota}); within it {fits} ({fits_quota})",
        "больше дневной квоты {tier} ({quota}); в пределах квоты {fits} ({fits_quota})",
    ),
    "cost_beyond": (
        "more than a day's quota even {tier} ({quota})",
        "больше дневной квоты даже {tier} ({quota})",
    ),
    "quota_minutes": ("{n} min", "{n} мин"),
    "quota_seconds": ("{n} s", "{n} с"),
    "prompt_placeholder": (
        "Describe the image, then press Enter",
        "Опишите изображение и нажмите Enter",
    ),
    "generate": ("Generate", "Создать"),
    "stop": ("Stop", "Стоп"),
    "model": ("Model", "Модель"),
    "aspect_ratio": ("Aspect ratio", "Соотношение сторон"),
    "advanced": ("Advanced", "Дополнительно"),
    "negative_prompt": ("Negative prompt", "Негативный запрос"),
    "negative_prompt_placeholder": ("What to leave out", "Чего не должно быть на картинке"),
    "width": ("Width", "Ширина"),
    "height": ("Height", "Высота"),
    "from_aspect_ratio": ("0 = from aspect ratio", "0 = по соотношению сторон"),
    "steps": ("Steps", "Шаги"),
    "guidance": ("Guidance", "Следование запросу (guidance)"),
    "seed": ("Seed", "Зерно (seed)"),
    "random_seed": ("Random seed", "Случайное зерно"),
    "login": (
        "Sign in with Hugging Face for more GPU quota",
        "Войдите через Hugging Face, чтобы получить больше квоты GPU",
    ),
    "examples": ("Try one", "Попробуйте"),
    "preview": ("Preview", "Предпросмотр"),
    "gallery": ("Your images", "Ваши изображения"),
    "selected": ("Selected image", "Выбранное изображение"),
    "parameters": ("Parameters", "Параметры"),
    "parameters_placeholder": (
        "Click an image to see how it was made",
        "Нажмите на изображение, чтобы увидеть, как оно сделано",
    ),
    "reuse": ("Reuse these settings", "Повторить с этими настройками"),
    # ---- notes and status lines ----
    "size_on_model": ("Size on this model:", "Размер на этой модели:"),  # then "W × H"
    "size_ratio": (
        " (the Space picks it for {ratio}{nearest})",
        " (Space выбирает его для {ratio}{nearest})",
    ),
    "nearest": (", the nearest it offers", ", ближайшее из доступных"),
    "model_quota": (
        "{steps} steps; each image reserves {gpu} s of your free GPU quota: about {anonymous} "
        "a day without an account, {signed_in} signed in.",
        "{steps} шагов; каждое изображение занимает {gpu} с вашей бесплатной квоты GPU: "
        "примерно {anonymous} в день без аккаунта, {signed_in} со входом.",
    ),
    "changed_space": (
        "⚠️ **This Space has changed** \\({reason}\\): {instead}.",
        "⚠️ **Этот Space изменился** \\({reason}\\): {instead}.",
    ),
    "changed_instead": (
        "{models} makes your images instead",
        "вместо него изображения сделает {models}",
    ),
    "changed_pick": ("pick another model meanwhile", "пока выберите другую модель"),
    "size_invalid": (
        "Size: check width and height (32 to 4096).",
        "Размер: проверьте ширину и высоту (от 32 до 4096).",
    ),
    "stopped": ("Stopped.", "Остановлено."),
    "sending": ("Sending to {model}…", "Отправляю в {model}…"),
    "queued": ("Waiting in the Space's queue{where}{eta}", "Ожидание в очереди Space{where}{eta}"),
    "queue_position": (" (position {position})", " (место {position})"),
    "queue_eta": (", about {seconds}s", ", около {seconds} с"),
    "step": ("Step {step} of {total}", "Шаг {step} из {total}"),
    "generating": ("Generating", "Генерация"),
    "preview_step": ("Preview (step {step} of {total})", "Предпросмотр (шаг {step} из {total})"),
    "done": ("Done: {caption}", "Готово: {caption}"),
    "caption": (
        "{model} · seed {seed} · {width}×{height}",
        "{model} · зерно {seed} · {width}×{height}",
    ),
    "fallback": ("{error} Trying {model} instead…", "{error} Пробую {model}…"),
    "tried_instead": ("{first} Tried instead: {then}", "{first} Попробовал вместо него — {then}"),
    "file": ("File: {name}", "Файл: {name}"),
    # ---- errors ----
    "input_error_title": ("Please check your input", "Проверьте введённые данные"),
    "upstream_error_title": (
        "The Space could not make this image",
        "Space не смог создать это изображение",
    ),
    "busy_title": ("One moment", "Минутку"),
    "nothing_selected": (
        "Select an image in the gallery first.",
        "Сначала выберите изображение в галерее.",
    ),
    "no_image": ("The Space finished without an image.", "Space завершил работу без изображения."),
    "no_images": (
        "The Spaces finished without an image.",
        "Spaces завершили работу без изображения.",
    ),
    "no_images_title": ("No image was made", "Ни одно изображение не создано"),
}

# Provider errors, by class (first match wins) and, for bad input, by reason: Russian only
# (the English is the error's own message). Fields: the error's attributes.
ERRORS_RU: dict[str, str] = {
    "range": "{field}: значение должно быть от {minimum} до {maximum}, а не {value}.",
    "empty": "Запрос пуст: опишите изображение.",
    "too_long": "{field}: {length} символов, а можно не больше {limit}.",
    "number": "{field}: нужно число.",
    "whole": "{field}: нужно целое число.",
    "text": "{field}: нужен текст.",
    "boolean": "{field}: нужно «да» или «нет».",
    "aspect_ratio": "Неизвестное соотношение сторон {value}. Выберите одно из: {choices}.",
    "model": "Неизвестная модель {value}. Выберите одну из: {choices}.",
    "bad_request": "{field}: недопустимое значение.",
    "refused": "Space отклонил запрос.",
    "models_list": "Модели: нужен список названий моделей.",
    "models_empty": "Модели не выбраны: выберите хотя бы одну.",
    "models_too_many": "Моделей выбрано {value}, а можно не больше {limit}.",
    "models_twice": "Модель {model} выбрана дважды.",
    "quota_wait": (
        "ваша бесплатная квота GPU на этом Space исчерпана. Попробуйте снова примерно через "
        "{wait}, войдите через Hugging Face, чтобы получить больше квоты, или выберите другую "
        "модель."
    ),
    "quota": (
        "ваша бесплатная квота GPU на этом Space исчерпана (или Space исчерпал свой лимит GPU). "
        "Попробуйте позже, войдите через Hugging Face, чтобы получить больше квоты, или "
        "выберите другую модель."
    ),
    "offline": (
        "этот компьютер не может связаться с Hugging Face: нет подключения к интернету "
        "(или не работает DNS)."
    ),
    "unavailable": (
        "Space сейчас не может принять задание (спит, на паузе, собирается, занят или "
        "недоступен). Попробуйте через несколько минут или выберите другую модель."
    ),
    "timeout": (
        "Space не успел закончить за отведённое время, задание отменено. Возможно, он "
        "перегружен: попробуйте позже или выберите другую модель."
    ),
    "app": "в коде Space произошла ошибка{detail}. Попробуйте ещё раз или выберите другую модель.",
    "malformed": (
        "Space вернул не то изображение, которое обещал. Попробуйте ещё раз или выберите "
        "другую модель."
    ),
    "space_changed": (
        "API этого Space изменился и больше не совпадает с его описанием. Space Canvas нужно "
        "обновить; пока выберите другую модель."
    ),
    "error": "Space сообщил об ошибке. Попробуйте ещё раз или выберите другую модель.",
    "busy": (
        "У вас уже создаётся изображений: {limit}, это предел для одного посетителя. "
        "Дождитесь, пока одно закончится (или остановите его), и попробуйте снова."
    ),
}

# The page's names for the API's fields, in error messages.
FIELDS_RU = {
    "prompt": "Запрос",
    "negative_prompt": "Негативный запрос",
    "model": "Модель",
    "aspect_ratio": "Соотношение сторон",
    "width": "Ширина",
    "height": "Высота",
    "num_inference_steps": "Шаги",
    "guidance_scale": "Следование запросу (guidance)",
    "seed": "Зерно (seed)",
    "randomize_seed": "Случайное зерно",
    "models": "Модели",
    "images_per_model": "Изображений на модель",
}

# ---- the visitor's history, links and quota estimate (ui/history.py, ui/quota.py) ----
TEXT |= {
    "clear_history": ("Clear history", "Очистить историю"),
    "settings_link": ("Link to these settings", "Ссылка на эти настройки"),
    "made": ("Made: {time}", "Создано: {time}"),
    "expired": ("expired", "файл удалён"),  # after an expired image's caption
    "file_expired": (
        "File: no longer kept (the app keeps images for a limited time); "
        "Reuse still restores these settings.",
        "Файл: больше не хранится (приложение хранит изображения ограниченное время); "
        "«Повторить с этими настройками» по-прежнему восстановит настройки.",
    ),
    "from_link": (
        "The link's settings are in the form: press Generate.",
        "Настройки из ссылки — в форме: нажмите «Создать».",
    ),
    "from_link_skipped": (
        "The link's other settings are in the form; skipped: {problems}",
        "Остальные настройки из ссылки — в форме; пропущено: {problems}",
    ),
    # The quota note is HTML: its fields are numbers in the app's own markup.
    "quota_used": (
        "<b>Your GPU quota, estimated:</b> your images from this browser reserved about "
        "{reserved} s of ZeroGPU time in the last 24 hours, of the about {daily} min a day "
        "a visitor {tier} gets.",
        "<b>Ваша квота GPU, оценка:</b> ваши изображения из этого браузера заняли около "
        "{reserved} с времени ZeroGPU за последние 24 часа из примерно {daily} мин в день, "
        "которые получает посетитель {tier}.",
    ),
    "tier_anonymous": ("without an account", "без аккаунта"),
    "tier_signed_in": ("with a free account", "с бесплатным аккаунтом"),
    "quota_sign_in": (
        "Sign in with Hugging Face for {daily} min a day.",
        "Войдите через Hugging Face, и будет {daily} мин в день.",
    ),
    "quota_retry": (
        "A Space said to try again in {wait}.",
        "Space попросил повторить через {wait}.",
    ),
    "quota_estimate": (
        "No quota figure is published: this adds up each Space's declared GPU seconds per "
        "image made here, so it is an estimate.",
        "Квоту нигде не публикуют: здесь сложены секунды GPU, которые каждый Space объявляет "
        "на изображение, для изображений, сделанных здесь, поэтому это оценка.",
    ),
}
ERRORS_RU |= {
    "size_format": "{field}: нужно ШИРИНАxВЫСОТА, например 1024x768, а не {value}.",
    "no_guidance": "{field}: {model} не принимает этот параметр.",
}
FIELDS_RU |= {"steps": "Шаги", "guidance": "Следование запросу (guidance)", "size": "Размер"}

# Model descriptions in Russian, by registry name (English: the provider's `description`).
MODELS_RU: dict[str, str] = {
    "flux-schnell": "Быстрый FLUX от Black Forest Labs: 4 шага, без настройки guidance.",
    "flux-dev": (
        "FLUX dev от Black Forest Labs: детальные изображения, предпросмотр на каждом шаге."
    ),
    "sd-3.5-large": (
        "Модель Stability AI на 8 млрд параметров: точно следует запросу, 40 шагов по умолчанию."
    ),
    "sd-3.5-large-turbo": (
        "Дистиллированная SD 3.5 Large: 4 шага, без guidance, несколько секунд на картинку."
    ),
    "z-image-turbo": (
        "Турбо-модель Alibaba на 6 млрд параметров: фотореализм за несколько шагов, без guidance."
    ),
    "flux-krea-dev": (
        "FLUX.1 [dev], дообученная с Krea: естественные фото, меньше «нейросетевого» вида."
    ),
    "qwen-image-fast": (
        "Модель Qwen на 20 млрд параметров, сокращённая до 8 шагов: читаемый текст, плакаты."
    ),
    "mrfakename-z-image-turbo": (
        "Копия Z-Image Turbo от сообщества: запасной вариант, когда первая занята."
    ),
    "qwen-image-official": (
        "Собственный Space Qwen-Image: полные 50 шагов, медленный и дорогой запасной вариант."
    ),
    "voodoohop-flux-schnell": (
        "Копия FLUX.1 [schnell] от сообщества: запасной вариант, когда первая занята."
    ),
}


# The model menu's words in Russian: what a model is good at (its declaration's `good_at`)
# and how fast it is (`models.speed`).
GOOD_AT_RU: dict[str, str] = {
    "prompt following": "точно следует запросу",
    "quick drafts": "быстрые черновики",
    "quick drafts, a backup": "быстрые черновики, запасная",
    "detail, live previews": "детали, предпросмотр по шагам",
    "natural photos, live previews": "естественные фото, предпросмотр по шагам",
    "text in images": "текст на картинках",
    "text in images, full quality": "текст на картинках, полное качество",
    "photoreal": "фотореализм",
    "photoreal, a backup": "фотореализм, запасная",
}
SPEED_RU = {"fastest": "самая быстрая", "fast": "быстрая", "medium": "средняя", "slow": "медленная"}


def _menu_line_ru(c: models.ModelControls) -> str:
    good_at = GOOD_AT_RU.get(c.good_at)
    if good_at is None:
        return ""  # tests/test_i18n.py names the model
    return (
        f"{c.label} · {good_at} · {SPEED_RU[models.speed(c.steps.default)]} · {c.gpu_seconds} с GPU"
    )


def _models() -> dict[str, tuple[str, str]]:
    """Each model's description under the key `model:<name>` (English from its declaration)
    and its line in the model menu under `menu:<name>`."""
    texts = {}
    for entry in providers.registry.entries():
        c = models.controls(entry.name)
        texts[f"model:{entry.name}"] = (entry.provider.description, MODELS_RU.get(entry.name, ""))
        texts[f"menu:{entry.name}"] = (models.menu_label(c), _menu_line_ru(c))
    return texts


PAGE = TEXT | _models()
I18N = gr.I18n(
    en={key: texts[0] for key, texts in PAGE.items()},
    ru={key: texts[1] for key, texts in PAGE.items()},
)


def t(key: str) -> gr.i18n.I18nData:
    """A fixed page text, shown in the browser's language."""
    if key not in PAGE:
        raise KeyError(f"no text {key!r} in ui/i18n.py")
    return I18N(key)


def menu_choices() -> list[tuple[str, str]]:
    """The model menu's (line, registry name) pairs, each line in the browser's language.
    The line is the key as a string: Gradio's menu translates a choice's name if it holds
    one (a key object would reach the browser as an object)."""
    return [(str(t(f"menu:{name}")), name) for _, name in models.menu_choices()]


def language_of(request: gr.Request | None) -> str:
    """The visitor's language from the request's Accept-Language: the most wanted we have."""
    headers = getattr(request, "headers", None) or {}
    wanted = []
    for position, part in enumerate(str(headers.get("accept-language") or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((-quality, position, tag.split("-")[0].strip().lower()))
    return next((code for *_, code in sorted(wanted) if code in LANGUAGES), ENGLISH)


def say(key: str, language: str, **fields) -> str:
    english, russian = TEXT[key]
    return (russian if language == RUSSIAN else english).format(**fields)


def model_description(name: str, language: str) -> str:
    english, russian = PAGE[f"model:{name}"]
    return russian if language == RUSSIAN and russian else english


def _field(name: str | None) -> str:
    return FIELDS_RU.get(name or "", name or "значение")


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The daily quota tiers (canvas/quota.py), by their English name.
TIERS_RU = {
    "without an account": "без аккаунта",
    "with a free account": "с бесплатным аккаунтом",
    "with PRO or Team": "с PRO или Team",
    "with Enterprise": "с Enterprise",
}


def tier_name(name: str, language: str) -> str:
    return TIERS_RU.get(name, name) if language == RUSSIAN else name


def count(key: str, n: int, language: str) -> str:
    """A number with its noun in the right form: `key`'s forms are split by "|"."""
    forms = say(key, language, n=n).split("|")
    if language != RUSSIAN:
        return forms[0 if n == 1 else 1]
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    return forms[1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2]


def startup_text(key: str, english: str, russian: str) -> gr.i18n.I18nData:
    """A page text worded at start-up from the declarations (as the first cost note is):
    added to the page's translations under `key`, shown in the browser's language."""
    PAGE[key] = (english, russian)
    I18N.translations[ENGLISH][key] = english
    I18N.translations[RUSSIAN][key] = russian
    return t(key)


# Each provider error class and its Russian text (the first that matches wins).
ERROR_CLASSES: tuple[tuple[type[Exception], str], ...] = (
    (VisitorBusyError, "busy"),
    (ModelNotFoundError, "model"),
    (BadRequestError, "bad_request"),  # or its reason's, if it gives one
    (QuotaExceededError, "quota"),  # or "quota_wait", when it says how long
    (OfflineError, "offline"),
    (SpaceChangedError, "space_changed"),
    (SpaceUnavailableError, "unavailable"),
    (UpstreamTimeoutError, "timeout"),
    (UpstreamAppError, "app"),
    (MalformedOutputError, "malformed"),
)


def error_key(error: Exception) -> str:
    """Which Russian text words this error: by its class, and its reason or wait."""
    key = next((key for cls, key in ERROR_CLASSES if isinstance(error, cls)), "error")
    if key == "bad_request" and getattr(error, "reason", "") in ERRORS_RU:
        return error.reason
    if key == "quota" and getattr(error, "wait", None):
        return "quota_wait"
    return key


def error_text(error: ResponseError | VisitorBusyError, language: str) -> str:
    """The error as the visitor reads it: its own English message, or Russian made from its
    class and fields (never a translation of the English string)."""
    if language != RUSSIAN:
        return error.message
    key = error_key(error)
    fields = {
        "field": _field(getattr(error, "field", None)),
        "limit": getattr(error, "limit", ""),
        "detail": "",
    }
    if isinstance(error, BadRequestError):
        fields |= {name: _number(value) for name, value in error.values.items()}
    if isinstance(error, ModelNotFoundError):
        fields |= {"value": repr(error.model), "choices": ", ".join(error.valid)}
    if isinstance(error, QuotaExceededError) and error.wait:
        fields["wait"] = format_wait(error.wait, ("ч", "мин", "с"))
    if isinstance(error, UpstreamAppError) and not error.generic and error.upstream_text:
        fields["detail"] = f": «{error.upstream_text}»"
    text = ERRORS_RU[key].format(**fields)
    provider = getattr(error, "provider", None)
    # Whose error it is, as the English message says (an unknown model's names it otherwise).
    if provider and not isinstance(error, ModelNotFoundError):
        text = f"{provider}: {text}"
    first = getattr(error, "first_failure", None)
    if first is not None:  # a fallback's: the chosen Space's failure, then this one
        return say("tried_instead", language, first=error_text(first, language), then=text)
    return text


def caption(record: ImageRecord, language: str) -> str:
    p = record.parameters
    fields = {"model": record.model_label, "seed": p.seed, "width": p.width, "height": p.height}
    return say("caption", language, **fields)


def _progress(update: ProgressUpdate, language: str) -> str:
    if update.stage == "queued":
        where = (
            ""
            if update.queue_position is None
            else say("queue_position", language, position=update.queue_position + 1)
        )
        eta = (
            ""
            if update.eta_seconds is None
            else say("queue_eta", language, seconds=f"{update.eta_seconds:.0f}")
        )
        return say("queued", language, where=where, eta=eta)
    if update.stage == "log" and update.log:
        return update.log  # the Space's own words
    if update.step is not None and update.total_steps:
        return say("step", language, step=update.step, total=update.total_steps)
    return say("generating", language)


# How each kind of frame is worded, from its facts.
FRAMES: dict[str, Callable[[dict, str], str]] = {
    "sending": lambda facts, language: say("sending", language, model=facts["model"]),
    "progress": lambda facts, language: _progress(facts["progress"], language),
    "preview": lambda facts, language: (
        say("preview_step", language, step=facts["step"], total=facts["total"])
        if facts["total"]
        else say("preview", language)
    ),
    "done": lambda facts, language: say(
        "done", language, caption=caption(facts["record"], language)
    ),
    "fallback": lambda facts, language: say(
        "fallback", language, error=error_text(facts["error"], language), model=facts["model"]
    ),
}


def frame_text(frame: Frame, language: str) -> str:
    """A frame's status line in the visitor's language (English: the frame's own)."""
    if language != RUSSIAN or frame.kind not in FRAMES:
        return frame.status
    return FRAMES[frame.kind](frame.facts | {"record": frame.record}, language)
