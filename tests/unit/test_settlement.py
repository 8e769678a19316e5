"""Specification of who-pays-whom: every balance settled, in few positive transfers, deterministically."""

from hypothesis import given
from hypothesis import strategies as st

from mutualise.domain.settlement import NETWORK, Transfer, suggest_transfers

balances_strategy = st.dictionaries(
    st.integers(min_value=1, max_value=10_000),
    st.integers(min_value=-10**12, max_value=10**12) | st.sampled_from([0, 1, -1]),
    max_size=40,
)


def with_network(balances: dict[int, int]) -> dict[int | None, int]:
    """Every party's balance (positive: owes); the network holds the other side of the structures'."""
    return {**balances, NETWORK: -sum(balances.values())}


def after(transfers: list[Transfer], balances: dict[int, int]) -> dict[int | None, int]:
    positions = with_network(balances)
    for transfer in transfers:
        positions[transfer.payer] -= transfer.cents
        positions[transfer.payee] += transfer.cents
    return positions


@given(balances_strategy)
def test_the_suggested_transfers_settle_every_structure_and_the_network(balances):
    positions = after(suggest_transfers(balances), balances)
    assert all(cents == 0 for cents in positions.values())


@given(balances_strategy)
def test_every_transfer_moves_a_positive_amount_between_two_parties(balances):
    for transfer in suggest_transfers(balances):
        assert transfer.cents > 0
        assert transfer.payer != transfer.payee
        assert {transfer.payer, transfer.payee} <= set(with_network(balances))


@given(balances_strategy)
def test_at_most_one_transfer_fewer_than_the_parties_with_something_to_settle(balances):
    parties = sum(1 for cents in with_network(balances).values() if cents != 0)
    assert len(suggest_transfers(balances)) <= max(parties - 1, 0)


@given(balances_strategy, st.randoms(use_true_random=False))
def test_the_suggestion_is_the_same_whatever_the_order_of_the_structures(balances, random):
    items = list(balances.items())
    random.shuffle(items)
    assert suggest_transfers(dict(items)) == suggest_transfers(balances)
    assert suggest_transfers(balances) == suggest_transfers(dict(balances))


def test_nothing_to_settle_suggests_no_transfer():
    assert suggest_transfers({}) == []
    assert suggest_transfers({1: 0, 2: 0}) == []


def test_structures_that_owe_pay_the_structure_that_advanced_a_charge_directly():
    # structure 3 paid a 90 € charge split three ways: 1 and 2 each owe it 30 €, 3 is owed 60 €
    assert suggest_transfers({1: 3000, 2: 3000, 3: -6000}) == [Transfer(1, 3, 3000), Transfer(2, 3, 3000)]


def test_what_structures_owe_beyond_the_others_goes_to_the_network():
    assert suggest_transfers({1: 5000, 2: -2000}) == [Transfer(1, 2, 2000), Transfer(1, NETWORK, 3000)]


def test_the_network_pays_back_what_it_owes_the_structures():
    assert suggest_transfers({1: -700, 2: 200}) == [Transfer(2, 1, 200), Transfer(NETWORK, 1, 500)]


def test_equal_balances_are_taken_in_structure_id_order():
    assert suggest_transfers({9: 100, 4: 100, 6: -200}) == [Transfer(4, 6, 100), Transfer(9, 6, 100)]
