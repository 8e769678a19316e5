"""Who pays whom: settling structures' balances with few transfers.

A positive balance is what a structure owes the network, a negative one what the network owes it (it
paid shared charges itself). Structures that owe pay those that are owed directly, largest amounts
first; what no structure can cover is settled with the network (party None). Every balance ends at zero
and the network's own position (minus the sum of the balances) is settled too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NETWORK = None


@dataclass(frozen=True)
class Transfer:
    payer: int | None  # structure id, None: the network
    payee: int | None
    cents: int


def suggest_transfers(balances: Mapping[int, int]) -> list[Transfer]:
    """Transfers that bring every balance to zero; at most one per structure more than the structures
    that owe. Deterministic: ties are taken in structure id order."""
    debtors = sorted(((cents, sid) for sid, cents in balances.items() if cents > 0),
                     key=lambda d: (-d[0], d[1]))
    creditors = sorted(((-cents, sid) for sid, cents in balances.items() if cents < 0),
                       key=lambda c: (-c[0], c[1]))
    # what the structures owe altogether goes to the network (or, negative, comes from it), after the
    # structures have paid each other
    owed_to_network = sum(balances.values())
    if owed_to_network > 0:
        creditors.append((owed_to_network, NETWORK))
    elif owed_to_network < 0:
        debtors.append((-owed_to_network, NETWORK))
    transfers = []
    d = c = 0
    debt = [list(item) for item in debtors]
    credit = [list(item) for item in creditors]
    while d < len(debt) and c < len(credit):
        cents = min(debt[d][0], credit[c][0])
        transfers.append(Transfer(debt[d][1], credit[c][1], cents))
        debt[d][0] -= cents
        credit[c][0] -= cents
        if debt[d][0] == 0:
            d += 1
        if credit[c][0] == 0:
            c += 1
    return transfers
