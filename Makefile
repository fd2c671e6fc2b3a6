# Longer fuzzing runs than CI's smoke step; see fuzz/README.md.
FUZZ_SECONDS ?= 300

.PHONY: fuzz fuzz-replay
fuzz:
	python -m fuzz run --seconds $(FUZZ_SECONDS)

fuzz-replay:
	python -m fuzz replay
