"""Verifying the journal: the whole chain, the part after a known anchor, and against anchors.

``verify_chain`` walks entries in order and names the first one that was edited, removed,
reordered, re-hashed, sealed with a key that does not match, or written without the key once
entries were sealed. Given anchors recorded elsewhere (``against``), it also names what a
chain alone cannot show: entries cut from the end, an emptied table, a tail rewritten with
fresh hashes. An entry sealed with a key that is not configured makes the result
*unverifiable*, not intact and not tampered.

``start`` verifies only what came after an anchor that was verified before (the daemon's
periodic check): the entry at the anchor must still be there with the same hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watchdog.journal.anchor import GENESIS, GENESIS_ANCHOR, Anchor
from watchdog.journal.entry import JournalEntry, entry_hash

if TYPE_CHECKING:
    from watchdog.journal.chain import Journal

__all__ = ["VerifyResult", "verify_chain"]

_KEY_SETTINGS = "journal.hmac_key_file or journal.retired_key_files"


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification."""

    checked: int
    first_bad: int | None = None
    problem: str | None = None
    head: str = GENESIS
    unverifiable: bool = False
    """The problem is a missing key: the entries could not be checked, not found altered."""
    sealed_from: int | None = None
    """The first entry sealed with a journal key (None: no sealed entry)."""

    @property
    def ok(self) -> bool:
        """True when the whole chain (and every anchor given) is intact."""
        return self.first_bad is None

    @property
    def outcome(self) -> str:
        """``intact``, ``tampered`` or ``unverifiable``."""
        if self.ok:
            return "intact"
        return "unverifiable" if self.unverifiable else "tampered"

    @property
    def anchor(self) -> Anchor:
        """The verified end of the chain as an anchor (meaningful when ``ok``)."""
        return Anchor(self.checked, self.head)


def verify_chain(
    journal: Journal, *, start: Anchor = GENESIS_ANCHOR, against: Sequence[Anchor] = ()
) -> VerifyResult:
    """Verify ``journal`` after ``start`` (default: all of it), then against ``against``."""
    sealed_from: int | None = None
    at_start_key = ""
    if start.count > 0:
        at_start = journal.entry(start.count)
        if at_start is None or at_start.hash != start.head:
            return _not_matching(start, journal.refresh().count, at_start is None, 0)
        sealed_from = start.count if at_start.key else None
        at_start_key = at_start.key
    wanted = {anchor.count for anchor in against}
    hashes: dict[int, str] = {0: GENESIS}
    expected, prev, checked = start.count + 1, start.head, start.count
    current = journal.keys.current
    with_current = sealed_from is not None and current is not None and at_start_key == current.id
    for entry in journal.entries(after_seq=start.count):
        problem = _check(entry, expected, prev, sealed_from, with_current, journal)
        if problem is not None:
            first_bad, text, unverifiable = problem
            return VerifyResult(
                min(checked, first_bad - 1), first_bad, text, prev, unverifiable, sealed_from
            )
        if entry.key and sealed_from is None:
            sealed_from = entry.seq
        with_current = with_current or (current is not None and entry.key == current.id)
        if entry.seq in wanted:
            hashes[entry.seq] = entry.hash
        prev, expected, checked = entry.hash, expected + 1, checked + 1
    for anchor in sorted(against, key=lambda a: a.count):
        if hashes.get(anchor.count) != anchor.head:
            return _not_matching(anchor, checked, anchor.count > checked, checked, prev)
    return VerifyResult(checked, head=prev, sealed_from=sealed_from)


def _check(
    entry: JournalEntry,
    expected: int,
    prev: str,
    sealed_from: int | None,
    sealed_with_current: bool,
    journal: Journal,
) -> tuple[int, str, bool] | None:
    """(first bad entry, why, unverifiable) for the first problem with ``entry``, or None."""
    if entry.seq != expected:
        gap = (
            f"entry #{expected} is missing"
            if entry.seq > expected
            else f"entry #{entry.seq} appears twice or out of order"
        )
        return expected, f"{gap} (next stored is #{entry.seq})", False
    key = None
    if entry.key:
        key = journal.keys.lookup(entry.key)
        current = journal.keys.current
        if key is None and sealed_with_current:
            # Keys rotate forward: an unknown key after the current one was in use is forged.
            return (
                entry.seq,
                f"entry #{entry.seq} is sealed with an unknown key ({entry.key}) after entries"
                f" sealed with the current key {current.id if current else ''}: it was forged",
                False,
            )
        if key is None:
            which = "which is not configured" if journal.keys.ids else "but no key is configured"
            return (
                entry.seq,
                f"entry #{entry.seq} is sealed with journal key {entry.key}, {which}"
                f" ({_KEY_SETTINGS}): it cannot be verified",
                True,
            )
    elif sealed_from is not None:
        return (
            entry.seq,
            f"entry #{entry.seq} carries no seal although entry #{sealed_from} before it was"
            " sealed with a journal key: it was written or rewritten without the key",
            False,
        )
    if entry_hash(entry.seq, entry.ts, entry.kind, entry.data, entry.prev, key) != entry.hash:
        what = (
            "its seal does not match its content (altered, moved, or forged without the key)"
            if key is not None
            else "its content does not match its hash"
        )
        return entry.seq, f"entry #{entry.seq} was altered or moved: {what}", False
    if entry.prev != prev:
        if entry.seq == 1:
            return 1, "entry #1 does not start from the genesis hash", False
        # Entry seq is self-consistent, so its predecessor changed after it was written.
        return (
            entry.seq - 1,
            f"entry #{entry.seq - 1} was altered and re-hashed: entry #{entry.seq}"
            " recorded a different hash for it",
            False,
        )
    return None


def _not_matching(
    anchor: Anchor, count: int, missing: bool, checked: int, head: str = GENESIS
) -> VerifyResult:
    if missing and count == 0:
        problem = (
            f"the journal is empty, but anchor {anchor} recorded {anchor.count} entries:"
            " it was emptied or replaced"
        )
        return VerifyResult(checked, 1, problem, head)
    if missing and count >= anchor.count:
        problem = f"entry #{anchor.count}, which anchor {anchor} recorded, is missing"
        return VerifyResult(min(checked, anchor.count - 1), anchor.count, problem, head)
    if missing:
        gone = (
            f"entry #{anchor.count} was removed"
            if count + 1 == anchor.count
            else f"entries #{count + 1} to #{anchor.count} were removed"
        )
        problem = (
            f"the journal ends at entry #{count}, but anchor {anchor} recorded {anchor.count}"
            f" entries: {gone}"
        )
        return VerifyResult(checked, count + 1, problem, head)
    problem = (
        f"entry #{anchor.count} does not have the hash anchor {anchor} recorded: the chain"
        f" was rewritten at or before entry #{anchor.count} (re-hashed or replaced)"
    )
    return VerifyResult(min(checked, anchor.count - 1), anchor.count, problem, head)
