"""The words of every mail auth sends, in the web app's three languages.

Each mail is one text part and one HTML part saying the same; links are built by the
caller from FRONTEND_URL. A language we do not speak falls back to English.
"""

import html
from dataclasses import dataclass
from enum import StrEnum

LANGUAGES = ("en", "ko", "es")
DEFAULT_LANGUAGE = "en"


class MailKind(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    # A reset asked for an address with no account: told so, as a known address is sent
    # its link (the same work either way, so the answer's timing tells nothing).
    NO_ACCOUNT = "no_account"
    EMAIL_CHANGING = "email_changing"  # to the old address: someone asked to move away
    PASSWORD_CHANGED = "password_changed"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


# kind -> language -> (subject, lines before the link, the link's label, lines after)
WORDS: dict[MailKind, dict[str, tuple[str, str, str, str]]] = {
    MailKind.VERIFY_EMAIL: {
        "en": (
            "Confirm your email address",
            "Hello {username},\n\nConfirm that {email} is your address by opening this link:",
            "Confirm my address",
            "The link works for 48 hours. If you did not ask for this, ignore this mail.",
        ),
        "ko": (
            "이메일 주소를 확인해 주세요",
            "{username}님, 안녕하세요.\n\n아래 링크를 열어 {email} 주소를 확인해 주세요:",
            "주소 확인하기",
            "링크는 48시간 동안 유효합니다. 요청하지 않으셨다면 이 메일을 무시하세요.",
        ),
        "es": (
            "Confirma tu dirección de correo",
            "Hola, {username}:\n\nConfirma que {email} es tu dirección abriendo este enlace:",
            "Confirmar mi dirección",
            "El enlace funciona durante 48 horas. Si no lo pediste, ignora este correo.",
        ),
    },
    MailKind.RESET_PASSWORD: {
        "en": (
            "Reset your password",
            "Hello {username},\n\nSomeone asked to reset your password. To choose a new one, "
            "open this link:",
            "Choose a new password",
            "The link works once, for 30 minutes. If it was not you, ignore this mail: "
            "your password stays as it is.",
        ),
        "ko": (
            "비밀번호 재설정",
            "{username}님, 안녕하세요.\n\n비밀번호 재설정 요청이 있었습니다. 새 비밀번호를 "
            "정하려면 이 링크를 여세요:",
            "새 비밀번호 정하기",
            "링크는 30분 동안 한 번만 쓸 수 있습니다. 본인이 아니라면 이 메일을 무시하세요. "
            "비밀번호는 그대로입니다.",
        ),
        "es": (
            "Restablece tu contraseña",
            "Hola, {username}:\n\nAlguien pidió restablecer tu contraseña. Para elegir una "
            "nueva, abre este enlace:",
            "Elegir una contraseña nueva",
            "El enlace funciona una vez, durante 30 minutos. Si no fuiste tú, ignora este "
            "correo: tu contraseña no cambia.",
        ),
    },
    MailKind.NO_ACCOUNT: {
        "en": (
            "No account uses this address",
            "Hello,\n\nSomeone asked to reset the password of an account with the address "
            "{email}, but no account uses it. If it was you, you may have signed up with "
            "another address, or with Kakao, Google or Meta.",
            "Create an account",
            "If it was not you, ignore this mail: nothing has changed.",
        ),
        "ko": (
            "이 주소를 쓰는 계정이 없습니다",
            "안녕하세요.\n\n{email} 주소의 계정 비밀번호 재설정 요청이 있었지만, "
            "이 주소를 쓰는 계정이 없습니다. 본인이라면 다른 주소나 카카오, Google, "
            "Meta로 가입하셨을 수 있습니다.",
            "계정 만들기",
            "본인이 아니라면 이 메일을 무시하세요. 아무것도 바뀌지 않았습니다.",
        ),
        "es": (
            "Ninguna cuenta usa esta dirección",
            "Hola:\n\nAlguien pidió restablecer la contraseña de una cuenta con la dirección "
            "{email}, pero ninguna cuenta la usa. Si fuiste tú, quizá te registraste con otra "
            "dirección, o con Kakao, Google o Meta.",
            "Crear una cuenta",
            "Si no fuiste tú, ignora este correo: nada ha cambiado.",
        ),
    },
    MailKind.EMAIL_CHANGING: {
        "en": (
            "Your email address is being changed",
            "Hello {username},\n\nSomeone signed in as you asked to change your account's "
            "address to {email}. It changes once that address is confirmed.",
            "",
            "If it was not you, change your password now.",
        ),
        "ko": (
            "이메일 주소 변경 요청",
            "{username}님, 안녕하세요.\n\n계정 주소를 {email}(으)로 바꾸는 요청이 있었습니다. "
            "새 주소가 확인되면 변경됩니다.",
            "",
            "본인이 아니라면 지금 비밀번호를 바꾸세요.",
        ),
        "es": (
            "Se está cambiando tu dirección de correo",
            "Hola, {username}:\n\nAlguien con tu sesión pidió cambiar la dirección de tu "
            "cuenta a {email}. Cambiará cuando se confirme esa dirección.",
            "",
            "Si no fuiste tú, cambia tu contraseña ahora.",
        ),
    },
    MailKind.PASSWORD_CHANGED: {
        "en": (
            "Your password was changed",
            "Hello {username},\n\nYour password was just changed, and your other devices "
            "were signed out.",
            "",
            "If it was not you, reset your password now.",
        ),
        "ko": (
            "비밀번호가 변경되었습니다",
            "{username}님, 안녕하세요.\n\n비밀번호가 방금 변경되었고 다른 기기에서는 "
            "로그아웃되었습니다.",
            "",
            "본인이 아니라면 지금 비밀번호를 재설정하세요.",
        ),
        "es": (
            "Tu contraseña ha cambiado",
            "Hola, {username}:\n\nTu contraseña acaba de cambiar y se cerró la sesión en "
            "tus otros dispositivos.",
            "",
            "Si no fuiste tú, restablece tu contraseña ahora.",
        ),
    },
}


def language_of(preferred: str | None) -> str:
    """One of LANGUAGES from a language tag or an Accept-Language header ("ko-KR,ko;q=0.9")."""
    for part in (preferred or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def render(
    kind: MailKind, *, language: str, username: str, email: str = "", link: str | None = None
) -> Rendered:
    """Subject, text and HTML of one mail."""
    subject, before, label, after = WORDS[kind].get(language) or WORDS[kind][DEFAULT_LANGUAGE]
    before = before.format(username=username, email=email)
    text_parts = [before]
    html_parts = [_paragraphs(before)]
    if link is not None:
        text_parts.append(link)
        safe_link = html.escape(link, quote=True)
        html_parts.append(f'<p><a href="{safe_link}">{html.escape(label)}</a></p>')
        html_parts.append(f"<p>{safe_link}</p>")
    text_parts.append(after)
    html_parts.append(_paragraphs(after))
    body = "".join(html_parts)
    document = (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>{body}</body></html>"
    )
    return Rendered(subject=subject, text="\n\n".join(text_parts) + "\n", html=document)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part)
