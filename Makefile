# Longer fuzzing runs than CI's smoke step; see fuzz/README.md.
FUZZ_SECONDS ?= 300

.PHONY: fuzz fuzz-replay
fuzz:
	python -m fuzz run --seconds $(FUZZ_SECONDS)

fuzz-replay:
	python -m fuzz replay

# Mutation testing of one group of safety-critical modules (pyproject.toml [tool.mutmut.groups.*]);
# see docs/mutation.md. Not part of CI. `make mutants MODULE=signer-store`, `make mutants-report`.
MODULE ?= units
JOBS ?= 2
.PHONY: mutants mutants-again mutants-report
mutants:
	python -m mutation run $(MODULE) -j $(JOBS)

mutants-again:
	python -m mutation run $(MODULE) -j $(JOBS) --again

mutants-report:
	python -m mutation report -v
