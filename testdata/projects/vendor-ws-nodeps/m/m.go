// Package m is a workspace module with no dependencies: go work vendor
// still writes modules.txt with its "## workspace" line.
package m
