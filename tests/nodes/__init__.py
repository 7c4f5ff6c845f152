"""A test app for processes started by tests/test_two_nodes.py: a periodic job whose every run
leaves a line in ``$TONGBAN_TEST_TICK_LOG``."""
