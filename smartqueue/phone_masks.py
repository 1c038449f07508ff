"""Phone numbers shown or logged where their owner is not the only reader: the last four digits only."""


def mask_phone(phone):
    """The number as we may show it to whoever typed it: its last four digits only (e.g. ••••••0123).

    Always six dots whatever the length, so the mask says nothing about the country or the number's length.
    """
    return "\u2022" * 6 + phone[-4:]
