"""The verification code's letters, and the code spelled out for who cannot read the image.

The letters are those that neither look alike on the image (no I/J/L, no O/Q; no A, which the
image's font draws like a 4 and a visitor typed as one) nor sound alike read aloud, and are
Vietnamese letters (no F, W, Z). The text alternative is the same kind of
code, its letters named one by one as a Vietnamese screen reader names them: no sum for a
generic solver to work out. A script written for this site can still read the names back (a
table of 17 names); what bounds it is that a code serves once and the limits per address on
codes and on messages (`services.code_new`, `services.comment_post`, `feedback_submit`)."""

import secrets

from django.conf import settings
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

ALPHABET = "BCDEGHKMNPRSTUVXY"

# How each letter is named when read aloud, as school and screen readers name it.
NAMES = {
    "vi": {
        "A": "a",
        "B": "bê",
        "C": "xê",
        "D": "dê",
        "E": "e",
        "G": "giê",
        "H": "hát",
        "K": "ca",
        "M": "em mờ",
        "N": "en nờ",
        "P": "pê",
        "R": "e rờ",
        "S": "ét xì",
        "T": "tê",
        "U": "u",
        "V": "vê",
        "X": "ích xì",
        "Y": "i dài",
    },
    "en": {
        "A": "ay",
        "B": "bee",
        "C": "cee",
        "D": "dee",
        "E": "ee",
        "G": "gee",
        "H": "aitch",
        "K": "kay",
        "M": "em",
        "N": "en",
        "P": "pee",
        "R": "ar",
        "S": "ess",
        "T": "tee",
        "U": "you",
        "V": "vee",
        "X": "ex",
        "Y": "wye",
    },
}

SPELLED_MESSAGE = gettext_noop(
    "The code's letters, one by one: %(letters)s. Type them one after the other, without spaces."
)


def challenge() -> tuple[str, str]:
    """CAPTCHA_CHALLENGE_FUNCT: the letters drawn on the image, and the expected answer."""
    letters = "".join(secrets.choice(ALPHABET) for _n in range(settings.CAPTCHA_LENGTH))
    return letters, letters.lower()


def spelled(letters: str) -> str:
    """The code's letters named one by one, in the reader's language."""
    names = NAMES["en"] if (get_language() or "vi").startswith("en") else NAMES["vi"]
    return _(SPELLED_MESSAGE) % {"letters": ", ".join(names[letter] for letter in letters.upper())}
