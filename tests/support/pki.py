"""Moved to :mod:`devstack.pki` (shared with the demo); re-exported."""

from devstack.pki import Issued, TestPki, chain_pem, issue, make_ca, make_crl, make_test_pki

__all__ = ["Issued", "TestPki", "chain_pem", "issue", "make_ca", "make_crl", "make_test_pki"]
