"""Data migrations that reword a shipped message text: the template and its translations still as shipped take the
new words; an admin's own wording keeps what it says."""


def reword_shipped_texts(apps, template_type, reworded, *, forwards):
    """reworded: {language: (shipped before, shipped now)}; backwards, the texts go back."""
    template_model = apps.get_model("notifications", "NotificationTemplate")
    translation_model = apps.get_model("notifications", "NotificationTemplateTranslation")
    for language, (before, after) in reworded.items():
        was, becomes = (before, after) if forwards else (after, before)
        if language == "en":
            rows = template_model.objects.filter(template_type=template_type)
        else:
            rows = translation_model.objects.filter(template__template_type=template_type, language=language)
        rows.filter(sms_template=was).update(sms_template=becomes)
