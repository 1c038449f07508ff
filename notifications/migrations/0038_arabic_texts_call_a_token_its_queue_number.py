from django.db import migrations

from notifications.shipped_text_changes import reword_shipped_texts

# The Arabic texts called a token "الرقم" (the number), which is also the phone number: "صحّح مكتب الاستقبال رقم
# هاتفكم للرقم CARD-001" ("corrected your phone number for the number CARD-001"). They say "رقم الدور" (the queue
# number), as the pages do and as the registration text already said "رقم دوركم". Only texts still as shipped change.
REWORDED = {
    "patients_ahead": {
        "ar": (
            (
                "{name}، {patients_ahead} في {department} (الرقم {token}، الانتظار المتوقع: {expected_wait}). "
                "يُرجى البقاء قريبين. {link}"
            ),
            (
                "{name}، {patients_ahead} في {department} (رقم الدور {token}، الانتظار المتوقع: "
                "{expected_wait}). يُرجى البقاء قريبين. {link}"
            ),
        ),
    },
    "returned_to_line": {
        "ar": (
            (
                "{name}، اضطُر طبيبكم إلى الانصراف قبل بدء الكشف. تحتفظون بدوركم: الرقم {token} ترتيبه "
                "{position} في طابور {department}؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}"
            ),
            (
                "{name}، اضطُر طبيبكم إلى الانصراف قبل بدء الكشف. تحتفظون بدوركم: رقم الدور {token} ترتيبه "
                "{position} في طابور {department}؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}"
            ),
        ),
    },
    "no_doctor_left_today": {
        "ar": (
            (
                "{name}، لا يُتوقع عودة أي طبيب إلى {department} اليوم. يُرجى السؤال في مكتب الاستقبال مع إبراز "
                "الرقم {token}."
            ),
            (
                "{name}، لا يُتوقع عودة أي طبيب إلى {department} اليوم. يُرجى السؤال في مكتب الاستقبال مع إبراز "
                "رقم الدور {token}."
            ),
        ),
    },
    "doctor_back_today": {
        "ar": (
            (
                "{name}، سيعود طبيب لاستقبال المرضى في {department} اليوم. الرقم {token} ترتيبه {position} في "
                "الطابور؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}"
            ),
            (
                "{name}، سيعود طبيب لاستقبال المرضى في {department} اليوم. رقم الدور {token} ترتيبه {position} "
                "في الطابور؛ الانتظار المتوقع: {expected_wait}. تابعوا دوركم: {link}"
            ),
        ),
    },
    "cancelled_by_staff": {
        "ar": (
            (
                "{name}، ألغى موظفو المستشفى الرقم {token} في {department}. إن كنتم ما زلتم بحاجة إلى الكشف، "
                "يُرجى السؤال في مكتب الاستقبال."
            ),
            (
                "{name}، ألغى موظفو المستشفى رقم الدور {token} في {department}. إن كنتم ما زلتم بحاجة إلى الكشف، "
                "يُرجى السؤال في مكتب الاستقبال."
            ),
        ),
    },
    "phone_corrected": {
        "ar": (
            (
                "مرحبًا {name}، صحّح مكتب الاستقبال رقم هاتفكم للرقم {token} ({department}). تابعوا دوركم عبر "
                "هذا الرابط الجديد (الرابط السابق لم يعد يعمل): {link}"
            ),
            (
                "مرحبًا {name}، صحّح مكتب الاستقبال رقم هاتفكم لرقم الدور {token} ({department}). تابعوا دوركم "
                "عبر هذا الرابط الجديد (الرابط السابق لم يعد يعمل): {link}"
            ),
        ),
    },
    "line_closed": {
        "ar": (
            (
                "{name}، لم يُنادَ الرقم {token} في {department} قبل إغلاق طابور اليوم عند منتصف الليل. إن كنتم "
                "ما زلتم بحاجة إلى الكشف، يُرجى التسجيل من جديد أو السؤال في مكتب الاستقبال."
            ),
            (
                "{name}، لم يُنادَ رقم الدور {token} في {department} قبل إغلاق طابور اليوم عند منتصف الليل. إن "
                "كنتم ما زلتم بحاجة إلى الكشف، يُرجى التسجيل من جديد أو السؤال في مكتب الاستقبال."
            ),
        ),
    },
    "your_turn": {
        "ar": (
            "{name}، حان دوركم: الرقم {token}، يُرجى التوجه الآن إلى {doctor}.",
            "{name}، حان دوركم: رقم الدور {token}، يُرجى التوجه الآن إلى {doctor}.",
        ),
    },
    "skipped": {
        "ar": (
            (
                "{name}، نودي على الرقم {token} الساعة {time} ولم تكونوا موجودين. يُرجى مراجعة مكتب {department} "
                "ليُنادى عليكم مجددًا."
            ),
            (
                "{name}، نودي على رقم الدور {token} الساعة {time} ولم تكونوا موجودين. يُرجى مراجعة مكتب "
                "{department} ليُنادى عليكم مجددًا."
            ),
        ),
    },
    "broadcast": {
        "ar": (
            "{department} (الرقم {token}): {message}",
            "{department} (رقم الدور {token}): {message}",
        ),
    },
    "reply_status": {
        "ar": (
            "الرقم {token} ({department}): {message} تابعوا دوركم: {link}",
            "رقم الدور {token} ({department}): {message} تابعوا دوركم: {link}",
        ),
    },
    "reply_late_ask": {
        "ar": (
            (
                "أرسلوا نعم {code} خلال 10 دقائق لإرجاء الرقم {token} في {department} بضعة أماكن. أي رد آخر "
                "يُبقي دوركم كما هو."
            ),
            (
                "أرسلوا نعم {code} خلال 10 دقائق لإرجاء رقم الدور {token} في {department} بضعة أماكن. أي رد آخر "
                "يُبقي دوركم كما هو."
            ),
        ),
    },
    "reply_late": {
        "ar": (
            (
                "الرقم {token}: أُرجئ دوركم بضعة أماكن. ترتيبكم الآن {position} في الطابور؛ الانتظار المتوقع: "
                "{expected_wait}. {link}"
            ),
            (
                "رقم الدور {token}: أُرجئ دوركم بضعة أماكن. ترتيبكم الآن {position} في الطابور؛ الانتظار "
                "المتوقع: {expected_wait}. {link}"
            ),
        ),
    },
    "reply_cancel_ask": {
        "ar": (
            (
                "أرسلوا نعم {code} خلال 10 دقائق لإلغاء الرقم {token} في {department}. أي رد آخر يُبقي دوركم كما "
                "هو."
            ),
            (
                "أرسلوا نعم {code} خلال 10 دقائق لإلغاء رقم الدور {token} في {department}. أي رد آخر يُبقي دوركم "
                "كما هو."
            ),
        ),
    },
    "reply_cancelled": {
        "ar": (
            "أُلغي الرقم {token} في {department}. نأمل أن نراكم في وقت آخر.",
            "أُلغي رقم الدور {token} في {department}. نأمل أن نراكم في وقت آخر.",
        ),
    },
    "reply_help": {
        "ar": (
            (
                "الرقم {token}. أرسلوا حالة لمعرفة ترتيبكم ومدة الانتظار، أو تأخير لتأجيل دوركم بضعة أماكن (مرة "
                "واحدة)، أو إلغاء لمغادرة الطابور، أو إيقاف لإيقاف رسائلنا. {link}"
            ),
            (
                "رقم الدور {token}. أرسلوا حالة لمعرفة ترتيبكم ومدة الانتظار، أو تأخير لتأجيل دوركم بضعة أماكن "
                "(مرة واحدة)، أو إلغاء لمغادرة الطابور، أو إيقاف لإيقاف رسائلنا. {link}"
            ),
        ),
    },
}


def reword(apps, schema_editor):
    for template_type, reworded in REWORDED.items():
        reword_shipped_texts(apps, template_type, reworded, forwards=True)


def reword_back(apps, schema_editor):
    for template_type, reworded in REWORDED.items():
        reword_shipped_texts(apps, template_type, reworded, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0037_notification_segments"),
    ]

    operations = [
        migrations.RunPython(reword, reword_back),
    ]
