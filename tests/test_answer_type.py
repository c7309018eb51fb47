"""What kind of fact a question asks for, and whether a sentence states one."""
import pytest

from retriever.answer_type import asks_for_person, asks_who_signed, expected_answer_type, states


@pytest.mark.parametrize("question,kind", [
    ("What is the annual budget of the new think-tank?", "amount"),
    ("How much did the stadium cost?", "amount"),
    ("What was the price of a ticket?", "amount"),
    ("How many fighter aircraft will they build?", "number"),
    ("How much of the land is forest?", "number"),
    ("On what date will the meeting be held?", "day"),
    ("When was the agreement signed?", "time"),
    ("Which round of talks was it?", "ordinal"),
    ("How long should you rub hand sanitiser into your hands?", "extent"),
    ("How far is Fresno from Los Angeles?", "extent"),
    ("How fast can a peregrine falcon fly?", "measure"),
    ("How heavy is a call duck?", "measure"),
    ("How old was the king?", "number"),
    ("What minimum alcohol percentage must a hand sanitiser contain?", "share"),
    ("What percentage of the land is forest?", "share"),
    ("What did the two countries share?", None),
    ("What was the total number of homes with Sky+HD?", "number"),
    ("What total did Termhouse say was owing?", "number"),
    ("What type of number do mathematicians consider 1 to be?", None),
    ("In which city was the declaration signed?", "place"),
    ("What do the ministers say about Russia?", None),
])
def test_the_kind_of_fact_a_question_asks_for(question, kind):
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize("text,stated", [
    ("The fund was given $5 million.", True),
    ("It has a budget of 3 billion yen.", True),
    ("The club was sold for 300 million.", True),
    ("Around forty thousand pounds were raised.", True),
    ("We will deepen collaboration between our two countries.", False),  # a number, not a sum of money
    ("The institute opened in 2019.", False),
])
def test_a_sum_of_money_is_told_from_a_mere_number(text, stated):
    assert states("amount", text) is stated


@pytest.mark.parametrize("text,stated", [
    ("Rub the gel over your hands for 20-30 seconds.", True),
    ("The ventilation needs a thorough examination at least once every 14 months.", True),
    ("The delay in making the application was about one year.", True),
    ("The falcon dives at over 300 km/h.", True),
    ("Plague lasted in the empire until the second quarter of the 19th century.", True),  # how long: until when
    ("Such motions have been debated since the 1950s.", True),
    ("Hand sanitising products generally fall into one of three categories:", False),  # "fall" is no season here
    ("We will deepen collaboration between our two countries.", False),
])
def test_a_measure_is_a_figure_with_a_unit_or_a_span_of_time(text, stated):
    assert states("measure", text) is stated


@pytest.mark.parametrize("text,stated", [
    ("About 30 % of the land is forest.", True),
    ("Turnout was 49.6 per cent.", True),
    ("The IJssel carries one ninth of the flow.", True),
    ("About seven-eighths of the participants came from governments.", True),
    ("One in five species lives there.", True),
    ("Hand sanitising products generally fall into one of three categories:", False),  # a real-document near miss
    ("The mill opened in 1990 with 40 workers.", False),
])
def test_a_share_is_a_percentage_or_a_fraction(text, stated):
    assert states("share", text) is stated


@pytest.mark.parametrize("text,stated", [
    ("Rub the gel over your hands for 20-30 seconds.", True),
    ("The Rhine is 1,230 km (760 mi) long.", True),
    ("The Bank of America Tower is 617 ft tall.", True),
    ("Warsaw was the capital until 1796.", True),
    ("The call duck weighs less than 1 kg (2.2 lb).", False),  # "How long do ducks live?" (a real-document miss)
    ("The falcon dives at over 300 km/h.", False),
    ("About 30 % of the land is forest.", False),
])
def test_a_length_or_a_duration_is_not_a_weight_a_speed_or_a_share(text, stated):
    """What "how long", "how far" or "how tall" asks for; "how fast" and "how heavy" keep every unit."""
    assert states("extent", text) is stated
    assert states("measure", text) is True


@pytest.mark.parametrize("question,person", [
    ("Who signed the declaration for the United Kingdom?", True),
    ("What are the names of the two prime ministers?", True),
    ("In what roles does Takaichi appear?", True),
    ("Which football club does Keir Starmer support?", False),
    ("What is the GDP of the United Kingdom?", False),
])
def test_a_question_that_asks_who(question, person):
    assert asks_for_person(question) is person


@pytest.mark.parametrize("question,signed", [
    ("Who signed the declaration on behalf of Japan?", True),
    ("Who were the signatories?", True),
    ("Where was the declaration signed?", False),
    ("Who hosted the dialogue?", False),
])
def test_a_question_that_asks_who_signed(question, signed):
    assert asks_who_signed(question) is signed


@pytest.mark.parametrize("text, stated", [
    ("This work of the United States may include copyrighted material.", False),  # GAO's footer, "When did GAO..."
    ("Protesters march on the capital.", False),
    ("We conducted our work from May 2023 to June 2023.", True),
    ("SIGNED ON 2 MAY 2023", True),
    ("The review reported in April.", True),
])
def test_a_month_is_a_capitalised_name_not_the_verb(text, stated):
    assert states("time", text) is stated
