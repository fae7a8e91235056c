# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for gomap's Documentation/, a standalone doc set built
# by `make htmldocs` (scripts/docs.sh) with Debian's python3-sphinx.
#
# The API reference comes from the kernel-doc comments in gomap/ through the
# kernel's own kerneldoc extension and scripts/kernel-doc, taken from a full
# kernel source tree: $KSRC if set, else the tree scripts/ksrc.sh unpacks.

import os
import subprocess
import sys
import types

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

ksrc = os.environ.get('KSRC')
if not ksrc:
    ksrc = subprocess.run([os.path.join(top, 'scripts', 'ksrc.sh')], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()
ksphinx = os.path.join(ksrc, 'Documentation', 'sphinx')
if not os.path.isfile(os.path.join(ksphinx, 'kerneldoc.py')):
    sys.exit(f'conf.py: no kerneldoc extension in {ksphinx}; set KSRC to a kernel source tree')
sys.path.insert(0, ksphinx)

import automarkup  # noqa: E402  (the kernel's extensions, from ksphinx)
import kerneldoc  # noqa: E402
from sphinx.util import logging as sphinx_logging  # noqa: E402

project = 'gomap'
author = 'The gomap developers'
copyright = 'The gomap developers; GPL-2.0'

needs_sphinx = '3.1'
# kerneldoc: the ".. kernel-doc::" directive.  automarkup: turns func() and
# struct name in running text into links, as in the kernel's own docs.
extensions = ['kerneldoc', 'automarkup']

# Sphinx's C domain keeps structures and functions in one scope, so it
# cannot hold both struct gomap_stats and the function gomap_stats() (nor
# gomap_params).  gomap.rst therefore documents the exported functions in
# the C namespace below, which does not show in the rendered names; the
# structures stay global, where the prototypes' types find them.  Let
# automarkup look for "name()" in that namespace first.
c_functions_namespace = 'gomap_api'

_markup_func_ref = automarkup.markup_func_ref_sphinx3


def _markup_api_func_ref(docname, app, match):
    saved = automarkup.c_namespace
    automarkup.c_namespace = saved or c_functions_namespace
    try:
        return _markup_func_ref(docname, app, match)
    finally:
        automarkup.c_namespace = saved


automarkup.markup_func_ref_sphinx3 = _markup_api_func_ref

# kerneldoc: the kernel's scripts/kernel-doc, run on files named relative to
# the repository root (".. kernel-doc:: gomap/gomap_core.c").
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = top
# Only warnings, not every kernel-doc invocation, reach the build log.
kerneldoc_verbosity = 0

# The kernel's extension prints kernel-doc's complaints to stderr, if at all,
# and they do not count as Sphinx warnings: a ":doc:" naming a DOC block that
# was renamed would just render nothing.  Turn every "warning:" or "error:"
# kernel-doc prints into a Sphinx warning, so that -W fails the build.
_kdoc_logger = sphinx_logging.getLogger('gomap.kerneldoc')


class _KernelDocPopen(subprocess.Popen):
    def communicate(self, *args, **kwargs):
        out, err = super().communicate(*args, **kwargs)
        for line in (err or b'').decode('utf-8', 'replace').splitlines():
            if ' warning: ' in line or ' error: ' in line:
                _kdoc_logger.warning('kernel-doc: %s', line)
        return out, err


kerneldoc.subprocess = types.SimpleNamespace(Popen=_KernelDocPopen, PIPE=subprocess.PIPE)

# The C domain parses each prototype kernel-doc emits; teach it the
# kernel's attribute macros that appear in ours, as the kernel's conf.py does.
c_id_attributes = [
    '__must_check',
    '__init',
    '__exit',
    '__rcu',
    'VISIBLE_IF_KUNIT',
]

primary_domain = 'c'
highlight_language = 'none'

source_suffix = '.rst'
root_doc = master_doc = 'index'
exclude_patterns = ['example']
templates_path = []

html_theme = 'alabaster'
html_title = 'gomap'
html_show_sourcelink = False
html_copy_source = False
html_static_path = []

# "make htmldocs" fails on any warning (sphinx-build -W), and the build is
# nitpicky, so a reference to a gomap function or structure that does not
# exist is a warning.  The kernel's types and functions are not documented
# here; references to them stay plain text.
nitpicky = True
nitpick_ignore_regex = [
    ('c:identifier', r'(bool|[su](8|16|32|64)|size_t|ssize_t|gfp_t|loff_t|gomap|gomap_table)'),
    ('c:func', r'(?!gomap_).*'),
]
