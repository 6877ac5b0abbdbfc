"""Scaling simulator: replay a load curve through a stack's HPA, node group and Auto Scaling group.

A repository tool on top of the stack program (it reads the stack's settings the way the program does),
run as ``python -m simulator --stack <name> --load <file.csv>``. See docs/simulator.md.
"""
