"""Security suite fixtures: the integration fixtures, reused.

tests/integration/conftest.py is loaded under the module name
``skiff_it_conftest`` (a plain ``from conftest import *`` would find this
file) and its fixtures and pytest hooks are re-exported here, so the security
tests get the same ``rt``/``bundle``/``no_leftovers`` machinery and the same
``--skiff``/``--runc`` options.  Run this directory on its own (not together
with tests/integration in one pytest session: both would add the options).
"""

import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_IT_CONFTEST = os.path.join(_HERE, "..", "integration", "conftest.py")

if "skiff_it_conftest" in sys.modules:
    _it = sys.modules["skiff_it_conftest"]
else:
    _spec = importlib.util.spec_from_file_location("skiff_it_conftest", _IT_CONFTEST)
    _it = importlib.util.module_from_spec(_spec)
    sys.modules["skiff_it_conftest"] = _it
    _spec.loader.exec_module(_it)

# Fixtures, hooks and helpers: everything public the integration conftest has.
for _name in dir(_it):
    if not _name.startswith("__"):
        globals()[_name] = getattr(_it, _name)
