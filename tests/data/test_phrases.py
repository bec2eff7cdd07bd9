import datetime

import pytest
from babel.dates import format_date
from num2words import num2words

from zoo.data import phrases


def test_pairs_are_what_babel_and_num2words_write():
    pairs = phrases.generate("train", 14, target="ru", seed=1)
    assert len(pairs) == 14
    sources = [s for s, _ in pairs]
    assert any(s.endswith(("AM", "PM")) for s in sources), "clock times"
    date = datetime.date(2026, 11, 22)
    assert phrases.render("date_full", date, "ru") == format_date(date, "full", locale="ru")
    assert phrases.render("cardinal", 342, "ru") == num2words(342, lang="ru") == "триста сорок два"
    assert phrases.render("measure", (47, "volume-liter"), "ru") == "47 литров"


def test_generation_is_deterministic_and_splits_differ():
    assert phrases.generate("train", 30, seed=3) == phrases.generate("train", 30, seed=3)
    assert phrases.generate("train", 30, seed=3) != phrases.generate("validation", 30, seed=3)


def test_held_out_values_appear_only_in_the_test_split():
    test = phrases.generate("test", 70, seed=0)
    train = set(phrases.generate("train", 3000, seed=0))
    assert not train & set(test)
    english_numbers = {num2words(n) for n in range(1000) if n % 100 in phrases.HELD_OUT_ENDINGS}
    assert not [s for s, _ in train if s in english_numbers]
    assert not [s for s, _ in train if any(f"{year}" in s for year in range(1907, 2100, 10))]
    assert any(s in english_numbers or "forty-seven" in s or "eighty-three" in s for s, _ in test)


@pytest.mark.parametrize("target", ["de", "fr", "es"])
def test_other_target_languages(target):
    source, translation = phrases.generate("train", 1, target=target)[0]
    assert source != translation


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="target_lang"):
        phrases.generate("train", 1, target="xx")
    with pytest.raises(ValueError, match="split"):
        phrases.generate("dev", 1)
