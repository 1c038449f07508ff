"""The texts the data migrations before 0038 shipped: today's, with 0038's Arabic word for a token put back."""

import importlib

from notifications.defaults import DEFAULT_TRANSLATIONS

token_word = importlib.import_module("notifications.migrations.0038_arabic_texts_call_a_token_its_queue_number")


def shipped_before_the_token_word(template_type, language):
    reworded = token_word.REWORDED.get(template_type, {}).get(language)
    return reworded[0] if reworded else DEFAULT_TRANSLATIONS[template_type][language]
