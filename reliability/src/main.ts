// Entry point of `make run-chaos` (issue 8); the suite lands here.
console.error('reliability: not implemented yet');
process.exit(1);
