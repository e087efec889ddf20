"""The one random-generator rule of every stochastic function (smilekit._validation.as_generator)."""

import numpy as np
import pytest

from smilekit._validation import as_generator
from smilekit.errors import InputError


def test_a_generator_is_used_as_it_is_and_a_seed_gives_the_same_draws():
    g = np.random.default_rng(3)
    assert as_generator(g) is g
    assert as_generator(np.int64(7)).random(3).tolist() == np.random.default_rng(7).random(3).tolist()


@pytest.mark.parametrize("bad", [None, True, 1.5, "7"])
def test_no_seed_or_a_seed_of_the_wrong_kind_is_refused(bad):
    # None would draw fresh entropy: the run could not be repeated
    with pytest.raises(InputError, match=rf"rng must be a numpy Generator or an integer seed, got .*{bad!r}"):
        as_generator(bad)
