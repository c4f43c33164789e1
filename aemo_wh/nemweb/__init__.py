"""Talking to AEMO and reading its formats: the NEMWeb client (HTTP or a local folder), the
directory-listing parser, the C/I/D CSV reader and its streaming variant, and the loopback
NEMWeb server the tests and the demo serve files with."""
