"""Names as people type them (domain/names.py): the one a typed name means, and close matches for a typo.

The expected suggestions are worked out by hand from difflib's similarity ratio, 2*M/T (M characters
matched, T characters in both strings), against the cut-off of 0.75 the CLI promises for "did you mean".
"""

from __future__ import annotations

from rr_workflow.domain.names import did_you_mean, find, same


class TestFind:
    """The exact name wins; else the only candidate equal to it ignoring case; else none."""

    def test_the_exact_name_is_found(self) -> None:
        assert find("police", ["la", "police", "health"]) == "police"

    def test_the_exact_name_wins_over_one_differing_in_case(self) -> None:
        """Planted bug caught: the exact-match shortcut removed (two case-insensitive matches: none)."""
        assert find("Police", ["police", "Police"]) == "Police"

    def test_a_name_typed_in_another_case_is_found(self) -> None:
        """Planted bug caught: names compared with their case (RR-2026-001 not found as rr-2026-001)."""
        assert find("rr-2026-001", ["RR-2026-001", "RR-2026-002"]) == "RR-2026-001"
        assert find("ΣΊΣΥΦΟΣ", ["σίσυφος"]) == "σίσυφος"  # casefold, not lower: final sigma

    def test_two_candidates_differing_only_in_case_are_ambiguous(self) -> None:
        """Planted bug caught: the first of several case-insensitive matches taken."""
        assert find("POLICE", ["police", "Police"]) is None

    def test_no_candidate_is_none(self) -> None:
        assert find("fire", ["la", "police"]) is None
        assert find("fire", []) is None

    def test_candidates_may_be_any_iterable_read_once(self) -> None:
        """Planted bug caught: the candidates iterated twice (a generator is empty the second time)."""
        assert find("la", (c for c in ["LA", "police"])) == "LA"

    def test_same_ignores_case(self) -> None:
        assert same("Police", "pOLICE")
        assert not same("police", "polices")


class TestDidYouMean:
    """' (did you mean A or B?)' with up to three close names, best first; '' when nothing is close."""

    def test_one_close_name(self) -> None:
        # polise/police: 5 of 6 match, 2*5/12 = 0.83 >= 0.75; la, health: far below.
        assert did_you_mean("polise", ["la", "police", "health"]) == " (did you mean police?)"

    def test_nothing_close_is_empty(self) -> None:
        assert did_you_mean("fire", ["la", "police", "health"]) == ""
        assert did_you_mean("fire", []) == ""

    def test_matched_without_regard_to_case_and_named_as_stored(self) -> None:
        """Planted bug caught: the typed name not case-folded (POLISE vs police scores 0)."""
        assert did_you_mean("POLISE", ["Police"]) == " (did you mean Police?)"

    def test_names_differing_only_in_case_are_offered_once_as_first_listed(self) -> None:
        """Planted bug caught: the last spelling kept instead of the first."""
        assert did_you_mean("polise", ["Police", "police"]) == " (did you mean Police?)"

    def test_two_close_names_are_joined_with_or_best_first(self) -> None:
        # RR-2026-0011 vs RR-2026-001: 2*11/23 = 0.96; vs RR-2026-002: 2*10/23 = 0.87.
        assert (
            did_you_mean("RR-2026-0011", ["RR-2026-002", "RR-2026-001"])
            == " (did you mean RR-2026-001 or RR-2026-002?)"
        )

    def test_three_close_names_are_listed_with_commas_and_or(self) -> None:
        # abcdefgh vs abcdefgX: 7/8 = 0.875; vs abcdefXY: 6/8 = 0.75; vs abcdefgh1: 2*8/17 = 0.94.
        assert (
            did_you_mean("abcdefgh", ["abcdefXY", "abcdefgX", "abcdefgh1"])
            == " (did you mean abcdefgh1, abcdefgX or abcdefXY?)"
        )

    def test_at_most_three_by_default_and_the_limit_is_kept(self) -> None:
        """Planted bug caught: every close match listed (the limit ignored), or a default of more than 3."""
        candidates = ["abcdefgh1", "abcdefgX", "abcdefXY", "abcdefgh12"]
        # abcdefgh12: 2*8/18 = 0.89, between abcdefgh1 (0.94) and abcdefgX (0.875).
        assert did_you_mean("abcdefgh", candidates) == " (did you mean abcdefgh1, abcdefgh12 or abcdefgX?)"
        assert did_you_mean("abcdefgh", candidates, limit=1) == " (did you mean abcdefgh1?)"
        assert did_you_mean("abcdefgh", candidates, limit=2) == " (did you mean abcdefgh1 or abcdefgh12?)"

    def test_the_cut_off_is_three_quarters(self) -> None:
        """Planted bug caught: a looser or stricter cut-off than 0.75."""
        assert did_you_mean("abcd", ["abcX"]) == " (did you mean abcX?)"  # 2*3/8 = 0.75: close
        assert did_you_mean("abcdefgh", ["abcdeXYZ"]) == ""  # 2*5/16 = 0.625: not close
        assert did_you_mean("abcde", ["abcdXY"]) == ""  # 2*4/11 = 0.727: not close
