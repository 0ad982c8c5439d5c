"""A real OpenSearch node for the search tests: ``AYA_OPENSEARCH_URL`` when set, else one started for the session
from the Maven-built launcher (``make install-opensearch``) on free ports, in a temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from aya.search.opensearch_node import start_node


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("AYA_OPENSEARCH_URL")
    if given:
        yield given
        return
    node = start_node(tmp_path_factory.mktemp("opensearch"), name="aya-test")
    try:
        yield node.url
    finally:
        node.stop()
