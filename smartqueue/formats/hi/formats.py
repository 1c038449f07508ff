# Django's Hindi and Arabic formats leave the short forms to its month-first US defaults (12/03/2026 for
# 3 December); staff there read day-first dates on the 24-hour clock.
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
