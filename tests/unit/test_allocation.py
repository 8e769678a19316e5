"""Specification of exact splits: integer cents, largest remainder, rotating ties, refunds mirrored."""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualise.domain.allocation import AllocationError, Part, allocate, apportion, exact_shares

MAX_CENTS = 10**12
amounts = st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS)
seeds = st.integers(min_value=0, max_value=10**9)
structure_ids = st.integers(min_value=1, max_value=10**6)
# whole weights (hours, m² in thousandths, basis points...) from zero to huge, and tiny fractional ones
weight_values = st.one_of(
    st.integers(min_value=0, max_value=10**18),
    st.fractions(min_value=0, max_value=1, max_denominator=10**12),
)


def with_positive_total(weights: dict[int, int | Fraction]) -> bool:
    return sum(weights.values()) > 0


weight_maps = st.dictionaries(structure_ids, weight_values, min_size=1, max_size=30)
weight_maps = weight_maps.filter(with_positive_total)


def whole_key(amount: int, weights, seed: int = 0) -> dict[int, int]:
    return {share.structure_id: share.cents for share in allocate(amount, [Part(10_000, weights)], seed)}


def exact_part_share(amount: int, part: Part, structure_id: int) -> Fraction:
    part_amount = Fraction(amount) * part.share_bp / 10_000
    return part_amount * part.weights.get(structure_id, 0) / sum(part.weights.values())


@given(amounts, weight_maps, seeds)
def test_split_sums_exactly_and_each_share_is_within_a_cent_of_its_exact_share(amount, weights, seed):
    shares = allocate(amount, [Part(10_000, weights)], seed)
    assert sum(share.cents for share in shares) == amount
    assert sorted(share.structure_id for share in shares) == sorted(weights)
    total = sum(weights.values())
    for share in shares:
        exact = Fraction(amount) * weights[share.structure_id] / total
        assert share.exact == exact
        assert abs(share.cents - exact) < 1
        assert share.rounding_cents in (-1, 0, 1)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(amounts, st.lists(st.integers(min_value=0, max_value=10**15), min_size=100, max_size=400), seeds)
def test_split_between_hundreds_of_structures_sums_exactly(amount, weight_list, seed):
    weights = {index + 1: weight for index, weight in enumerate(weight_list)}
    weights[len(weight_list)] += 1  # a positive total
    cents = whole_key(amount, weights, seed)
    assert sum(cents.values()) == amount
    total = sum(weights.values())
    assert all(abs(cents[sid] - Fraction(amount) * weights[sid] / total) < 1 for sid in weights)


positive_weights = st.integers(min_value=1, max_value=10**18) | st.fractions(min_value=Fraction(1, 10**12),
                                                                              max_value=1)


@given(amounts, positive_weights, seeds)
def test_a_single_participant_takes_the_whole_amount(amount, weight, seed):
    [share] = allocate(amount, [Part(10_000, {7: weight})], seed)
    assert (share.structure_id, share.cents, share.rounding_cents) == (7, amount, 0)


def test_huge_and_tiny_weights_side_by_side_still_sum_exactly():
    weights = {1: 10**18, 2: Fraction(1, 10**12), 3: 1}
    cents = whole_key(-999_999_999_999, weights, seed=5)
    assert sum(cents.values()) == -999_999_999_999
    assert cents[2] == 0 and cents[3] == 0


def test_a_structure_with_zero_weight_gets_nothing():
    assert whole_key(1000, {1: 0, 2: 3, 3: 1}) == {1: 0, 2: 750, 3: 250}


@given(amounts, weight_maps, seeds, st.randoms(use_true_random=False))
def test_split_does_not_depend_on_the_order_of_structures(amount, weights, seed, random):
    items = list(weights.items())
    random.shuffle(items)
    shuffled = allocate(amount, [Part(10_000, dict(items))], seed)
    assert shuffled == allocate(amount, [Part(10_000, weights)], seed)


@pytest.mark.parametrize(("seed", "receiver"), [(0, 11), (1, 22), (2, 33), (3, 11), (-1, 33)])
def test_the_rounding_cent_of_an_equal_split_rotates_with_the_seed(seed, receiver):
    cents = whole_key(100, {11: 1, 22: 1, 33: 1}, seed)
    assert cents == {sid: 34 if sid == receiver else 33 for sid in (11, 22, 33)}


def test_over_three_charges_each_structure_gets_the_rounding_cent_once():
    received = {11: 0, 22: 0, 33: 0}
    for seed in (0, 1, 2):
        for share in allocate(100, [Part(10_000, {33: 1, 11: 1, 22: 1})], seed):
            received[share.structure_id] += share.rounding_cents
    assert received == {11: 1, 22: 1, 33: 1}


@given(st.sets(structure_ids, min_size=1, max_size=25), amounts, st.integers(-10**6, 10**6))
def test_tied_rounding_cents_are_shared_equally_over_consecutive_seeds(ids, amount, first_seed):
    count = len(ids)
    left_over = abs(amount) % count
    received = dict.fromkeys(ids, 0)
    for seed in range(first_seed, first_seed + count):
        for share in allocate(amount, [Part(10_000, dict.fromkeys(ids, 1))], seed):
            received[share.structure_id] += abs(share.rounding_cents)
    assert received == dict.fromkeys(ids, left_over)


@given(amounts, weight_maps, seeds)
def test_a_refund_mirrors_the_split_of_the_same_positive_amount(amount, weights, seed):
    positive = whole_key(abs(amount), weights, seed)
    negative = whole_key(-abs(amount), weights, seed)
    assert negative == {sid: -cents for sid, cents in positive.items()}


@given(
    amounts,
    st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), weight_maps), min_size=1, max_size=4),
    seeds,
)
def test_parts_are_added_exactly_then_rounded_once(amount, drafts, seed):
    # turn the drafted shares into basis points summing to 10,000: the last part takes what is left
    parts, left = [], 10_000
    for index, (share_bp, weights) in enumerate(drafts):
        share_bp = left if index == len(drafts) - 1 else min(share_bp, left)
        parts.append(Part(share_bp, weights))
        left -= share_bp
    shares = allocate(amount, parts, seed)
    assert sum(share.cents for share in shares) == amount
    for share in shares:
        exact = sum(exact_part_share(amount, part, share.structure_id) for part in parts)
        assert share.exact == exact
        assert abs(share.cents - exact) < 1


def test_half_equal_half_by_hours_rounds_the_combined_share_once():
    # 2 c: 1 c equally (0.5 c each) + 1 c by 3 h / 3 h (0.5 c each). Rounded part by part, the same
    # structure would win both ties and pay 2 c; rounded once, each pays its exact 1 c.
    parts = [Part(5_000, {1: 1, 2: 1}), Part(5_000, {1: 180, 2: 180})]
    shares = allocate(2, parts, seed=0)
    assert [(share.exact, share.cents, share.rounding_cents) for share in shares] == [(1, 1, 0), (1, 1, 0)]


def test_combined_parts_of_a_larger_amount_give_each_the_sum_of_its_exact_part_shares():
    # 1 € : 50 c equally (16 2/3 c each) + 50 c by hours 1/1/0 (25 c, 25 c, 0 c)
    parts = [Part(5_000, {1: 1, 2: 1, 3: 1}), Part(5_000, {1: 1, 2: 1, 3: 0})]
    shares = {share.structure_id: share for share in allocate(100, parts, seed=0)}
    assert shares[1].exact == shares[2].exact == Fraction(50, 3) + 25
    assert shares[3].exact == Fraction(50, 3)
    assert {sid: share.cents for sid, share in shares.items()} == {1: 42, 2: 42, 3: 16}


@given(
    st.integers(min_value=0, max_value=MAX_CENTS),
    st.dictionaries(structure_ids, st.integers(min_value=0, max_value=50_000 * 60), min_size=1, max_size=40)
    .filter(with_positive_total),
    seeds,
)
def test_a_usage_hours_key_gives_each_structure_its_share_of_the_hours(amount, minutes_used, seed):
    cents = whole_key(amount, minutes_used, seed)
    total_hours = Fraction(sum(minutes_used.values()), 60)
    for sid, minutes in minutes_used.items():
        assert abs(cents[sid] - amount * Fraction(minutes, 60) / total_hours) < 1


def test_no_participants_is_an_allocation_error_naming_the_part():
    with pytest.raises(AllocationError) as caught:
        allocate(100, [Part(5_000, {1: 1}), Part(5_000, {})], seed=0)
    assert (caught.value.reason, caught.value.part) == ("no_participants", 1)


def test_every_weight_zero_is_an_allocation_error_naming_the_part():
    with pytest.raises(AllocationError) as caught:
        allocate(100, [Part(3_000, {1: 0, 2: 0}), Part(7_000, {1: 1})], seed=0)
    assert (caught.value.reason, caught.value.part) == ("zero_total", 0)


@pytest.mark.parametrize("shares_bp", [(5_000,), (5_000, 4_999), (10_000, 1), ()])
def test_parts_not_summing_to_100_percent_are_refused(shares_bp):
    with pytest.raises(ValueError, match="10,000") as caught:
        allocate(100, [Part(share_bp, {1: 1}) for share_bp in shares_bp], seed=0)
    assert not isinstance(caught.value, AllocationError)


def test_a_negative_weight_is_refused():
    with pytest.raises(ValueError, match="negative"):
        exact_shares(100, [Part(10_000, {1: 2, 2: -1})])


def test_apportion_refuses_exact_shares_that_do_not_sum_to_the_amount():
    with pytest.raises(ValueError, match="sum to the amount"):
        apportion(100, {1: Fraction(50), 2: Fraction(49)}, seed=0)
