"""The bottom layer of the scaling library: the design's numbers, facts about AWS, the shard router and
the reader of Pulumi project and stack files.

Pure Python (PyYAML at most), no Pulumi import, so everything above reads it: the components, the
policy pack (run by the Pulumi CLI in a virtualenv of its own), the stack program and the tools. Installed
from the wheel, the components, the policy pack and the offline preview live below this package too
(``scaling_kit.components``, ``scaling_kit.policies``, ``scaling_kit.offline``), so they never collide with
a consumer's own ``components/`` or ``policies/`` folders.
"""
