// Package chaos holds only a test: the real cdnwatch command and the real Lambda binary,
// run against cdnsim with injected provider faults, a webhook receiver that fails its
// first posts, random kill -9 and restarts, with the state key on and off. It checks the
// promises a watch makes over whole runs rather than single functions: no failure lost,
// no notice id delivered twice with different content, every document verifies, and the
// exit codes of the contract. See docs/reliability.md.
package chaos
