// Package reliability holds the provider's reliability and security suite, as tests only: bad input
// rejected at plan time, secrets absent from every artefact, injected faults absorbed or reported, interrupted
// applies that converge, load, least privilege of the created key. RELIABILITY.md at the repository root lists
// the scenarios and how to run them.
package reliability
