# Django's Hindi and Arabic formats leave the short forms to its month-first US defaults (12/03/2026 for
# 3 December); staff there read day-first dates on the 24-hour clock.
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
# Its long forms are month-first too ("दिसम्बर 8, 2026") and on a 12-hour clock whose Hindi marker is "बजे" both
# morning and evening, so 9:05 and 21:05 read alike; the text messages say 21:05 as the short forms do.
TIME_FORMAT = "H:i"
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
# Django's Arabic writes a decimal comma ("12,0"), its choice for the Arabic digits' separator (٫) carried over to
# the digits 0-9 the pages use, where Arabic writes a point, as CLDR and the browsers do ("12.0"): "متوسط التقييم 4,5"
# beside the Arabic comma "،" in the same reports read as two numbers.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
