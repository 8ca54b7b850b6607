#!/usr/bin/env python3
"""moto_server, with one fix for running executions side by side.

moto 5.2's Step Functions StartExecution deep-copies the state machine, including the list of its executions;
a running execution holds a lock, so a second StartExecution while one runs fails with "cannot pickle
'_thread.RLock' object". The copy only serves the new execution, which never looks at that list: copy everything
else. Arguments are moto_server's.
"""
import copy
import sys

from moto.server import main
from moto.stepfunctions.models import StateMachineInstance

import distributed_map  # noqa: F401  (Distributed Map stand-ins: ItemBatcher, paged listing, results, redrive)


def _deepcopy_without_executions(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for name, value in self.__dict__.items():
        setattr(clone, name, [] if name == "executions" else copy.deepcopy(value, memo))
    return clone


StateMachineInstance.__deepcopy__ = _deepcopy_without_executions

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
