# Integration tests (pytest, as root) run by `make check-integration`.
