"""Core: what every stage needs and nothing else: the project's folders (`paths`), the error
types (`errors`), reading and writing Vietnamese/English numbers (`numbers`), and the interface
strings of the reports (`i18n`) and the messages of the commands (`messages`) in Vietnamese
and English, with their words in `locale/`.

May import: the standard library and third-party packages only; no other `analysis` package.
"""
