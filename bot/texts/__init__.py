"""The text catalogue: every word the product shows people, in Brazilian Portuguese.

One package, one module per audience: `customer` (private chats), `staff` (staff group and staff chats),
`errors` (domain errors, by code), `operator` (the command line), `email`, and `format` (dates, escaping, splitting).
Handlers and jobs never hold literal Portuguese.
"""
