"""What kind of fact a question asks for (a date, a number), and whether a sentence states one.

A question that asks "how many" or "on what date" is not answered by a sentence that merely shares its
topic; requiring the answer type is what lets the assistant say "not in the documents" for near misses
such as "On what exact date will the Prime Minister visit?" when the text only says "later this year".
"""
from __future__ import annotations

import re

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# Capitalised (or in capitals) even inside the case-blind patterns: "may include" and "march on" are no dates.
_MONTH = "(?-i:" + "|".join(m for month in _MONTHS for m in (month, month.upper())) + ")"
_NUMBER_WORD = (r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|"
                r"percent|per cent)\b")

_YEAR_OR_CENTURY = r"\b(1[0-9]|20)\d\d(s)?\b|\bcentur(y|ies)\b"
_TIME_UNITS = (r"seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|months?|years?|decades?|centur(y|ies)|"
               r"millenni(um|a)")
_LENGTH_UNITS = r"mm|cm|m|km|metres?|meters?|kilomet(re|er)s?|miles?|mi|feet|foot|ft|inch(es)?|yards?"
_OTHER_UNITS = r"mph|km/h|kph|knots?|kg|kilograms?|grams?|g|tonnes?|tons?|lbs?|ounces?|oz|per ?cent|%|degrees?|°"


def _measure(units: str, short_units: str) -> str:
    """A figure with one of `units` ("14 months", "1,230 km", "one year", "a few hundred feet"), a span named by
    its unit ("a decade", "for weeks"), or a time: "how long" is often answered "since the 1950s" or "until 1796"
    (a month or a year, not a season: "fall into" is no measure)."""
    return (rf"(\d[\d.,]*|{_NUMBER_WORD}|\ba|\ban|\bfew|\bseveral|\bmany)[\s-]+(\w+[\s-]+)?({units})(?![\w/])|"
            rf"\b\d[\d.,]*\s?({short_units})(?![\w/])|\bfor (days|weeks|months|years|decades|centuries)\b|"
            rf"\b{_MONTH}\b|{_YEAR_OR_CENTURY}|\b(seconds|minutes|hours|days|weeks|months|years|decades)\b")


# Any unit of time, length, speed, weight or share, for "how fast" and "how heavy".
_MEASURE = _measure(f"{_TIME_UNITS}|{_LENGTH_UNITS}|{_OTHER_UNITS}", "%|°|km|mm|cm|kg|m|g|ft")
# "How long", "how far", "how tall": a length or a duration, never a weight or a share ("How long do ducks live?"
# is not answered by "weighs less than 1 kg").
_EXTENT = _measure(f"{_TIME_UNITS}|{_LENGTH_UNITS}", "km|mm|cm|m|ft")

_ORDINAL_WORD = (r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                 r"thirteenth|fourteenth|fifteenth|twentieth|hundredth|inaugural|last|final")

_ASKS = [  # (type, question pattern), first match wins
    ("ordinal", re.compile(r"\b(which|what) (round|edition|session|iteration|anniversary|place|rank|position)\b|"
                           r"\bhow many times\b|\bin what order\b", re.I)),
    ("day", re.compile(r"\b(what|which|exact)\s+(date|day)\b|\bwhen exactly\b|\bexact(ly)? when\b", re.I)),
    # Money: a budget or a price is not answered by "our two countries" (a number, but not an amount).
    ("amount", re.compile(r"\bhow much (money|funding)\b|\bhow much (did|does|do|was|were|is|will|would|had|has|"
                          r"have)\b[^?]*\b(cost|pay|paid|spend|spent|earn|earned|raise|raised|worth|charge|"
                          r"charged)\b|\b(what|which) (is|was|were|are|will be|would be) (the |its |their |his |her |"
                          r"a )?(\w+ )?(budget|cost|price|fee|salary|revenue|funding)s?\b", re.I)),
    # An extent: "how long should you rub..." is not answered by "fall into one of three categories", nor by a
    # weight or a share; a measure ("how fast", "how heavy") by a figure with any unit.
    ("extent", re.compile(r"\bhow (long|far|tall|deep|wide)\b", re.I)),
    ("measure", re.compile(r"\bhow (fast|heavy)\b", re.I)),
    # A share: "What minimum alcohol percentage must it contain?" is not answered by "one of three categories".
    ("share", re.compile(r"\b(what|which) (\w+ ){0,2}(percentage|proportion)\b|\bwhat (percent|share)\b|"
                         r"\bwhat (is|was|are|were) the (percentage|proportion|share)\b", re.I)),
    ("number", re.compile(r"\bhow (many|much|long|old|far|large|big|tall|high)\b|"
                          r"\bwhat (number|amount|size|total)\b|\bwhat (is|was|are|were) the (total )?(number|total)\b|"
                          r"\b(tariff|interest) rates?\b", re.I)),
    ("place", re.compile(r"^\s*where\b|\bin (which|what) (city|country|town|place|capital|region)\b", re.I)),
    ("time", re.compile(r"^\s*when\b|\b(what|which) (year|month|time|century|decade|season)\b|\bby when\b|"
                        r"\bwhen (did|was|were|is|will|do|does|are)\b", re.I)),
]

_HAS = {
    "ordinal": re.compile(rf"\b({_ORDINAL_WORD})\b|\b\d+(st|nd|rd|th)\b", re.I),
    "day": re.compile(rf"\b\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH}\b|\b{_MONTH}\s+\d{{1,2}}\b|"
                      r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b", re.I),
    "time": re.compile(rf"\b{_MONTH}\b|{_YEAR_OR_CENTURY}|\b(spring|summer|autumn|fall|winter)\b|"
                       r"\b(this|next|last|previous|coming) (year|month|week|decade|century)\b|"
                       r"\b(today|tomorrow|yesterday)\b|\b(BC|AD|BCE|CE)\b|"
                       r"\b\d+(st|nd|rd|th)\b", re.I),
    # A named place after a preposition: "at London", "in the Sahel", "to Paris".
    "place": re.compile(r"\b(in|at|to|from|near|inside|outside)\s+(the\s+)?[A-Z][\w-]+"),
    # A sum of money: a currency sign or code with a figure, a figure with a currency word, or a figure in
    # millions or billions.
    "amount": re.compile(r"[$£€¥₹]\s?\d|\b(US|USD|GBP|EUR|JPY|CHF|AUD|CAD|HK)\s?\$?\d|"
                         r"\b\d[\d.,]*\s?(million|billion|trillion|bn|m)?\s*(dollars?|pounds?|sterling|euros?|yen|yuan|"
                         r"renminbi|francs?|marks?|rupees?|pesos?|lire|lira|roubles?|rubles?|shillings?|guineas?|"
                         r"won|crowns?|kronor|krona)\b|\b\d[\d.,]*\s?(million|billion|trillion)\b|"
                         r"\b(hundred|thousand|million|billion|trillion)s?\s+(of\s+)?(dollars|pounds|euros|yen)\b",
                         re.I),
    "measure": re.compile(_MEASURE, re.I),
    # A percentage or a fraction: "30 %", "49.6 per cent", "one ninth", "about seven-eighths", "one in five".
    "share": re.compile(r"\d\s?%|\b(per ?cent|percentage points?)\b|\b(half|halves|thirds?|quarters?|fifths?|sixths?|"
                        r"sevenths?|eighths?|ninths?|tenths?)\b|\b(one|two|three|four|five|six|seven|eight|nine|\d+) "
                        r"(in|out of) (two|three|four|five|six|seven|eight|nine|ten|a hundred|every)\b|"
                        r"\bout of \d+\b|\b\d+/\d+\b|\b(majority|minority)\b", re.I),
    "extent": re.compile(_EXTENT, re.I),
    # A count or amount: digits that are not a year on their own, a currency sign, or a number word.
    "number": re.compile(r"[$£€¥]\s?\d|\b\d+([.,]\d+)*\s?%|(?<![\d.])\b(?!(1[5-9]|20)\d\d\b)\d+([.,]\d+)*\b|"
                         + _NUMBER_WORD, re.I),
}

DESCRIBE = {
    "ordinal": "a rank or an ordinal (first, tenth)",
    "day": "a specific date",
    "time": "a date or time",
    "number": "a number or amount",
    "measure": "a measure (a speed, a weight)",
    "extent": "a length or a duration",
    "share": "a share (a percentage, a fraction)",
    "amount": "a sum of money",
    "place": "a place",
}
# Kinds that only reorder candidate sentences: place names are too varied to refuse an answer for lacking one.
PREFERRED_ONLY = {"place"}


# A question for a person, a name, a title or who signed: the only kind a block of signatory names answers.
_ASKS_PERSON = re.compile(r"\bwho(m|se)?\b|\bnamed?s?\b|\bsign(s|ed|ing|er|ers|atory|atories|ature|atures)?\b|"
                          r"\b(roles?|titles?)\b|\b(which|what) (judges?|justices?|barristers?|counsel|solicitors?|"
                          r"lawyers?|persons?|people|authors?|officials?|ministers?|parties|party|appellants?|"
                          r"respondents?|claimants?|defendants?)\b", re.I)


def asks_for_person(question: str) -> bool:
    """Whether the question asks who (a person, a name, a title, a signatory)."""
    return bool(_ASKS_PERSON.search(question))


# "Who signed ...": the names stand in the signatory block, not in "Signed at London on 14 June".
_ASKS_SIGNATORY = re.compile(r"\bwho\b[^?]*\bsign(s|ed)?\b|\bsignator(y|ies)\b|\bsignatures?\b", re.I)


def asks_who_signed(question: str) -> bool:
    """Whether the question asks who signed (or for the signatories)."""
    return bool(_ASKS_SIGNATORY.search(question))


def expected_answer_type(question: str) -> str | None:
    """'ordinal', 'day', 'time', 'amount', 'extent', 'measure', 'share', 'number' or 'place' when the question
    asks for one, else None."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


def states(kind: str, text: str) -> bool:
    """Whether `text` contains a fact of the given kind ('day' also counts as 'time')."""
    return bool(_HAS[kind].search(text))
