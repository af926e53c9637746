"""Small Chinese numerals (一 … 九十九) to and from integers: dates, periods of validity, numbered
suggestions and numbers in a question written the other way than in a document."""

from __future__ import annotations

CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
_WRITTEN = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (0 … 99)."""
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _WRITTEN[tens]) + "十" + (_WRITTEN[ones] if ones else "")


def parse_cn_number(text: str) -> int | None:
    """"十六" → 16, "二十" → 20, "两" → 2, "12" → 12; None when ``text`` is not such a numeral."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
    return CN_DIGITS.get(text)
